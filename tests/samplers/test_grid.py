from __future__ import annotations

import itertools
import json
import logging
import pickle
from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import parzen
from parzen.samplers._grid import GridSampler
from parzen.trial import Trial, TrialState


@pytest.fixture(autouse=True)
def _propagate_logs() -> Iterator[None]:
    parzen.logging.enable_propagation()
    yield
    parzen.logging.disable_propagation()


def _xy(trial: Trial) -> float:
    x = trial.suggest_float("x", -100, 100)
    y = trial.suggest_int("y", -100, 100)
    return x**2 + y**2


def _points(study: parzen.study.Study) -> list[tuple[Any, ...]]:
    return [tuple(sorted(t.params.items())) for t in study.trials]


def test_every_combination_once_then_stops() -> None:
    search_space = {"x": [-50, 0, 50], "y": [-99, 0, 99]}
    study = parzen.create_study(sampler=GridSampler(search_space))
    study.optimize(_xy)  # no n_trials: the sampler stops the study
    expected = {(("x", float(x)), ("y", y)) for x, y in itertools.product(*search_space.values())}
    assert sorted(_points(study)) == sorted(expected)


def test_seed_fixes_the_order() -> None:
    space = {"x": list(range(10)), "y": [0, 1, 2]}
    orders = []
    for seed in (1, 1, 2):
        study = parzen.create_study(sampler=GridSampler(space, seed=seed))
        study.optimize(_xy, n_trials=10)
        orders.append(_points(study))
    assert orders[0] == orders[1]
    assert orders[0] != orders[2]


def test_two_threads_cover_the_grid_without_waste() -> None:
    space = {"x": list(range(20)), "y": [-1, 0, 1]}
    study = parzen.create_study(sampler=GridSampler(space, seed=0))
    study.optimize(_xy, n_jobs=2)
    counts = Counter(_points(study))
    assert len(counts) == 60
    # The study stops once every point is finished or running; a trial that another thread
    # started in that instant may repeat a point, nothing more.
    assert len(study.trials) <= 61


def test_concurrent_claim_of_the_same_point_is_resolved() -> None:
    """Two workers with one seed pick the same point; the one that sees the other moves on."""
    space = {"x": list(range(6)), "y": [0, 1]}
    study = parzen.create_study(sampler=GridSampler(space, seed=3))
    first = study.ask()

    other = GridSampler(space, seed=3)
    claims = other._claims
    reads = []

    def claims_read_before_the_first_claim(*args: Any, **kwargs: Any) -> set[int]:
        # The first read misses the first worker's claim, as if both had read at once.
        reads.append(args)
        return set() if len(reads) == 1 else claims(*args, **kwargs)

    other._claims = claims_read_before_the_first_claim
    second_study = parzen.load_study(study_name=study.study_name, storage=study._storage)
    second_study.sampler = other
    second = second_study.ask()
    grid_ids = [
        study._storage.get_trial_system_attrs(t._trial_id)["grid_id"] for t in (first, second)
    ]
    assert grid_ids[0] != grid_ids[1]
    assert len(reads) >= 3  # stale read, check that found the conflict, read for the re-pick
    assert _xy(first) is not None and _xy(second) is not None
    assert first.params != second.params


def test_exhausted_grid_is_evaluated_again_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    study = parzen.create_study(sampler=GridSampler({"x": [0, 1], "y": [5]}))
    study.optimize(_xy)
    assert len(study.trials) == 2
    with caplog.at_level(logging.WARNING, logger="parzen"):
        study.optimize(_xy, n_trials=3)
    # The re-run stops after its first trial: the grid is still exhausted.
    assert len(study.trials) == 3
    assert study.trials[2].params in (t.params for t in study.trials[:2])
    assert "grid has been exhausted" in caplog.text


def test_ask_and_tell_past_the_end_of_the_grid() -> None:
    sampler = GridSampler({"x": [0.0, 0.5, 1.0]})
    study = parzen.create_study(sampler=sampler)
    seen = []
    exhausted = []
    for _ in range(4):
        trial = study.ask()
        seen.append(trial.suggest_float("x", 0, 1))
        # Unlike Optuna, tell does not raise when the grid is exhausted outside optimize();
        # the loop asks the sampler instead.
        study.tell(trial, seen[-1])
        exhausted.append(sampler.is_exhausted(study))
    assert exhausted == [False, False, True, True]
    assert sorted(seen[:3]) == [0.0, 0.5, 1.0]
    assert seen[3] in seen[:3]


def test_grid_point_is_stored_as_json_system_attrs() -> None:
    space = {"x": [0.5, 1], "kind": ["a", None, True]}
    study = parzen.create_study(sampler=GridSampler(space))
    study.optimize(
        lambda t: (
            t.suggest_float("x", 0, 1) + (t.suggest_categorical("kind", ["a", None, True]) is None)
        )
    )
    assert len(study.trials) == 6
    for trial in study.trials:
        attrs = trial.system_attrs
        assert json.loads(json.dumps(attrs["search_space"])) == {
            "kind": ["a", None, True],
            "x": [0.5, 1],
        }
        assert 0 <= attrs["grid_id"] < 6
    assert {type(t.params["kind"]) for t in study.trials} == {str, type(None), bool}


def test_value_outside_the_distribution_warns_and_is_used() -> None:
    study = parzen.create_study(sampler=GridSampler({"x": [10.0]}))
    with pytest.warns(UserWarning, match="out of the range"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert study.trials[0].params == {"x": 10.0}


def test_parameter_missing_from_the_grid_is_an_error() -> None:
    study = parzen.create_study(sampler=GridSampler({"x": [0]}))
    with pytest.raises(ValueError, match=r"'y'.*not in the grid.*\['x'\]"):
        study.optimize(lambda t: t.suggest_float("y", 0, 1), n_trials=1)
    assert study.trials[0].state == TrialState.FAIL


def test_categorical_grid_value_must_be_a_choice() -> None:
    study = parzen.create_study(sampler=GridSampler({"c": ["d"]}))
    with pytest.raises(ValueError, match=r"grid value 'd' of 'c'.*choices \['a', 'b'\]"):
        study.optimize(lambda t: t.suggest_categorical("c", ["a", "b"]), n_trials=1)


@pytest.mark.parametrize(
    ("search_space", "error", "match"),
    [
        ({"x": 1}, TypeError, r"candidates of 'x' must be a list.*got 1"),
        ({"x": "abc"}, TypeError, r"candidates of 'x' must be a list.*got 'abc'"),
        ({"x": []}, ValueError, r"candidates of 'x' are an empty list"),
        ({"x": [object()]}, ValueError, r"None, bool, int, float or str.*stored as JSON"),
        ({1: [0]}, TypeError, r"parameter names must be strings"),
        ([("x", [0])], TypeError, r"search_space must be a dict"),
    ],
)
def test_bad_grids_are_rejected(search_space: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        GridSampler(search_space)


def test_repeated_values_are_grid_points_of_their_own_and_numpy_arrays_work() -> None:
    # As in Optuna: the grid is the product of the lists as given, so a repeated value is
    # evaluated once per copy (here 3 x 3 = 9 trials, not 2 x 2).
    sampler = GridSampler({"x": np.array([0.0, 0.5, 0.5]), "n": [1, 1, np.int64(2)]})
    study = parzen.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_int("n", 0, 3))
    assert sorted(_points(study)) == sorted(
        (("n", n), ("x", x)) for n, x in itertools.product([1, 1, 2], [0.0, 0.5, 0.5])
    )
    assert sorted(t.system_attrs["grid_id"] for t in study.trials) == list(range(9))


def test_an_enqueued_repeated_value_takes_one_of_its_copies() -> None:
    study = parzen.create_study(sampler=GridSampler({"x": [0, 0, 1]}))
    study.enqueue_trial({"x": 0})
    study.optimize(lambda t: t.suggest_categorical("x", [0, 1]))
    assert sorted(t.params["x"] for t in study.trials) == [0, 0, 1]


def test_empty_search_space_is_one_point() -> None:
    study = parzen.create_study(sampler=GridSampler({}))
    study.optimize(lambda t: 1.0)
    assert len(study.trials) == 1


def test_conditional_objective_visits_every_grid_point() -> None:
    space = {"kind": ["a", "b"], "x": [1, 2, 3]}

    def objective(trial: Trial) -> float:
        if trial.suggest_categorical("kind", ["a", "b"]) == "a":
            return float(trial.suggest_int("x", 0, 5))
        return 0.0

    study = parzen.create_study(sampler=GridSampler(space))
    study.optimize(objective)
    # Points differing only in an unused parameter are still distinct grid points.
    assert len(study.trials) == 6
    assert sorted(t.system_attrs["grid_id"] for t in study.trials) == list(range(6))


def test_fully_enqueued_grid_point_counts_as_visited() -> None:
    study = parzen.create_study(sampler=GridSampler({"x": [0, 1], "y": [7, 8]}))
    study.enqueue_trial({"x": 1, "y": 8})
    study.optimize(_xy)
    assert len(study.trials) == 4
    assert study.trials[0].params == {"x": 1.0, "y": 8}
    assert len(set(_points(study))) == 4


def test_partially_enqueued_trial_takes_a_matching_grid_point() -> None:
    study = parzen.create_study(sampler=GridSampler({"x": [0, 1], "y": [7, 8]}, seed=0))
    study.enqueue_trial({"y": 8})
    study.enqueue_trial({"y": 8})
    study.optimize(_xy)
    assert [t.params["y"] for t in study.trials[:2]] == [8, 8]
    assert study.trials[0].params != study.trials[1].params
    assert len(study.trials) == 4


def test_enqueued_value_off_the_grid_is_an_error_for_the_other_parameters() -> None:
    study = parzen.create_study(sampler=GridSampler({"x": [0, 1], "y": [7, 8]}))
    study.enqueue_trial({"y": 9})
    with pytest.raises(ValueError, match=r"enqueued with \{'y': 9\}.*not in the grid"):
        study.optimize(_xy, n_trials=1)


def test_grids_of_two_samplers_in_one_study_are_kept_apart() -> None:
    study = parzen.create_study(sampler=GridSampler({"x": [0, 1], "y": [0]}))
    study.optimize(_xy)
    study.sampler = GridSampler({"x": [2, 3], "y": [0]})
    study.optimize(_xy)
    assert sorted(t.params["x"] for t in study.trials) == [0, 1, 2, 3]


def test_pickled_sampler_continues_the_grid() -> None:
    study = parzen.create_study(sampler=GridSampler({"x": list(range(5)), "y": [0]}, seed=1))
    study.optimize(_xy, n_trials=2)
    study.sampler = pickle.loads(pickle.dumps(study.sampler))
    study.optimize(_xy)
    assert len(study.trials) == 5
    assert len(set(_points(study))) == 5


def test_sqlite_storage_round_trip(tmp_path: Any) -> None:
    storage = f"sqlite:///{tmp_path / 'grid.db'}"
    space = {"x": [0.25, 0.75], "c": ["u", None]}

    def objective(trial: Trial) -> float:
        return trial.suggest_float("x", 0, 1) + (
            trial.suggest_categorical("c", ["u", None]) is None
        )

    study = parzen.create_study(storage=storage, sampler=GridSampler(space), study_name="g")
    study.optimize(objective, n_trials=2)
    # Another worker resumes from the storage: it must see the JSON-stored grid points.
    resumed = parzen.load_study(study_name="g", storage=storage, sampler=GridSampler(space))
    resumed.optimize(objective)
    assert len(resumed.trials) == 4
    assert len(set(_points(resumed))) == 4
