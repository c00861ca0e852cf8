"""JournalStorage: a storage that is a log of operations, replayed into memory by every process.

Every write is a record appended to a :class:`BaseJournalBackend`; every process replays the
records in log order into the same in-memory state, so the log order alone decides conflicts:
a trial's number is its position among its study's trial-creation records, and of two workers
taking the same WAITING trial the one whose record comes first wins. A writer appends and reads
what came before its records in one atomic backend call, so it learns the outcome of its own
records without a second read.

Records are JSON objects with an ``op`` code; a record that is invalid when its turn comes (a
write to a finished trial, a duplicate study name) changes nothing, in every process.

Records name every id they create and touch: a creation record carries the id its writer drew at
random, so replay never derives an id from a record's position. A damaged record that the
backend skips therefore loses only its own change, and never shifts a later record onto another
study or trial; a duplicated creation record is a no-op. Logs written before ids were explicit
(op codes 0 and 4 create without naming an id) still replay: their ids are the counts of
creations before them, as they were written.
"""

from __future__ import annotations

import datetime
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Container, Sequence
from typing import TYPE_CHECKING, Any

from parzen._records.direction import StudyDirection
from parzen._records.study_summary import FrozenStudy
from parzen.distributions import (
    BaseDistribution,
    check_distribution_compatibility,
    distribution_to_json,
)
from parzen.exceptions import (
    DuplicatedStudyError,
    StorageInternalError,
)
from parzen.storages import _wire
from parzen.storages._base import (
    DEFAULT_STUDY_NAME_PREFIX,
    BaseStorage,
    check_name,
    check_template_names,
    finished_trial_error,
    unknown_study_name_error,
)
from parzen.storages._heartbeat import check_heartbeat_settings, resolve_stale_trial_callback
from parzen.storages.journal._base import BaseJournalBackend
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study

# Operation codes of the records. Never renumber: logs written by older versions replay them.
_CREATE_STUDY = 0
_DELETE_STUDY = 1
_SET_STUDY_USER_ATTR = 2
_SET_STUDY_SYSTEM_ATTR = 3
_CREATE_TRIAL = 4
_SET_TRIAL_PARAM = 5
_SET_TRIAL_STATE_VALUES = 6
_SET_TRIAL_INTERMEDIATE_VALUE = 7
_SET_TRIAL_USER_ATTR = 8
_SET_TRIAL_SYSTEM_ATTR = 9
_HEARTBEAT = 10
_CREATE_STUDY_WITH_ID = 11
_CREATE_TRIAL_WITH_ID = 12
# Op codes 0 and 4: ids by position, written before creation records named their ids.
LEGACY_CREATE_OPS = (_CREATE_STUDY, _CREATE_TRIAL)

# New ids are drawn at random above the range of positional ids, and below 2**53 so that
# JavaScript (the dashboard) reads them exactly.
_ID_LOW = 2**32
_ID_HIGH = 2**53
_ID_ATTEMPTS = 8

_FINISHED_STATES = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


class _Study:
    __slots__ = (
        "alive_at",
        "directions",
        "finished_trial_ids",
        "name",
        "param_distributions",
        "system_attrs",
        "trial_ids",
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


class _AlreadyCreated:
    """The outcome of a creation record whose id exists (or existed) already: a no-op."""

    def __repr__(self) -> str:
        return "ALREADY_CREATED"


ALREADY_CREATED = _AlreadyCreated()


def _new_id() -> int:
    return _ID_LOW + secrets.randbelow(_ID_HIGH - _ID_LOW)


def _record_id(record: dict[str, Any], key: str) -> int:
    value = record[key]
    if type(value) is not int:
        raise TypeError(f"The record's {key!r} must be an int id, got {value!r}.")
    return value


def _attr_key(record: dict[str, Any]) -> str:
    key = record["k"]
    # Older parzen wrote keys of other types (set_user_attr(123, ...)); read them as a JSON
    # round trip would, so that every key is a str.
    return key if isinstance(key, str) else json.dumps(key)


def _no_such_trial(trial_id: int) -> KeyError:
    return KeyError(f"No trial with id {trial_id} in this storage.")


def _no_such_study(study_id: int) -> KeyError:
    return KeyError(f"No study with id {study_id} in this storage.")


class JournalStorage(BaseStorage):
    """A storage kept as an append-only log of operations, shared through a journal backend.

    Every process replays the log into memory and then reads only the records appended since
    its last read, so reads are as fast as :class:`~parzen.storages.InMemoryStorage` and writes
    cost one append. Trial numbers are dense and unique per study under any number of writers:
    the log order decides them. Use :class:`JournalFileBackend` for a file on a local or network
    disk, :class:`JournalRedisBackend` for a Redis server.

    Heartbeats (a parzen extension for journals) let workers fail the RUNNING trials of a worker
    that died: with ``heartbeat_interval`` set, each running trial appends a heartbeat record
    every ``heartbeat_interval`` seconds, and :func:`~parzen.storages.fail_stale_trials` (run by
    ``Study.optimize`` before each trial) fails RUNNING trials whose last heartbeat, or start if
    they have sent none, is older than ``grace_period``. Heartbeat times are the writers' wall
    clocks, so machines sharing a journal need synchronized clocks (NTP).

    Args:
        log_storage: the journal backend where the log lives (Optuna's name for it).
        heartbeat_interval: seconds between heartbeats of a running trial; None disables
            heartbeats.
        grace_period: seconds without a heartbeat after which a RUNNING trial is stale;
            defaults to twice ``heartbeat_interval``.
        heartbeat_stale_trial_callback: called with ``(study, trial)`` for each trial that
            heartbeats failed, e.g. :class:`~parzen.storages.RetryHeartbeatStaleTrialCallback`.
        failed_trial_callback: the older name of ``heartbeat_stale_trial_callback`` (a
            FutureWarning, as in Optuna 5); pass only one of the two.

    Examples:
        >>> import tempfile, os
        >>> import parzen
        >>> from parzen.storages.journal import JournalFileBackend, JournalStorage
        >>> path = os.path.join(tempfile.mkdtemp(), "journal.log")
        >>> storage = JournalStorage(JournalFileBackend(path), heartbeat_interval=60)
        >>> study = parzen.create_study(storage=storage)
        >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=5)
        >>> len(study.trials)
        5
    """

    def __init__(
        self,
        log_storage: BaseJournalBackend,
        *,
        heartbeat_interval: int | None = None,
        grace_period: int | None = None,
        heartbeat_stale_trial_callback: Callable[[Study, FrozenTrial], None] | None = None,
        failed_trial_callback: Callable[[Study, FrozenTrial], None] | None = None,
    ) -> None:
        failed_trial_callback = resolve_stale_trial_callback(
            heartbeat_stale_trial_callback, failed_trial_callback
        )
        if not isinstance(log_storage, BaseJournalBackend):
            raise TypeError(
                f"JournalStorage needs a BaseJournalBackend, got {log_storage!r} "
                f"({type(log_storage).__name__}). Pass e.g. JournalFileBackend('journal.log')."
            )
        check_heartbeat_settings(heartbeat_interval, grace_period, failed_trial_callback)
        self._backend = log_storage
        self._heartbeat_interval = heartbeat_interval
        self._grace_period = grace_period
        self._failed_trial_callback = failed_trial_callback
        self._init_state()
        with self._lock:
            self._sync()

    def _init_state(self) -> None:
        self._lock = threading.RLock()
        self._log_number = 0  # records replayed so far
        self._studies: dict[int, _Study] = {}
        self._study_ids_by_name: dict[str, int] = {}
        self._trials: dict[int, FrozenTrial] = {}
        self._study_of_trial: dict[int, int] = {}
        # Ids of deleted studies and their trials: a replayed creation never revives them.
        self._retired_ids: set[int] = set()
        # Creations so far: the ids that records of the positional format (op 0 and 4) get.
        self._n_studies_created = 0
        self._n_trials_created = 0
        self._distributions = _wire.DistributionCache()

    def __getstate__(self) -> dict[str, Any]:
        return {
            "_backend": self._backend,
            "_heartbeat_interval": self._heartbeat_interval,
            "_grace_period": self._grace_period,
            "_failed_trial_callback": self._failed_trial_callback,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init_state()

    @property
    def backend(self) -> BaseJournalBackend:
        """The backend holding the log."""
        return self._backend

    # -- log plumbing -----------------------------------------------------------------------

    def _sync(self) -> None:
        """Replay the records appended since the last read (caller holds ``_lock``)."""
        # Count a record only once applied: one that cannot be applied stops every later
        # read at the same place instead of being skipped.
        for record in self._backend.read_logs(self._log_number):
            self._apply(record)
            self._log_number += 1

    def _write(self, records: list[dict[str, Any]]) -> Any:
        """Append records and replay up to and including them; return the first's outcome.

        An outcome that is an exception (the record was invalid when its turn came) is raised.
        """
        with self._lock:
            before, appended_at = self._backend.append_logs_and_read(self._log_number, records)
            for record in before:
                self._apply(record)
                self._log_number += 1
            if appended_at != self._log_number:
                raise StorageInternalError(
                    f"The journal backend placed the appended records at log number "
                    f"{appended_at}, but this process had read {self._log_number} records: the "
                    "log was truncated or replaced while in use."
                )
            outcomes = []
            for record in records:
                outcomes.append(self._apply(record))
                self._log_number += 1
        for outcome in outcomes:
            if isinstance(outcome, Exception):
                raise outcome
        return outcomes[0]

    # -- replay -----------------------------------------------------------------------------

    def _apply(self, record: dict[str, Any]) -> Any:
        """Apply one record to the in-memory state; return its outcome (maybe an exception).

        Every process calls this on the same records in the same order, so what it accepts and
        rejects must depend on the replayed state alone.
        """
        op = record.get("op")
        handler = _HANDLERS.get(op) if isinstance(op, int) else None
        if handler is None:
            raise StorageInternalError(
                f"Unknown journal record {record!r}: the log was written by a newer parzen, or "
                "by another program. Upgrade parzen, or use a separate journal."
            )
        try:
            return handler(self, record)
        except (KeyError, ValueError, TypeError, IndexError) as e:
            # Handlers check before they change anything, so a rejected record changed nothing.
            return e

    def _apply_create_study(self, record: dict[str, Any]) -> Any:
        if record["op"] == _CREATE_STUDY_WITH_ID:
            study_id = _record_id(record, "sid")
        else:
            study_id = self._n_studies_created
        if study_id in self._studies or study_id in self._retired_ids:
            return ALREADY_CREATED
        name = record["name"]
        if not isinstance(name, str):
            raise TypeError(f"A study name must be a str, got {name!r}.")
        if name in self._study_ids_by_name:
            return DuplicatedStudyError(
                f"A study named {name!r} already exists. Choose another name, or pass "
                "load_if_exists=True to create_study to continue it."
            )
        directions = [StudyDirection(d) for d in record["dirs"]]
        self._n_studies_created += 1
        self._studies[study_id] = _Study(name, directions)
        self._study_ids_by_name[name] = study_id
        return study_id

    def _apply_delete_study(self, record: dict[str, Any]) -> Any:
        study_id = record["sid"]
        study = self._study(study_id)
        for trial_id in study.trial_ids:
            del self._trials[trial_id]
            del self._study_of_trial[trial_id]
        self._retired_ids.update(study.trial_ids)
        self._retired_ids.add(study_id)
        del self._study_ids_by_name[study.name]
        del self._studies[study_id]
        return None

    def _apply_set_study_user_attr(self, record: dict[str, Any]) -> Any:
        self._study(record["sid"]).user_attrs[_attr_key(record)] = record["v"]
        return None

    def _apply_set_study_system_attr(self, record: dict[str, Any]) -> Any:
        self._study(record["sid"]).system_attrs[_attr_key(record)] = record["v"]
        return None

    def _apply_create_trial(self, record: dict[str, Any]) -> Any:
        if record["op"] == _CREATE_TRIAL_WITH_ID:
            trial_id = _record_id(record, "tid")
        else:
            trial_id = self._n_trials_created
        if trial_id in self._trials or trial_id in self._retired_ids:
            return ALREADY_CREATED
        study_id = record["sid"]
        study = self._study(study_id)
        now = record["t"]
        template = record.get("tpl")
        number = len(study.trial_ids)
        if template is None:
            state = TrialState.RUNNING
            trial = FrozenTrial(
                number=number,
                state=state,
                value=None,
                datetime_start=datetime.datetime.fromtimestamp(now),
                datetime_complete=None,
                params={},
                distributions={},
                user_attrs={},
                system_attrs={},
                intermediate_values={},
                trial_id=trial_id,
            )
        else:
            distributions = _wire.decode_distributions(template["p"], self._distributions)
            for name, dist in distributions.items():
                known = study.param_distributions.get(name)
                if known is not None:
                    check_distribution_compatibility(known, dist)
            state = TrialState(template["s"])
            trial = FrozenTrial(
                number=number,
                state=state,
                value=None,
                values=template.get("vals"),
                datetime_start=_wire.parse_datetime(template.get("ds")),
                datetime_complete=_wire.parse_datetime(template.get("dc")),
                params=_wire.decode_param_values(template["p"], distributions),
                distributions=distributions,
                user_attrs=template["ua"],
                system_attrs=template["sa"],
                intermediate_values=_wire.decode_steps(template["iv"]),
                trial_id=trial_id,
            )
            study.param_distributions.update(distributions)
        self._n_trials_created += 1
        self._trials[trial_id] = trial
        self._study_of_trial[trial_id] = study_id
        study.trial_ids.append(trial_id)
        if state.is_finished():
            study.finished_trial_ids.append(trial_id)
        elif state == TrialState.RUNNING:
            study.alive_at[trial_id] = now
        return trial_id

    def _apply_set_trial_param(self, record: dict[str, Any]) -> Any:
        trial_id = record["tid"]
        trial = self._updatable_trial(trial_id)
        if isinstance(trial, Exception):
            return trial
        study = self._studies[self._study_of_trial[trial_id]]
        name = record["k"]
        dist = self._distributions.get(record["d"])
        value = dist.to_external_repr(record["v"])
        known = study.param_distributions.get(name)
        if known is not None and known is not dist:
            check_distribution_compatibility(known, dist)
        study.param_distributions[name] = dist
        updated = trial._shallow_copy()
        updated.params = {**trial.params, name: value}
        updated.distributions = {**trial.distributions, name: dist}
        self._trials[trial_id] = updated
        return None

    def _apply_set_trial_state_values(self, record: dict[str, Any]) -> Any:
        trial_id = record["tid"]
        trial = self._trial(trial_id)
        state = TrialState(record["s"])
        if state == TrialState.RUNNING and trial.state != TrialState.WAITING:
            return False
        if trial.state.is_finished():
            return finished_trial_error(trial.number, trial.state)
        updated = trial._shallow_copy()
        updated.state = state
        values = record.get("vals")
        if values is not None:
            updated.values = values
        now = record["t"]
        study = self._studies[self._study_of_trial[trial_id]]
        if state == TrialState.RUNNING:
            updated.datetime_start = datetime.datetime.fromtimestamp(now)
            study.alive_at[trial_id] = now
        if state.is_finished():
            updated.datetime_complete = datetime.datetime.fromtimestamp(now)
            study.finished_trial_ids.append(trial_id)
            study.alive_at.pop(trial_id, None)
        self._trials[trial_id] = updated
        return True

    def _apply_set_trial_intermediate_value(self, record: dict[str, Any]) -> Any:
        trial_id = record["tid"]
        trial = self._updatable_trial(trial_id)
        if isinstance(trial, Exception):
            return trial
        updated = trial._shallow_copy()
        updated.intermediate_values = {**trial.intermediate_values, record["step"]: record["v"]}
        self._trials[trial_id] = updated
        return None

    def _apply_set_trial_user_attr(self, record: dict[str, Any]) -> Any:
        trial_id = record["tid"]
        trial = self._updatable_trial(trial_id)
        if isinstance(trial, Exception):
            return trial
        updated = trial._shallow_copy()
        updated.user_attrs = {**trial.user_attrs, _attr_key(record): record["v"]}
        self._trials[trial_id] = updated
        return None

    def _apply_set_trial_system_attr(self, record: dict[str, Any]) -> Any:
        trial_id = record["tid"]
        trial = self._updatable_trial(trial_id)
        if isinstance(trial, Exception):
            return trial
        updated = trial._shallow_copy()
        updated.system_attrs = {**trial.system_attrs, _attr_key(record): record["v"]}
        self._trials[trial_id] = updated
        return None

    def _apply_heartbeat(self, record: dict[str, Any]) -> Any:
        trial_id = record["tid"]
        trial = self._trials.get(trial_id)
        if trial is not None and trial.state == TrialState.RUNNING:
            alive_at = self._studies[self._study_of_trial[trial_id]].alive_at
            alive_at[trial_id] = max(alive_at.get(trial_id, 0.0), record["t"])
        return None

    def _study(self, study_id: int) -> _Study:
        study = self._studies.get(study_id)
        if study is None:
            raise _no_such_study(study_id)
        return study

    def _trial(self, trial_id: int) -> FrozenTrial:
        trial = self._trials.get(trial_id)
        if trial is None:
            raise _no_such_trial(trial_id)
        return trial

    def _updatable_trial(self, trial_id: int) -> FrozenTrial | Exception:
        trial = self._trial(trial_id)
        if trial.state.is_finished():
            return finished_trial_error(trial.number, trial.state)
        return trial

    def _known_study(self, study_id: int) -> None:
        """Raise KeyError, without writing, for a study id the log has never had."""
        with self._lock:
            if study_id not in self._studies:
                self._sync()
                self._study(study_id)

    def _known_trial(self, trial_id: int) -> FrozenTrial:
        """The trial, reading the log first if this process has not seen it yet."""
        with self._lock:
            if trial_id not in self._trials:
                self._sync()
            return self._trial(trial_id)

    # -- studies ----------------------------------------------------------------------------

    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        # An empty name is a name (as in Optuna); only None gets a generated one.
        name = study_name
        if name is None:
            name = DEFAULT_STUDY_NAME_PREFIX + str(uuid.uuid4())
        check_name(name, "study name")
        dirs = [int(StudyDirection(d)) for d in directions]
        return self._create(
            lambda new_id: {"op": _CREATE_STUDY_WITH_ID, "sid": new_id, "name": name, "dirs": dirs}
        )

    def _create(self, make_record: Callable[[int], dict[str, Any]]) -> int:
        """Append a creation record under a fresh random id; draw again if the id is taken."""
        for _ in range(_ID_ATTEMPTS):
            outcome = self._write([make_record(_new_id())])
            if outcome is not ALREADY_CREATED:
                return int(outcome)
        raise StorageInternalError(
            f"{_ID_ATTEMPTS} random ids in a row were taken already in this journal: the "
            "random number generator of this machine is broken."
        )

    def delete_study(self, study_id: int) -> None:
        with self._lock:
            self._sync()
            self._study(study_id)
            self._write([{"op": _DELETE_STUDY, "sid": study_id}])

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        check_name(key, "study user attribute key")
        value = _wire.json_copy(value, f"study user attribute {key!r}")
        self._known_study(study_id)
        self._write([{"op": _SET_STUDY_USER_ATTR, "sid": study_id, "k": key, "v": value}])

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        check_name(key, "study system attribute key")
        value = _wire.json_copy(value, f"study system attribute {key!r}")
        self._known_study(study_id)
        self._write([{"op": _SET_STUDY_SYSTEM_ATTR, "sid": study_id, "k": key, "v": value}])

    def get_study_id_from_name(self, study_name: str) -> int:
        with self._lock:
            self._sync()
            study_id = self._study_ids_by_name.get(study_name)
            if study_id is None:
                raise unknown_study_name_error(study_name, list(self._study_ids_by_name))
            return study_id

    def get_study_name_from_id(self, study_id: int) -> str:
        with self._lock:
            self._sync()
            return self._study(study_id).name

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        with self._lock:
            # Directions never change: skip reading the log when the study is known.
            if study_id not in self._studies:
                self._sync()
            return list(self._study(study_id).directions)

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        with self._lock:
            self._sync()
            return dict(self._study(study_id).user_attrs)

    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        with self._lock:
            self._sync()
            return dict(self._study(study_id).system_attrs)

    def get_all_studies(self) -> list[FrozenStudy]:
        with self._lock:
            self._sync()
            return [
                FrozenStudy(
                    study_name=s.name,
                    direction=None,
                    directions=s.directions,
                    user_attrs=dict(s.user_attrs),
                    system_attrs=dict(s.system_attrs),
                    study_id=study_id,
                )
                for study_id, s in self._studies.items()
            ]

    # -- trials: writes ---------------------------------------------------------------------

    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        self._known_study(study_id)
        template = None if template_trial is None else _template_record(template_trial)

        def record(new_id: int) -> dict[str, Any]:
            created: dict[str, Any] = {
                "op": _CREATE_TRIAL_WITH_ID,
                "sid": study_id,
                "tid": new_id,
                "t": time.time(),
            }
            if template is not None:
                created["tpl"] = template
            return created

        return self._create(record)

    def set_trial_param(
        self,
        trial_id: int,
        param_name: str,
        param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        check_name(param_name, "parameter name")
        with self._lock:
            trial = self._known_trial(trial_id)
            self.check_trial_is_updatable(trial_id, trial.state)
            known = self._studies[self._study_of_trial[trial_id]].param_distributions.get(
                param_name
            )
            if known is not None:
                check_distribution_compatibility(known, distribution)
        self._write(
            [
                {
                    "op": _SET_TRIAL_PARAM,
                    "tid": trial_id,
                    "k": param_name,
                    "v": float(param_value_internal),
                    "d": distribution_to_json(distribution),
                }
            ]
        )

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        with self._lock:
            trial = self._known_trial(trial_id)
            if state == TrialState.RUNNING and trial.state != TrialState.WAITING:
                return False
            self.check_trial_is_updatable(trial_id, trial.state)
        record: dict[str, Any] = {
            "op": _SET_TRIAL_STATE_VALUES,
            "tid": trial_id,
            "s": int(state),
            "t": time.time(),
        }
        if values is not None:
            record["vals"] = [float(v) for v in values]
        return bool(self._write([record]))

    def set_trial_intermediate_value(
        self, trial_id: int, step: int, intermediate_value: float
    ) -> None:
        self._check_updatable(trial_id)
        self._write(
            [
                {
                    "op": _SET_TRIAL_INTERMEDIATE_VALUE,
                    "tid": trial_id,
                    "step": int(step),
                    "v": float(intermediate_value),
                }
            ]
        )

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        check_name(key, "user attribute key")
        value = _wire.json_copy(value, f"user attribute {key!r}")
        self._check_updatable(trial_id)
        self._write([{"op": _SET_TRIAL_USER_ATTR, "tid": trial_id, "k": key, "v": value}])

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        check_name(key, "system attribute key")
        value = _wire.json_copy(value, f"system attribute {key!r}")
        self._check_updatable(trial_id)
        self._write([{"op": _SET_TRIAL_SYSTEM_ATTR, "tid": trial_id, "k": key, "v": value}])

    def _check_updatable(self, trial_id: int) -> None:
        # Finished is final, so a local check spares the log a record that replay would reject.
        trial = self._known_trial(trial_id)
        self.check_trial_is_updatable(trial_id, trial.state)

    # -- trials: reads ----------------------------------------------------------------------

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        with self._lock:
            trial_ids = self._study(study_id).trial_ids if study_id in self._studies else []
            if not 0 <= trial_number < len(trial_ids):
                self._sync()
                trial_ids = self._study(study_id).trial_ids
            if not 0 <= trial_number < len(trial_ids):
                raise KeyError(
                    f"Study {study_id} has no trial number {trial_number}; it has "
                    f"{len(trial_ids)} trials (numbers 0 to {len(trial_ids) - 1})."
                )
            return trial_ids[trial_number]

    def get_trial_number_from_id(self, trial_id: int) -> int:
        return self._known_trial(trial_id).number

    def get_trial(self, trial_id: int) -> FrozenTrial:
        with self._lock:
            trial = self._known_trial(trial_id)
            if not trial.state.is_finished():
                self._sync()
                trial = self._trial(trial_id)
            return trial._copy()

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        with self._lock:
            self._sync()
            # A study's trial ids never point to a deleted trial: they go with the study.
            all_trials = self._trials
            selected = [all_trials[i] for i in self._study(study_id).trial_ids]
        if states is not None:
            selected = [t for t in selected if t.state in states]
        # Stored trials are replaced, never mutated, so the list is a consistent snapshot.
        return [t._copy() for t in selected] if deepcopy else selected

    def get_finished_trials_since(
        self, study_id: int, cursor: int
    ) -> tuple[list[FrozenTrial], int]:
        with self._lock:
            self._sync()
            finished_ids = self._study(study_id).finished_trial_ids
            return [self._trials[i] for i in finished_ids[cursor:]], len(finished_ids)

    def get_n_trials(
        self, study_id: int, state: TrialState | tuple[TrialState, ...] | None = None
    ) -> int:
        with self._lock:
            self._sync()
            trial_ids = self._study(study_id).trial_ids
            if state is None:
                return len(trial_ids)
            states = (state,) if isinstance(state, TrialState) else state
            return sum(1 for i in trial_ids if self._trial(i).state in states)

    # -- heartbeats -------------------------------------------------------------------------

    def is_heartbeat_enabled(self) -> bool:
        return self._heartbeat_interval is not None

    def record_heartbeat(self, trial_id: int) -> None:
        with self._lock:
            trial = self._trials.get(trial_id)
            if trial is not None and trial.state.is_finished():
                return  # the beat raced with tell; replay would ignore it anyway
        self._write([{"op": _HEARTBEAT, "tid": trial_id, "t": time.time()}])

    def get_stale_trial_ids(self, study_id: int) -> list[int]:
        grace_period = self._effective_grace_period()
        with self._lock:
            self._sync()
            deadline = time.time() - grace_period
            return [t for t, at in self._study(study_id).alive_at.items() if at < deadline]

    def get_heartbeat_interval(self) -> int | None:
        return self._heartbeat_interval

    def get_failed_trial_callback(self) -> Callable[[Study, FrozenTrial], None] | None:
        return self._failed_trial_callback

    def get_heartbeat_stale_trial_callback(
        self,
    ) -> Callable[[Study, FrozenTrial], None] | None:
        """The callback run on each trial that heartbeats failed (Optuna 5's name)."""
        return self._failed_trial_callback

    def _effective_grace_period(self) -> float:
        if self._grace_period is not None:
            return self._grace_period
        if self._heartbeat_interval is None:
            raise RuntimeError(
                "Heartbeats are disabled for this JournalStorage; pass heartbeat_interval= to "
                "enable them."
            )
        return 2 * self._heartbeat_interval


_HANDLERS: dict[int, Callable[[JournalStorage, dict[str, Any]], Any]] = {
    _CREATE_STUDY: JournalStorage._apply_create_study,
    _CREATE_STUDY_WITH_ID: JournalStorage._apply_create_study,
    _DELETE_STUDY: JournalStorage._apply_delete_study,
    _SET_STUDY_USER_ATTR: JournalStorage._apply_set_study_user_attr,
    _SET_STUDY_SYSTEM_ATTR: JournalStorage._apply_set_study_system_attr,
    _CREATE_TRIAL: JournalStorage._apply_create_trial,
    _CREATE_TRIAL_WITH_ID: JournalStorage._apply_create_trial,
    _SET_TRIAL_PARAM: JournalStorage._apply_set_trial_param,
    _SET_TRIAL_STATE_VALUES: JournalStorage._apply_set_trial_state_values,
    _SET_TRIAL_INTERMEDIATE_VALUE: JournalStorage._apply_set_trial_intermediate_value,
    _SET_TRIAL_USER_ATTR: JournalStorage._apply_set_trial_user_attr,
    _SET_TRIAL_SYSTEM_ATTR: JournalStorage._apply_set_trial_system_attr,
    _HEARTBEAT: JournalStorage._apply_heartbeat,
}


def _template_record(template: FrozenTrial) -> dict[str, Any]:
    """The ``tpl`` of a trial-creation record; its keys are part of the log format."""
    check_template_names(template)
    params = _wire.encode_params(template)
    return {
        "s": int(template.state),
        "vals": _wire.encode_values(template.values),
        "ds": _wire.datetime_text(template.datetime_start),
        "dc": _wire.datetime_text(template.datetime_complete),
        "p": params,
        "ua": _wire.json_copy(template.user_attrs, "template trial's user attributes"),
        "sa": _wire.json_copy(template.system_attrs, "template trial's system attributes"),
        "iv": _wire.encode_steps(template.intermediate_values),
    }
