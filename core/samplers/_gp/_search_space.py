"""Encoding of a search space into the unit cube the Gaussian process works in.

Every parameter becomes one column:

* a float becomes ``[0, 1]`` linearly, or in log space when ``log=True``;
* an int, or a float with ``step``, becomes a grid inside ``[0, 1]``: the range is padded by
  half a step on each side so every grid point owns an equal share of the cube, and values are
  rounded onto the grid after optimization;
* a categorical holds the index of its choice; the kernel compares such columns by equality
  (a Hamming distance), so their numeric value carries no order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from parzen.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

CONTINUOUS = 0
DISCRETE = 1
CATEGORICAL = 2


class SearchSpaceEncoding:
    """Maps parameters to rows of a float matrix and back.

    Args:
        search_space: Parameter name to distribution; the columns follow the sorted names so the
            encoding does not depend on dict order.
    """

    def __init__(self, search_space: Mapping[str, BaseDistribution]) -> None:
        self.names: list[str] = sorted(search_space)
        self.distributions: list[BaseDistribution] = [search_space[n] for n in self.names]
        dim = len(self.names)
        self.kinds = np.empty(dim, dtype=np.int64)
        # Bounds of the (possibly log-) transformed value that map to 0 and 1.
        self._lo = np.zeros(dim)
        self._hi = np.ones(dim)
        self._log = np.zeros(dim, dtype=bool)
        # Grid of a discrete column: value = low + k * step, k in [0, n_steps].
        self._grid_low = np.zeros(dim)
        self._grid_step = np.zeros(dim)
        self.n_values = np.zeros(dim, dtype=np.int64)
        for i, dist in enumerate(self.distributions):
            if isinstance(dist, CategoricalDistribution):
                self.kinds[i] = CATEGORICAL
                self.n_values[i] = len(dist.choices)
                continue
            if not isinstance(dist, (FloatDistribution, IntDistribution)):
                raise TypeError(
                    "GPSampler supports FloatDistribution, IntDistribution and "
                    f"CategoricalDistribution, got {type(dist).__name__} for parameter "
                    f"{self.names[i]!r}."
                )
            low, high = float(dist.low), float(dist.high)
            step = None if isinstance(dist, FloatDistribution) and dist.step is None else dist.step
            self._log[i] = dist.log
            if step is None:
                self.kinds[i] = CONTINUOUS
                lo, hi = low, high
            else:
                self.kinds[i] = DISCRETE
                self._grid_low[i] = low
                self._grid_step[i] = float(step)
                self.n_values[i] = int(round((high - low) / float(step))) + 1
                lo, hi = low - 0.5 * float(step), high + 0.5 * float(step)
            if dist.log:
                lo, hi = math.log(lo), math.log(hi)
            self._lo[i] = lo
            self._hi[i] = hi if hi > lo else lo + 1.0
        self.is_categorical = self.kinds == CATEGORICAL
        self.is_continuous = self.kinds == CONTINUOUS
        self.is_discrete = self.kinds == DISCRETE
        self.signature = tuple(zip(self.names, self.distributions))

    @property
    def dim(self) -> int:
        return len(self.names)

    def encode_params(self, params: Mapping[str, Any]) -> np.ndarray:
        """Encode one trial's external parameter values as a row of the matrix."""
        row = np.empty(self.dim)
        for i, (name, dist) in enumerate(zip(self.names, self.distributions)):
            row[i] = dist.to_internal_repr(params[name])
        return self._normalize(row[None, :])[0]

    def _normalize(self, internal: np.ndarray) -> np.ndarray:
        x = internal.copy()
        num = ~self.is_categorical
        vals = x[:, num]
        log = self._log[num]
        if log.any():
            vals[:, log] = np.log(np.maximum(vals[:, log], 1e-300))
        x[:, num] = np.clip((vals - self._lo[num]) / (self._hi[num] - self._lo[num]), 0.0, 1.0)
        return x

    def _unnormalize(self, x: np.ndarray) -> np.ndarray:
        """Internal representations (floats, ints and indices) of encoded rows."""
        out = x.copy()
        num = ~self.is_categorical
        vals = self._lo[num] + x[:, num] * (self._hi[num] - self._lo[num])
        log = self._log[num]
        if log.any():
            vals[:, log] = np.exp(vals[:, log])
        out[:, num] = vals
        disc = self.is_discrete
        if disc.any():
            low = self._grid_low[disc]
            step = self._grid_step[disc]
            k = np.clip(np.round((out[:, disc] - low) / step), 0, self.n_values[disc] - 1)
            out[:, disc] = low + k * step
        cat = self.is_categorical
        if cat.any():
            out[:, cat] = np.clip(np.round(x[:, cat]), 0, self.n_values[cat] - 1)
        return out

    def round(self, x: np.ndarray) -> np.ndarray:
        """Snap discrete and categorical columns of encoded rows onto their grids."""
        if not (self.is_discrete.any() or self.is_categorical.any()):
            return x
        snapped = self._normalize(self._unnormalize(x))
        out = x.copy()
        grid = ~self.is_continuous
        out[:, grid] = snapped[:, grid]
        return out

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Map points of the unit cube (e.g. a Sobol sequence) to valid encoded rows."""
        x = u.copy()
        cat = self.is_categorical
        if cat.any():
            x[:, cat] = np.minimum(
                np.floor(u[:, cat] * self.n_values[cat]), self.n_values[cat] - 1
            )
        return self.round(x)

    def grid_values(self, column: int, x_values: np.ndarray, max_values: int) -> np.ndarray:
        """Encoded values a discrete or categorical column may move to, for each current value.

        Every value of the column when it has at most ``max_values``; otherwise the
        ``max_values`` grid points nearest to each entry of ``x_values``.

        Returns:
            An array of shape (len(x_values), k).
        """
        n = int(self.n_values[column])
        if self.kinds[column] == CATEGORICAL:
            return np.broadcast_to(np.arange(n, dtype=float), (len(x_values), n))
        if n <= max_values:
            ks = np.broadcast_to(np.arange(n), (len(x_values), n))
        else:
            # Grid index of each current value, then a window around it shifted inside the grid.
            lo, hi = self._lo[column], self._hi[column]
            internal = lo + x_values * (hi - lo)
            if self._log[column]:
                internal = np.exp(internal)
            k0 = np.round((internal - self._grid_low[column]) / self._grid_step[column])
            first = np.clip(k0 - max_values // 2, 0, n - max_values)
            ks = first[:, None] + np.arange(max_values)[None, :]
        values = self._grid_low[column] + ks * self._grid_step[column]
        if self._log[column]:
            values = np.log(values)
        return (values - self._lo[column]) / (self._hi[column] - self._lo[column])

    def decode(self, x: np.ndarray) -> dict[str, Any]:
        """External parameter values of one encoded row."""
        internal = self._unnormalize(x[None, :])[0]
        params: dict[str, Any] = {}
        for i, (name, dist) in enumerate(zip(self.names, self.distributions)):
            value = float(internal[i])
            if isinstance(dist, (FloatDistribution, IntDistribution)):
                value = min(max(value, float(dist.low)), float(dist.high))
            params[name] = dist.to_external_repr(value)
        return params


def encode_trials(
    encoding: SearchSpaceEncoding, params_list: Sequence[Mapping[str, Any]]
) -> np.ndarray:
    """Encode many trials' parameters as a matrix, one row per trial."""
    if not params_list:
        return np.zeros((0, encoding.dim))
    internal = np.array(
        [
            [dist.to_internal_repr(params[name]) for name, dist in encoding.signature]
            for params in params_list
        ],
        dtype=float,
    ).reshape(len(params_list), encoding.dim)
    return encoding._normalize(internal)
