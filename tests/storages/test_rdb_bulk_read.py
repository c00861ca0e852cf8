"""The first read of a study is column-wise (one query per table); later reads are one statement.

Both must return the same trials: each test compares the bulk read of one storage object with
``get_trial`` on another, which reads each trial with the one-statement query.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterator
from typing import Any

import pytest

from parzen.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from parzen.exceptions import StorageInternalError
from parzen.storages._rdb import RDBStorage
from parzen.study import StudyDirection
from parzen.trial import FrozenTrial, TrialState

DIRECTIONS = [StudyDirection.MINIMIZE, StudyDirection.MAXIMIZE]
X = FloatDistribution(-1.0, 1.0)
N = IntDistribution(1, 9, step=2)
C = CategoricalDistribution([None, True, "a", 2.5])
START = datetime.datetime(2026, 1, 2, 3, 4, 5, 678901)


class _Counting(RDBStorage):
    """An RDBStorage that counts its bulk reads and its one-statement reads."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.bulk_reads = 0
        self.statement_reads = 0

    def _load_bulk(self, *args: Any, **kwargs: Any) -> Any:
        self.bulk_reads += 1
        return super()._load_bulk(*args, **kwargs)

    def _load(self, *args: Any, **kwargs: Any) -> Any:
        self.statement_reads += 1
        return super()._load(*args, **kwargs)


@pytest.fixture
def storages(url: str) -> Iterator[tuple[RDBStorage, _Counting, RDBStorage]]:
    """A writer, a reader whose first read is the bulk read, and a per-trial reader."""
    made = [RDBStorage(url), _Counting(url), RDBStorage(url)]
    yield made[0], made[1], made[2]  # type: ignore[misc]
    for storage in made:
        storage._db.dispose()


def _template(state: TrialState, **fields: Any) -> FrozenTrial:
    finished = state.is_finished()
    return FrozenTrial(
        number=0,
        state=state,
        value=None,
        values=fields.get("values"),
        datetime_start=START,
        datetime_complete=START + datetime.timedelta(seconds=1) if finished else None,
        params=fields.get("params", {}),
        distributions=fields.get("distributions", {}),
        user_attrs=fields.get("user_attrs", {}),
        system_attrs=fields.get("system_attrs", {}),
        intermediate_values=fields.get("intermediate_values", {}),
        trial_id=-1,
    )


def _fill(storage: RDBStorage) -> tuple[int, int]:
    """A study with trials of every kind; returns its id and the id of its running trial."""
    study_id = storage.create_new_study(DIRECTIONS, "bulk")
    storage.create_new_trial(
        study_id,
        _template(
            TrialState.COMPLETE,
            # Suggested in this order, which is not the order of the names.
            params={"x": 0.25, "c": None, "n": 7},
            distributions={"x": X, "c": C, "n": N},
            values=[-0.0, math.inf],
            intermediate_values={0: 1.5, 3: -math.inf, 7: math.nan},
            user_attrs={"nested": {"a": [1, 2, {"b": None}]}, "s": "text"},
            system_attrs={"k": [True, 1.25]},
        ),
    )
    storage.create_new_trial(
        study_id,
        _template(
            TrialState.PRUNED,
            params={"c": "a", "x": -1.0},
            distributions={"c": C, "x": X},
            values=[1.0, 2.0],
            intermediate_values={1: 0.5},
        ),
    )
    storage.create_new_trial(
        study_id, _template(TrialState.FAIL, params={"n": 1}, distributions={"n": N})
    )
    storage.create_new_trial(
        study_id, _template(TrialState.WAITING, params={"x": 0.5}, distributions={"x": X})
    )
    running = storage.create_new_trial(study_id)
    storage.set_trial_param(running, "n", 1.0, N)
    storage.set_trial_param(running, "c", 3.0, C)
    storage.set_trial_intermediate_value(running, 2, 0.125)
    storage.set_trial_user_attr(running, "u", {"v": 1})
    return study_id, running


def _per_trial(storage: RDBStorage, trials: list[FrozenTrial]) -> list[FrozenTrial]:
    return [storage.get_trial(t._trial_id) for t in trials]


def test_bulk_read_equals_the_per_trial_read(
    storages: tuple[RDBStorage, _Counting, RDBStorage],
) -> None:
    writer, reader, other = storages
    study_id, _ = _fill(writer)

    trials = reader.get_all_trials(study_id)

    assert reader.bulk_reads == 1 and reader.statement_reads == 0
    assert [t.state for t in trials] == [
        TrialState.COMPLETE,
        TrialState.PRUNED,
        TrialState.FAIL,
        TrialState.WAITING,
        TrialState.RUNNING,
    ]
    assert trials == _per_trial(other, trials)
    complete = trials[0]
    assert list(complete.params) == ["x", "c", "n"]  # the order they were suggested in
    assert complete.params == {"x": 0.25, "c": None, "n": 7}
    assert math.copysign(1.0, complete.values[0]) == -1.0 and complete.values[1] == math.inf
    assert math.isnan(complete.intermediate_values[7])
    assert complete.intermediate_values[3] == -math.inf
    assert complete.user_attrs == {"nested": {"a": [1, 2, {"b": None}]}, "s": "text"}
    assert complete.datetime_start == START
    assert list(trials[1].params) == ["c", "x"] and trials[1].values == [1.0, 2.0]
    assert trials[2].values is None and trials[2].params == {"n": 1}
    running = trials[4]
    assert running.params == {"n": 1, "c": 2.5} and running.intermediate_values == {2: 0.125}
    assert running.user_attrs == {"u": {"v": 1}} and running.values is None


def test_identical_distribution_texts_share_one_instance(
    storages: tuple[RDBStorage, _Counting, RDBStorage],
) -> None:
    writer, reader, _ = storages
    study_id, _ = _fill(writer)
    trials = reader.get_all_trials(study_id, deepcopy=False)
    assert trials[0].distributions["x"] is trials[1].distributions["x"]
    assert trials[0].distributions["c"] is trials[1].distributions["c"]


def test_bulk_read_fills_the_cache_of_finished_trials(
    storages: tuple[RDBStorage, _Counting, RDBStorage],
) -> None:
    writer, reader, _ = storages
    study_id, _ = _fill(writer)
    first = reader.get_all_trials(study_id, deepcopy=False)
    again = reader.get_all_trials(study_id, deepcopy=False)
    assert reader.bulk_reads == 1 and reader.statement_reads == 1  # only what changed since
    assert all(a is b for a, b in zip(first[:3], again[:3]))  # finished: the cached objects
    finished, cursor = reader.get_finished_trials_since(study_id, 0)
    assert [t.number for t in finished] == [0, 1, 2] and cursor == 3
    reads = reader.statement_reads
    assert reader.get_trial(first[0]._trial_id) == first[0]
    assert reader.statement_reads == reads  # a cached finished trial costs no query


def test_running_trials_that_change_after_the_bulk_read_are_read_again(
    storages: tuple[RDBStorage, _Counting, RDBStorage],
) -> None:
    writer, reader, other = storages
    study_id, running = _fill(writer)
    assert reader.get_all_trials(study_id)[4].state == TrialState.RUNNING

    writer.set_trial_param(running, "x", -0.5, X)
    writer.set_trial_intermediate_value(running, 3, 0.25)
    writer.set_trial_system_attr(running, "s", 1)
    writer.set_trial_state_values(running, TrialState.COMPLETE, [3.0, 4.0])
    waiting = reader.get_all_trials(study_id)[3]._trial_id
    writer.set_trial_state_values(waiting, TrialState.RUNNING)

    trials = reader.get_all_trials(study_id)
    assert reader.bulk_reads == 1
    assert trials == _per_trial(other, trials)
    done = trials[4]
    assert done.state == TrialState.COMPLETE and done.values == [3.0, 4.0]
    assert list(done.params) == ["n", "c", "x"]
    assert done.intermediate_values == {2: 0.125, 3: 0.25} and done.system_attrs == {"s": 1}
    assert trials[3].state == TrialState.RUNNING
    new, _ = reader.get_finished_trials_since(study_id, 3)
    assert [t.number for t in new] == [4]


def test_bulk_read_of_finished_trials_only(
    storages: tuple[RDBStorage, _Counting, RDBStorage],
) -> None:
    writer, reader, _ = storages
    study_id, _ = _fill(writer)
    finished, cursor = reader.get_finished_trials_since(study_id, 0)
    assert reader.bulk_reads == 1
    assert [t.state for t in finished] == [TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL]
    assert cursor == 3
    assert [t.number for t in reader.get_all_trials(study_id)] == [0, 1, 2, 3, 4]


def test_bulk_read_of_an_empty_or_missing_study(
    storages: tuple[RDBStorage, _Counting, RDBStorage],
) -> None:
    writer, reader, _ = storages
    study_id = writer.create_new_study(DIRECTIONS, "empty")
    assert reader.get_all_trials(study_id) == []
    with pytest.raises(KeyError):
        reader.get_all_trials(study_id + 1000)
    assert reader.bulk_reads == 2


def test_bulk_read_reports_a_damaged_distribution(
    storages: tuple[RDBStorage, _Counting, RDBStorage],
) -> None:
    import sqlalchemy as sa

    from parzen.storages._rdb import models

    writer, reader, _ = storages
    study_id, _ = _fill(writer)
    p = models.trial_params
    writer._db.auto(
        lambda conn: conn.execute(
            sa.update(p).where(p.c.param_name == "n").values(distribution_json="{broken")
        )
    )
    with pytest.raises(StorageInternalError, match=f"parameter 'n'.*study {study_id}"):
        reader.get_all_trials(study_id)
