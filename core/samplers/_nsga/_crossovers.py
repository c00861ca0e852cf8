"""Crossover operators: how NSGA-II/III make a child from parents' numerical parameters.

Every operator works on real vectors in which each numerical parameter spans ``[0, 1]``
(log-scaled parameters in log space, discrete ones widened by half a step at each end; see
:mod:`parzen.samplers._nsga._transform`). The sampler maps the child back, rounding to grids;
a child outside the bounds is discarded and made again from newly selected parents, and after
a few failed attempts clipped. Categorical parameters always get uniform crossover.
"""

from __future__ import annotations

import abc
import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from parzen.study import Study

__all__ = [
    "BLXAlphaCrossover",
    "BaseCrossover",
    "SBXCrossover",
    "SPXCrossover",
    "UNDXCrossover",
    "UniformCrossover",
    "VSBXCrossover",
]


class BaseCrossover(abc.ABC):
    """Makes one child from ``n_parents`` parents' numerical parameters.

    Subclass it, set ``n_parents`` and implement :meth:`crossover`.

    Examples:
        >>> import numpy as np
        >>> from parzen.samplers.nsgaii import BaseCrossover
        >>> class MidpointCrossover(BaseCrossover):
        ...     n_parents = 2
        ...     def crossover(self, parents_params, rng, study, search_space_bounds):
        ...         return parents_params.mean(axis=0)
        >>> parents = np.array([[0.0, 1.0], [1.0, 0.0]])
        >>> rng = np.random.RandomState(0)
        >>> MidpointCrossover().crossover(parents, rng, None, np.array([[0, 1], [0, 1]])).tolist()
        [0.5, 0.5]
    """

    def __str__(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    @property
    @abc.abstractmethod
    def n_parents(self) -> int:
        """How many parents :meth:`crossover` takes."""

    @abc.abstractmethod
    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: Study,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        """Return one child.

        Args:
            parents_params: Shape ``(n_parents, n_params)``: the parents' numerical parameters.
            rng: The random state to draw from.
            study: The study being optimized.
            search_space_bounds: Shape ``(n_params, 2)``: each parameter's lower and upper
                bound in the same space.

        Returns:
            The child, shape ``(n_params,)``.
        """


def _check_probability(name: str, value: float, *, allow_zero: bool = True) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0.0 <= value <= 1.0
    if ok and not allow_zero and value == 0.0:
        ok = False
    if not ok:
        interval = "[0, 1]" if allow_zero else "(0, 1]"
        raise ValueError(f"{name} must be a probability in {interval}, got {value!r}.")
    return float(value)


def _check_positive(name: str, value: float | None, *, allow_zero: bool = False) -> None:
    if value is None:
        return
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}.")


class UniformCrossover(BaseCrossover):
    """Each parameter comes from the second parent with probability ``swapping_prob``, else
    from the first (Syswerda, "Uniform Crossover in Genetic Algorithms", ICGA 1989).

    Args:
        swapping_prob: Probability of taking each parameter from the second parent.

    Examples:
        >>> import numpy as np
        >>> from parzen.samplers.nsgaii import UniformCrossover
        >>> parents = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
        >>> child = UniformCrossover(0.5).crossover(parents, np.random.RandomState(0), None, None)
        >>> set(child.tolist()) <= {0.0, 1.0}
        True
    """

    n_parents = 2

    def __init__(self, swapping_prob: float = 0.5) -> None:
        self._swapping_prob = _check_probability("swapping_prob", swapping_prob)

    def __repr__(self) -> str:
        return f"UniformCrossover(swapping_prob={self._swapping_prob})"

    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: Study,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        swap = rng.rand(parents_params.shape[1]) < self._swapping_prob
        return np.where(swap, parents_params[1], parents_params[0])


class BLXAlphaCrossover(BaseCrossover):
    """Blend crossover: each parameter uniform in the parents' interval widened by ``alpha``
    times its length at both ends (Eshelman and Schaffer, "Real-Coded Genetic Algorithms and
    Interval-Schemata", FOGA 1992).

    Args:
        alpha: The widening factor, ``>= 0``.

    Examples:
        >>> import numpy as np
        >>> from parzen.samplers.nsgaii import BLXAlphaCrossover
        >>> parents = np.array([[0.4], [0.6]])
        >>> child = BLXAlphaCrossover(0.5).crossover(parents, np.random.RandomState(0), None, None)
        >>> bool(0.3 <= child[0] <= 0.7)
        True
    """

    n_parents = 2

    def __init__(self, alpha: float = 0.5) -> None:
        _check_positive("alpha", alpha, allow_zero=True)
        self._alpha = float(alpha)

    def __repr__(self) -> str:
        return f"BLXAlphaCrossover(alpha={self._alpha})"

    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: Study,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        low = parents_params.min(axis=0)
        high = parents_params.max(axis=0)
        spread = self._alpha * (high - low)
        return rng.uniform(low - spread, high + spread)


class SPXCrossover(BaseCrossover):
    """Simplex crossover: a child uniform in the parents' simplex expanded by ``epsilon``
    around its centre (Tsutsui, Yamamura and Higuchi, "Multi-parent Recombination with Simplex
    Crossover in Real Coded Genetic Algorithms", GECCO 1999).

    Args:
        epsilon: The expansion rate; default ``sqrt(n_params + 2)``.

    Examples:
        >>> import numpy as np
        >>> from parzen.samplers.nsgaii import SPXCrossover
        >>> parents = np.array([[0.4, 0.4], [0.6, 0.4], [0.5, 0.6]])
        >>> child = SPXCrossover().crossover(parents, np.random.RandomState(0), None, None)
        >>> child.shape
        (2,)
    """

    n_parents = 3

    def __init__(self, epsilon: float | None = None) -> None:
        _check_positive("epsilon", epsilon)
        self._epsilon = None if epsilon is None else float(epsilon)

    def __repr__(self) -> str:
        return f"SPXCrossover(epsilon={self._epsilon})"

    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: Study,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        n_parents, n_params = parents_params.shape
        epsilon = self._epsilon if self._epsilon is not None else math.sqrt(n_params + 2)
        centre = parents_params.mean(axis=0)
        vertices = centre + epsilon * (parents_params - centre)
        # Uniform sampling inside the simplex by Tsutsui's recursion.
        offset = np.zeros(n_params)
        for k in range(1, n_parents):
            r = rng.rand() ** (1.0 / k)
            offset = r * (vertices[k - 1] - vertices[k] + offset)
        return vertices[-1] + offset


def _combine_two_children(
    first: np.ndarray,
    second: np.ndarray,
    parent: np.ndarray,
    rng: np.random.RandomState,
    uniform_crossover_prob: float,
    use_child_gene_prob: float,
) -> np.ndarray:
    """One child out of SBX's two: genes swapped between the two with
    ``uniform_crossover_prob``, then each kept with ``use_child_gene_prob``, else the
    first parent's gene."""
    n_params = len(parent)
    swap = rng.rand(n_params) < uniform_crossover_prob
    child = np.where(swap, second, first)
    keep = rng.rand(n_params) < use_child_gene_prob
    return np.where(keep, child, parent)


def _default_eta(study: Study | None) -> float:
    if study is not None and len(study.directions) > 1:
        return 20.0
    return 2.0


class SBXCrossover(BaseCrossover):
    """Simulated binary crossover, bounded (Deb and Agrawal, "Simulated Binary Crossover for
    Continuous Search Space", Complex Systems 9, 1995; the bounded form of Deb's NSGA-II code).

    SBX makes two children spread around the parents by a polynomial distribution; one child is
    kept: genes are swapped between the two with ``uniform_crossover_prob``, and each gene is
    kept with ``use_child_gene_prob`` (otherwise the first parent's gene is used).

    Args:
        eta: Distribution index; larger keeps children closer to their parents. Default 2 for
            one objective, 20 for several.
        uniform_crossover_prob: Probability of swapping each gene between the two children.
        use_child_gene_prob: Probability of keeping each child gene rather than the parent's.

    Examples:
        >>> import numpy as np
        >>> from parzen.samplers.nsgaii import SBXCrossover
        >>> parents = np.array([[0.2, 0.2], [0.8, 0.8]])
        >>> bounds = np.array([[0.0, 1.0], [0.0, 1.0]])
        >>> child = SBXCrossover().crossover(parents, np.random.RandomState(0), None, bounds)
        >>> bool(np.all((child >= 0) & (child <= 1)))
        True
    """

    n_parents = 2

    def __init__(
        self,
        eta: float | None = None,
        uniform_crossover_prob: float = 0.5,
        use_child_gene_prob: float = 0.5,
    ) -> None:
        _check_positive("eta", eta, allow_zero=True)
        self._eta = None if eta is None else float(eta)
        self._uniform_crossover_prob = _check_probability(
            "uniform_crossover_prob", uniform_crossover_prob
        )
        self._use_child_gene_prob = _check_probability(
            "use_child_gene_prob", use_child_gene_prob, allow_zero=False
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(eta={self._eta}, "
            f"uniform_crossover_prob={self._uniform_crossover_prob}, "
            f"use_child_gene_prob={self._use_child_gene_prob})"
        )

    def _two_children(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        eta: float,
        bounds: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        x1, x2 = parents_params[0], parents_params[1]
        low, high = np.minimum(x1, x2), np.maximum(x1, x2)
        gap = high - low
        lower, upper = bounds[:, 0], bounds[:, 1]
        u = rng.rand(len(x1))
        exponent = 1.0 / (eta + 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            children = []
            for room in (low - lower, upper - high):
                # The spread distribution is truncated so that children stay inside the bounds.
                beta = 1.0 + 2.0 * np.maximum(room, 0.0) / gap
                alpha = 2.0 - beta ** -(eta + 1.0)
                beta_q = np.where(
                    u <= 1.0 / alpha,
                    (u * alpha) ** exponent,
                    (1.0 / np.abs(2.0 - u * alpha)) ** exponent,
                )
                children.append(beta_q)
            first = 0.5 * ((low + high) - children[0] * gap)
            second = 0.5 * ((low + high) + children[1] * gap)
        same = ~(gap > 1e-14)
        first = np.where(same, x1, first)
        second = np.where(same, x2, second)
        return np.clip(first, lower, upper), np.clip(second, lower, upper)

    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: Study,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        eta = self._eta if self._eta is not None else _default_eta(study)
        first, second = self._two_children(parents_params, rng, eta, search_space_bounds)
        return _combine_two_children(
            first,
            second,
            parents_params[0],
            rng,
            self._uniform_crossover_prob,
            self._use_child_gene_prob,
        )


class VSBXCrossover(SBXCrossover):
    """Modified simulated binary crossover (vSBX): like SBX, but each child is spread on both
    sides of its parent, so no region between or around the parents is left out (Ballester and
    Carter, "Real-Parameter Genetic Algorithms for Finding Multiple Optimal Solutions in
    Multi-modal Optimization", GECCO 2003).

    Args:
        eta: Distribution index; larger keeps children closer to their parents. Default 2 for
            one objective, 20 for several.
        uniform_crossover_prob: Probability of swapping each gene between the two children.
        use_child_gene_prob: Probability of keeping each child gene rather than the parent's.

    Examples:
        >>> import numpy as np
        >>> from parzen.samplers.nsgaii import VSBXCrossover
        >>> parents = np.array([[0.2, 0.2], [0.8, 0.8]])
        >>> bounds = np.array([[0.0, 1.0], [0.0, 1.0]])
        >>> VSBXCrossover().crossover(parents, np.random.RandomState(0), None, bounds).shape
        (2,)
    """

    def _two_children(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        eta: float,
        bounds: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        x1, x2 = parents_params[0], parents_params[1]
        n_params = len(x1)
        u = rng.rand(n_params)
        exponent = 1.0 / (eta + 1.0)
        # beta >= 1 on both branches: u <= 0.5 pushes away from the other parent, u > 0.5
        # towards and past it.
        with np.errstate(divide="ignore"):
            beta = np.where(
                u <= 0.5,
                (1.0 / (2.0 * np.maximum(u, 1e-300))) ** exponent,
                (1.0 / (2.0 * np.maximum(1.0 - u, 1e-300))) ** exponent,
            )
        away = u <= 0.5
        first = np.where(
            away,
            0.5 * ((1 + beta) * x1 + (1 - beta) * x2),
            0.5 * ((3 - beta) * x1 - (1 - beta) * x2),
        )
        second = np.where(
            away,
            0.5 * ((1 + beta) * x2 + (1 - beta) * x1),
            0.5 * ((3 - beta) * x2 - (1 - beta) * x1),
        )
        return first, second


class UNDXCrossover(BaseCrossover):
    """Unimodal normal distribution crossover: a child drawn from a normal distribution around
    the midpoint of two parents, elongated along the line through them and, across it, scaled
    by the third parent's distance to that line (Ono and Kobayashi, "A Real-coded Genetic
    Algorithm for Function Optimization Using Unimodal Normal Distribution Crossover", ICGA
    1997; Kita, Ono and Kobayashi, CEC 1999).

    Args:
        sigma_xi: Standard deviation along the line through the two parents (in units of
            their distance).
        sigma_eta: Standard deviation across it (in units of the third parent's distance);
            default ``0.35 / sqrt(n_params)``.

    Examples:
        >>> import numpy as np
        >>> from parzen.samplers.nsgaii import UNDXCrossover
        >>> parents = np.array([[0.4, 0.4], [0.6, 0.4], [0.5, 0.6]])
        >>> UNDXCrossover().crossover(parents, np.random.RandomState(0), None, None).shape
        (2,)
    """

    n_parents = 3

    def __init__(self, sigma_xi: float = 0.5, sigma_eta: float | None = None) -> None:
        _check_positive("sigma_xi", sigma_xi, allow_zero=True)
        _check_positive("sigma_eta", sigma_eta, allow_zero=True)
        self._sigma_xi = float(sigma_xi)
        self._sigma_eta = None if sigma_eta is None else float(sigma_eta)

    def __repr__(self) -> str:
        return f"UNDXCrossover(sigma_xi={self._sigma_xi}, sigma_eta={self._sigma_eta})"

    def crossover(
        self,
        parents_params: np.ndarray,
        rng: np.random.RandomState,
        study: Study,
        search_space_bounds: np.ndarray,
    ) -> np.ndarray:
        x1, x2, x3 = parents_params[0], parents_params[1], parents_params[2]
        n_params = len(x1)
        midpoint = (x1 + x2) / 2.0
        direction = x2 - x1
        child = midpoint + rng.normal(0.0, self._sigma_xi) * direction
        if n_params == 1:
            return child
        sigma_eta = self._sigma_eta if self._sigma_eta is not None else 0.35 / math.sqrt(n_params)
        length = float(np.linalg.norm(direction))
        if length > 0.0:
            unit = direction / length
            # An orthonormal basis whose first vector is along the parents' line; the others
            # span the space across it.
            basis, _ = np.linalg.qr(np.column_stack([unit, np.eye(n_params)]))
            across_basis = basis[:, 1:n_params]
            offset = x3 - x1
            distance = float(np.linalg.norm(offset - offset.dot(unit) * unit))
        else:
            across_basis = np.eye(n_params)
            distance = float(np.linalg.norm(x3 - x1))
        etas = rng.normal(0.0, sigma_eta, size=across_basis.shape[1])
        return child + distance * across_basis @ etas
