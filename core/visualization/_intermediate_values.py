"""Learning curves: every trial's intermediate values, coloured by trial state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.trial import TrialState
from parzen.visualization import _utils as u

if TYPE_CHECKING:
    from parzen.study import Study

_STATE_NAMES = {
    TrialState.COMPLETE: "Complete",
    TrialState.PRUNED: "Pruned",
    TrialState.RUNNING: "Running",
    TrialState.FAIL: "Fail",
}


@dataclass
class _Curves:
    """All curves of one state in one array; NaN rows separate the trials."""

    state: TrialState
    name: str
    step: np.ndarray
    value: np.ndarray
    number: np.ndarray
    n_trials: int


def _get_intermediate_info(study: Study) -> list[_Curves]:
    buckets: dict[TrialState, tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]] = {}
    for trial in study.get_trials(deepcopy=False, states=tuple(_STATE_NAMES)):
        values = trial.intermediate_values
        if not values:
            continue
        steps = np.fromiter(values.keys(), dtype=float, count=len(values))
        vals = np.fromiter(values.values(), dtype=float, count=len(values))
        order = np.argsort(steps)
        steps_b, vals_b, numbers_b = buckets.setdefault(trial.state, ([], [], []))
        steps_b.append(np.append(steps[order], np.nan))
        vals_b.append(np.append(vals[order], np.nan))
        numbers_b.append(np.full(len(values) + 1, trial.number))
    curves = []
    for state, name in _STATE_NAMES.items():
        if state in buckets:
            steps_b, vals_b, numbers_b = buckets[state]
            curves.append(
                _Curves(
                    state,
                    name,
                    np.concatenate(steps_b)[:-1],
                    np.concatenate(vals_b)[:-1],
                    np.concatenate(numbers_b)[:-1],
                    len(steps_b),
                )
            )
    if not curves:
        u.warn_empty("The study has no trial with intermediate values")
    return curves


def plot_intermediate_values(study: Study) -> Any:
    """Plot the intermediate values every trial reported (plotly).

    One trace per trial state (Complete, Pruned, Running, Fail), each in its own colour and
    legend entry; hovering a point shows its trial number.

    Args:
        study: The study; trials that reported nothing are skipped.

    Returns:
        A ``plotly.graph_objects.Figure``.

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", 0, 1)
        ...     for step in range(3):
        ...         trial.report(x * step, step)
        ...     return x
        >>> study = parzen.create_study()
        >>> study.optimize(objective, n_trials=3)
        >>> fig = parzen.visualization.plot_intermediate_values(study)
        >>> [trace.name for trace in fig.data]
        ['Complete']
    """
    go = u.import_plotly()
    curves = _get_intermediate_info(study)
    traces = [
        go.Scatter(
            x=c.step,
            y=c.value,
            customdata=c.number,
            mode="lines+markers",
            connectgaps=False,
            marker=dict(color=u.STATE_COLORS[c.state], size=4),
            line=dict(color=u.STATE_COLORS[c.state], width=1),
            name=c.name,
            hovertemplate="Trial %{customdata}<br>step %{x}: %{y}<extra>" + c.name + "</extra>",
        )
        for c in curves
    ]
    layout = dict(
        title="Intermediate Values Plot",
        xaxis=dict(title="Step"),
        yaxis=dict(title="Intermediate Value"),
        showlegend=True,
    )
    return go.Figure(data=traces, layout=layout)
