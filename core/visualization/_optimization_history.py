"""Objective value and best value so far, per trial number."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.trial import FrozenTrial, TrialState
from parzen.visualization import _utils as u

if TYPE_CHECKING:
    from parzen.study import Study


@dataclass
class _HistorySeries:
    study_name: str
    x: np.ndarray  # feasible COMPLETE trials
    y: np.ndarray
    infeasible_x: np.ndarray
    infeasible_y: np.ndarray
    pruned_x: np.ndarray
    pruned_y: np.ndarray
    failed_x: np.ndarray
    best_y: np.ndarray | None  # running best at each of ``x``; None with a custom target


@dataclass
class _ErrorBarSeries:
    x: np.ndarray
    y_mean: np.ndarray
    y_std: np.ndarray
    best_x: np.ndarray
    best_mean: np.ndarray | None
    best_std: np.ndarray | None


def _as_studies(study: Study | Sequence[Study]) -> list[Study]:
    studies = list(study) if isinstance(study, Sequence) else [study]
    return studies


def _check_studies(studies: list[Study], target: Callable[[FrozenTrial], float] | None) -> None:
    for s in studies:
        u.check_target(s, target)
    if target is None and len({s.direction for s in studies}) > 1:
        raise ValueError(
            "Expected studies that share one direction, got "
            f"{sorted({s.direction.name for s in studies})}; plot them separately or pass a "
            "target that puts them on one scale."
        )


def _last_intermediate(trial: FrozenTrial) -> float:
    if trial.value is not None:
        return float(trial.value)
    if trial.intermediate_values:
        return float(trial.intermediate_values[max(trial.intermediate_values)])
    return np.nan


def _series(study: Study, target: Callable[[FrozenTrial], float] | None) -> _HistorySeries:
    from parzen.study import StudyDirection

    trials = study.get_trials(deepcopy=False)
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    values = u.target_values(complete, target)
    number = u.numbers(complete)
    feasible = u.feasibility(complete) & ~np.isnan(values)
    order = np.argsort(number, kind="stable")
    number, values, feasible = number[order], values[order], feasible[order]
    best_y = None
    if target is None:
        y = values[feasible]
        running = np.minimum if study.direction != StudyDirection.MAXIMIZE else np.maximum
        best_y = running.accumulate(y) if y.size else y
        pruned = [t for t in trials if t.state == TrialState.PRUNED]
        pruned_y = np.array([_last_intermediate(t) for t in pruned], dtype=float)
        pruned_x = u.numbers(pruned)
        keep = ~np.isnan(pruned_y)
        pruned_x, pruned_y = pruned_x[keep], pruned_y[keep]
    else:
        pruned_x = np.empty(0, dtype=np.int64)
        pruned_y = np.empty(0)
    failed_x = u.numbers([t for t in trials if t.state == TrialState.FAIL])
    infeasible = ~feasible & ~np.isnan(values)
    return _HistorySeries(
        study.study_name,
        number[feasible],
        values[feasible],
        number[infeasible],
        values[infeasible],
        pruned_x,
        pruned_y,
        failed_x,
        best_y,
    )


def _error_bars(series: list[_HistorySeries], with_best: bool) -> _ErrorBarSeries:
    all_x = np.unique(np.concatenate([s.x for s in series]))
    stacked = np.full((len(series), all_x.size), np.nan)
    best = np.full((len(series), all_x.size), np.nan)
    for i, s in enumerate(series):
        position = np.searchsorted(all_x, s.x)
        stacked[i, position] = s.y
        if s.best_y is not None and s.best_y.size:
            # The best value holds from the trial that reached it until the next complete
            # trial; forward-fill it over the other studies' trial numbers.
            filled = np.full(all_x.size, np.nan)
            filled[position] = s.best_y
            valid = np.where(~np.isnan(filled), np.arange(all_x.size), 0)
            filled = filled[np.maximum.accumulate(valid)]
            filled[: position[0]] = np.nan
            best[i] = filled
    with warnings.catch_warnings():
        # Trial numbers that only some studies reached average over fewer studies; those
        # no study reached as COMPLETE stay NaN ("mean of empty slice").
        warnings.simplefilter("ignore", RuntimeWarning)
        y_mean, y_std = np.nanmean(stacked, axis=0), np.nanstd(stacked, axis=0)
        best_mean, best_std = np.nanmean(best, axis=0), np.nanstd(best, axis=0)
    return _ErrorBarSeries(
        all_x,
        y_mean,
        y_std,
        all_x,
        best_mean if with_best else None,
        best_std if with_best else None,
    )


def _get_history_info(
    study: Study | Sequence[Study],
    target: Callable[[FrozenTrial], float] | None,
    error_bar: bool,
) -> tuple[list[_HistorySeries], _ErrorBarSeries | None]:
    studies = _as_studies(study)
    if not studies:
        raise ValueError("Expected a study or a non-empty sequence of studies; got none.")
    _check_studies(studies, target)
    series = [_series(s, target) for s in studies]
    if not any(s.x.size or s.infeasible_x.size or s.pruned_x.size for s in series):
        u.warn_empty("The study has no trials with a value to plot")
        return [], None
    if error_bar and any(s.x.size for s in series):
        return series, _error_bars(series, target is None)
    return series, None


def plot_optimization_history(
    study: Study | Sequence[Study],
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
    error_bar: bool = False,
) -> Any:
    """Plot each trial's objective value and the best value so far (plotly).

    COMPLETE feasible trials are markers, infeasible ones grey markers, PRUNED trials orange
    markers at their last intermediate value, FAIL trials red crosses along the bottom edge;
    the best value so far is a step line. With several studies each gets its own traces, or,
    with ``error_bar=True``, their mean and standard deviation per trial number.

    Args:
        study: A study or a sequence of studies.
        target: Maps a trial to the value to plot; required for a multi-objective study.
            With a target the best-value line and pruned trials are not drawn.
        target_name: The y-axis title.
        error_bar: Aggregate several studies into mean +- standard deviation.

    Returns:
        A ``plotly.graph_objects.Figure``.

    Examples:
        >>> import parzen
        >>> study = parzen.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1) ** 2, n_trials=5)
        >>> fig = parzen.visualization.plot_optimization_history(study)
        >>> [trace.name for trace in fig.data]
        ['Objective Value', 'Best Value']
    """
    go = u.import_plotly()
    series, bars = _get_history_info(study, target, error_bar)
    layout = dict(
        title="Optimization History Plot",
        xaxis=dict(title="Trial"),
        yaxis=dict(title=target_name),
    )
    traces: list[Any] = []
    if bars is not None:
        traces.append(
            go.Scatter(
                x=bars.x,
                y=bars.y_mean,
                error_y=dict(type="data", array=bars.y_std, visible=True),
                mode="markers",
                name=target_name,
                marker=dict(color=u.COLOR_COMPLETE),
            )
        )
        if bars.best_mean is not None and bars.best_std is not None:
            traces.append(
                go.Scatter(
                    x=bars.best_x,
                    y=bars.best_mean,
                    mode="lines",
                    line=dict(shape="hv", color=u.COLOR_BEST),
                    name="Best Value",
                )
            )
            traces.append(
                go.Scatter(
                    x=np.concatenate([bars.best_x, bars.best_x[::-1]]),
                    y=np.concatenate(
                        [bars.best_mean + bars.best_std, (bars.best_mean - bars.best_std)[::-1]]
                    ),
                    fill="toself",
                    fillcolor="rgba(214,39,40,0.2)",
                    line=dict(width=0, shape="hv"),
                    mode="lines",
                    hoverinfo="skip",
                    name="Best Value (std)",
                    showlegend=False,
                )
            )
    else:
        several = len(series) > 1
        for s in series:
            suffix = f" of {s.study_name}" if several else ""
            if s.x.size:
                traces.append(
                    go.Scatter(
                        x=s.x,
                        y=s.y,
                        mode="markers",
                        name=f"{target_name}{suffix}",
                        marker=dict(color=None if several else u.COLOR_COMPLETE),
                    )
                )
            if s.best_y is not None and s.x.size:
                traces.append(
                    go.Scatter(
                        x=s.x,
                        y=s.best_y,
                        mode="lines",
                        line=dict(shape="hv", color=None if several else u.COLOR_BEST),
                        name=f"Best Value{suffix}",
                    )
                )
            if s.infeasible_x.size:
                traces.append(
                    go.Scatter(
                        x=s.infeasible_x,
                        y=s.infeasible_y,
                        mode="markers",
                        marker=dict(color=u.COLOR_INFEASIBLE),
                        name=f"Infeasible Trial{suffix}",
                    )
                )
            if s.pruned_x.size:
                traces.append(
                    go.Scatter(
                        x=s.pruned_x,
                        y=s.pruned_y,
                        mode="markers",
                        marker=dict(color=u.COLOR_PRUNED, symbol="triangle-down"),
                        name=f"Pruned Trial{suffix}",
                    )
                )
            if s.failed_x.size:
                # On a hidden second y axis spanning [0, 1], so the crosses sit on the bottom
                # edge whatever the objective's scale.
                traces.append(
                    go.Scatter(
                        x=s.failed_x,
                        y=np.full(s.failed_x.size, 0.02),
                        yaxis="y2",
                        mode="markers",
                        marker=dict(color=u.COLOR_FAIL, symbol="x"),
                        name=f"Failed Trial{suffix}",
                    )
                )
                layout["yaxis2"] = dict(
                    overlaying="y", range=[0, 1], visible=False, fixedrange=True
                )
    return go.Figure(data=traces, layout=layout)
