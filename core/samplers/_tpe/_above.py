"""``g(x)``, the density of the not-so-good trials, kept up to date across suggestions.

The "above" set is every finished trial but the best ``gamma(n)``: it grows by one trial per
suggestion while the rest barely changes. Rebuilding its mixture each time would redo
``O(n * d)`` work for nothing, so :class:`AboveMixture` keeps one kernel per history row (plus
the prior) and, on each update, recomputes only the bandwidths that changed (a new neighbour,
a row entering or leaving the good set, a new magic-clip floor) and what depends on them.
Rows outside the above set keep their kernel but get weight zero.

It defines the same mixture as :class:`~parzen.samplers._tpe._parzen_estimator.ParzenEstimator`
built from the above set (the tests check that they agree).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from parzen.samplers._history import TrialHistory
from parzen.samplers._tpe._parzen_estimator import (
    _LOG_SQRT_2PI,
    SearchDim,
    _log_gauss_mass,
    _log_truncated_mass,
    categorical_log_table,
    chunked_matmul,
    distance_matrix,
    logsumexp_rows,
)

_INITIAL_CAPACITY = 64
# More added or removed kernels than this in one update: rebuild rather than patch.
_MAX_INCREMENTAL_EDITS = 16


class AboveMixture:
    """The mixture of the above set over history rows, updated incrementally.

    Args:
        dims: The parameters, in a fixed order; every history row that has them all with the
            same distributions takes part.
        consider_prior: Add the broad prior kernel.
        prior_weight: Weight of the prior kernel relative to observation weights.
        consider_magic_clip: Keep bandwidths above ``width / min(100, n + 1)``.
        consider_endpoints: Treat the domain ends as neighbours when computing bandwidths.
        categorical_distance_func: Per categorical parameter, a distance between two choices.
    """

    def __init__(
        self,
        dims: Sequence[SearchDim],
        *,
        consider_prior: bool,
        prior_weight: float,
        consider_magic_clip: bool,
        consider_endpoints: bool,
        categorical_distance_func: Mapping[str, Callable[[Any, Any], float]] | None = None,
    ) -> None:
        self._dims = list(dims)
        self._consider_prior = consider_prior
        self._prior_weight = prior_weight
        self._magic_clip = consider_magic_clip
        self._endpoints = consider_endpoints
        self._numeric = [d for d in self._dims if not d.is_categorical]
        self._categorical = [d for d in self._dims if d.is_categorical]
        self._continuous = [j for j, d in enumerate(self._numeric) if d.kind == 0]
        self._discrete = [j for j, d in enumerate(self._numeric) if d.kind == 1]
        self._lo = np.array([d.lo for d in self._numeric])
        self._hi = np.array([d.hi for d in self._numeric])
        self._width = self._hi - self._lo
        self._centre = (self._lo + self._hi) / 2
        self._log_numeric = np.array([d.log for d in self._numeric], dtype=bool)
        c = self._continuous
        self._centre_c = (self._lo[c] + self._hi[c]) / 2
        self._width_c = self._width[c]
        self._log_c = np.array([self._numeric[j].log for j in c], dtype=bool)
        self._distances: list[np.ndarray | None] = []
        for d in self._categorical:
            distance = (categorical_distance_func or {}).get(d.name)
            self._distances.append(None if distance is None else distance_matrix(d, distance))
        self._rows = 0
        self._capacity = 0
        n_num, n_cont, n_cat = len(self._numeric), len(c), len(self._categorical)
        self._mu = np.empty((0, n_num))
        self._sigma = np.empty((0, n_num))
        self._static = np.empty(0)
        # Rows: -inv_var / 2, mu * inv_var (scaled continuous dims), then the constant term, so
        # that [x ** 2, x, 1] @ gemm is the whole log-density before the discrete and
        # categorical terms.
        self._gemm = np.empty((2 * n_cont + 1, 0))
        self._cat = np.empty((0, n_cat), dtype=np.intp)
        self._min_sigma = np.full(n_num, np.nan)
        # Kernels whose derived arrays still need computing.
        self._stale: list[np.ndarray] = []
        # Per numeric dimension (row), the above set's model-space values sorted, and the
        # kernel columns they belong to (ties by column): the neighbours behind the bandwidths.
        self._values: np.ndarray = np.empty((n_num, 0))
        self._cols: np.ndarray = np.empty((n_num, 0), dtype=np.intp)
        self._in_above = np.zeros(0, dtype=bool)
        # Per numeric dimension, how many of the sorted values are at or below the centre.
        self._at = np.zeros(n_num, dtype=np.intp)
        self._had_prior: bool | None = None
        self._n_above = 0
        self._grow(_INITIAL_CAPACITY)
        # Column 0 is the prior kernel.
        self._mu[0] = (self._lo + self._hi) / 2
        self._sigma[0] = self._width
        self._cat[0] = 0
        self._refresh(np.array([0]))

    def same_dims(self, dims: Sequence[SearchDim]) -> bool:
        """Whether this mixture models exactly ``dims`` (names and distributions, in order)."""
        return len(dims) == len(self._dims) and all(
            a.name == b.name
            and (a.distribution is b.distribution or a.distribution == b.distribution)
            for a, b in zip(dims, self._dims)
        )

    def _grow(self, capacity: int) -> None:
        extra = capacity + 1 - len(self._mu)
        n_num = len(self._numeric)
        self._mu = np.vstack((self._mu, np.zeros((extra, n_num))))
        self._sigma = np.vstack((self._sigma, np.zeros((extra, n_num))))
        self._static = np.concatenate((self._static, np.zeros(extra)))
        self._gemm = np.hstack((self._gemm, np.zeros((self._gemm.shape[0], extra))))
        self._cat = np.vstack((self._cat, np.zeros((extra, len(self._categorical)), np.intp)))
        self._in_above = np.concatenate((self._in_above, np.zeros(extra, dtype=bool)))
        self._capacity = capacity

    def _extend(self, history: TrialHistory) -> None:
        n = history.n
        if n > self._capacity:
            self._grow(max(n, 2 * self._capacity))
        new = np.arange(self._rows, n)
        cols = new + 1
        if self._numeric:
            values = np.column_stack([history.param_column(d.name)[new] for d in self._numeric])
            present = ~np.isnan(values)
            model = np.where(present, values, (self._lo + self._hi) / 2)
            logs = self._log_numeric
            if logs.any():
                # Only present values go through the log; absent ones (conditional
                # parameters) take the model-space centre.
                logged = present[:, logs]
                raw = np.where(logged, values[:, logs], 1.0)
                model[:, logs] = np.where(logged, np.log(raw), self._centre[logs])
            self._mu[cols] = model
        for i, dim in enumerate(self._categorical):
            cat_values = history.param_column(dim.name)[new]
            self._cat[cols, i] = np.where(np.isnan(cat_values), 0, cat_values).astype(np.intp)
        self._sigma[cols] = self._width
        self._stale.append(cols)
        self._rows = n

    def _update_bandwidths(
        self, added: np.ndarray, removed: np.ndarray, min_sigma: np.ndarray, has_prior: bool
    ) -> np.ndarray:
        """Apply the above set's changes to the sorted structure; return the kernel columns
        whose bandwidths moved.

        Only the neighbours of added and removed values can change, unless the magic-clip
        floor or the prior changed, or many values moved: then every bandwidth is recomputed.
        """
        n_dims = len(self._numeric)
        edits = len(added) + len(removed)
        full = (
            edits > _MAX_INCREMENTAL_EDITS
            or self._had_prior != has_prior
            or not np.array_equal(min_sigma, self._min_sigma)
        )
        edited = np.concatenate((added, removed))
        # Where the one edit happened, per dimension, when there is one.
        spliced_at: np.ndarray | None = None
        if len(removed):
            if full:
                gone = np.isin(self._cols, removed)
                m = self._values.shape[1] - len(removed)
                self._values = self._values[~gone].reshape(n_dims, m)
                self._cols = self._cols[~gone].reshape(n_dims, m)
            else:
                for col in removed.tolist():
                    spliced_at = self._splice(col, remove=True)
        if len(added):
            if full or self._values.shape[1] == 0:
                self._rebuild(added)
            else:
                for col in added.tolist():
                    spliced_at = self._splice(col, remove=False)
        self._had_prior = has_prior
        values, cols = self._values, self._cols
        m = values.shape[1]
        if spliced_at is None or edits != 1:
            # The prior's centre sits just before position `at` of each dimension.
            self._at = np.array(
                [values[d].searchsorted(self._centre[d], "right") for d in range(n_dims)],
                dtype=np.intp,
            )
        if m == 0 or (edits == 0 and not full):
            return np.empty(0, dtype=np.intp)
        if spliced_at is not None and edits == 1:
            # A bandwidth depends on the two neighbours in sorted order (and on whether the
            # prior's centre is one of them), so one insertion or removal moves at most the
            # three (two) positions around it.
            offsets = np.arange(-1, 1 if len(removed) else 2)
            i = (spliced_at[:, None] + offsets).ravel()
            d = np.repeat(np.arange(n_dims), len(offsets))
            inside = (i >= 0) & (i < m)
            d, i = d[inside], i[inside]
            sigma_at = _sigmas_at(
                values, d, i, self._lo, self._hi, min_sigma, has_prior, self._endpoints, self._at
            )
            moved = sigma_at != self._sigma[cols[d, i], d]
            d, i, new_sigma = d[moved], i[moved], sigma_at[moved]
        elif full:
            sigma = _sorted_sigmas_by_dim(
                values, self._lo, self._hi, min_sigma, has_prior, self._endpoints
            )
            moved = sigma != self._sigma[cols, np.arange(n_dims)[:, None]]
            d, i = np.nonzero(moved)
            new_sigma = sigma[d, i]
        else:
            # Positions next to (or tied with) an edited value, per dimension: binary
            # searches, no pass over the whole structure.
            edited_values = self._mu[edited]  # (e, D)
            dims, positions = [], []
            for dim in range(n_dims):
                row = values[dim]
                left = row.searchsorted(edited_values[:, dim], "left") - 1
                right = row.searchsorted(edited_values[:, dim], "right")
                for a, b in zip(left.tolist(), right.tolist()):
                    span = np.arange(max(a, 0), min(b, m - 1) + 1)
                    positions.append(span)
                    dims.append(np.full(len(span), dim))
            d = np.concatenate(dims)
            i = np.concatenate(positions)
            sigma_at = _sigmas_at(
                values, d, i, self._lo, self._hi, min_sigma, has_prior, self._endpoints, self._at
            )
            moved = sigma_at != self._sigma[cols[d, i], d]
            d, i, new_sigma = d[moved], i[moved], sigma_at[moved]
        if len(d) == 0:
            return np.empty(0, dtype=np.intp)
        self._sigma[cols[d, i], d] = new_sigma
        return cols[d, i]

    def _locate(self, col: int) -> np.ndarray:
        """Per dimension, where kernel ``col`` sits (or would sit) in (value, column) order."""
        values = self._values
        m = values.shape[1]
        value = self._mu[col].tolist()
        out = np.empty(len(value), dtype=np.intp)
        for dim, v in enumerate(value):
            row = values[dim]
            lo = int(row.searchsorted(v, "left"))
            if lo < m and row[lo] == v:
                # Ties go by column.
                hi = int(row.searchsorted(v, "right"))
                lo += int(np.count_nonzero(self._cols[dim, lo:hi] < col))
            out[dim] = lo
        return out

    def _splice(self, col: int, *, remove: bool) -> np.ndarray:
        """Insert or remove one kernel column in every dimension at once; return its position
        in each dimension."""
        n_dims, m = self._values.shape
        at = self._locate(col)
        flat = at + np.arange(n_dims) * m
        below_centre = self._mu[col] <= self._centre
        if remove:
            size = (n_dims, m - 1)
            self._values = np.delete(self._values.ravel(), flat).reshape(size)
            self._cols = np.delete(self._cols.ravel(), flat).reshape(size)
            self._at -= below_centre
        else:
            size = (n_dims, m + 1)
            self._values = np.insert(self._values.ravel(), flat, self._mu[col]).reshape(size)
            self._cols = np.insert(self._cols.ravel(), flat, col).reshape(size)
            self._at += below_centre
        return at

    def _rebuild(self, added: np.ndarray) -> None:
        """Sort the structure again from scratch, with ``added`` columns included."""
        m = self._values.shape[1]
        cols = np.concatenate((self._cols[0], added)) if m else added
        values = self._mu[cols].T
        order = np.lexsort((np.broadcast_to(cols, values.shape), values), axis=1)
        self._values = np.take_along_axis(values, order, axis=1)
        self._cols = cols[order]

    def _refresh(self, cols: np.ndarray) -> None:
        """Recompute what depends on the bandwidths of the kernels in ``cols``."""
        mu, sigma = self._mu[cols], self._sigma[cols]
        static = -_log_truncated_mass(mu, sigma, self._lo, self._hi).sum(axis=1)
        c = self._continuous
        if c:
            s = sigma[:, c]
            static -= np.log(s).sum(axis=1) + _LOG_SQRT_2PI * len(c)
            m = (mu[:, c] - self._centre_c) / self._width_c
            inv_var = (s / self._width_c) ** -2
            self._gemm[: len(c), cols] = -0.5 * inv_var.T
            self._gemm[len(c) : 2 * len(c), cols] = (m * inv_var).T
            static -= 0.5 * np.einsum("kd,kd->k", m * m, inv_var)
        self._static[cols] = static

    def update(self, history: TrialHistory, above_rows: np.ndarray, weights: np.ndarray) -> None:
        """Make this the mixture of ``above_rows`` (sorted by number) with ``weights``."""
        if history.n > self._rows:
            self._extend(history)
        n_above = len(above_rows)
        has_prior = self._consider_prior or n_above == 0
        n_points = n_above + 1 if has_prior else n_above
        if self._magic_clip:
            min_sigma = self._width / min(100.0, 1.0 + n_points)
        else:
            min_sigma = self._width * 1e-12
        k = self._rows + 1
        in_above = np.zeros(k, dtype=bool)
        in_above[above_rows + 1] = True
        previous = self._in_above[:k]
        added = np.flatnonzero(in_above & ~previous)
        removed = np.flatnonzero(previous & ~in_above)
        self._in_above[:k] = in_above
        changed = np.empty(0, dtype=np.intp)
        if self._numeric:
            changed = self._update_bandwidths(added, removed, min_sigma, has_prior)
        if self._stale:
            changed = np.concatenate([changed, *self._stale])
            self._stale = []
        if len(changed):
            # Each kernel once, in order.
            marked = np.zeros(k, dtype=bool)
            marked[changed] = True
            self._refresh(np.flatnonzero(marked))
        self._min_sigma = min_sigma

        w = np.asarray(weights, dtype=float)
        prior_w = (self._prior_weight if n_above > 0 else 1.0) if has_prior else 0.0
        total = w.sum() + prior_w
        if not total > 0 or not np.all(w >= 0) or not np.isfinite(total):
            raise ValueError(
                f"TPE weights must be finite, non-negative and not all zero; got {weights!r}. "
                "Check the `weights` function passed to TPESampler."
            )
        log_w = np.full(k, -np.inf)
        with np.errstate(divide="ignore"):
            log_w[0] = math.log(prior_w / total) if prior_w > 0 else -np.inf
            log_w[above_rows + 1] = np.log(w / total)
        np.add(log_w, self._static[:k], out=self._gemm[-1, :k])
        self._n_above = n_above

    def log_pdf(self, samples: Mapping[str, np.ndarray]) -> np.ndarray:
        """Log-density of internal values under the current mixture, shape ``(size,)``."""
        return logsumexp_rows(self.log_kernel_terms(samples))

    def log_kernel_terms(self, samples: Mapping[str, np.ndarray]) -> np.ndarray:
        """Each kernel's weighted log-density at each sample, ``(size, n_rows + 1)`` (column 0
        is the prior; rows outside the above set are ``-inf``)."""
        k = self._rows + 1
        size = len(samples[self._dims[0].name])
        c = self._continuous
        if c:
            x = np.empty((size, len(c)))
            for i, j in enumerate(c):
                x[:, i] = samples[self._numeric[j].name]
            if self._log_c.any():
                x[:, self._log_c] = np.log(x[:, self._log_c])
            x -= self._centre_c
            x /= self._width_c
            features = np.hstack((x * x, x, np.ones((size, 1))))
            acc = chunked_matmul(features, self._gemm[:, :k])
        else:
            acc = np.empty((size, k))
            acc[:] = self._gemm[-1, :k]
        for j in self._discrete:
            dim = self._numeric[j]
            left, right = dim.bin_edges(samples[dim.name])
            mus, sigmas = self._mu[:k, j], self._sigma[:k, j]
            acc += _log_gauss_mass((left[:, None] - mus) / sigmas, (right[:, None] - mus) / sigmas)
        n = self._n_above
        for i, dim in enumerate(self._categorical):
            n_choices = dim.n_choices
            table = categorical_log_table(n_choices, n, self._distances[i])
            choice = samples[dim.name].astype(np.intp)
            contribution = table[self._cat[:k, i][:, None], choice[None, :]]
            contribution[0] = -math.log(n_choices)
            acc += contribution.T
        return acc


def _sorted_sigmas_by_dim(
    points: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    min_sigma: np.ndarray,
    has_prior: bool,
    endpoints: bool,
) -> np.ndarray:
    """Neighbour bandwidths of observations sorted along each row of ``points`` ``(D, n)``.

    The same rule as ``sorted_neighbour_sigmas``, laid out by dimension for fewer passes.
    """
    n_dims, n = points.shape
    width = (hi - lo)[:, None]
    if n == 1 and not has_prior and not endpoints:
        return np.broadcast_to(width, (n_dims, 1)).copy()
    gaps = np.diff(points, axis=1)
    sigma = np.empty((n_dims, n))
    if n > 1:
        np.maximum(gaps[:, :-1], gaps[:, 1:], out=sigma[:, 1:-1])
        sigma[:, 0] = np.maximum(gaps[:, 0], points[:, 0] - lo if endpoints else 0.0)
        sigma[:, -1] = np.maximum(gaps[:, -1], hi - points[:, -1] if endpoints else 0.0)
    else:
        sigma[:, 0] = np.maximum(points[:, 0] - lo, hi - points[:, 0]) if endpoints else 0.0
    if has_prior:
        # The prior's centre is a neighbour too: it can only widen the gaps on its sides.
        centre = (lo + hi) / 2
        at = np.sum(points <= centre[:, None], axis=1)
        dims = np.arange(n_dims)
        left_of = at > 0
        i = at[left_of] - 1
        d = dims[left_of]
        sigma[d, i] = _side_max(
            points, d, i, centre[d], left=True, endpoints=endpoints, lo=lo, hi=hi
        )
        right_of = at < n
        i = at[right_of]
        d = dims[right_of]
        sigma[d, i] = _side_max(
            points, d, i, centre[d], left=False, endpoints=endpoints, lo=lo, hi=hi
        )
    np.clip(sigma, min_sigma[:, None], width, out=sigma)
    return sigma


def _side_max(
    points: np.ndarray,
    d: np.ndarray,
    i: np.ndarray,
    centre: np.ndarray,
    *,
    left: bool,
    endpoints: bool,
    lo: np.ndarray,
    hi: np.ndarray,
) -> np.ndarray:
    """Bandwidth of the point just left (or right) of the prior's centre, the centre being its
    neighbour on that side."""
    n = points.shape[1]
    x = points[d, i]
    if left:
        # Neighbours: the point before it (or the low end) and the centre after it.
        before = np.where(
            i > 0, x - points[d, np.maximum(i - 1, 0)], (x - lo[d]) if endpoints else 0.0
        )
        return np.maximum(before, centre - x)
    after = np.where(
        i < n - 1, points[d, np.minimum(i + 1, n - 1)] - x, (hi[d] - x) if endpoints else 0.0
    )
    return np.maximum(x - centre, after)


def _sigmas_at(
    values: np.ndarray,
    d: np.ndarray,
    i: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    min_sigma: np.ndarray,
    has_prior: bool,
    endpoints: bool,
    at: np.ndarray,
) -> np.ndarray:
    """The neighbour bandwidth of the sorted values at positions ``(d, i)`` only.

    ``at[d]`` is the number of values of dimension ``d`` at or below the prior's centre.
    """
    m = values.shape[1]
    x = values[d, i]
    lo_d, hi_d = lo[d], hi[d]
    if m == 1 and not has_prior and not endpoints:
        return hi_d - lo_d
    left_value = np.where(i > 0, values[d, np.maximum(i - 1, 0)], np.nan)
    right_value = np.where(i < m - 1, values[d, np.minimum(i + 1, m - 1)], np.nan)
    if has_prior:
        # The prior's centre sits just before position `at` of its dimension.
        centre = (lo_d + hi_d) / 2
        left_value = np.where(at[d] == i, centre, left_value)
        right_value = np.where(at[d] == i + 1, centre, right_value)
    outer_left = x - lo_d if endpoints else 0.0
    outer_right = hi_d - x if endpoints else 0.0
    left_gap = np.where(np.isnan(left_value), outer_left, x - left_value)
    right_gap = np.where(np.isnan(right_value), outer_right, right_value - x)
    return np.clip(np.maximum(left_gap, right_gap), min_sigma[d], hi_d - lo_d)
