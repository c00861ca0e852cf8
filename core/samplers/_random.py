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
    if isinstance(distribution, CategoricalDistribution):
        return distribution.choices[rng.randint(len(distribution.choices))]
    if isinstance(distribution, IntDistribution):
        if distribution.log:
            low, high = math.log(distribution.low - 0.5), math.log(distribution.high + 0.5)
            value = int(round(math.exp(rng.uniform(low, high))))
            return min(max(value, distribution.low), distribution.high)
        n_points = (distribution.high - distribution.low) // distribution.step + 1
        return distribution.low + distribution.step * int(rng.randint(n_points))
    assert isinstance(distribution, FloatDistribution)
    if distribution.log:
        low, high = math.log(distribution.low), math.log(distribution.high)
        return min(max(math.exp(rng.uniform(low, high)), distribution.low), distribution.high)
    if distribution.step is not None:
        n_points = int(round((distribution.high - distribution.low) / distribution.step)) + 1
        value = distribution.low + distribution.step * int(rng.randint(n_points))
        return min(value, distribution.high)
    return float(rng.uniform(distribution.low, distribution.high))
