"""PatientPruner on hand-designed learning curves."""

from __future__ import annotations

import math
from typing import Any

import pytest

import parzen
from parzen.pruners import BasePruner, MedianPruner, PatientPruner
from parzen.study import Study
from parzen.testing.pruners import run_curves
from parzen.trial import FrozenTrial, create_trial

nan = math.nan


def _run(
    pruner: BasePruner, *curves: dict[int, float], direction: str = "minimize"
) -> list[tuple[str, int | None]]:
    study = parzen.create_study(pruner=pruner, direction=direction)
    return run_curves(study, curves, final_values=[0.0] * len(curves))


# Improves until step 3 (value 1.0), then gets worse.
V_SHAPE = {0: 4.0, 1: 3.0, 2: 2.0, 3: 1.0, 4: 2.0, 5: 3.0, 6: 4.0, 7: 5.0, 8: 6.0}


@pytest.mark.parametrize(("patience", "pruned_at"), [(0, 4), (1, 5), (2, 6), (4, 8)])
def test_early_stopping_after_patience_steps_without_improvement(
    patience: int, pruned_at: int
) -> None:
    assert _run(PatientPruner(None, patience=patience), V_SHAPE) == [("PRUNED", pruned_at)]


def test_maximize() -> None:
    inverted = {step: -value for step, value in V_SHAPE.items()}
    assert _run(PatientPruner(None, patience=1), inverted, direction="maximize") == [("PRUNED", 5)]
    # Minimized, the inverted curve is best at step 0 and worse at steps 1 and 2.
    assert _run(PatientPruner(None, patience=1), inverted) == [("PRUNED", 2)]


def test_a_plateau_is_not_an_improvement_but_not_a_regression_either() -> None:
    plateau = {s: 1.0 for s in range(10)}
    assert _run(PatientPruner(None, patience=0), plateau) == [("COMPLETE", 9)]


def test_min_delta_demands_a_real_improvement() -> None:
    # Improves by 0.05 per step.
    slow = {s: 1.0 - 0.05 * s for s in range(6)}
    assert _run(PatientPruner(None, patience=1, min_delta=0.0), slow) == [("COMPLETE", 5)]
    # min_delta only tolerates regressions; improvements smaller than it still count.
    assert _run(PatientPruner(None, patience=1, min_delta=0.1), slow) == [("COMPLETE", 5)]
    # A regression of 0.3 after the best value: pruned without tolerance, kept with 0.5.
    bump = {0: 1.0, 1: 1.3, 2: 1.3, 3: 1.3}
    assert _run(PatientPruner(None, patience=1, min_delta=0.0), bump) == [("PRUNED", 2)]
    assert _run(PatientPruner(None, patience=1, min_delta=0.5), bump) == [("COMPLETE", 3)]


def test_nan_values_are_ignored() -> None:
    # The recent window holding only NaN never shows a regression.
    assert _run(PatientPruner(None, patience=0), {0: 1.0, 1: nan, 2: nan}) == [("COMPLETE", 2)]
    # NaN among earlier values: the best earlier number still counts.
    assert _run(PatientPruner(None, patience=0), {0: nan, 1: 1.0, 2: 2.0}) == [("PRUNED", 2)]


def test_steps_are_taken_in_step_order_not_report_order() -> None:
    # Reported as steps 2, 0, 1: in step order the values are 3, 2, 1 (improving).
    assert _run(PatientPruner(None, patience=1), {2: 1.0, 0: 3.0, 1: 2.0}) == [("COMPLETE", 2)]
    # In step order 1, 2, 3 (getting worse): pruned once the third step is in (its last step
    # is the largest, 2, although step 1 came last).
    assert _run(PatientPruner(None, patience=1), {2: 3.0, 0: 1.0, 1: 2.0}) == [("PRUNED", 2)]


class _Recorder(BasePruner):
    """Answers ``answer`` and records the steps at which it was asked."""

    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.asked_at: list[int | None] = []

    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        self.asked_at.append(trial.last_step)
        return self.answer


def test_wrapped_pruner_is_asked_only_once_patience_ran_out() -> None:
    no = _Recorder(False)
    assert _run(PatientPruner(no, patience=2), V_SHAPE) == [("COMPLETE", 8)]
    assert no.asked_at == [6, 7, 8]
    yes = _Recorder(True)
    assert _run(PatientPruner(yes, patience=2), V_SHAPE) == [("PRUNED", 6)]
    assert yes.asked_at == [6]


def test_wrapping_a_median_pruner() -> None:
    study = parzen.create_study(pruner=PatientPruner(MedianPruner(n_startup_trials=1), patience=1))
    study.add_trial(create_trial(value=0.0, intermediate_values={s: 0.0 for s in range(9)}))
    # Worse than the median from step 0, but only pruned when it stops improving (step 5).
    assert run_curves(study, [V_SHAPE]) == [("PRUNED", 5)]
    # Stops improving, but better than the median: kept.
    below = {step: value - 10.0 for step, value in V_SHAPE.items()}
    assert run_curves(study, [below]) == [("COMPLETE", 8)]


def test_multi_objective_study_is_refused() -> None:
    study = parzen.create_study(directions=["minimize", "maximize"])
    trial = study.ask()
    for step in range(3):
        study._storage.set_trial_intermediate_value(trial._trial_id, step, float(step))
    with pytest.raises(NotImplementedError, match="single-objective"):
        PatientPruner(None, patience=0).prune(study, study._storage.get_trial(trial._trial_id))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"wrapped_pruner": None, "patience": -1}, ValueError, r"patience .* got -1"),
        ({"wrapped_pruner": None, "patience": 1.5}, TypeError, r"patience .* \(float\)"),
        ({"wrapped_pruner": None, "patience": 1, "min_delta": -0.1}, ValueError, r"got -0.1"),
        ({"wrapped_pruner": None, "patience": 1, "min_delta": nan}, ValueError, r"got nan"),
        ({"wrapped_pruner": "median", "patience": 1}, TypeError, r"got 'median' \(str\)"),
        ({"wrapped_pruner": MedianPruner, "patience": 1}, TypeError, r"not the class"),
    ],
)
def test_invalid_arguments(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match) as info:
        PatientPruner(**kwargs)
    assert "Pass" in str(info.value)
