from __future__ import annotations

import multiprocessing
import os

import pytest

import parzen
from parzen.samplers import RandomSampler
from parzen.study._process import WorkerDied
from parzen.trial import TrialState


def objective(trial: parzen.trial.BaseTrial) -> float:
    x = trial.suggest_float("x", -5, 5)
    kind = trial.suggest_categorical("kind", ["a", "b"])
    n = trial.suggest_int("n", 1, 4)
    trial.set_user_attr("pid", os.getpid())
    return x**2 + n + (kind == "b")


def test_process_results_equal_threaded_results_for_one_worker():
    runs = {}
    for executor in ("thread", "process"):
        study = parzen.create_study(sampler=RandomSampler(seed=3))
        study.optimize(objective, n_trials=6, executor=executor)
        runs[executor] = [(t.number, t.params, t.values, t.state) for t in study.trials]
    assert runs["thread"] == runs["process"]


def test_objectives_run_in_other_processes_and_every_trial_is_recorded():
    # The first two trials wait for each other: that only ends if two workers run at once.
    both_running = multiprocessing.get_context("fork").Barrier(2)

    def waiting_objective(trial: parzen.trial.BaseTrial) -> float:
        if trial.number < 2:
            both_running.wait(timeout=30)
        return objective(trial)

    study = parzen.create_study(sampler=RandomSampler(seed=0))
    study.optimize(waiting_objective, n_trials=12, n_jobs=2, executor="process")
    assert sorted(t.number for t in study.trials) == list(range(12))
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    pids = {t.user_attrs["pid"] for t in study.trials}
    assert os.getpid() not in pids and len(pids) == 2


def test_pruning_and_reports_cross_the_process_boundary():
    class PruneAtTwo(parzen.pruners.BasePruner):
        def prune(self, study, trial):
            return trial.last_step == 2

    def curve(trial: parzen.trial.BaseTrial) -> float:
        for step in range(5):
            trial.report(float(step), step)
            if trial.should_prune():
                raise parzen.TrialPruned()
        return 0.0

    study = parzen.create_study(pruner=PruneAtTwo())
    study.optimize(curve, n_trials=3, executor="process")
    for trial in study.trials:
        assert trial.state == TrialState.PRUNED
        assert trial.intermediate_values == {0: 0.0, 1: 1.0, 2: 2.0}


def test_an_objective_error_fails_the_trial_and_is_reraised_with_its_type():
    def broken(trial: parzen.trial.BaseTrial) -> float:
        trial.suggest_float("x", 0, 1)
        raise ZeroDivisionError("in the worker")

    study = parzen.create_study()
    with pytest.raises(ZeroDivisionError, match="in the worker"):
        study.optimize(broken, n_trials=3, executor="process")
    assert [t.state for t in study.trials] == [TrialState.FAIL]
    study.optimize(broken, n_trials=2, executor="process", catch=(ZeroDivisionError,))
    assert [t.state for t in study.trials] == [TrialState.FAIL] * 3


def test_bad_suggest_arguments_raise_in_the_worker_as_in_a_thread():
    def bad(trial: parzen.trial.BaseTrial) -> float:
        return trial.suggest_float("x", 1.0, 0.0)

    study = parzen.create_study()
    with pytest.raises(ValueError, match="low must be <= high"):
        study.optimize(bad, n_trials=1, executor="process")


def test_a_dead_worker_fails_its_trial_and_is_replaced():
    def sometimes_dies(trial: parzen.trial.BaseTrial) -> float:
        x = trial.suggest_float("x", 0, 1)
        if trial.number == 1:
            os._exit(3)
        return x

    study = parzen.create_study()
    study.optimize(sometimes_dies, n_trials=4, executor="process", catch=(WorkerDied,))
    states = [t.state for t in study.trials]
    assert states == [
        TrialState.COMPLETE,
        TrialState.FAIL,
        TrialState.COMPLETE,
        TrialState.COMPLETE,
    ]
    assert "exit code 3" in study.trials[1].system_attrs["fail_reason"]


def test_unknown_executor():
    with pytest.raises(ValueError, match="executor must be"):
        parzen.create_study().optimize(objective, n_trials=1, executor="gpu")
