"""Pareto-front plot of a multi-objective study, in two or three dimensions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.trial import FrozenTrial
from parzen.visualization import _utils as u

if TYPE_CHECKING:
    from parzen.study import Study


@dataclass
class _ParetoInfo:
    names: list[str]
    points: np.ndarray  # (n, 2 or 3) values to display
    numbers: np.ndarray
    best: np.ndarray  # masks over the rows
    dominated: np.ndarray
    infeasible: np.ndarray

    @property
    def n_dims(self) -> int:
        return len(self.names)


def _get_pareto_info(
    study: Study,
    target_names: list[str] | None,
    include_dominated_trials: bool,
    constraints_func: Callable[[FrozenTrial], Sequence[float]] | None,
    targets: Callable[[FrozenTrial], Sequence[float]] | None,
) -> _ParetoInfo:
    from parzen._records.multi_objective import to_loss
    from parzen.importance._ranking import pareto_front_mask

    if not study._is_multi_objective():
        raise ValueError(
            "plot_pareto_front needs a multi-objective study (create_study(directions=[...])); "
            "this study has one objective. Use plot_optimization_history instead."
        )
    n_objectives = len(study.directions)
    if targets is None and n_objectives not in (2, 3):
        raise ValueError(
            f"The study has {n_objectives} objectives, but only 2 or 3 can be drawn. Pass "
            "targets=lambda t: (t.values[0], t.values[1]) to choose what to display."
        )
    trials = u.complete_trials(study)
    if targets is None:
        points = np.array([t.values for t in trials], dtype=float).reshape(-1, n_objectives)
    else:
        points = np.array([list(targets(t)) for t in trials], dtype=float)
        if points.size and points.shape[1] not in (2, 3):
            raise ValueError(
                f"targets must return 2 or 3 values per trial; it returned {points.shape[1]}."
            )
    n_dims = points.shape[1] if points.size else (n_objectives if targets is None else 2)
    if target_names is None:
        target_names = [f"Objective {i}" for i in range(n_dims)]
    elif len(target_names) != n_dims:
        raise ValueError(
            f"Expected {n_dims} target_names, one per displayed axis; got {len(target_names)}."
        )
    if constraints_func is not None:
        feasible = np.array(
            [all(c <= 0.0 for c in constraints_func(t)) for t in trials], dtype=bool
        )
    else:
        feasible = u.feasibility(trials)
    # The front is always decided on the study's objectives and directions; ``targets`` only
    # chooses what is displayed.
    values = np.array([t.values for t in trials], dtype=float).reshape(-1, n_objectives)
    best = np.zeros(len(trials), dtype=bool)
    if feasible.any():
        best[np.flatnonzero(feasible)] = pareto_front_mask(
            to_loss(values[feasible], study.directions)
        )
    dominated = feasible & ~best
    if not include_dominated_trials:
        dominated[:] = False
    if not len(trials):
        u.warn_empty("The study has no COMPLETE trials")
    return _ParetoInfo(
        list(target_names),
        points.reshape(-1, n_dims),
        u.numbers(trials),
        best,
        dominated,
        ~feasible,
    )


def plot_pareto_front(
    study: Study,
    *,
    target_names: list[str] | None = None,
    include_dominated_trials: bool = True,
    constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
    targets: Callable[[FrozenTrial], Sequence[float]] | None = None,
) -> Any:
    """Plot the COMPLETE trials of a multi-objective study and its Pareto front (plotly).

    Pareto-optimal feasible trials are red ("Best Trial"), dominated feasible ones blue
    ("Trial"), infeasible ones grey ("Infeasible Trial"). The front is computed on the
    study's objectives among feasible trials.

    Args:
        study: A study with 2 or 3 objectives (more with ``targets``).
        target_names: Axis titles; ``"Objective i"`` by default.
        include_dominated_trials: Also draw the dominated feasible trials.
        constraints_func: Maps a trial to constraint values (feasible when all are <= 0);
            by default the constraints stored on the trials are used.
        targets: Maps a trial to the 2 or 3 values to display.

    Returns:
        A ``plotly.graph_objects.Figure`` (``Scatter3d`` traces for three values).

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", 0, 1)
        ...     return x, 1 - x
        >>> study = parzen.create_study(directions=["minimize", "minimize"])
        >>> study.optimize(objective, n_trials=5)
        >>> fig = parzen.visualization.plot_pareto_front(study)
        >>> [trace.name for trace in fig.data]
        ['Best Trial']
    """
    go = u.import_plotly()
    info = _get_pareto_info(
        study, target_names, include_dominated_trials, constraints_func, targets
    )
    traces = []
    for name, mask, color in (
        ("Trial", info.dominated, u.COLOR_COMPLETE),
        ("Best Trial", info.best, u.COLOR_BEST),
        ("Infeasible Trial", info.infeasible, u.COLOR_INFEASIBLE),
    ):
        if not mask.any():
            continue
        coords = info.points[mask]
        common: dict[str, Any] = dict(
            mode="markers",
            name=name,
            customdata=info.numbers[mask],
            hovertemplate="Trial %{customdata}<extra>" + name + "</extra>",
            marker=dict(color=color, line=dict(width=0.5, color="Grey")),
        )
        if info.n_dims == 3:
            traces.append(go.Scatter3d(x=coords[:, 0], y=coords[:, 1], z=coords[:, 2], **common))
        else:
            traces.append(go.Scatter(x=coords[:, 0], y=coords[:, 1], **common))
    layout: dict[str, Any] = dict(title="Pareto-front Plot", showlegend=True)
    if info.n_dims == 3:
        layout["scene"] = dict(
            xaxis_title=info.names[0], yaxis_title=info.names[1], zaxis_title=info.names[2]
        )
    else:
        layout["xaxis"] = dict(title=info.names[0])
        layout["yaxis"] = dict(title=info.names[1])
    return go.Figure(data=traces, layout=layout)
