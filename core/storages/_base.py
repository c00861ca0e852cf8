from __future__ import annotations

import abc
from collections.abc import Callable, Container, Sequence
from typing import TYPE_CHECKING, Any

from parzen._records.direction import StudyDirection
from parzen._records.study_summary import FrozenStudy
from parzen.distributions import BaseDistribution
from parzen.exceptions import UpdateFinishedTrialError
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study

DEFAULT_STUDY_NAME_PREFIX = "no-name-"


class BaseStorage(abc.ABC):
    """Where studies and trials live; every backend implements this interface.

    A storage is shared by every worker of a study: threads, processes and machines. Each
    method is one atomic operation. Trial numbers are unique and dense per study; a finished
    trial never changes again (writing to one raises
    :class:`~parzen.exceptions.UpdateFinishedTrialError`); values are JSON data only.

    Implementations can check themselves against ``parzen.testing.storages``.

    Examples:
        >>> import parzen
        >>> storage = parzen.storages.InMemoryStorage()
        >>> study_id = storage.create_new_study([parzen.study.StudyDirection.MINIMIZE], "s")
        >>> trial_id = storage.create_new_trial(study_id)
        >>> storage.get_trial(trial_id).number
        0
    """

    # -- studies ----------------------------------------------------------------------------

    @abc.abstractmethod
    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        """Create a study and return its id; raise DuplicatedStudyError if the name is taken."""

    @abc.abstractmethod
    def delete_study(self, study_id: int) -> None:
        """Delete a study and its trials; raise KeyError if it does not exist."""

    @abc.abstractmethod
    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        """Set a user attribute (JSON data) of a study."""

    @abc.abstractmethod
    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        """Set a system attribute (JSON data) of a study."""

    @abc.abstractmethod
    def get_study_id_from_name(self, study_name: str) -> int:
        """Return the id of the named study; raise KeyError if there is none."""

    @abc.abstractmethod
    def get_study_name_from_id(self, study_id: int) -> str:
        """Return the name of a study; raise KeyError if it does not exist."""

    @abc.abstractmethod
    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        """Return the directions of a study's objectives."""

    @abc.abstractmethod
    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        """Return the user attributes of a study."""

    @abc.abstractmethod
    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        """Return the system attributes of a study."""

    @abc.abstractmethod
    def get_all_studies(self) -> list[FrozenStudy]:
        """Return every study in the storage."""

    # -- trials -----------------------------------------------------------------------------

    @abc.abstractmethod
    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        """Create a trial (RUNNING, or as the template says) and return its id.

        The storage assigns the trial's number: the next one of the study.
        """

    @abc.abstractmethod
    def set_trial_param(
        self,
        trial_id: int,
        param_name: str,
        param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        """Record a parameter of a running trial.

        Raises:
            ValueError: ``distribution`` is incompatible with the one this parameter name has
                in other trials of the study.
            UpdateFinishedTrialError: the trial has finished.
        """

    def defer_param_writes(self, trial_id: int) -> None:
        """Hint that this process runs the trial to its end and finishes it itself.

        ``Study.optimize`` says so for each trial it runs. A storage may then write the
        parameters the trial is given in batches instead of one by one, as long as it shows
        them to its own readers at once and stores them before or with the trial's end
        (:class:`~parzen.storages.RDBStorage` does). The default writes each at once.
        """

    @abc.abstractmethod
    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        """Return the id of a study's trial with the given number; KeyError if none."""

    @abc.abstractmethod
    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        """Change a trial's state (and set its values), atomically.

        Returns False, changing nothing, when asked to move a trial to RUNNING that is no
        longer WAITING (another worker took it first).

        Raises:
            UpdateFinishedTrialError: the trial has finished.
        """

    @abc.abstractmethod
    def set_trial_intermediate_value(
        self, trial_id: int, step: int, intermediate_value: float
    ) -> None:
        """Record an intermediate value of a running trial."""

    @abc.abstractmethod
    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        """Set a user attribute (JSON data) of a running trial."""

    @abc.abstractmethod
    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        """Set a system attribute (JSON data) of a running trial."""

    @abc.abstractmethod
    def get_trial(self, trial_id: int) -> FrozenTrial:
        """Return a trial; raise KeyError if it does not exist."""

    @abc.abstractmethod
    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        """Return a study's trials ordered by number, optionally only those in ``states``.

        With ``deepcopy=False`` the caller promises not to mutate what it gets.
        """

    # -- derived reads, overridable for speed -----------------------------------------------

    def get_finished_trials_since(
        self, study_id: int, cursor: int
    ) -> tuple[list[FrozenTrial], int]:
        """Return the trials that finished since ``cursor`` and the cursor to pass next time.

        Start with ``cursor=0``. Delivery is at-least-once: a trial may come back in a later
        call too, so callers keep what they have seen by ``_trial_id``. Finished trials never
        change, so callers may cache them. This default returns every finished trial; storages
        override it to return only the new ones.
        """
        finished = self.get_all_trials(
            study_id,
            deepcopy=False,
            states=(TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL),
        )
        return finished, cursor

    def get_n_trials(
        self, study_id: int, state: TrialState | tuple[TrialState, ...] | None = None
    ) -> int:
        """Count a study's trials, optionally only those in ``state``."""
        states = (state,) if isinstance(state, TrialState) else state
        return len(self.get_all_trials(study_id, deepcopy=False, states=states))

    def get_best_trial(self, study_id: int) -> FrozenTrial:
        """Return the best COMPLETE trial of a single-objective study.

        Raises:
            RuntimeError: the study has several objectives.
            ValueError: no trial has completed yet.
        """
        directions = self.get_study_directions(study_id)
        if len(directions) > 1:
            raise RuntimeError(
                "A multi-objective study has no single best trial; use Study.best_trials."
            )
        completed = self.get_all_trials(study_id, deepcopy=False, states=(TrialState.COMPLETE,))
        if not completed:
            raise ValueError("No trials are completed yet.")
        if directions[0] == StudyDirection.MAXIMIZE:
            return max(completed, key=_first_value)
        return min(completed, key=_first_value)

    def get_trial_params(self, trial_id: int) -> dict[str, Any]:
        return self.get_trial(trial_id).params

    def get_trial_user_attrs(self, trial_id: int) -> dict[str, Any]:
        return self.get_trial(trial_id).user_attrs

    def get_trial_system_attrs(self, trial_id: int) -> dict[str, Any]:
        return self.get_trial(trial_id).system_attrs

    def get_trial_number_from_id(self, trial_id: int) -> int:
        return self.get_trial(trial_id).number

    def get_trial_param(self, trial_id: int, param_name: str) -> float:
        """Return a parameter's internal (float) value."""
        trial = self.get_trial(trial_id)
        return trial.distributions[param_name].to_internal_repr(trial.params[param_name])

    def remove_session(self) -> None:
        """Release connections held for this thread; a no-op where there are none."""

    def check_trial_is_updatable(self, trial_id: int, trial_state: TrialState) -> None:
        """Raise UpdateFinishedTrialError if the trial has finished."""
        if trial_state.is_finished():
            raise finished_trial_error(self.get_trial_number_from_id(trial_id), trial_state)

    # -- heartbeats (persistent storages enable them) ---------------------------------------

    def is_heartbeat_enabled(self) -> bool:
        """Whether running trials send heartbeats, so a dead worker's trial can be failed."""
        return False

    def record_heartbeat(self, trial_id: int) -> None:
        """Note that the worker running ``trial_id`` is alive."""
        raise NotImplementedError(f"{type(self).__name__} does not support heartbeats.")

    def get_stale_trial_ids(self, study_id: int) -> list[int]:
        """Ids of RUNNING trials whose last heartbeat (or start) is older than the grace period."""
        raise NotImplementedError(f"{type(self).__name__} does not support heartbeats.")

    def get_heartbeat_interval(self) -> int | None:
        """Seconds between heartbeats, or None when disabled."""
        return None

    def get_failed_trial_callback(self) -> Callable[[Study, FrozenTrial], None] | None:
        """The callback run for each trial that heartbeats turned into FAIL."""
        return None


def unknown_study_name_error(name: str, known: Sequence[str]) -> KeyError:
    """The KeyError for a study name a storage does not hold, suggesting close names."""
    import difflib

    close = difflib.get_close_matches(name, list(known), n=3)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    return KeyError(f"No study named {name!r} in this storage.{hint}")


def check_name(name: object, what: str) -> None:
    """Raise unless ``name`` can be stored as a name by every storage: a str without NUL.

    One rule for every storage, so that a study moves between them: PostgreSQL cannot store
    NUL characters, and JSON logs and databases key attributes by strings only.
    """
    if not isinstance(name, str):
        raise TypeError(
            f"The {what} must be a str, got {name!r} ({type(name).__name__}). Convert it, "
            "e.g. with str()."
        )
    if "\x00" in name:
        raise ValueError(
            f"The {what} {name!r} contains a NUL character (\\x00), which storages cannot "
            "keep (PostgreSQL refuses it). Remove it from the name."
        )


def check_template_names(template: FrozenTrial) -> None:
    """:func:`check_name` over the parameter names and attribute keys of a template trial."""
    for name in template.distributions:
        check_name(name, "parameter name")
    for key in template.user_attrs:
        check_name(key, "user attribute key")
    for key in template.system_attrs:
        check_name(key, "system attribute key")


def finished_trial_error(number: int, state: TrialState) -> UpdateFinishedTrialError:
    """The error for a write to a finished trial."""
    return UpdateFinishedTrialError(
        f"Trial {number} has already finished ({state.name}) and cannot be changed: "
        "finished trials are immutable."
    )


def _first_value(trial: FrozenTrial) -> float:
    assert trial.values is not None
    return trial.values[0]
