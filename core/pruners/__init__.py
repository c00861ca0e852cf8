"""Pruners: stop unpromising trials early from their intermediate values.

Every pruner but the base class and ``NopPruner`` loads on first use.
"""

from typing import TYPE_CHECKING

from parzen._lazy import lazy_exports
from parzen.pruners._base import BasePruner
from parzen.pruners._nop import NopPruner

if TYPE_CHECKING:
    from parzen.pruners._hyperband import HyperbandPruner
    from parzen.pruners._median import MedianPruner
    from parzen.pruners._patient import PatientPruner
    from parzen.pruners._percentile import PercentilePruner
    from parzen.pruners._successive_halving import SuccessiveHalvingPruner
    from parzen.pruners._threshold import ThresholdPruner
    from parzen.pruners._wilcoxon import WilcoxonPruner

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "HyperbandPruner": "._hyperband",
        "MedianPruner": "._median",
        "PatientPruner": "._patient",
        "PercentilePruner": "._percentile",
        "SuccessiveHalvingPruner": "._successive_halving",
        "ThresholdPruner": "._threshold",
        "WilcoxonPruner": "._wilcoxon",
    },
)

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
