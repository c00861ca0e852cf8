from __future__ import annotations

import logging
import math
import threading
import time

import pytest

import parzen
from parzen.exceptions import TrialPruned
from parzen.samplers import RandomSampler
from parzen.study import MaxTrialsCallback, StudyDirection
from parzen.trial import TrialState


@pytest.fixture(autouse=True)
def _propagate_logs():
    parzen.logging.enable_propagation()
    yield
    parzen.logging.disable_propagation()


def quadratic(trial: parzen.Trial) -> float:
    x = trial.suggest_float("x", -10, 10)
    return (x - 2) ** 2


def new_study(**kwargs) -> parzen.Study:
    kwargs.setdefault("sampler", RandomSampler(seed=0))
    return parzen.create_study(**kwargs)


def test_optimize_runs_n_trials_and_finds_the_best():
    study = new_study()
    study.optimize(quadratic, n_trials=30)
    assert len(study.trials) == 30
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    values = [t.value for t in study.trials]
    assert study.best_value == min(values)
    assert study.best_params == study.trials[values.index(min(values))].params
    assert [t.number for t in study.trials] == list(range(30))


def test_maximize_picks_the_largest_value():
    study = new_study(direction="maximize")
    study.optimize(quadratic, n_trials=10)
    assert study.direction == StudyDirection.MAXIMIZE
    assert study.best_value == max(t.value for t in study.trials)


def test_one_info_line_per_finished_trial(caplog):
    study = new_study()
    with caplog.at_level(logging.INFO, logger="parzen"):
        study.optimize(quadratic, n_trials=3)
    finished = [r for r in caplog.records if "finished with value" in r.getMessage()]
    assert len(finished) == 3
    assert "Best is trial" in finished[-1].getMessage()


def test_timeout_stops_starting_trials():
    study = new_study()
    study.optimize(quadratic, timeout=0.0)
    assert len(study.trials) == 0
    study.optimize(quadratic, n_trials=5, timeout=60)
    assert len(study.trials) == 5


def test_stop_from_a_callback_and_max_trials_callback():
    study = new_study()

    def stop_at_three(study: parzen.Study, trial: parzen.trial.FrozenTrial) -> None:
        if trial.number == 2:
            study.stop()

    study.optimize(quadratic, n_trials=100, callbacks=[stop_at_three])
    assert len(study.trials) == 3
    study.optimize(quadratic, callbacks=[MaxTrialsCallback(5)])
    assert len(study.trials) == 5


def test_stop_outside_optimize_is_an_error():
    with pytest.raises(RuntimeError, match=r"while Study\.optimize runs"):
        new_study().stop()


def test_callbacks_receive_each_finished_trial():
    seen: list[tuple[int, TrialState]] = []
    study = new_study()
    study.optimize(
        quadratic, n_trials=4, callbacks=[lambda s, t: seen.append((t.number, t.state))]
    )
    assert seen == [(i, TrialState.COMPLETE) for i in range(4)]


def test_threads_run_every_trial_once():
    study = new_study()
    threads_seen: set[int] = set()
    lock = threading.Lock()
    # The first two trials wait for each other: that only ends if they run at the same time.
    both_running = threading.Barrier(2)

    def objective(trial: parzen.Trial) -> float:
        with lock:
            threads_seen.add(threading.get_ident())
        if trial.number < 2:
            both_running.wait(timeout=30)
        return quadratic(trial)

    study.optimize(objective, n_trials=40, n_jobs=4)
    assert len(study.trials) == 40
    assert sorted(t.number for t in study.trials) == list(range(40))
    assert len(threads_seen) > 1
    study.optimize(objective, n_trials=3, n_jobs=-1)
    assert len(study.trials) == 43


@pytest.mark.parametrize("n_jobs", [0, -2, 1.5, True])
def test_bad_n_jobs(n_jobs):
    with pytest.raises(ValueError, match="n_jobs"):
        new_study().optimize(quadratic, n_trials=1, n_jobs=n_jobs)


def test_conditional_parameters():
    def objective(trial: parzen.Trial) -> float:
        kind = trial.suggest_categorical("kind", ["svm", "forest"])
        if kind == "svm":
            return trial.suggest_float("c", 1e-3, 1e3, log=True)
        return float(trial.suggest_int("depth", 1, 8))

    study = new_study()
    study.optimize(objective, n_trials=30)
    for trial in study.trials:
        expected = {"kind", "c"} if trial.params["kind"] == "svm" else {"kind", "depth"}
        assert set(trial.params) == expected
        if "c" in trial.params:
            assert 1e-3 <= trial.params["c"] <= 1e3
        else:
            assert isinstance(trial.params["depth"], int)


def test_suggest_values_respect_step_log_and_types():
    def objective(trial: parzen.Trial) -> float:
        a = trial.suggest_float("a", 0.0, 1.0, step=0.25)
        b = trial.suggest_int("b", 1, 100, log=True)
        c = trial.suggest_int("c", 0, 9, step=3)
        d = trial.suggest_float("d", 5.0, 5.0)
        assert a in (0.0, 0.25, 0.5, 0.75, 1.0)
        assert isinstance(b, int) and 1 <= b <= 100
        assert c in (0, 3, 6, 9)
        assert d == 5.0
        return a

    study = new_study()
    study.optimize(objective, n_trials=30)
    assert all(t.state == TrialState.COMPLETE for t in study.trials)


def test_resuggesting_the_same_name_returns_the_same_value():
    def objective(trial: parzen.Trial) -> float:
        first = trial.suggest_float("x", 0, 1)
        assert trial.suggest_float("x", 0, 1) == first
        return first

    study = new_study()
    study.optimize(objective, n_trials=3)
    assert all(t.state == TrialState.COMPLETE for t in study.trials)


# -- objectives that go wrong: the trial fails, the study goes on, nothing stored is lost -----


@pytest.mark.parametrize(
    ("returned", "reason"),
    [
        (None, "the objective must return a number"),
        (math.nan, "NaN"),
        ("1.0", "the objective must return a number"),
        ((1.0, 2.0), "2 value(s)"),
        ([], "0 value(s)"),
        (object(), "not a number"),
    ],
    ids=["none", "nan", "string", "too-many", "empty", "object"],
)
def test_bad_return_values_fail_the_trial_and_the_study_goes_on(caplog, returned, reason):
    calls = iter([1.0, returned, 3.0])
    study = new_study()
    with caplog.at_level(logging.WARNING, logger="parzen"):
        study.optimize(lambda t: next(calls), n_trials=3)
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE, TrialState.FAIL, TrialState.COMPLETE]
    assert study.trials[1].values is None
    assert reason in study.trials[1].system_attrs["fail_reason"]
    assert any(
        "Trial 1 failed" in r.getMessage() and reason in r.getMessage() for r in caplog.records
    )
    assert [t.value for t in study.trials if t.state == TrialState.COMPLETE] == [1.0, 3.0]


def test_wrong_number_of_values_in_a_multi_objective_study_fails_the_trial():
    study = new_study(directions=["minimize", "minimize"])
    study.optimize(lambda t: 1.0, n_trials=1)
    assert study.trials[0].state == TrialState.FAIL


def test_an_exception_fails_the_trial_and_is_reraised():
    study = new_study()
    study.optimize(quadratic, n_trials=2)

    def broken(trial: parzen.Trial) -> float:
        trial.suggest_float("x", 0, 1)
        raise ZeroDivisionError("boom")

    with pytest.raises(ZeroDivisionError, match="boom"):
        study.optimize(broken, n_trials=5)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 2 + [TrialState.FAIL]
    assert "ZeroDivisionError: boom" in study.trials[2].system_attrs["fail_reason"]
    assert "x" in study.trials[2].params


def test_listed_exceptions_are_caught_and_the_study_goes_on():
    def sometimes_broken(trial: parzen.Trial) -> float:
        if trial.number % 2:
            raise ValueError("odd")
        return 1.0

    study = new_study()
    study.optimize(sometimes_broken, n_trials=6, catch=(ValueError,))
    assert [t.state.name for t in study.trials] == ["COMPLETE", "FAIL"] * 3
    study.optimize(sometimes_broken, n_trials=2, catch=ValueError)
    assert len(study.trials) == 8


def test_exception_in_a_thread_is_reraised_after_the_others_stop():
    study = new_study()

    def objective(trial: parzen.Trial) -> float:
        if trial.number == 0:
            raise KeyError("thread failure")
        # Keep the other threads busy until the failure is recorded, so that the test
        # observes whether they start new trials afterwards.
        deadline = time.monotonic() + 10
        while not study.get_trials(deepcopy=False, states=(TrialState.FAIL,)):
            assert time.monotonic() < deadline
            time.sleep(0.001)
        time.sleep(0.05)
        return 1.0

    with pytest.raises(KeyError, match="thread failure"):
        study.optimize(objective, n_trials=50, n_jobs=3)
    assert len(study.trials) <= 6  # each of the other two threads finishes what it started
    assert sum(t.state == TrialState.FAIL for t in study.trials) == 1


def test_bad_catch_argument():
    with pytest.raises(TypeError, match="exception classes"):
        new_study().optimize(quadratic, n_trials=1, catch=("ValueError",))


def test_nested_optimize_is_refused():
    study = new_study()

    def objective(trial: parzen.Trial) -> float:
        study.optimize(quadratic, n_trials=1)
        return 0.0

    with pytest.raises(RuntimeError, match="nested optimization"):
        study.optimize(objective, n_trials=1)


# -- pruning --------------------------------------------------------------------------------


class PruneAfter(parzen.pruners.BasePruner):
    def __init__(self, step: int) -> None:
        self.step = step

    def prune(self, study: parzen.Study, trial: parzen.trial.FrozenTrial) -> bool:
        return trial.last_step is not None and trial.last_step >= self.step


def test_report_and_should_prune_end_the_trial_as_pruned():
    def objective(trial: parzen.Trial) -> float:
        for step in range(10):
            trial.report(10.0 - step, step)
            if trial.should_prune():
                raise TrialPruned()
        return 0.0

    study = new_study(pruner=PruneAfter(3))
    study.optimize(objective, n_trials=2)
    for trial in study.trials:
        assert trial.state == TrialState.PRUNED
        assert trial.intermediate_values == {0: 10.0, 1: 9.0, 2: 8.0, 3: 7.0}
        assert trial.value == 7.0  # the last reported value, as Optuna records it
    with pytest.raises(ValueError, match="No trials are completed"):
        _ = study.best_trial


@pytest.mark.parametrize("step", [-1, -100])
def test_report_at_a_negative_step_is_refused(step):
    trial = new_study().ask()
    with pytest.raises(ValueError, match="step >= 0"):
        trial.report(1.0, step)
    assert trial.study.trials[0].intermediate_values == {}


def test_report_bad_types():
    trial = new_study().ask()
    with pytest.raises(TypeError, match="number as value"):
        trial.report("high", 0)
    with pytest.raises(TypeError, match="int as step"):
        trial.report(1.0, "1")
    # Optuna truncates a fractional step; parzen does too, and says so.
    with pytest.warns(UserWarning, match="truncated to 0"):
        trial.report(1.0, 0.5)
    assert trial.study.trials[0].intermediate_values == {0: 1.0}


def test_report_twice_at_one_step_keeps_the_first():
    trial = new_study().ask()
    trial.report(1.0, 0)
    with pytest.warns(UserWarning, match="already reported"):
        trial.report(2.0, 0)
    assert trial.study.trials[0].intermediate_values == {0: 1.0}


def test_report_in_a_multi_objective_study_is_refused():
    trial = new_study(directions=["minimize", "maximize"]).ask()
    with pytest.raises(NotImplementedError, match="multi-objective"):
        trial.report(1.0, 0)
    with pytest.raises(NotImplementedError, match="multi-objective"):
        trial.should_prune()


# -- directions -----------------------------------------------------------------------------


@pytest.mark.parametrize("direction", ["up", "", 3, StudyDirection.NOT_SET])
def test_unknown_direction_is_refused(direction):
    with pytest.raises(ValueError, match="Unknown direction"):
        parzen.create_study(direction=direction)


def test_direction_and_directions_together_are_refused():
    with pytest.raises(ValueError, match="not both"):
        parzen.create_study(direction="minimize", directions=["minimize"])
    with pytest.raises(ValueError, match="non-empty list"):
        parzen.create_study(directions=[])
    with pytest.raises(ValueError, match="Unknown direction"):
        parzen.create_study(directions=["minimize", "sideways"])
