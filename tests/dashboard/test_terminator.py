"""The terminator curve of the study page: parzen.terminator's regret bound after each trial."""

from __future__ import annotations

import math
from typing import Any

import pytest

import parzen
from parzen.dashboard import _plots
from parzen.storages import BaseStorage
from parzen.terminator import RegretBoundEvaluator, report_cross_validation_scores
from parzen.trial import TrialState


def test_curve_is_the_regret_bound_after_each_complete_trial(
    client: Any, storage: BaseStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A few points keep the request short on a busy machine; every point is checked.
    monkeypatch.setattr(_plots, "MAX_TERMINATOR_POINTS", 6)
    study = parzen.load_study(study_name="training", storage=storage)
    complete = [t for t in study.trials if t.state == TrialState.COMPLETE]
    data = client.get_json("/api/studies/0/plots/terminator")
    assert data["n_complete"] == len(complete) == 20
    positions = [0, 3, 7, 11, 15, 19]  # evenly spread, first and last included
    assert data["number"] == [complete[i].number for i in positions]
    evaluator = RegretBoundEvaluator(seed=0)
    expected = [evaluator.evaluate(complete[: i + 1], study.direction) for i in positions]
    assert data["improvement"] == pytest.approx(expected, rel=1e-6, abs=1e-12)
    assert data["error"] is None  # no cross-validation scores in this study


def test_curve_has_the_cross_validation_error_when_scores_were_reported(
    client: Any, storage: BaseStorage
) -> None:
    study = parzen.create_study(storage=storage, study_name="cv")
    for value in [0.3, 0.1, 0.2]:
        trial = study.ask()
        trial.suggest_float("x", 0.0, 1.0)
        report_cross_validation_scores(trial, [value - 0.05, value + 0.05])
        study.tell(trial, value)
    data = client.get_json(f"/api/studies/{study._study_id}/plots/terminator")
    # The best trial's folds are value -/+ 0.05 for every prefix: variance 0.0025, k = 2.
    assert data["error"] == pytest.approx([math.sqrt(1.5 * 0.0025)] * 3)
    assert len(data["improvement"]) == 3


def test_curve_declines_huge_studies(
    client: Any, storage: BaseStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_plots, "MAX_TERMINATOR_TRIALS", 10)
    study = parzen.create_study(storage=storage, study_name="long")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=11)
    data = client.get_json(f"/api/studies/{study._study_id}/plots/terminator")
    assert data["number"] == [] and "up to 10 complete trials" in data["message"]


def test_curve_needs_a_single_objective(client: Any) -> None:
    assert client.request("/api/studies/2/plots/terminator").status == 400


def test_curve_of_a_study_without_complete_trials_is_empty(
    client: Any, storage: BaseStorage
) -> None:
    study = parzen.create_study(storage=storage, study_name="empty")
    study.ask()
    data = client.get_json(f"/api/studies/{study._study_id}/plots/terminator")
    assert data == {"n_complete": 0, "number": [], "improvement": [], "error": None}
