"""Exact hypervolume for minimization problems.

The hypervolume of a point set ``P`` with respect to a reference point ``r`` is the Lebesgue
measure of the region that ``P`` dominates and that dominates ``r``:
``{y : exists p in P, p <= y <= r}``. Every objective is minimized; negate maximized ones first.

Algorithms, chosen by the number of objectives ``m``:

* ``m == 1``: ``r - min(P)``.
* ``m == 2``: sort by the first objective and sweep, ``O(n log n)``, vectorized.
* ``m == 3``: sweep along the third objective while keeping the two-dimensional staircase of the
  points seen so far sorted (Beume et al.'s HV3D idea), ``O(n log n)`` comparisons.
* ``m == 4``: sweep along the fourth objective, one three-objective volume per slab.
* ``m >= 5``: the WFG algorithm (While, Bradstreet and Barone, 2012): the volume is the sum of
  each point's exclusive volume, computed recursively on "limited" sets that shrink fast, with
  the three-objective sweep as the base case.

Points that do not strictly dominate the reference point in every objective add nothing and are
dropped first.

Examples:
    >>> import numpy as np
    >>> from parzen._hypervolume import compute_hypervolume, hypervolume_contributions
    >>> points = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]])
    >>> compute_hypervolume(points, np.array([4.0, 4.0]))
    6.0
    >>> hypervolume_contributions(points, np.array([4.0, 4.0])).tolist()
    [1.0, 1.0, 1.0]
"""

from __future__ import annotations

import bisect

import numpy as np

__all__ = ["compute_hypervolume", "hypervolume_contributions", "nondominated_mask"]

# Up to this many points, dominance is checked with one (n, n, m) broadcast.
_BROADCAST_LIMIT = 512


def compute_hypervolume(
    points: np.ndarray, reference_point: np.ndarray, *, assume_pareto: bool = False
) -> float:
    """Return the exact hypervolume that ``points`` dominate up to ``reference_point``.

    Args:
        points: Array of shape ``(n, m)``; every objective is minimized.
        reference_point: Array of shape ``(m,)``.
        assume_pareto: Skip the removal of dominated and duplicate points when the caller knows
            ``points`` is already a Pareto front (it is only an optimization: the result is the
            same either way).

    Returns:
        The hypervolume, ``0.0`` for an empty set.

    Raises:
        ValueError: the shapes do not match, or a coordinate is NaN.
    """
    pts, ref = _validate(points, reference_point)
    pts = pts[np.all(pts < ref, axis=1)]
    if len(pts) == 0:
        return 0.0
    m = pts.shape[1]
    if m == 1:
        return float(ref[0] - pts[:, 0].min())
    if m == 2:
        return _hv2d(pts, ref)
    if m == 3:
        # The sweep ignores dominated points by itself.
        return _hv3d(pts, ref)
    if not assume_pareto:
        pts = pts[nondominated_mask(pts)]
    return _wfg(pts, ref)


def hypervolume_contributions(points: np.ndarray, reference_point: np.ndarray) -> np.ndarray:
    """Return each point's exclusive contribution to the hypervolume of ``points``.

    The contribution of ``p`` is ``HV(P) - HV(P without p)``: zero for dominated points, for
    duplicated points and for points outside the reference box.

    Args:
        points: Array of shape ``(n, m)``; every objective is minimized.
        reference_point: Array of shape ``(m,)``.

    Returns:
        Array of shape ``(n,)``.
    """
    pts, ref = _validate(points, reference_point)
    n, m = pts.shape
    out = np.zeros(n)
    inside = np.flatnonzero(np.all(pts < ref, axis=1))
    if len(inside) == 0:
        return out
    pts_in = pts[inside]
    if m == 1:
        best = pts_in[:, 0].min()
        winners = np.flatnonzero(pts_in[:, 0] == best)
        if len(winners) == 1:
            second = np.partition(np.append(pts_in[:, 0], ref[0]), 1)[1]
            out[inside[winners[0]]] = second - best
        return out
    front_local = np.flatnonzero(nondominated_mask(pts_in))
    contrib = np.empty(len(front_local))
    for k, i in enumerate(front_local):
        # Against every other point, dominated ones included: they may surface once p is gone.
        contrib[k] = _exclusive(pts_in[i], np.delete(pts_in, i, axis=0), ref)
    out[inside[front_local]] = contrib
    # Removing one of several identical points leaves the volume unchanged: no contribution.
    # (nondominated_mask keeps one copy of each; the other copies already have 0.)
    if len(front_local) < len(pts_in):
        _, inverse, counts = np.unique(pts_in, axis=0, return_inverse=True, return_counts=True)
        duplicated = counts[inverse.reshape(-1)] > 1
        out[inside[duplicated]] = 0.0
    return out


def nondominated_mask(points: np.ndarray) -> np.ndarray:
    """Return a mask of the points that no other point weakly dominates (minimization).

    Of identical points, exactly one (the first in input order) is kept.

    Args:
        points: Array of shape ``(n, m)``.

    Returns:
        Boolean array of shape ``(n,)``.
    """
    pts = np.asarray(points, dtype=float)
    n = len(pts)
    mask = np.zeros(n, dtype=bool)
    if n == 0:
        return mask
    if pts.shape[1] == 1:
        mask[int(np.argmin(pts[:, 0]))] = True
        return mask
    # Lexicographic order: a point can only be dominated by one that comes before it.
    order = np.lexsort(pts.T[::-1])
    if pts.shape[1] == 2:
        ys = pts[order, 1]
        prev_min = np.minimum.accumulate(np.concatenate(([np.inf], ys[:-1])))
        mask[order[ys < prev_min]] = True
        return mask
    if n <= _BROADCAST_LIMIT:
        # weakly_dominated_by[i, j]: p_j <= p_i everywhere. Among identical points the one
        # that comes first in lexicographic order survives.
        sorted_pts = pts[order]
        leq = np.all(sorted_pts[None, :, :] <= sorted_pts[:, None, :], axis=2)
        np.fill_diagonal(leq, False)
        dominated = np.any(np.tril(leq, k=-1), axis=1)
        mask[order[~dominated]] = True
        return mask
    kept = np.empty_like(pts)
    n_kept = 0
    for idx in order:
        p = pts[idx]
        if n_kept and np.any(np.all(kept[:n_kept] <= p, axis=1)):
            continue
        kept[n_kept] = p
        n_kept += 1
        mask[idx] = True
    return mask


def _validate(points: np.ndarray, reference_point: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pts = np.asarray(points, dtype=float)
    ref = np.asarray(reference_point, dtype=float)
    if pts.ndim != 2:
        raise ValueError(
            f"points must be a 2-D array of shape (n_points, n_objectives), got shape {pts.shape}."
        )
    if ref.ndim != 1 or ref.shape[0] != pts.shape[1]:
        raise ValueError(
            f"reference_point must have shape ({pts.shape[1]},) to match points of shape "
            f"{pts.shape}, got shape {ref.shape}."
        )
    if np.isnan(pts).any() or np.isnan(ref).any():
        raise ValueError("points and reference_point must not contain NaN.")
    return pts, ref


def _hv2d(pts: np.ndarray, ref: np.ndarray) -> float:
    order = np.lexsort((pts[:, 1], pts[:, 0]))
    xs = pts[order, 0]
    ys = np.minimum.accumulate(pts[order, 1])
    widths = np.diff(np.append(xs, ref[0]))
    return float(np.dot(widths, ref[1] - ys))


def _hv3d(pts: np.ndarray, ref: np.ndarray) -> float:
    """Sweep along z, keeping the x-y staircase of the points seen so far."""
    order = np.argsort(pts[:, 2], kind="stable")
    sorted_pts = pts[order]
    zs = np.append(sorted_pts[:, 2], ref[2])
    rx, ry = float(ref[0]), float(ref[1])
    xs: list[float] = []
    ys: list[float] = []
    area = 0.0
    volume = 0.0
    for i, (px, py, _) in enumerate(sorted_pts.tolist()):
        pos = bisect.bisect_right(xs, px)
        if pos == 0 or ys[pos - 1] > py:
            start = bisect.bisect_left(xs, px)
            stop = start
            while stop < len(xs) and ys[stop] >= py:
                stop += 1
            prev_y = ys[start - 1] if start > 0 else ry
            cur_x = px
            gain = 0.0
            for t in range(start, stop):
                gain += (xs[t] - cur_x) * (prev_y - py)
                cur_x = xs[t]
                prev_y = ys[t]
            end_x = xs[stop] if stop < len(xs) else rx
            gain += (end_x - cur_x) * (prev_y - py)
            area += gain
            xs[start:stop] = [px]
            ys[start:stop] = [py]
        volume += area * (zs[i + 1] - zs[i])
    return volume


def _hv4d(pts: np.ndarray, ref: np.ndarray) -> float:
    """Sweep along the fourth objective; each slab is a three-objective volume."""
    order = np.argsort(pts[:, 3], kind="stable")
    sorted_pts = pts[order]
    zs = np.append(sorted_pts[:, 3], ref[3])
    volume = 0.0
    for i in range(len(sorted_pts)):
        depth = zs[i + 1] - zs[i]
        if depth > 0:
            volume += _hv3d(sorted_pts[: i + 1, :3], ref[:3]) * depth
    return volume


def _wfg(pts: np.ndarray, ref: np.ndarray) -> float:
    """WFG: the volume of a nondominated set as the sum of exclusive volumes."""
    n, m = pts.shape
    if n == 0:
        return 0.0
    if n == 1:
        return float(np.prod(ref - pts[0]))
    if n == 2:
        overlap = np.prod(ref - np.maximum(pts[0], pts[1]))
        return float(np.prod(ref - pts[0]) + np.prod(ref - pts[1]) - overlap)
    if m == 2:
        return _hv2d(pts, ref)
    if m == 3:
        return _hv3d(pts, ref)
    if m == 4:
        return _hv4d(pts, ref)
    # Sorted by the last objective, worst first: the limited sets of the early (bad) points are
    # then made of better points, which collapse onto few nondominated ones.
    pts = pts[np.argsort(-pts[:, -1], kind="stable")]
    total = 0.0
    for i in range(n):
        total += _exclusive(pts[i], pts[i + 1 :], ref)
    return total


def _exclusive(p: np.ndarray, others: np.ndarray, ref: np.ndarray) -> float:
    """Volume dominated by ``p`` and by none of ``others``."""
    inclusive = float(np.prod(ref - p))
    if len(others) == 0:
        return inclusive
    limited = np.maximum(others, p)
    limited = limited[np.all(limited < ref, axis=1)]
    if len(limited) == 0:
        return inclusive
    limited = limited[nondominated_mask(limited)]
    return inclusive - _wfg(limited, ref)
