"""Elite population selection: which trials survive into the next generation's parents.

Both strategies take the previous generation together with its parents (Deb's ``R_t``, the
union of ``P_t`` and ``Q_t``), sort it into non-dominated fronts under constrained domination,
and keep whole fronts while they fit. They differ in how they cut the last front that does not
fit: NSGA-II keeps its least crowded members (largest crowding distance), NSGA-III those that
best fill the reference directions (Das and Dennis points on the unit simplex, or the user's).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from parzen._records.constraints import get_constraints
from parzen._records.multi_objective import to_loss
from parzen.samplers._nsga._sort import constrained_ranks, crowding_distance

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial

__all__ = [
    "NSGAIIElitePopulationSelectionStrategy",
    "NSGAIIIElitePopulationSelectionStrategy",
    "generate_default_reference_points",
    "population_arrays",
]


def population_arrays(
    study: Study, population: Sequence[FrozenTrial]
) -> tuple[np.ndarray, np.ndarray]:
    """The trials' losses (minimized, shape ``(n, m)``) and total constraint violations
    (sum of positive constraint values, NaN for a trial without constraints)."""
    n_objectives = len(study.directions)
    values = np.full((len(population), n_objectives), np.nan)
    violations = np.full(len(population), np.nan)
    for row, trial in enumerate(population):
        trial_values = trial.values
        if trial_values is not None and len(trial_values) == n_objectives:
            values[row] = trial_values
        constraints = get_constraints(trial)
        if constraints is not None:
            violations[row] = sum(max(c, 0.0) for c in constraints)
    loss = to_loss(values, study.directions)
    # A missing or NaN value is the worst possible one, whatever the direction.
    loss[np.isnan(loss)] = np.inf
    return loss, violations


def _fronts(ranks: np.ndarray) -> list[np.ndarray]:
    order = np.argsort(ranks, kind="stable")
    boundaries = np.flatnonzero(np.diff(ranks[order])) + 1
    return np.split(order, boundaries)


class NSGAIIElitePopulationSelectionStrategy:
    """Keep the best ``population_size`` trials by front, then by crowding distance.

    Args:
        population_size: How many trials survive.
        constraints_func: Accepted for Optuna compatibility; constraints are read from each
            trial's stored constraint values either way.

    Examples:
        >>> import parzen
        >>> from parzen.samplers._nsga import NSGAIIElitePopulationSelectionStrategy
        >>> study = parzen.create_study(directions=["minimize", "minimize"])
        >>> study.optimize(lambda t: (t.suggest_float("x", 0, 1), 1 - t.suggest_float("y", 0, 1)),
        ...                n_trials=6)
        >>> len(NSGAIIElitePopulationSelectionStrategy(population_size=3)(study, study.trials))
        3
    """

    def __init__(
        self,
        *,
        population_size: int,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
    ) -> None:
        self._population_size = population_size
        self._constraints_func = constraints_func

    def __call__(self, study: Study, population: list[FrozenTrial]) -> list[FrozenTrial]:
        if len(population) <= self._population_size:
            return list(population)
        loss, violations = population_arrays(study, population)
        ranks = constrained_ranks(loss, violations)
        chosen: list[int] = []
        for front in _fronts(ranks):
            room = self._population_size - len(chosen)
            if len(front) <= room:
                chosen.extend(front.tolist())
                if len(front) == room:
                    break
                continue
            distance = crowding_distance(loss[front])
            # Most isolated first; ties keep the population's order.
            order = np.argsort(-distance, kind="stable")
            chosen.extend(front[order[:room]].tolist())
            break
        return [population[i] for i in chosen]


def generate_default_reference_points(n_objectives: int, dividing_parameter: int) -> np.ndarray:
    """Das and Dennis's points on the unit simplex: every vector of ``n_objectives`` multiples
    of ``1 / dividing_parameter`` that sum to 1.

    Examples:
        >>> from parzen.samplers._nsga import generate_default_reference_points
        >>> generate_default_reference_points(2, 2).tolist()
        [[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]]
    """
    p = dividing_parameter
    points = []
    # Stars and bars: the positions of n_objectives - 1 bars among p + n_objectives - 1 slots.
    for bars in itertools.combinations(range(p + n_objectives - 1), n_objectives - 1):
        edges = (-1, *bars, p + n_objectives - 1)
        points.append([edges[i + 1] - edges[i] - 1 for i in range(n_objectives)])
    return np.array(points, dtype=float) / p


class NSGAIIIElitePopulationSelectionStrategy:
    """Keep the best ``population_size`` trials by front, the last front cut by reference
    point niching (Deb and Jain, IEEE TEC 18(4), 2014).

    The kept fronts are normalized (ideal point at the origin, intercepts of the hyperplane
    through the extreme points at 1; the fronts' maxima when that plane is degenerate); each
    trial is associated with the reference direction nearest to it; members of the last front
    are then added one by one to the least represented direction, the nearest one first for an
    empty direction and a random one otherwise.

    Args:
        population_size: How many trials survive.
        constraints_func: Accepted for Optuna compatibility; constraints are read from each
            trial's stored constraint values either way.
        reference_points: Shape ``(k, n_objectives)``: target directions in the normalized
            objective space (minimized). Default: Das and Dennis points with
            ``dividing_parameter`` divisions.
        dividing_parameter: Divisions per axis of the default reference points.
        rng: Random state for the niching choices.

    Examples:
        >>> import numpy as np, parzen
        >>> from parzen.samplers._nsga import NSGAIIIElitePopulationSelectionStrategy
        >>> study = parzen.create_study(directions=["minimize", "minimize"])
        >>> study.optimize(lambda t: (t.suggest_float("x", 0, 1), 1 - t.suggest_float("y", 0, 1)),
        ...                n_trials=6)
        >>> select = NSGAIIIElitePopulationSelectionStrategy(
        ...     population_size=3, rng=np.random.RandomState(0))
        >>> len(select(study, study.trials))
        3
    """

    def __init__(
        self,
        *,
        population_size: int,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
        reference_points: np.ndarray | None = None,
        dividing_parameter: int = 3,
        rng: np.random.RandomState,
    ) -> None:
        self._population_size = population_size
        self._constraints_func = constraints_func
        self._reference_points = reference_points
        self._dividing_parameter = dividing_parameter
        self._rng = rng
        self._default_points: dict[int, np.ndarray] = {}

    def _points(self, n_objectives: int) -> np.ndarray:
        if self._reference_points is not None:
            points = np.asarray(self._reference_points, dtype=float)
            if points.ndim != 2 or points.shape[1] != n_objectives:
                raise ValueError(
                    f"reference_points must have shape (k, {n_objectives}) for a study with "
                    f"{n_objectives} objectives, got shape {points.shape}."
                )
            return points
        default = self._default_points.get(n_objectives)
        if default is None:
            default = generate_default_reference_points(n_objectives, self._dividing_parameter)
            self._default_points[n_objectives] = default
        return default

    def __call__(self, study: Study, population: list[FrozenTrial]) -> list[FrozenTrial]:
        if len(population) <= self._population_size:
            return list(population)
        loss, violations = population_arrays(study, population)
        ranks = constrained_ranks(loss, violations)
        chosen: list[int] = []
        last_front = np.zeros(0, dtype=np.int64)
        for front in _fronts(ranks):
            room = self._population_size - len(chosen)
            if len(front) <= room:
                chosen.extend(front.tolist())
                if len(front) == room:
                    return [population[i] for i in chosen]
                continue
            last_front = front
            break
        kept = np.array(chosen, dtype=np.int64)
        picked = self._niching(loss, kept, last_front, self._population_size - len(chosen))
        return [population[i] for i in [*chosen, *picked]]

    def _niching(
        self, loss: np.ndarray, kept: np.ndarray, last_front: np.ndarray, n_needed: int
    ) -> list[int]:
        members = np.concatenate([kept, last_front])
        normalized = _normalize(loss[members])
        points = self._points(loss.shape[1])
        norms = np.linalg.norm(points, axis=1)
        directions = points / np.where(norms > 0, norms, 1.0)[:, None]
        # Perpendicular distance of each member to each reference line through the origin.
        projections = normalized @ directions.T
        squared = np.sum(normalized**2, axis=1)[:, None] - projections**2
        distances = np.sqrt(np.maximum(squared, 0.0))
        nearest = np.argmin(distances, axis=1)
        nearest_distance = distances[np.arange(len(members)), nearest]

        n_kept = len(kept)
        niche_count = np.bincount(nearest[:n_kept], minlength=len(points)).astype(np.int64)
        candidate_ref = nearest[n_kept:]
        candidate_distance = nearest_distance[n_kept:]
        taken = np.zeros(len(last_front), dtype=bool)
        open_refs = np.ones(len(points), dtype=bool)
        picked: list[int] = []
        while len(picked) < n_needed and open_refs.any():
            counts = np.where(open_refs, niche_count, np.iinfo(np.int64).max)
            least = np.flatnonzero(counts == counts.min())
            ref = int(least[self._rng.randint(len(least))]) if len(least) > 1 else int(least[0])
            candidates = np.flatnonzero((candidate_ref == ref) & ~taken)
            if candidates.size == 0:
                open_refs[ref] = False
                continue
            if niche_count[ref] == 0:
                choice = int(candidates[np.argmin(candidate_distance[candidates])])
            else:
                choice = int(candidates[self._rng.randint(len(candidates))])
            taken[choice] = True
            picked.append(int(last_front[choice]))
            niche_count[ref] += 1
        return picked


def _normalize(loss: np.ndarray) -> np.ndarray:
    """Objectives translated to the ideal point and scaled by the hyperplane intercepts."""
    finite = np.where(np.isfinite(loss), loss, np.nan)
    if np.isnan(finite).all():
        return np.zeros_like(loss)
    # Infinite losses are clamped just past the worst finite one so the geometry stays finite.
    worst = np.nanmax(finite, axis=0)
    best = np.nanmin(finite, axis=0)
    worst = np.where(np.isnan(worst), 0.0, worst)
    best = np.where(np.isnan(best), 0.0, best)
    clamped = np.where(np.isfinite(loss), loss, (worst + (worst - best) + 1.0)[None, :])
    ideal = clamped.min(axis=0)
    shifted = clamped - ideal
    n_objectives = loss.shape[1]
    weights = np.full((n_objectives, n_objectives), 1e-6)
    np.fill_diagonal(weights, 1.0)
    # Achievement scalarizing function: the extreme point of axis j minimizes max_i f_i / w_ji.
    asf = np.max(shifted[None, :, :] / weights[:, None, :], axis=2)
    extremes = shifted[np.argmin(asf, axis=1)]
    intercepts = _intercepts(extremes)
    fallback = shifted.max(axis=0)
    if intercepts is None:
        intercepts = fallback
    intercepts = np.where(intercepts > 1e-10, intercepts, 1.0)
    return shifted / intercepts


def _intercepts(extremes: np.ndarray) -> np.ndarray | None:
    n_objectives = len(extremes)
    try:
        plane = np.linalg.solve(extremes, np.ones(n_objectives))
    except np.linalg.LinAlgError:
        return None
    with np.errstate(divide="ignore"):
        intercepts = 1.0 / plane
    if not np.all(np.isfinite(intercepts)) or np.any(intercepts <= 1e-10):
        return None
    return intercepts
