"""The finished trials of a study, read incrementally.

Evolutionary samplers look at each finished trial once, when it finishes: its generation tag,
its values, its parameters. :class:`FinishedTrialFeed` hands out each finished trial exactly
once, reading only what finished since its previous call (``storage.get_finished_trials_since``,
deduplicated by ``_trial_id`` because that read is at-least-once), so that a sampler's work per
trial does not grow with the number of trials in the study.

Unlike :class:`parzen.samplers._history.TrialHistory`, which keeps columns of parameters and
values, the feed keeps nothing but a cursor and the ids it has handed out: the samplers need the
trials' system attributes (generation tags), which the history does not record.

Example:
    >>> import parzen
    >>> from parzen.samplers._nsga._feed import FinishedTrialFeed
    >>> study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
    >>> feed = FinishedTrialFeed(study._storage, study._study_id)
    >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    >>> len(feed.poll()), len(feed.poll())
    (3, 0)
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from parzen.storages import BaseStorage
    from parzen.trial import FrozenTrial

__all__ = ["FinishedTrialFeed"]


class FinishedTrialFeed:
    """Hands out each finished trial of one study once, in the order the storage reports them.

    Args:
        storage: The study's storage.
        study_id: The study's id in ``storage``.
    """

    def __init__(self, storage: BaseStorage, study_id: int) -> None:
        self.storage = storage
        self.study_id = study_id
        self._cursor = 0
        self._seen: set[int] = set()
        self._lock = threading.Lock()

    def poll(self) -> list[FrozenTrial]:
        """The trials that finished since the previous call and were not handed out before."""
        with self._lock:
            trials, self._cursor = self.storage.get_finished_trials_since(
                self.study_id, self._cursor
            )
            fresh = []
            for trial in trials:
                if trial._trial_id in self._seen or not trial.state.is_finished():
                    continue
                self._seen.add(trial._trial_id)
                fresh.append(trial)
            return fresh
