"""Mixtures of product kernels over a mixed search space, vectorized over samples x kernels.

Each parameter lives in a *model space*:

* a float without ``step``: the value itself, or its log when ``log=True``; kernels are
  Gaussians truncated to ``[low, high]``;
* an int, or a float with ``step``: a grid of values. Each grid point owns a bin (half a step
  on each side; for a log int, ``[log(v - 0.5), log(v + 0.5)]``) and a kernel gives it the mass of
  the truncated Gaussian over that bin, so the probabilities of the grid points sum to one;
* a categorical: the choice index; a kernel puts ``1 - b`` of its mass on its own choice and
  spreads ``b`` uniformly (or by a user distance, see ``categorical_distance_func``), with
  ``b = C / (C + n)`` for ``C`` choices and ``n`` observations.

A mixture has one kernel per observation plus, optionally, a broad *prior* kernel (centred in
the domain, as wide as it; uniform for categoricals) that keeps every region reachable.

Bandwidths follow Bergstra et al. (2011): per dimension, the larger gap from an observation to
its sorted neighbours (the prior's centre counts as one; the domain ends do with
``consider_endpoints``), and never below ``width / min(100, n + 1)`` ("magic clip", Watanabe
2023). A multivariate estimator uses product kernels over these per-dimension bandwidths, or,
with ``joint_bandwidth``, over one bandwidth per dimension shared by every kernel: the
rule of thumb ``1.06 * sd * n ** (-1 / (D + 4))`` for ``D`` numeric dimensions (Silverman,
"Density Estimation for Statistics and Data Analysis", 1986), within the same floor and the
width. In many dimensions the neighbour gaps of a few points are far narrower than the spread
of the points, and kernels that narrow make ``l(x)`` a set of spikes on the good trials.

The log-density of ``S`` samples under ``K`` kernels is an ``(S, K)`` matrix. For continuous
dimensions, ``sum_d ((x_d - mu_kd) / sigma_kd) ** 2`` expands into one matrix product of
``[x ** 2, x]`` with ``[1 / sigma ** 2, -2 mu / sigma ** 2]``, so its cost does not grow with the
number of dimensions in Python.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from scipy.special import log_ndtr, ndtr, ndtri

from parzen.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

_CONTINUOUS = 0
_DISCRETE = 1
_CATEGORICAL = 2
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
# Columns per block in chunked_matmul: 24 x 20 x 512 stays below OpenBLAS's threading threshold.
_MATMUL_BLOCK = 512
# See logsumexp_rows.
_EXP_FLOOR = -700.0
# Beyond this many standard deviations from both ends a kernel's truncated mass is 1.
_TAIL = 8.5


class SearchDim:
    """How one parameter maps to the model space.

    Args:
        name: The parameter name.
        distribution: Its distribution.
    """

    __slots__ = ("distribution", "hi", "kind", "lo", "log", "n_choices", "name", "step")

    def __init__(self, name: str, distribution: BaseDistribution) -> None:
        self.name = name
        self.distribution = distribution
        self.n_choices = 0
        self.step = 0.0
        self.log = False
        if isinstance(distribution, CategoricalDistribution):
            self.kind = _CATEGORICAL
            self.n_choices = len(distribution.choices)
            self.lo, self.hi = 0.0, float(self.n_choices)
        elif isinstance(distribution, (FloatDistribution, IntDistribution)):
            low, high = float(distribution.low), float(distribution.high)
            self.log = distribution.log
            if isinstance(distribution, FloatDistribution) and distribution.step is None:
                self.kind = _CONTINUOUS
                self.lo, self.hi = (math.log(low), math.log(high)) if self.log else (low, high)
            else:
                self.kind = _DISCRETE
                if self.log:
                    self.lo, self.hi = math.log(low - 0.5), math.log(high + 0.5)
                else:
                    assert distribution.step is not None
                    self.step = float(distribution.step)
                    self.lo, self.hi = low - self.step / 2, high + self.step / 2
        else:
            raise NotImplementedError(
                f"TPE supports FloatDistribution, IntDistribution and CategoricalDistribution, "
                f"got {distribution!r} for parameter {name!r}."
            )

    @property
    def is_categorical(self) -> bool:
        return self.kind == _CATEGORICAL

    @property
    def bounds(self) -> tuple[float, float]:
        """``(low, high)`` of a numeric distribution, as internal values."""
        dist = self.distribution
        assert isinstance(dist, (FloatDistribution, IntDistribution))
        return float(dist.low), float(dist.high)

    def to_model(self, internal: np.ndarray) -> np.ndarray:
        """Map internal values (grid values for discrete ones) to the model space."""
        return np.log(internal) if self.log else internal

    def bin_edges(self, internal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Model-space bin of each grid value of a discrete parameter."""
        if self.log:
            return np.log(internal - 0.5), np.log(internal + 0.5)
        half = self.step / 2
        return internal - half, internal + half

    def from_model(self, x: np.ndarray) -> np.ndarray:
        """Map model-space samples back to valid internal values (snapped to the grid)."""
        dist = self.distribution
        assert isinstance(dist, (FloatDistribution, IntDistribution))
        low, high = float(dist.low), float(dist.high)
        if self.kind == _CONTINUOUS:
            values = np.exp(x) if self.log else x
            return np.clip(values, low, high)
        if self.log:
            return np.clip(np.round(np.exp(x)), low, high)
        k = np.round((x - low) / self.step)
        k = np.clip(k, 0, round((high - low) / self.step))
        return np.minimum(low + k * self.step, high)


class ParzenEstimator:
    """A weighted mixture of product kernels fitted to observations of some parameters.

    Args:
        dims: The parameters, in a fixed order.
        observations: Internal values per parameter name, all of length ``n``.
        weights: Non-negative weight per observation, shape ``(n,)``.
        consider_prior: Add the broad prior kernel.
        prior_weight: Weight of the prior kernel relative to observation weights.
        consider_magic_clip: Keep bandwidths above ``width / min(100, n + 1)``.
        consider_endpoints: Treat the domain ends as neighbours when computing bandwidths.
        categorical_distance_func: Per categorical parameter, a distance between two choices.
        joint_bandwidth: With two or more numeric parameters, give all kernels the same
            bandwidth per dimension, by the multivariate rule of thumb (see the module).
    """

    def __init__(
        self,
        dims: Sequence[SearchDim],
        observations: Mapping[str, np.ndarray],
        weights: np.ndarray,
        *,
        consider_prior: bool,
        prior_weight: float,
        consider_magic_clip: bool,
        consider_endpoints: bool,
        categorical_distance_func: Mapping[str, Callable[[Any, Any], float]] | None = None,
        joint_bandwidth: bool = False,
    ) -> None:
        self._dims = list(dims)
        n = len(weights)
        # Without any observation the prior is all there is, whatever consider_prior says.
        self._has_prior = consider_prior or n == 0
        w = np.asarray(weights, dtype=float)
        if self._has_prior:
            w = np.concatenate(([prior_weight if n > 0 else 1.0], w))
        total = w.sum()
        if not total > 0 or not np.all(w >= 0) or not np.isfinite(total):
            raise ValueError(
                f"TPE weights must be finite, non-negative and not all zero; got {weights!r}. "
                "Check the `weights` function passed to TPESampler."
            )
        self._weights = w / total
        self._n_kernels = len(w)
        with np.errstate(divide="ignore"):
            const = np.log(self._weights)

        self._categorical: list[tuple[SearchDim, np.ndarray]] = []
        for dim in self._dims:
            if dim.kind == _CATEGORICAL:
                distance = (categorical_distance_func or {}).get(dim.name)
                obs = np.asarray(observations[dim.name], dtype=float)
                self._categorical.append((dim, self._categorical_table(dim, obs, distance)))

        # Numeric dimensions as (K, D) matrices of model-space centres and bandwidths.
        numeric = [dim for dim in self._dims if dim.kind != _CATEGORICAL]
        self._numeric = numeric
        self._mu = np.empty((self._n_kernels, 0))
        self._sigma = np.empty((self._n_kernels, 0))
        self._gemm: np.ndarray | None = None
        self._discrete: list[int] = []
        self._continuous: list[int] = []
        if numeric:
            lo = np.array([d.lo for d in numeric])
            hi = np.array([d.hi for d in numeric])
            self._lo, self._hi = lo, hi
            self._log_columns = np.array([d.log for d in numeric])
            mus = np.empty((n, len(numeric)))
            for j, dim in enumerate(numeric):
                mus[:, j] = observations[dim.name]
            if self._log_columns.any():
                mus[:, self._log_columns] = np.log(mus[:, self._log_columns])
            n_points = n + 1 if self._has_prior else n
            width = hi - lo
            if consider_magic_clip:
                min_sigma = width / min(100.0, 1.0 + n_points)
            else:
                min_sigma = width * 1e-12
            if joint_bandwidth and len(numeric) > 1 and n > 0:
                sigmas = rule_of_thumb_sigmas(mus, width, min_sigma)
            else:
                sigmas = _neighbour_sigmas(
                    mus,
                    None,
                    lo,
                    hi,
                    min_sigma,
                    consider_prior=self._has_prior,
                    consider_endpoints=consider_endpoints,
                )
            if self._has_prior:
                mus = np.vstack(((lo + hi) / 2, mus))
                sigmas = np.vstack((width, sigmas))
            self._mu, self._sigma = mus, sigmas
            const -= _log_truncated_mass(mus, sigmas, lo, hi).sum(axis=1)
            self._continuous = [j for j, d in enumerate(numeric) if d.kind == _CONTINUOUS]
            self._discrete = [j for j, d in enumerate(numeric) if d.kind == _DISCRETE]
            if self._continuous:
                c = self._continuous
                bounds = [numeric[j].bounds for j in c]
                self._low_c = np.array([b[0] for b in bounds])
                self._high_c = np.array([b[1] for b in bounds])
                const -= np.log(sigmas[:, c]).sum(axis=1) + _LOG_SQRT_2PI * len(c)
                # Rescale to unit width around the domain centre, so that the expanded squares
                # below lose no precision.
                self._centre = (lo[c] + hi[c]) / 2
                self._width = width[c]
                mu = (mus[:, c] - self._centre) / self._width
                inv_var = (sigmas[:, c] / self._width) ** -2
                # x ** 2 @ inv_var.T - 2 x @ (mu * inv_var).T + sum(mu ** 2 * inv_var)
                self._gemm = np.ascontiguousarray(np.hstack((inv_var, -2.0 * mu * inv_var)).T)
                const -= 0.5 * np.einsum("kd,kd->k", mu * mu, inv_var)
        self._const = const
        self._sampling: _SamplingTables | None = None

    def same_dims(self, dims: Sequence[SearchDim]) -> bool:
        """Whether this estimator models exactly ``dims`` (names and distributions, in order)."""
        return len(dims) == len(self._dims) and all(
            a.name == b.name
            and (a.distribution is b.distribution or a.distribution == b.distribution)
            for a, b in zip(dims, self._dims)
        )

    @staticmethod
    def _categorical_table(
        dim: SearchDim, obs: np.ndarray, distance: Callable[[Any, Any], float] | None
    ) -> np.ndarray:
        """Log-probabilities of every choice under every observation kernel, ``(n, C)``."""
        n = len(obs)
        distances = None if distance is None else distance_matrix(dim, distance)
        table = categorical_log_table(dim.n_choices, n, distances)
        return table[obs.astype(np.intp)]

    def _categorical_log_probs(self, table: np.ndarray, choice: np.ndarray) -> np.ndarray:
        """``(S, K)`` log-probabilities of the sampled choices under every kernel."""
        per_obs = table[:, choice].T
        if not self._has_prior:
            return per_obs
        n_choices = table.shape[1]
        prior = np.full((len(choice), 1), -math.log(n_choices))
        return np.concatenate((prior, per_obs), axis=1)

    # -- sampling and density ----------------------------------------------------------------

    def sample(self, rng: np.random.RandomState, size: int) -> dict[str, np.ndarray]:
        """Draw ``size`` joint samples; return internal values per parameter name."""
        if self._sampling is None:
            # An estimator often serves many suggestions (l(x) while the good set holds):
            # what does not depend on the random draws is computed once.
            self._sampling = _SamplingTables(self)
        tables = self._sampling
        cumulative = tables.cumulative
        kernel = np.searchsorted(cumulative, rng.random_sample(size) * cumulative[-1], "right")
        kernel = np.minimum(kernel, self._n_kernels - 1)
        u = rng.random_sample((size, len(self._dims)))
        out: dict[str, np.ndarray] = {}
        if self._numeric:
            x = tables.truncnorm_ppf(u[:, tables.numeric_columns], kernel)
            # Continuous dimensions back to internal values in one go; discrete ones snap.
            c = self._continuous
            if c:
                xc = x[:, c]
                logs = self._log_columns[c]
                if logs.any():
                    xc[:, logs] = np.exp(xc[:, logs])
                np.clip(xc, self._low_c, self._high_c, out=xc)
                for i, j in enumerate(c):
                    out[self._numeric[j].name] = xc[:, i]
            for j in self._discrete:
                out[self._numeric[j].name] = self._numeric[j].from_model(x[:, j])
        position = {dim.name: j for j, dim in enumerate(self._dims)}
        for dim, table in self._categorical:
            n_choices = dim.n_choices
            if len(table) == 0:
                probs = np.full((size, n_choices), 1.0 / n_choices)
            elif self._has_prior:
                probs = np.exp(table[np.maximum(kernel - 1, 0)])
                probs[kernel == 0] = 1.0 / n_choices
            else:
                probs = np.exp(table[kernel])
            cdf = np.cumsum(probs, axis=1)
            threshold = u[:, position[dim.name]] * cdf[:, -1]
            choice = np.sum(cdf < threshold[:, None], axis=1)
            out[dim.name] = np.minimum(choice, n_choices - 1).astype(float)
        return {dim.name: out[dim.name] for dim in self._dims}

    def log_pdf(self, samples: Mapping[str, np.ndarray]) -> np.ndarray:
        """Log-density (log-mass on discrete dims) of internal values, shape ``(size,)``."""
        return logsumexp_rows(self.log_kernel_terms(samples))

    def log_kernel_terms(self, samples: Mapping[str, np.ndarray]) -> np.ndarray:
        """Each kernel's weighted log-density at each sample, ``(size, n_kernels)``: the terms
        whose log-sum-exp over a row is :meth:`log_pdf`."""
        size = len(samples[self._dims[0].name])
        if self._gemm is not None:
            c = self._continuous
            x = np.empty((size, len(c)))
            for i, j in enumerate(c):
                x[:, i] = samples[self._numeric[j].name]
            logs = self._log_columns[c]
            if logs.any():
                x[:, logs] = np.log(x[:, logs])
            x -= self._centre
            x /= self._width
            acc = chunked_matmul(np.hstack((x * x, x)), self._gemm)
            acc *= -0.5
            acc += self._const
        else:
            acc = np.empty((size, self._n_kernels))
            acc[:] = self._const
        for j in self._discrete:
            dim = self._numeric[j]
            left, right = dim.bin_edges(samples[dim.name])
            mus, sigmas = self._mu[:, j], self._sigma[:, j]
            acc += _log_gauss_mass((left[:, None] - mus) / sigmas, (right[:, None] - mus) / sigmas)
        for dim, table in self._categorical:
            acc += self._categorical_log_probs(table, samples[dim.name].astype(np.intp))
        return acc


def rule_of_thumb_sigmas(
    points: np.ndarray, width: np.ndarray, min_sigma: np.ndarray
) -> np.ndarray:
    """One bandwidth per dimension for all ``n`` points: ``1.06 * sd * n ** (-1 / (D + 4))``.

    ``points`` is ``(n, D)`` in model space; each bandwidth is kept within
    ``[min_sigma, width]``, and a single point gets the whole width.

    Examples:
        >>> import numpy as np
        >>> points = np.array([[0.0, 0.0], [2.0, 0.5]])
        >>> rule_of_thumb_sigmas(points, np.array([10.0, 10.0]), np.array([0.1, 0.1])).round(3)
        array([[0.944, 0.236],
               [0.944, 0.236]])
    """
    n, n_dims = points.shape
    spread = points.std(axis=0) if n > 1 else width
    sigma = 1.06 * spread * n ** (-1.0 / (n_dims + 4))
    return np.tile(np.clip(sigma, min_sigma, width), (n, 1))


def _neighbour_sigmas(
    mus: np.ndarray,
    order: np.ndarray | None,
    lo: np.ndarray,
    hi: np.ndarray,
    min_sigma: np.ndarray,
    *,
    consider_prior: bool,
    consider_endpoints: bool,
) -> np.ndarray:
    """Per observation and dimension, the larger gap to its sorted neighbours, clipped.

    ``mus`` is ``(n, D)``; the prior's centre, when considered, is a neighbour too.
    """
    n, n_dims = mus.shape
    if n == 0:
        return np.empty((0, n_dims))
    if order is None:
        order = np.argsort(mus, axis=0, kind="stable")
    points = np.take_along_axis(mus, order, axis=0)
    sorted_sigma = sorted_neighbour_sigmas(
        points,
        lo,
        hi,
        min_sigma,
        consider_prior=consider_prior,
        consider_endpoints=consider_endpoints,
    )
    sigmas = np.empty((n, n_dims))
    np.put_along_axis(sigmas, order, sorted_sigma, axis=0)
    return sigmas


def sorted_neighbour_sigmas(
    points: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    min_sigma: np.ndarray,
    *,
    consider_prior: bool,
    consider_endpoints: bool,
) -> np.ndarray:
    """:func:`_neighbour_sigmas` of observations sorted in each column of ``points``."""
    n, n_dims = points.shape
    width = hi - lo
    if n == 0:
        return np.empty((0, n_dims))
    left = np.zeros((n, n_dims))
    right = np.zeros((n, n_dims))
    gaps = np.diff(points, axis=0)
    left[1:] = gaps
    right[:-1] = gaps
    if consider_endpoints:
        left[0] = points[0] - lo
        right[-1] = hi - points[-1]
    # Otherwise the outermost points measure their spread by their one inner neighbour
    # (their outer side stays 0).
    if consider_prior:
        centre = (lo + hi) / 2
        at = np.sum(points <= centre, axis=0)
        cols = np.arange(n_dims)
        below_centre = at > 0
        right[at[below_centre] - 1, cols[below_centre]] = (centre - points[at - 1, cols])[
            below_centre
        ]
        above_centre = at < n
        left[at[above_centre], cols[above_centre]] = (
            points[np.minimum(at, n - 1), cols] - centre
        )[above_centre]
    sorted_sigma = np.maximum(left, right)
    if n == 1 and not consider_prior and not consider_endpoints:
        sorted_sigma[:] = width
    np.clip(sorted_sigma, min_sigma, width, out=sorted_sigma)
    return sorted_sigma


def distance_matrix(dim: SearchDim, distance: Callable[[Any, Any], float]) -> np.ndarray:
    """The ``(C, C)`` matrix of a user distance between the choices of ``dim``."""
    assert isinstance(dim.distribution, CategoricalDistribution)
    choices = dim.distribution.choices
    dmat = np.array([[float(distance(a, c)) for c in choices] for a in choices])
    if np.any(dmat < 0) or not np.all(np.isfinite(dmat)):
        raise ValueError(
            f"categorical_distance_func[{dim.name!r}] must return finite, non-negative "
            f"distances; got the matrix {dmat.tolist()}."
        )
    return dmat


def categorical_log_table(
    n_choices: int, n_observations: int, distances: np.ndarray | None
) -> np.ndarray:
    """``table[a, c]``: log-probability of choice ``c`` under the kernel of an observed ``a``.

    The kernel keeps ``1 - b`` on ``a`` (or spreads it by similarity when ``distances`` are
    given) and ``b = C / (C + n)`` uniformly: broad while observations are few.
    """
    n = n_observations
    b = n_choices / (n_choices + n) if n else 1.0
    if distances is None:
        similarity = np.eye(n_choices)
    else:
        scale = distances.max() if distances.max() > 0 else 1.0
        h = 0.5 * max(n, 1) ** -0.2
        similarity = np.exp(-0.5 * (distances / (scale * h)) ** 2)
        similarity /= similarity.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        return np.log((1.0 - b) * similarity + b / n_choices)


def _log_truncated_mass(
    mus: np.ndarray, sigmas: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """``log P(lo <= X <= hi)`` per kernel and dimension; exactly 0 far from both ends."""
    out = np.zeros(mus.shape)
    reach = _TAIL * sigmas
    near = (mus - lo < reach) | (hi - mus < reach)
    if near.any():
        rows, cols = np.nonzero(near)
        m, s = mus[rows, cols], sigmas[rows, cols]
        out[rows, cols] = _log_gauss_mass((lo[cols] - m) / s, (hi[cols] - m) / s)
    return out


def chunked_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for a short ``a`` and a wide ``b``, in column blocks.

    BLAS libraries spread a product this size over all their threads; on a busy machine
    (other workers, ``n_jobs`` threads) that is up to a hundred times slower than the
    single-threaded product of small blocks, which stay under their threading threshold.
    """
    n = b.shape[1]
    if n <= _MATMUL_BLOCK:
        return a @ b
    out = np.empty((a.shape[0], n))
    for start in range(0, n, _MATMUL_BLOCK):
        stop = start + _MATMUL_BLOCK
        np.matmul(a, b[:, start:stop], out=out[:, start:stop])
    return out


def logsumexp_rows(a: np.ndarray) -> np.ndarray:
    """``log(sum(exp(a), axis=1))``, computed in place in ``a``."""
    peak = a.max(axis=1)
    finite_peak = np.where(np.isfinite(peak), peak, 0.0)
    a -= finite_peak[:, None]
    # Terms below exp(-700) are negligible next to the peak's exp(0) = 1, but exp of them
    # yields subnormal numbers, which x86 CPUs compute many times slower: floor them.
    np.maximum(a, _EXP_FLOOR, out=a)
    np.exp(a, out=a)
    with np.errstate(divide="ignore"):
        return np.log(a.sum(axis=1)) + finite_peak


def _log_gauss_mass(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``log(Phi(b) - Phi(a))`` for ``a <= b``, accurate far in either tail."""
    # Reflect into the left tail (a + b <= 0), where Phi has no cancellation near 1.
    flip = a + b > 0
    lo = np.where(flip, -b, a)
    hi = np.where(flip, -a, b)
    mass = ndtr(hi) - ndtr(lo)
    with np.errstate(divide="ignore"):
        out = np.log(mass)
    # Masses this small lose digits to cancellation; recompute them in log space.
    tiny = mass < 1e-6
    if tiny.any():
        log_hi = log_ndtr(hi[tiny])
        with np.errstate(divide="ignore"):
            out[tiny] = log_hi + np.log1p(-np.exp(log_ndtr(lo[tiny]) - log_hi))
    return out


class _SamplingTables:
    """What sampling from a :class:`ParzenEstimator` needs per kernel, computed once.

    Kernels are Gaussians truncated to ``[lo, hi]``, sampled by inverse CDF. Every kernel's
    centre lies in its domain (observations are valid values), so the truncation interval
    holds the mode: no underflow of the normal CDF there. Intervals are reflected so that the
    CDF is read on its left half, where it has no rounding to 1.
    """

    __slots__ = (
        "cumulative",
        "flip",
        "hi",
        "lo",
        "mu",
        "numeric_columns",
        "p_left",
        "p_span",
        "sigma",
    )

    def __init__(self, estimator: ParzenEstimator) -> None:
        self.cumulative = np.cumsum(estimator._weights)
        self.numeric_columns = [j for j, d in enumerate(estimator._dims) if d.kind != _CATEGORICAL]
        if not estimator._numeric:
            return
        mu, sigma = estimator._mu, estimator._sigma
        self.lo, self.hi = estimator._lo, estimator._hi
        a = (self.lo - mu) / sigma
        b = (self.hi - mu) / sigma
        self.flip = a + b > 0
        self.p_left = ndtr(np.where(self.flip, -b, a))
        self.p_span = ndtr(np.where(self.flip, -a, b)) - self.p_left
        self.mu, self.sigma = mu, sigma

    def truncnorm_ppf(self, u: np.ndarray, kernel: np.ndarray) -> np.ndarray:
        """The model-space values at quantiles ``u`` ``(S, D)`` of the kernels ``kernel``."""
        z = ndtri(self.p_left[kernel] + u * self.p_span[kernel])
        np.negative(z, out=z, where=self.flip[kernel])
        x = self.mu[kernel] + self.sigma[kernel] * z
        return np.minimum(np.maximum(x, self.lo, out=x), self.hi, out=x)
