"""PED-ANOVA: importance as the Pearson divergence between top-trial and region densities.

Watanabe et al., "PED-ANOVA: Efficiently Quantifying Hyperparameter Importance in Arbitrary
Subspaces" (IJCAI 2023). For the indicator ``g(x) = 1[f(x) is in the top gamma' quantile]``
restricted to the region of the top ``gamma`` trials, the variance of the marginal of ``g``
along parameter ``d`` is ``(gamma'/gamma)**2 * D_PE(p_top_d || p_region_d)``, where the
``p`` are the densities of ``x_d`` among the top and region trials and ``D_PE`` is the Pearson
chi-square divergence. Both densities are Parzen (kernel) estimates on a grid, so the cost is
linear in the number of trials.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from parzen.importance._base import (
    BaseImportanceEvaluator,
    _build_matrix,
    _check_enough_trials,
    _ParamSpace,
    _sort_by_importance,
)
from parzen.importance._ranking import best_first_order

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial

_N_GRID = 100
_MIN_TOP_TRIALS = 2


class PedAnovaImportanceEvaluator(BaseImportanceEvaluator):
    """PED-ANOVA importance evaluator, the default of :func:`get_param_importances`.

    The importance of a parameter says how much its distribution among the trials better than
    the ``target_quantile`` differs from its distribution among all trials of the region
    (the trials better than ``region_quantile``), measured by the Pearson divergence of two
    Parzen estimates (Scott's bandwidth, on a 100-point grid; on the exact values for an
    integer parameter with at most 100 of them; per choice for a categorical one).

    Conditional parameters: a parameter is assessed on the trials that hold it. With ``a``
    the share of region trials that hold it and ``r`` the share of those that are top
    trials, its importance is ``a * r**2 * D_PE(p_top || p_region)``; for a parameter present
    in every trial this is the paper's formula. Whether a branch is taken at all is
    measured by the parameter that chooses the branch. ``params=None`` assesses every
    parameter seen in a COMPLETE trial.

    Direction: lower is better for a minimized study, higher for a maximized one; with a
    ``target`` on a multi-objective study lower is better (negate the target to flip it). A
    multi-objective study without ``target`` ranks trials by Pareto front (non-domination
    rank, ties broken by NSGA-II crowding distance), so the importance explains reaching the
    Pareto front.

    Args:
        target_quantile: Share of the best trials that make up the top set (``gamma'``).
        region_quantile: Share of the best trials that make up the region in which the
            importance is measured (``gamma``); ``1.0`` is the whole search space.
        evaluate_on_local: If ``True`` the densities live on the range of values the region
            trials actually took, so the importance describes the optimization as it went.
            If ``False`` they live on the full declared search space and, with
            ``region_quantile=1.0``, the top density is compared to the uniform density over
            the search space.

    Examples:
        >>> import parzen
        >>> from parzen.importance import PedAnovaImportanceEvaluator, get_param_importances
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", -10, 10)
        ...     y = trial.suggest_float("y", -10, 10)
        ...     return x**2 + 0.001 * y
        >>> study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
        >>> study.optimize(objective, n_trials=200)
        >>> importances = get_param_importances(study, evaluator=PedAnovaImportanceEvaluator())
        >>> next(iter(importances))
        'x'
    """

    def __init__(
        self,
        *,
        target_quantile: float = 0.1,
        region_quantile: float = 1.0,
        evaluate_on_local: bool = True,
    ) -> None:
        if not 0.0 < target_quantile < region_quantile <= 1.0:
            raise ValueError(
                "Expected 0 < target_quantile < region_quantile <= 1; got "
                f"target_quantile={target_quantile!r}, region_quantile={region_quantile!r}. "
                "The top set must be a strict part of the region, e.g. target_quantile=0.1, "
                "region_quantile=1.0."
            )
        self._target_quantile = target_quantile
        self._region_quantile = region_quantile
        self._evaluate_on_local = evaluate_on_local

    def evaluate(
        self,
        study: Study,
        params: list[str] | None = None,
        *,
        target: Callable[[FrozenTrial], float] | None = None,
    ) -> dict[str, float]:
        """See :meth:`BaseImportanceEvaluator.evaluate`."""
        if params is not None and not params:
            return {}
        matrix = _build_matrix(study, params, target, require_all=False)
        values = matrix.values
        if values.ndim == 1:
            loss = (
                values
                if (target is not None and study._is_multi_objective())
                else (-values if _maximizes(study) else values)
            )
            usable = ~np.isnan(loss)
        else:
            from parzen._records.multi_objective import to_loss

            loss = to_loss(values, study.directions)
            usable = ~np.isnan(loss).any(axis=1)
        _check_enough_trials(int(usable.sum()), "COMPLETE trials with a non-NaN target")
        index = np.flatnonzero(usable)
        loss = loss[index]
        n = len(index)
        n_top = max(_MIN_TOP_TRIALS, math.ceil(self._target_quantile * n))
        n_region = min(n, max(n_top, math.ceil(self._region_quantile * n)))
        order = best_first_order(loss, n_region)
        region = index[order]
        top = index[order[:n_top]]

        importances: dict[str, float] = {}
        for name, column in matrix.columns.items():
            importances[name] = self._importance(matrix.spaces[name], column, top, region)
        return _sort_by_importance(importances)

    def _importance(
        self, space: _ParamSpace, column: np.ndarray, top: np.ndarray, region: np.ndarray
    ) -> float:
        if space.single():
            return 0.0
        region_x = column[region]
        region_x = region_x[~np.isnan(region_x)]
        top_x = column[top]
        top_x = top_x[~np.isnan(top_x)]
        if region_x.size == 0 or top_x.size == 0:
            return 0.0
        share_active = region_x.size / region.size
        top_share = top_x.size / region_x.size
        uniform_base = not self._evaluate_on_local and self._region_quantile >= 1.0
        if space.categorical:
            if self._evaluate_on_local:
                support = np.unique(region_x).astype(np.int64)
            else:
                support = np.arange(space.n_choices)
            if support.size <= 1:
                return 0.0
            p_top = _categorical_pmf(top_x, support)
            p_region = (
                np.full(support.size, 1.0 / support.size)
                if uniform_base
                else _categorical_pmf(region_x, support)
            )
        else:
            if self._evaluate_on_local:
                low, high = float(region_x.min()), float(region_x.max())
            else:
                low, high = space.low, space.high
            if not high > low:
                return 0.0
            grid = _grid(space, low, high)
            p_top = _parzen_pmf(top_x, grid, low, high)
            p_region = (
                np.full(grid.size, 1.0 / grid.size)
                if uniform_base
                else _parzen_pmf(region_x, grid, low, high)
            )
        divergence = float(np.sum((p_top - p_region) ** 2 / p_region))
        return share_active * top_share**2 * divergence


def _maximizes(study: Study) -> bool:
    from parzen.study import StudyDirection

    return bool(study.direction == StudyDirection.MAXIMIZE)


def _grid(space: _ParamSpace, low: float, high: float) -> np.ndarray:
    """Evaluation points: the exact values of a small integer range, else an even grid."""
    if not space.log and space.step is not None and float(space.step).is_integer():
        step = float(space.step)
        n_values = math.floor((high - low) / step + 1e-9) + 1
        if n_values <= _N_GRID:
            return low + step * np.arange(n_values)
    return np.linspace(low, high, _N_GRID)


def _parzen_pmf(x: np.ndarray, grid: np.ndarray, low: float, high: float) -> np.ndarray:
    """Gaussian-kernel density of ``x`` on ``grid``, as probabilities summing to one.

    Observations are first counted on the grid (nearest point), so the kernel sum costs
    O(grid**2) whatever the number of trials. Kernels are reflected at both ends of the
    range, so that uniformly spread values give a flat density instead of one that sags
    at the edges. A uniform prior with the weight of one observation keeps every
    probability positive.
    """
    span = high - low
    u_grid = (grid - low) / span
    u = np.clip((x - low) / span, 0.0, 1.0)
    nearest = np.clip(np.searchsorted(u_grid, u), 1, grid.size - 1)
    left_closer = (u - u_grid[nearest - 1]) < (u_grid[nearest] - u)
    nearest = nearest - left_closer
    counts = np.bincount(nearest, minlength=grid.size).astype(float)
    n = x.size
    # Scott's rule; the robust spread guards against heavy tails, and the floor (half a grid
    # cell, or half the distance between neighbouring discrete values) against zero spread.
    spread = float(np.std(u))
    q75, q25 = np.percentile(u, [75, 25])
    if q75 > q25:
        spread = min(spread, float(q75 - q25) / 1.34)
    min_bandwidth = 0.5 * float(np.min(np.diff(u_grid)))
    bandwidth = max(1.059 * spread * n ** (-0.2), min_bandwidth)
    at, source = u_grid[:, None], u_grid[None, :]
    kernel = sum(
        np.exp(-0.5 * ((at - mirrored) / bandwidth) ** 2)
        for mirrored in (source, -source, 2.0 - source)
    )
    kernel /= kernel.sum(axis=0, keepdims=True)
    pmf = kernel @ counts
    prior_weight = 1.0
    pmf = (pmf + prior_weight / grid.size) / (n + prior_weight)
    return pmf / pmf.sum()


def _categorical_pmf(x: np.ndarray, support: np.ndarray) -> np.ndarray:
    position = np.searchsorted(support, x.astype(np.int64))
    inside = (position < support.size) & (support[np.minimum(position, support.size - 1)] == x)
    counts = np.bincount(position[inside], minlength=support.size).astype(float)
    prior_weight = 1.0
    return (counts + prior_weight / support.size) / (counts.sum() + prior_weight)
