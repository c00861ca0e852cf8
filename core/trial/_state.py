"""TrialState: the life cycle of a trial (WAITING, RUNNING, COMPLETE, PRUNED, FAIL)."""

from __future__ import annotations

import enum


class TrialState(enum.IntEnum):
    """The life cycle of a trial: WAITING → RUNNING → COMPLETE, PRUNED or FAIL.

    Examples:
        >>> from parzen.trial import TrialState
        >>> TrialState.COMPLETE.is_finished(), TrialState.RUNNING.is_finished()
        (True, False)
    """

    RUNNING = 0
    COMPLETE = 1
    PRUNED = 2
    FAIL = 3
    WAITING = 4

    def __repr__(self) -> str:
        return f"TrialState.{self.name}"

    def __str__(self) -> str:
        return self.name

    def is_finished(self) -> bool:
        """Whether the trial has ended (COMPLETE, PRUNED or FAIL); finished trials never change."""
        return self in _FINISHED


_FINISHED = frozenset({TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL})
