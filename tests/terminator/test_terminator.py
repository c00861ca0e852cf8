"""Terminator and TerminatorCallback: when a study stops, and when it must not."""

from __future__ import annotations

import logging
import math
from types import ModuleType

import numpy as np
import pytest


def _fixed(lib: ModuleType, improvement: float, error: float, calls: list | None = None):
    t = lib.terminator

    class Improvement(t.BaseImprovementEvaluator):  # type: ignore[misc, name-defined]
        def evaluate(self, trials, study_direction):  # type: ignore[no-untyped-def]
            if calls is not None:
                calls.append(("improvement", [x.state.name for x in trials], study_direction))
            return improvement

    class Error(t.BaseErrorEvaluator):  # type: ignore[misc, name-defined]
        def evaluate(self, trials, study_direction):  # type: ignore[no-untyped-def]
            if calls is not None:
                calls.append(("error", [x.state.name for x in trials], study_direction))
            return error

    return Improvement(), Error()


@pytest.mark.parametrize("bad", [0, -1])
def test_min_n_trials_must_be_positive(lib: ModuleType, bad: int) -> None:
    with pytest.raises(ValueError, match="min_n_trials"):
        lib.terminator.Terminator(min_n_trials=bad)


def test_evaluators_are_not_asked_before_min_n_trials_complete(lib: ModuleType) -> None:
    calls: list = []
    improvement, error = _fixed(lib, 0.0, 1.0, calls)
    terminator = lib.terminator.Terminator(improvement, error, min_n_trials=3)
    study = lib.create_study()
    study.add_trial(lib.trial.create_trial(value=1.0))
    study.add_trial(lib.trial.create_trial(state=lib.trial.TrialState.PRUNED))
    study.add_trial(lib.trial.create_trial(value=2.0))
    assert terminator.should_terminate(study) is False
    assert calls == []


def test_evaluators_get_every_trial_by_keyword(lib: ModuleType) -> None:
    # Optuna passes trials= and study_direction= by keyword; subclasses may rely on the names.
    calls: list = []
    improvement, error = _fixed(lib, 0.5, 1.0, calls)
    terminator = lib.terminator.Terminator(improvement, error, min_n_trials=2)
    study = lib.create_study(direction="maximize")
    study.add_trial(lib.trial.create_trial(value=1.0))
    study.add_trial(lib.trial.create_trial(state=lib.trial.TrialState.FAIL))
    study.add_trial(lib.trial.create_trial(value=2.0))
    study.ask()
    assert terminator.should_terminate(study) is True
    states = ["COMPLETE", "FAIL", "COMPLETE", "RUNNING"]
    maximize = lib.study.StudyDirection.MAXIMIZE
    assert calls == [("improvement", states, maximize), ("error", states, maximize)]


@pytest.mark.parametrize(("improvement", "error", "stop"), [(0.1, 0.2, True), (0.2, 0.2, False)])
def test_stops_when_improvement_is_below_error(
    lib: ModuleType, improvement: float, error: float, stop: bool
) -> None:
    terminator = lib.terminator.Terminator(*_fixed(lib, improvement, error), min_n_trials=1)
    study = lib.create_study()
    study.add_trial(lib.trial.create_trial(value=1.0))
    assert terminator.should_terminate(study) is stop


def test_multi_objective_study_is_a_runtime_error(lib: ModuleType) -> None:
    terminator = lib.terminator.Terminator(*_fixed(lib, 0.0, 1.0), min_n_trials=1)
    study = lib.create_study(directions=["minimize", "maximize"])
    study.add_trial(lib.trial.create_trial(values=[1.0, 2.0]))
    with pytest.raises(RuntimeError):
        terminator.should_terminate(study)


def test_stagnation_defaults_to_a_zero_error(lib: ModuleType) -> None:
    # No cross-validation scores needed: the default error of a stagnation count is 0.
    stagnation = lib.terminator.BestValueStagnationEvaluator(max_stagnation_trials=3)
    terminator = lib.terminator.Terminator(stagnation, min_n_trials=2)
    study = lib.create_study()
    for value in [1.0, 2.0, 2.0, 2.0]:
        study.add_trial(lib.trial.create_trial(value=value))
    assert terminator.should_terminate(study) is False  # 3 trials since the best: 0, not < 0
    study.add_trial(lib.trial.create_trial(value=2.0))
    assert terminator.should_terminate(study) is True


def test_default_terminator_needs_cross_validation_scores(lib: ModuleType) -> None:
    terminator = lib.terminator.Terminator(min_n_trials=2)
    study = lib.create_study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    with pytest.raises(ValueError, match="report_cross_validation_scores"):
        terminator.should_terminate(study)


def test_callback_stops_the_study_and_logs_it(lib: ModuleType, caplog) -> None:
    terminator = lib.terminator.Terminator(*_fixed(lib, 0.0, 1.0), min_n_trials=4)
    study = lib.create_study()
    lib.logging.enable_propagation()
    try:
        with caplog.at_level(logging.INFO, logger=lib.__name__):
            study.optimize(
                lambda t: t.suggest_float("x", 0, 1),
                n_trials=50,
                callbacks=[lib.terminator.TerminatorCallback(terminator)],
            )
    finally:
        lib.logging.disable_propagation()
    assert len(study.trials) == 4
    assert "The study has been stopped by the terminator." in caplog.text


# -- the default terminator on real problems ----------------------------------------------------

BUDGET = 200
NOISE = 0.05


def _cross_validated(lib: ModuleType, loss):  # type: ignore[no-untyped-def]
    """An objective whose value is the mean of 5 'fold' scores spread by ``NOISE`` around the
    loss, as cross-validation scores scatter around the generalization error."""
    offsets = NOISE * np.array([-2.0, -1.0, 0.0, 1.0, 2.0])

    def objective(trial):  # type: ignore[no-untyped-def]
        x = [trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(2)]
        scores = loss(np.array(x)) + offsets
        lib.terminator.report_cross_validation_scores(trial, scores.tolist())
        return float(scores.mean())

    return objective


def _run(lib: ModuleType, loss, noise_scale: float = 1.0) -> int:  # type: ignore[no-untyped-def]
    study = lib.create_study(sampler=lib.samplers.TPESampler(seed=0))
    callback = lib.terminator.TerminatorCallback(
        lib.terminator.Terminator(lib.terminator.RegretBoundEvaluator(seed=0))
    )
    study.optimize(_cross_validated(lib, loss), n_trials=BUDGET, callbacks=[callback])
    return len(study.trials)


def test_callback_stops_an_easy_problem_well_before_the_budget() -> None:
    import parzen

    # A smooth bowl whose optimum is found quickly; the folds disagree by far more than what
    # is left to gain once it is found.
    n = _run(parzen, lambda x: float(np.sum((x - 0.3) ** 2)))
    assert 20 <= n <= BUDGET // 2


def test_callback_does_not_stop_a_hard_problem_early() -> None:
    import parzen

    # A rugged surface with a narrow, deep optimum and ten times its fold noise to gain: the
    # regret bound stays far above the cross-validation error.
    def rugged(x: np.ndarray) -> float:
        bumps = float(np.sum(np.sin(25 * x) ** 2))
        well = -40.0 * math.exp(-float(np.sum((x - 0.77) ** 2)) / 0.002)
        return bumps + well

    n = _run(parzen, rugged)
    assert n >= 100


def test_public_names_and_signatures_match_optuna() -> None:
    import inspect

    optuna_terminator = pytest.importorskip("optuna.terminator")
    import parzen.terminator
    import parzen.visualization
    import parzen.visualization.matplotlib

    theirs = {n for n in dir(optuna_terminator) if not n.startswith("_")}
    theirs -= {"callback", "erroreval", "improvement", "median_erroreval", "terminator"}
    assert theirs <= set(parzen.terminator.__all__)

    def parameters(obj: object) -> list[tuple[str, object]]:
        target = obj.__init__ if inspect.isclass(obj) else obj  # type: ignore[misc]
        return [(p.name, p.default) for p in inspect.signature(target).parameters.values()]

    for name in theirs:
        ours, optuna_obj = getattr(parzen.terminator, name), getattr(optuna_terminator, name)
        if inspect.isclass(optuna_obj) and "*args" in str(inspect.signature(optuna_obj)):
            continue  # Optuna's experimental wrapper hides the signature of these
        assert parameters(ours) == parameters(optuna_obj), name
        for method in ("evaluate", "should_terminate", "__call__"):
            if inspect.isclass(optuna_obj) and method in vars(optuna_obj):
                assert parameters(getattr(ours, method)) == parameters(
                    getattr(optuna_obj, method)
                ), (name, method)

    import optuna.visualization
    import optuna.visualization.matplotlib

    for ours_module, optuna_module in (
        (parzen.visualization, optuna.visualization),
        (parzen.visualization.matplotlib, optuna.visualization.matplotlib),
    ):
        assert parameters(ours_module.plot_terminator_improvement) == parameters(
            optuna_module.plot_terminator_improvement
        )
