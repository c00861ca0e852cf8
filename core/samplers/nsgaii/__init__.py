"""Operators for :class:`~parzen.samplers.NSGAIISampler` and
:class:`~parzen.samplers.NSGAIIISampler`: crossovers and mutations, as in
``optuna.samplers.nsgaii``.

Examples:
    >>> import parzen
    >>> from parzen.samplers.nsgaii import SBXCrossover
    >>> sampler = parzen.samplers.NSGAIISampler(crossover=SBXCrossover(eta=15), seed=0)
"""

from parzen.samplers._nsga._crossovers import (
    BaseCrossover,
    BLXAlphaCrossover,
    SBXCrossover,
    SPXCrossover,
    UNDXCrossover,
    UniformCrossover,
    VSBXCrossover,
)
from parzen.samplers._nsga._mutations import BaseMutation, PolynomialMutation

__all__ = [
    "BLXAlphaCrossover",
    "BaseCrossover",
    "BaseMutation",
    "PolynomialMutation",
    "SBXCrossover",
    "SPXCrossover",
    "UNDXCrossover",
    "UniformCrossover",
    "VSBXCrossover",
]
