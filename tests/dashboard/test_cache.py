"""The dashboard reads each study incrementally and caches what it computes."""

from __future__ import annotations

import threading
import time
from collections.abc import Container
from typing import Any

import parzen
from parzen.dashboard._cache import Registry
from parzen.storages import InMemoryStorage
from parzen.trial import FrozenTrial, TrialState


class CountingStorage(InMemoryStorage):
    """Records the reads made while ``recording`` (the study's own reads are not counted)."""

    def __init__(self) -> None:
        super().__init__()
        self.recording = False
        self.cursors: list[int] = []
        self.full_reads: list[Any] = []

    def snapshot(self, cache: Any) -> Any:
        self.recording = True
        try:
            return cache.snapshot()
        finally:
            self.recording = False

    def get_finished_trials_since(
        self, study_id: int, cursor: int
    ) -> tuple[list[FrozenTrial], int]:
        if self.recording:
            self.cursors.append(cursor)
        return super().get_finished_trials_since(study_id, cursor)

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        if self.recording:
            chosen = None if states is None else tuple(s for s in TrialState if s in states)
            self.full_reads.append(chosen)
        return super().get_all_trials(study_id, deepcopy=deepcopy, states=states)


def _study(storage: InMemoryStorage, n: int) -> parzen.Study:
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    study = parzen.create_study(storage=storage, study_name="s")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=n)
    return study


def test_only_new_finished_trials_and_the_running_ones_are_read() -> None:
    storage = CountingStorage()
    study = _study(storage, 5)
    cache = Registry(storage, min_interval=0.0).get(study._study_id)
    assert len(storage.snapshot(cache).trials) == 5
    running = study.ask()
    snap = storage.snapshot(cache)
    assert [t.state for t in snap.trials][-1] == TrialState.RUNNING
    study.tell(running, 0.5)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    snap = storage.snapshot(cache)
    assert [t.number for t in snap.trials] == list(range(8))
    assert snap.counts["COMPLETE"] == 8 and snap.counts["RUNNING"] == 0
    # The cursor moves forward, and no read asks for every trial of the study.
    assert storage.cursors == [0, 5, 5]
    assert storage.full_reads == [(TrialState.RUNNING, TrialState.WAITING)] * 3


def test_a_trial_seen_twice_is_kept_once() -> None:
    class Repeating(InMemoryStorage):
        def get_finished_trials_since(
            self, study_id: int, cursor: int
        ) -> tuple[list[FrozenTrial], int]:
            # At-least-once delivery at its worst: everything, every time.
            return super().get_finished_trials_since(study_id, 0)

    storage = Repeating()
    study = _study(storage, 3)
    cache = Registry(storage, min_interval=0.0).get(study._study_id)
    first = cache.snapshot()
    again = cache.snapshot()
    assert len(again.trials) == 3
    assert again.revision == first.revision  # nothing changed


def test_revision_changes_with_running_trials_progress() -> None:
    storage = InMemoryStorage()
    study = _study(storage, 2)
    cache = Registry(storage, min_interval=0.0).get(study._study_id)
    r0 = cache.snapshot().revision
    trial = study.ask()
    r1 = cache.snapshot().revision
    trial.report(1.0, 0)
    r2 = cache.snapshot().revision
    assert cache.snapshot().revision == r2
    trial.set_user_attr("k", "v")
    r3 = cache.snapshot().revision
    assert r0 < r1 < r2 < r3
    assert cache.snapshot().finished_count == 2


def test_reads_are_throttled_to_the_refresh_interval() -> None:
    storage = CountingStorage()
    study = _study(storage, 2)
    cache = Registry(storage, min_interval=60.0).get(study._study_id)
    storage.snapshot(cache)
    reads = len(storage.cursors)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    for _ in range(5):
        assert len(storage.snapshot(cache).trials) == 2  # served from the cache
    assert len(storage.cursors) == reads


def test_memo_rebuilds_on_change_and_serves_a_stale_value_within_its_patience() -> None:
    storage = InMemoryStorage()
    study = _study(storage, 2)
    cache = Registry(storage, min_interval=0.0).get(study._study_id)
    builds = []

    def slow_build() -> int:
        builds.append(1)
        time.sleep(0.05)
        return len(builds)

    assert cache.memo_throttled("k", 1, slow_build, patience=1000.0) == (1, True)
    assert cache.memo_throttled("k", 1, slow_build, patience=1000.0) == (1, True)
    # Changed, but within 1000 x 50 ms of the last build: the old value, flagged stale.
    assert cache.memo_throttled("k", 2, slow_build, patience=1000.0) == (1, False)
    assert cache.memo_throttled("k", 2, slow_build, patience=0.0) == (2, True)
    assert cache.memo("k", 2, slow_build) == 2
    assert len(builds) == 2


def test_concurrent_requests_share_one_build() -> None:
    storage = InMemoryStorage()
    study = _study(storage, 2)
    cache = Registry(storage, min_interval=0.0).get(study._study_id)
    builds = []

    def slow_build() -> str:
        builds.append(1)
        time.sleep(0.2)
        return "done"

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.memo("key", 1, slow_build)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["done"] * 4
    assert len(builds) == 1


def test_new_studies_are_found_and_deleted_ones_dropped() -> None:
    storage = InMemoryStorage()
    registry = Registry(storage, min_interval=60.0)
    assert registry.studies() == []
    study = parzen.create_study(storage=storage, study_name="late")
    # Listed by a direct lookup even inside the throttle interval.
    assert registry.get(study._study_id).name == "late"
    parzen.delete_study(study_name="late", storage=storage)
    registry = Registry(storage, min_interval=0.0)
    assert registry.studies() == []


def test_trials_that_finish_out_of_number_order_are_kept_sorted() -> None:
    storage = InMemoryStorage()
    study = parzen.create_study(storage=storage, study_name="s")
    cache = Registry(storage, min_interval=0.0).get(study._study_id)
    first, second, third = study.ask(), study.ask(), study.ask()
    study.tell(third, 3.0)
    snap = cache.snapshot()
    # The running trials slot in by number around the finished one.
    assert [t.number for t in snap.trials] == [0, 1, 2]
    assert [t.number for t in snap.active] == [0, 1]
    study.tell(first, 1.0)
    study.tell(second, state=TrialState.PRUNED)
    snap = cache.snapshot()
    assert [t.number for t in snap.trials] == [0, 1, 2]
    assert [t.number for t in snap.complete] == [0, 2]
    assert sorted(snap.by_number) == [0, 1, 2] and snap.by_number[1].state == TrialState.PRUNED
    assert snap.counts["COMPLETE"] == 2 and snap.counts["PRUNED"] == 1


def test_columns_are_extended_with_new_trials_and_rebuilt_after_an_insertion() -> None:
    storage = InMemoryStorage()
    study = _study(storage, 3)
    cache = Registry(storage, min_interval=0.0).get(study._study_id)
    columns = cache.columns(cache.snapshot())
    assert columns.numbers.tolist() == [0, 1, 2]
    assert cache.columns(cache.snapshot()) is columns  # nothing new: the same columns
    late = study.ask()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    grown = cache.columns(cache.snapshot())
    assert grown.numbers.tolist() == [0, 1, 2, 4]
    study.tell(late, 0.25)  # number 3 completes after number 4
    rebuilt = cache.columns(cache.snapshot())
    assert rebuilt.numbers.tolist() == [0, 1, 2, 3, 4]
    assert rebuilt.values[3, 0] == 0.25
    assert [t.number for t in rebuilt.trials] == [0, 1, 2, 3, 4]
    assert rebuilt.feasible.all()
    # Trial 3 was told without suggesting x: x is no longer common to every trial.
    assert rebuilt.common_params() == [] and rebuilt.all_params() == ["x"]
