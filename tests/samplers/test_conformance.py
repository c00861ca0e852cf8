"""The sampler conformance suite over the baseline samplers."""

from __future__ import annotations

from parzen.samplers._base import BaseSampler
from parzen.samplers._brute_force import BruteForceSampler
from parzen.samplers._grid import GridSampler
from parzen.samplers._partial_fixed import PartialFixedSampler
from parzen.samplers._qmc import QMCSampler
from parzen.samplers._random import RandomSampler
from parzen.testing.samplers import SamplerConformance, grid_values


class TestRandomSampler(SamplerConformance):
    def make_sampler(self, seed: int | None) -> BaseSampler:
        return RandomSampler(seed=seed)


class TestGridSampler(SamplerConformance):
    def make_sampler(self, seed: int | None) -> BaseSampler:
        grid = {name: grid_values(dist) for name, dist in self.search_space().items()}
        return GridSampler(grid, seed=seed)


class TestBruteForceSampler(SamplerConformance):
    requires_finite_space = True
    requires_fixed_search_space = True

    def make_sampler(self, seed: int | None) -> BaseSampler:
        return BruteForceSampler(seed=seed)


class TestBruteForceSamplerAvoidingPrematureStop(SamplerConformance):
    requires_finite_space = True
    requires_fixed_search_space = True

    def make_sampler(self, seed: int | None) -> BaseSampler:
        return BruteForceSampler(seed=seed, avoid_premature_stop=True)


class TestPartialFixedSampler(SamplerConformance):
    def make_sampler(self, seed: int | None) -> BaseSampler:
        return PartialFixedSampler({"int_step": 6, "cat_str": "b"}, RandomSampler(seed=seed))


class TestQMCSamplerSobol(SamplerConformance):
    def make_sampler(self, seed: int | None) -> BaseSampler:
        return QMCSampler(qmc_type="sobol", seed=seed, warn_independent_sampling=False)


class TestQMCSamplerScrambledHalton(SamplerConformance):
    def make_sampler(self, seed: int | None) -> BaseSampler:
        return QMCSampler(
            qmc_type="halton",
            scramble=True,
            seed=seed,
            warn_asynchronous_seeding=False,
            warn_independent_sampling=False,
        )
