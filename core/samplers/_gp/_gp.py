"""Gaussian-process regression: the hyperparameter fit and the posterior.

The model is ``y = f(x) + eps`` with ``f ~ GP(0, s2 * matern52(r))`` and ``eps ~ N(0, noise)`` on
standardized targets. The hyperparameters ``theta = (log lengthscales, log s2, log noise)`` are
the maximum a posteriori estimate: the log marginal likelihood plus log-normal priors, maximized
with L-BFGS-B on analytic gradients (Rasmussen & Williams, 2006, eq. 5.9).

The lengthscale prior builds on Hvarfner, Hellsten & Nardi (2024), "Vanilla Bayesian
optimization performs great in high dimensions": their log-normal density on each lengthscale
(log-mean ``sqrt(2) + log(d) / 2``, log-variance 3) has its mode at
``exp(sqrt(2) - 3 + log(d) / 2)``, and maximizing it over ``l`` is maximizing a Gaussian over
``log l`` centred there. parzen keeps that centre, which grows with the dimension so that with
few points and many parameters the model stays simple, but narrows the Gaussian to variance 1:
with the wider one, runs on multimodal problems (Hartmann 6 in benchmarks/quality_gp.py) settled
in a local optimum about twice as often. The noise variance has a Gaussian prior on its log
centred at -5 (variance 1), and the signal variance of the standardized targets one centred at 0.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from parzen.samplers._gp._kernel import (
    matern52,
    matern52_value,
    scaled_sq_dist,
    weighted_sq_dist_sums,
)

if TYPE_CHECKING:
    from collections.abc import Callable

_JITTER = 1e-9
MIN_NOISE = 1e-6
_LOG_2PI = math.log(2.0 * math.pi)

# Gaussian priors on the log hyperparameters, as maximized: (mean, variance).
_LOG_SCALE_PRIOR = (0.0, 1.0)
_LOG_NOISE_PRIOR = (-4.0 - 1.0, 1.0)
_LOG_LS_PRIOR_VAR = 1.0
_LOG_LS_PRIOR_SHIFT = math.sqrt(2.0) - 3.0

_LOG_LS_BOUNDS = (math.log(1e-3), math.log(1e3))
_LOG_SCALE_BOUNDS = (math.log(1e-3), math.log(1e3))
_LOG_NOISE_BOUNDS = (math.log(MIN_NOISE), math.log(10.0))


def default_theta(dim: int, *, deterministic: bool) -> np.ndarray:
    """The prior's mode: where a fit starts without a previous one."""
    log_ls = _LOG_LS_PRIOR_SHIFT + 0.5 * math.log(max(dim, 1))
    log_noise = math.log(MIN_NOISE) if deterministic else _LOG_NOISE_PRIOR[0]
    return np.concatenate([np.full(dim, log_ls), [_LOG_SCALE_PRIOR[0], log_noise]])


def _cholesky(k: np.ndarray) -> np.ndarray:
    """Cholesky factor, adding jitter if rounding made ``k`` numerically indefinite."""
    try:
        return np.linalg.cholesky(k)
    except np.linalg.LinAlgError:
        pass
    jitter = 1e-8 * max(float(np.mean(np.diag(k))), 1e-12)
    eye = np.eye(len(k))
    for _ in range(8):
        try:
            return np.linalg.cholesky(k + jitter * eye)
        except np.linalg.LinAlgError:
            jitter *= 10.0
    raise np.linalg.LinAlgError("The kernel matrix is not positive definite even with jitter.")


def neg_log_posterior(
    theta: np.ndarray, x: np.ndarray, y: np.ndarray, is_cat: np.ndarray
) -> tuple[float, np.ndarray]:
    """Negative log marginal likelihood plus negative log prior, and its gradient."""
    from scipy.linalg import cho_solve
    from scipy.linalg.lapack import dpotri

    n, dim = x.shape
    log_ls = theta[:dim]
    inv_sq_ls = np.exp(-2.0 * log_ls)
    scale = math.exp(theta[dim])
    noise = math.exp(theta[dim + 1])

    r2 = scaled_sq_dist(x, x, inv_sq_ls, is_cat)
    km, dkm = matern52(r2)
    k_signal = scale * km
    k = k_signal.copy()
    k.flat[:: n + 1] += noise + _JITTER
    chol = _cholesky(k)
    alpha = cho_solve((chol, True), y, check_finite=False)
    nll = 0.5 * float(y @ alpha) + float(np.log(np.diag(chol)).sum()) + 0.5 * n * _LOG_2PI

    # W = K^-1 - alpha alpha^T; d nll / d theta = tr(W dK/dtheta) / 2.
    inv_lower, info = dpotri(chol, lower=1)
    if info != 0:
        inv = cho_solve((chol, True), np.eye(n), check_finite=False)
    else:
        inv = np.tril(inv_lower) + np.tril(inv_lower, -1).T
    w = inv - np.outer(alpha, alpha)
    grad = np.empty(dim + 2)
    grad[dim] = 0.5 * float(np.vdot(w, k_signal))
    grad[dim + 1] = 0.5 * noise * float(np.trace(w))
    # d r2 / d log l_d = -2 inv_sq_ls_d delta_d^2.
    grad[:dim] = -inv_sq_ls * weighted_sq_dist_sums(w * (scale * dkm), x, is_cat)

    ls_mean = _LOG_LS_PRIOR_SHIFT + 0.5 * math.log(max(dim, 1))
    dev = log_ls - ls_mean
    prior = 0.5 * float(dev @ dev) / _LOG_LS_PRIOR_VAR
    grad[:dim] += dev / _LOG_LS_PRIOR_VAR
    for i, (mean, var) in ((dim, _LOG_SCALE_PRIOR), (dim + 1, _LOG_NOISE_PRIOR)):
        prior += 0.5 * float(theta[i] - mean) ** 2 / var
        grad[i] += float(theta[i] - mean) / var
    return nll + prior, grad


def fit_theta(
    x: np.ndarray,
    y: np.ndarray,
    is_cat: np.ndarray,
    *,
    initial: np.ndarray | None,
    deterministic: bool,
) -> np.ndarray:
    """Maximum a posteriori hyperparameters, starting from ``initial`` (a previous fit).

    With ``deterministic`` the noise stays at its floor and only the kernel is fitted.
    """
    from scipy.optimize import minimize

    dim = x.shape[1]
    start = default_theta(dim, deterministic=deterministic) if initial is None else initial.copy()
    bounds = [_LOG_LS_BOUNDS] * dim + [_LOG_SCALE_BOUNDS]
    fun: Callable[[np.ndarray], tuple[float, np.ndarray]]
    if deterministic:
        fixed_log_noise = math.log(MIN_NOISE)

        def fun(free: np.ndarray) -> tuple[float, np.ndarray]:
            value, grad = neg_log_posterior(np.append(free, fixed_log_noise), x, y, is_cat)
            return value, grad[:-1]

        x0 = start[:-1]
    else:

        def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
            return neg_log_posterior(theta, x, y, is_cat)

        bounds.append(_LOG_NOISE_BOUNDS)
        x0 = start
    lows = np.array([b[0] for b in bounds])
    highs = np.array([b[1] for b in bounds])
    x0 = np.clip(x0, lows, highs)
    try:
        result = minimize(
            fun, x0, jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 200}
        )
        best = result.x
        if not np.all(np.isfinite(best)):
            best = x0
    except np.linalg.LinAlgError:
        best = x0
    if deterministic:
        best = np.append(best, math.log(MIN_NOISE))
    return np.asarray(best, dtype=float)


class GPRegressor:
    """A Gaussian process conditioned on data, with fixed hyperparameters.

    Args:
        x: Encoded inputs, shape (n, d).
        y: Standardized targets, shape (n,).
        is_cat: Which columns are categorical.
        theta: ``(log lengthscales, log signal variance, log noise variance)``.
    """

    def __init__(
        self, x: np.ndarray, y: np.ndarray, is_cat: np.ndarray, theta: np.ndarray
    ) -> None:
        dim = x.shape[1]
        self.x = x
        self.y = y
        self.is_cat = is_cat
        self.theta = theta
        self.inv_sq_ls = np.exp(-2.0 * theta[:dim])
        self.scale = math.exp(theta[dim])
        self.noise = math.exp(theta[dim + 1])
        self._all_numeric = not is_cat.any()
        self._cat_columns = np.flatnonzero(is_cat)
        self._scaled_x: np.ndarray | None = None
        k = self.scale * matern52_value(scaled_sq_dist(x, x, self.inv_sq_ls, is_cat))
        k.flat[:: len(x) + 1] += self.noise + _JITTER
        self._set_factor(_cholesky(k))

    def _set_factor(self, chol: np.ndarray) -> None:
        from scipy.linalg import cho_solve
        from scipy.linalg.lapack import dtrtri

        self.chol = chol
        self.alpha = cho_solve((chol, True), self.y, check_finite=False)
        # Posterior variances of many candidates are then matrix products, which BLAS runs
        # several times faster than triangular solves; the triangular inverse has the condition
        # number of L, the square root of that of K.
        inv_chol, info = dtrtri(chol, lower=1)
        if info != 0:
            from scipy.linalg import solve_triangular

            inv_chol = solve_triangular(chol, np.eye(len(chol)), lower=True, check_finite=False)
        self.inv_chol = np.tril(inv_chol)

    def _sq_dist_to_data(self, xc: np.ndarray) -> np.ndarray:
        """``scaled_sq_dist(xc, self.x)`` with the data's half of the work done once."""
        if self._scaled_x is None:
            num = ~self.is_cat
            self._scale = np.sqrt(self.inv_sq_ls[num])
            self._scaled_x = self.x[:, num] * self._scale
            self._scaled_x_sq = np.einsum("ij,ij->i", self._scaled_x, self._scaled_x)
        a = (xc if self._all_numeric else xc[:, ~self.is_cat]) * self._scale
        r2 = a @ self._scaled_x.T
        r2 *= -2.0
        r2 += np.einsum("ij,ij->i", a, a)[:, None]
        r2 += self._scaled_x_sq[None, :]
        np.maximum(r2, 0.0, out=r2)
        for d in self._cat_columns:
            r2 += self.inv_sq_ls[d] * (xc[:, d, None] != self.x[None, :, d])
        return r2

    def condition_on(self, x_new: np.ndarray, y_new: np.ndarray) -> GPRegressor:
        """The same process with extra observations, by a block update of the Cholesky factor."""
        from scipy.linalg import solve_triangular

        model = object.__new__(GPRegressor)
        model.__dict__.update(self.__dict__)
        k12 = self.scale * matern52_value(
            scaled_sq_dist(self.x, x_new, self.inv_sq_ls, self.is_cat)
        )
        k22 = self.scale * matern52_value(
            scaled_sq_dist(x_new, x_new, self.inv_sq_ls, self.is_cat)
        )
        k22.flat[:: len(x_new) + 1] += self.noise + _JITTER
        v = solve_triangular(self.chol, k12, lower=True, check_finite=False)
        l22 = _cholesky(k22 - v.T @ v)
        n, m = len(self.x), len(x_new)
        chol = np.zeros((n + m, n + m))
        chol[:n, :n] = self.chol
        chol[n:, :n] = v.T
        chol[n:, n:] = l22
        model._scaled_x = None
        model.x = np.vstack([self.x, x_new])
        model.y = np.concatenate([self.y, y_new])
        model._set_factor(chol)
        return model

    def posterior(
        self, xc: np.ndarray, *, with_grad: bool = False
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
        """Mean and variance of ``f`` at the rows of ``xc`` and, optionally, their gradients.

        Gradients are taken with respect to the numeric columns; categorical entries are 0.
        """
        r2 = self._sq_dist_to_data(xc)
        if with_grad:
            km, dkm = matern52(r2)
        else:
            km, dkm = matern52_value(r2), None
        kc = self.scale * km
        mean = kc @ self.alpha
        v = self.inv_chol @ kc.T
        var = np.maximum(self.scale - np.einsum("ij,ij->j", v, v), 1e-12)
        if not with_grad:
            return mean, var, None, None
        assert dkm is not None
        beta = self.inv_chol.T @ v
        g_mean = dkm * self.alpha[None, :]
        g_var = dkm * beta.T
        factor = 2.0 * self.scale * self.inv_sq_ls
        d_mean = factor * (xc * g_mean.sum(axis=1)[:, None] - g_mean @ self.x)
        d_var = -2.0 * factor * (xc * g_var.sum(axis=1)[:, None] - g_var @ self.x)
        if self.is_cat.any():
            d_mean[:, self.is_cat] = 0.0
            d_var[:, self.is_cat] = 0.0
        return mean, var, d_mean, d_var
