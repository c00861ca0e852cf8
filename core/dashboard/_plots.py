"""Plot data for the study page, computed on the server as compact arrays.

The page draws these with plotly.js. Large studies are reduced here, never in the browser:
the optimization history keeps each bucket's extremes (so outliers and the envelope survive),
scatter-type plots keep the best trials plus an even sample of the rest, learning curves
are limited to the running and most recent trials, and importances are computed on an even
sample of the trials. Every payload says how many points it shows (or used) out of how
many, so the page can say so.

The plots start from the study's COMPLETE trials as arrays (:mod:`._columns`), never from a
walk over every trial object; how a parameter's axis looks (log, categorical, integer,
ticks, range) is decided by :mod:`parzen.visualization._axes`, as in the library's plots.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np

from parzen._records.direction import StudyDirection
from parzen.dashboard._api import BadRequest
from parzen.dashboard._cache import NotFound, Snapshot, StudyCache
from parzen.trial import FrozenTrial, TrialState
from parzen.visualization._axes import ParamAxis, numeric_frame, param_axes

MAX_HISTORY_POINTS = 2000
MAX_SCATTER_TRIALS = 1000
MAX_CURVES = 100
MAX_CURVE_POINTS = 300
MAX_CATEGORY_TICKS = 30
MAX_IMPORTANCE_TRIALS = 2000

# A plot is rebuilt at most once per PATIENCE times its build time (see plot_data).
PATIENCE = 10.0
PLOTS = ("history", "intermediate", "parallel", "slice", "importance", "pareto", "terminator")
# The terminator curve: the regret bound at this many trial counts at most, on studies of up
# to this many complete trials (a bound costs a GP fit on half of them).
MAX_TERMINATOR_POINTS = 20
MAX_TERMINATOR_TRIALS = 500


def plot_data(
    cache: StudyCache, name: str, query: dict[str, list[str]]
) -> tuple[dict[str, Any], bool]:
    """The data of plot ``name`` (one of :data:`PLOTS`), and whether it is up to date.

    Plots of finished trials are rebuilt when a trial finishes, but no sooner than
    :data:`PATIENCE` times their last build time after it: on a large, busy study the server
    keeps answering and the page gets the update a moment later (it asks again while the
    answer is stale). Raises NotFound for an unknown plot.
    """
    snap = cache.snapshot()
    n = len(cache.directions)
    build: Callable[[], dict[str, Any]]
    depends_on: Hashable = snap.finished_count
    if name == "history":
        k = _objective_arg(query, "objective", 0, n)
        key: tuple[Any, ...] = ("history", k)
        build = lambda: history(cache, snap, k)  # noqa: E731
    elif name == "intermediate":
        key, depends_on = ("intermediate",), snap.revision
        build = lambda: intermediate(snap)  # noqa: E731
    elif name == "parallel":
        k = _objective_arg(query, "objective", 0, n)
        key = ("parallel", k)
        build = lambda: parallel(cache, snap, k)  # noqa: E731
    elif name == "slice":
        k = _objective_arg(query, "objective", 0, n)
        key = ("slice", k)
        build = lambda: slices(cache, snap, k)  # noqa: E731
    elif name == "importance":
        key = ("importance",)
        build = lambda: importance(cache, snap)  # noqa: E731
    elif name == "pareto":
        x = _objective_arg(query, "x", 0, n)
        y = _objective_arg(query, "y", min(1, n - 1), n)
        key = ("pareto", x, y)
        build = lambda: pareto(cache, snap, x, y)  # noqa: E731
    elif name == "terminator":
        key = ("terminator",)
        build = lambda: terminator(cache, snap)  # noqa: E731
    else:
        raise NotFound(f"No plot named {name!r}; the plots are {', '.join(PLOTS)}.")
    return cache.memo_throttled(key, depends_on, build, patience=PATIENCE)


def _objective_arg(query: dict[str, list[str]], name: str, default: int, n: int) -> int:
    raw = query.get(name)
    if not raw:
        return default
    try:
        value = int(raw[-1])
    except ValueError:
        raise BadRequest(f"{name} must be an objective index, got {raw[-1]!r}.") from None
    if not 0 <= value < n:
        raise BadRequest(f"{name} must be between 0 and {n - 1} (the study has {n} objectives).")
    return value


# -- reductions -------------------------------------------------------------------------------


def bucket_extremes(values: np.ndarray, max_points: int) -> np.ndarray:
    """Indices keeping the smallest and largest value of each of ``max_points // 2`` runs.

    A scatter of many points then keeps its envelope and its outliers, which a plain stride
    would drop. Indices come back sorted.
    """
    n = len(values)
    if n <= max_points:
        return np.arange(n)
    n_buckets = max(1, max_points // 2)
    edges = np.linspace(0, n, n_buckets + 1).astype(int)
    keep = []
    for lo, hi in itertools.pairwise(edges):
        if hi > lo:
            chunk = values[lo:hi]
            keep.append(lo + int(np.argmin(chunk)))
            keep.append(lo + int(np.argmax(chunk)))
    return np.unique(np.array(keep, dtype=int))


def best_and_spread(loss: np.ndarray, max_n: int) -> np.ndarray:
    """Indices of the ``max_n // 2`` lowest losses plus an even sample of the others.

    Plots of parameters against the objective care most about where the good trials lie,
    and need the rest to show the shape of the landscape. Indices come back sorted.
    """
    n = len(loss)
    if n <= max_n:
        return np.arange(n)
    n_best = max_n // 2
    order = np.argsort(loss, kind="stable")
    best = order[:n_best]
    rest = np.sort(order[n_best:])
    spread = rest[np.linspace(0, len(rest) - 1, max_n - n_best).astype(int)]
    return np.unique(np.concatenate([best, spread]))


def _stride(n: int, max_n: int) -> np.ndarray:
    if n <= max_n:
        return np.arange(n)
    picks = np.linspace(0, n - 1, max_n).astype(int)
    return np.unique(picks)


def _objective(trial: FrozenTrial, k: int) -> float:
    assert trial.values is not None, "COMPLETE trials have values"
    return trial.values[k]


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


# -- plots --------------------------------------------------------------------------------


def _sign(direction: StudyDirection) -> float:
    return -1.0 if direction == StudyDirection.MAXIMIZE else 1.0


def history(cache: StudyCache, snap: Snapshot, k: int) -> dict[str, Any]:
    """Objective ``k`` of every COMPLETE trial by trial number, and the best value so far."""
    columns = cache.columns(snap)
    numbers, values, feasible = columns.numbers, columns.values[:, k], columns.feasible
    best_x: list[int] = []
    best_y: list[float] = []
    if len(cache.directions) == 1 and len(numbers):
        loss = np.where(feasible, _sign(cache.directions[0]) * values, np.inf)
        loss = np.where(np.isnan(loss), np.inf, loss)
        running = np.minimum.accumulate(loss)
        # A point where the best so far strictly improves: the best-value step line's corners.
        before = np.concatenate([[np.inf], running[:-1]])
        improved = np.flatnonzero(running < before)
        best_x = numbers[improved].tolist()
        best_y = values[improved].tolist()
        if best_x and best_x[-1] != numbers[-1]:
            best_x.append(int(numbers[-1]))
            best_y.append(best_y[-1])
    shown = bucket_extremes(values, MAX_HISTORY_POINTS)
    ok = feasible[shown]
    return {
        "objective": k,
        "label": cache.objective_label(k),
        "direction": cache.directions[k].name.lower(),
        "feasible": {
            "number": numbers[shown][ok].tolist(),
            "value": values[shown][ok].tolist(),
        },
        "infeasible": {
            "number": numbers[shown][~ok].tolist(),
            "value": values[shown][~ok].tolist(),
        },
        "best": {"number": best_x, "value": best_y},
        "n_complete": len(numbers),
        "n_shown": len(shown),
    }


def intermediate(snap: Snapshot) -> dict[str, Any]:
    """Learning curves: the running trials' and the most recent finished trials'."""
    chosen = [t for t in snap.active if t.intermediate_values][:MAX_CURVES]
    for trial in reversed(snap.trials):  # newest first; stops after MAX_CURVES curves
        if len(chosen) >= MAX_CURVES:
            break
        if trial.intermediate_values and trial.state.is_finished():
            chosen.append(trial)
    chosen.sort(key=lambda t: t.number)
    curves = []
    for trial in chosen:
        steps = sorted(trial.intermediate_values)
        picks = _stride(len(steps), MAX_CURVE_POINTS)
        if len(steps) and picks[-1] != len(steps) - 1:
            picks = np.append(picks, len(steps) - 1)
        kept = [steps[i] for i in picks]
        curves.append(
            {
                "number": trial.number,
                "state": trial.state.name,
                "steps": kept,
                "values": [_finite(float(trial.intermediate_values[s])) for s in kept],
            }
        )
    return {
        "curves": curves,
        "n_with_values": snap.n_with_intermediate_values,
        "n_shown": len(curves),
    }


def _reduce_complete(
    cache: StudyCache, snap: Snapshot, k: int
) -> tuple[list[FrozenTrial], np.ndarray]:
    columns = cache.columns(snap)
    values = columns.values[:, k]
    shown = best_and_spread(_sign(cache.directions[k]) * values, MAX_SCATTER_TRIALS)
    return [columns.trials[i] for i in shown], values[shown]


def _axis_json(axis: ParamAxis, positions: np.ndarray) -> dict[str, Any]:
    """An axis of the parallel-coordinates plot: its kind, range and ticks in positions
    (log10 on log axes, choice index on categorical ones), and each trial's position."""
    if axis.is_categorical:
        n = len(axis.labels)
        every = max(1, math.ceil(n / MAX_CATEGORY_TICKS))
        ticks = [[float(i), label] for i, label in enumerate(axis.labels) if i % every == 0]
        return {
            "name": axis.name,
            "kind": axis.kind,
            "log": False,
            "range": [0.0, float(max(n - 1, 1))],
            "ticks": ticks,
            "categories": axis.labels,
            "values": positions.tolist(),
        }
    frame = numeric_frame(positions, log=axis.is_log, integer=axis.integer)
    return {
        "name": axis.name,
        "kind": axis.kind,
        "log": axis.is_log,
        "range": [frame.low, frame.high],
        "ticks": [list(tick) for tick in zip(frame.tickvals, frame.ticktext)],
        "values": positions.tolist(),
    }


def parallel(cache: StudyCache, snap: Snapshot, k: int) -> dict[str, Any]:
    """Parallel coordinates: each shown trial's parameters and objective ``k``.

    Parameters that some COMPLETE trial lacks (conditional ones) are left out, so every line
    crosses every axis; ``omitted_params`` names them.
    """
    columns = cache.columns(snap)
    common = columns.common_params()
    trials, values = _reduce_complete(cache, snap, k)
    param_axes_ = param_axes(trials, common)
    axes = [_axis_json(param_axes_[name], param_axes_[name].positions()) for name in common]
    frame = numeric_frame(values)
    axes.append(
        {
            "name": cache.objective_label(k),
            "kind": "objective",
            "log": False,
            "range": [frame.low, frame.high],
            "ticks": [list(tick) for tick in zip(frame.tickvals, frame.ticktext)],
            "values": values.tolist(),
        }
    )
    return {
        "objective": k,
        "label": cache.objective_label(k),
        "direction": cache.directions[k].name.lower(),
        "axes": axes,
        "numbers": [t.number for t in trials],
        "omitted_params": [n for n in columns.all_params() if n not in common],
        "n_complete": len(columns.trials),
        "n_shown": len(trials),
    }


def slices(cache: StudyCache, snap: Snapshot, k: int) -> dict[str, Any]:
    """Per parameter, its value against objective ``k`` over the shown COMPLETE trials.

    ``numbers`` and ``values`` are shared by all parameters; each parameter's ``x`` is aligned
    with them, null where a trial lacks the parameter.
    """
    trials, values = _reduce_complete(cache, snap, k)
    names = sorted({name for t in trials for name in t.params})
    params = []
    for name, axis in param_axes(trials, names).items():
        present = axis.present()
        x: list[Any] = [None] * len(trials)
        for i, value in zip(np.flatnonzero(present).tolist(), axis.display_values(present)):
            x[i] = value
        params.append(
            {
                "name": name,
                "kind": axis.kind,
                "log": axis.is_log,
                "categories": axis.labels if axis.is_categorical else None,
                "x": x,
            }
        )
    return {
        "objective": k,
        "label": cache.objective_label(k),
        "numbers": [t.number for t in trials],
        "values": values.tolist(),
        "params": params,
        "n_complete": len(snap.complete),
        "n_shown": len(trials),
    }


class _StudyView:
    """The parts of :class:`~parzen.study.Study` that importance evaluators read, over the
    cached trials (so evaluating costs no storage read)."""

    def __init__(self, complete: list[FrozenTrial], directions: list[StudyDirection]) -> None:
        self._complete = complete
        self.directions = directions

    @property
    def direction(self) -> StudyDirection:
        return self.directions[0]

    def _is_multi_objective(self) -> bool:
        return len(self.directions) > 1

    @property
    def trials(self) -> list[FrozenTrial]:
        return self._complete

    def get_trials(
        self, deepcopy: bool = False, states: Sequence[TrialState] | None = None
    ) -> list[FrozenTrial]:
        if states is None or TrialState.COMPLETE in states:
            return self._complete
        return []


def importance(cache: StudyCache, snap: Snapshot) -> dict[str, Any]:
    """PED-ANOVA parameter importances, one set per objective."""
    from parzen.importance import get_param_importances

    # PED-ANOVA compares the best quantile of the trials with all of them; an even sample
    # over the study keeps both distributions, at a fraction of the cost on a large study.
    complete = snap.complete
    sample = [complete[i] for i in _stride(len(complete), MAX_IMPORTANCE_TRIALS)]
    view: Any = _StudyView(sample, cache.directions)
    objectives = []
    error = None
    for k, direction in enumerate(cache.directions):
        target: Callable[[FrozenTrial], float] | None = None
        if len(cache.directions) > 1:
            # With a target, lower is better: flip maximized objectives.
            sign = _sign(direction)
            target = lambda t, k=k, sign=sign: sign * _objective(t, k)  # noqa: E731
        try:
            result = get_param_importances(view, target=target)
        except ValueError as e:
            error = str(e)
            break
        objectives.append(
            {
                "objective": k,
                "label": cache.objective_label(k),
                "importances": [{"name": n, "importance": float(v)} for n, v in result.items()],
            }
        )
    return {
        "objectives": objectives,
        "error": error,
        "n_complete": len(complete),
        "n_used": len(sample),
    }


def terminator(cache: StudyCache, snap: Snapshot) -> dict[str, Any]:
    """The terminator's regret bound after each trial (at most :data:`MAX_TERMINATOR_POINTS`
    trial counts), and the cross-validation error where the trials reported their scores.

    The study would stop where the bound falls below the error (parzen.terminator).
    """
    from parzen.terminator import CrossValidationErrorEvaluator, RegretBoundEvaluator
    from parzen.terminator._erroreval import CV_SCORES_KEY
    from parzen.visualization._terminator_improvement import improvement_curve

    if len(cache.directions) > 1:
        raise BadRequest("The terminator curve needs a study with a single objective.")
    complete = snap.complete
    n = len(complete)
    result: dict[str, Any] = {"n_complete": n, "number": [], "improvement": [], "error": None}
    if n > MAX_TERMINATOR_TRIALS:
        result["message"] = (
            f"The terminator curve is drawn for studies of up to {MAX_TERMINATOR_TRIALS} "
            f"complete trials; this one has {n}."
        )
        return result
    positions = np.unique(np.linspace(0, n - 1, min(n, MAX_TERMINATOR_POINTS)).astype(int))
    has_scores = all(CV_SCORES_KEY in t.system_attrs for t in complete) and n > 0
    curve = improvement_curve(
        complete,
        cache.directions[0],
        RegretBoundEvaluator(seed=0),
        CrossValidationErrorEvaluator() if has_scores else None,
        positions=positions.tolist(),
    )
    result["number"] = curve.trial_numbers.tolist()
    result["improvement"] = curve.improvements.tolist()
    if curve.errors is not None:
        result["error"] = curve.errors.tolist()
    return result


def pareto(cache: StudyCache, snap: Snapshot, x: int, y: int) -> dict[str, Any]:
    """Objectives ``x`` and ``y`` of the COMPLETE trials, the Pareto front marked.

    The front is over all objectives, among feasible trials. Every front trial is shown;
    the dominated and infeasible ones are reduced to an even sample.
    """
    from parzen._records.multi_objective import is_pareto_front, to_loss

    if len(cache.directions) < 2:
        raise BadRequest("The Pareto front plot needs a study with several objectives.")
    columns = cache.columns(snap)
    values, feasible, numbers = columns.values, columns.feasible, columns.numbers
    front = np.zeros(len(numbers), dtype=bool)
    if feasible.any():
        front[np.flatnonzero(feasible)] = is_pareto_front(
            to_loss(values[feasible], cache.directions)
        )

    def points(mask: np.ndarray, limit: int | None) -> dict[str, list[Any]]:
        index = np.flatnonzero(mask)
        if limit is not None:
            index = index[_stride(len(index), limit)]
        return {
            "number": numbers[index].tolist(),
            "x": values[index, x].tolist(),
            "y": values[index, y].tolist(),
        }

    front_points = points(front, None)
    order = np.argsort(front_points["x"], kind="stable")
    front_points = {key: [vals[i] for i in order] for key, vals in front_points.items()}
    return {
        "x": x,
        "y": y,
        "x_label": cache.objective_label(x),
        "y_label": cache.objective_label(y),
        "labels": [cache.objective_label(i) for i in range(len(cache.directions))],
        "front": front_points,
        "dominated": points(feasible & ~front, MAX_SCATTER_TRIALS),
        "infeasible": points(~feasible, MAX_SCATTER_TRIALS),
        "n_complete": len(numbers),
        "n_front": int(front.sum()),
    }
