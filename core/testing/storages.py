"""A conformance suite for storages: subclass it in a test module and provide ``storage``.

Every storage must pass it unchanged; it pins the contract that ``BaseStorage`` documents.

Example::

    import pytest
    from parzen.storages import InMemoryStorage
    from parzen.testing.storages import StorageConformance

    class TestInMemory(StorageConformance):
        @pytest.fixture
        def storage(self):
            return InMemoryStorage()
"""

from __future__ import annotations

import math
import threading
from typing import Any

import pytest

from parzen.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from parzen.exceptions import DuplicatedStudyError, UpdateFinishedTrialError
from parzen.storages import BaseStorage
from parzen.study import StudyDirection
from parzen.trial import FrozenTrial, TrialState, create_trial

MIN = [StudyDirection.MINIMIZE]
EXACT_FLOATS = [0.1 + 0.2, 1e-308, 5e-324, 1.7976931348623157e308, -0.0, 1 / 3, 123456789.123]


class StorageConformance:
    """The behaviour every storage shares. Override the ``storage`` fixture."""

    @pytest.fixture
    def storage(self) -> BaseStorage:
        raise NotImplementedError("Override the storage fixture to return a fresh storage.")

    # -- studies ----------------------------------------------------------------------------

    def test_study_name_and_id_round_trip(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN, "conformance-a")
        assert storage.get_study_id_from_name("conformance-a") == study_id
        assert storage.get_study_name_from_id(study_id) == "conformance-a"

    def test_generated_study_names_are_unique(self, storage: BaseStorage) -> None:
        ids = {storage.create_new_study(MIN) for _ in range(3)}
        names = {storage.get_study_name_from_id(i) for i in ids}
        assert len(ids) == len(names) == 3

    def test_duplicate_study_name_raises_and_keeps_the_first(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN, "conformance-dup")
        storage.create_new_trial(study_id)
        with pytest.raises(DuplicatedStudyError):
            storage.create_new_study([StudyDirection.MAXIMIZE], "conformance-dup")
        assert storage.get_study_directions(study_id) == MIN
        assert len(storage.get_all_trials(study_id)) == 1

    def test_unknown_study_name_raises_key_error(self, storage: BaseStorage) -> None:
        with pytest.raises(KeyError):
            storage.get_study_id_from_name("conformance-no-such-study")

    def test_directions_round_trip(self, storage: BaseStorage) -> None:
        directions = [StudyDirection.MAXIMIZE, StudyDirection.MINIMIZE, StudyDirection.MAXIMIZE]
        study_id = storage.create_new_study(directions, "conformance-directions")
        assert storage.get_study_directions(study_id) == directions

    def test_study_attrs_round_trip_json(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN, "conformance-attrs")
        value: Any = {"a": [1, 2.5, None, True, "x"], "b": {"c": "d"}}
        storage.set_study_user_attr(study_id, "u", value)
        storage.set_study_system_attr(study_id, "s", [1, 2])
        storage.set_study_user_attr(study_id, "u2", "overwritten")
        storage.set_study_user_attr(study_id, "u2", "final")
        assert storage.get_study_user_attrs(study_id) == {"u": value, "u2": "final"}
        assert storage.get_study_system_attrs(study_id) == {"s": [1, 2]}

    def test_delete_study_removes_it_and_only_it(self, storage: BaseStorage) -> None:
        keep = storage.create_new_study(MIN, "conformance-keep")
        gone = storage.create_new_study(MIN, "conformance-gone")
        storage.create_new_trial(keep)
        storage.create_new_trial(gone)
        storage.delete_study(gone)
        with pytest.raises(KeyError):
            storage.get_study_id_from_name("conformance-gone")
        assert [s.study_name for s in storage.get_all_studies()] == ["conformance-keep"]
        assert len(storage.get_all_trials(keep)) == 1

    def test_get_all_studies(self, storage: BaseStorage) -> None:
        storage.create_new_study(MIN, "conformance-s1")
        storage.create_new_study([StudyDirection.MAXIMIZE] * 2, "conformance-s2")
        studies = {s.study_name: s for s in storage.get_all_studies()}
        assert set(studies) == {"conformance-s1", "conformance-s2"}
        assert studies["conformance-s2"].directions == [StudyDirection.MAXIMIZE] * 2

    # -- trials -----------------------------------------------------------------------------

    def test_new_trials_are_running_and_numbered_densely(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN, "conformance-numbers")
        other_id = storage.create_new_study(MIN, "conformance-numbers-other")
        ids = [storage.create_new_trial(study_id) for _ in range(3)]
        storage.create_new_trial(other_id)
        trials = [storage.get_trial(i) for i in ids]
        assert [t.number for t in trials] == [0, 1, 2]
        assert all(t.state == TrialState.RUNNING for t in trials)
        assert all(t.datetime_start is not None for t in trials)
        assert storage.get_trial_id_from_study_id_trial_number(study_id, 2) == ids[2]
        assert storage.get_trial_number_from_id(ids[1]) == 1

    def test_template_trial_is_stored_whole(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN, "conformance-template")
        template = create_trial(
            value=2.5,
            params={"x": 0.5, "n": 3, "c": "b"},
            distributions={
                "x": FloatDistribution(0, 1),
                "n": IntDistribution(1, 5),
                "c": CategoricalDistribution(["a", "b"]),
            },
            user_attrs={"u": [1, 2]},
            system_attrs={"s": {"k": "v"}},
            intermediate_values={0: 3.0, 4: 2.5},
        )
        trial = storage.get_trial(storage.create_new_trial(study_id, template_trial=template))
        assert trial.state == TrialState.COMPLETE
        assert trial.values == [2.5]
        assert trial.params == {"x": 0.5, "n": 3, "c": "b"}
        assert trial.distributions == template.distributions
        assert trial.user_attrs == {"u": [1, 2]}
        assert trial.system_attrs == {"s": {"k": "v"}}
        assert trial.intermediate_values == {0: 3.0, 4: 2.5}
        assert trial.datetime_complete is not None

    def test_params_round_trip(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN, "conformance-params")
        trial_id = storage.create_new_trial(study_id)
        storage.set_trial_param(trial_id, "x", 0.1 + 0.2, FloatDistribution(0, 1))
        storage.set_trial_param(trial_id, "lr", 1e-5, FloatDistribution(1e-6, 1, log=True))
        storage.set_trial_param(trial_id, "n", 7.0, IntDistribution(0, 10))
        storage.set_trial_param(trial_id, "opt", 1.0, CategoricalDistribution(["adam", None]))
        trial = storage.get_trial(trial_id)
        assert trial.params == {"x": 0.1 + 0.2, "lr": 1e-5, "n": 7, "opt": None}
        assert isinstance(trial.params["n"], int)
        assert storage.get_trial_param(trial_id, "opt") == 1.0

    def test_params_keep_the_order_they_were_suggested_in(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN, "conformance-param-order")
        trial_id = storage.create_new_trial(study_id)
        names = ["zeta", "alpha", "mid", "beta"]
        for name in names:
            storage.set_trial_param(trial_id, name, 0.5, FloatDistribution(0, 1))
        assert list(storage.get_trial(trial_id).params) == names
        assert list(storage.get_trial(trial_id).distributions) == names
        storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [0.0])
        finished = storage.get_all_trials(study_id, deepcopy=False)[0]
        assert list(finished.params) == names

    def test_incompatible_distribution_for_a_known_name_raises(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN, "conformance-compat")
        first = storage.create_new_trial(study_id)
        storage.set_trial_param(first, "x", 0.5, FloatDistribution(0, 1))
        second = storage.create_new_trial(study_id)
        with pytest.raises(ValueError):
            storage.set_trial_param(second, "x", 0.0, CategoricalDistribution(["a"]))
        # A different range of the same kind is fine: define-by-run spaces change.
        storage.set_trial_param(second, "x", 5.0, FloatDistribution(0, 10))
        assert storage.get_trial(first).params == {"x": 0.5}

    def test_values_round_trip_exactly(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study([StudyDirection.MINIMIZE] * 9, "conformance-floats")
        trial_id = storage.create_new_trial(study_id)
        values = [*EXACT_FLOATS, math.inf, -math.inf]
        for step, value in enumerate(values):
            storage.set_trial_intermediate_value(trial_id, step, value)
        storage.set_trial_state_values(trial_id, TrialState.COMPLETE, values)
        trial = storage.get_trial(trial_id)
        assert trial.values == values
        assert [trial.intermediate_values[s] for s in range(len(values))] == values

    def test_nan_intermediate_value_round_trips(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN, "conformance-nan")
        trial_id = storage.create_new_trial(study_id)
        storage.set_trial_intermediate_value(trial_id, 0, math.nan)
        assert math.isnan(storage.get_trial(trial_id).intermediate_values[0])

    def test_attrs_round_trip(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN, "conformance-trial-attrs")
        trial_id = storage.create_new_trial(study_id)
        storage.set_trial_user_attr(trial_id, "u", {"nested": [1, "two", None]})
        storage.set_trial_system_attr(trial_id, "s", 1.5)
        storage.set_trial_system_attr(trial_id, "s", 2.5)
        trial = storage.get_trial(trial_id)
        assert trial.user_attrs == {"u": {"nested": [1, "two", None]}}
        assert trial.system_attrs == {"s": 2.5}

    @pytest.mark.parametrize("key", [123, None, ("a",), b"bytes"])
    def test_attr_keys_that_are_not_str_raise_type_error_and_store_nothing(
        self, storage: BaseStorage, key: Any
    ) -> None:
        study_id = storage.create_new_study(MIN, "conformance-attr-keys")
        trial_id = storage.create_new_trial(study_id)
        setters = [
            lambda: storage.set_study_user_attr(study_id, key, 1),
            lambda: storage.set_study_system_attr(study_id, key, 1),
            lambda: storage.set_trial_user_attr(trial_id, key, 1),
            lambda: storage.set_trial_system_attr(trial_id, key, 1),
        ]
        for setter in setters:
            with pytest.raises(TypeError, match="must be a str"):
                setter()
        template = create_trial(value=1.0, user_attrs={key: 1})
        with pytest.raises(TypeError, match="must be a str"):
            storage.create_new_trial(study_id, template_trial=template)
        assert storage.get_study_user_attrs(study_id) == {}
        assert storage.get_study_system_attrs(study_id) == {}
        assert [t.user_attrs for t in storage.get_all_trials(study_id)] == [{}]

    def test_names_with_nul_raise_value_error_and_store_nothing(
        self, storage: BaseStorage
    ) -> None:
        with pytest.raises(ValueError, match="NUL"):
            storage.create_new_study(MIN, "bad\x00name")
        study_id = storage.create_new_study(MIN, "conformance-nul")
        trial_id = storage.create_new_trial(study_id)
        with pytest.raises(ValueError, match="NUL"):
            storage.set_trial_param(trial_id, "x\x00", 0.5, FloatDistribution(0, 1))
        with pytest.raises(ValueError, match="NUL"):
            storage.set_trial_user_attr(trial_id, "k\x00", 1)
        with pytest.raises(ValueError, match="NUL"):
            storage.set_study_user_attr(study_id, "k\x00", 1)
        assert [s.study_name for s in storage.get_all_studies()] == ["conformance-nul"]
        assert storage.get_trial(trial_id).params == {}

    def test_finished_trials_are_immutable(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN, "conformance-immutable")
        trial_id = storage.create_new_trial(study_id)
        storage.set_trial_param(trial_id, "x", 0.5, FloatDistribution(0, 1))
        storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [1.0])
        before = storage.get_trial(trial_id)
        writes = [
            lambda: storage.set_trial_param(trial_id, "y", 0.5, FloatDistribution(0, 1)),
            lambda: storage.set_trial_intermediate_value(trial_id, 0, 1.0),
            lambda: storage.set_trial_user_attr(trial_id, "k", 1),
            lambda: storage.set_trial_system_attr(trial_id, "k", 1),
            lambda: storage.set_trial_state_values(trial_id, TrialState.FAIL),
        ]
        for write in writes:
            with pytest.raises(UpdateFinishedTrialError):
                write()
        after = storage.get_trial(trial_id)
        assert (after.params, after.values, after.state) == (before.params, [1.0], before.state)

    def test_waiting_trial_is_taken_by_one_worker_only(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN, "conformance-waiting")
        waiting = create_trial(state=TrialState.WAITING, system_attrs={"fixed_params": {"x": 1}})
        trial_id = storage.create_new_trial(study_id, template_trial=waiting)
        assert storage.get_trial(trial_id).state == TrialState.WAITING
        assert storage.set_trial_state_values(trial_id, TrialState.RUNNING) is True
        assert storage.set_trial_state_values(trial_id, TrialState.RUNNING) is False
        trial = storage.get_trial(trial_id)
        assert trial.state == TrialState.RUNNING and trial.datetime_start is not None

    def test_get_all_trials_filters_by_state_and_orders_by_number(
        self, storage: BaseStorage
    ) -> None:
        study_id = storage.create_new_study(MIN, "conformance-filter")
        ids = [storage.create_new_trial(study_id) for _ in range(4)]
        storage.set_trial_state_values(ids[2], TrialState.COMPLETE, [0.0])
        storage.set_trial_state_values(ids[0], TrialState.PRUNED)
        all_trials = storage.get_all_trials(study_id)
        assert [t.number for t in all_trials] == [0, 1, 2, 3]
        complete = storage.get_all_trials(study_id, states=(TrialState.COMPLETE,))
        assert [t.number for t in complete] == [2]
        assert storage.get_n_trials(study_id) == 4
        assert storage.get_n_trials(study_id, TrialState.RUNNING) == 2

    def test_get_all_trials_with_no_states_is_empty(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN, "conformance-no-states")
        storage.create_new_trial(study_id)
        storage.set_trial_state_values(
            storage.create_new_trial(study_id), TrialState.COMPLETE, [1.0]
        )
        assert storage.get_all_trials(study_id, states=()) == []
        assert storage.get_all_trials(study_id, deepcopy=False, states=()) == []

    def test_empty_study_name_is_a_name(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN, "")
        assert storage.get_study_name_from_id(study_id) == ""
        assert storage.get_study_id_from_name("") == study_id

    def test_enqueued_nan_is_skipped_when_it_exists(self, storage: BaseStorage) -> None:
        import parzen

        study = parzen.create_study(storage=storage, study_name="conformance-enqueue-nan")
        study.enqueue_trial({"x": math.nan}, skip_if_exists=True)
        study.enqueue_trial({"x": math.nan}, skip_if_exists=True)
        study.enqueue_trial({"x": 1.0}, skip_if_exists=True)
        study.enqueue_trial({"x": 1.0}, skip_if_exists=True)
        assert len(study.trials) == 2

    def test_tuple_choices_read_back_equal(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN, "conformance-tuple-choices")
        trial_id = storage.create_new_trial(study_id)
        with pytest.warns(UserWarning):
            layers = CategoricalDistribution([(64, 64), (128,), ((1, "a"), None)])
        storage.set_trial_param(trial_id, "layers", 2.0, layers)
        storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [0.0])
        trial = storage.get_all_trials(study_id)[0]
        assert trial.params == {"layers": ((1, "a"), None)}
        assert trial.distributions == {"layers": layers}

    def test_deepcopy_true_returns_independent_trials(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN, "conformance-copy")
        trial_id = storage.create_new_trial(study_id)
        storage.set_trial_user_attr(trial_id, "k", [1])
        copy = storage.get_all_trials(study_id, deepcopy=True)[0]
        copy.user_attrs["k"].append(2)
        copy.params["injected"] = 1
        assert storage.get_trial(trial_id).user_attrs == {"k": [1]}
        assert storage.get_trial(trial_id).params == {}

    def test_finished_trials_since_is_incremental_and_complete(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN, "conformance-since")
        ids = [storage.create_new_trial(study_id) for _ in range(4)]
        seen: dict[int, FrozenTrial] = {}

        def read(cursor: int) -> int:
            new, cursor = storage.get_finished_trials_since(study_id, cursor)
            for trial in new:
                assert trial.state.is_finished()
                seen[trial._trial_id] = trial
            return cursor

        cursor = read(0)
        assert seen == {}
        storage.set_trial_state_values(ids[3], TrialState.COMPLETE, [3.0])
        storage.set_trial_state_values(ids[1], TrialState.FAIL)
        cursor = read(cursor)
        assert set(seen) == {ids[3], ids[1]}
        storage.set_trial_state_values(ids[0], TrialState.PRUNED)
        read(cursor)
        assert set(seen) == {ids[3], ids[1], ids[0]}
        assert seen[ids[3]].values == [3.0]

    def test_best_trial(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study([StudyDirection.MAXIMIZE], "conformance-best")
        for value in (1.0, 3.0, 2.0):
            trial_id = storage.create_new_trial(study_id)
            storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [value])
        assert storage.get_best_trial(study_id).values == [3.0]

    def test_concurrent_trial_creation_numbers_unique_and_dense(
        self, storage: BaseStorage
    ) -> None:
        study_id = storage.create_new_study(MIN, "conformance-threads")
        errors: list[BaseException] = []

        def create() -> None:
            try:
                for _ in range(10):
                    trial_id = storage.create_new_trial(study_id)
                    storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [1.0])
            except BaseException as e:  # surfaced by the assertion below
                errors.append(e)

        threads = [threading.Thread(target=create) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        numbers = sorted(t.number for t in storage.get_all_trials(study_id))
        assert numbers == list(range(40))
