"""Ordering trials from best to worst, for one objective or several (Pareto ranks)."""

from __future__ import annotations

import numpy as np


def pareto_front_mask(loss: np.ndarray) -> np.ndarray:
    """Rows of ``loss`` (minimization) that no other row dominates; duplicates are all kept.

    Two objectives take one sort and a running minimum, O(n log n), even when every point is
    on the front; more objectives use the core's O(n * front size) sweep.
    """
    n = len(loss)
    if n == 0 or loss.shape[1] != 2:
        from parzen._records.multi_objective import is_pareto_front

        return is_pareto_front(loss)
    order = np.lexsort((loss[:, 1], loss[:, 0]))
    f0, f1 = loss[order, 0], loss[order, 1]
    # In lexicographic order a point is dominated iff an earlier point has a smaller f1, or
    # the same f1 with a smaller f0 (an exact duplicate is not dominated).
    prev_min = np.concatenate(([np.inf], np.minimum.accumulate(f1)[:-1]))
    first_at_min = np.zeros(n, dtype=np.int64)
    new_min = np.concatenate(([True], f1[1:] < prev_min[1:]))
    first_at_min[new_min] = np.flatnonzero(new_min)
    first_at_min = np.maximum.accumulate(first_at_min)
    # f0 of the earliest point that reached the running minimum before position i.
    prev_min_f0 = np.concatenate(([np.inf], f0[first_at_min[:-1]]))
    dominated = (prev_min < f1) | ((prev_min == f1) & (prev_min_f0 < f0))
    mask = np.zeros(n, dtype=bool)
    mask[order] = ~dominated
    return mask


def _crowding_distance(loss: np.ndarray) -> np.ndarray:
    n, m = loss.shape
    distance = np.zeros(n)
    if n <= 2:
        return np.full(n, np.inf)
    for k in range(m):
        order = np.argsort(loss[:, k], kind="stable")
        column = loss[order, k]
        span = column[-1] - column[0]
        distance[order[0]] = distance[order[-1]] = np.inf
        if span > 0 and np.isfinite(span):
            distance[order[1:-1]] += (column[2:] - column[:-2]) / span
    return distance


def best_first_order(loss: np.ndarray, n_needed: int) -> np.ndarray:
    """Indices of the ``n_needed`` best rows, best first.

    A 1-d ``loss`` is sorted (stable, so ties keep trial order). A 2-d one is peeled into
    Pareto fronts until enough rows are collected; inside the last front needed, rows with a
    larger crowding distance (NSGA-II) come first, so the chosen set spreads along the front.
    """
    if loss.ndim == 1:
        return np.argsort(loss, kind="stable")[:n_needed]
    remaining = np.arange(len(loss))
    chosen: list[np.ndarray] = []
    n_chosen = 0
    while n_chosen < n_needed and remaining.size:
        mask = pareto_front_mask(loss[remaining])
        front = remaining[mask]
        if n_chosen + front.size > n_needed:
            crowding = _crowding_distance(loss[front])
            front = front[np.argsort(-crowding, kind="stable")][: n_needed - n_chosen]
        chosen.append(front)
        n_chosen += front.size
        remaining = remaining[~mask]
    return np.concatenate(chosen) if chosen else np.empty(0, dtype=np.int64)
