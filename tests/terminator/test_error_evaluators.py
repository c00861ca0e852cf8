"""Error evaluators and report_cross_validation_scores, against hand-computed values."""

from __future__ import annotations

import math
from types import ModuleType

import numpy as np
import pytest


def _cv_study(lib: ModuleType, direction: str, fold_scores: list[list[float]]):
    study = lib.create_study(direction=direction)
    for scores in fold_scores:
        trial = study.ask()
        lib.terminator.report_cross_validation_scores(trial, scores)
        study.tell(trial, float(np.mean(scores)))
    return study


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_cross_validation_error_uses_the_best_trials_scores(
    lib: ModuleType, direction: str
) -> None:
    folds = [[0.50, 0.70, 0.60, 0.40], [0.10, 0.30, 0.20, 0.60], [0.90, 0.95, 0.85, 0.80]]
    study = _cv_study(lib, direction, folds)
    best = folds[1] if direction == "minimize" else folds[2]
    # Nadeau & Bengio's corrected variance of a k-fold mean: (1/k + 1/(k-1)) * var.
    k = len(best)
    mean = sum(best) / k
    variance = sum((s - mean) ** 2 for s in best) / k
    expected = math.sqrt((1 / k + 1 / (k - 1)) * variance)
    error = lib.terminator.CrossValidationErrorEvaluator().evaluate(study.trials, study.direction)
    assert error == pytest.approx(expected, rel=1e-12)


def test_cross_validation_error_without_scores_says_how_to_report_them(lib: ModuleType) -> None:
    study = lib.create_study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    evaluator = lib.terminator.CrossValidationErrorEvaluator()
    with pytest.raises(ValueError, match="report_cross_validation_scores"):
        evaluator.evaluate(study.trials, study.direction)


def test_cross_validation_error_of_no_complete_trial_is_a_value_error() -> None:
    import parzen.terminator

    # Optuna fails an assertion here; a ValueError that says why is what users can catch.
    evaluator = parzen.terminator.CrossValidationErrorEvaluator()
    with pytest.raises(ValueError, match="no trial has been completed"):
        evaluator.evaluate([], parzen.study.StudyDirection.MINIMIZE)


def test_report_stores_the_scores_as_a_list_of_floats(lib: ModuleType) -> None:
    study = lib.create_study()
    trial = study.ask()
    lib.terminator.report_cross_validation_scores(trial, np.array([0.5, 0.75, 1.0]))
    study.tell(trial, 0.75)
    stored = study.trials[0].system_attrs["terminator:cv_scores"]
    assert list(stored) == [0.5, 0.75, 1.0]


@pytest.mark.parametrize("scores", [[], [0.5]])
def test_report_needs_two_scores(lib: ModuleType, scores: list[float]) -> None:
    study = lib.create_study()
    trial = study.ask()
    with pytest.raises(ValueError, match="greater than one"):
        lib.terminator.report_cross_validation_scores(trial, scores)
    study.tell(trial, 1.0)
    assert "terminator:cv_scores" not in study.trials[0].system_attrs


def test_report_survives_a_persistent_storage_as_json(tmp_path) -> None:
    import parzen
    from parzen.terminator import CrossValidationErrorEvaluator, report_cross_validation_scores

    url = f"sqlite:///{tmp_path / 'cv.db'}"
    study = parzen.create_study(storage=url, study_name="cv")
    trial = study.ask()
    report_cross_validation_scores(trial, np.float32([0.25, 0.75]))
    study.tell(trial, 0.5)
    loaded = parzen.load_study(study_name="cv", storage=url)
    assert loaded.trials[0].system_attrs["terminator:cv_scores"] == [0.25, 0.75]
    expected = math.sqrt((1 / 2 + 1 / 1) * 0.0625)
    assert CrossValidationErrorEvaluator().evaluate(loaded.trials, loaded.direction) == (
        pytest.approx(expected)
    )


def test_report_on_a_fixed_trial_keeps_the_scores_in_memory() -> None:
    # Objectives are often tried out with FixedTrial; reporting must not break them.
    import parzen
    from parzen.terminator import report_cross_validation_scores

    trial = parzen.trial.FixedTrial({"x": 1.0})
    report_cross_validation_scores(trial, [1.0, 2.0])
    assert trial.system_attrs["terminator:cv_scores"] == [1.0, 2.0]


def test_static_error_is_the_constant(lib: ModuleType) -> None:
    study = lib.create_study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    evaluator = lib.terminator.StaticErrorEvaluator(constant=0.125)
    assert evaluator.evaluate(study.trials, study.direction) == 0.125
    assert evaluator.evaluate([], study.direction) == 0.125


class _PrefixLength:
    """An improvement evaluator that records what it is asked and returns a known sequence."""

    def __init__(self, lib: ModuleType, sequence: list[float]) -> None:
        base = lib.terminator.BaseImprovementEvaluator
        record: list[list[int]] = []

        class Evaluator(base):  # type: ignore[misc, valid-type]
            def evaluate(self, trials, study_direction):  # type: ignore[no-untyped-def]
                record.append([t.number for t in trials])
                return sequence[len(trials) - 1]

        self.evaluator = Evaluator()
        self.calls = record


def _numbered(lib: ModuleType, states: list[str]) -> list:
    trials = []
    for number, state in enumerate(states):
        if state == "C":
            trial = lib.trial.create_trial(value=float(number))
        else:
            trial = lib.trial.create_trial(state=lib.trial.TrialState.PRUNED)
        trial.number = number
        trials.append(trial)
    return trials


def test_median_error_is_the_ratio_of_the_upper_median_after_warm_up(lib: ModuleType) -> None:
    improvements = [7.0, 1.0, 2.0, 3.0, 100.0, 50.0]
    fake = _PrefixLength(lib, improvements)
    evaluator = lib.terminator.MedianErrorEvaluator(
        fake.evaluator, warm_up_trials=2, n_initial_trials=6, threshold_ratio=0.5
    )
    direction = lib.study.StudyDirection.MINIMIZE
    # Pruned trials do not count: 8 COMPLETE trials are needed (2 warm-up + 6).
    states = ["C", "P", "C", "C", "C", "P", "C", "C", "C"]
    not_yet = evaluator.evaluate(_numbered(lib, states), direction)
    assert not_yet < 0 and not_yet > -1e-300
    assert fake.calls == []

    trials = _numbered(lib, [*states, "C"])
    threshold = evaluator.evaluate(trials, direction)
    # sorted [1, 2, 3, 7, 50, 100]: the upper of the two middle values, 7, times 0.5
    assert threshold == pytest.approx(3.5)
    complete_after_warm_up = [3, 4, 6, 7, 8, 9]
    assert fake.calls == [complete_after_warm_up[: i + 1] for i in range(6)]

    # Computed once, then kept.
    assert evaluator.evaluate(trials[:3], direction) == pytest.approx(3.5)
    assert len(fake.calls) == 6


def test_median_error_of_an_odd_count_is_the_middle_value(lib: ModuleType) -> None:
    fake = _PrefixLength(lib, [4.0, 10.0, 1.0])
    evaluator = lib.terminator.MedianErrorEvaluator(
        fake.evaluator, warm_up_trials=0, n_initial_trials=3, threshold_ratio=0.1
    )
    trials = _numbered(lib, ["C", "C", "C"])
    threshold = evaluator.evaluate(trials, lib.study.StudyDirection.MINIMIZE)
    assert threshold == pytest.approx(0.4)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"warm_up_trials": -1}, "warm_up_trials"),
        ({"n_initial_trials": 0}, "n_initial_trials"),
        ({"threshold_ratio": 0.0}, "threshold_ratio"),
        ({"threshold_ratio": -0.5}, "threshold_ratio"),
    ],
)
def test_median_error_rejects_bad_settings(lib: ModuleType, kwargs: dict, match: str) -> None:
    paired = lib.terminator.BestValueStagnationEvaluator()
    with pytest.raises(ValueError, match=match):
        lib.terminator.MedianErrorEvaluator(paired, **kwargs)
