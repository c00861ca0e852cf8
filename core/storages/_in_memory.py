"""InMemoryStorage: the default storage, holding studies in this process's memory.

Fast and thread-safe (one lock), but lost when the process ends and not shared with other
processes; it implements :class:`~parzen.storages.BaseStorage` and passes the same
conformance suite as the persistent backends.
"""

from __future__ import annotations

import datetime
import threading
import uuid
from collections.abc import Container, Sequence
from dataclasses import dataclass, field
from typing import Any

from parzen._json import require_json
from parzen._records.direction import StudyDirection
from parzen._records.study_summary import FrozenStudy
from parzen.distributions import BaseDistribution, check_distribution_compatibility
from parzen.exceptions import DuplicatedStudyError
from parzen.storages._base import (
    DEFAULT_STUDY_NAME_PREFIX,
    BaseStorage,
    check_name,
    check_template_names,
    unknown_study_name_error,
)
from parzen.trial import FrozenTrial, TrialState

_FINISHED_STATES = tuple(s for s in TrialState if s.is_finished())


@dataclass
class _StudyRecord:
    name: str
    directions: list[StudyDirection]
    user_attrs: dict[str, Any] = field(default_factory=dict)
    system_attrs: dict[str, Any] = field(default_factory=dict)
    trial_ids: list[int] = field(default_factory=list)  # index = trial number
    param_distributions: dict[str, BaseDistribution] = field(default_factory=dict)
    finished_trial_ids: list[int] = field(default_factory=list)  # in the order they finished
    # Unfinished trials by state, so that samplers' and ask()'s queries for RUNNING or
    # WAITING trials cost what they return, not a scan of the whole study.
    unfinished_ids: dict[TrialState, set[int]] = field(
        default_factory=lambda: {TrialState.RUNNING: set(), TrialState.WAITING: set()}
    )
    # Memory at scale: every trial of a study mostly repeats the same parameter names and
    # distributions, so stored trials share one instance of each (and, once finished, one
    # distributions dict) instead of each holding its own copies.
    param_names: dict[str, str] = field(default_factory=dict)
    shared_distributions: dict[str, BaseDistribution] = field(default_factory=dict)
    shared_param_names: tuple[str, ...] = ()


class InMemoryStorage(BaseStorage):
    """A thread-safe storage in this process's memory; gone when the process ends.

    A finished trial never changes again, so ``get_all_trials(deepcopy=False)`` hands finished
    trials out without copying; unfinished trials are written in place, and readers get a
    copy of them taken under the lock. Either way, what a reader holds never changes.

    Examples:
        >>> import parzen
        >>> study = parzen.create_study(storage=parzen.storages.InMemoryStorage())
        >>> study.optimize(lambda t: t.suggest_int("n", 0, 3), n_trials=3)
        >>> len(study.trials)
        3
    """

    def __init__(self) -> None:
        self._studies: dict[int, _StudyRecord] = {}
        self._study_ids_by_name: dict[str, int] = {}
        self._trials: list[FrozenTrial | None] = []  # index = trial id; None once deleted
        self._study_of_trial: list[int] = []
        self._next_study_id = 0
        self._lock = threading.RLock()

    def __getstate__(self) -> dict[str, Any]:
        # Picklable (a fitted ParzenSearchCV holds its study), minus the lock.
        with self._lock:
            state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()

    # -- studies ----------------------------------------------------------------------------

    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        with self._lock:
            # An empty name is a name (as in Optuna); only None gets a generated one.
            name = study_name
            if name is None:
                name = DEFAULT_STUDY_NAME_PREFIX + str(uuid.uuid4())
            check_name(name, "study name")
            if name in self._study_ids_by_name:
                raise DuplicatedStudyError(
                    f"A study named {name!r} already exists. Choose another name, or pass "
                    "load_if_exists=True to create_study to continue it."
                )
            study_id = self._next_study_id
            self._next_study_id += 1
            self._studies[study_id] = _StudyRecord(name=name, directions=list(directions))
            self._study_ids_by_name[name] = study_id
            return study_id

    def delete_study(self, study_id: int) -> None:
        with self._lock:
            record = self._study(study_id)
            for trial_id in record.trial_ids:
                self._trials[trial_id] = None
            del self._study_ids_by_name[record.name]
            del self._studies[study_id]

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        check_name(key, "study user attribute key")
        require_json(value, f"study user attribute {key!r}")
        with self._lock:
            self._study(study_id).user_attrs[key] = value

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        check_name(key, "study system attribute key")
        require_json(value, f"study system attribute {key!r}")
        with self._lock:
            self._study(study_id).system_attrs[key] = value

    def get_study_id_from_name(self, study_name: str) -> int:
        with self._lock:
            if study_name not in self._study_ids_by_name:
                raise unknown_study_name_error(study_name, list(self._study_ids_by_name))
            return self._study_ids_by_name[study_name]

    def get_study_name_from_id(self, study_id: int) -> str:
        with self._lock:
            return self._study(study_id).name

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        with self._lock:
            return list(self._study(study_id).directions)

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        with self._lock:
            return dict(self._study(study_id).user_attrs)

    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        with self._lock:
            return dict(self._study(study_id).system_attrs)

    def get_all_studies(self) -> list[FrozenStudy]:
        with self._lock:
            return [
                FrozenStudy(
                    study_name=r.name,
                    direction=None,
                    directions=r.directions,
                    user_attrs=dict(r.user_attrs),
                    system_attrs=dict(r.system_attrs),
                    study_id=study_id,
                )
                for study_id, r in self._studies.items()
            ]

    def _study(self, study_id: int) -> _StudyRecord:
        try:
            return self._studies[study_id]
        except KeyError:
            raise KeyError(f"No study with id {study_id} in this storage.") from None

    # -- trials -----------------------------------------------------------------------------

    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        with self._lock:
            record = self._study(study_id)
            trial_id = len(self._trials)
            number = len(record.trial_ids)
            if template_trial is None:
                trial = FrozenTrial(
                    number=number,
                    state=TrialState.RUNNING,
                    value=None,
                    datetime_start=datetime.datetime.now(),
                    datetime_complete=None,
                    params={},
                    distributions={},
                    user_attrs={},
                    system_attrs={},
                    intermediate_values={},
                    trial_id=trial_id,
                )
            else:
                check_template_names(template_trial)
                names = record.param_names
                distributions = {
                    names.setdefault(name, name): self._check_and_register_distribution(
                        record, name, dist
                    )
                    for name, dist in template_trial.distributions.items()
                }
                for key, value in template_trial.user_attrs.items():
                    require_json(value, f"user attribute {key!r}")
                for key, value in template_trial.system_attrs.items():
                    require_json(value, f"system attribute {key!r}")
                trial = template_trial._copy()
                trial.number = number
                trial._trial_id = trial_id
                trial.params = {names.get(k, k): v for k, v in trial.params.items()}
                trial.distributions = distributions
            self._trials.append(trial)
            self._study_of_trial.append(study_id)
            record.trial_ids.append(trial_id)
            if trial.state.is_finished():
                record.finished_trial_ids.append(trial_id)
                self._share_distributions(record, trial)
            else:
                record.unfinished_ids[trial.state].add(trial_id)
            return trial_id

    def set_trial_param(
        self,
        trial_id: int,
        param_name: str,
        param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        with self._lock:
            trial = self._get(trial_id)
            if trial.state in _FINISHED_STATES:  # _running_trial, inlined: once per suggest
                self.check_trial_is_updatable(trial_id, trial.state)
            record = self._studies[self._study_of_trial[trial_id]]
            # A name the study already holds was checked when first stored.
            name = record.param_names.get(param_name) if type(param_name) is str else None
            if name is None:
                check_name(param_name, "parameter name")
                name = record.param_names.setdefault(param_name, param_name)
            if record.param_distributions.get(name) is not distribution:
                distribution = self._check_and_register_distribution(record, name, distribution)
            trial.params[name] = distribution.to_external_repr(param_value_internal)
            trial.distributions[name] = distribution

    @staticmethod
    def _share_distributions(record: _StudyRecord, trial: FrozenTrial) -> None:
        # A finished trial is never written again, so it can share one distributions dict
        # and one tuple of parameter names with the study's other finished trials that hold
        # the same entries, and keep its values packed.
        if trial.distributions == record.shared_distributions:
            trial.distributions = record.shared_distributions
        else:
            record.shared_distributions = trial.distributions
        record.shared_param_names = trial._pack(record.shared_param_names)

    @staticmethod
    def _check_and_register_distribution(
        record: _StudyRecord, name: str, distribution: BaseDistribution
    ) -> BaseDistribution:
        """Check ``distribution`` against the study's; return the instance to store."""
        known = record.param_distributions.get(name)
        if known is not None:
            # Distributions are immutable values: an equal one can be shared.
            if known is distribution or known == distribution:
                return known
            check_distribution_compatibility(known, distribution)
        record.param_distributions[name] = distribution
        return distribution

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        with self._lock:
            trial_ids = self._study(study_id).trial_ids
            if not 0 <= trial_number < len(trial_ids):
                raise KeyError(
                    f"Study {study_id} has no trial number {trial_number}; it has "
                    f"{len(trial_ids)} trials (numbers 0 to {len(trial_ids) - 1})."
                )
            return trial_ids[trial_number]

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        with self._lock:
            trial = self._get(trial_id)
            if state == TrialState.RUNNING and trial.state != TrialState.WAITING:
                return False
            self.check_trial_is_updatable(trial_id, trial.state)
            now = datetime.datetime.now()
            record = self._studies[self._study_of_trial[trial_id]]
            record.unfinished_ids[trial.state].discard(trial_id)
            trial.state = state
            if values is not None:
                trial.values = values
            if state == TrialState.RUNNING:
                trial.datetime_start = now
            if state.is_finished():
                trial.datetime_complete = now
                record.finished_trial_ids.append(trial_id)
                self._share_distributions(record, trial)
            else:
                record.unfinished_ids[state].add(trial_id)
            return True

    def set_trial_intermediate_value(
        self, trial_id: int, step: int, intermediate_value: float
    ) -> None:
        with self._lock:
            self._running_trial(trial_id).intermediate_values[step] = intermediate_value

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        check_name(key, "user attribute key")
        require_json(value, f"user attribute {key!r}")
        with self._lock:
            self._running_trial(trial_id).user_attrs[key] = value

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        check_name(key, "system attribute key")
        require_json(value, f"system attribute {key!r}")
        with self._lock:
            self._running_trial(trial_id).system_attrs[key] = value

    def get_trial(self, trial_id: int) -> FrozenTrial:
        with self._lock:
            return self._get(trial_id)._copy()

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        with self._lock:
            record = self._study(study_id)
            if states is not None and not any(s in states for s in _FINISHED_STATES):
                # Only RUNNING/WAITING trials (ask() looks for WAITING ones before every
                # trial): the sets hold exactly those, and copies are fresh already.
                ids = sorted(
                    i
                    for s, in_state in record.unfinished_ids.items()
                    if s in states
                    for i in in_state
                )
                return [self._get(i)._copy() for i in ids]
            else:
                trials = [self._trials[i] for i in record.trial_ids]
                # Index = trial number. Unfinished trials change in place: copy them now.
                for unfinished in record.unfinished_ids.values():
                    for i in unfinished:
                        trial = self._get(i)
                        trials[trial.number] = trial._copy()
        selected = [t for t in trials if t is not None and (states is None or t.state in states)]
        if deepcopy:
            return [t._copy() if t.state.is_finished() else t for t in selected]
        return selected

    def get_finished_trials_since(
        self, study_id: int, cursor: int
    ) -> tuple[list[FrozenTrial], int]:
        with self._lock:
            finished_ids = self._study(study_id).finished_trial_ids
            new = [self._trials[i] for i in finished_ids[cursor:]]
            return [t for t in new if t is not None], len(finished_ids)

    def get_n_trials(
        self, study_id: int, state: TrialState | tuple[TrialState, ...] | None = None
    ) -> int:
        with self._lock:
            trial_ids = self._study(study_id).trial_ids
            if state is None:
                return len(trial_ids)
            states = (state,) if isinstance(state, TrialState) else state
            return sum(1 for i in trial_ids if self._get(i).state in states)

    def _get(self, trial_id: int) -> FrozenTrial:
        trial = self._trials[trial_id] if 0 <= trial_id < len(self._trials) else None
        if trial is None:
            raise KeyError(f"No trial with id {trial_id} in this storage.")
        return trial

    def _running_trial(self, trial_id: int) -> FrozenTrial:
        trial = self._get(trial_id)
        if trial.state in _FINISHED_STATES:  # identity tests, cheaper than is_finished()
            self.check_trial_is_updatable(trial_id, trial.state)
        return trial
