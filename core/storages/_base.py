"""BaseStorage: the interface every storage backend implements, and its shared checks.

The study, the samplers (through the study) and the CLI talk to persistence only through
:class:`BaseStorage`; in-memory, RDB, journal and gRPC storages implement it and pass the
conformance suite in ``parzen.testing.storages``. The helpers below (name checks, the errors
for unknown names and finished trials) keep the backends' errors identical.
"""

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

    Subclasses must implement every abstract method (the study and trial reads and writes);
    the rest have defaults written over them (``get_finished_trials_since``, ``get_n_trials``,
    ``get_best_trial``, the ``get_trial_*`` shortcuts) that a storage may override for speed,
    and heartbeat methods that persistent storages override to enable heartbeats.

    Errors every storage raises alike (the conformance suite checks them):

    - ``KeyError`` for a study id, study name or trial id (or number) the storage does not
      hold;
    - :class:`~parzen.exceptions.DuplicatedStudyError` for a study name already taken;
    - :class:`~parzen.exceptions.UpdateFinishedTrialError` for any write to a finished trial;
    - ``TypeError`` for a name or attribute key that is not a ``str``, or a value that is not
      JSON data; ``ValueError`` for a name or key containing a NUL character. Nothing is
      stored when one of these is raised.

    A trial's life is: ``create_new_trial`` (RUNNING, or WAITING/finished from a template);
    ``set_trial_state_values(RUNNING)`` to take a WAITING trial; any number of
    ``set_trial_param`` / ``set_trial_intermediate_value`` / ``set_trial_*_attr`` writes while
    it runs; one ``set_trial_state_values`` to a finished state, after which it never changes.

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
        """Create a study and return its id.

        Args:
            directions: the direction of each objective; several mean a multi-objective study.
            study_name: the study's name. ``None`` generates a unique name starting with
                ``"no-name-"``; the empty string is a name like any other.

        Returns:
            The new study's id, unique within this storage.

        Raises:
            DuplicatedStudyError: a study with this name exists; it is left unchanged.
            TypeError: ``study_name`` is neither ``None`` nor a ``str``.
            ValueError: ``study_name`` contains a NUL character.
        """

    @abc.abstractmethod
    def delete_study(self, study_id: int) -> None:
        """Delete a study and all its trials; other studies are untouched.

        Args:
            study_id: the study to delete.

        Raises:
            KeyError: no study has this id.
        """

    @abc.abstractmethod
    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        """Set (or overwrite) a user attribute of a study.

        Args:
            study_id: the study.
            key: the attribute's name.
            value: JSON data (None, bool, int, float, str, and lists and str-keyed dicts of
                them).

        Raises:
            KeyError: no study has this id.
            TypeError: ``key`` is not a ``str`` or ``value`` is not JSON data.
            ValueError: ``key`` contains a NUL character.
        """

    @abc.abstractmethod
    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        """Set (or overwrite) a system attribute of a study (parzen's own bookkeeping).

        Args:
            study_id: the study.
            key: the attribute's name.
            value: JSON data.

        Raises:
            KeyError: no study has this id.
            TypeError: ``key`` is not a ``str`` or ``value`` is not JSON data.
            ValueError: ``key`` contains a NUL character.
        """

    @abc.abstractmethod
    def get_study_id_from_name(self, study_name: str) -> int:
        """Look a study up by name.

        Args:
            study_name: the study's name.

        Returns:
            The study's id.

        Raises:
            KeyError: no study has this name (the message suggests close names, see
                :func:`unknown_study_name_error`).
        """

    @abc.abstractmethod
    def get_study_name_from_id(self, study_id: int) -> str:
        """Look a study's name up by id.

        Args:
            study_id: the study.

        Returns:
            The study's name.

        Raises:
            KeyError: no study has this id.
        """

    @abc.abstractmethod
    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        """Read the directions of a study's objectives.

        Args:
            study_id: the study.

        Returns:
            One direction per objective, in the order given at creation.

        Raises:
            KeyError: no study has this id.
        """

    @abc.abstractmethod
    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        """Read the user attributes of a study.

        Args:
            study_id: the study.

        Returns:
            The attributes by key (empty if none was set).

        Raises:
            KeyError: no study has this id.
        """

    @abc.abstractmethod
    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        """Read the system attributes of a study.

        Args:
            study_id: the study.

        Returns:
            The attributes by key (empty if none was set).

        Raises:
            KeyError: no study has this id.
        """

    @abc.abstractmethod
    def get_all_studies(self) -> list[FrozenStudy]:
        """List every study in the storage.

        Returns:
            One :class:`~parzen.study.FrozenStudy` per study (name, directions, attributes);
            empty if the storage holds none.
        """

    # -- trials -----------------------------------------------------------------------------

    @abc.abstractmethod
    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        """Create a trial in a study.

        The storage assigns the trial's number: the next one of the study, unique and dense
        under any number of concurrent writers. The template's own number and id are ignored.

        Args:
            study_id: the study.
            template_trial: ``None`` for a new RUNNING trial that starts now; otherwise a trial
                stored whole, in its state (WAITING for an enqueued trial, or finished for
                ``Study.add_trial``), with its params, values, attributes and intermediate
                values.

        Returns:
            The new trial's id, unique within this storage.

        Raises:
            KeyError: no study has this id.
            TypeError: a parameter name or attribute key of the template is not a ``str``, or
                an attribute value is not JSON data.
            ValueError: a name or key contains a NUL character, or a template distribution is
                incompatible with the one its name has in the study.
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

        Args:
            trial_id: the trial.
            param_name: the parameter's name.
            param_value_internal: the value in the distribution's internal (float)
                representation, e.g. the index of a categorical choice.
            distribution: the distribution the value was drawn from.

        Raises:
            KeyError: no trial has this id.
            UpdateFinishedTrialError: the trial has finished.
            TypeError: ``param_name`` is not a ``str``.
            ValueError: ``param_name`` contains a NUL character, or ``distribution`` is
                incompatible (another kind) with the one this name has in other trials of the
                study. Another range of the same kind is allowed.
        """

    def defer_param_writes(self, trial_id: int) -> None:
        """Hint that this process runs the trial to its end and finishes it itself.

        ``Study.optimize`` says so for each trial it runs. A storage may then write the
        parameters the trial is given in batches instead of one by one, as long as it shows
        them to its own readers at once and stores them before or with the trial's end
        (:class:`~parzen.storages.RDBStorage` does). The default writes each at once.

        Not abstract: the default does nothing. ``Study.optimize`` calls it right after
        ``Study.ask`` returns the trial.

        Args:
            trial_id: the trial this process will finish.
        """

    @abc.abstractmethod
    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        """Look a trial's id up by its study and number.

        Args:
            study_id: the study.
            trial_number: the trial's number within the study (from 0).

        Returns:
            The trial's id.

        Raises:
            KeyError: no study has this id, or the study has no trial with this number.
        """

    @abc.abstractmethod
    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        """Change a trial's state (and set its values), atomically.

        Moving to RUNNING sets the start time; moving to a finished state sets the completion
        time, after which the trial never changes.

        Args:
            trial_id: the trial.
            state: the new state.
            values: the objective values (one per direction), stored exactly; ``None`` keeps
                the trial without values (e.g. for FAIL or PRUNED).

        Returns:
            True if the state changed. False, changing nothing, when asked to move a trial to
            RUNNING that is no longer WAITING (another worker took it first).

        Raises:
            KeyError: no trial has this id.
            UpdateFinishedTrialError: the trial has finished.
        """

    @abc.abstractmethod
    def set_trial_intermediate_value(
        self, trial_id: int, step: int, intermediate_value: float
    ) -> None:
        """Record an intermediate value of a running trial (what ``Trial.report`` stores).

        Args:
            trial_id: the trial.
            step: the step the value belongs to; a later write to the same step overwrites.
            intermediate_value: the value, stored exactly (NaN and infinities included).

        Raises:
            KeyError: no trial has this id.
            UpdateFinishedTrialError: the trial has finished.
        """

    @abc.abstractmethod
    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        """Set (or overwrite) a user attribute of a running trial.

        Args:
            trial_id: the trial.
            key: the attribute's name.
            value: JSON data.

        Raises:
            KeyError: no trial has this id.
            UpdateFinishedTrialError: the trial has finished.
            TypeError: ``key`` is not a ``str`` or ``value`` is not JSON data.
            ValueError: ``key`` contains a NUL character.
        """

    @abc.abstractmethod
    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        """Set (or overwrite) a system attribute of a running trial.

        Args:
            trial_id: the trial.
            key: the attribute's name.
            value: JSON data.

        Raises:
            KeyError: no trial has this id.
            UpdateFinishedTrialError: the trial has finished.
            TypeError: ``key`` is not a ``str`` or ``value`` is not JSON data.
            ValueError: ``key`` contains a NUL character.
        """

    @abc.abstractmethod
    def get_trial(self, trial_id: int) -> FrozenTrial:
        """Read one trial.

        Args:
            trial_id: the trial.

        Returns:
            A copy of the trial, safe to mutate.

        Raises:
            KeyError: no trial has this id.
        """

    @abc.abstractmethod
    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        """Read a study's trials, ordered by number.

        Args:
            study_id: the study.
            deepcopy: True returns trials the caller may mutate without touching the
                storage. False lets the storage return shared objects; the caller promises not
                to mutate them (the fast path samplers use).
            states: only trials in these states; ``None`` means all, an empty container none.

        Returns:
            The selected trials, ordered by number.

        Raises:
            KeyError: no study has this id.
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

        Args:
            study_id: the study.
            cursor: 0 on the first call, then the cursor the previous call returned.

        Returns:
            The finished trials (COMPLETE, PRUNED, FAIL) the caller may not have seen, not to
            be mutated, and the cursor for the next call.

        Raises:
            KeyError: no study has this id.
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
        """Count a study's trials; the default lists them, storages may count faster.

        Args:
            study_id: the study.
            state: only trials in this state or these states; ``None`` counts all.

        Returns:
            The number of matching trials.

        Raises:
            KeyError: no study has this id.
        """
        states = (state,) if isinstance(state, TrialState) else state
        return len(self.get_all_trials(study_id, deepcopy=False, states=states))

    def get_best_trial(self, study_id: int) -> FrozenTrial:
        """Find the best COMPLETE trial of a single-objective study.

        Not abstract: the default scans the completed trials; storages may override it.

        Args:
            study_id: the study.

        Returns:
            The COMPLETE trial with the lowest (MINIMIZE) or highest (MAXIMIZE) value; among
            equal values, the one with the lowest number.

        Raises:
            KeyError: no study has this id.
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
        """Read a trial's parameters; the default reads the whole trial with ``get_trial``.

        Args:
            trial_id: the trial.

        Returns:
            The parameters by name, in external representation (e.g. the chosen category).

        Raises:
            KeyError: no trial has this id.
        """
        return self.get_trial(trial_id).params

    def get_trial_user_attrs(self, trial_id: int) -> dict[str, Any]:
        """Read a trial's user attributes; the default reads the whole trial.

        Args:
            trial_id: the trial.

        Returns:
            The user attributes by key.

        Raises:
            KeyError: no trial has this id.
        """
        return self.get_trial(trial_id).user_attrs

    def get_trial_system_attrs(self, trial_id: int) -> dict[str, Any]:
        """Read a trial's system attributes; the default reads the whole trial.

        Args:
            trial_id: the trial.

        Returns:
            The system attributes by key.

        Raises:
            KeyError: no trial has this id.
        """
        return self.get_trial(trial_id).system_attrs

    def get_trial_number_from_id(self, trial_id: int) -> int:
        """Look a trial's number up by id; the default reads the whole trial.

        Args:
            trial_id: the trial.

        Returns:
            The trial's number within its study.

        Raises:
            KeyError: no trial has this id.
        """
        return self.get_trial(trial_id).number

    def get_trial_param(self, trial_id: int, param_name: str) -> float:
        """Read one parameter of a trial in its internal (float) representation.

        Not abstract: the default reads the whole trial.

        Args:
            trial_id: the trial.
            param_name: the parameter's name.

        Returns:
            The internal value, e.g. the index of a categorical choice as a float.

        Raises:
            KeyError: no trial has this id, or the trial has no such parameter.
        """
        trial = self.get_trial(trial_id)
        return trial.distributions[param_name].to_internal_repr(trial.params[param_name])

    def remove_session(self) -> None:
        """Release connections held for this thread; the default is a no-op.

        ``Study.optimize`` calls it when it returns; the dashboard after each request.
        """

    def check_trial_is_updatable(self, trial_id: int, trial_state: TrialState) -> None:
        """Check that a trial may still be written; storages call it before each write.

        Args:
            trial_id: the trial (named in the error by its number).
            trial_state: the trial's current state.

        Raises:
            UpdateFinishedTrialError: ``trial_state`` is finished.
        """
        if trial_state.is_finished():
            raise finished_trial_error(self.get_trial_number_from_id(trial_id), trial_state)

    # -- heartbeats (persistent storages enable them) ---------------------------------------

    def is_heartbeat_enabled(self) -> bool:
        """Tell whether running trials send heartbeats, so a dead worker's trial can be failed.

        Returns:
            False by default; persistent storages return True when built with a
            ``heartbeat_interval``. When True, the four methods below must work.
        """
        return False

    def record_heartbeat(self, trial_id: int) -> None:
        """Note that the worker running ``trial_id`` is alive.

        Called every ``get_heartbeat_interval()`` seconds while the trial runs.

        Args:
            trial_id: the running trial.

        Raises:
            NotImplementedError: the storage does not support heartbeats (the default).
        """
        raise NotImplementedError(f"{type(self).__name__} does not support heartbeats.")

    def get_stale_trial_ids(self, study_id: int) -> list[int]:
        """Find the RUNNING trials whose worker seems dead.

        Args:
            study_id: the study.

        Returns:
            Ids of RUNNING trials whose last heartbeat (or start) is older than the grace
            period; the caller moves them to FAIL.

        Raises:
            NotImplementedError: the storage does not support heartbeats (the default).
        """
        raise NotImplementedError(f"{type(self).__name__} does not support heartbeats.")

    def get_heartbeat_interval(self) -> int | None:
        """Read the heartbeat interval.

        Returns:
            Seconds between heartbeats, or None when heartbeats are disabled (the default).
        """
        return None

    def get_failed_trial_callback(self) -> Callable[[Study, FrozenTrial], None] | None:
        """Read the callback run for each trial that heartbeats turned into FAIL.

        Returns:
            The callback, called as ``callback(study, failed_trial)`` (for example
            :class:`~parzen.storages.RetryFailedTrialCallback`), or None (the default).
        """
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
