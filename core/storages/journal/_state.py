"""StudyState: what replaying a journal knows about one study, kept up to date per record."""

from __future__ import annotations

from typing import Any

from parzen._records.direction import StudyDirection
from parzen.distributions import BaseDistribution
from parzen.trial import TrialState


class StudyState:
    __slots__ = (
        "alive_at",
        "directions",
        "finished_trial_ids",
        "n_by_state",
        "name",
        "param_distributions",
        "system_attrs",
        "trial_ids",
        "unfinished_ids",
        "user_attrs",
    )

    def __init__(self, name: str, directions: list[StudyDirection]) -> None:
        self.name = name
        self.directions = directions
        self.user_attrs: dict[str, Any] = {}
        self.system_attrs: dict[str, Any] = {}
        self.trial_ids: list[int] = []  # index = trial number
        self.finished_trial_ids: list[int] = []  # in log order of finishing
        self.param_distributions: dict[str, BaseDistribution] = {}
        # RUNNING trial id -> time of its last heartbeat, or of its start before the first.
        self.alive_at: dict[int, float] = {}
        # Kept up to date by replay, so that ask()'s query for WAITING trials and counts by
        # state cost what they return, not a scan of the whole study.
        self.unfinished_ids: dict[TrialState, set[int]] = {
            TrialState.RUNNING: set(),
            TrialState.WAITING: set(),
        }
        self.n_by_state: dict[TrialState, int] = dict.fromkeys(TrialState, 0)

    def add_trial(self, trial_id: int, state: TrialState) -> None:
        """Count a new trial in ``state``."""
        self.trial_ids.append(trial_id)
        self.n_by_state[state] += 1
        if state.is_finished():
            self.finished_trial_ids.append(trial_id)
        else:
            self.unfinished_ids[state].add(trial_id)

    def move_trial(self, trial_id: int, old: TrialState, new: TrialState) -> None:
        """Count a trial's change from ``old`` (unfinished) to ``new``."""
        self.unfinished_ids[old].discard(trial_id)
        self.n_by_state[old] -= 1
        self.n_by_state[new] += 1
        if new.is_finished():
            self.finished_trial_ids.append(trial_id)
            self.alive_at.pop(trial_id, None)
        else:
            self.unfinished_ids[new].add(trial_id)
