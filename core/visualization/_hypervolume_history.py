"""Hypervolume of the feasible Pareto front after each trial."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.visualization import _utils as u

if TYPE_CHECKING:
    from parzen.study import Study


@dataclass
class _HypervolumeInfo:
    numbers: np.ndarray
    hypervolume: np.ndarray


def _get_hypervolume_info(study: Study, reference_point: Sequence[float]) -> _HypervolumeInfo:
    from parzen._hypervolume import compute_hypervolume
    from parzen._records.multi_objective import to_loss

    if not study._is_multi_objective():
        raise ValueError(
            "plot_hypervolume_history needs a multi-objective study; this study has one "
            "objective. Use plot_optimization_history instead."
        )
    n_objectives = len(study.directions)
    reference = np.asarray(reference_point, dtype=float)
    if reference.shape != (n_objectives,) or not np.all(np.isfinite(reference)):
        raise ValueError(
            f"Expected reference_point to hold {n_objectives} finite values, one per "
            f"objective; got {list(reference_point)!r}."
        )
    trials = u.complete_trials(study)
    trials = sorted(trials, key=lambda t: t.number)
    if not trials:
        u.warn_empty("The study has no COMPLETE trials")
        return _HypervolumeInfo(np.empty(0, dtype=np.int64), np.empty(0))
    loss = to_loss(np.array([t.values for t in trials], dtype=float), study.directions)
    reference_loss = to_loss(reference[None, :], study.directions)[0]
    feasible = u.feasibility(trials)
    # Only points that dominate the reference point add volume; the hypervolume changes only
    # when such a point joins the front, so it is recomputed only then, on the small front.
    useful = feasible & np.all(loss < reference_loss, axis=1)
    hypervolume = np.zeros(len(trials))
    front = np.empty((0, n_objectives))
    current = 0.0
    for i in range(len(trials)):
        if useful[i]:
            point = loss[i]
            if not np.any(np.all(front <= point, axis=1)):
                front = front[~np.all(point <= front, axis=1)]
                front = np.vstack((front, point))
                current = float(compute_hypervolume(front, reference_loss))
        hypervolume[i] = current
    return _HypervolumeInfo(u.numbers(trials), hypervolume)


def plot_hypervolume_history(study: Study, reference_point: Sequence[float]) -> Any:
    """Plot the hypervolume of the feasible COMPLETE trials after each trial (plotly).

    Args:
        study: A multi-objective study.
        reference_point: One value per objective, worse than every point of interest (for
            minimized objectives, larger; for maximized ones, smaller).

    Returns:
        A ``plotly.graph_objects.Figure``.

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", 0, 1)
        ...     return x, 1 - x
        >>> study = parzen.create_study(directions=["minimize", "minimize"])
        >>> study.optimize(objective, n_trials=5)
        >>> fig = parzen.visualization.plot_hypervolume_history(study, [2.0, 2.0])
        >>> fig.data[0].name
        'Hypervolume'
    """
    go = u.import_plotly()
    info = _get_hypervolume_info(study, reference_point)
    traces = [
        go.Scatter(
            x=info.numbers,
            y=info.hypervolume,
            mode="lines+markers",
            line=dict(shape="hv"),
            name="Hypervolume",
        )
    ]
    layout = dict(
        title="Hypervolume History Plot",
        xaxis=dict(title="Trial"),
        yaxis=dict(title="Hypervolume"),
    )
    return go.Figure(data=traces, layout=layout)
