"""Non-dominated sorting, constrained ranking and crowding distance (minimization).

Deb et al., "A fast and elitist multiobjective genetic algorithm: NSGA-II" (IEEE TEC, 2002):
the population is split into fronts, front 0 being the points no other point dominates, front 1
the points dominated only by front 0, and so on; within a front, the crowding distance measures
how isolated a point is. Constraints follow Deb's constrained domination: a feasible point beats
every infeasible one, and infeasible points are ranked by their total violation.

Examples:
    >>> import numpy as np
    >>> from parzen.samplers._nsga._sort import crowding_distance, fast_non_dominated_sort
    >>> loss = np.array([[1.0, 4.0], [2.0, 2.0], [3.0, 3.0], [4.0, 1.0]])
    >>> fast_non_dominated_sort(loss).tolist()
    [0, 0, 1, 0]
    >>> crowding_distance(loss[[0, 1, 3]]).tolist()
    [inf, 2.0, inf]
"""

from __future__ import annotations

import numpy as np

__all__ = ["constrained_ranks", "crowding_distance", "fast_non_dominated_sort"]

# Rows per block of the (block, n, m) dominance comparison: bounds the memory of large sorts.
_BLOCK = 256


def fast_non_dominated_sort(loss_values: np.ndarray) -> np.ndarray:
    """The front index (0 = non-dominated) of each row of ``loss_values`` (shape ``(n, m)``).

    Equal rows share a front. NaN counts as the worst value.
    """
    loss = np.asarray(loss_values, dtype=float)
    if loss.ndim != 2:
        raise ValueError(f"loss_values must have shape (n, m), got shape {loss.shape}.")
    n = len(loss)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    loss = np.where(np.isnan(loss), np.inf, loss)
    if loss.shape[1] == 1:
        # One objective: the fronts are the distinct values in order.
        return np.unique(loss[:, 0], return_inverse=True)[1].astype(np.int64).reshape(n)
    # dominated_by[i, j]: row j dominates row i.
    dominated_by = np.empty((n, n), dtype=bool)
    for start in range(0, n, _BLOCK):
        block = loss[start : start + _BLOCK, None, :]
        dominated_by[start : start + _BLOCK] = np.all(loss[None, :, :] <= block, axis=2) & np.any(
            loss[None, :, :] < block, axis=2
        )
    n_dominators = dominated_by.sum(axis=1)
    ranks = np.full(n, -1, dtype=np.int64)
    rank = 0
    front = np.flatnonzero(n_dominators == 0)
    while front.size:
        ranks[front] = rank
        n_dominators -= dominated_by[:, front].sum(axis=1)
        n_dominators[ranks >= 0] = -1
        front = np.flatnonzero(n_dominators == 0)
        rank += 1
    return ranks


def constrained_ranks(loss_values: np.ndarray, violations: np.ndarray) -> np.ndarray:
    """Front indices under Deb's constrained domination.

    Args:
        loss_values: Shape ``(n, m)``, minimized.
        violations: Shape ``(n,)``: the total constraint violation (sum of the positive
            constraint values; 0 means feasible), NaN for a row without constraint values.

    Returns:
        Feasible rows get their non-dominated front; infeasible rows come after every feasible
        one, one front per distinct violation, smaller first; rows without constraint values
        come last. Without any constraint values this is :func:`fast_non_dominated_sort`.
    """
    violations = np.asarray(violations, dtype=float)
    missing = np.isnan(violations)
    if missing.all():
        return fast_non_dominated_sort(loss_values)
    loss = np.asarray(loss_values, dtype=float)
    ranks = np.empty(len(loss), dtype=np.int64)
    feasible = ~missing & (violations <= 0.0)
    infeasible = ~missing & ~feasible
    next_rank = 0
    if feasible.any():
        ranks[feasible] = fast_non_dominated_sort(loss[feasible])
        next_rank = int(ranks[feasible].max()) + 1
    if infeasible.any():
        distinct = np.unique(violations[infeasible], return_inverse=True)[1].reshape(-1)
        ranks[infeasible] = next_rank + distinct
        next_rank = int(ranks[infeasible].max()) + 1
    ranks[missing] = next_rank
    return ranks


def crowding_distance(loss_values: np.ndarray) -> np.ndarray:
    """Deb's crowding distance of each row within one front (shape ``(n, m)``).

    The extreme rows of every objective get ``inf``; the others the sum over objectives of the
    normalized gap between their two neighbours. An objective with no spread adds nothing.
    """
    loss = np.asarray(loss_values, dtype=float)
    n = len(loss)
    distance = np.zeros(n)
    if n <= 2:
        distance[:] = np.inf
        return distance
    with np.errstate(invalid="ignore"):
        for column in loss.T:
            order = np.argsort(column, kind="stable")
            ordered = column[order]
            distance[order[0]] = distance[order[-1]] = np.inf
            span = ordered[-1] - ordered[0]
            if not np.isfinite(span) or span <= 0.0:
                continue
            gaps = (ordered[2:] - ordered[:-2]) / span
            distance[order[1:-1]] += np.nan_to_num(gaps, nan=0.0, posinf=np.inf)
    return distance
