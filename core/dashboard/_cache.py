"""What the dashboard knows of a storage: per study, its trials, read incrementally.

Finished trials never change, so a study's cache keeps every finished trial it has seen and
asks the storage only for those that finished since its cursor
(:meth:`~parzen.storages.BaseStorage.get_finished_trials_since`), plus the few RUNNING and
WAITING trials, which it reads in full each time. A refresh happens at most once per
``min_interval`` seconds however many requests arrive, so that a page that loads six plots
at once costs the storage one read.

Everything the API computes from a study (plot data, sorted table orders) is memoized by a
key that changes only when the trials it depends on change.
"""

from __future__ import annotations

import bisect
import collections
import dataclasses
import datetime
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from parzen._records.direction import StudyDirection
from parzen._records.study_summary import FrozenStudy
from parzen.dashboard._columns import CompleteColumns, build_columns
from parzen.distributions import BaseDistribution
from parzen.storages import BaseStorage
from parzen.study._study import METRIC_NAMES_KEY
from parzen.trial import FrozenTrial, TrialState

T = TypeVar("T")

_ACTIVE_STATES = (TrialState.RUNNING, TrialState.WAITING)


class NotFound(LookupError):
    """No such study, trial or plot (answered with HTTP 404 and this message)."""


_MEMO_SIZE = 64


class _Totals:
    """Running aggregates over a set of trials, updated a batch of trials at a time."""

    def __init__(self) -> None:
        self.counts = dict.fromkeys((s.name for s in TrialState), 0)
        self.distributions: dict[str, BaseDistribution] = {}
        self.user_attr_names: set[Any] = set()
        self.n_with_intermediate_values = 0
        self.datetime_start: datetime.datetime | None = None

    @property
    def has_intermediate_values(self) -> bool:
        return self.n_with_intermediate_values > 0

    def add(self, trials: list[FrozenTrial]) -> None:
        # One pass with C-level updates: this runs over every trial of a study on the first
        # request, so it must cost about a microsecond per trial.
        states = collections.Counter(t.state for t in trials)
        for state, count in states.items():
            self.counts[state.name] += count
        distributions = self.distributions
        names = self.user_attr_names
        starts = []
        for trial in trials:
            distributions.update(trial.distributions)
            names.update(trial.user_attrs)
            if trial.intermediate_values:
                self.n_with_intermediate_values += 1
            start = trial.datetime_start
            if start is not None:
                starts.append(start)
        if starts:
            first = min(starts)
            if self.datetime_start is None or first < self.datetime_start:
                self.datetime_start = first

    def copy(self) -> _Totals:
        other = _Totals()
        other.counts = dict(self.counts)
        other.distributions = dict(self.distributions)
        other.user_attr_names = set(self.user_attr_names)
        other.n_with_intermediate_values = self.n_with_intermediate_values
        other.datetime_start = self.datetime_start
        return other


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """An immutable view of a study's trials at one revision.

    ``finished_count`` changes only when a trial finishes, so plots of finished trials can
    key their memo on it and stay cached while running trials report progress.
    ``distributions`` holds each parameter's distribution as the latest trial with it has it.
    """

    revision: int
    finished_count: int
    trials: list[FrozenTrial]
    active: list[FrozenTrial]
    by_number: dict[int, FrozenTrial]
    complete: list[FrozenTrial]
    counts: dict[str, int]
    distributions: dict[str, BaseDistribution]
    param_names: list[str]
    user_attr_names: list[str]
    n_with_intermediate_values: int
    datetime_start: datetime.datetime | None

    @property
    def has_intermediate_values(self) -> bool:
        return self.n_with_intermediate_values > 0


class StudyCache:
    """The trials of one study, refreshed incrementally and at most every ``min_interval`` s."""

    def __init__(self, storage: BaseStorage, study: FrozenStudy, *, min_interval: float) -> None:
        self.storage = storage
        self.study_id = study._study_id
        self.update_study(study)
        self._min_interval = min_interval
        self._lock = threading.Lock()
        self._finished: dict[int, FrozenTrial] = {}
        # Finished trials by number, COMPLETE ones apart, and their totals: extended with
        # each batch of new trials (mostly an append, as trials mostly finish in number
        # order; else a merge of two sorted runs), so a snapshot costs O(running trials) plus
        # list copies.
        self._finished_sorted: list[FrozenTrial] = []
        self._finished_numbers: list[int] = []
        self._finished_by_number: dict[int, FrozenTrial] = {}
        self._complete_sorted: list[FrozenTrial] = []
        self._totals = _Totals()
        self._cursor = 0
        self._active: list[FrozenTrial] = []
        self._revision = 0
        self._last_refresh = -float("inf")
        self._snapshot: Snapshot | None = None
        self._memo: collections.OrderedDict[Hashable, _Memo] = collections.OrderedDict()
        self._building: dict[Hashable, threading.Lock] = {}
        self._columns: CompleteColumns | None = None
        self._columns_lock = threading.Lock()

    def update_study(self, study: FrozenStudy) -> None:
        self.name = study.study_name
        self.directions: list[StudyDirection] = study.directions
        self.user_attrs: dict[str, Any] = study.user_attrs
        names = study.system_attrs.get(METRIC_NAMES_KEY)
        valid = isinstance(names, list) and len(names) == len(self.directions)
        self.metric_names: list[str] | None = [str(n) for n in names] if valid else None

    def objective_label(self, index: int) -> str:
        if self.metric_names is not None:
            return self.metric_names[index]
        return "value" if len(self.directions) == 1 else f"values[{index}]"

    def snapshot(self) -> Snapshot:
        """The study's trials now (as of a read at most ``min_interval`` seconds old)."""
        with self._lock:
            now = time.monotonic()
            if self._snapshot is None or now - self._last_refresh >= self._min_interval:
                self._refresh()
                self._last_refresh = now
            if self._snapshot is None or self._snapshot.revision != self._revision:
                self._snapshot = self._build_snapshot()
            return self._snapshot

    def _build_snapshot(self) -> Snapshot:
        totals = self._totals.copy()
        totals.add(self._active)
        trials = list(self._finished_sorted)
        by_number = dict(self._finished_by_number)
        # The few active trials slot in by number, from the last so earlier slots stay put.
        for trial in sorted(self._active, key=_number, reverse=True):
            trials.insert(bisect.bisect(self._finished_numbers, trial.number), trial)
            by_number[trial.number] = trial
        return Snapshot(
            revision=self._revision,
            finished_count=len(self._finished_sorted),
            trials=trials,
            active=list(self._active),
            by_number=by_number,
            complete=list(self._complete_sorted),
            counts=totals.counts,
            distributions=totals.distributions,
            param_names=sorted(totals.distributions),
            # key=str: a key of another type (written by an older storage) must not break it.
            user_attr_names=sorted(totals.user_attr_names, key=str),
            n_with_intermediate_values=totals.n_with_intermediate_values,
            datetime_start=totals.datetime_start,
        )

    def _refresh(self) -> None:
        # Active trials first: one that finishes between the two reads then shows up in the
        # finished read too (and is dropped from the active list), instead of in neither.
        try:
            active = self.storage.get_all_trials(
                self.study_id, deepcopy=False, states=_ACTIVE_STATES
            )
            new, self._cursor = self.storage.get_finished_trials_since(self.study_id, self._cursor)
        except KeyError:
            raise NotFound(f"Study {self.name!r} (id {self.study_id}) was deleted.") from None
        added = []
        for trial in new:
            if trial._trial_id not in self._finished:
                self._finished[trial._trial_id] = trial
                added.append(trial)
        grew = bool(added)
        if grew:
            numbers = [t.number for t in added]
            if numbers != sorted(numbers):
                order = sorted(range(len(added)), key=numbers.__getitem__)
                added = [added[i] for i in order]
                numbers = [numbers[i] for i in order]
            self._finished_by_number.update(zip(numbers, added))
            if self._finished_numbers and self._finished_numbers[-1] > numbers[0]:
                # A trial finished after a later-numbered one was read: merge by number.
                merged = sorted(
                    zip(self._finished_numbers + numbers, self._finished_sorted + added),
                    key=_first,
                )
                self._finished_numbers = [n for n, _ in merged]
                self._finished_sorted = [t for _, t in merged]
            else:
                self._finished_numbers.extend(numbers)
                self._finished_sorted.extend(added)
            complete = [t for t in added if t.state == TrialState.COMPLETE]
            if complete:
                if self._complete_sorted and self._complete_sorted[-1].number > complete[0].number:
                    self._complete_sorted = sorted(self._complete_sorted + complete, key=_number)
                else:
                    self._complete_sorted.extend(complete)
            self._totals.add(added)
        active = [t for t in active if t._trial_id not in self._finished]
        if grew or active != self._active:
            self._active = active
            self._revision += 1

    def columns(self, snap: Snapshot) -> CompleteColumns:
        """The COMPLETE trials of ``snap`` as arrays, extended from the last ones built."""
        with self._columns_lock:
            previous = self._columns
            if previous is not None and previous.covers(snap.complete):
                return previous
            columns = build_columns(snap.complete, len(self.directions), previous)
            self._columns = columns
            return columns

    def memo(self, key: Hashable, depends_on: Hashable, build: Callable[[], T]) -> T:
        """``build()``'s result, recomputed only when ``depends_on`` differs from last time."""
        return self.memo_throttled(key, depends_on, build, patience=0.0)[0]

    def memo_throttled(
        self, key: Hashable, depends_on: Hashable, build: Callable[[], T], *, patience: float
    ) -> tuple[T, bool]:
        """Like :meth:`memo`, but an outdated result is served, flagged stale (False), until
        ``patience`` times its build time has passed since it was built.

        This bounds the time spent rebuilding an expensive result (importances of 10,000
        trials) while trials keep finishing to about 1/patience of the server's time; a cheap
        result is rebuilt at once. Requests for the same key wait for one build.
        """
        with self._lock:
            hit = self._memo.get(key)
            lock = self._building.setdefault(key, threading.Lock())
        if hit is not None and hit.depends_on == depends_on:
            return hit.value, True
        if hit is not None and time.monotonic() - hit.built_at < patience * hit.cost:
            return hit.value, False
        with lock:
            with self._lock:
                hit = self._memo.get(key)
            if hit is not None and hit.depends_on == depends_on:
                return hit.value, True
            start = time.monotonic()
            value = build()
            end = time.monotonic()
            with self._lock:
                self._memo[key] = _Memo(depends_on, value, end, end - start)
                self._memo.move_to_end(key)
                while len(self._memo) > _MEMO_SIZE:
                    evicted, _ = self._memo.popitem(last=False)
                    self._building.pop(evicted, None)
            return value, True


@dataclasses.dataclass(frozen=True)
class _Memo:
    depends_on: Hashable
    value: Any
    built_at: float
    cost: float


def _number(trial: FrozenTrial) -> int:
    return trial.number


def _first(pair: tuple[int, FrozenTrial]) -> int:
    return pair[0]


class Registry:
    """The studies of a storage and their caches; the list is re-read at most every
    ``min_interval`` seconds."""

    def __init__(self, storage: BaseStorage, *, min_interval: float = 1.0) -> None:
        self.storage = storage
        self._min_interval = min_interval
        self._lock = threading.Lock()
        self._caches: dict[int, StudyCache] = {}
        self._studies: list[FrozenStudy] = []
        self._last_refresh = -float("inf")

    def studies(self) -> list[StudyCache]:
        """Every study's cache, in the storage's order (by id)."""
        with self._lock:
            now = time.monotonic()
            if now - self._last_refresh >= self._min_interval:
                self._studies = self.storage.get_all_studies()
                self._last_refresh = now
                alive = {s._study_id for s in self._studies}
                for study_id in list(self._caches):
                    if study_id not in alive:
                        del self._caches[study_id]
                for study in self._studies:
                    cache = self._caches.get(study._study_id)
                    if cache is None or cache.name != study.study_name:
                        # A new study, or an id reused for another one after a deletion.
                        self._caches[study._study_id] = StudyCache(
                            self.storage, study, min_interval=self._min_interval
                        )
                    else:
                        cache.update_study(study)
            return [self._caches[s._study_id] for s in self._studies]

    def get(self, study_id: int) -> StudyCache:
        """The cache of a study; raise NotFound if the storage has no study with this id."""
        cache = self._caches.get(study_id)
        if cache is None:
            # Maybe created since the last listing: look again, bypassing the throttle.
            with self._lock:
                self._last_refresh = -float("inf")
            self.studies()
            cache = self._caches.get(study_id)
        if cache is None:
            raise NotFound(f"No study with id {study_id} in this storage.")
        return cache
