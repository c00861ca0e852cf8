"""Acquisition functions in log space, with gradients.

Every function here returns the log of an acquisition value and its derivatives with respect to
the posterior mean and standard deviation; the chain rule through the GP posterior is applied by
:class:`Acquisition`.

* log expected improvement, computed without cancellation far in the tail as in Ament et al.
  (2023), "Unexpected improvements to expected improvement for Bayesian optimization";
* log probability of feasibility, one independent GP per constraint ``c(x) <= 0``;
* log expected hypervolume improvement for independent objectives: the non-dominated region is
  cut into disjoint boxes (Daulton et al., 2020, "Differentiable expected hypervolume improvement
  for parallel multi-objective Bayesian optimization"), and on each box the expectation factorizes
  over objectives into terms of the same form as expected improvement.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from parzen.samplers._gp._gp import GPRegressor

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_HALF_LOG_PI_OVER_2 = 0.5 * math.log(math.pi / 2.0)
_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_TAIL = -1.0 / math.sqrt(np.finfo(float).eps)
_MAX_BOXES = 4096


def log1mexp(a: np.ndarray) -> np.ndarray:
    """``log(1 - exp(a))`` for ``a <= 0``, accurate on both sides of ``-log 2``."""
    a = np.minimum(a, -1e-300)
    out = np.empty_like(a)
    near = a > -math.log(2.0)
    out[near] = np.log(-np.expm1(a[near]))
    out[~near] = np.log1p(-np.exp(a[~near]))
    return out


def log_h(z: np.ndarray) -> np.ndarray:
    """``log(phi(z) + z Phi(z))``, the log of the standardized expected improvement."""
    from scipy.special import erfcx, ndtr

    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    upper = z > -1.0
    zu = z[upper]
    out[upper] = np.log(np.exp(-0.5 * zu * zu - _LOG_SQRT_2PI) + zu * ndtr(zu))
    mid = (~upper) & (z > _TAIL)
    zm = z[mid]
    # phi(z) + z Phi(z) = phi(z) (1 - |z| sqrt(pi/2) erfcx(|z| / sqrt 2)) for z < 0.
    inner = np.log(-zm * erfcx(-zm * _INV_SQRT2)) + _HALF_LOG_PI_OVER_2
    out[mid] = -0.5 * zm * zm - _LOG_SQRT_2PI + log1mexp(inner)
    tail = z <= _TAIL
    zt = z[tail]
    out[tail] = -0.5 * zt * zt - _LOG_SQRT_2PI - 2.0 * np.log(-zt)
    return out


def _log_phi(z: np.ndarray) -> np.ndarray:
    return -0.5 * z * z - _LOG_SQRT_2PI


def log_ei(
    mean: np.ndarray, sigma: np.ndarray, best: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """log E[max(f - best, 0)] and its derivatives with respect to ``mean`` and ``sigma``."""
    from scipy.special import log_ndtr

    z = (mean - best) / sigma
    lh = log_h(z)
    value = np.log(sigma) + lh
    d_mean = np.exp(log_ndtr(z) - lh) / sigma
    d_sigma = np.exp(_log_phi(z) - lh) / sigma
    return value, d_mean, d_sigma


def log_pf(
    mean: np.ndarray, sigma: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """log P(c <= threshold) and its derivatives with respect to ``mean`` and ``sigma``."""
    from scipy.special import log_ndtr

    z = (threshold - mean) / sigma
    value = log_ndtr(z)
    # d log Phi(z) / dz = phi(z) / Phi(z), the inverse Mills ratio.
    ratio = np.exp(_log_phi(z) - value)
    return value, -ratio / sigma, -ratio * z / sigma


def nondominated_boxes(front: np.ndarray, ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint boxes whose union is the region above ``ref`` that no point of ``front`` dominates.

    Objectives are maximized. Boxes may be unbounded above (``inf``). The region is sliced along
    the last objective at every front value; inside a slice the points that still matter are
    those above it, and the remaining objectives are cut recursively.

    Args:
        front: Points, shape (k, m); points not strictly above ``ref`` are ignored.
        ref: Reference point, shape (m,).

    Returns:
        Lower and upper corners, each of shape (n_boxes, m).
    """
    front = _pareto(front[np.all(front > ref, axis=1)])
    front = _limit_front(front, ref)
    lower, upper = _cut(front, ref)
    keep = np.all(lower < upper, axis=1)
    return lower[keep], upper[keep]


def _pareto(points: np.ndarray) -> np.ndarray:
    """The points that no other point weakly dominates (duplicates kept once)."""
    if len(points) <= 1:
        return points
    points = np.unique(points, axis=0)
    ge = np.all(points[:, None, :] >= points[None, :, :], axis=2)
    gt = np.any(points[:, None, :] > points[None, :, :], axis=2)
    dominated = np.any(ge & gt, axis=0)
    return points[~dominated]


def _limit_front(front: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Keep the points that contribute most hypervolume if the boxes would be too many.

    The slicing makes up to ``k ** (m - 1)`` boxes from ``k`` points; beyond ``_MAX_BOXES`` the
    acquisition would cost more than it is worth, and the points with the smallest exclusive
    hypervolume change it least.
    """
    m = len(ref)
    if m <= 2 or len(front) ** (m - 1) <= _MAX_BOXES:
        return front
    from parzen._hypervolume import hypervolume_contributions

    keep = max(2, int(_MAX_BOXES ** (1.0 / (m - 1))))
    contributions = hypervolume_contributions(-front, -ref)
    return front[np.argsort(-contributions, kind="stable")[:keep]]


def _cut(front: np.ndarray, ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m = len(ref)
    # Slabs along the last objective, from the top: in the slab just below the i-th highest
    # value, exactly the i points above it can dominate.
    order = np.argsort(-front[:, -1], kind="stable")
    front = front[order]
    levels = np.concatenate([[np.inf], front[:, -1], [ref[-1]]])
    if m == 2:
        # The 1-objective remainder of slab i is everything above the best of those i points.
        first = np.concatenate([[ref[0]], np.maximum.accumulate(front[:, 0])])
        lower = np.stack([first, levels[1:]], axis=1)
        upper = np.stack([np.full(len(first), np.inf), levels[:-1]], axis=1)
        return lower, upper
    lowers, uppers = [], []
    for i in range(len(front) + 1):
        hi, lo = levels[i], levels[i + 1]
        if not lo < hi:
            continue
        sub_lower, sub_upper = _cut(_pareto(front[:i, :-1]), ref[:-1])
        lowers.append(np.column_stack([sub_lower, np.full(len(sub_lower), lo)]))
        uppers.append(np.column_stack([sub_upper, np.full(len(sub_upper), hi)]))
    return np.vstack(lowers), np.vstack(uppers)


def log_ehvi(
    mean: np.ndarray, sigma: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """log expected hypervolume improvement of independent Gaussian objectives.

    Args:
        mean: Posterior means, shape (b, m), objectives maximized.
        sigma: Posterior standard deviations, shape (b, m).
        lower: Lower corners of the non-dominated boxes, shape (n_boxes, m).
        upper: Upper corners, shape (n_boxes, m), possibly ``inf``.

    Returns:
        The value, shape (b,), and its derivatives with respect to ``mean`` and ``sigma``.
    """
    from scipy.special import log_ndtr

    mu = mean[:, None, :]
    sd = sigma[:, None, :]
    z_lo = (mu - lower[None]) / sd
    z_hi = (mu - upper[None]) / sd
    finite_hi = np.broadcast_to(np.isfinite(upper)[None], z_hi.shape)
    lh_lo = log_h(z_lo)
    lh_hi = np.full_like(z_hi, -np.inf)
    lh_hi[finite_hi] = log_h(z_hi[finite_hi])
    # E[(min(Y, u) - l)^+] = sigma (h(z_l) - h(z_u)).
    log_diff = lh_lo + log1mexp(lh_hi - lh_lo)
    log_psi = np.log(sd) + log_diff
    per_box = log_psi.sum(axis=2)
    top = per_box.max(axis=1, keepdims=True)
    weights = np.exp(per_box - top)
    total = weights.sum(axis=1, keepdims=True)
    value = (top + np.log(total))[:, 0]
    weights /= total

    lp_lo = log_ndtr(z_lo)
    lp_hi = np.full_like(z_hi, -np.inf)
    lp_hi[finite_hi] = log_ndtr(z_hi[finite_hi])
    # d psi / d mu = Phi(z_l) - Phi(z_u); d psi / d sigma = phi(z_l) - phi(z_u).
    log_dpsi_dmu = lp_lo + log1mexp(np.minimum(lp_hi - lp_lo, 0.0))
    d_log_psi_dmu = np.exp(log_dpsi_dmu - log_diff) / sd
    log_phi_hi = np.where(finite_hi, _log_phi(np.where(finite_hi, z_hi, 0.0)), -np.inf)
    phi_hi = np.exp(log_phi_hi - log_diff)
    d_log_psi_dsd = (np.exp(_log_phi(z_lo) - log_diff) - phi_hi) / sd
    d_mean = np.einsum("bk,bkm->bm", weights, d_log_psi_dmu)
    d_sigma = np.einsum("bk,bkm->bm", weights, d_log_psi_dsd)
    return value, d_mean, d_sigma


class Acquisition:
    """A log acquisition function of encoded inputs, with its gradient.

    It is log EI of the single objective model, or log EHVI of several objective models, plus
    log probability of feasibility of every constraint model. Without objective models (no
    feasible point yet) it is the log probability of feasibility alone.

    Args:
        objectives: GP of each (standardized, maximized) objective.
        constraints: GP of each constraint and the standardized threshold it must not exceed.
        best: Best feasible standardized value (single objective).
        boxes: Lower and upper corners of the non-dominated boxes (several objectives).
    """

    def __init__(
        self,
        objectives: Sequence[GPRegressor],
        constraints: Sequence[tuple[GPRegressor, float]] = (),
        *,
        best: float | None = None,
        boxes: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        if len(objectives) == 1 and best is None:
            raise ValueError("Acquisition with one objective needs `best`, got None.")
        if len(objectives) > 1 and boxes is None:
            raise ValueError("Acquisition with several objectives needs `boxes`, got None.")
        self.objectives = list(objectives)
        self.constraints = list(constraints)
        self.best = best
        self.boxes = boxes

    def __call__(
        self, x: np.ndarray, *, with_grad: bool = False
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Value at each row of ``x`` and, with ``with_grad``, the gradient (b, d)."""
        value = np.zeros(len(x))
        grad = np.zeros_like(x) if with_grad else None
        if len(self.objectives) == 1:
            assert self.best is not None
            mean, sd, d_mean, d_sd = _moments(self.objectives[0], x, with_grad)
            v, gm, gs = log_ei(mean, sd, self.best)
            value += v
            if grad is not None:
                assert d_mean is not None and d_sd is not None
                grad += gm[:, None] * d_mean + gs[:, None] * d_sd
        elif self.objectives:
            assert self.boxes is not None
            moments = [_moments(model, x, with_grad) for model in self.objectives]
            means = np.stack([m[0] for m in moments], axis=1)
            sds = np.stack([m[1] for m in moments], axis=1)
            v, gm, gs = _chunked_log_ehvi(means, sds, *self.boxes)
            value += v
            if grad is not None:
                for j, (_, _, d_mean, d_sd) in enumerate(moments):
                    assert d_mean is not None and d_sd is not None
                    grad += gm[:, j, None] * d_mean + gs[:, j, None] * d_sd
        for model, threshold in self.constraints:
            mean, sd, d_mean, d_sd = _moments(model, x, with_grad)
            v, gm, gs = log_pf(mean, sd, threshold)
            value += v
            if grad is not None:
                assert d_mean is not None and d_sd is not None
                grad += gm[:, None] * d_mean + gs[:, None] * d_sd
        return value, grad


def _moments(
    model: GPRegressor, x: np.ndarray, with_grad: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    mean, var, d_mean, d_var = model.posterior(x, with_grad=with_grad)
    sd = np.sqrt(var)
    d_sd = None if d_var is None else d_var / (2.0 * sd[:, None])
    return mean, sd, d_mean, d_sd


def _chunked_log_ehvi(
    means: np.ndarray, sds: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # Bound the (points, boxes, objectives) temporaries to a few MB each.
    chunk = max(1, 2**19 // max(1, lower.size))
    if len(means) <= chunk:
        return log_ehvi(means, sds, lower, upper)
    parts = [
        log_ehvi(means[i : i + chunk], sds[i : i + chunk], lower, upper)
        for i in range(0, len(means), chunk)
    ]
    return (
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
    )
