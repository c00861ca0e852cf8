"""Pareto dominance and fronts, vectorized with numpy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from parzen._records.direction import StudyDirection

if TYPE_CHECKING:
    from parzen.trial import FrozenTrial


def to_loss(values: np.ndarray, directions: Sequence[StudyDirection]) -> np.ndarray:
    """Flip maximized objectives so that smaller is better in every column."""
    signs = np.array([-1.0 if d == StudyDirection.MAXIMIZE else 1.0 for d in directions])
    return np.asarray(values, dtype=float) * signs


def dominates(
    values_a: Sequence[float], values_b: Sequence[float], directions: Sequence[StudyDirection]
) -> bool:
    """Whether ``a`` is at least as good as ``b`` everywhere and better somewhere."""
    loss = to_loss(np.array([values_a, values_b]), directions)
    return bool(np.all(loss[0] <= loss[1]) and np.any(loss[0] < loss[1]))


def is_pareto_front(loss_values: np.ndarray) -> np.ndarray:
    """A boolean mask of the rows no other row dominates (minimization; ties all kept).

    Runs in O(n * front size): the lexicographically smallest remaining point is never
    dominated, so it joins the front and removes every point it dominates.
    """
    n = len(loss_values)
    on_front = np.zeros(n, dtype=bool)
    if n == 0:
        return on_front
    order = np.lexsort(loss_values.T[::-1])
    remaining = order
    while remaining.size:
        best = remaining[0]
        on_front[best] = True
        rest = remaining[1:]
        rest_loss = loss_values[rest]
        dominated = np.all(rest_loss >= loss_values[best], axis=1) & np.any(
            rest_loss > loss_values[best], axis=1
        )
        remaining = rest[~dominated]
    return on_front


def pareto_front_trials(
    trials: Sequence[FrozenTrial], directions: Sequence[StudyDirection]
) -> list[FrozenTrial]:
    """The trials on the Pareto front, in their original order."""
    if not trials:
        return []
    values = np.array([t.values for t in trials], dtype=float)
    mask = is_pareto_front(to_loss(values, directions))
    return [t for t, keep in zip(trials, mask) if keep]
