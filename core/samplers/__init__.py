"""Samplers: how each trial's parameters are chosen.

Every sampler but the base class and ``RandomSampler`` loads on first use.
"""

from typing import TYPE_CHECKING

from parzen._lazy import lazy_exports
from parzen.samplers._base import BaseSampler
from parzen.samplers._random import RandomSampler

if TYPE_CHECKING:
    from parzen.samplers import nsgaii
    from parzen.samplers._brute_force import BruteForceSampler
    from parzen.samplers._cmaes import CmaEsSampler
    from parzen.samplers._ga import BaseGASampler
    from parzen.samplers._gp import GPSampler
    from parzen.samplers._grid import GridSampler
    from parzen.samplers._nsga import NSGAIIISampler, NSGAIISampler
    from parzen.samplers._partial_fixed import PartialFixedSampler
    from parzen.samplers._qmc import QMCSampler
    from parzen.samplers._tpe import TPESampler

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "BaseGASampler": "._ga",
        "BruteForceSampler": "._brute_force",
        "CmaEsSampler": "._cmaes",
        "GPSampler": "._gp",
        "GridSampler": "._grid",
        "NSGAIIISampler": "._nsga",
        "NSGAIISampler": "._nsga",
        "PartialFixedSampler": "._partial_fixed",
        "QMCSampler": "._qmc",
        "TPESampler": "._tpe",
        "nsgaii": ".nsgaii",  # the public submodule of crossovers
    },
)

__all__ = [
    "BaseGASampler",
    "BaseSampler",
    "BruteForceSampler",
    "CmaEsSampler",
    "GPSampler",
    "GridSampler",
    "NSGAIIISampler",
    "NSGAIISampler",
    "PartialFixedSampler",
    "QMCSampler",
    "RandomSampler",
    "TPESampler",
    "nsgaii",
]
