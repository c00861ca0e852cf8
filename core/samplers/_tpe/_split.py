"""Splitting finished trials into the good ("below", ``l(x)``) and the rest ("above", ``g(x)``).

Ranking, best first:

1. feasible COMPLETE trials, by objective value (single objective) or by nondominated fronts,
   the last front that does not fit whole being cut by greedy hypervolume subset selection
   (several objectives, MOTPE);
2. feasible PRUNED trials: the further a trial got, the better; at equal steps, by the last
   intermediate value; trials that reported nothing last;
3. infeasible trials, by total constraint violation.

A trial is infeasible when it has constraints and one of them is positive; trials without
constraints count as feasible.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np

from parzen._hypervolume import compute_hypervolume, hypervolume_contributions, nondominated_mask
from parzen._records.direction import StudyDirection
from parzen.samplers._history import TrialHistory
from parzen.trial import TrialState

_COMPLETE = int(TrialState.COMPLETE)
_PRUNED = int(TrialState.PRUNED)


def split_rows(
    history: TrialHistory, directions: Sequence[StudyDirection], n_below: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return the row indices of the below and above sets, each sorted by trial number."""
    n = history.n
    n_below = max(0, min(n_below, n))
    signs = np.array([-1.0 if d == StudyDirection.MAXIMIZE else 1.0 for d in directions])
    state = history.state
    violation = history.violation
    feasible = ~(violation > 0)  # NaN (no constraints) counts as feasible
    complete = np.flatnonzero((state == _COMPLETE) & feasible)
    chosen: list[np.ndarray] = []
    remaining = n_below
    if remaining > 0 and len(complete) > 0:
        losses = history.values[complete] * signs
        if len(signs) == 1:
            picked = _best_k(losses[:, 0], remaining)
        else:
            picked = _select_multi_objective(losses, remaining)
        chosen.append(complete[picked])
        remaining -= len(picked)
    if remaining > 0:
        pruned = np.flatnonzero((state == _PRUNED) & feasible)
        if len(pruned) > 0:
            steps = history.last_step[pruned]
            step_key = np.where(np.isnan(steps), np.inf, -steps)
            inter = history.last_intermediate[pruned] * signs[0]
            inter_key = np.where(np.isnan(inter), np.inf, inter)
            order = np.lexsort((inter_key, step_key))[:remaining]
            chosen.append(pruned[order])
            remaining -= len(order)
    if remaining > 0:
        infeasible = np.flatnonzero(~feasible)
        if len(infeasible) > 0:
            order = np.argsort(violation[infeasible], kind="stable")[:remaining]
            chosen.append(infeasible[order])
            remaining -= len(order)
    is_below = np.zeros(n, dtype=bool)
    if chosen:
        is_below[np.concatenate(chosen)] = True
    by_number = history.order_by_number()
    below_mask = is_below[by_number]
    return by_number[below_mask], by_number[~below_mask]


def _best_k(losses: np.ndarray, k: int) -> np.ndarray:
    if k >= len(losses):
        return np.arange(len(losses))
    return np.argpartition(losses, k - 1)[:k]


def _select_multi_objective(losses: np.ndarray, k: int) -> np.ndarray:
    """Indices of ``k`` rows: whole nondominated fronts, then a hypervolume-greedy cut."""
    n = len(losses)
    if k >= n:
        return np.arange(n)
    selected: list[np.ndarray] = []
    remaining = np.arange(n)
    while k > 0:
        front_mask = nondominated_mask(losses[remaining])
        # nondominated_mask keeps one copy of duplicated points; the copies belong to this
        # front too, since nothing dominates them.
        front_points = losses[remaining[front_mask]]
        in_front = _rows_in(losses[remaining], front_points)
        front = remaining[in_front]
        if len(front) <= k:
            selected.append(front)
            k -= len(front)
            remaining = remaining[~in_front]
            continue
        selected.append(front[_greedy_hypervolume_subset(losses[front], k)])
        break
    return np.concatenate(selected)


def _rows_in(points: np.ndarray, members: np.ndarray) -> np.ndarray:
    mask = np.zeros(len(points), dtype=bool)
    for member in members:
        mask |= np.all(points == member, axis=1)
    return mask


def reference_point(losses: np.ndarray) -> np.ndarray:
    """A reference point just beyond the worst value of each objective."""
    worst = losses.max(axis=0)
    span = worst - losses.min(axis=0)
    margin = np.maximum(0.1 * span, np.maximum(1e-9 * np.abs(worst), 1e-12))
    return worst + margin


def _greedy_hypervolume_subset(points: np.ndarray, k: int) -> np.ndarray:
    """Pick ``k`` points that greedily maximize the hypervolume.

    Lazy greedy: a point's gain can only shrink as the selection grows (the hypervolume is
    submodular), so stale gains are upper bounds and most need no recomputation.
    """
    ref = reference_point(points)
    inclusive = np.prod(ref - points, axis=1)
    heap = [(-float(g), i) for i, g in enumerate(inclusive)]
    heapq.heapify(heap)
    chosen: list[int] = []
    fresh_at: dict[int, int] = {}
    while len(chosen) < k and heap:
        _neg_gain, i = heapq.heappop(heap)
        if fresh_at.get(i) == len(chosen):
            chosen.append(i)
            continue
        if chosen:
            limited = np.maximum(points[chosen], points[i])
            gain = inclusive[i] - compute_hypervolume(limited, ref)
        else:
            gain = inclusive[i]
        fresh_at[i] = len(chosen)
        heapq.heappush(heap, (-float(gain), i))
    return np.array(chosen, dtype=np.intp)


def below_weights_multi_objective(losses: np.ndarray) -> np.ndarray:
    """MOTPE weights of the good trials: their hypervolume contributions, floored."""
    if len(losses) == 0:
        return np.empty(0)
    contributions = hypervolume_contributions(losses, reference_point(losses))
    top = contributions.max()
    if not top > 0:
        return np.ones(len(losses))
    return np.maximum(contributions / top, _MIN_RELATIVE_WEIGHT)


# Dominated members of the good set keep a little weight, so l(x) still covers them.
_MIN_RELATIVE_WEIGHT = 0.05
