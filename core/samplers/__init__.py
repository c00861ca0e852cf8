"""Samplers: how each trial's parameters are chosen."""

from parzen.samplers import nsgaii
from parzen.samplers._base import BaseSampler
from parzen.samplers._brute_force import BruteForceSampler
from parzen.samplers._cmaes import CmaEsSampler
from parzen.samplers._grid import GridSampler
from parzen.samplers._nsga import NSGAIIISampler, NSGAIISampler
from parzen.samplers._partial_fixed import PartialFixedSampler
from parzen.samplers._qmc import QMCSampler
from parzen.samplers._random import RandomSampler

__all__ = [
    "BaseSampler",
    "BruteForceSampler",
    "CmaEsSampler",
    "GridSampler",
    "NSGAIIISampler",
    "NSGAIISampler",
    "PartialFixedSampler",
    "QMCSampler",
    "RandomSampler",
    "nsgaii",
]
