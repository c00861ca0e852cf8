"""The finished trials of a study, read incrementally.

Evolutionary samplers look at each finished trial once, when it finishes: its generation tag,
its values, its parameters. :class:`FinishedTrialFeed` hands out each finished trial exactly
once, reading only what finished since its previous call (``study.get_finished_trials_since``,
part of the interface in :class:`~parzen.samplers.BaseSampler`'s docstring, deduplicated by
``_trial_id`` because that read is at-least-once), so that a sampler's work per trial does not
grow with the number of trials in the study. Key feeds by ``study.cache_key``.

Unlike :class:`parzen.samplers._history.TrialHistory`, which keeps columns of parameters and
values, the feed keeps nothing but a cursor and the ids it has handed out: the samplers need the
trials' system attributes (generation tags), which the history does not record.

Examples:
    >>> import parzen
    >>> from parzen.samplers._feed import FinishedTrialFeed
    >>> study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
    >>> feed = FinishedTrialFeed()
    >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    >>> len(feed.poll(study)), len(feed.poll(study))
    (3, 0)
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial

__all__ = ["FinishedTrialFeed"]


class FinishedTrialFeed:
    """Hands out each finished trial of one study once, in the order the storage reports them.

    Pass the same study (or the same view of it) to every :meth:`poll`.
    """

    def __init__(self) -> None:
        self._cursor = 0
        self._seen: set[int] = set()
        self._lock = threading.Lock()

    def poll(self, study: Study) -> list[FrozenTrial]:
        """The trials of ``study`` that finished since the previous call and were not handed
        out before."""
        with self._lock:
            trials, self._cursor = study.get_finished_trials_since(self._cursor)
            fresh = []
            for trial in trials:
                if trial._trial_id in self._seen or not trial.state.is_finished():
                    continue
                self._seen.add(trial._trial_id)
                fresh.append(trial)
            return fresh
