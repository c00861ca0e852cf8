"""Rank plot: trials placed by parameter values and coloured by the rank of their target."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.trial import FrozenTrial
from parzen.visualization import _utils as u
from parzen.visualization._contour import _get_pairs_info, _PairsInfo, grid_positions
from parzen.visualization._slice import axis_layout

if TYPE_CHECKING:
    from parzen.study import Study

RANK_COLORSCALE = "RdYlBu_r"


@dataclass
class _RankInfo:
    pairs: _PairsInfo
    rank: np.ndarray  # in [0, 1] over the feasible finite trials, 0 = best; NaN elsewhere
    tick_ranks: list[float]
    tick_labels: list[str]


def _get_rank_info(
    study: Study,
    params: list[str] | None,
    target: Callable[[FrozenTrial], float] | None,
) -> _RankInfo | None:
    from parzen.study import StudyDirection

    pairs = _get_pairs_info(study, params, target, "rank plot")
    if pairs is None:
        return None
    usable = pairs.feasible & pairs.finite
    rank = np.full(pairs.values.size, np.nan)
    values = pairs.values[usable]
    tick_ranks: list[float] = []
    tick_labels: list[str] = []
    if values.size:
        maximize = target is None and study.direction == StudyDirection.MAXIMIZE
        key = -values if maximize else values
        order = np.argsort(key, kind="stable")
        positions = np.empty(values.size)
        positions[order] = np.arange(values.size)
        rank[usable] = positions / max(values.size - 1, 1)
        sorted_values = values[order]
        for q in (0.0, 0.25, 0.5, 0.75, 1.0):
            tick_ranks.append(q)
            tick_labels.append(u.value_format(float(sorted_values[round(q * (values.size - 1))])))
    return _RankInfo(pairs, rank, tick_ranks, tick_labels)


def plot_rank(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Plot trials by parameter values, coloured by the rank of their target (plotly).

    One parameter: parameter against target. Two: one panel. More: a matrix of pairs as in
    :func:`plot_contour`. Colour goes from blue (best) to red (worst); the colour bar's
    ticks show the target at those ranks. Infeasible trials are grey.

    Args:
        study: The study.
        params: Parameters to show; all by default.
        target: Maps a trial to the value to plot; required for a multi-objective study.
            With a target lower is ranked better.
        target_name: The colour-bar title.

    Returns:
        A ``plotly.graph_objects.Figure``.

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     return trial.suggest_float("x", 0, 1) + trial.suggest_int("y", 0, 3)
        >>> study = parzen.create_study()
        >>> study.optimize(objective, n_trials=10)
        >>> fig = parzen.visualization.plot_rank(study)
        >>> fig.layout.xaxis.title.text, fig.layout.yaxis.title.text
        ('x', 'y')
    """
    go = u.import_plotly()
    info = _get_rank_info(study, params, target)
    if info is None:
        return go.Figure(layout=dict(title="Rank Plot"))
    from plotly.subplots import make_subplots

    pairs = info.pairs
    n = len(pairs.names)
    if n <= 2:
        figure = make_subplots(rows=1, cols=1)
        positions = [(1, 1, 0, 1 if n == 2 else -1)]
    else:
        figure = make_subplots(
            rows=n, cols=n, horizontal_spacing=0.3 / n, vertical_spacing=0.3 / n
        )
        positions = grid_positions(n)
    shown_scale = False
    infeasible_shown = False
    for row, col, xi, yi in positions:
        x_axis = pairs.axes[pairs.names[xi]]
        y_axis = pairs.axes[pairs.names[yi]] if yi >= 0 else None
        if y_axis is x_axis:
            figure.update_xaxes(visible=False, row=row, col=col)
            figure.update_yaxes(visible=False, row=row, col=col)
            continue
        present = x_axis.present() & pairs.finite
        if y_axis is not None:
            present &= y_axis.present()
        feasible = present & pairs.feasible
        infeasible = present & ~pairs.feasible

        def y_of(mask: np.ndarray, y_axis: u.ParamAxis | None = y_axis) -> Any:
            return pairs.values[mask] if y_axis is None else y_axis.display_values(mask)

        figure.add_trace(
            go.Scatter(
                x=x_axis.display_values(feasible),
                y=y_of(feasible),
                customdata=np.column_stack((pairs.numbers[feasible], pairs.values[feasible])),
                mode="markers",
                name="Feasible Trial",
                showlegend=False,
                hovertemplate="Trial %{customdata[0]}<br>value %{customdata[1]}<extra></extra>",
                marker=dict(
                    color=info.rank[feasible],
                    colorscale=RANK_COLORSCALE,
                    cmin=0.0,
                    cmax=1.0,
                    showscale=not shown_scale,
                    colorbar=dict(
                        title=dict(text=target_name),
                        tickvals=info.tick_ranks,
                        ticktext=info.tick_labels,
                    ),
                    line=dict(width=0.5, color="Grey"),
                ),
            ),
            row=row,
            col=col,
        )
        shown_scale = True
        if infeasible.any():
            figure.add_trace(
                go.Scatter(
                    x=x_axis.display_values(infeasible),
                    y=y_of(infeasible),
                    customdata=pairs.numbers[infeasible],
                    mode="markers",
                    name="Infeasible Trial",
                    showlegend=not infeasible_shown,
                    hovertemplate="Trial %{customdata}<extra></extra>",
                    marker=dict(color=u.COLOR_INFEASIBLE),
                ),
                row=row,
                col=col,
            )
            infeasible_shown = True
        figure.update_xaxes(axis_layout(x_axis), row=row, col=col)
        if y_axis is not None:
            figure.update_yaxes(axis_layout(y_axis), row=row, col=col)
        else:
            figure.update_yaxes(title_text=target_name, row=row, col=col)
    figure.update_layout(title="Rank Plot", legend=dict(x=1.2))
    return figure
