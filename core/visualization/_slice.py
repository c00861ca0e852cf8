"""Slice plot: the target against each parameter, one panel per parameter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.trial import FrozenTrial
from parzen.visualization import _utils as u

if TYPE_CHECKING:
    from parzen.study import Study


@dataclass
class _SlicePanel:
    axis: u.ParamAxis
    feasible: np.ndarray  # masks over the trials, restricted to trials holding the parameter
    infeasible: np.ndarray


@dataclass
class _SliceInfo:
    panels: list[_SlicePanel]
    values: np.ndarray
    numbers: np.ndarray


def _get_slice_info(
    study: Study,
    params: list[str] | None,
    target: Callable[[FrozenTrial], float] | None,
) -> _SliceInfo | None:
    u.check_target(study, target)
    trials = u.complete_trials(study)
    names = u.select_params(trials, params)
    values = u.target_values(trials, target)
    finite = np.isfinite(values)
    if not finite.any() or not names:
        u.warn_empty("The study has no COMPLETE trial with parameters and a finite target")
        return None
    feasible = u.feasibility(trials)
    axes = u.param_axes(trials, names)
    panels = []
    for name in names:
        axis = axes[name]
        present = axis.present() & finite
        panels.append(_SlicePanel(axis, present & feasible, present & ~feasible))
    return _SliceInfo(panels, values, u.numbers(trials))


def axis_layout(axis: u.ParamAxis, *, title: bool = True) -> dict[str, Any]:
    """Plotly axis settings for a parameter: log or category type and a padded range."""
    layout: dict[str, Any] = {"title": axis.name} if title else {}
    if axis.is_log:
        layout["type"] = "log"
    elif axis.is_categorical:
        layout["type"] = "category"
        layout["categoryorder"] = "array"
        layout["categoryarray"] = axis.labels
    layout["range"] = list(axis.padded_range())
    return layout


def plot_slice(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Plot the target against each parameter, one panel each (plotly).

    Feasible COMPLETE trials are coloured by trial number; infeasible ones are grey. Log
    parameters get a log axis, categorical ones a category axis in the declared order. A
    conditional parameter's panel shows the trials that hold it.

    Args:
        study: The study.
        params: Parameters to show; all by default.
        target: Maps a trial to the value to plot; required for a multi-objective study.
        target_name: The y-axis title.

    Returns:
        A ``plotly.graph_objects.Figure``.

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     return trial.suggest_float("lr", 1e-4, 1, log=True)
        >>> study = parzen.create_study()
        >>> study.optimize(objective, n_trials=5)
        >>> parzen.visualization.plot_slice(study).layout.xaxis.type
        'log'
    """
    go = u.import_plotly()
    info = _get_slice_info(study, params, target)
    if info is None:
        return go.Figure(layout=dict(title="Slice Plot"))
    from plotly.subplots import make_subplots

    n = len(info.panels)
    figure = make_subplots(rows=1, cols=n, shared_yaxes=True, horizontal_spacing=0.1 / n)
    max_number = float(info.numbers.max()) if info.numbers.size else 1.0
    for col, panel in enumerate(info.panels, start=1):
        axis = panel.axis
        figure.add_trace(
            go.Scatter(
                x=axis.display_values(panel.feasible),
                y=info.values[panel.feasible],
                customdata=info.numbers[panel.feasible],
                mode="markers",
                name="Feasible Trial",
                legendgroup="feasible",
                showlegend=col == 1,
                hovertemplate="Trial %{customdata}<br>%{x}: %{y}<extra></extra>",
                marker=dict(
                    color=info.numbers[panel.feasible],
                    colorscale="Blues",
                    cmin=0.0,
                    cmax=max_number,
                    showscale=col == 1,
                    colorbar=dict(title=dict(text="Trial")),
                    line=dict(width=0.5, color="Grey"),
                ),
            ),
            row=1,
            col=col,
        )
        if panel.infeasible.any():
            figure.add_trace(
                go.Scatter(
                    x=axis.display_values(panel.infeasible),
                    y=info.values[panel.infeasible],
                    customdata=info.numbers[panel.infeasible],
                    mode="markers",
                    name="Infeasible Trial",
                    legendgroup="infeasible",
                    showlegend=not any(p.infeasible.any() for p in info.panels[: col - 1]),
                    hovertemplate="Trial %{customdata}<br>%{x}: %{y}<extra></extra>",
                    marker=dict(color=u.COLOR_INFEASIBLE),
                ),
                row=1,
                col=col,
            )
        figure.update_xaxes(axis_layout(axis), row=1, col=col)
    figure.update_yaxes(title_text=target_name, row=1, col=1)
    figure.update_layout(title="Slice Plot", showlegend=True, legend=dict(x=1.15))
    return figure
