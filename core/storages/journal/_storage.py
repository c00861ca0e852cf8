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

Opening a large log replays it from a checkpoint when its backend keeps one (the file backend
does, see ``_checkpoint``): the state replayed up to some record, saved once at least
``CHECKPOINT_MIN_RECORDS`` records (and a quarter of the checkpoint's) were replayed since the
last one. The checkpoint is a cache validated against the log; the log stays the truth.

Replay keeps per-study counts by state and the sets of WAITING and RUNNING trials, so that
``ask`` (which looks for WAITING trials) costs the same at trial 50,000 as at trial 10. The
parameters of a trial that ``Study.optimize`` runs (``defer_param_writes``) wait in this
process and are appended with the trial's next write, usually its end, in one append; any read
of this storage appends them first, so this process always reads them back. Other processes
see them when the trial ends.
"""

from __future__ import annotations

import datetime
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Container, Iterable, Sequence
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
from parzen.logging import get_logger
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
from parzen.storages.journal import _checkpoint
from parzen.storages.journal._base import BaseJournalBackend
from parzen.storages.journal._state import StudyState
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

# A checkpoint is saved once this many records, and a quarter of those the newest checkpoint
# holds, were replayed since it: rarely enough that saving costs little next to replaying.
CHECKPOINT_MIN_RECORDS = 10_000

_logger = get_logger(__name__)


def _checkpoint_due(checkpointed_at: int) -> int:
    return max(CHECKPOINT_MIN_RECORDS, checkpointed_at // 4)


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
        # Trials this process runs to their end (defer_param_writes): their parameter records
        # wait in _pending and go out with the next append, or before the next read.
        self._deferred: set[int] = set()
        self._pending: list[dict[str, Any]] = []
        self._pending_distributions: dict[tuple[int, str], BaseDistribution] = {}
        self._reset_replay()

    def _reset_replay(self) -> None:
        self._log_number = 0  # records replayed so far
        # The record count of the newest checkpoint this process knows of (0: none).
        self._checkpointed_at = 0
        self._studies: dict[int, StudyState] = {}
        self._study_ids_by_name: dict[str, int] = {}
        self._trials: dict[int, FrozenTrial] = {}
        # Finished trials restored from a checkpoint and not read yet (see _lookup).
        self._unbuilt: dict[int, _checkpoint.Unbuilt] = {}
        self._study_of_trial: dict[int, int] = {}
        # Ids of deleted studies and their trials: a replayed creation never revives them.
        self._retired_ids: set[int] = set()
        # Creations so far: the ids that records of the positional format (op 0 and 4) get.
        self._n_studies_created = 0
        self._n_trials_created = 0
        self._distributions = _wire.DistributionCache()

    def __getstate__(self) -> dict[str, Any]:
        with self._lock:
            if self._pending:
                self._write([])
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
        if self._pending:
            self._write([])  # appends them, and reads what came before
            return
        if self._log_number == 0:
            # The first read replays the whole log (or a checkpoint and the log's tail).
            with _checkpoint.gc_paused():
                self._restore_checkpoint()
                self._replay(self._backend.read_logs(self._log_number))
        else:
            self._replay(self._backend.read_logs(self._log_number))
        self._maybe_checkpoint()

    def _replay(self, records: Iterable[dict[str, Any]]) -> None:
        # Count a record only once applied: one that cannot be applied stops every later
        # read at the same place instead of being skipped.
        for record in records:
            self._apply(record)
            self._log_number += 1

    # -- checkpoints (see _checkpoint) --------------------------------------------------------

    def _restore_checkpoint(self) -> None:
        found = self._backend._load_checkpoint()
        if found is None:
            return
        log_number, state = found
        try:
            restored = _checkpoint.decode_state(state, self._distributions)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as e:
            # The next read rewinds the backend to the log's start: the log decides.
            _logger.warning(f"Ignored a malformed journal checkpoint ({e!r}); replaying the log.")
            self._backend._reject_checkpoint()
            return
        self._studies = restored.studies
        self._study_ids_by_name = restored.study_ids_by_name
        self._trials = restored.trials
        self._unbuilt = restored.unbuilt
        self._study_of_trial = restored.study_of_trial
        self._retired_ids = restored.retired_ids
        self._n_studies_created = restored.n_studies_created
        self._n_trials_created = restored.n_trials_created
        self._log_number = self._checkpointed_at = log_number

    def _maybe_checkpoint(self) -> None:
        """Save a checkpoint once the records replayed since the newest one are many."""
        if self._log_number - self._checkpointed_at < _checkpoint_due(self._checkpointed_at):
            return
        newest = self._backend._checkpoint_log_number()
        if newest is None:
            self._checkpointed_at = self._log_number  # no checkpoints here: stop asking
            return
        if newest > self._checkpointed_at:
            self._checkpointed_at = newest  # another process saved one
            if self._log_number - newest < _checkpoint_due(newest):
                return
        with _checkpoint.gc_paused():
            state = _checkpoint.encode_state(self)
        # Saved or not (a read-only directory), wait for as many records again.
        self._backend._save_checkpoint(self._log_number, state)
        self._checkpointed_at = self._log_number

    def _write(self, records: list[dict[str, Any]]) -> Any:
        """Append records and replay up to and including them; return the first's outcome.

        Parameter records waiting in ``_pending`` go first, in the same append. An outcome
        that is an exception (the record was invalid when its turn came) is raised.
        """
        with self._lock:
            pending, self._pending = self._pending, []
            pending_distributions, self._pending_distributions = self._pending_distributions, {}
            batch = pending + records if pending else records
            try:
                before, appended_at = self._backend.append_logs_and_read(self._log_number, batch)
            except BaseException:
                # Nothing was appended: keep them for the next write.
                self._pending, self._pending_distributions = pending, pending_distributions
                raise
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
            for record in batch:
                outcomes.append(self._apply(record))
                self._log_number += 1
            self._maybe_checkpoint()
        for outcome in outcomes[: len(pending)]:
            if isinstance(outcome, Exception):
                # The trial finished elsewhere (heartbeats), or another process gave the name
                # another kind of distribution first: the write the objective made is lost.
                _logger.warning(f"A parameter written in a batch was refused: {outcome}")
        outcomes = outcomes[len(pending) :]
        for outcome in outcomes:
            if isinstance(outcome, Exception):
                raise outcome
        return outcomes[0] if outcomes else None

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
        self._studies[study_id] = StudyState(name, directions)
        self._study_ids_by_name[name] = study_id
        return study_id

    def _apply_delete_study(self, record: dict[str, Any]) -> Any:
        study_id = record["sid"]
        study = self._study(study_id)
        for trial_id in study.trial_ids:
            self._trials.pop(trial_id, None)
            self._unbuilt.pop(trial_id, None)
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
        if trial_id in self._study_of_trial or trial_id in self._retired_ids:
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
                # Equal JSON decodes to the same object (the cache): compatible by identity.
                if known is not None and known is not dist:
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
        study.add_trial(trial_id, state)
        if state == TrialState.RUNNING:
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
            self._deferred.discard(trial_id)
        study.move_trial(trial_id, trial.state, state)
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
        trial = self._trials.get(trial_id)  # a trial still unbuilt has finished
        if trial is not None and trial.state == TrialState.RUNNING:
            alive_at = self._studies[self._study_of_trial[trial_id]].alive_at
            alive_at[trial_id] = max(alive_at.get(trial_id, 0.0), record["t"])
        return None

    def _study(self, study_id: int) -> StudyState:
        study = self._studies.get(study_id)
        if study is None:
            raise _no_such_study(study_id)
        return study

    def _lookup(self, trial_id: int) -> FrozenTrial | None:
        """The stored trial, built first if it is a checkpoint's row; None if there is none."""
        trial = self._trials.get(trial_id)
        if trial is None and self._unbuilt:
            entry = self._unbuilt.pop(trial_id, None)
            if entry is not None:
                trial = self._trials[trial_id] = _checkpoint.build_trial(entry, private=False)
        return trial

    def _trial(self, trial_id: int) -> FrozenTrial:
        trial = self._lookup(trial_id)
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
            if trial_id not in self._study_of_trial:
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
            study_id = self._study_of_trial[trial_id]
            known = self._studies[study_id].param_distributions.get(
                param_name
            ) or self._pending_distributions.get((study_id, param_name))
            if known is not None:
                check_distribution_compatibility(known, distribution)
            record = {
                "op": _SET_TRIAL_PARAM,
                "tid": trial_id,
                "k": param_name,
                "v": float(param_value_internal),
                "d": distribution_to_json(distribution),
            }
            if trial_id in self._deferred:
                self._pending.append(record)
                self._pending_distributions.setdefault((study_id, param_name), distribution)
                return
        self._write([record])

    def defer_param_writes(self, trial_id: int) -> None:
        # The trial's parameter records go out with its next write (usually its end), one
        # append instead of one per parameter; any read of this storage sends them first.
        with self._lock:
            self._deferred.add(trial_id)

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
            study = self._study(study_id)
            # A study's trial ids never point to a deleted trial: they go with the study.
            wanted = None if states is None else [s for s in TrialState if s in states]
            if wanted is not None and all(s in study.unfinished_ids for s in wanted):
                # WAITING or RUNNING only (ask's query): what they are, not the whole study.
                # Unfinished trials are always built.
                ids = [i for s in wanted for i in study.unfinished_ids[s]]
                selected: list[Any] = sorted((self._trials[i] for i in ids), key=_number)
            elif deepcopy and self._unbuilt:
                # A checkpoint's rows are built straight into the caller's copies, once.
                built, unbuilt = self._trials, self._unbuilt
                selected = [built.get(i) or unbuilt[i] for i in study.trial_ids]
            else:
                selected = [self._lookup(i) for i in study.trial_ids]
        if states is not None:
            selected = [t for t in selected if _state_of(t) in states]
        # Stored trials are replaced, never mutated, so the list is a consistent snapshot.
        if not deepcopy:
            return selected
        with _checkpoint.gc_paused():
            return [
                _checkpoint.build_trial(t, private=True) if type(t) is tuple else t._copy()
                for t in selected
            ]

    def get_finished_trials_since(
        self, study_id: int, cursor: int
    ) -> tuple[list[FrozenTrial], int]:
        with self._lock:
            self._sync()
            finished_ids = self._study(study_id).finished_trial_ids
            return [self._trial(i) for i in finished_ids[cursor:]], len(finished_ids)

    def get_n_trials(
        self, study_id: int, state: TrialState | tuple[TrialState, ...] | None = None
    ) -> int:
        with self._lock:
            self._sync()
            study = self._study(study_id)
            if state is None:
                return len(study.trial_ids)
            states = (state,) if isinstance(state, TrialState) else state
            return sum(study.n_by_state[s] for s in set(states))

    # -- heartbeats -------------------------------------------------------------------------

    def is_heartbeat_enabled(self) -> bool:
        return self._heartbeat_interval is not None

    def record_heartbeat(self, trial_id: int) -> None:
        with self._lock:
            trial = self._trials.get(trial_id)  # a trial still unbuilt has finished
            if trial is None and trial_id in self._unbuilt:
                return
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


def _number(trial: FrozenTrial) -> int:
    return trial.number


def _state_of(trial: FrozenTrial | _checkpoint.Unbuilt) -> TrialState:
    if type(trial) is tuple:
        return _checkpoint.state_of(trial)
    return trial.state


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
