"""Making one child from the parent population: tournament selection, crossover, mutation."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.distributions import BaseDistribution, CategoricalDistribution
from parzen.samplers._nsga._crossovers import BaseCrossover, UniformCrossover
from parzen.samplers._nsga._elite import population_arrays
from parzen.samplers._nsga._mutations import BaseMutation
from parzen.samplers._nsga._transform import NumericTransform

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial

__all__ = ["NSGAIIChildGenerationStrategy"]

# A crossover child outside the bounds is made again from new parents this many times at most,
# then clipped: near the bounds, widening crossovers (BLX, SPX, UNDX) often overshoot.
_MAX_CROSSOVER_ATTEMPTS = 32


class _ParentTable:
    """The parent population as arrays, built once per population."""

    def __init__(
        self,
        study: Study,
        parents: list[FrozenTrial],
        box: NumericTransform,
        categorical: list[tuple[str, CategoricalDistribution]],
    ) -> None:
        self.parents = parents
        self.box = box
        self.loss, violations = population_arrays(study, parents)
        self.constrained = not np.isnan(violations).all()
        self.violations = np.where(np.isnan(violations), np.inf, violations)
        self.numeric = np.array([box.transform_partial(p.params) for p in parents]).reshape(
            len(parents), box.dim
        )
        self.categorical = np.full((len(parents), len(categorical)), -1, dtype=np.int64)
        for row, parent in enumerate(parents):
            for column, (name, dist) in enumerate(categorical):
                # A value that is no longer a choice (the distribution changed) stays -1.
                if name in parent.params:
                    with contextlib.suppress(ValueError):
                        self.categorical[row, column] = int(
                            dist.to_internal_repr(parent.params[name])
                        )

        self._dominance: np.ndarray | None = None

    def dominates(self, a: int, b: int) -> bool:
        """Deb's constrained domination of row ``a`` over row ``b``."""
        if self._dominance is None:
            # Every tournament of the generation reads this matrix: build it once.
            loss = self.loss
            pareto = np.all(loss[:, None, :] <= loss[None, :, :], axis=2) & np.any(
                loss[:, None, :] < loss[None, :, :], axis=2
            )
            if self.constrained:
                v = self.violations
                feasible = v <= 0.0
                both_feasible = feasible[:, None] & feasible[None, :]
                by_violation = ~feasible[:, None] & ~feasible[None, :] & (v[:, None] < v[None, :])
                pareto = (
                    (both_feasible & pareto)
                    | (feasible[:, None] & ~feasible[None, :])
                    | by_violation
                )
            self._dominance = pareto
        return bool(self._dominance[a, b])


class NSGAIIChildGenerationStrategy:
    """Make a child's parameters from the parent population.

    With probability ``crossover_prob``, parents are chosen by binary tournaments (the winner
    constrained-dominates the other; the first drawn on a tie), each parent removed from the
    pool once chosen; numerical parameters go through ``crossover``, categorical ones through a
    uniform crossover of the first two parents with ``swapping_prob``. Otherwise one random
    parent is copied. Then each parameter is mutated with probability ``mutation_prob``
    (default ``1 / n_params``): by ``mutation`` for a numerical parameter when one is given,
    else by leaving it out, so that the sampler draws it at random.

    Args:
        mutation_prob: Per-parameter mutation probability; None for ``1 / n_params``.
        crossover: The numerical crossover.
        crossover_prob: Probability of crossover rather than copying a parent.
        swapping_prob: Per-parameter swapping probability of the categorical crossover.
        constraints_func: Accepted for Optuna compatibility; constraints are read from each
            trial's stored constraint values either way.
        rng: The random state to draw from.
        mutation: The numerical mutation; None to resample mutated parameters at random.

    Examples:
        >>> import numpy as np, parzen
        >>> from parzen.samplers._nsga import NSGAIIChildGenerationStrategy
        >>> from parzen.samplers.nsgaii import UniformCrossover
        >>> study = parzen.create_study(directions=["minimize", "minimize"])
        >>> study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_int("n", 0, 3)),
        ...                n_trials=4)
        >>> child = NSGAIIChildGenerationStrategy(
        ...     mutation_prob=0.0, crossover=UniformCrossover(), crossover_prob=1.0,
        ...     swapping_prob=0.5, rng=np.random.RandomState(0))
        >>> sorted(child(study, study.trials[0].distributions, study.trials))
        ['n', 'x']
    """

    def __init__(
        self,
        *,
        mutation_prob: float | None = None,
        crossover: BaseCrossover,
        crossover_prob: float,
        swapping_prob: float,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
        rng: np.random.RandomState,
        mutation: BaseMutation | None = None,
    ) -> None:
        self._mutation_prob = mutation_prob
        self._crossover = crossover
        self._crossover_prob = crossover_prob
        self._swapping_prob = swapping_prob
        self._constraints_func = constraints_func
        self._rng = rng
        self._mutation = mutation
        self._categorical_crossover = UniformCrossover(swapping_prob)
        self._cached: tuple[list[FrozenTrial], dict[str, BaseDistribution], _ParentTable] | None
        self._cached = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_cached"] = None
        return state

    def _table(
        self, study: Study, search_space: dict[str, BaseDistribution], parents: list[FrozenTrial]
    ) -> _ParentTable:
        cached = self._cached
        if cached is not None and cached[0] is parents and cached[1] == search_space:
            return cached[2]
        numeric = {
            name: dist
            for name, dist in search_space.items()
            if not isinstance(dist, CategoricalDistribution)
        }
        categorical = [
            (name, dist)
            for name, dist in search_space.items()
            if isinstance(dist, CategoricalDistribution)
        ]
        table = _ParentTable(
            study, parents, NumericTransform(numeric, normalize=True), categorical
        )
        self._cached = (parents, dict(search_space), table)
        return table

    def __call__(
        self,
        study: Study,
        search_space: dict[str, BaseDistribution],
        parent_population: list[FrozenTrial],
    ) -> dict[str, Any]:
        if not parent_population:
            return {}
        table = self._table(study, search_space, parent_population)
        rng = self._rng
        if rng.rand() < self._crossover_prob and len(parent_population) >= max(
            self._crossover.n_parents, 2
        ):
            numeric, categorical = self._crossover_child(study, table)
        else:
            row = rng.randint(len(parent_population))
            numeric = table.numeric[row].copy()
            categorical = table.categorical[row].copy()

        box = table.box
        n_params = int(np.sum(~np.isnan(numeric)) + np.sum(categorical >= 0))
        mutation_prob = (
            self._mutation_prob if self._mutation_prob is not None else 1.0 / max(1, n_params)
        )
        # Mutation: a numerical value goes through the mutation operator, or is dropped (NaN or
        # -1) and so drawn at random by the sampler.
        mutate = rng.rand(box.dim + len(categorical)) < mutation_prob
        for i in np.flatnonzero(mutate[: box.dim] & ~np.isnan(numeric)):
            if self._mutation is None:
                numeric[i] = np.nan
            else:
                numeric[i] = self._mutation.mutation(float(numeric[i]), rng, study, box.bounds[i])
        categorical[mutate[box.dim :]] = -1

        params: dict[str, Any] = {}
        valid = ~np.isnan(numeric)
        if valid.any():
            values = box.untransform(np.where(valid, numeric, 0.0))
            params.update({name: values[name] for name, ok in zip(box.names, valid) if ok})
        categorical_names = [
            (name, dist)
            for name, dist in search_space.items()
            if isinstance(dist, CategoricalDistribution)
        ]
        for (name, dist), index in zip(categorical_names, categorical):
            if index >= 0:
                params[name] = dist.to_external_repr(float(index))
        return {name: params[name] for name in search_space if name in params}

    def _select_parents(self, table: _ParentTable, n_parents: int) -> list[int]:
        rng = self._rng
        pool = list(range(len(table.parents)))
        chosen = []
        for _ in range(n_parents):
            first = pool[rng.randint(len(pool))]
            second = pool[rng.randint(len(pool))]
            winner = second if table.dominates(second, first) else first
            chosen.append(winner)
            pool.remove(winner)
        return chosen

    def _crossover_child(self, study: Study, table: _ParentTable) -> tuple[np.ndarray, np.ndarray]:
        box = table.box
        bounds = box.bounds
        n_parents = max(self._crossover.n_parents, 2)
        numeric = np.full(box.dim, np.nan)
        rows: list[int] = []
        for _ in range(_MAX_CROSSOVER_ATTEMPTS):
            rows = self._select_parents(table, n_parents)
            parents = table.numeric[rows]
            usable = ~np.isnan(parents).any(axis=0)
            numeric = np.full(box.dim, np.nan)
            if not usable.any():
                break
            child = np.asarray(
                self._crossover.crossover(
                    parents[: self._crossover.n_parents][:, usable],
                    self._rng,
                    study,
                    bounds[usable],
                ),
                dtype=float,
            )
            numeric[usable] = child
            inside = np.all(child >= bounds[usable, 0]) and np.all(child <= bounds[usable, 1])
            if inside and np.all(np.isfinite(child)):
                break
        else:
            numeric = np.clip(numeric, bounds[:, 0], bounds[:, 1])
        categorical = np.full(table.categorical.shape[1], -1, dtype=np.int64)
        if table.categorical.shape[1]:
            pair = table.categorical[rows[:2]]
            usable_cat = (pair >= 0).all(axis=0)
            mixed = self._categorical_crossover.crossover(
                pair.astype(float), self._rng, study, np.zeros((pair.shape[1], 2))
            )
            categorical[usable_cat] = mixed[usable_cat].astype(np.int64)
        return numeric, categorical
