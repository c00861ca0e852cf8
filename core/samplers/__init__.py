"""Samplers: how each trial's parameters are chosen."""

from parzen.samplers._base import BaseSampler
from parzen.samplers._brute_force import BruteForceSampler
from parzen.samplers._grid import GridSampler
from parzen.samplers._partial_fixed import PartialFixedSampler
from parzen.samplers._qmc import QMCSampler
from parzen.samplers._random import RandomSampler

__all__ = [
    "BaseSampler",
    "BruteForceSampler",
    "GridSampler",
    "PartialFixedSampler",
    "QMCSampler",
    "RandomSampler",
]
