"""A box for numerical parameters, and the way back to valid parameter values.

Evolutionary operators (crossovers, mutations, CMA-ES) work on real vectors. Each numerical
parameter becomes one coordinate: log-scaled parameters in log space, so that a step means a
factor; discrete ones (ints and floats with ``step``) keep their grid, and by default their
interval is widened by half a step at each end, so that rounding back gives every grid point,
the end points included, the same width. Going back rounds to the grid and clips to the bounds,
so any real vector maps to a valid value of every parameter.

Examples:
    >>> from parzen.distributions import FloatDistribution, IntDistribution
    >>> from parzen.samplers._nsga._transform import NumericTransform
    >>> space = {"lr": FloatDistribution(1e-3, 1.0, log=True), "n": IntDistribution(0, 4)}
    >>> box = NumericTransform(space, normalize=True)
    >>> box.bounds.tolist()
    [[0.0, 1.0], [0.0, 1.0]]
    >>> params = box.untransform(box.transform({"lr": 0.01, "n": 3}))
    >>> round(params["lr"], 12), params["n"]
    (0.01, 3)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from parzen.distributions import BaseDistribution, FloatDistribution, IntDistribution

__all__ = ["NumericTransform"]


class NumericTransform:
    """Maps numerical parameters to real vectors and back.

    Args:
        search_space: Parameter name to :class:`FloatDistribution` or :class:`IntDistribution`;
            the coordinates follow its order.
        extend_discrete: Widen the interval of each parameter on a linear grid (ints, floats
            with ``step``) by half a step at each end (see the module docstring). CMA-ES with
            margin needs the grid's own bounds and sets this to False; ``steps`` then gives
            each grid's step.
        normalize: Scale every coordinate to ``[0, 1]``.

    Raises:
        TypeError: a distribution is not numerical.
    """

    def __init__(
        self,
        search_space: Mapping[str, BaseDistribution],
        *,
        extend_discrete: bool = True,
        normalize: bool = False,
    ) -> None:
        self.names = list(search_space)
        self.distributions = [search_space[name] for name in self.names]
        d = len(self.names)
        self._log = np.zeros(d, dtype=bool)
        # The grid step in the (unnormalized) transformed space; 0 where there is no grid there.
        self._grid = np.zeros(d)
        low = np.zeros(d)
        high = np.zeros(d)
        for i, (name, dist) in enumerate(zip(self.names, self.distributions)):
            if not isinstance(dist, (FloatDistribution, IntDistribution)):
                raise TypeError(
                    f"NumericTransform handles float and int parameters only, and {name!r} has "
                    f"{dist!r}. Handle categorical parameters separately."
                )
            step = dist.step
            if dist.log:
                self._log[i] = True
                # Log-scaled ints are continuous here and rounded back, so they are always
                # widened: the end values get their full share.
                half = 0.5 if isinstance(dist, IntDistribution) else 0.0
                low[i], high[i] = math.log(dist.low - half), math.log(dist.high + half)
            elif step is not None:
                self._grid[i] = step
                half = step / 2 if extend_discrete else 0.0
                low[i], high[i] = dist.low - half, dist.high + half
            else:
                low[i], high[i] = dist.low, dist.high
        self._low = low
        self._dist_low = np.array([float(d.low) for d in self.distributions])
        self._dist_high = np.array([float(d.high) for d in self.distributions])
        self._is_int_list = [isinstance(d, IntDistribution) for d in self.distributions]
        self._is_int = np.array(self._is_int_list, dtype=bool)
        with np.errstate(divide="ignore", invalid="ignore"):
            self._n_points = np.where(
                self._grid > 0,
                np.round(
                    (self._dist_high - self._dist_low) / np.where(self._grid > 0, self._grid, 1.0)
                )
                + 1,
                1.0,
            )
        self._width = np.where(high > low, high - low, 1.0) if normalize else np.ones(d)
        self._offset = low if normalize else np.zeros(d)
        self.bounds = np.column_stack(
            [(low - self._offset) / self._width, (high - self._offset) / self._width]
        )
        #: Grid step of each coordinate in the returned space (0: continuous or log-scaled).
        self.steps = self._grid / self._width

    @property
    def dim(self) -> int:
        """Number of coordinates."""
        return len(self.names)

    def transform(self, params: Mapping[str, Any]) -> np.ndarray:
        """The vector of external parameter values ``params`` (every name must be present)."""
        x = np.empty(len(self.names))
        for i, (name, dist) in enumerate(zip(self.names, self.distributions)):
            x[i] = dist.to_internal_repr(params[name])
        x[self._log] = np.log(x[self._log])
        return (x - self._offset) / self._width

    def transform_partial(self, params: Mapping[str, Any]) -> np.ndarray:
        """Like :meth:`transform`, with NaN for each parameter that ``params`` lacks or holds
        outside its distribution (e.g. a trial from before the search space changed)."""
        x = np.full(len(self.names), np.nan)
        for i, (name, dist) in enumerate(zip(self.names, self.distributions)):
            if name not in params:
                continue
            try:
                internal = dist.to_internal_repr(params[name])
            except (TypeError, ValueError):
                continue
            if dist._contains(internal):
                x[i] = internal
        with np.errstate(invalid="ignore", divide="ignore"):
            x[self._log] = np.log(x[self._log])
        return (x - self._offset) / self._width

    def untransform(self, x: np.ndarray) -> dict[str, Any]:
        """External parameter values for vector ``x``: rounded to each grid, clipped to bounds
        (NaN maps to the lower bound)."""
        raw = np.asarray(x, dtype=float) * self._width + self._offset
        raw[self._log] = np.exp(raw[self._log])
        low, high = self._dist_low, self._dist_high
        raw = np.clip(np.where(np.isnan(raw), low, raw), low, high)
        on_grid = self._grid > 0
        if on_grid.any():
            step = np.where(on_grid, self._grid, 1.0)
            k = np.clip(np.round((raw - low) / step), 0, self._n_points - 1)
            raw = np.where(on_grid, np.minimum(low + k * step, high), raw)
        raw = np.where(self._is_int & ~on_grid, np.clip(np.round(raw), low, high), raw)
        return {
            name: int(round(value)) if is_int else value
            for name, value, is_int in zip(self.names, raw.tolist(), self._is_int_list)
        }

    def contains(self, params: Mapping[str, Any]) -> bool:
        """Whether ``params`` holds every parameter with a value inside its distribution."""
        for name, dist in zip(self.names, self.distributions):
            if name not in params:
                return False
            try:
                internal = dist.to_internal_repr(params[name])
            except (TypeError, ValueError):
                return False
            if not dist._contains(internal):
                return False
        return True
