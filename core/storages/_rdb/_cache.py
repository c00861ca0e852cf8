"""The per-process cache of finished trials of the relational storage.

A finished trial never changes again, so each storage object keeps every finished trial it
has read and afterwards asks the database only for what finished since: each study's trials
are numbered in finishing order by ``finish_seq`` (see ``models.studies.finish_counter``), and
the cache remembers the highest sequence number it holds, its *cursor*.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable

from parzen.trial import FrozenTrial


class StudyCache:
    """The finished trials of one study that this process has read, in finishing order."""

    def __init__(self) -> None:
        self.cursor = 0
        self.seqs: list[int] = []
        self.by_seq: list[FrozenTrial] = []
        self.by_number: list[FrozenTrial] = []

    def add(self, seq: int, trial: FrozenTrial) -> None:
        self.cursor = seq
        self.seqs.append(seq)
        self.by_seq.append(trial)
        if not self.by_number or self.by_number[-1].number < trial.number:
            self.by_number.append(trial)
        else:
            bisect.insort(self.by_number, trial, key=_number)

    def extend(self, pairs: list[tuple[int, FrozenTrial]]) -> None:
        """Add many ``(seq, trial)`` pairs, sorted by seq and all above the cursor."""
        if len(pairs) < 100:
            for seq, trial in pairs:
                self.add(seq, trial)
            return
        self.cursor = pairs[-1][0]
        self.seqs.extend(seq for seq, _ in pairs)
        trials = [trial for _, trial in pairs]
        self.by_seq.extend(trials)
        self.by_number.extend(trials)
        self.by_number.sort(key=_number)


class FinishedTrials:
    """The finished trials of every study this process has read, by study and by trial id.

    Thread-safe. The trials it holds are shared: callers hand out copies.

    Examples:
        >>> from parzen.trial import TrialState, create_trial
        >>> cache = FinishedTrials()
        >>> trial = create_trial(value=1.0)
        >>> cache.cursor(study_id=1)
        0
        >>> [t.value for t in cache.add(1, [(5, trial)])]
        [1.0]
        >>> cache.cursor(1), cache.since(1, cursor=0)[1], cache.since(1, cursor=5)
        (5, 5, ([], 5))
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._studies: dict[int, StudyCache] = {}
        self._by_id: dict[int, FrozenTrial] = {}

    def get(self, trial_id: int) -> FrozenTrial | None:
        """The cached finished trial with id ``trial_id``, or None."""
        return self._by_id.get(trial_id)

    def has_study(self, study_id: int) -> bool:
        """Whether the study has been read at least once (see :meth:`add`)."""
        return study_id in self._studies

    def cursor(self, study_id: int) -> int:
        """The finish sequence number up to which the study's finished trials are cached."""
        cache = self._studies.get(study_id)
        return 0 if cache is None else cache.cursor

    def add(self, study_id: int, finished: Iterable[tuple[int, FrozenTrial]]) -> list[FrozenTrial]:
        """Add ``(finish_seq, trial)`` pairs read from the database; return those now added.

        Pairs at or below the study's cursor are skipped: another thread added them already.
        From the first call on (even with no pairs), :meth:`has_study` is True.
        """
        pairs = sorted(finished, key=_first)
        added = []
        with self._lock:
            cache = self._studies.get(study_id)
            if cache is None:
                cache = self._studies[study_id] = StudyCache()
            if pairs and pairs[0][0] <= cache.cursor:
                pairs = [pair for pair in pairs if pair[0] > cache.cursor]
            cache.extend(pairs)
            by_id = self._by_id
            for _, trial in pairs:
                by_id[trial._trial_id] = trial
                added.append(trial)
        return added

    def add_one(self, trial: FrozenTrial) -> None:
        """Remember a finished trial by id only (read alone, without its place in its study)."""
        with self._lock:
            self._by_id[trial._trial_id] = trial

    def by_number(
        self, study_id: int, unfinished: list[FrozenTrial]
    ) -> tuple[list[FrozenTrial], list[FrozenTrial]]:
        """The study's cached trials by number, and those of ``unfinished`` not cached since.

        One snapshot: a trial that another thread has just cached as finished is in exactly
        one of the two lists.
        """
        with self._lock:
            cache = self._studies.get(study_id)
            finished = list(cache.by_number) if cache is not None else []
            if unfinished:
                unfinished = [t for t in unfinished if t._trial_id not in self._by_id]
            return finished, unfinished

    def since(self, study_id: int, cursor: int) -> tuple[list[FrozenTrial], int]:
        """The study's trials that finished after ``cursor``, and the new cursor."""
        with self._lock:
            cache = self._studies.get(study_id)
            if cache is None:
                return [], 0
            start = bisect.bisect_right(cache.seqs, cursor)
            return cache.by_seq[start:], cache.cursor

    def drop_study(self, study_id: int) -> None:
        """Forget a study (deleted, or found missing)."""
        with self._lock:
            cache = self._studies.pop(study_id, None)
            if cache is not None:
                for trial in cache.by_seq:
                    self._by_id.pop(trial._trial_id, None)


def _number(trial: FrozenTrial) -> int:
    return trial.number


def _first(pair: tuple[int, FrozenTrial]) -> int:
    return pair[0]
