"""The matplotlib versions of :mod:`parzen.visualization`'s plots.

Each function computes the same data as its plotly twin (the ``_get_*_info`` helpers) and
draws it on matplotlib Axes; plots with several panels return a numpy array of Axes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.trial import FrozenTrial
from parzen.visualization import _utils as u
from parzen.visualization._contour import (
    _get_pairs_info,
    grid_positions,
    surfaces_by_pair,
)
from parzen.visualization._edf import _get_edf_info
from parzen.visualization._hypervolume_history import _get_hypervolume_info
from parzen.visualization._intermediate_values import _get_intermediate_info
from parzen.visualization._optimization_history import _get_history_info
from parzen.visualization._parallel_coordinate import _BLUES, _get_parallel_info
from parzen.visualization._param_importances import _get_importances_info
from parzen.visualization._pareto_front import _get_pareto_info
from parzen.visualization._rank import _get_rank_info
from parzen.visualization._slice import _get_slice_info
from parzen.visualization._terminator_improvement import (
    COLOR_ERROR,
    COLOR_IMPROVEMENT,
    EARLY_ALPHA,
    _get_improvement_info,
    split_at,
)
from parzen.visualization._timeline import COLORS as TIMELINE_COLORS
from parzen.visualization._timeline import _get_timeline_info
from parzen.visualization.matplotlib._utils import (
    apply_param_axis,
    import_pyplot,
    new_axes,
)

if TYPE_CHECKING:
    from parzen.importance import BaseImportanceEvaluator
    from parzen.study import Study
    from parzen.terminator import BaseErrorEvaluator, BaseImprovementEvaluator


def plot_optimization_history(
    study: Study | Sequence[Study],
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
    error_bar: bool = False,
) -> Any:
    """Matplotlib version of :func:`parzen.visualization.plot_optimization_history`.

    Returns:
        A matplotlib ``Axes``.

    Examples:
        >>> import parzen
        >>> study = parzen.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=5)
        >>> ax = parzen.visualization.matplotlib.plot_optimization_history(study)
        >>> ax.get_xlabel()
        'Trial'
    """
    series, bars = _get_history_info(study, target, error_bar)
    ax = new_axes("Optimization History Plot")
    ax.set_xlabel("Trial")
    ax.set_ylabel(target_name)
    if bars is not None:
        ax.errorbar(
            bars.x,
            bars.y_mean,
            yerr=bars.y_std,
            fmt="o",
            color=u.COLOR_COMPLETE,
            markersize=3,
            label=target_name,
        )
        if bars.best_mean is not None and bars.best_std is not None:
            ax.step(
                bars.best_x, bars.best_mean, where="post", color=u.COLOR_BEST, label="Best Value"
            )
            ax.fill_between(
                bars.best_x,
                bars.best_mean - bars.best_std,
                bars.best_mean + bars.best_std,
                step="post",
                color=u.COLOR_BEST,
                alpha=0.2,
            )
    else:
        several = len(series) > 1
        for s in series:
            suffix = f" of {s.study_name}" if several else ""
            if s.x.size:
                ax.scatter(
                    s.x,
                    s.y,
                    s=12,
                    color=None if several else u.COLOR_COMPLETE,
                    label=f"{target_name}{suffix}",
                )
            if s.best_y is not None and s.x.size:
                ax.step(
                    s.x,
                    s.best_y,
                    where="post",
                    color=None if several else u.COLOR_BEST,
                    label=f"Best Value{suffix}",
                )
            if s.infeasible_x.size:
                ax.scatter(
                    s.infeasible_x,
                    s.infeasible_y,
                    s=12,
                    color=u.COLOR_INFEASIBLE,
                    label=f"Infeasible Trial{suffix}",
                )
            if s.pruned_x.size:
                ax.scatter(
                    s.pruned_x,
                    s.pruned_y,
                    s=14,
                    marker="v",
                    color=u.COLOR_PRUNED,
                    label=f"Pruned Trial{suffix}",
                )
            if s.failed_x.size:
                # y in axes coordinates: the crosses sit on the bottom edge at any scale.
                ax.scatter(
                    s.failed_x,
                    np.full(s.failed_x.size, 0.02),
                    marker="x",
                    color=u.COLOR_FAIL,
                    transform=ax.get_xaxis_transform(),
                    label=f"Failed Trial{suffix}",
                )
    if ax.has_data():
        ax.legend(loc="best")
    return ax


def plot_intermediate_values(study: Study) -> Any:
    """Matplotlib version of :func:`parzen.visualization.plot_intermediate_values`.

    Returns:
        A matplotlib ``Axes``; one line collection per trial state, with a legend.

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     trial.report(1.0, 0)
        ...     return 1.0
        >>> study = parzen.create_study()
        >>> study.optimize(objective, n_trials=2)
        >>> ax = parzen.visualization.matplotlib.plot_intermediate_values(study)
        >>> [line.get_label() for line in ax.get_lines()]
        ['Complete']
    """
    curves = _get_intermediate_info(study)
    ax = new_axes("Intermediate Values Plot")
    ax.set_xlabel("Step")
    ax.set_ylabel("Intermediate Value")
    for c in curves:
        ax.plot(
            c.step,
            c.value,
            marker=".",
            markersize=3,
            linewidth=1,
            color=u.STATE_COLORS[c.state],
            label=c.name,
        )
    if curves:
        ax.legend(loc="best")
    return ax


def plot_parallel_coordinate(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Matplotlib version of :func:`parzen.visualization.plot_parallel_coordinate`.

    Each dimension is scaled to [0, 1] between its own minimum and maximum; the tick labels
    on each vertical axis give the real values (decades for log parameters, choices for
    categorical ones).

    Returns:
        A matplotlib ``Axes``.

    Examples:
        >>> import parzen
        >>> study = parzen.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=5)
        >>> ax = parzen.visualization.matplotlib.plot_parallel_coordinate(study)
        >>> [t.get_text() for t in ax.get_xticklabels()]
        ['Objective Value', 'x']
    """
    from matplotlib.collections import LineCollection
    from matplotlib.colors import LinearSegmentedColormap, Normalize

    plt = import_pyplot()
    info = _get_parallel_info(study, params, target, target_name)
    ax = new_axes("Parallel Coordinate Plot")
    if info is None:
        return ax
    n_dims = len(info.dimensions)
    scaled = np.empty((info.color.size, n_dims))
    for j, d in enumerate(info.dimensions):
        span = d.high - d.low
        scaled[:, j] = (d.values - d.low) / span if span > 0 else 0.5
        ticks = d.tickvals or [d.low, d.high]
        texts = d.ticktext or [u.value_format(t) for t in ticks]
        for tick, text in zip(ticks, texts):
            position = (tick - d.low) / span if span > 0 else 0.5
            ax.text(j, position, f"{text} ", ha="right", va="center", fontsize=7, color="#555")
        ax.axvline(j, color="black", linewidth=0.8)
    colors = _BLUES[::-1] if info.reverse else _BLUES
    cmap = LinearSegmentedColormap.from_list("parzen_blues", colors)
    feasible = ~info.infeasible
    norm = Normalize(
        float(info.color[feasible].min()) if feasible.any() else 0.0,
        float(info.color[feasible].max()) if feasible.any() else 1.0,
    )
    xs = np.arange(n_dims)
    segments = np.stack([np.broadcast_to(xs, scaled.shape), scaled], axis=-1)
    line_colors = cmap(norm(info.color))
    line_colors[info.infeasible] = (0.8, 0.8, 0.8, 1.0)
    lines = LineCollection(list(segments), colors=line_colors, linewidths=1.0, alpha=0.6)
    ax.add_collection(lines)
    ax.set_xlim(-0.5, n_dims - 0.5)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xticks(xs, [d.label for d in info.dimensions], rotation=30)
    ax.set_yticks([])
    mappable = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    colorbar = ax.figure.colorbar(mappable, ax=ax)
    colorbar.set_label(target_name + ("\n(grey: infeasible)" if info.infeasible.any() else ""))
    return ax


def _panels(n_rows: int, n_cols: int, title: str) -> tuple[Any, np.ndarray]:
    plt = import_pyplot()
    figure, axes = plt.subplots(
        n_rows,
        n_cols,
        squeeze=False,
        figsize=(max(6.4, 3.2 * n_cols), max(4.8, 3.0 * n_rows)),
        layout="constrained",
    )
    figure.suptitle(title)
    return figure, axes


def plot_slice(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Matplotlib version of :func:`parzen.visualization.plot_slice`.

    Returns:
        An ``Axes`` for one parameter, else a 1-d numpy array of ``Axes``.

    Examples:
        >>> import parzen
        >>> study = parzen.create_study()
        >>> study.optimize(lambda t: t.suggest_float("lr", 1e-4, 1, log=True), n_trials=5)
        >>> parzen.visualization.matplotlib.plot_slice(study).get_xscale()
        'log'
    """
    info = _get_slice_info(study, params, target)
    if info is None:
        return new_axes("Slice Plot")
    figure, grid = _panels(1, len(info.panels), "Slice Plot")
    axes = grid[0]
    max_number = float(info.numbers.max()) if info.numbers.size else 1.0
    scatter = None
    for ax, panel in zip(axes, info.panels):
        axis = panel.axis
        scatter = ax.scatter(
            axis.values[panel.feasible],
            info.values[panel.feasible],
            c=info.numbers[panel.feasible],
            cmap="Blues",
            vmin=0.0,
            vmax=max_number,
            edgecolors="grey",
            linewidths=0.5,
            s=15,
            label="Feasible Trial",
        )
        if panel.infeasible.any():
            ax.scatter(
                axis.values[panel.infeasible],
                info.values[panel.infeasible],
                color=u.COLOR_INFEASIBLE,
                s=15,
                label="Infeasible Trial",
            )
        apply_param_axis(ax, axis, "x")
    axes[0].set_ylabel(target_name)
    for ax in axes[1:]:
        ax.sharey(axes[0])
    if scatter is not None:
        figure.colorbar(scatter, ax=list(axes)).set_label("Trial")
    axes[0].legend(loc="best")
    return axes[0] if len(axes) == 1 else axes


def plot_contour(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Matplotlib version of :func:`parzen.visualization.plot_contour`.

    Returns:
        An ``Axes`` for two parameters, else an (n, n) numpy array of ``Axes``.

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     return trial.suggest_float("x", 0, 1) + trial.suggest_int("y", 0, 3)
        >>> study = parzen.create_study()
        >>> study.optimize(objective, n_trials=10)
        >>> ax = parzen.visualization.matplotlib.plot_contour(study)
        >>> ax.get_xlabel(), ax.get_ylabel()
        ('x', 'y')
    """
    info = _get_pairs_info(study, params, target, "contour plot")
    if info is None:
        return new_axes("Contour Plot")
    n = len(info.names)
    figure, axes = _panels(1, 1, "Contour Plot") if n == 2 else _panels(n, n, "Contour Plot")
    cmap = "Blues" if info.reverse else "Blues_r"
    usable = info.values[info.feasible & info.finite]
    vmin = float(usable.min()) if usable.size else 0.0
    vmax = float(usable.max()) if usable.size else 1.0
    mappable = None
    positions = grid_positions(n)
    surfaces = surfaces_by_pair(info, positions)
    for row, col, xi, yi in positions:
        ax = axes[row - 1, col - 1]
        x_name, y_name = info.names[xi], info.names[yi]
        if x_name == y_name:
            ax.set_axis_off()
            continue
        pair = info.pair(x_name, y_name)
        surface = surfaces[(xi, yi)]
        if surface is not None:
            levels = np.linspace(vmin, vmax, 16) if vmax > vmin else 15
            mappable = ax.contourf(
                surface.x, surface.y, surface.z, levels=levels, cmap=cmap, extend="both"
            )
        for label, mask, color in (
            ("Feasible Trial", pair.feasible, "black"),
            ("Infeasible Trial", pair.infeasible, u.COLOR_INFEASIBLE),
        ):
            if mask.any():
                ax.scatter(
                    pair.x_axis.values[mask],
                    pair.y_axis.values[mask],
                    color=color,
                    edgecolors="grey",
                    linewidths=0.5,
                    s=10,
                    label=label,
                )
        apply_param_axis(ax, pair.x_axis, "x")
        apply_param_axis(ax, pair.y_axis, "y")
    if mappable is not None:
        figure.colorbar(mappable, ax=axes.ravel().tolist()).set_label(target_name)
    return axes[0, 0] if n == 2 else axes


def plot_rank(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Matplotlib version of :func:`parzen.visualization.plot_rank`.

    Returns:
        An ``Axes`` for one or two parameters, else an (n, n) numpy array of ``Axes``.

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     return trial.suggest_float("x", 0, 1) + trial.suggest_int("y", 0, 3)
        >>> study = parzen.create_study()
        >>> study.optimize(objective, n_trials=10)
        >>> parzen.visualization.matplotlib.plot_rank(study).get_xlabel()
        'x'
    """
    info = _get_rank_info(study, params, target)
    if info is None:
        return new_axes("Rank Plot")
    pairs = info.pairs
    n = len(pairs.names)
    if n <= 2:
        figure, axes = _panels(1, 1, "Rank Plot")
        positions = [(1, 1, 0, 1 if n == 2 else -1)]
    else:
        figure, axes = _panels(n, n, "Rank Plot")
        positions = grid_positions(n)
    mappable = None
    for row, col, xi, yi in positions:
        ax = axes[row - 1, col - 1]
        x_axis = pairs.axes[pairs.names[xi]]
        y_axis = pairs.axes[pairs.names[yi]] if yi >= 0 else None
        if y_axis is x_axis:
            ax.set_axis_off()
            continue
        present = x_axis.present() & pairs.finite
        if y_axis is not None:
            present &= y_axis.present()
        for mask, feasible in (
            (present & pairs.feasible, True),
            (present & ~pairs.feasible, False),
        ):
            if not mask.any():
                continue
            ys = pairs.values[mask] if y_axis is None else y_axis.values[mask]
            if feasible:
                mappable = ax.scatter(
                    x_axis.values[mask],
                    ys,
                    c=info.rank[mask],
                    cmap="RdYlBu_r",
                    vmin=0.0,
                    vmax=1.0,
                    s=15,
                    edgecolors="grey",
                    linewidths=0.5,
                    label="Feasible Trial",
                )
            else:
                ax.scatter(
                    x_axis.values[mask],
                    ys,
                    color=u.COLOR_INFEASIBLE,
                    s=15,
                    label="Infeasible Trial",
                )
        apply_param_axis(ax, x_axis, "x")
        if y_axis is not None:
            apply_param_axis(ax, y_axis, "y")
        else:
            ax.set_ylabel(target_name)
    if mappable is not None:
        colorbar = figure.colorbar(mappable, ax=axes.ravel().tolist())
        colorbar.set_ticks(info.tick_ranks, labels=info.tick_labels)
        colorbar.set_label(target_name)
    return axes[0, 0] if n <= 2 else axes


def plot_param_importances(
    study: Study,
    evaluator: BaseImportanceEvaluator | None = None,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Matplotlib version of :func:`parzen.visualization.plot_param_importances`.

    Returns:
        A matplotlib ``Axes`` with horizontal bars, most important on top.

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     return trial.suggest_float("x", -1, 1) ** 2 + trial.suggest_float("y", 0, 0.01)
        >>> study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
        >>> study.optimize(objective, n_trials=50)
        >>> ax = parzen.visualization.matplotlib.plot_param_importances(study)
        >>> [t.get_text() for t in ax.get_yticklabels()]
        ['y', 'x']
    """
    bars = _get_importances_info(study, evaluator, params, target, target_name)
    ax = new_axes("Hyperparameter Importances")
    ax.set_xlabel("Hyperparameter Importance")
    ax.set_ylabel("Hyperparameter")
    if not bars:
        return ax
    names = list(bars[0].importances)[::-1]
    height = 0.8 / len(bars)
    positions = np.arange(len(names))
    for k, bar in enumerate(bars):
        values = [bar.importances.get(name, 0.0) for name in names]
        container = ax.barh(
            positions + (k - (len(bars) - 1) / 2) * height, values, height=height, label=bar.name
        )
        ax.bar_label(
            container,
            labels=[f"{v:.2f}" if v >= 0.01 else "<0.01" for v in values],
            padding=2,
            fontsize=8,
        )
    ax.set_yticks(positions, names)
    if len(bars) > 1:
        ax.legend(loc="best")
    return ax


def plot_pareto_front(
    study: Study,
    *,
    target_names: list[str] | None = None,
    include_dominated_trials: bool = True,
    constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
    targets: Callable[[FrozenTrial], Sequence[float]] | None = None,
) -> Any:
    """Matplotlib version of :func:`parzen.visualization.plot_pareto_front`.

    Returns:
        A matplotlib ``Axes`` (a 3-d one for three values).

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", 0, 1)
        ...     return x, 1 - x
        >>> study = parzen.create_study(directions=["minimize", "minimize"])
        >>> study.optimize(objective, n_trials=5)
        >>> ax = parzen.visualization.matplotlib.plot_pareto_front(study)
        >>> ax.get_legend_handles_labels()[1]
        ['Best Trial']
    """
    info = _get_pareto_info(
        study, target_names, include_dominated_trials, constraints_func, targets
    )
    plt = import_pyplot()
    figure = plt.figure()
    ax = figure.add_subplot(projection="3d" if info.n_dims == 3 else None)
    ax.set_title("Pareto-front Plot")
    for name, mask, color in (
        ("Trial", info.dominated, u.COLOR_COMPLETE),
        ("Best Trial", info.best, u.COLOR_BEST),
        ("Infeasible Trial", info.infeasible, u.COLOR_INFEASIBLE),
    ):
        if mask.any():
            coords = info.points[mask]
            ax.scatter(*coords.T, color=color, s=15, label=name)
    ax.set_xlabel(info.names[0])
    ax.set_ylabel(info.names[1])
    if info.n_dims == 3:
        ax.set_zlabel(info.names[2])
    if info.points.size:
        ax.legend(loc="best")
    return ax


def plot_edf(
    study: Study | Sequence[Study],
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Matplotlib version of :func:`parzen.visualization.plot_edf`.

    Returns:
        A matplotlib ``Axes`` with one step line per study.

    Examples:
        >>> import parzen
        >>> study = parzen.create_study(study_name="a")
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=4)
        >>> ax = parzen.visualization.matplotlib.plot_edf(study)
        >>> ax.get_lines()[0].get_label()
        'a'
    """
    lines = _get_edf_info(study, target)
    ax = new_axes("Empirical Distribution Function Plot")
    ax.set_xlabel(target_name)
    ax.set_ylabel("Cumulative Probability")
    ax.set_ylim(0, 1.02)
    for line in lines:
        ax.step(line.x, line.y, where="post", label=line.study_name)
    if lines:
        ax.legend(loc="best")
    return ax


def plot_timeline(study: Study, n_recent_trials: int | None = None) -> Any:
    """Matplotlib version of :func:`parzen.visualization.plot_timeline`.

    Returns:
        A matplotlib ``Axes`` with a date x axis.

    Examples:
        >>> import parzen
        >>> study = parzen.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        >>> ax = parzen.visualization.matplotlib.plot_timeline(study)
        >>> ax.get_legend_handles_labels()[1]
        ['COMPLETE']
    """
    import matplotlib.dates as mdates
    from matplotlib.collections import PolyCollection

    bars = _get_timeline_info(study, n_recent_trials)
    ax = new_axes("Timeline Plot")
    ax.set_xlabel("Datetime")
    ax.set_ylabel("Trial")
    for b in bars:
        # One PolyCollection per state: thousands of separate bar patches would take seconds.
        left = mdates.date2num(b.start)
        right = left + b.duration_ms / 86_400_000.0  # matplotlib dates count days
        bottom, top = b.numbers - 0.4, b.numbers + 0.4
        corners = np.stack(
            [
                np.column_stack((left, bottom)),
                np.column_stack((right, bottom)),
                np.column_stack((right, top)),
                np.column_stack((left, top)),
            ],
            axis=1,
        )
        ax.add_collection(
            PolyCollection(list(corners), facecolors=TIMELINE_COLORS[b.name], label=b.name)
        )
    ax.autoscale_view()
    ax.xaxis_date()
    ax.figure.autofmt_xdate()
    if bars:
        ax.legend(loc="best")
    return ax


def plot_hypervolume_history(study: Study, reference_point: Sequence[float]) -> Any:
    """Matplotlib version of :func:`parzen.visualization.plot_hypervolume_history`.

    Returns:
        A matplotlib ``Axes``.

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", 0, 1)
        ...     return x, 1 - x
        >>> study = parzen.create_study(directions=["minimize", "minimize"])
        >>> study.optimize(objective, n_trials=5)
        >>> ax = parzen.visualization.matplotlib.plot_hypervolume_history(study, [2, 2])
        >>> ax.get_ylabel()
        'Hypervolume'
    """
    info = _get_hypervolume_info(study, reference_point)
    ax = new_axes("Hypervolume History Plot")
    ax.set_xlabel("Trial")
    ax.set_ylabel("Hypervolume")
    ax.step(info.numbers, info.hypervolume, where="post", marker=".", label="Hypervolume")
    return ax


def plot_terminator_improvement(
    study: Study,
    plot_error: bool = False,
    improvement_evaluator: BaseImprovementEvaluator | None = None,
    error_evaluator: BaseErrorEvaluator | None = None,
    min_n_trials: int = 20,
) -> Any:
    """Matplotlib version of :func:`parzen.visualization.plot_terminator_improvement`.

    Returns:
        A matplotlib ``Axes``.

    Examples:
        >>> import parzen
        >>> study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
        >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=6)
        >>> ax = parzen.visualization.matplotlib.plot_terminator_improvement(
        ...     study, min_n_trials=3
        ... )
        >>> ax.get_ylabel()
        'Terminator Improvement'
    """
    curve = _get_improvement_info(study, plot_error, improvement_evaluator, error_evaluator)
    early, late = split_at(curve, min_n_trials)
    ax = new_axes("Terminator Improvement Plot")
    ax.set_xlabel("Trial")
    ax.set_ylabel("Terminator Improvement")
    for mask, alpha in ((early, EARLY_ALPHA), (late, 1.0)):
        if mask.any():
            ax.plot(
                curve.trial_numbers[mask],
                curve.improvements[mask],
                marker="o",
                markersize=3,
                color=COLOR_IMPROVEMENT,
                alpha=alpha,
                label="Terminator Improvement" if alpha == 1.0 or not late.any() else None,
            )
    if curve.errors is not None and len(curve.errors):
        ax.plot(
            curve.trial_numbers,
            curve.errors,
            marker="o",
            markersize=3,
            color=COLOR_ERROR,
            label="Error",
        )
    if len(curve.positions):
        ax.legend(loc="best")
    return ax
