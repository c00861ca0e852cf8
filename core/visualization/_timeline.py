"""Timeline: when each trial ran, as horizontal bars coloured by state."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.visualization import _utils as u

if TYPE_CHECKING:
    from parzen.study import Study

_CATEGORIES = [
    ("COMPLETE", u.COLOR_COMPLETE),
    ("PRUNED", u.COLOR_PRUNED),
    ("FAIL", u.COLOR_FAIL),
    ("RUNNING", u.COLOR_RUNNING),
    ("WAITING", u.COLOR_WAITING),
    ("INFEASIBLE", u.COLOR_INFEASIBLE),
]
COLORS = dict(_CATEGORIES)


@dataclass
class _Bars:
    name: str
    numbers: np.ndarray
    start: np.ndarray  # datetime64[us]
    duration_ms: np.ndarray


def _get_timeline_info(study: Study, n_recent_trials: int | None) -> list[_Bars]:
    if n_recent_trials is not None and (
        not isinstance(n_recent_trials, int) or n_recent_trials <= 0
    ):
        raise ValueError(
            f"Expected n_recent_trials to be a positive int; got {n_recent_trials!r}."
        )
    trials = [t for t in study.get_trials(deepcopy=False) if t.datetime_start is not None]
    trials.sort(key=lambda t: t.number)
    if n_recent_trials is not None:
        trials = trials[-n_recent_trials:]
    if not trials:
        u.warn_empty("The study has no started trials")
        return []
    now = datetime.datetime.now()
    start = np.array([t.datetime_start for t in trials], dtype="datetime64[us]")
    # A trial still running (or one whose end was never recorded) is drawn up to now.
    end = np.array(
        [t.datetime_complete if t.datetime_complete is not None else now for t in trials],
        dtype="datetime64[us]",
    )
    duration_ms = (end - start).astype(np.float64) / 1000.0
    category = np.array([t.state.name for t in trials], dtype=object)
    complete = category == "COMPLETE"
    if complete.any():
        feasible = u.feasibility([t for t, c in zip(trials, complete) if c])
        complete_index = np.flatnonzero(complete)
        category[complete_index[~feasible]] = "INFEASIBLE"
    number = u.numbers(trials)
    bars = []
    for name, _ in _CATEGORIES:
        mask = category == name
        if mask.any():
            bars.append(_Bars(name, number[mask], start[mask], duration_ms[mask]))
    return bars


def plot_timeline(study: Study, n_recent_trials: int | None = None) -> Any:
    """Plot when each trial started and finished, coloured by state (plotly).

    COMPLETE, PRUNED, FAIL, RUNNING and WAITING trials and infeasible COMPLETE trials each get
    a colour and a legend entry; running trials extend to now. Trials that never started are
    left out.

    Args:
        study: The study.
        n_recent_trials: Show only the trials with the highest numbers.

    Returns:
        A ``plotly.graph_objects.Figure`` with a date x axis.

    Examples:
        >>> import parzen
        >>> study = parzen.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        >>> fig = parzen.visualization.plot_timeline(study)
        >>> fig.data[0].name, fig.data[0].y.tolist()
        ('COMPLETE', [0, 1, 2])
    """
    go = u.import_plotly()
    bars = _get_timeline_info(study, n_recent_trials)
    traces = [
        go.Bar(
            name=b.name,
            x=b.duration_ms,
            y=b.numbers,
            base=b.start.astype(str),
            orientation="h",
            marker=dict(color=COLORS[b.name]),
            hovertemplate="Trial %{y}<br>%{base} + %{x} ms<extra>" + b.name + "</extra>",
        )
        for b in bars
    ]
    layout = dict(
        title="Timeline Plot",
        xaxis=dict(title="Datetime", type="date"),
        yaxis=dict(title="Trial"),
        showlegend=True,
    )
    return go.Figure(data=traces, layout=layout)
