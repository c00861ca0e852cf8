"""Samplers: how each trial's parameters are chosen."""

from typing import Any

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
    "TPESampler",
    "nsgaii",
]


def __getattr__(name: str) -> Any:
    # TPE loads scipy.special; `import parzen` must not.
    if name == "TPESampler":
        from parzen.samplers._tpe import TPESampler

        return TPESampler
    raise AttributeError(f"module 'parzen.samplers' has no attribute {name!r}")
