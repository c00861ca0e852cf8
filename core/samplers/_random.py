"""RandomSampler, and ``sample_uniform``: one uniform draw from any distribution.

The simplest sampler; model-based samplers (TPE) reuse ``sample_uniform`` for their
start-up trials and for parameters they cannot model.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from parzen.samplers._base import BaseSampler
from parzen.trial import FrozenTrial

if TYPE_CHECKING:
    from parzen.study import Study


class RandomSampler(BaseSampler):
    """Samples every parameter independently and uniformly (log-uniformly where ``log``).

    Args:
        seed: a seed for reproducible suggestions in a single worker.

    Examples:
        >>> import parzen
        >>> study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
        >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=10)
        >>> len(study.trials)
        10
    """

    def __init__(self, seed: int | None = None) -> None:
        self._seed = seed
        self._rng = np.random.RandomState(seed)

    def reseed_rng(self) -> None:
        self._rng.seed()

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return {}

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return {}

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        return sample_uniform(self._rng, param_distribution)


def sample_uniform(rng: np.random.RandomState, distribution: BaseDistribution) -> Any:
    """Draw one external value uniformly from a distribution (log-uniformly where ``log``)."""
    # Floats first, tested by exact type before isinstance: the common case, and an ABC's
    # isinstance is slow.
    if type(distribution) is FloatDistribution or isinstance(distribution, FloatDistribution):
        if distribution.log:
            low, high = math.log(distribution.low), math.log(distribution.high)
            value = math.exp(_uniform(rng, low, high))
            return min(max(value, distribution.low), distribution.high)
        if distribution.step is not None:
            n_points = int(round((distribution.high - distribution.low) / distribution.step)) + 1
            value = distribution.low + distribution.step * int(rng.randint(n_points))
            return min(value, distribution.high)
        low, high = distribution.low, distribution.high
        if math.isfinite(high - low):  # _uniform, inlined for the commonest case
            return low + (high - low) * rng.random_sample()
        return _uniform(rng, low, high)
    if isinstance(distribution, CategoricalDistribution):
        return distribution.choices[rng.randint(len(distribution.choices))]
    assert isinstance(distribution, IntDistribution)
    if distribution.log:
        low, high = math.log(distribution.low - 0.5), math.log(distribution.high + 0.5)
        value = int(round(math.exp(_uniform(rng, low, high))))
        return min(max(value, distribution.low), distribution.high)
    n_points = (distribution.high - distribution.low) // distribution.step + 1
    return distribution.low + distribution.step * int(rng.randint(n_points))


def _uniform(rng: np.random.RandomState, low: float, high: float) -> float:
    """``float(rng.uniform(low, high))``, bit for bit, at a tenth of its cost.

    ``RandomState.uniform`` draws ``low + (high - low) * random_sample()``; called with
    scalars it pays for array broadcasting machinery that this spares.
    """
    width = high - low
    if not math.isfinite(width):
        return float(rng.uniform(low, high))  # numpy raises OverflowError, as before
    return low + width * rng.random_sample()
