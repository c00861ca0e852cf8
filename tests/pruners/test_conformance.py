"""Every parzen pruner, in a few configurations, through the shared conformance suite."""

from __future__ import annotations

from parzen.pruners import (
    BasePruner,
    HyperbandPruner,
    MedianPruner,
    NopPruner,
    PatientPruner,
    PercentilePruner,
    SuccessiveHalvingPruner,
    ThresholdPruner,
    WilcoxonPruner,
)
from parzen.testing.pruners import PrunerConformance


class TestNopPruner(PrunerConformance):
    refuses_multi_objective = False
    prunes = False

    def make_pruner(self) -> BasePruner:
        return NopPruner()


class TestMedianPruner(PrunerConformance):
    def make_pruner(self) -> BasePruner:
        return MedianPruner(n_startup_trials=2)


class TestMedianPrunerWarmupInterval(PrunerConformance):
    def make_pruner(self) -> BasePruner:
        return MedianPruner(n_startup_trials=0, n_warmup_steps=2, interval_steps=3, n_min_trials=2)


class TestPercentilePruner(PrunerConformance):
    def make_pruner(self) -> BasePruner:
        return PercentilePruner(25.0, n_startup_trials=1)


class TestThresholdPruner(PrunerConformance):
    def make_pruner(self) -> BasePruner:
        return ThresholdPruner(lower=-1.0, upper=1.2)


class TestPatientPruner(PrunerConformance):
    def make_pruner(self) -> BasePruner:
        return PatientPruner(None, patience=2)


class TestPatientPrunerWrappingMedian(PrunerConformance):
    def make_pruner(self) -> BasePruner:
        return PatientPruner(MedianPruner(n_startup_trials=1), patience=1, min_delta=0.01)


class TestSuccessiveHalvingPruner(PrunerConformance):
    def make_pruner(self) -> BasePruner:
        return SuccessiveHalvingPruner(min_resource=1, reduction_factor=2)


class TestSuccessiveHalvingPrunerAuto(PrunerConformance):
    def make_pruner(self) -> BasePruner:
        return SuccessiveHalvingPruner()


class TestSuccessiveHalvingPrunerBootstrap(PrunerConformance):
    def make_pruner(self) -> BasePruner:
        return SuccessiveHalvingPruner(min_resource=2, reduction_factor=3, bootstrap_count=2)


class TestHyperbandPruner(PrunerConformance):
    def make_pruner(self) -> BasePruner:
        return HyperbandPruner(min_resource=1, max_resource=12, reduction_factor=2)


class TestHyperbandPrunerAuto(PrunerConformance):
    def make_pruner(self) -> BasePruner:
        return HyperbandPruner()


class TestWilcoxonPruner(PrunerConformance):
    def make_pruner(self) -> BasePruner:
        return WilcoxonPruner(p_threshold=0.3, n_startup_steps=2)
