"""Optuna's observable sampler and pruner behaviour, item by item (issue 14, "Samplers and
pruners").

Every test that takes ``lib`` runs with the module ``parzen`` and, when installed, ``optuna``:
a test that passes for both proves that parzen does what Optuna does. Only public API (and the
private names Optuna's own documentation tells sampler authors to use) is touched.
"""

from __future__ import annotations

import math
import time
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from scipy.stats import qmc

pytestmark = pytest.mark.filterwarnings(
    "ignore::UserWarning", "ignore::FutureWarning", "ignore::DeprecationWarning"
)


@pytest.fixture(params=["parzen", "optuna"])
def lib(request: pytest.FixtureRequest) -> ModuleType:
    module = pytest.importorskip(request.param)
    module.logging.set_verbosity(module.logging.ERROR)
    return module


# -- HyperbandPruner: every sampler sees the current trial's bracket ----------------------------


def _recording_sampler(lib: ModuleType, seen: list[tuple[str, int, list[int]]]) -> Any:
    class Recording(lib.samplers.RandomSampler):
        def _record(self, hook: str, study: Any, trial: Any) -> None:
            numbers = [t.number for t in study.get_trials(deepcopy=False)]
            seen.append((hook, trial.number, numbers))

        def before_trial(self, study: Any, trial: Any) -> None:
            self._record("before_trial", study, trial)

        def infer_relative_search_space(self, study: Any, trial: Any) -> dict[str, Any]:
            self._record("infer_relative_search_space", study, trial)
            return {}

        def sample_relative(self, study: Any, trial: Any, search_space: Any) -> dict[str, Any]:
            self._record("sample_relative", study, trial)
            return {}

        def sample_independent(self, study: Any, trial: Any, name: str, dist: Any) -> Any:
            self._record("sample_independent", study, trial)
            return super().sample_independent(study, trial, name, dist)

    return Recording(seed=0)


def _hyperband_objective(lib: ModuleType) -> Any:
    def objective(trial: Any) -> float:
        x = trial.suggest_float("x", 0.0, 1.0)
        for step in range(9):
            trial.report(x + 1.0 / (step + 1), step)
            if trial.should_prune():
                raise lib.TrialPruned()
        return x

    return objective


def test_hyperband_gives_every_sampler_hook_the_current_trials_bracket(lib):
    seen: list[tuple[str, int, list[int]]] = []
    pruner = lib.pruners.HyperbandPruner(min_resource=1, max_resource=9, reduction_factor=3)
    study = lib.create_study(
        study_name="bracket-parity", sampler=_recording_sampler(lib, seen), pruner=pruner
    )
    study.optimize(_hyperband_objective(lib), n_trials=16)

    bracket = {t.number: pruner._get_bracket_id(study, t) for t in study.trials}
    assert len(set(bracket.values())) > 1
    hooks = {hook for hook, _, _ in seen}
    assert hooks == {
        "before_trial",
        "infer_relative_search_space",
        "sample_relative",
        "sample_independent",
    }
    for hook, number, visible in seen:
        assert number in visible, hook
        assert {bracket[n] for n in visible} == {bracket[number]}, (hook, number, visible)
    # The views hide something: some hook saw fewer trials than had been created.
    assert any(len(visible) < number + 1 for _, number, visible in seen)


def test_sample_relative_is_called_with_an_empty_relative_search_space(lib):
    calls: list[dict[str, Any]] = []

    class EmptySpace(lib.samplers.RandomSampler):
        def infer_relative_search_space(self, study: Any, trial: Any) -> dict[str, Any]:
            return {}

        def sample_relative(self, study: Any, trial: Any, search_space: Any) -> dict[str, Any]:
            calls.append(dict(search_space))
            return {}

    study = lib.create_study(sampler=EmptySpace(seed=0))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    assert calls == [{}, {}, {}]


def test_sample_relative_returning_a_key_outside_its_space_is_a_value_error(lib):
    class Rogue(lib.samplers.RandomSampler):
        def infer_relative_search_space(self, study: Any, trial: Any) -> dict[str, Any]:
            return {"x": lib.distributions.FloatDistribution(0.0, 1.0)}

        def sample_relative(self, study: Any, trial: Any, search_space: Any) -> dict[str, Any]:
            return {"x": 0.5, "y": 0.5}

    study = lib.create_study(sampler=Rogue(seed=0))
    trial = study.ask()
    assert trial.suggest_float("x", 0.0, 1.0) == 0.5
    with pytest.raises(ValueError, match="y"):
        trial.suggest_float("y", 0.0, 1.0)


# -- Median and Percentile pruners: NaN --------------------------------------------------------


@pytest.mark.parametrize("kind", ["median", "percentile"])
def test_nan_of_the_first_trial_does_not_prune_it_but_a_later_nan_does(lib, kind):
    def make() -> Any:
        if kind == "median":
            return lib.pruners.MedianPruner(n_startup_trials=0, n_warmup_steps=0)
        return lib.pruners.PercentilePruner(50.0, n_startup_trials=0, n_warmup_steps=0)

    study = lib.create_study(pruner=make())
    first = study.ask()
    first.report(math.nan, 0)
    assert first.should_prune() is False
    study.tell(first, 1.0)

    second = study.ask()
    second.report(math.nan, 0)
    assert second.should_prune() is True


# -- QMCSampler -------------------------------------------------------------------------------


def test_qmc_trials_asked_before_any_is_told_take_consecutive_points(lib):
    study = lib.create_study(sampler=lib.samplers.QMCSampler(qmc_type="sobol", seed=0))
    trials = [study.ask() for _ in range(4)]
    xs = [t.suggest_float("x", 0.0, 1.0) for t in trials]
    for trial in trials:
        study.tell(trial, 0.0)
    more = [study.ask() for _ in range(3)]
    xs += [t.suggest_float("x", 0.0, 1.0) for t in more]
    # Trial 0 is sampled independently and sets the search space; the others take the
    # sequence's points 0, 1, 2, ... in the order they sample, told or not.
    sobol = qmc.Sobol(1, scramble=False).random(8)[:, 0]
    np.testing.assert_allclose(xs[1:], sobol[:6])


def _qmc_points(module: ModuleType, qmc_type: str, seed: int) -> list[list[Any]]:
    module.logging.set_verbosity(module.logging.ERROR)

    def objective(trial: Any) -> float:
        # Suggested out of alphabetical order: the dimensions follow this order.
        b = trial.suggest_float("b", 0.0, 1.0)
        a = trial.suggest_float("a", -5.0, 5.0)
        n = trial.suggest_int("n", 0, 100)
        lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
        c = trial.suggest_categorical("c", ["p", "q", "r"])
        return a + b + n + lr + len(c)

    sampler = module.samplers.QMCSampler(qmc_type=qmc_type, scramble=True, seed=seed)
    study = module.create_study(sampler=sampler)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(objective, n_trials=9)
    return [[t.params[k] for k in ("a", "b", "n", "lr", "c")] for t in study.trials]


@pytest.mark.parametrize("qmc_type", ["sobol", "halton"])
def test_qmc_same_seed_gives_optunas_points(qmc_type):
    import parzen

    optuna = pytest.importorskip("optuna")
    # Trial 0 comes from the independent RandomSampler, not from the sequence.
    ours = _qmc_points(parzen, qmc_type, seed=7)[1:]
    theirs = _qmc_points(optuna, qmc_type, seed=7)[1:]
    assert len(ours) == len(theirs) == 8
    for mine, reference in zip(ours, theirs):
        assert mine[4] == reference[4]
        assert mine[2] == reference[2]
        np.testing.assert_allclose(
            [mine[0], mine[1], mine[3]], [reference[0], reference[1], reference[3]], rtol=1e-12
        )


# -- GridSampler ------------------------------------------------------------------------------


def test_grid_allows_a_nan_value(lib):
    sampler = lib.samplers.GridSampler({"x": [math.nan, 1.0]}, seed=0)
    study = lib.create_study(sampler=sampler)
    study.optimize(
        lambda t: 0.0 if math.isnan(t.suggest_categorical("x", [math.nan, 1.0])) else 1.0
    )
    values = [t.params["x"] for t in study.trials]
    assert len(values) == 2
    assert sum(math.isnan(v) for v in values) == 1 and 1.0 in values
    assert all(t.state == lib.trial.TrialState.COMPLETE for t in study.trials)


def test_grid_switched_to_a_new_grid_ignores_the_earlier_grids_trials(lib):
    study = lib.create_study(sampler=lib.samplers.GridSampler({"x": [0, 1]}, seed=0))
    study.optimize(lambda t: t.suggest_int("x", 0, 2))
    study.sampler = lib.samplers.GridSampler({"x": [0, 1, 2]}, seed=0)
    study.optimize(lambda t: t.suggest_int("x", 0, 2))
    assert len(study.trials) == 5
    assert sorted(t.params["x"] for t in study.trials[2:]) == [0, 1, 2]


def test_grid_refuses_an_enqueued_trial_that_fixes_no_grid_parameter(lib):
    study = lib.create_study(sampler=lib.samplers.GridSampler({"x": [0, 1]}))
    study.enqueue_trial({})
    trial = study.ask()
    with pytest.raises(ValueError):
        trial.suggest_int("x", 0, 1)
    # A grid point that is enqueued is fine.
    other = lib.create_study(sampler=lib.samplers.GridSampler({"x": [0, 1]}))
    other.enqueue_trial({"x": 1})
    assert other.ask().suggest_int("x", 0, 1) == 1


# -- BruteForceSampler ------------------------------------------------------------------------


def _int_range_grows(trial: Any) -> int:
    return trial.suggest_int("x", 0, 1 + trial.number)


def _choices_change(trial: Any) -> float:
    choices = ["a", "b"] if trial.number == 0 else ["a", "c"]
    trial.suggest_categorical("x", choices)
    return 0.0


def _another_parameter(trial: Any) -> float:
    trial.suggest_int("x", 0, 0)
    trial.suggest_int("y" if trial.number == 0 else "z", 0, 1)
    return 0.0


@pytest.mark.parametrize("objective", [_int_range_grows, _choices_change, _another_parameter])
def test_brute_force_refuses_a_search_space_that_changes(lib, objective):
    study = lib.create_study(sampler=lib.samplers.BruteForceSampler(seed=0))
    with pytest.raises(ValueError):
        study.optimize(objective, n_trials=5)
    states = [t.state for t in study.trials]
    assert states == [lib.trial.TrialState.COMPLETE, lib.trial.TrialState.FAIL]


def test_brute_force_still_enumerates_conditional_spaces(lib):
    def objective(trial: Any) -> float:
        if trial.suggest_categorical("c", ["a", "b"]) == "a":
            return trial.suggest_int("x", 0, 1)
        return 0.0

    study = lib.create_study(sampler=lib.samplers.BruteForceSampler(seed=0))
    study.optimize(objective)
    assert sorted(str(t.params) for t in study.trials) == [
        "{'c': 'a', 'x': 0}",
        "{'c': 'a', 'x': 1}",
        "{'c': 'b'}",
    ]


# -- BaseGASampler ----------------------------------------------------------------------------


def _mean_of_parents_sampler(lib: ModuleType, selections: list[int]) -> Any:
    # Optuna's documented pattern: subclass, call super().__init__(population_size=...),
    # implement select_parent and the sampling methods with the generation helpers.
    class MeanOfParents(lib.samplers.BaseGASampler):
        def __init__(self, population_size: int = 3, seed: int = 0) -> None:
            super().__init__(population_size=population_size)
            self._random = lib.samplers.RandomSampler(seed=seed)

        def select_parent(self, study: Any, generation: int) -> list[Any]:
            selections.append(generation)
            population = self.get_population(study, generation - 1)
            return sorted(population, key=lambda t: t.value)[:2]

        def infer_relative_search_space(self, study: Any, trial: Any) -> dict[str, Any]:
            return {"x": lib.distributions.FloatDistribution(0.0, 1.0)}

        def sample_relative(self, study: Any, trial: Any, search_space: Any) -> dict[str, Any]:
            generation = self.get_trial_generation(study, trial)
            parents = self.get_parent_population(study, generation)
            if not parents:
                return {}
            return {"x": sum(p.params["x"] for p in parents) / len(parents)}

        def sample_independent(self, study: Any, trial: Any, name: str, dist: Any) -> Any:
            return self._random.sample_independent(study, trial, name, dist)

    return MeanOfParents()


def test_base_ga_sampler_subclass_pattern(lib):
    selections: list[int] = []
    sampler = _mean_of_parents_sampler(lib, selections)
    assert sampler.population_size == 3
    study = lib.create_study(sampler=sampler)
    study.optimize(lambda t: (t.suggest_float("x", 0.0, 1.0) - 0.3) ** 2, n_trials=9)

    key = f"{type(sampler).__name__}:generation"
    generations = [t.system_attrs[key] for t in study.trials]
    assert generations == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert selections == [1, 2]  # once per generation, then read back
    assert [t.number for t in sampler.get_population(study, 1)] == [3, 4, 5]
    best_two = sorted(sampler.get_population(study, 0), key=lambda t: t.value)[:2]
    parents = sampler.get_parent_population(study, 1)
    assert [t.number for t in parents] == [t.number for t in best_two]
    assert sampler.get_parent_population(study, 0) == []
    # Generation 1 breeds the mean of its parents.
    expected = sum(t.params["x"] for t in best_two) / 2
    assert study.trials[3].params["x"] == pytest.approx(expected)
    assert selections == [1, 2]


def test_nsga_samplers_are_ga_samplers(lib):
    assert isinstance(lib.samplers.NSGAIISampler(), lib.samplers.BaseGASampler)
    assert isinstance(lib.samplers.NSGAIIISampler(), lib.samplers.BaseGASampler)
    with pytest.raises(TypeError):
        lib.samplers.BaseGASampler(population_size=3)


# -- Constraints: one recorder for TPE, NSGA-II and GP ---------------------------------------


@pytest.mark.parametrize("sampler_name", ["TPESampler", "NSGAIISampler", "GPSampler"])
def test_constraints_func_is_recorded_for_complete_and_pruned_trials(lib, sampler_name):
    sampler_class = getattr(lib.samplers, sampler_name)
    sampler = sampler_class(seed=0, constraints_func=lambda t: (t.params["x"] - 0.5, 1.0))
    study = lib.create_study(sampler=sampler)
    for state in ("COMPLETE", "PRUNED", "FAIL"):
        trial = study.ask()
        trial.suggest_float("x", 0.0, 1.0)
        if state == "COMPLETE":
            study.tell(trial, 1.0)
        else:
            study.tell(trial, state=getattr(lib.trial.TrialState, state))
    complete, pruned, failed = study.trials
    for trial in (complete, pruned):
        values = list(trial.constraints.values())
        assert values == pytest.approx([trial.params["x"] - 0.5, 1.0])
    assert not failed.constraints


# -- Heartbeats: RetryHeartbeatStaleTrialCallback and its keyword ------------------------------


def test_retry_heartbeat_stale_trial_callback_and_its_storage_keyword(lib, tmp_path: Path):
    callback = lib.storages.RetryHeartbeatStaleTrialCallback(max_retry=1)
    url = f"sqlite:///{tmp_path / 'heartbeat.db'}"
    storage = lib.storages.RDBStorage(
        url, heartbeat_interval=1, grace_period=1, heartbeat_stale_trial_callback=callback
    )
    assert storage.get_heartbeat_stale_trial_callback() is callback
    study = lib.create_study(storage=storage, sampler=lib.samplers.RandomSampler(seed=0))
    trial = study.ask()
    trial.suggest_float("x", 0.0, 1.0)
    storage.record_heartbeat(trial._trial_id)  # what optimize() does when a trial starts
    time.sleep(2.5)  # no heartbeat from this "dead" worker for longer than grace_period
    lib.storages.fail_stale_trials(study)
    stale, retry = study.trials
    assert stale.state == lib.trial.TrialState.FAIL
    assert retry.state == lib.trial.TrialState.WAITING
    assert retry.params == stale.params
    assert lib.storages.RetryHeartbeatStaleTrialCallback.retried_trial_number(retry) == 0
    assert lib.storages.RetryHeartbeatStaleTrialCallback.retry_history(retry) == [0]


def test_failed_trial_callback_is_the_deprecated_name(lib, tmp_path: Path):
    callback = lib.storages.RetryHeartbeatStaleTrialCallback()
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with pytest.warns(FutureWarning):
        storage = lib.storages.RDBStorage(
            url, heartbeat_interval=60, failed_trial_callback=callback
        )
    assert storage.get_heartbeat_stale_trial_callback() is callback
    with pytest.raises(ValueError, match="only one"):
        lib.storages.RDBStorage(
            url,
            heartbeat_interval=60,
            heartbeat_stale_trial_callback=callback,
            failed_trial_callback=callback,
        )
    with pytest.warns(FutureWarning):
        old = lib.storages.RetryFailedTrialCallback(max_retry=2)
    assert isinstance(old, lib.storages.RetryHeartbeatStaleTrialCallback)
