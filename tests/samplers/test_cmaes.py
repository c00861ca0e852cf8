"""CmaEsSampler: conformance, optimization, JSON state and replay, restarts, bad input."""

from __future__ import annotations

import json
import logging
import math
import os
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import parzen
from parzen.samplers._base import BaseSampler
from parzen.samplers._random import RandomSampler
from parzen.storages import InMemoryStorage
from parzen.testing.samplers import SamplerConformance
from parzen.trial import BaseTrial, TrialState

if not os.environ.get("CI"):
    # In CI the extra is installed, and a missing cmaes must fail rather than skip.
    pytest.importorskip(
        "cmaes", reason="CmaEsSampler needs the cmaes extra: pip install 'parzen[cmaes]'"
    )

from parzen.samplers._cmaes import CmaEsSampler
from parzen.samplers._cmaes import _sampler as cmaes_module


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    previous = parzen.logging.get_verbosity()
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    yield
    parzen.logging.set_verbosity(previous)


class TestCmaEsSampler(SamplerConformance):
    supports_multi_objective = False
    n_trials = 16

    def make_sampler(self, seed: int | None) -> BaseSampler:
        return CmaEsSampler(seed=seed, popsize=4, warn_independent_sampling=False)


class TestCmaEsSamplerWithMargin(SamplerConformance):
    supports_multi_objective = False
    n_trials = 16

    def make_sampler(self, seed: int | None) -> BaseSampler:
        return CmaEsSampler(
            seed=seed, popsize=4, with_margin=True, warn_independent_sampling=False
        )


class TestSeparableCmaEsSampler(SamplerConformance):
    supports_multi_objective = False
    n_trials = 16

    def make_sampler(self, seed: int | None) -> BaseSampler:
        return CmaEsSampler(
            seed=seed, popsize=4, use_separable_cma=True, warn_independent_sampling=False
        )


def _sphere(n: int, shift: float = 1.0) -> Any:
    def objective(trial: BaseTrial) -> float:
        return sum((trial.suggest_float(f"x{i}", -5, 5) - shift) ** 2 for i in range(n))

    return objective


def _best(
    sampler: BaseSampler, objective: Any, n_trials: int, direction: str = "minimize"
) -> float:
    study = parzen.create_study(sampler=sampler, direction=direction)
    study.optimize(objective, n_trials=n_trials)
    return study.best_value


@pytest.fixture
def parzen_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    parzen.logging.enable_propagation()
    caplog.set_level(logging.WARNING, logger="parzen")
    try:
        yield caplog
    finally:
        parzen.logging.disable_propagation()


# -- optimization ------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_beats_random_search_on_a_sphere(seed: int) -> None:
    objective = _sphere(5)
    cma = _best(CmaEsSampler(seed=seed), objective, 300)
    random = _best(RandomSampler(seed=seed), objective, 300)
    assert cma < random / 10, (cma, random)


@pytest.mark.parametrize(
    "options",
    [
        {"use_separable_cma": True},
        {"with_margin": True},
        {"lr_adapt": True},
        {"restart_strategy": "ipop"},
        {"restart_strategy": "bipop"},
    ],
)
def test_variants_beat_random_search(options: dict[str, Any]) -> None:
    objective = _sphere(4)
    cma = _best(CmaEsSampler(seed=0, **options), objective, 250)
    random = _best(RandomSampler(seed=0), objective, 250)
    assert cma < random / 5, (options, cma, random)


def test_maximize() -> None:
    objective = _sphere(3)
    best = _best(CmaEsSampler(seed=0), lambda t: -objective(t), 200, direction="maximize")
    assert best > -0.05


def test_int_step_and_log_parameters_stay_valid_and_improve() -> None:
    def objective(trial: BaseTrial) -> float:
        n = trial.suggest_int("n", -20, 20)
        k = trial.suggest_int("k", 0, 30, step=3)
        lr = trial.suggest_float("lr", 1e-5, 1.0, log=True)
        f = trial.suggest_float("f", 0.0, 2.0, step=0.25)
        return (n - 7) ** 2 + (k - 12) ** 2 + math.log10(lr / 1e-3) ** 2 + (f - 1.5) ** 2

    for with_margin in (False, True):
        study = parzen.create_study(sampler=CmaEsSampler(seed=0, with_margin=with_margin))
        study.optimize(objective, n_trials=200)
        for trial in study.trials:
            assert type(trial.params["n"]) is int and -20 <= trial.params["n"] <= 20
            assert trial.params["k"] % 3 == 0 and 0 <= trial.params["k"] <= 30
            assert 1e-5 <= trial.params["lr"] <= 1.0
            assert trial.params["f"] in {0.25 * i for i in range(9)}
        assert study.best_value < 0.5, (with_margin, study.best_params)


def test_x0_and_sigma0_set_the_first_generation() -> None:
    sampler = CmaEsSampler(x0={"x0": 4.0, "x1": -4.0}, sigma0=0.01, seed=0, popsize=6)
    study = parzen.create_study(sampler=sampler)
    study.optimize(_sphere(2), n_trials=7)
    for trial in study.trials[1:]:
        assert abs(trial.params["x0"] - 4.0) < 0.5
        assert abs(trial.params["x1"] + 4.0) < 0.5


def test_warm_start_from_source_trials() -> None:
    source = parzen.create_study(sampler=RandomSampler(seed=0))
    source.optimize(_sphere(2, shift=3.0), n_trials=100)
    sampler = CmaEsSampler(source_trials=source.trials, seed=0, popsize=6)
    study = parzen.create_study(sampler=sampler)
    study.optimize(_sphere(2, shift=3.0), n_trials=7)
    first_generation = study.trials[1:]
    mean = np.mean([[t.params["x0"], t.params["x1"]] for t in first_generation], axis=0)
    assert np.all(np.abs(mean - 3.0) < 1.5), mean


def test_warm_start_without_compatible_source_trials_is_an_error() -> None:
    source = parzen.create_study(sampler=RandomSampler(seed=0))
    source.optimize(lambda t: t.suggest_float("other", 0, 1), n_trials=5)
    study = parzen.create_study(sampler=CmaEsSampler(source_trials=source.trials, seed=0))
    with pytest.raises(ValueError, match="source_trials"):
        study.optimize(_sphere(2), n_trials=3)


# -- state: JSON only, rebuilt by replay ---------------------------------------------------------


def test_state_is_json_and_tags_generations() -> None:
    study = parzen.create_study(sampler=CmaEsSampler(seed=0, popsize=5, n_startup_trials=3))
    study.optimize(_sphere(3), n_trials=23)
    study_attrs = study._storage.get_study_system_attrs(study._study_id)
    json.dumps(study_attrs)
    assert set(study_attrs) == {"cma:run_config:0"}
    assert study_attrs["cma:run_config:0"]["popsize"] == 5
    generations = []
    for trial in study.trials:
        json.dumps(trial.system_attrs)
        generations.append(trial.system_attrs.get("cma:generation"))
    # Startup trials are independent; then 5 trials per generation, sequentially.
    assert generations == [None] * 3 + [0] * 5 + [1] * 5 + [2] * 5 + [3] * 5


def test_a_new_sampler_rebuilds_the_same_optimizer_by_replay() -> None:
    study = parzen.create_study(sampler=CmaEsSampler(seed=0, popsize=6))
    study.optimize(_sphere(3), n_trials=61)
    original = study.sampler
    fresh = CmaEsSampler(seed=123, popsize=6)
    for sampler in (original, fresh):
        state = sampler._state(study)
        sampler._advance(study, state)
    old_state = original._state(study)
    new_state = fresh._state(study)
    assert old_state.run is not None and new_state.run is not None
    assert new_state.run.optimizer.generation == old_state.run.optimizer.generation == 10
    np.testing.assert_array_equal(new_state.run.optimizer.mean, old_state.run.optimizer.mean)


def test_two_workers_share_generations_through_the_storage() -> None:
    storage = InMemoryStorage()
    first = parzen.create_study(
        storage=storage, study_name="s", sampler=CmaEsSampler(seed=1, popsize=4)
    )
    second = parzen.load_study(
        storage=storage, study_name="s", sampler=CmaEsSampler(seed=2, popsize=4)
    )
    objective = _sphere(3)
    for i in range(41):
        worker = first if i % 2 == 0 else second
        trial = worker.ask()
        worker.tell(trial, objective(trial))
    generations = [t.system_attrs.get("cma:generation") for t in first.trials]
    assert generations[0] is None
    # Both workers follow one chain of generations: 4 trials each, in order.
    assert generations[1:] == [g for g in range(10) for _ in range(4)]


def test_state_round_trips_through_an_sql_storage(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'cma.db'}"
    first = parzen.create_study(
        storage=url, study_name="s", sampler=CmaEsSampler(seed=1, popsize=4)
    )
    second = parzen.load_study(
        storage=url, study_name="s", sampler=CmaEsSampler(seed=2, popsize=4)
    )

    def objective(trial: BaseTrial) -> float:
        return trial.suggest_float("x", -1, 1) ** 2 + trial.suggest_int("n", 0, 5)

    for i in range(13):
        worker = first if i % 2 == 0 else second
        trial = worker.ask()
        worker.tell(trial, objective(trial))
    generations = [t.system_attrs.get("cma:generation") for t in first.trials]
    assert generations == [None] + [g for g in range(3) for _ in range(4)]


def test_trials_of_a_told_generation_that_finish_late_are_ignored() -> None:
    study = parzen.create_study(sampler=CmaEsSampler(seed=0, popsize=4))
    objective = _sphere(2)
    study.optimize(objective, n_trials=1)
    late = study.ask()  # generation 0, told only after generation 0 is complete
    late_value = objective(late)
    for _ in range(5):
        trial = study.ask()
        study.tell(trial, objective(trial))
    study.tell(late, late_value)
    study.optimize(objective, n_trials=8)
    state = study.sampler._state(study)
    assert state.run is not None and state.run.optimizer.generation >= 2
    assert all(key[1] >= state.run.optimizer.generation for key in state.pending)


def test_pruned_trials_count_only_when_considered() -> None:
    def objective(trial: BaseTrial) -> float:
        value = _sphere(2)(trial)
        if trial.number % 2:
            trial.report(value, 0)
            raise parzen.TrialPruned()
        return value

    for consider, expected_generations in ((False, 3), (True, 6)):
        sampler = CmaEsSampler(seed=0, popsize=4, consider_pruned_trials=consider)
        study = parzen.create_study(sampler=sampler)
        study.optimize(objective, n_trials=25)
        state = sampler._state(study)
        sampler._advance(study, state)
        assert state.run is not None
        assert state.run.optimizer.generation == expected_generations, consider


# -- restarts and search-space changes -----------------------------------------------------------


def _flat(trial: BaseTrial) -> float:
    trial.suggest_float("x", -1, 1)
    trial.suggest_float("y", -1, 1)
    return 1.0  # CMA-ES stops on flat values: a restart every ~20 generations.


def _run_configs(study: parzen.Study) -> list[dict[str, Any]]:
    attrs = study._storage.get_study_system_attrs(study._study_id)
    return [attrs[f"cma:run_config:{i}"] for i in range(len(attrs))]


def test_ipop_restarts_double_the_population() -> None:
    study = parzen.create_study(sampler=CmaEsSampler(seed=0, restart_strategy="ipop"))
    study.optimize(_flat, n_trials=350)
    configs = _run_configs(study)
    assert [c["popsize"] for c in configs[:3]] == [6, 12, 24]
    assert configs[1]["mean"] != configs[2]["mean"]
    runs = [t.system_attrs.get("cma:run") for t in study.trials]
    assert runs[-1] == len(configs) - 1
    # Another worker rebuilds the same chain of runs from the stored settings and trials.
    original = study.sampler._state(study)
    study.sampler._advance(study, original)
    fresh = CmaEsSampler(seed=99, restart_strategy="ipop")
    replayed = fresh._state(study)
    fresh._advance(study, replayed)
    assert original.run is not None and replayed.run is not None
    assert replayed.run.index == original.run.index == len(configs) - 1
    assert replayed.run.optimizer.generation == original.run.optimizer.generation
    np.testing.assert_array_equal(replayed.run.optimizer.mean, original.run.optimizer.mean)


def test_ipop_inc_popsize() -> None:
    study = parzen.create_study(
        sampler=CmaEsSampler(seed=0, restart_strategy="ipop", inc_popsize=3, popsize=4)
    )
    study.optimize(_flat, n_trials=300)
    assert [c["popsize"] for c in _run_configs(study)[:3]] == [4, 12, 36]


def test_bipop_alternates_large_and_small_regimes() -> None:
    study = parzen.create_study(sampler=CmaEsSampler(seed=0, restart_strategy="bipop"))
    study.optimize(_flat, n_trials=600)
    configs = _run_configs(study)
    regimes = [c["regime"] for c in configs]
    assert regimes[:2] == ["default", "large"]
    assert "small" in regimes
    for config in configs:
        if config["regime"] == "small":
            assert 2 <= config["popsize"] <= 12 and config["sigma0"] <= 1 / 6


def test_without_restart_strategy_there_is_one_run() -> None:
    study = parzen.create_study(sampler=CmaEsSampler(seed=0))
    study.optimize(_flat, n_trials=200)
    assert len(_run_configs(study)) == 1


def test_a_shrinking_search_space_starts_a_new_run() -> None:
    def objective(trial: BaseTrial) -> float:
        x = trial.suggest_float("x", -1, 1)
        y = trial.suggest_float("y", -1, 1)
        if trial.number < 15:
            return x**2 + y**2 + trial.suggest_float("z", -1, 1) ** 2
        return x**2 + y**2

    study = parzen.create_study(
        sampler=CmaEsSampler(seed=0, popsize=4, warn_independent_sampling=False)
    )
    study.optimize(objective, n_trials=40)
    configs = _run_configs(study)
    assert [name for name, _ in configs[0]["space"]] == ["x", "y", "z"]
    assert [name for name, _ in configs[-1]["space"]] == ["x", "y"]
    assert study.trials[-1].system_attrs["cma:run"] == len(configs) - 1


# -- fallbacks and warnings ----------------------------------------------------------------------


def test_categorical_only_space_falls_back_to_the_independent_sampler_with_a_warning(
    parzen_logs: pytest.LogCaptureFixture,
) -> None:
    study = parzen.create_study(sampler=CmaEsSampler(seed=0))
    study.optimize(lambda t: len(t.suggest_categorical("c", ["a", "bb", "ccc"])), n_trials=10)
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    assert all("cma:generation" not in t.system_attrs for t in study.trials)
    warnings = [r.getMessage() for r in parzen_logs.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings  # once per parameter
    assert "'c'" in warnings[0] and "categorical" in warnings[0]


def test_categorical_parameters_are_sampled_independently_next_to_cma(
    parzen_logs: pytest.LogCaptureFixture,
) -> None:
    def objective(trial: BaseTrial) -> float:
        return _sphere(2)(trial) + (trial.suggest_categorical("c", ["a", "b"]) == "b")

    study = parzen.create_study(sampler=CmaEsSampler(seed=0, popsize=4))
    study.optimize(objective, n_trials=12)
    assert study.trials[-1].system_attrs.get("cma:generation") is not None
    assert any("'c'" in r.getMessage() for r in parzen_logs.records)


def test_warn_independent_sampling_false_is_silent(
    parzen_logs: pytest.LogCaptureFixture,
) -> None:
    study = parzen.create_study(sampler=CmaEsSampler(seed=0, warn_independent_sampling=False))
    study.optimize(lambda t: len(t.suggest_categorical("c", ["a", "bb"])), n_trials=5)
    assert not parzen_logs.records


def test_independent_sampler_is_used() -> None:
    class Constant(RandomSampler):
        def sample_independent(self, study: Any, trial: Any, name: str, dist: Any) -> Any:
            return dist.choices[-1]

    study = parzen.create_study(
        sampler=CmaEsSampler(independent_sampler=Constant(), warn_independent_sampling=False)
    )
    study.optimize(lambda t: len(t.suggest_categorical("c", ["a", "bb"])), n_trials=3)
    assert [t.params["c"] for t in study.trials] == ["bb"] * 3


def test_multi_objective_study_is_an_error() -> None:
    study = parzen.create_study(directions=["minimize", "minimize"], sampler=CmaEsSampler())
    with pytest.raises(ValueError, match="single objective"):
        study.optimize(lambda t: (t.suggest_float("x", 0, 1), 1.0), n_trials=2)


def test_missing_cmaes_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cmaes", None)
    with pytest.raises(ImportError, match=r"parzen\[cmaes\]"):
        cmaes_module._import_cmaes()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"popsize": 1}, "popsize"),
        ({"popsize": 0}, "popsize"),
        ({"popsize": 4.5}, "popsize"),
        ({"popsize": True}, "popsize"),
        ({"sigma0": 0.0}, "sigma0"),
        ({"sigma0": math.inf}, "sigma0"),
        ({"n_startup_trials": -1}, "n_startup_trials"),
        ({"restart_strategy": "pop"}, "restart_strategy"),
        ({"inc_popsize": 0}, "inc_popsize"),
        ({"x0": [0.0]}, "x0"),
        ({"source_trials": [], "x0": {"x": 0.0}}, "source_trials"),
        ({"source_trials": [], "sigma0": 0.1}, "source_trials"),
        ({"source_trials": [], "use_separable_cma": True}, "source_trials"),
        ({"with_margin": True, "use_separable_cma": True}, "with_margin"),
        ({"lr_adapt": True, "with_margin": True}, "lr_adapt"),
        ({"lr_adapt": True, "use_separable_cma": True}, "lr_adapt"),
    ],
)
def test_bad_arguments_are_rejected(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        CmaEsSampler(**kwargs)


def test_x0_outside_the_distribution_is_an_error() -> None:
    study = parzen.create_study(sampler=CmaEsSampler(x0={"x0": 10.0}))
    with pytest.raises(ValueError, match=r"x0\['x0'\]"):
        study.optimize(_sphere(2), n_trials=3)
