from __future__ import annotations

import itertools
import pickle
from collections import Counter
from typing import Any

import pytest

import parzen
from parzen.distributions import IntDistribution
from parzen.exceptions import TrialPruned
from parzen.samplers import _brute_force as brute_force_module
from parzen.samplers._brute_force import BruteForceSampler
from parzen.trial import Trial, TrialState, create_trial


def _conditional(trial: Trial) -> float:
    c = trial.suggest_categorical("c", ["float", "int"])
    if c == "float":
        return trial.suggest_float("x", 1, 3, step=0.5)
    a = trial.suggest_int("a", 1, 3)
    b = trial.suggest_int("b", a, 3)
    return a + b


_CONDITIONAL_LEAVES = {(("c", "float"), ("x", x)) for x in (1.0, 1.5, 2.0, 2.5, 3.0)} | {
    (("c", "int"), ("a", a), ("b", b)) for a in (1, 2, 3) for b in (1, 2, 3) if a <= b
}


def _points(study: parzen.study.Study) -> list[tuple[Any, ...]]:
    return [tuple(t.params.items()) for t in study.trials]


def _flat(trial: Trial) -> float:
    a = trial.suggest_int("a", 0, 9)
    b = trial.suggest_int("b", 0, 1)
    return a + b


def test_conditional_space_is_enumerated_once_then_stops() -> None:
    study = parzen.create_study(sampler=BruteForceSampler(seed=0))
    study.optimize(_conditional)
    assert len(study.trials) == len(_CONDITIONAL_LEAVES)
    assert set(_points(study)) == _CONDITIONAL_LEAVES


def test_every_finite_distribution_is_enumerated() -> None:
    def objective(trial: Trial) -> float:
        trial.suggest_int("log", 1, 8, log=True)  # 1..8
        trial.suggest_int("step", 0, 10, step=5)  # 0, 5, 10
        trial.suggest_float("f", 0.1, 0.7, step=0.2)  # 0.1, 0.3, 0.5, 0.7
        trial.suggest_float("single", 0.5, 0.5)  # continuous, but one value
        trial.suggest_categorical("c", [None, True, "s"])
        return 0.0

    study = parzen.create_study(sampler=BruteForceSampler(seed=1))
    study.optimize(objective)
    values = {tuple(t.params.values()) for t in study.trials}
    expected = set(
        itertools.product(range(1, 9), [0, 5, 10], [0.1, 0.3, 0.5, 0.7], [0.5], [None, True, "s"])
    )
    assert len(study.trials) == len(expected) == 8 * 3 * 4 * 3
    assert values == expected


def test_continuous_float_is_an_error() -> None:
    study = parzen.create_study(sampler=BruteForceSampler())
    with pytest.raises(ValueError, match=r"'x' is continuous.*Give it a step.*step=\.\.\."):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert study.trials[0].state == TrialState.FAIL


def test_seed_fixes_the_order() -> None:
    orders = []
    for seed in (5, 5, 6):
        study = parzen.create_study(sampler=BruteForceSampler(seed=seed))
        study.optimize(_conditional, n_trials=6)
        orders.append(_points(study))
    assert orders[0] == orders[1]
    assert orders[0] != orders[2]


@pytest.mark.parametrize("avoid_premature_stop", [False, True])
def test_two_threads_cover_the_space(avoid_premature_stop: bool) -> None:
    sampler = BruteForceSampler(avoid_premature_stop=avoid_premature_stop)
    study = parzen.create_study(sampler=sampler)
    study.optimize(_flat, n_jobs=2)
    counts = Counter(_points(study))
    assert len(counts) == 20
    # Workers may repeat a combination only at the very end, while the last ones run.
    assert len(study.trials) <= 22


def test_failed_and_pruned_trials_count_as_explored() -> None:
    def objective(trial: Trial) -> float:
        a = trial.suggest_int("a", 0, 5)
        if a == 1:
            raise TrialPruned()
        if a == 2:
            raise RuntimeError("fails on purpose")
        if a == 3:
            return float("nan")
        return float(a)

    study = parzen.create_study(sampler=BruteForceSampler())
    study.optimize(objective, catch=(RuntimeError,))
    assert sorted(t.params["a"] for t in study.trials) == [0, 1, 2, 3, 4, 5]
    states = Counter(t.state for t in study.trials)
    assert states == {TrialState.COMPLETE: 3, TrialState.PRUNED: 1, TrialState.FAIL: 2}


def test_enqueued_trials_count_and_values_off_the_grid_are_ignored() -> None:
    study = parzen.create_study(sampler=BruteForceSampler())
    study.enqueue_trial({"a": 2})
    with pytest.warns(UserWarning):
        study.enqueue_trial({"a": 7})  # outside 0..3: used as given, on no branch
        study.optimize(lambda t: t.suggest_int("a", 0, 3))
    assert [t.params["a"] for t in study.trials[:2]] == [2, 7]
    assert sorted(t.params["a"] for t in study.trials[2:]) == [0, 1, 3]


def test_added_trials_are_part_of_the_tree() -> None:
    study = parzen.create_study(sampler=BruteForceSampler())
    for a in (0, 2):
        study.add_trial(
            create_trial(params={"a": a}, distributions={"a": IntDistribution(0, 3)}, value=0.0)
        )
    study.optimize(lambda t: t.suggest_int("a", 0, 3))
    assert [t.params["a"] for t in study.trials[:2]] == [0, 2]
    assert sorted(t.params["a"] for t in study.trials[2:]) == [1, 3]


def test_exhausted_study_repeats_one_combination_per_optimize() -> None:
    study = parzen.create_study(sampler=BruteForceSampler())
    study.optimize(lambda t: t.suggest_int("a", 0, 2))
    study.optimize(lambda t: t.suggest_int("a", 0, 2), n_trials=5)
    assert len(study.trials) == 4
    assert study.trials[3].params["a"] in (0, 1, 2)


def test_ask_and_tell_past_the_end() -> None:
    study = parzen.create_study(sampler=BruteForceSampler())
    seen = []
    for _ in range(3):
        trial = study.ask()
        seen.append(trial.suggest_int("x", 0, 1))
        study.tell(trial, seen[-1])  # Optuna raises here once the space is exhausted
    assert sorted(seen[:2]) == [0, 1]
    assert seen[2] in (0, 1)


def test_widened_range_is_refused_and_the_study_keeps_its_trials() -> None:
    study = parzen.create_study(sampler=BruteForceSampler())
    study.optimize(lambda t: t.suggest_int("a", 0, 1))
    with pytest.raises(
        ValueError, match=r"search space changed.*'a'.*IntDistribution\(low=0, high=3"
    ):
        study.optimize(lambda t: t.suggest_int("a", 0, 3))
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE, TrialState.COMPLETE, TrialState.FAIL]


def _study_with_finished_pairs(
    pairs: list[tuple[int, int]], avoid_premature_stop: bool = False
) -> parzen.study.Study:
    sampler = BruteForceSampler(seed=0, avoid_premature_stop=avoid_premature_stop)
    study = parzen.create_study(sampler=sampler)
    distributions = {"a": IntDistribution(0, 1), "b": IntDistribution(0, 1)}
    for a, b in pairs:
        study.add_trial(
            create_trial(params={"a": a, "b": b}, distributions=distributions, value=0)
        )
    return study


def _pair(trial: Trial) -> float:
    return trial.suggest_int("a", 0, 1) + trial.suggest_int("b", 0, 1)


def test_running_trial_without_its_leaf_does_not_stop_the_study() -> None:
    study = _study_with_finished_pairs([(0, 0), (0, 1)])
    running = study.ask()
    assert running.suggest_int("a", 0, 1) == 1  # the only unexplored branch; b not chosen yet
    study.enqueue_trial({"a": 0, "b": 0})  # a repeat, so that a trial finishes meanwhile
    study.optimize(_pair, n_trials=5)
    # Below a=1 the running trial will explore one leaf of the two its siblings suggest: the
    # study goes on until both are covered.
    assert {(t.params["a"], t.params["b"]) for t in study.trials[4:]} == {(1, 0), (1, 1)}


@pytest.mark.parametrize(("avoid_premature_stop", "n_new"), [(False, 1), (True, 2)])
def test_running_trial_on_the_last_leaf_counts_unless_strict(
    avoid_premature_stop: bool, n_new: int
) -> None:
    study = _study_with_finished_pairs([(0, 0), (0, 1), (1, 0)], avoid_premature_stop)
    running = study.ask()
    assert running.suggest_int("a", 0, 1) == 1  # heading for (1, 1), the last leaf
    study.enqueue_trial({"a": 0, "b": 0})
    study.optimize(_pair, n_trials=5)
    # By default the running trial is trusted to finish the last leaf; strictly, another
    # trial evaluates it too.
    assert len(study.trials) == 4 + n_new  # 3 added, the running one, then n_new


def test_concurrent_pick_of_the_same_branch_is_resolved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two workers with one seed pick the same value; the one that sees the other moves on."""
    study = parzen.create_study(sampler=BruteForceSampler(seed=4))
    first = study.ask()
    first_a = first.suggest_int("a", 0, 9)

    reads = []
    running_paths = brute_force_module._running_paths

    def read_before_the_first_pick(*args: Any) -> Any:
        # The first read misses the first worker's pick, as if both had read at once.
        reads.append(args)
        return [] if len(reads) == 1 else running_paths(*args)

    monkeypatch.setattr(brute_force_module, "_running_paths", read_before_the_first_pick)
    other = parzen.load_study(study_name=study.study_name, storage=study._storage)
    other.sampler = BruteForceSampler(seed=4)
    second_a = other.ask().suggest_int("a", 0, 9)
    assert len(reads) >= 3  # stale read, the check that found the conflict, the re-pick
    assert second_a != first_a


def test_pickled_sampler_continues() -> None:
    study = parzen.create_study(sampler=BruteForceSampler(seed=2))
    study.optimize(_conditional, n_trials=4)
    study.sampler = pickle.loads(pickle.dumps(study.sampler))
    study.optimize(_conditional)
    assert set(_points(study)) == _CONDITIONAL_LEAVES
    assert len(study.trials) == len(_CONDITIONAL_LEAVES)


def test_repr() -> None:
    assert repr(BruteForceSampler(seed=3)) == (
        "BruteForceSampler(seed=3, avoid_premature_stop=False)"
    )
