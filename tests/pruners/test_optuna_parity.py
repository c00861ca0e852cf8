"""The same histories through parzen's and Optuna's pruners must give the same decisions.

Skipped when Optuna is not installed. Each case runs a fixed list of learning curves (some
with NaN, skipped or out-of-order steps) through ``study.optimize`` in both libraries, with
the same study name, and compares which trials were pruned, at which step, and (for the
Successive Halving family) the rung values recorded in the trials' system attributes.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import parzen

optuna = pytest.importorskip("optuna")
pytestmark = pytest.mark.filterwarnings("ignore:.* is experimental")

Curve = dict[int, float]
Outcome = list[tuple[str, int | None, int, dict[str, Any]]]


def _learning_curves(seed: int, n_trials: int = 40, n_steps: int = 20) -> list[Curve]:
    rng = np.random.default_rng(seed)
    curves = []
    for index in range(n_trials):
        level = rng.uniform(0.0, 1.0)
        speed = rng.uniform(0.5, 2.0)
        length = n_steps if index % 5 else int(rng.integers(3, n_steps))
        values = {
            s: level + 1.0 / (1.0 + speed * s) + rng.normal(0.0, 0.02) for s in range(length)
        }
        if index % 7 == 3:
            values[int(rng.integers(0, length))] = math.nan
        if index % 9 == 4:
            values = {s: v for s, v in values.items() if s % 3}  # skipped steps
        if index % 11 == 5:
            keys = list(values)
            rng.shuffle(keys)
            values = {s: values[s] for s in keys}  # reported out of order
        curves.append(values)
    return curves


def _instance_results(seed: int, n_trials: int = 25, n_instances: int = 16) -> list[Curve]:
    rng = np.random.default_rng(seed)
    difficulty = rng.uniform(0.0, 3.0, n_instances)
    curves = []
    for _ in range(n_trials):
        shift = rng.uniform(-0.5, 1.0)
        order = rng.permutation(n_instances)
        curves.append({int(i): float(difficulty[i] + shift + rng.normal(0.0, 0.3)) for i in order})
    return curves


def _run(library: Any, pruner: Any, curves: list[Curve], direction: str) -> Outcome:
    study = library.create_study(
        study_name="parity",
        direction=direction,
        pruner=pruner,
        sampler=library.samplers.RandomSampler(seed=0),
    )
    sign = -1.0 if direction == "maximize" else 1.0

    def objective(trial: Any) -> float:
        curve = curves[trial.number]
        for step, value in curve.items():
            trial.report(sign * value, step)
            if trial.should_prune():
                raise library.TrialPruned()
        finite = [v for v in curve.values() if not math.isnan(v)]
        return sign * (sum(finite) / len(finite) if finite else 0.0)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(objective, n_trials=len(curves))
    return [
        (
            t.state.name,
            t.last_step,
            len(t.intermediate_values),
            {k: v for k, v in t.system_attrs.items() if k.startswith("completed_rung_")},
        )
        for t in study.get_trials(deepcopy=False)
    ]


def _binary_results(seed: int, n_trials: int = 6, n_instances: int = 6) -> list[Curve]:
    """Right/wrong answers per question: ties and zero differences everywhere."""
    rng = np.random.default_rng(seed)
    curves = []
    for _ in range(n_trials):
        error_rate = rng.uniform(0.1, 0.9)
        order = rng.permutation(n_instances)
        curves.append({int(i): float(rng.uniform() < error_rate) for i in order})
    return curves


# (name, factory taking the library's pruners module, direction, curves)
CASES: list[tuple[str, Callable[[Any], Any], str, list[Curve]]] = [
    ("median", lambda p: p.MedianPruner(n_startup_trials=3), "minimize", _learning_curves(0)),
    ("median-max", lambda p: p.MedianPruner(n_startup_trials=3), "maximize", _learning_curves(1)),
    (
        "median-warmup",
        lambda p: p.MedianPruner(2, n_warmup_steps=3, interval_steps=2, n_min_trials=2),
        "minimize",
        _learning_curves(2),
    ),
    ("percentile-25", lambda p: p.PercentilePruner(25.0, 2), "minimize", _learning_curves(3)),
    ("percentile-80", lambda p: p.PercentilePruner(80.0, 2), "maximize", _learning_curves(4)),
    (
        "threshold",
        lambda p: p.ThresholdPruner(lower=0.15, upper=1.6, n_warmup_steps=1),
        "minimize",
        _learning_curves(5),
    ),
    (
        "patient",
        lambda p: p.PatientPruner(None, patience=2, min_delta=0.01),
        "minimize",
        _learning_curves(6),
    ),
    (
        "patient-median",
        lambda p: p.PatientPruner(p.MedianPruner(n_startup_trials=2), patience=1),
        "maximize",
        _learning_curves(7),
    ),
    (
        "sha",
        lambda p: p.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2),
        "minimize",
        _learning_curves(8),
    ),
    ("sha-auto", lambda p: p.SuccessiveHalvingPruner(), "maximize", _learning_curves(9)),
    (
        "sha-bootstrap",
        lambda p: p.SuccessiveHalvingPruner(2, 3, min_early_stopping_rate=1, bootstrap_count=1),
        "minimize",
        _learning_curves(10),
    ),
    ("hyperband", lambda p: p.HyperbandPruner(1, 20, 3), "minimize", _learning_curves(11, 60)),
    (
        "hyperband-auto",
        lambda p: p.HyperbandPruner(reduction_factor=2),
        "maximize",
        _learning_curves(12, 60),
    ),
    ("wilcoxon", lambda p: p.WilcoxonPruner(p_threshold=0.1), "minimize", _instance_results(13)),
    (
        "wilcoxon-max",
        lambda p: p.WilcoxonPruner(p_threshold=0.3, n_startup_steps=3),
        "maximize",
        _instance_results(14),
    ),
    (
        "wilcoxon-ties",
        lambda p: p.WilcoxonPruner(p_threshold=0.3),
        "minimize",
        _binary_results(15),
    ),
]


@pytest.fixture(autouse=True)
def _quiet_optuna() -> None:
    optuna.logging.set_verbosity(optuna.logging.ERROR)


@pytest.mark.parametrize(
    ("factory", "direction", "curves"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_same_decisions_as_optuna(
    factory: Callable[[Any], Any], direction: str, curves: list[Curve]
) -> None:
    ours = _run(parzen, factory(parzen.pruners), curves, direction)
    theirs = _run(optuna, factory(optuna.pruners), curves, direction)
    assert ours == theirs
    # A meaningful comparison: the history must contain decisions both ways.
    assert {state for state, *_ in ours} == {"COMPLETE", "PRUNED"}
