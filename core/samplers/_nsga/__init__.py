"""NSGA-II and NSGA-III: samplers, crossovers, mutations and selection strategies."""

from parzen.samplers._nsga._after_trial import NSGAIIAfterTrialStrategy
from parzen.samplers._nsga._child import NSGAIIChildGenerationStrategy
from parzen.samplers._nsga._crossovers import (
    BaseCrossover,
    BLXAlphaCrossover,
    SBXCrossover,
    SPXCrossover,
    UNDXCrossover,
    UniformCrossover,
    VSBXCrossover,
)
from parzen.samplers._nsga._elite import (
    NSGAIIElitePopulationSelectionStrategy,
    NSGAIIIElitePopulationSelectionStrategy,
    generate_default_reference_points,
)
from parzen.samplers._nsga._mutations import BaseMutation, PolynomialMutation
from parzen.samplers._nsga._sampler import NSGAIIISampler, NSGAIISampler
from parzen.samplers._nsga._sort import (
    constrained_ranks,
    crowding_distance,
    fast_non_dominated_sort,
)

__all__ = [
    "BLXAlphaCrossover",
    "BaseCrossover",
    "BaseMutation",
    "NSGAIIAfterTrialStrategy",
    "NSGAIIChildGenerationStrategy",
    "NSGAIIElitePopulationSelectionStrategy",
    "NSGAIIIElitePopulationSelectionStrategy",
    "NSGAIIISampler",
    "NSGAIISampler",
    "PolynomialMutation",
    "SBXCrossover",
    "SPXCrossover",
    "UNDXCrossover",
    "UniformCrossover",
    "VSBXCrossover",
    "constrained_ranks",
    "crowding_distance",
    "fast_non_dominated_sort",
    "generate_default_reference_points",
]
