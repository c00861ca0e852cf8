"""The sampler conformance suite over TPESampler's configurations."""

from __future__ import annotations

from parzen.samplers._base import BaseSampler
from parzen.samplers._tpe import TPESampler
from parzen.testing.samplers import SamplerConformance


class TestTPESampler(SamplerConformance):
    n_trials = 16  # past n_startup_trials, so that the model itself is exercised

    def make_sampler(self, seed: int | None) -> BaseSampler:
        return TPESampler(seed=seed, n_startup_trials=5, warn_independent_sampling=False)


class TestTPESamplerUnivariate(SamplerConformance):
    n_trials = 16

    def make_sampler(self, seed: int | None) -> BaseSampler:
        return TPESampler(seed=seed, n_startup_trials=5, multivariate=False)


class TestTPESamplerGroupWithoutPriorNorClip(SamplerConformance):
    n_trials = 16

    def make_sampler(self, seed: int | None) -> BaseSampler:
        return TPESampler(
            seed=seed,
            n_startup_trials=5,
            group=True,
            consider_prior=False,
            consider_endpoints=True,
            consider_magic_clip=False,
            warn_independent_sampling=False,
        )
