"""Parallel coordinates: the objective and every parameter of each trial as one line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.trial import FrozenTrial
from parzen.visualization import _utils as u
from parzen.visualization._axes import numeric_frame

if TYPE_CHECKING:
    from parzen.study import Study

# Light-to-dark blues; the darkest line is the best trial.
_BLUES = ["#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"]


@dataclass
class _Dimension:
    label: str
    values: np.ndarray  # plotting units: log10 for log axes, choice index for categorical
    low: float
    high: float
    tickvals: list[float] = field(default_factory=list)
    ticktext: list[str] = field(default_factory=list)


@dataclass
class _ParallelInfo:
    dimensions: list[_Dimension]
    color: np.ndarray  # target values
    infeasible: np.ndarray  # mask over trials
    numbers: np.ndarray
    reverse: bool  # True when lower is better (minimize), so low values are darkest


def _dimension(axis: u.ParamAxis, column: np.ndarray) -> _Dimension:
    missing = np.isnan(column)
    present = column[~missing]
    if present.size == 0:
        return _Dimension(axis.name, np.zeros(column.size), -0.5, 0.5, [0.0], ["None"])
    if axis.is_categorical:
        used = np.unique(present).astype(np.int64)
        # Only the choices some trial took get a tick, in declaration order; "None" first.
        shift = 1 if missing.any() else 0
        remap = np.full(len(axis.labels), -1)
        remap[used] = np.arange(used.size) + shift
        codes = np.zeros(column.size)
        codes[~missing] = remap[present.astype(np.int64)]
        labels = (["None"] if shift else []) + [axis.labels[i] for i in used]
        ticks = [float(i) for i in range(len(labels))]
        return _Dimension(axis.name, codes, 0.0, float(max(len(labels) - 1, 1)), ticks, labels)
    if axis.is_log:
        present = np.log10(present)
    frame = numeric_frame(present, log=axis.is_log, integer=axis.integer)
    low, high = frame.low, frame.high
    tickvals, ticktext = frame.tickvals, frame.ticktext
    scaled = np.empty(column.size)
    scaled[~missing] = present
    if missing.any():
        none_position = low - 0.15 * (high - low)
        scaled[missing] = none_position
        tickvals = [none_position, *tickvals]
        ticktext = ["None", *ticktext]
        low = none_position
    return _Dimension(axis.name, scaled, low, high, tickvals, ticktext)


def _get_parallel_info(
    study: Study,
    params: list[str] | None,
    target: Callable[[FrozenTrial], float] | None,
    target_name: str,
) -> _ParallelInfo | None:
    from parzen.study import StudyDirection

    u.check_target(study, target)
    trials = u.complete_trials(study)
    names = u.select_params(trials, params)
    values = u.target_values(trials, target)
    axes = u.param_axes(trials, names)
    # Trials without a finite target have nowhere to go on the target axis and are left out;
    # a trial lacking a (conditional) parameter is drawn through a "None" tick on that axis.
    keep = np.isfinite(values)
    if not keep.any():
        u.warn_empty("No COMPLETE trial has a finite target")
        return None
    values = values[keep]
    dimensions = [_Dimension(target_name, values, float(values.min()), float(values.max()))]
    for name in names:
        dimensions.append(_dimension(axes[name], axes[name].values[keep]))
    feasible = u.feasibility(trials)[keep]
    reverse = target is not None or study.direction != StudyDirection.MAXIMIZE
    return _ParallelInfo(dimensions, values, ~feasible, u.numbers(trials)[keep], reverse)


def _colorscale(reverse: bool, with_infeasible: bool) -> list[list[Any]]:
    colors = _BLUES[::-1] if reverse else _BLUES
    top = 0.9 if with_infeasible else 1.0
    scale: list[list[Any]] = [[top * i / (len(colors) - 1), c] for i, c in enumerate(colors)]
    if with_infeasible:
        scale += [[0.9001, u.COLOR_INFEASIBLE], [1.0, u.COLOR_INFEASIBLE]]
    return scale


def plot_parallel_coordinate(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Plot the COMPLETE trials as lines across the objective and parameter axes (plotly).

    Lines are coloured by the target, darkest for the best; infeasible trials are grey (the
    colour bar's grey band). Log-scaled parameters are drawn in log10 with decade ticks,
    categorical ones with one tick per choice. Trials lacking one of the parameters
    (conditional parameters) are left out.

    Args:
        study: The study.
        params: Parameters to show; all by default.
        target: Maps a trial to the value to plot; required for a multi-objective study.
        target_name: Label of the target axis and colour bar.

    Returns:
        A ``plotly.graph_objects.Figure`` with one ``Parcoords`` trace.

    Examples:
        >>> import parzen
        >>> study = parzen.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1) ** 2, n_trials=5)
        >>> fig = parzen.visualization.plot_parallel_coordinate(study)
        >>> [d.label for d in fig.data[0].dimensions]
        ['Objective Value', 'x']
    """
    go = u.import_plotly()
    info = _get_parallel_info(study, params, target, target_name)
    layout = dict(title="Parallel Coordinate Plot")
    if info is None:
        return go.Figure(layout=layout)
    dimensions = []
    for d in info.dimensions:
        dim: dict[str, Any] = dict(label=d.label, values=d.values, range=[d.low, d.high])
        if d.tickvals:
            dim["tickvals"] = d.tickvals
            dim["ticktext"] = d.ticktext
        dimensions.append(dim)
    color = info.color.copy()
    cmin, cmax = float(color.min()), float(color.max())
    has_infeasible = bool(info.infeasible.any())
    title = target_name
    if has_infeasible:
        # Infeasible lines sit above the feasible range, in the grey top tenth of the scale.
        feasible_color = color[~info.infeasible]
        if feasible_color.size:
            cmin, cmax = float(feasible_color.min()), float(feasible_color.max())
        span = cmax - cmin if cmax > cmin else 1.0
        cmax_scale = cmax + span / 9.0
        color[info.infeasible] = cmax_scale
        cmax = cmax_scale
        title = f"{target_name}<br>(grey: infeasible)"
    line = dict(
        color=color,
        cmin=cmin,
        cmax=cmax,
        colorscale=_colorscale(info.reverse, has_infeasible),
        showscale=True,
        colorbar=dict(title=dict(text=title)),
    )
    trace = go.Parcoords(dimensions=dimensions, line=line, labelangle=30, labelside="bottom")
    return go.Figure(data=[trace], layout=layout)
