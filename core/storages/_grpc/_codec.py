"""What only the proxy's wire format has, over the shared codec in ``parzen.storages._wire``.

A client that reads a study again says which finished trials it holds, as runs of ids; the
proxy then sends each of those as its id alone. Messages are JSON only, never pickles.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from typing import Any

from parzen.storages._wire import encode_trial
from parzen.trial import FrozenTrial


def id_ranges(sorted_ids: Iterable[int]) -> list[list[int]]:
    """Sorted ids as inclusive ``[first, last]`` runs: a study's finished trials are few runs."""
    ranges: list[list[int]] = []
    for i in sorted_ids:
        if ranges and ranges[-1][1] == i - 1:
            ranges[-1][1] = i
        else:
            ranges.append([i, i])
    return ranges


class IdRanges:
    """Membership in the runs that :func:`id_ranges` made."""

    def __init__(self, ranges: list[list[int]]) -> None:
        self._firsts = [first for first, _ in ranges]
        self._lasts = [last for _, last in ranges]

    def __contains__(self, trial_id: int) -> bool:
        index = bisect.bisect_right(self._firsts, trial_id) - 1
        return index >= 0 and trial_id <= self._lasts[index]


def encode_trials(trials: list[FrozenTrial], known: IdRanges | None) -> list[Any]:
    """Trials in order; a finished trial the client already holds is sent as its id alone."""
    return [
        t._trial_id
        if known is not None and t.state.is_finished() and t._trial_id in known
        else encode_trial(t)
        for t in trials
    ]
