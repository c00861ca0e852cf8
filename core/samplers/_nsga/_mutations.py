"""Mutation operators for the numerical parameters of NSGA-II/III children.

A mutation changes one parameter of a child, in the same ``[0, 1]``-per-parameter space as the
crossovers. Without a mutation operator, a parameter chosen for mutation is instead drawn
afresh by the sampler's random sampler.
"""

from __future__ import annotations

import abc
import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from parzen.study import Study

__all__ = ["BaseMutation", "PolynomialMutation"]


class BaseMutation(abc.ABC):
    """Mutates one numerical parameter of a child; implement :meth:`mutation`.

    Examples:
        >>> import numpy as np
        >>> from parzen.samplers.nsgaii import BaseMutation
        >>> class Nudge(BaseMutation):
        ...     def mutation(self, param, rng, study, search_space_bounds):
        ...         return min(param + 0.1, search_space_bounds[1])
        >>> Nudge().mutation(0.5, np.random.RandomState(0), None, np.array([0.0, 1.0]))
        0.6
    """

    def __str__(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    @abc.abstractmethod
    def mutation(
        self,
        param: float,
        rng: np.random.RandomState,
        study: Study,
        search_space_bounds: np.ndarray,
    ) -> float:
        """Return the mutated value.

        Args:
            param: The parameter's value.
            rng: The random state to draw from.
            study: The study being optimized.
            search_space_bounds: Shape ``(2,)``: the parameter's lower and upper bound.
        """


class PolynomialMutation(BaseMutation):
    """Polynomial mutation: a perturbation from a polynomial distribution truncated to the
    bounds, as in Deb et al.'s NSGA-II (IEEE TEC 2002) and their reference C code.

    Args:
        eta: Distribution index, ``>= 0``; larger keeps the mutated value closer to the
            original.

    Examples:
        >>> import numpy as np
        >>> from parzen.samplers.nsgaii import PolynomialMutation
        >>> value = PolynomialMutation(eta=20).mutation(
        ...     0.5, np.random.RandomState(0), None, np.array([0.0, 1.0]))
        >>> 0.0 <= value <= 1.0
        True
    """

    def __init__(self, eta: float = 20.0) -> None:
        if (
            isinstance(eta, bool)
            or not isinstance(eta, (int, float))
            or not (math.isfinite(eta) and eta >= 0)
        ):
            raise ValueError(f"eta must be a finite number >= 0, got {eta!r}.")
        self._eta = float(eta)

    def __repr__(self) -> str:
        return f"PolynomialMutation(eta={self._eta})"

    def mutation(
        self,
        param: float,
        rng: np.random.RandomState,
        study: Study,
        search_space_bounds: np.ndarray,
    ) -> float:
        low, high = float(search_space_bounds[0]), float(search_space_bounds[1])
        width = high - low
        if not width > 0.0:
            return param
        value = min(max(float(param), low), high)
        delta_low = (value - low) / width
        delta_high = (high - value) / width
        power = self._eta + 1.0
        u = float(rng.rand())
        # The distribution is truncated at the bounds, so no clipping mass piles up there.
        if u <= 0.5:
            base = 2.0 * u + (1.0 - 2.0 * u) * (1.0 - delta_low) ** power
            shift = base ** (1.0 / power) - 1.0
        else:
            base = 2.0 * (1.0 - u) + 2.0 * (u - 0.5) * (1.0 - delta_high) ** power
            shift = 1.0 - base ** (1.0 / power)
        return min(max(value + shift * width, low), high)
