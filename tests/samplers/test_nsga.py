"""NSGAIISampler and NSGAIIISampler: conformance, generations, constraints, quality, bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import parzen
from parzen._hypervolume import compute_hypervolume
from parzen.distributions import FloatDistribution
from parzen.samplers._base import BaseSampler
from parzen.samplers._nsga import NSGAIIISampler, NSGAIISampler
from parzen.samplers._random import RandomSampler
from parzen.samplers.nsgaii import (
    BaseCrossover,
    BLXAlphaCrossover,
    PolynomialMutation,
    SBXCrossover,
    SPXCrossover,
    UNDXCrossover,
    UniformCrossover,
    VSBXCrossover,
)
from parzen.storages import InMemoryStorage
from parzen.testing.samplers import SamplerConformance
from parzen.trial import BaseTrial, TrialState


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    previous = parzen.logging.get_verbosity()
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    yield
    parzen.logging.set_verbosity(previous)


class TestNSGAIISampler(SamplerConformance):
    n_trials = 16  # four generations of four

    def make_sampler(self, seed: int | None) -> BaseSampler:
        return NSGAIISampler(population_size=4, seed=seed)


class TestNSGAIISamplerWithSBXAndPolynomialMutation(SamplerConformance):
    n_trials = 16

    def make_sampler(self, seed: int | None) -> BaseSampler:
        return NSGAIISampler(
            population_size=4, crossover=SBXCrossover(), mutation=PolynomialMutation(), seed=seed
        )


class TestNSGAIISamplerWithUNDX(SamplerConformance):
    n_trials = 16

    def make_sampler(self, seed: int | None) -> BaseSampler:
        return NSGAIISampler(population_size=4, crossover=UNDXCrossover(), seed=seed)


class TestNSGAIIISampler(SamplerConformance):
    n_trials = 16

    def make_sampler(self, seed: int | None) -> BaseSampler:
        return NSGAIIISampler(population_size=4, crossover=BLXAlphaCrossover(), seed=seed)


def _zdt1(n: int = 6) -> Any:
    def objective(trial: BaseTrial) -> tuple[float, float]:
        x = [trial.suggest_float(f"x{i}", 0, 1) for i in range(n)]
        g = 1 + 9 * sum(x[1:]) / (n - 1)
        return x[0], g * (1 - (x[0] / g) ** 0.5)

    return objective


def _hypervolume(study: parzen.Study) -> float:
    points = np.array([t.values for t in study.best_trials])
    return compute_hypervolume(points, np.array([1.1, 11.0]))


# -- generations and state ---------------------------------------------------------------------


def test_generations_parents_and_json_state() -> None:
    study = parzen.create_study(
        directions=["minimize", "minimize"], sampler=NSGAIISampler(population_size=5, seed=0)
    )
    study.optimize(_zdt1(), n_trials=22)
    generations = [t.system_attrs["NSGAIISampler:generation"] for t in study.trials]
    assert generations == [0] * 5 + [1] * 5 + [2] * 5 + [3] * 5 + [4] * 2
    attrs = study._storage.get_study_system_attrs(study._study_id)
    json.dumps(attrs)
    for trial in study.trials:
        json.dumps(trial.system_attrs)
    ids = {t._trial_id: t for t in study.trials}
    for g in range(1, 5):
        parents = attrs[f"NSGAIISampler:parent:{g}"]
        assert len(parents) == 5
        # Parents come from the previous generation or its parents.
        pool = {t._trial_id for t in study.trials if generations[t.number] == g - 1}
        if g > 1:
            pool |= set(attrs[f"NSGAIISampler:parent:{g - 1}"])
        assert set(parents) <= pool
        assert all(ids[i].state == TrialState.COMPLETE for i in parents)


def test_first_generation_is_random_then_children_come_from_parents() -> None:
    study = parzen.create_study(
        directions=["minimize", "minimize"],
        sampler=NSGAIISampler(population_size=4, mutation_prob=0.0, crossover_prob=0.0, seed=0),
    )
    study.optimize(_zdt1(3), n_trials=8)
    parents = study._storage.get_study_system_attrs(study._study_id)["NSGAIISampler:parent:1"]
    parent_params = [study._storage.get_trial(i).params for i in parents]
    for child in study.trials[4:]:
        # Without crossover or mutation, each child copies one parent.
        assert child.params in parent_params


def test_failed_and_pruned_trials_do_not_fill_a_generation() -> None:
    def objective(trial: BaseTrial) -> float:
        x = trial.suggest_float("x", -1, 1)
        if trial.number % 3 == 1:
            raise parzen.TrialPruned()
        return x**2

    study = parzen.create_study(sampler=NSGAIISampler(population_size=4, seed=0))
    study.optimize(objective, n_trials=12)
    complete_per_generation: dict[int, int] = {}
    for t in study.trials:
        if t.state == TrialState.COMPLETE:
            g = t.system_attrs["NSGAIISampler:generation"]
            complete_per_generation[g] = complete_per_generation.get(g, 0) + 1
    assert complete_per_generation[0] == 4
    assert all(count <= 4 for count in complete_per_generation.values())


def test_two_workers_use_the_same_parents() -> None:
    storage = InMemoryStorage()
    directions = ["minimize", "minimize"]
    first = parzen.create_study(
        storage=storage,
        study_name="s",
        directions=directions,
        sampler=NSGAIISampler(population_size=4, seed=1),
    )
    second = parzen.load_study(
        storage=storage, study_name="s", sampler=NSGAIISampler(population_size=4, seed=2)
    )
    objective = _zdt1(3)
    for i in range(20):
        worker = first if i % 2 == 0 else second
        trial = worker.ask()
        worker.tell(trial, objective(trial))
    generations = [t.system_attrs["NSGAIISampler:generation"] for t in first.trials]
    assert generations == [g for g in range(5) for _ in range(4)]
    # Each generation's parents were chosen once and stored for both workers.
    attrs = storage.get_study_system_attrs(first._study_id)
    for g in range(1, 5):
        assert first.sampler._state(first).parents[g] is not None
        stored = attrs[f"NSGAIISampler:parent:{g}"]
        for sampler, study in ((first.sampler, first), (second.sampler, second)):
            known = sampler._state(study).parents.get(g)
            if known is not None:
                assert [t._trial_id for t in known] == stored


def test_state_round_trips_through_an_sql_storage(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'nsga.db'}"
    first = parzen.create_study(
        storage=url,
        study_name="s",
        directions=["minimize", "minimize"],
        sampler=NSGAIISampler(population_size=4, seed=1),
    )
    second = parzen.load_study(
        storage=url, study_name="s", sampler=NSGAIISampler(population_size=4, seed=2)
    )
    objective = _zdt1(3)
    for i in range(12):
        worker = first if i % 2 == 0 else second
        trial = worker.ask()
        worker.tell(trial, objective(trial))
    generations = [t.system_attrs["NSGAIISampler:generation"] for t in first.trials]
    assert generations == [g for g in range(3) for _ in range(4)]
    attrs = first._storage.get_study_system_attrs(first._study_id)
    assert sorted(attrs) == ["NSGAIISampler:parent:1", "NSGAIISampler:parent:2"]


# -- quality ------------------------------------------------------------------------------------


@pytest.mark.parametrize("sampler_class", [NSGAIISampler, NSGAIIISampler])
def test_beats_random_search_on_zdt1(sampler_class: type[NSGAIISampler]) -> None:
    volumes = {}
    for name, sampler in (
        ("ga", sampler_class(population_size=20, seed=0)),
        ("random", RandomSampler(seed=0)),
    ):
        study = parzen.create_study(directions=["minimize", "minimize"], sampler=sampler)
        study.optimize(_zdt1(), n_trials=400)
        volumes[name] = _hypervolume(study)
    assert volumes["ga"] > volumes["random"] + 0.5, volumes


@pytest.mark.parametrize(
    "crossover",
    [
        UniformCrossover(),
        BLXAlphaCrossover(),
        SPXCrossover(),
        SBXCrossover(),
        VSBXCrossover(),
        UNDXCrossover(),
    ],
    ids=str,
)
def test_single_objective_beats_random_search(crossover: BaseCrossover) -> None:
    def sphere(trial: BaseTrial) -> float:
        return sum((trial.suggest_float(f"x{i}", -5, 5) - 1) ** 2 for i in range(4))

    best = {}
    for name, sampler in (
        ("ga", NSGAIISampler(population_size=20, crossover=crossover, seed=0)),
        ("random", RandomSampler(seed=0)),
    ):
        study = parzen.create_study(sampler=sampler)
        study.optimize(sphere, n_trials=300)
        best[name] = study.best_value
    assert best["ga"] < best["random"] / 2, best


# -- constraints --------------------------------------------------------------------------------


def _feasible_fraction(study: parzen.Study, generation: int, prefix: str) -> float:
    trials = [t for t in study.trials if t.system_attrs[f"{prefix}:generation"] == generation]
    feasible = [t for t in trials if _feasible(t)]
    return len(feasible) / len(trials)


def _feasible(trial: Any) -> bool:
    return all(v <= 0 for v in trial.constraints.values())


@pytest.mark.parametrize("sampler_class", [NSGAIISampler, NSGAIIISampler])
def test_constraints_func_steers_to_feasible_trials(sampler_class: type[NSGAIISampler]) -> None:
    def constraints(trial: Any) -> list[float]:
        # Feasible only where x0 + x1 >= 1.4: 18% of the square.
        return [1.4 - trial.params["x0"] - trial.params["x1"]]

    sampler = sampler_class(population_size=10, constraints_func=constraints, seed=0)
    study = parzen.create_study(directions=["minimize", "minimize"], sampler=sampler)
    study.optimize(_zdt1(3), n_trials=100)
    stored = study.trials[0].system_attrs["constraints"]  # a list, as Optuna stores it
    assert stored == pytest.approx(constraints(study.trials[0]))
    prefix = sampler_class.__name__
    # Random sampling hits the feasible region 18% of the time; the late generations, more
    # than twice as often (mutations still resample parameters at random).
    later = np.mean([_feasible_fraction(study, g, prefix) for g in range(5, 10)])
    assert later >= 0.4, later
    # The survivors are all feasible once enough feasible trials exist.
    parents = study._storage.get_study_system_attrs(study._study_id)[f"{prefix}:parent:9"]
    assert all(_feasible(study._storage.get_trial(i)) for i in parents)


def test_set_constraint_steers_without_constraints_func() -> None:
    def objective(trial: BaseTrial) -> float:
        x = trial.suggest_float("x", -10, 10)
        y = trial.suggest_float("y", -10, 10)
        trial.set_constraint("ring", 9 - x**2 - y**2)  # feasible outside radius 3
        return x**2 + y**2

    study = parzen.create_study(sampler=NSGAIISampler(population_size=10, seed=0))
    study.optimize(objective, n_trials=100)
    assert 9 <= study.best_value < 10
    parents = study._storage.get_study_system_attrs(study._study_id)["NSGAIISampler:parent:9"]
    assert all(_feasible(study._storage.get_trial(i)) for i in parents)


def test_constraints_func_is_called_for_complete_and_pruned_trials_not_failed() -> None:
    # As in Optuna: PRUNED trials are evaluated too, FAILed ones are not.
    calls = []

    def constraints(trial: Any) -> list[float]:
        calls.append(trial.number)
        return [0.0]

    def objective(trial: BaseTrial) -> float:
        x = trial.suggest_float("x", 0, 1)
        if trial.number == 1:
            raise parzen.TrialPruned()
        if trial.number == 2:
            raise RuntimeError("fails")
        return x

    study = parzen.create_study(
        sampler=NSGAIISampler(population_size=2, constraints_func=constraints, seed=0)
    )
    study.optimize(objective, n_trials=4, catch=(RuntimeError,))
    assert calls == [0, 1, 3]


@pytest.mark.parametrize("bad", [[float("nan")], "abc", None])
def test_bad_constraints_are_rejected(bad: Any) -> None:
    study = parzen.create_study(
        sampler=NSGAIISampler(population_size=2, constraints_func=lambda t: bad)
    )
    with pytest.raises((TypeError, ValueError), match="constraints_func"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)


# -- operators through the sampler ---------------------------------------------------------------


@pytest.mark.parametrize(
    "crossover",
    [
        BLXAlphaCrossover(alpha=2.0),
        SPXCrossover(epsilon=5.0),
        UNDXCrossover(sigma_xi=2.0),
        VSBXCrossover(eta=0.0),
        SBXCrossover(eta=0.0),
    ],
    ids=str,
)
def test_children_stay_inside_the_bounds(crossover: BaseCrossover) -> None:
    # Wide operators near the bounds overshoot often; children must still be valid values.
    def objective(trial: BaseTrial) -> float:
        x = trial.suggest_float("x", 0, 1)
        n = trial.suggest_int("n", -3, 3)
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        s = trial.suggest_float("s", 0, 1, step=0.1)
        return (x - 1) ** 2 + n + lr + s

    study = parzen.create_study(
        sampler=NSGAIISampler(population_size=6, crossover=crossover, mutation_prob=0.0, seed=0)
    )
    study.optimize(objective, n_trials=60)
    for trial in study.trials:
        assert 0 <= trial.params["x"] <= 1
        assert type(trial.params["n"]) is int and -3 <= trial.params["n"] <= 3
        assert 1e-4 <= trial.params["lr"] <= 1e-1
        assert round(trial.params["s"] * 10) == pytest.approx(trial.params["s"] * 10)


def test_mutation_prob_one_without_mutation_resamples_everything() -> None:
    sampler = NSGAIISampler(population_size=4, mutation_prob=1.0, seed=0)
    study = parzen.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=6)
    trial = study.ask()
    assert trial.relative_params == {}


def test_polynomial_mutation_keeps_values_in_bounds() -> None:
    sampler = NSGAIISampler(
        population_size=4, mutation=PolynomialMutation(eta=0.0), mutation_prob=1.0, seed=0
    )
    study = parzen.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_float("x", -2, 2) + t.suggest_int("k", 0, 5), n_trials=40)
    for t in study.trials:
        assert -2 <= t.params["x"] <= 2 and 0 <= t.params["k"] <= 5
    # Every parameter is mutated by the operator, none left to the random sampler.
    assert set(study.ask().relative_params) == {"k", "x"}


def test_custom_strategies_are_used() -> None:
    calls: dict[str, int] = {"elite": 0, "child": 0, "after": 0}

    def elite(study: parzen.Study, population: list[Any]) -> list[Any]:
        calls["elite"] += 1
        return sorted(population, key=lambda t: t.value)[:2]

    def child(study: parzen.Study, space: dict[str, Any], parents: list[Any]) -> dict[str, Any]:
        calls["child"] += 1
        return {"x": parents[0].params["x"]}

    def after(study: parzen.Study, trial: Any, state: TrialState, values: Any) -> None:
        calls["after"] += 1

    sampler = NSGAIISampler(
        population_size=3,
        elite_population_selection_strategy=elite,
        child_generation_strategy=child,
        after_trial_strategy=after,
        seed=0,
    )
    study = parzen.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=7)
    assert calls == {"elite": 2, "child": 4, "after": 7}
    best_of_first = min(study.trials[:3], key=lambda t: t.value)
    assert study.trials[3].params["x"] == best_of_first.params["x"]


# -- NSGA-III ------------------------------------------------------------------------------------


def test_nsga3_reference_points_spread_a_three_objective_front() -> None:
    def objective(trial: BaseTrial) -> tuple[float, float, float]:
        x = [trial.suggest_float(f"x{i}", 0, 1) for i in range(4)]
        g = sum((xi - 0.5) ** 2 for xi in x[2:])
        return (
            (1 + g) * x[0] * x[1],
            (1 + g) * x[0] * (1 - x[1]),
            (1 + g) * (1 - x[0]),
        )

    sampler = NSGAIIISampler(population_size=15, dividing_parameter=4, seed=0)
    study = parzen.create_study(directions=["minimize"] * 3, sampler=sampler)
    study.optimize(objective, n_trials=300)
    front = np.array([t.values for t in study.best_trials])
    # The front covers each objective's range rather than collapsing to a corner.
    assert np.all(front.min(axis=0) < 0.2) and np.all(front.max(axis=0) > 0.6)


def test_nsga3_user_reference_points_with_wrong_shape_is_an_error() -> None:
    sampler = NSGAIIISampler(population_size=3, reference_points=np.ones((2, 3)), seed=0)
    study = parzen.create_study(directions=["minimize", "minimize"], sampler=sampler)
    with pytest.raises(ValueError, match="reference_points"):
        study.optimize(_zdt1(3), n_trials=7)


# -- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"population_size": 1}, "population_size"),
        ({"population_size": 0}, "population_size"),
        ({"population_size": 2.0}, "population_size"),
        ({"crossover_prob": 1.5}, "crossover_prob"),
        ({"crossover_prob": -0.1}, "crossover_prob"),
        ({"swapping_prob": 2}, "swapping_prob"),
        ({"mutation_prob": -1}, "mutation_prob"),
        ({"crossover": "sbx"}, "crossover"),
        ({"mutation": "polynomial"}, "mutation"),
        ({"population_size": 2, "crossover": UNDXCrossover()}, "3 parents"),
        ({"population_size": 2, "crossover": SPXCrossover()}, "3 parents"),
    ],
)
def test_bad_arguments_are_rejected(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        NSGAIISampler(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"dividing_parameter": 0}, "dividing_parameter"),
        ({"reference_points": np.ones(3)}, "reference_points"),
        ({"reference_points": np.array([[np.nan, 1.0]])}, "reference_points"),
    ],
)
def test_bad_nsga3_arguments_are_rejected(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        NSGAIIISampler(**kwargs)


@pytest.mark.parametrize(
    ("factory", "match"),
    [
        (lambda: UniformCrossover(swapping_prob=1.5), "swapping_prob"),
        (lambda: BLXAlphaCrossover(alpha=-1), "alpha"),
        (lambda: SPXCrossover(epsilon=0), "epsilon"),
        (lambda: SBXCrossover(uniform_crossover_prob=2), "uniform_crossover_prob"),
        (lambda: VSBXCrossover(use_child_gene_prob=0.0), "use_child_gene_prob"),
        (lambda: UNDXCrossover(sigma_xi=-1), "sigma_xi"),
        (lambda: PolynomialMutation(eta=-1), "eta"),
    ],
)
def test_bad_operator_arguments_are_rejected(factory: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        factory()


def test_search_space_with_single_and_dynamic_parameters() -> None:
    def objective(trial: BaseTrial) -> float:
        x = trial.suggest_float("x", -1, 1)
        trial.suggest_float("fixed", 2.0, 2.0)
        if trial.number % 2:
            return x**2 + trial.suggest_float("extra", 0, 1)
        return x**2

    sampler = NSGAIISampler(population_size=4, seed=0)
    study = parzen.create_study(sampler=sampler)
    study.optimize(objective, n_trials=12)
    trial = study.ask()
    assert trial.relative_search_space == {"x": FloatDistribution(-1, 1)}
