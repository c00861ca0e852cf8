"""Pruners: stop unpromising trials early from their intermediate values."""

from parzen.pruners._base import BasePruner
from parzen.pruners._nop import NopPruner

__all__ = ["BasePruner", "NopPruner"]
