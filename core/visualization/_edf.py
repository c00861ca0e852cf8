"""Empirical distribution function of the target, one curve per study."""

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
class _EdfLine:
    study_name: str
    x: np.ndarray  # sorted target values
    y: np.ndarray  # share of trials with a value <= x


def _get_edf_info(
    study: Study | Sequence[Study], target: Callable[[FrozenTrial], float] | None
) -> list[_EdfLine]:
    studies = list(study) if isinstance(study, Sequence) else [study]
    lines = []
    for s in studies:
        u.check_target(s, target)
        values = u.target_values(u.complete_trials(s), target)
        values = np.sort(values[np.isfinite(values)])
        if values.size:
            y = np.arange(1, values.size + 1) / values.size
            lines.append(_EdfLine(s.study_name, values, y))
    if not lines:
        u.warn_empty("No study has a COMPLETE trial with a finite target")
    return lines


def plot_edf(
    study: Study | Sequence[Study],
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Plot the empirical distribution function of the target (plotly).

    Each study gives one exact step curve over its COMPLETE trials: the share of trials whose
    target is at most x. Useful to compare search spaces or samplers.

    Args:
        study: A study or a sequence of studies.
        target: Maps a trial to the value to plot; required for a multi-objective study.
        target_name: The x-axis title.

    Returns:
        A ``plotly.graph_objects.Figure``.

    Examples:
        >>> import parzen
        >>> study = parzen.create_study(study_name="a")
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=4)
        >>> fig = parzen.visualization.plot_edf(study)
        >>> fig.data[0].name, fig.data[0].y.tolist()
        ('a', [0.25, 0.5, 0.75, 1.0])
    """
    go = u.import_plotly()
    lines = _get_edf_info(study, target)
    traces = [
        go.Scatter(x=line.x, y=line.y, mode="lines", line=dict(shape="hv"), name=line.study_name)
        for line in lines
    ]
    layout = dict(
        title="Empirical Distribution Function Plot",
        xaxis=dict(title=target_name),
        yaxis=dict(title="Cumulative Probability", range=[0, 1.02]),
        showlegend=True,
    )
    return go.Figure(data=traces, layout=layout)
