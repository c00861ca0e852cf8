"""Samplers: how each trial's parameters are chosen."""

from parzen.samplers._base import BaseSampler
from parzen.samplers._random import RandomSampler

__all__ = ["BaseSampler", "RandomSampler"]
