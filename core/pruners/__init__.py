"""Pruners: stop unpromising trials early from their intermediate values."""

from parzen.pruners._base import BasePruner
from parzen.pruners._hyperband import HyperbandPruner
from parzen.pruners._median import MedianPruner
from parzen.pruners._nop import NopPruner
from parzen.pruners._patient import PatientPruner
from parzen.pruners._percentile import PercentilePruner
from parzen.pruners._successive_halving import SuccessiveHalvingPruner
from parzen.pruners._threshold import ThresholdPruner
from parzen.pruners._wilcoxon import WilcoxonPruner

__all__ = [
    "BasePruner",
    "HyperbandPruner",
    "MedianPruner",
    "NopPruner",
    "PatientPruner",
    "PercentilePruner",
    "SuccessiveHalvingPruner",
    "ThresholdPruner",
    "WilcoxonPruner",
]
