"""Contour plot: the target interpolated over each pair of parameters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.trial import FrozenTrial
from parzen.visualization import _utils as u
from parzen.visualization._slice import axis_layout

if TYPE_CHECKING:
    from parzen.study import Study

_GRID = 100


@dataclass
class _PairData:
    """The trials holding both parameters of a pair."""

    x_axis: u.ParamAxis
    y_axis: u.ParamAxis
    feasible: np.ndarray  # masks over all trials
    infeasible: np.ndarray


@dataclass
class _ContourSurface:
    x: np.ndarray  # grid in data units (category indices for categorical axes)
    y: np.ndarray
    z: np.ndarray  # (len(y), len(x)); NaN-free


@dataclass
class _PairsInfo:
    names: list[str]
    axes: dict[str, u.ParamAxis]
    values: np.ndarray
    numbers: np.ndarray
    feasible: np.ndarray
    finite: np.ndarray
    reverse: bool

    def pair(self, x_name: str, y_name: str) -> _PairData:
        x_axis, y_axis = self.axes[x_name], self.axes[y_name]
        both = x_axis.present() & y_axis.present() & self.finite
        return _PairData(x_axis, y_axis, both & self.feasible, both & ~self.feasible)


def _get_pairs_info(
    study: Study,
    params: list[str] | None,
    target: Callable[[FrozenTrial], float] | None,
    plot_name: str,
) -> _PairsInfo | None:
    from parzen.study import StudyDirection

    u.check_target(study, target)
    trials = u.complete_trials(study)
    names = u.select_params(trials, params)
    values = u.target_values(trials, target)
    finite = np.isfinite(values)
    if not finite.any() or not names:
        u.warn_empty(f"The {plot_name} needs COMPLETE trials with parameters and a finite target")
        return None
    if len(names) < 2 and plot_name == "contour plot":
        u.warn_empty("The contour plot needs at least two parameters")
        return None
    axes = u.param_axes(trials, names)
    reverse = target is None and study.direction == StudyDirection.MAXIMIZE
    return _PairsInfo(
        names, axes, values, u.numbers(trials), u.feasibility(trials), finite, reverse
    )


def _to_unit(axis: u.ParamAxis, values: np.ndarray) -> np.ndarray:
    """Map data values to [0, 1] over the padded range (log10 first for a log axis)."""
    low, high = axis.padded_range()
    coords = np.log10(values) if axis.is_log else values
    return (coords - low) / (high - low)


def _grid(axis: u.ParamAxis) -> np.ndarray:
    if axis.is_categorical:
        return np.arange(len(axis.labels), dtype=float)
    low, high = axis.padded_range()
    grid = np.linspace(low, high, _GRID)
    return 10**grid if axis.is_log else grid


def contour_surface(info: _PairsInfo, pair: _PairData) -> _ContourSurface | None:
    """Interpolate the feasible trials' targets onto a grid over the pair.

    Linear interpolation on the Delaunay triangulation of the trials inside their convex
    hull, the nearest trial's value outside it; in coordinates scaled to the unit square so
    that both axes weigh the same. Trials at the same point are averaged first.
    """
    from scipy.spatial import Delaunay, QhullError, cKDTree

    mask = pair.feasible
    if mask.sum() < 2:
        return None
    x_unit = _to_unit(pair.x_axis, pair.x_axis.values[mask])
    y_unit = _to_unit(pair.y_axis, pair.y_axis.values[mask])
    points, inverse = np.unique(np.column_stack((x_unit, y_unit)), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    z = np.bincount(inverse, info.values[mask]) / np.bincount(inverse)
    x_grid, y_grid = _grid(pair.x_axis), _grid(pair.y_axis)
    gx_unit, gy_unit = _to_unit(pair.x_axis, x_grid), _to_unit(pair.y_axis, y_grid)
    tree = cKDTree(points)
    # Trials of integer or categorical parameters lie on a lattice; such degenerate
    # (collinear, cocircular) input makes Qhull up to 100x slower. A deterministic jitter far
    # below a pixel removes the degeneracy without visibly moving anything.
    jitter = np.random.default_rng(0).uniform(-1e-7, 1e-7, points.shape)
    surface = np.full((gy_unit.size, gx_unit.size), np.nan)
    try:
        triangulation = Delaunay(points + jitter)
    except (QhullError, ValueError):  # fewer than 3 points, or all on one line
        triangulation = None
    if triangulation is not None:
        _rasterize(triangulation, z, gx_unit, gy_unit, surface)
    missing = np.isnan(surface)
    if missing.any():
        gx, gy = np.meshgrid(gx_unit, gy_unit)
        queries = np.column_stack((gx[missing], gy[missing]))
        surface[missing] = z[tree.query(queries)[1]]
    return _ContourSurface(x_grid, y_grid, surface)


def _rasterize(
    triangulation: Any,
    z: np.ndarray,
    gx: np.ndarray,
    gy: np.ndarray,
    surface: np.ndarray,
) -> None:
    """Fill ``surface[iy, ix]`` by linear interpolation inside each triangle.

    Every triangle visits the grid points of its bounding box, all triangles at once. This
    is O(triangles + grid points), where scipy's point location can fall back to a search
    over all triangles per grid point and take seconds.
    """
    corners = triangulation.points[triangulation.simplices]  # (m, 3, 2)
    ix0 = np.searchsorted(gx, corners[:, :, 0].min(axis=1), side="left")
    ix1 = np.searchsorted(gx, corners[:, :, 0].max(axis=1), side="right")
    iy0 = np.searchsorted(gy, corners[:, :, 1].min(axis=1), side="left")
    iy1 = np.searchsorted(gy, corners[:, :, 1].max(axis=1), side="right")
    width = np.maximum(ix1 - ix0, 0)
    count = width * np.maximum(iy1 - iy0, 0)
    triangle = np.repeat(np.arange(len(count)), count)
    offset = np.arange(triangle.size) - np.repeat(np.cumsum(count) - count, count)
    ix = ix0[triangle] + offset % width[triangle]
    iy = iy0[triangle] + offset // width[triangle]
    # Barycentric weights computed here: scipy's ``transform`` property makes one small
    # LAPACK call per triangle, which dominated the whole plot.
    a, b, c = (corners[triangle, k, :] for k in range(3))
    query = np.column_stack((gx[ix], gy[iy]))
    v0, v1, v2 = b - a, c - a, query - a
    d00 = np.einsum("ij,ij->i", v0, v0)
    d01 = np.einsum("ij,ij->i", v0, v1)
    d11 = np.einsum("ij,ij->i", v1, v1)
    d20 = np.einsum("ij,ij->i", v2, v0)
    d21 = np.einsum("ij,ij->i", v2, v1)
    denominator = d00 * d11 - d01 * d01
    with np.errstate(divide="ignore", invalid="ignore"):
        w_b = (d11 * d20 - d01 * d21) / denominator
        w_c = (d00 * d21 - d01 * d20) / denominator
    weights = np.column_stack((1.0 - w_b - w_c, w_b, w_c))
    inside = np.all(weights >= -1e-6, axis=1)
    values = (z[triangulation.simplices[triangle[inside]]] * weights[inside]).sum(axis=1)
    surface[iy[inside], ix[inside]] = values


def surfaces_by_pair(
    info: _PairsInfo, positions: list[tuple[int, int, int, int]]
) -> dict[tuple[int, int], _ContourSurface | None]:
    """One interpolation per unordered pair; the mirrored panel reuses it transposed."""
    surfaces: dict[tuple[int, int], _ContourSurface | None] = {}
    for _, _, xi, yi in positions:
        if xi == yi or (xi, yi) in surfaces:
            continue
        mirrored = surfaces.get((yi, xi), ...)
        if mirrored is not ...:
            surfaces[(xi, yi)] = (
                None if mirrored is None else _ContourSurface(mirrored.y, mirrored.x, mirrored.z.T)
            )
            continue
        pair = info.pair(info.names[xi], info.names[yi])
        surfaces[(xi, yi)] = contour_surface(info, pair)
    return surfaces


def grid_positions(n: int) -> list[tuple[int, int, int, int]]:
    """(row, col, x param index, y param index) of each panel; one panel for two params."""
    if n == 2:
        return [(1, 1, 0, 1)]
    return [(row + 1, col + 1, col, row) for row in range(n) for col in range(n)]


def plot_contour(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Any:
    """Plot the target interpolated over parameter pairs (plotly).

    Two parameters give one panel; more give a matrix with the first parameter pair in the
    top row (x = column parameter, y = row parameter; the diagonal stays empty). Feasible
    trials are black dots, infeasible ones grey; only feasible trials shape the surface. Log
    parameters get log axes, categorical ones category axes. Each panel uses the trials that
    hold both of its parameters.

    Args:
        study: The study.
        params: Parameters to show (at least two); all by default.
        target: Maps a trial to the value to plot; required for a multi-objective study.
        target_name: The colour-bar title.

    Returns:
        A ``plotly.graph_objects.Figure``.

    Examples:
        >>> import parzen
        >>> def objective(trial):
        ...     return trial.suggest_float("x", 0, 1) + trial.suggest_int("y", 0, 3)
        >>> study = parzen.create_study()
        >>> study.optimize(objective, n_trials=10)
        >>> fig = parzen.visualization.plot_contour(study)
        >>> [trace.type for trace in fig.data][:2]
        ['contour', 'scatter']
    """
    go = u.import_plotly()
    info = _get_pairs_info(study, params, target, "contour plot")
    if info is None:
        return go.Figure(layout=dict(title="Contour Plot"))
    from plotly.subplots import make_subplots

    n = len(info.names)
    single = n == 2
    figure = (
        make_subplots(rows=1, cols=1)
        if single
        else make_subplots(rows=n, cols=n, horizontal_spacing=0.3 / n, vertical_spacing=0.3 / n)
    )
    feasible_values = info.values[info.feasible & info.finite]
    zmin = float(feasible_values.min()) if feasible_values.size else 0.0
    zmax = float(feasible_values.max()) if feasible_values.size else 1.0
    shown_scale = False
    legend_shown: set[str] = set()
    positions = grid_positions(n)
    surfaces = surfaces_by_pair(info, positions)
    for row, col, xi, yi in positions:
        x_name, y_name = info.names[xi], info.names[yi]
        if x_name == y_name:
            figure.update_xaxes(visible=False, row=row, col=col)
            figure.update_yaxes(visible=False, row=row, col=col)
            continue
        pair = info.pair(x_name, y_name)
        surface = surfaces[(xi, yi)]
        if surface is not None:
            figure.add_trace(
                go.Contour(
                    x=pair.x_axis.labels_of(surface.x)
                    if pair.x_axis.is_categorical
                    else surface.x,
                    y=pair.y_axis.labels_of(surface.y)
                    if pair.y_axis.is_categorical
                    else surface.y,
                    z=surface.z,
                    zmin=zmin,
                    zmax=zmax,
                    colorscale="Blues",
                    reversescale=not info.reverse,
                    connectgaps=True,
                    contours=dict(coloring="heatmap"),
                    hoverinfo="none",
                    showscale=not shown_scale,
                    colorbar=dict(title=dict(text=target_name)),
                    name=f"{x_name} vs {y_name}",
                ),
                row=row,
                col=col,
            )
            shown_scale = True
        for kind, mask, color in (
            ("Feasible Trial", pair.feasible, "black"),
            ("Infeasible Trial", pair.infeasible, u.COLOR_INFEASIBLE),
        ):
            if not mask.any():
                continue
            figure.add_trace(
                go.Scatter(
                    x=pair.x_axis.display_values(mask),
                    y=pair.y_axis.display_values(mask),
                    customdata=info.numbers[mask],
                    mode="markers",
                    name=kind,
                    legendgroup=kind,
                    showlegend=kind not in legend_shown,
                    hovertemplate="Trial %{customdata}<extra></extra>",
                    marker=dict(color=color, size=5, line=dict(color="Grey", width=0.5)),
                ),
                row=row,
                col=col,
            )
            legend_shown.add(kind)
        figure.update_xaxes(axis_layout(pair.x_axis), row=row, col=col)
        figure.update_yaxes(axis_layout(pair.y_axis), row=row, col=col)
    figure.update_layout(title="Contour Plot", legend=dict(x=1.2))
    return figure
