"""``RDBStorage``: studies and trials in SQLite, PostgreSQL or MySQL/MariaDB via SQLAlchemy 2."""

from __future__ import annotations

import bisect
import contextlib
import datetime
import difflib
import json
import math
import random
import threading
import time
import uuid
from collections.abc import Callable, Container, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from parzen._json import require_json
from parzen._records.direction import StudyDirection
from parzen._records.study_summary import FrozenStudy
from parzen.distributions import (
    BaseDistribution,
    check_distribution_compatibility,
    distribution_to_json,
    json_to_distribution,
)
from parzen.exceptions import (
    DuplicatedStudyError,
    StorageInternalError,
    UpdateFinishedTrialError,
)
from parzen.storages._base import DEFAULT_STUDY_NAME_PREFIX, BaseStorage, check_name
from parzen.storages._heartbeat import check_heartbeat_settings, resolve_stale_trial_callback
from parzen.storages._rdb import _schema, models
from parzen.storages._rdb._engine import (
    CommitOutcomeUnknown,
    Database,
    Prepared,
    masked,
    parse_url,
)
from parzen.storages._rdb._pending import PendingParam, PendingParams
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study

_RUNNING = int(TrialState.RUNNING)
_WAITING = int(TrialState.WAITING)
_UNFINISHED = (_RUNNING, _WAITING)
_FINISHED_STATES = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)

# Row kinds of the one-statement trial query (see _trials_query).
_K_TRIAL, _K_VALUE, _K_PARAM, _K_INTERMEDIATE, _K_ATTR, _K_STUDY = range(6)

_t = models.trials
_studies = models.studies

# Bind parameters of the prepared statements (see RDBStorage._stmt).
_STUDY_ID = sa.bindparam("study_id", type_=sa.Integer)
_TRIAL_ID = sa.bindparam("trial_id", type_=sa.Integer)
_CURSOR = sa.bindparam("cursor", type_=sa.BigInteger)


class RDBStorage(BaseStorage):
    """A storage in a relational database: SQLite, PostgreSQL or MySQL/MariaDB.

    Any number of threads, processes and machines can share one database. Trial numbers are
    assigned by the database inside the transaction that inserts the trial
    (``UNIQUE(study_id, number)``), every state change is one transaction, and floats are
    stored bit for bit (``inf``, ``-inf`` and ``-0.0`` included; NaN objective values are
    refused). Finished trials never change, so each process caches them and afterwards reads
    only what finished since its last read.

    SQLite runs in WAL mode (readers do not block the writer, ``synchronous=NORMAL``: safe
    against a killed process); the writers of all processes line up for its one write lock
    (an ``flock`` on ``<database>-parzen-lock``, a file created beside the database) and wait
    up to 60 s. Transactions that collide (locks, deadlocks, serialization failures) are
    retried with exponential backoff on every backend. A server that does not answer fails
    the connection after ``connect_timeout`` (10 s) with a
    :class:`~parzen.exceptions.StorageInternalError`.

    In a trial run by ``Study.optimize`` (which finishes its trials itself), the parameters
    are written together: with the trial's end if it ends within 10 ms, otherwise by a
    background thread 10 ms after they were suggested (and at interpreter exit). This storage
    sees them at once; other workers, dashboards and the failed-trial callback see them within
    those 10 ms, and a worker killed later leaves them behind. One write per trial instead of
    one per parameter is what lets several processes share a SQLite file at full speed.
    Parameters of a trial from ``Study.ask``, which another process may tell, are written
    when suggested. The other writes of a running trial (intermediate
    values, attributes) are single autocommit statements, one round trip each; on PostgreSQL
    they commit asynchronously (``synchronous_commit=off``: a crash of the *server* may lose
    the last ~0.6 s of them, never corrupting anything), while finishing a trial commits
    synchronously and so makes the whole trial durable.

    Heartbeats, when enabled, are written and compared with the database server's clock, and a
    trial counts its start as its first heartbeat: a worker that dies before its first beat
    still leaves a trial that goes stale. Trials created by a storage without heartbeats are
    never reported stale.

    Args:
        url: a SQLAlchemy database URL: ``sqlite:///path.db``, ``sqlite://`` (in memory, this
            process only), ``postgresql://user:password@host/db`` (psycopg 3, extra
            ``parzen[postgresql]``) or ``mysql://user:password@host/db`` (PyMySQL, extra
            ``parzen[mysql]``). Name a driver to use another one (``postgresql+psycopg2://``).
        engine_kwargs: keyword arguments for :func:`sqlalchemy.create_engine`, e.g.
            ``{"pool_size": 10, "connect_args": {"connect_timeout": 3}}``.
        skip_compatibility_check: open the database even if its schema revision is not the
            one this parzen uses (at your own risk).
        heartbeat_interval: seconds between the heartbeats of a running trial; enables
            failing the trials of dead workers. None disables heartbeats.
        grace_period: seconds without a heartbeat after which a RUNNING trial counts as dead
            (default: twice ``heartbeat_interval``).
        heartbeat_stale_trial_callback: called with ``(study, frozen_trial)`` for each trial
            that heartbeats turned into FAIL, e.g.
            :class:`~parzen.storages.RetryHeartbeatStaleTrialCallback`.
        failed_trial_callback: the older name of ``heartbeat_stale_trial_callback`` (a
            FutureWarning, as in Optuna 5); pass only one of the two.
        skip_table_creation: do not create the schema in an empty database (for databases
            whose schema is managed with ``parzen storage upgrade`` only).

    Raises:
        RuntimeError: the database holds an older schema (run
            ``parzen storage upgrade --storage URL``) or one of a newer parzen.
        StorageInternalError: the server cannot be reached.

    Examples:
        >>> import parzen
        >>> storage = parzen.storages.RDBStorage("sqlite://")
        >>> study = parzen.create_study(storage=storage, study_name="demo")
        >>> study.optimize(lambda t: (t.suggest_float("x", -1, 1) - 0.5) ** 2, n_trials=5)
        >>> len(study.trials)
        5
    """

    def __init__(
        self,
        url: str,
        engine_kwargs: dict[str, Any] | None = None,
        skip_compatibility_check: bool = False,
        *,
        heartbeat_interval: int | None = None,
        grace_period: int | None = None,
        heartbeat_stale_trial_callback: Callable[[Study, FrozenTrial], None] | None = None,
        failed_trial_callback: Callable[[Study, FrozenTrial], None] | None = None,
        skip_table_creation: bool = False,
    ) -> None:
        failed_trial_callback = resolve_stale_trial_callback(
            heartbeat_stale_trial_callback, failed_trial_callback
        )
        grace_period = check_heartbeat_settings(
            heartbeat_interval, grace_period, failed_trial_callback
        )
        self.url = url
        self.engine_kwargs = dict(engine_kwargs or {})
        self.skip_compatibility_check = skip_compatibility_check
        self.skip_table_creation = skip_table_creation
        self.heartbeat_interval = heartbeat_interval
        self.grace_period = grace_period
        self.failed_trial_callback = failed_trial_callback

        self._url = parse_url(url)
        self._db = Database(self._url, self.engine_kwargs)
        _schema.ensure_schema(
            self._db, create=not skip_table_creation, check=not skip_compatibility_check
        )
        self._init_caches()

    def _init_caches(self) -> None:
        self._lock = threading.Lock()
        self._finished: dict[int, _StudyCache] = {}
        self._finished_by_id: dict[int, FrozenTrial] = {}
        self._directions: dict[int, list[StudyDirection]] = {}
        self._trial_study: dict[int, tuple[int, int]] = {}  # trial id -> (study id, number)
        self._param_dists: dict[int, dict[str, BaseDistribution]] = {}
        self._json_dists: dict[str, BaseDistribution] = {}
        self._dist_json: dict[BaseDistribution, str] = {}
        self._just_created: dict[int, FrozenTrial] = {}
        self._pending = PendingParams(self._write_params)
        self._prepared: dict[Any, Prepared] = {}
        self._dialect_ready = False

    def __getstate__(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "engine_kwargs": self.engine_kwargs,
            "skip_compatibility_check": self.skip_compatibility_check,
            "heartbeat_interval": self.heartbeat_interval,
            "grace_period": self.grace_period,
            "failed_trial_callback": self.failed_trial_callback,
            "skip_table_creation": self.skip_table_creation,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._url = parse_url(self.url)
        self._db = Database(self._url, self.engine_kwargs)
        self._init_caches()

    def __repr__(self) -> str:
        return f"RDBStorage({masked(self._url)!r})"

    def remove_session(self) -> None:
        """Nothing to release: connections return to the pool after every operation."""

    # -- studies ----------------------------------------------------------------------------

    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        # An empty name is a name (as in Optuna); only None gets a generated one.
        name = study_name
        if name is None:
            name = DEFAULT_STUDY_NAME_PREFIX + str(uuid.uuid4())
        _check_name(name, "study name")
        directions = [StudyDirection(d) for d in directions]
        if not directions:
            raise ValueError("A study needs at least one direction, got [].")

        def run(conn: Connection) -> int:
            try:
                result = conn.execute(sa.insert(_studies).values(study_name=name))
            except sa.exc.IntegrityError as e:
                raise DuplicatedStudyError(
                    f"A study named {name!r} already exists in {self!r}. Choose another "
                    "name, or pass load_if_exists=True to create_study to continue it."
                ) from e
            assert result.inserted_primary_key is not None
            study_id = int(result.inserted_primary_key[0])
            conn.execute(
                sa.insert(models.study_directions),
                [
                    {"study_id": study_id, "objective": i, "direction": int(d)}
                    for i, d in enumerate(directions)
                ],
            )
            return study_id

        study_id = self._db.write(run)
        with self._lock:
            self._directions[study_id] = list(directions)
        return study_id

    def delete_study(self, study_id: int) -> None:
        def run(conn: Connection) -> int:
            delete = sa.delete(_studies).where(_studies.c.study_id == study_id)
            return int(conn.execute(delete).rowcount)

        if self._db.write(run) == 0:
            raise KeyError(self._no_study_id(study_id))
        with self._lock:
            cache = self._finished.pop(study_id, None)
            if cache is not None:
                for trial in cache.by_seq:
                    self._finished_by_id.pop(trial._trial_id, None)
            self._directions.pop(study_id, None)
            self._param_dists.pop(study_id, None)

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        self._set_study_attr(study_id, models.USER_ATTR, key, value, "study user attribute")

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        self._set_study_attr(study_id, models.SYSTEM_ATTR, key, value, "study system attribute")

    def _set_study_attr(self, study_id: int, kind: int, key: str, value: Any, what: str) -> None:
        _check_name(key, f"{what} key")
        value_json = _dumps(value, f"{what} {key!r}")
        table = models.study_attrs
        row = {"study_id": study_id, "kind": kind, "attr_key": key, "value_json": value_json}
        try:
            self._db.auto(
                lambda conn: conn.execute(self._upsert(table, row, ["value_json"])),
                idempotent=True,
            )
        except sa.exc.IntegrityError as e:  # the only constraint left is the foreign key
            raise KeyError(self._no_study_id(study_id)) from e

    def get_study_id_from_name(self, study_name: str) -> int:
        def run(conn: Connection) -> Any:
            return conn.execute(
                sa.select(_studies.c.study_id).where(_studies.c.study_name == study_name)
            ).scalar()

        study_id = self._db.read(run)
        if study_id is None:
            names = self._db.read(
                lambda conn: conn.execute(sa.select(_studies.c.study_name)).scalars().all()
            )
            close = difflib.get_close_matches(study_name, names, n=3)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            raise KeyError(
                f"No study named {study_name!r} in {self!r}.{hint} List the studies with "
                f"`parzen studies --storage URL` or parzen.get_all_study_names(storage)."
            )
        return int(study_id)

    def get_study_name_from_id(self, study_id: int) -> str:
        name = self._db.read(
            lambda conn: conn.execute(
                sa.select(_studies.c.study_name).where(_studies.c.study_id == study_id)
            ).scalar()
        )
        if name is None:
            raise KeyError(self._no_study_id(study_id))
        return str(name)

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        with self._lock:
            cached = self._directions.get(study_id)
        if cached is not None:
            return list(cached)
        table = models.study_directions
        rows = self._db.read(
            lambda conn: conn.execute(
                sa.select(table.c.direction)
                .where(table.c.study_id == study_id)
                .order_by(table.c.objective)
            ).all()
        )
        if not rows:
            raise KeyError(self._no_study_id(study_id))
        directions = [StudyDirection(r[0]) for r in rows]
        with self._lock:
            self._directions[study_id] = directions
        return list(directions)

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        return self._get_study_attrs(study_id, models.USER_ATTR)

    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        return self._get_study_attrs(study_id, models.SYSTEM_ATTR)

    def _get_study_attrs(self, study_id: int, kind: int) -> dict[str, Any]:
        a = models.study_attrs
        query = (
            sa.select(_studies.c.study_id, a.c.attr_key, a.c.value_json)
            .select_from(
                _studies.outerjoin(
                    a, sa.and_(a.c.study_id == _studies.c.study_id, a.c.kind == kind)
                )
            )
            .where(_studies.c.study_id == study_id)
        )
        rows = self._db.read(lambda conn: conn.execute(query).all())
        if not rows:
            raise KeyError(self._no_study_id(study_id))
        return {
            r.attr_key: _stored_json(r.value_json, f"attribute {r.attr_key!r} of study {study_id}")
            for r in rows
            if r.attr_key is not None
        }

    def get_all_studies(self) -> list[FrozenStudy]:
        d = models.study_directions
        a = models.study_attrs

        def run(conn: Connection) -> tuple[list[Row[Any]], list[Row[Any]], list[Row[Any]]]:
            studies = conn.execute(
                sa.select(_studies.c.study_id, _studies.c.study_name).order_by(_studies.c.study_id)
            ).all()
            directions = conn.execute(
                sa.select(d.c.study_id, d.c.direction).order_by(d.c.study_id, d.c.objective)
            ).all()
            attrs = conn.execute(
                sa.select(a.c.study_id, a.c.kind, a.c.attr_key, a.c.value_json)
            ).all()
            return list(studies), list(directions), list(attrs)

        study_rows, direction_rows, attr_rows = self._db.read(run)
        directions: dict[int, list[StudyDirection]] = {}
        for study_id, direction in direction_rows:
            directions.setdefault(study_id, []).append(StudyDirection(direction))
        attrs: dict[tuple[int, int], dict[str, Any]] = {}
        for study_id, kind, key, value_json in attr_rows:
            attrs.setdefault((study_id, kind), {})[key] = _stored_json(
                value_json, f"attribute {key!r} of study {study_id}"
            )
        return [
            FrozenStudy(
                study_name=name,
                direction=None,
                directions=directions.get(study_id, []),
                user_attrs=attrs.get((study_id, models.USER_ATTR), {}),
                system_attrs=attrs.get((study_id, models.SYSTEM_ATTR), {}),
                study_id=study_id,
            )
            # A study being created by another worker may not have its directions yet.
            for study_id, name in study_rows
            if study_id in directions
        ]

    # -- trials: writes ---------------------------------------------------------------------

    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        if template_trial is None:
            return self._create_running_trial(study_id)
        return self._create_trial_from_template(study_id, template_trial)

    def _insert_numbered(
        self,
        cursor: Any,
        study_id: int,
        state: int,
        start: datetime.datetime | None,
        complete: datetime.datetime | None = None,
        finish_seq: int | None = None,
    ) -> tuple[int, int]:
        """Insert a trial with the study's next number; return its id and number.

        On MySQL/MariaDB this must run in a transaction.
        """
        row = {
            "study_id": study_id,
            "state": state,
            "start": self._dt(start),
            "complete": self._dt(complete),
            "seq": finish_seq,
        }
        if self._db.is_mysql:
            # MariaDB fails concurrent INSERT ... SELECT from the same table ("Failed to read
            # auto-increment value"); lock the study row, then insert the next number.
            number = _scalar(
                self._stmt("next_number_locked", _next_number_locked).run(
                    cursor, study_id=study_id
                )
            )
            if number is None:
                raise KeyError(self._no_study_id(study_id))
            self._stmt("insert_trial", _insert_trial).run(cursor, number=number, **row)
            return int(cursor.lastrowid), int(number)
        # The number is computed in the INSERT itself: with UNIQUE(study_id, number), two
        # workers that race on the same number see one of them fail and retry.
        returning = self._db.engine.dialect.insert_returning
        self._stmt(("insert_next_trial", returning), lambda: _insert_next_trial(returning)).run(
            cursor, **row
        )
        if returning:
            trial_id, number = cursor.fetchone()
            return int(trial_id), int(number)
        trial_id = int(cursor.lastrowid)
        number = _scalar(self._stmt("trial_number", _trial_number).run(cursor, trial_id=trial_id))
        assert number is not None
        return trial_id, int(number)

    def _create_running_trial(self, study_id: int) -> int:
        start = datetime.datetime.now()
        heartbeat = self.is_heartbeat_enabled()

        def run(cursor: Any) -> tuple[int, int]:
            trial_id, number = self._insert_numbered(cursor, study_id, _RUNNING, start)
            if heartbeat:
                # The start counts as the first heartbeat: a worker that dies before its
                # first beat leaves a trial that still goes stale.
                self._heartbeat_stmt().run(cursor, trial_id=trial_id)
            return trial_id, number

        while True:
            try:
                trial_id, number = self._retry_numbering(
                    study_id, run, transaction=heartbeat or self._db.is_mysql
                )
                break
            except CommitOutcomeUnknown:
                # Our trial is the one with our start time (microseconds); none: not created.
                found = self._db.read(
                    lambda conn: conn.execute(
                        sa.select(_t.c.trial_id, _t.c.number).where(
                            _t.c.study_id == study_id,
                            _t.c.datetime_start == start,
                            _t.c.state == _RUNNING,
                        )
                    ).all()
                )
                if len(found) == 1:
                    trial_id, number = int(found[0][0]), int(found[0][1])
                    break
        frozen = FrozenTrial(
            number=number,
            state=TrialState.RUNNING,
            value=None,
            datetime_start=start,
            datetime_complete=None,
            params={},
            distributions={},
            user_attrs={},
            system_attrs={},
            intermediate_values={},
            trial_id=trial_id,
        )
        with self._lock:
            self._trial_study[trial_id] = (study_id, number)
            # Study.ask reads the trial right back; this spares that round trip. Any write to
            # the trial drops the entry.
            if len(self._just_created) > 1000:
                self._just_created.clear()
            self._just_created[trial_id] = frozen
        return trial_id

    def _retry_numbering(
        self,
        study_id: int,
        run: Callable[[Any], tuple[int, int]],
        *,
        transaction: bool,
    ) -> tuple[int, int]:
        for attempt in range(100):
            try:
                return self._db.cursor(run, transaction=transaction)
            except self._db.integrity_errors as e:
                if not self._db.is_duplicate_key(e):
                    raise KeyError(self._no_study_id(study_id)) from e
            # Another worker took this number first: compute the next one again.
            time.sleep(random.uniform(0, 0.001 * attempt))
        raise UpdateFinishedTrialError(  # pragma: no cover - 100 lost races in a row
            f"Could not assign a trial number in study {study_id} after 100 attempts."
        )

    def _create_trial_from_template(self, study_id: int, template: FrozenTrial) -> int:
        state = template.state
        values = template.values
        if values is not None:
            for v in values:
                _check_value(v)
        for key, value in template.user_attrs.items():
            _check_name(key, "user attribute key")
            require_json(value, f"user attribute {key!r}")
        for key, value in template.system_attrs.items():
            _check_name(key, "system attribute key")
            require_json(value, f"system attribute {key!r}")
        param_rows = []
        for position, (name, dist) in enumerate(template.distributions.items()):
            _check_name(name, "parameter name")
            self._check_distribution(study_id, name, dist)
            value, kind = models.encode_float(dist.to_internal_repr(template.params[name]))
            param_rows.append(
                {
                    "param_name": name,
                    "position": position,
                    "param_value": value,
                    "value_kind": kind,
                    "distribution_json": self._to_json(dist),
                }
            )
        finished = state.is_finished()
        heartbeat = state == TrialState.RUNNING and self.is_heartbeat_enabled()
        start = template.datetime_start
        if state == TrialState.RUNNING and start is None:
            start = datetime.datetime.now()
        complete = template.datetime_complete
        if finished and complete is None:
            complete = datetime.datetime.now()

        def run(cursor: Any) -> tuple[int, int]:
            seq = self._next_finish_seq(cursor, study_id) if finished else None
            trial_id, number = self._insert_numbered(
                cursor, study_id, int(state), start, complete, seq
            )
            self._insert_children(cursor, trial_id, param_rows, template, values)
            if heartbeat:
                self._heartbeat_stmt().run(cursor, trial_id=trial_id)
            return trial_id, number

        trial_id, number = self._retry_numbering(study_id, run, transaction=True)
        with self._lock:
            self._trial_study[trial_id] = (study_id, number)
            dists = self._param_dists.setdefault(study_id, {})
            for name, dist in template.distributions.items():
                dists.setdefault(name, dist)
        return trial_id

    def _insert_children(
        self,
        cursor: Any,
        trial_id: int,
        param_rows: list[dict[str, Any]],
        template: FrozenTrial,
        values: list[float] | None,
    ) -> None:
        def insert(table: sa.Table, rows: list[dict[str, Any]]) -> None:
            if rows:
                self._stmt(("insert_rows", table.name), lambda: _insert_rows(table)).run_many(
                    cursor, [{"trial_id": trial_id, **r} for r in rows]
                )

        insert(models.trial_params, param_rows)
        if values is not None:
            insert(models.trial_values, _value_rows(trial_id, values))
        rows = []
        for step, v in template.intermediate_values.items():
            value, kind = models.encode_float(float(v))
            rows.append({"step": int(step), "value": value, "value_kind": kind})
        insert(models.trial_intermediate_values, rows)
        insert(
            models.trial_attrs,
            [
                {"kind": kind, "attr_key": k, "value_json": json.dumps(v)}
                for kind, attrs in (
                    (models.USER_ATTR, template.user_attrs),
                    (models.SYSTEM_ATTR, template.system_attrs),
                )
                for k, v in attrs.items()
            ],
        )

    def _next_finish_seq(self, cursor: Any, study_id: int) -> int:
        # The study row stays locked until commit, so finish sequence numbers are committed
        # in increasing order: a reader that saw seq N has seen every seq below N.
        returning = self._db.engine.dialect.update_returning
        bump = self._stmt(("bump_counter", returning), lambda: _bump_counter(returning))
        bump.run(cursor, study_id=study_id)
        if returning:
            seq = _scalar(cursor)
        else:
            seq = _scalar(self._stmt("read_counter", _read_counter).run(cursor, study_id=study_id))
        if seq is None:
            raise KeyError(self._no_study_id(study_id))
        return int(seq)

    def set_trial_param(
        self,
        trial_id: int,
        param_name: str,
        param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        _check_name(param_name, "parameter name")
        study_id, _ = self._trial_meta(trial_id)
        self._check_distribution(study_id, param_name, distribution)
        value = float(param_value_internal)
        models.encode_float(value)  # refuses what cannot be stored, before it is kept
        param = PendingParam(param_name, value, distribution, self._to_json(distribution))
        # A running trial of this storage writes its parameters in batches (see _pending).
        if not self._pending.add(trial_id, param):
            self._write_param(trial_id, param)
        with self._lock:
            self._param_dists.setdefault(study_id, {}).setdefault(param_name, distribution)

    def defer_param_writes(self, trial_id: int) -> None:
        self._pending.own(trial_id)

    def _write_param(self, trial_id: int, param: PendingParam) -> None:
        """Insert or replace one parameter of an unfinished trial."""
        row = _param_row(param)
        keys = {"param_name": row.pop("param_name")}
        self._write_trial_child(trial_id, models.trial_params, keys, row)

    def _write_params(self, trial_id: int, params: list[PendingParam]) -> None:
        """Write a running trial's pending parameters in one transaction (see _pending).

        Nothing is written if another process has finished the trial meanwhile.
        """
        try:
            self._db.cursor(
                lambda cursor: self._insert_params(cursor, trial_id, params), transaction=True
            )
        except CommitOutcomeUnknown:
            # Replacing is idempotent: whether the lost COMMIT applied or not, this writes them.
            with contextlib.suppress(UpdateFinishedTrialError):
                self._replace_params(trial_id, params)
        except _NotUpdatable:
            self._pending.disown(trial_id)
        except self._db.integrity_errors as e:
            if not self._db.is_duplicate_key(e):
                raise
            with contextlib.suppress(UpdateFinishedTrialError):
                self._replace_params(trial_id, params)

    def _insert_params(self, cursor: Any, trial_id: int, params: list[PendingParam]) -> None:
        """Insert pending parameters in the caller's transaction.

        Raises _NotUpdatable if the trial has finished, and a duplicate-key integrity error
        if it already has one of these names in the database.
        """
        table = models.trial_params
        insert = self._stmt(("insert_child", table.name), lambda: _insert_child(table))
        for param in params:
            if insert.run(cursor, trial_id=trial_id, **_param_row(param)).rowcount != 1:
                raise _NotUpdatable()

    def _replace_params(self, trial_id: int, params: list[PendingParam]) -> None:
        """Write parameters one at a time, replacing names the trial already has.

        The way out when a batch met a duplicate name. Raises UpdateFinishedTrialError (and
        drops the trial's pending parameters) if the trial has finished.
        """
        try:
            for param in params:
                self._write_param(trial_id, param)
        except UpdateFinishedTrialError:
            self._pending.disown(trial_id)
            raise

    def set_trial_intermediate_value(
        self, trial_id: int, step: int, intermediate_value: float
    ) -> None:
        value, kind = models.encode_float(float(intermediate_value))
        self._write_trial_child(
            trial_id,
            models.trial_intermediate_values,
            {"step": int(step)},
            {"value": value, "value_kind": kind},
        )

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._set_trial_attr(trial_id, models.USER_ATTR, key, value, "user attribute")

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._set_trial_attr(trial_id, models.SYSTEM_ATTR, key, value, "system attribute")

    def _set_trial_attr(self, trial_id: int, kind: int, key: str, value: Any, what: str) -> None:
        _check_name(key, f"{what} key")
        value_json = _dumps(value, f"{what} {key!r}")
        self._write_trial_child(
            trial_id,
            models.trial_attrs,
            {"kind": kind, "attr_key": key},
            {"value_json": value_json},
        )

    def _write_trial_child(
        self, trial_id: int, table: sa.Table, keys: dict[str, Any], data: dict[str, Any]
    ) -> None:
        """Insert or replace a row belonging to an unfinished trial, atomically checked."""
        self._forget_created(trial_id)
        insert = self._stmt(("insert_child", table.name), lambda: _insert_child(table))
        try:
            # Idempotent: run again after it committed, it meets its own row and replaces it.
            inserted = self._db.cursor(
                lambda cursor: insert.run(cursor, trial_id=trial_id, **keys, **data).rowcount,
                idempotent=True,
            )
        except self._db.integrity_errors as e:
            if not self._db.is_duplicate_key(e):
                raise
            inserted = None
        if inserted == 1:
            return
        if inserted is None:
            # The row exists: replace it, under the trial row's lock.
            def replace(conn: Connection) -> int | None:
                state = conn.execute(
                    sa.select(_t.c.state).where(_t.c.trial_id == trial_id).with_for_update()
                ).scalar()
                if state is None or state not in _UNFINISHED:
                    return state
                where = [table.c.trial_id == trial_id, *(table.c[k] == v for k, v in keys.items())]
                conn.execute(sa.update(table).where(*where).values(**data))
                return None

            state = self._db.write(replace, idempotent=True)
            if state is None:
                return
        else:
            state = self._db.read(
                lambda conn: conn.execute(
                    sa.select(_t.c.state).where(_t.c.trial_id == trial_id)
                ).scalar()
            )
            if state is None:
                raise KeyError(f"No trial with id {trial_id} in {self!r}.")
        self.check_trial_is_updatable(trial_id, TrialState(state))
        raise AssertionError("unreachable")  # pragma: no cover

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        trial_id = self._db.read(
            lambda conn: conn.execute(
                sa.select(_t.c.trial_id).where(
                    _t.c.study_id == study_id, _t.c.number == trial_number
                )
            ).scalar()
        )
        if trial_id is None:
            raise KeyError(f"Study {study_id} has no trial number {trial_number} in {self!r}.")
        return int(trial_id)

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        state = TrialState(state)
        value_list = None if values is None else [float(v) for v in values]
        if value_list is not None:
            for v in value_list:
                _check_value(v)
        study_id, _ = self._trial_meta(trial_id)
        self._forget_created(trial_id)
        now = datetime.datetime.now()

        if state == TrialState.RUNNING:
            return self._start_waiting_trial(trial_id, now, value_list)

        with self._pending.taken(trial_id) as params:
            try:
                self._change_state_once(trial_id, study_id, state, value_list, now, params)
            except self._db.integrity_errors as e:
                if not params or not self._db.is_duplicate_key(e):
                    raise
                self._replace_params(trial_id, params)
                params.clear()
                self._change_state_once(trial_id, study_id, state, value_list, now, [])
        if state.is_finished():
            self._pending.disown(trial_id)
        return True

    def _change_state_once(
        self,
        trial_id: int,
        study_id: int,
        state: TrialState,
        value_list: list[float] | None,
        now: datetime.datetime,
        params: list[PendingParam],
    ) -> None:
        """:meth:`_change_state`, which a COMMIT lost with its connection does not repeat."""
        while True:
            try:
                self._change_state(trial_id, study_id, state, value_list, now, params)
                return
            except CommitOutcomeUnknown:
                current = self._db.read(
                    lambda conn: conn.execute(
                        sa.select(_t.c.state).where(_t.c.trial_id == trial_id)
                    ).scalar()
                )
                # The transaction wrote the state with everything else: if it is there, all is.
                if current == int(state):
                    return
                if current is None or TrialState(current).is_finished():
                    self._raise_not_updatable(trial_id)

    def _change_state(
        self,
        trial_id: int,
        study_id: int,
        state: TrialState,
        value_list: list[float] | None,
        now: datetime.datetime,
        params: list[PendingParam],
    ) -> None:
        """One transaction: the pending parameters, the state, and the values if given."""
        finished = state.is_finished()

        def run(cursor: Any) -> int | None:
            # Before the state changes: the insert requires an unfinished trial.
            self._insert_params(cursor, trial_id, params)
            seq = self._next_finish_seq(cursor, study_id) if finished else None
            updated = (
                self._stmt(("set_state", finished), lambda: _set_state(finished))
                .run(cursor, trial_id=trial_id, state=int(state), seq=seq, complete=self._dt(now))
                .rowcount
            )
            if updated != 1:
                # Rolls back the counter too.
                raise _NotUpdatable()
            if value_list is not None:
                if not finished:
                    self._stmt("delete_values", _delete_values).run(cursor, trial_id=trial_id)
                self._stmt("insert_values", _insert_values).run_many(
                    cursor, _value_rows(trial_id, value_list)
                )
            return seq

        try:
            self._db.cursor(run, transaction=True)
        except _NotUpdatable:
            self._pending.disown(trial_id)
            self._raise_not_updatable(trial_id)

    def _start_waiting_trial(
        self, trial_id: int, now: datetime.datetime, values: list[float] | None
    ) -> bool:
        heartbeat = self.is_heartbeat_enabled()

        def run(cursor: Any) -> int:
            updated = (
                self._stmt("start_waiting", _start_waiting)
                .run(cursor, trial_id=trial_id, start=self._dt(now))
                .rowcount
            )
            if updated == 1:
                if heartbeat:
                    self._heartbeat_stmt(upsert=True).run(cursor, trial_id=trial_id)
                if values is not None:
                    self._stmt("insert_values", _insert_values).run_many(
                        cursor, _value_rows(trial_id, values)
                    )
            return int(updated)

        # A single UPDATE is atomic by itself; more statements need a transaction.
        updated = self._db.cursor(run, transaction=heartbeat or values is not None)
        if updated == 1:
            return True
        exists = self._db.read(
            lambda conn: conn.execute(
                sa.select(_t.c.trial_id).where(_t.c.trial_id == trial_id)
            ).scalar()
        )
        if exists is None:
            raise KeyError(f"No trial with id {trial_id} in {self!r}.")
        return False

    def _raise_not_updatable(self, trial_id: int) -> None:
        state = self._db.read(
            lambda conn: conn.execute(
                sa.select(_t.c.state).where(_t.c.trial_id == trial_id)
            ).scalar()
        )
        if state is None:
            raise KeyError(f"No trial with id {trial_id} in {self!r}.")
        self.check_trial_is_updatable(trial_id, TrialState(state))
        raise AssertionError("unreachable")  # pragma: no cover

    # -- trials: reads ----------------------------------------------------------------------

    def get_trial(self, trial_id: int) -> FrozenTrial:
        with self._lock:
            cached = self._finished_by_id.get(trial_id)
            if cached is None:
                cached = self._just_created.pop(trial_id, None)
        if cached is not None:
            return self._pending.overlay(cached._copy())
        loaded, _ = self._load("trial", lambda: [_t.c.trial_id == _TRIAL_ID], trial_id=trial_id)
        if not loaded:
            raise KeyError(f"No trial with id {trial_id} in {self!r}.")
        ((seq, trial),) = loaded
        if seq is not None:
            with self._lock:
                self._finished_by_id[trial_id] = trial
            return trial._copy()
        return self._pending.overlay(trial)

    def get_trial_number_from_id(self, trial_id: int) -> int:
        return self._trial_meta(trial_id)[1]

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        want_finished = states is None or any(s in states for s in _FINISHED_STATES)
        want_unfinished = states is None or any(
            s in states for s in (TrialState.RUNNING, TrialState.WAITING)
        )
        if not want_finished and not want_unfinished:
            return []  # e.g. states=(): no state is wanted, so no query is needed
        if want_finished:
            cache, unfinished = self._sync(study_id, with_unfinished=want_unfinished)
            with self._lock:
                finished = list(cache.by_number)
                if unfinished:
                    # Another thread may have cached one of them as finished since our read.
                    unfinished = [t for t in unfinished if t._trial_id not in self._finished_by_id]
        else:
            unfinished = self._load_unfinished(study_id, states)
            finished = []
        for trial in unfinished:
            self._pending.overlay(trial)
        merged = sorted([*finished, *unfinished], key=_number) if unfinished else finished
        if states is not None:
            merged = [t for t in merged if t.state in states]
        if deepcopy:
            return [t._copy() for t in merged]
        return merged

    def get_finished_trials_since(
        self, study_id: int, cursor: int
    ) -> tuple[list[FrozenTrial], int]:
        cache, _ = self._sync(study_id, with_unfinished=False)
        with self._lock:
            start = bisect.bisect_right(cache.seqs, cursor)
            return cache.by_seq[start:], cache.cursor

    def get_n_trials(
        self, study_id: int, state: TrialState | tuple[TrialState, ...] | None = None
    ) -> int:
        query = sa.select(sa.func.count()).select_from(_t).where(_t.c.study_id == study_id)
        if state is not None:
            states = (state,) if isinstance(state, TrialState) else state
            query = query.where(_t.c.state.in_([int(s) for s in states]))
        count = int(self._db.read(lambda conn: conn.execute(query).scalar()))
        if count == 0:
            self.get_study_directions(study_id)  # KeyError if there is no such study
        return count

    # -- heartbeats -------------------------------------------------------------------------

    def is_heartbeat_enabled(self) -> bool:
        return self.heartbeat_interval is not None

    def get_heartbeat_interval(self) -> int | None:
        return self.heartbeat_interval

    def get_failed_trial_callback(self) -> Callable[[Study, FrozenTrial], None] | None:
        return self.failed_trial_callback

    def get_heartbeat_stale_trial_callback(
        self,
    ) -> Callable[[Study, FrozenTrial], None] | None:
        """The callback run on each trial that heartbeats failed (Optuna 5's name)."""
        return self.failed_trial_callback

    @property
    def heartbeat_stale_trial_callback(self) -> Callable[[Study, FrozenTrial], None] | None:
        return self.failed_trial_callback

    def record_heartbeat(self, trial_id: int) -> None:
        try:
            upsert = self._heartbeat_stmt(upsert=True)
            self._db.cursor(lambda cursor: upsert.run(cursor, trial_id=trial_id), idempotent=True)
        except self._db.integrity_errors as e:
            raise KeyError(f"No trial with id {trial_id} in {self!r}.") from e

    def get_stale_trial_ids(self, study_id: int) -> list[int]:
        if self.grace_period is None:
            raise RuntimeError(
                "Heartbeats are disabled for this storage: pass heartbeat_interval to "
                "RDBStorage to use get_stale_trial_ids."
            )
        h = models.trial_heartbeats
        query = (
            sa.select(_t.c.trial_id)
            .select_from(_t.join(h, h.c.trial_id == _t.c.trial_id))
            .where(
                _t.c.study_id == study_id,
                _t.c.state == _RUNNING,
                h.c.heartbeat < self._db_now(-float(self.grace_period)),
            )
            .order_by(_t.c.trial_id)
        )
        return [int(r) for r in self._db.read(lambda conn: conn.execute(query).scalars().all())]

    def _db_now(self, offset_seconds: float = 0.0) -> sa.ColumnElement[Any]:
        """The database server's current UTC time, shifted by ``offset_seconds``."""
        if self._db.is_sqlite:
            # The same text format for writing and comparing keeps the comparison exact.
            return sa.func.strftime(
                "%Y-%m-%d %H:%M:%f",
                "now",
                f"{offset_seconds:+.3f} seconds",
                type_=models.DateTime,
            )
        if self._db.is_mysql:
            return sa.literal_column(
                f"TIMESTAMPADD(MICROSECOND, {int(offset_seconds * 1e6)}, UTC_TIMESTAMP(6))",
                models.DateTime,
            )
        return sa.literal_column(
            f"(now() AT TIME ZONE 'UTC') + make_interval(secs => {offset_seconds!r})",
            models.DateTime,
        )

    def _heartbeat_stmt(self, *, upsert: bool = False) -> Prepared:
        """Set a trial's heartbeat to the database's now (``upsert``: the row may exist)."""

        def build() -> Any:
            row = {
                "trial_id": sa.bindparam("trial_id", type_=sa.Integer),
                "heartbeat": self._db_now(),
            }
            if upsert:
                return self._upsert(models.trial_heartbeats, row, ["heartbeat"])
            return sa.insert(models.trial_heartbeats).values(**row)

        return self._stmt(("heartbeat", upsert), build)

    # -- internals --------------------------------------------------------------------------

    def _stmt(self, key: Any, build: Callable[[], Any]) -> Prepared:
        """The statement ``build()`` compiled for this database, cached under ``key``."""
        prepared = self._prepared.get(key)
        if prepared is None:
            if not self._dialect_ready:
                # Some dialect features (MariaDB's RETURNING) are known once connected.
                def connect() -> None:
                    with self._db.connect(self._db.engine):
                        pass

                self._db.retrying(connect)
                self._dialect_ready = True
            prepared = self._prepared[key] = Prepared(build(), self._db.engine.dialect)
        return prepared

    def _dt(self, value: datetime.datetime | None) -> Any:
        """A datetime as the driver takes it (driver SQL skips SQLAlchemy's conversions)."""
        if value is None or not self._db.is_sqlite:
            return value
        # SQLAlchemy's own text format for SQLite datetimes, so that both read alike.
        return value.isoformat(" ", "microseconds")

    def _upsert(self, table: sa.Table, row: dict[str, Any], update: list[str]) -> Any:
        if self._db.is_mysql:
            from sqlalchemy.dialects.mysql import insert as mysql_insert

            stmt = mysql_insert(table).values(**row)
            return stmt.on_duplicate_key_update({c: stmt.inserted[c] for c in update})
        if self._db.is_sqlite:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            lite = sqlite_insert(table).values(**row)
            return lite.on_conflict_do_update(
                index_elements=list(table.primary_key.columns),
                set_={c: lite.excluded[c] for c in update},
            )
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        pg = pg_insert(table).values(**row)
        return pg.on_conflict_do_update(
            index_elements=list(table.primary_key.columns),
            set_={c: pg.excluded[c] for c in update},
        )

    def _forget_created(self, trial_id: int) -> None:
        if self._just_created:
            with self._lock:
                self._just_created.pop(trial_id, None)

    def _no_study_id(self, study_id: int) -> str:
        return f"No study with id {study_id} in {self!r}."

    def _trial_meta(self, trial_id: int) -> tuple[int, int]:
        with self._lock:
            meta = self._trial_study.get(trial_id)
        if meta is not None:
            return meta
        row = self._db.read(
            lambda conn: conn.execute(
                sa.select(_t.c.study_id, _t.c.number).where(_t.c.trial_id == trial_id)
            ).one_or_none()
        )
        if row is None:
            raise KeyError(f"No trial with id {trial_id} in {self!r}.")
        meta = (int(row[0]), int(row[1]))
        with self._lock:
            self._trial_study[trial_id] = meta
        return meta

    def _to_json(self, distribution: BaseDistribution) -> str:
        text = self._dist_json.get(distribution)
        if text is None:
            text = distribution_to_json(distribution)  # TypeError for a choice JSON cannot hold
            if len(self._dist_json) < 10_000:
                self._dist_json[distribution] = text
        return text

    def _from_json(self, text: str) -> BaseDistribution:
        dist = self._json_dists.get(text)
        if dist is None:
            dist = json_to_distribution(text)
            if len(self._json_dists) < 10_000:
                self._json_dists[text] = dist
        return dist

    def _check_distribution(
        self, study_id: int, name: str, distribution: BaseDistribution
    ) -> None:
        with self._lock:
            known = self._param_dists.get(study_id, {}).get(name)
        if known is None:
            # First use of this name in this process: ask the database once.
            p = models.trial_params
            text = self._db.read(
                lambda conn: conn.execute(
                    sa.select(p.c.distribution_json)
                    .select_from(p.join(_t, _t.c.trial_id == p.c.trial_id))
                    .where(_t.c.study_id == study_id, p.c.param_name == name)
                    .limit(1)
                ).scalar()
            )
            if text is None:
                return
            known = self._from_json(text)
            with self._lock:
                self._param_dists.setdefault(study_id, {}).setdefault(name, known)
        check_distribution_compatibility(known, distribution)

    def _study_cache(self, study_id: int) -> _StudyCache:
        with self._lock:
            cache = self._finished.get(study_id)
            if cache is None:
                cache = self._finished[study_id] = _StudyCache()
            return cache

    def _sync(
        self, study_id: int, *, with_unfinished: bool
    ) -> tuple[_StudyCache, list[FrozenTrial]]:
        """Add the trials finished since the last call to the cache; load unfinished ones."""
        cache = self._study_cache(study_id)

        def conditions() -> list[sa.ColumnElement[bool]]:
            # Two index range scans, (study_id, finish_seq > cursor) and (study_id, NULL),
            # rather than one OR that some databases would scan the whole study for.
            finished = sa.and_(_t.c.study_id == _STUDY_ID, _t.c.finish_seq > _CURSOR)
            if not with_unfinished:
                return [finished]
            return [finished, sa.and_(_t.c.study_id == _STUDY_ID, _t.c.finish_seq.is_(None))]

        loaded, study_exists = self._load(
            ("sync", with_unfinished), conditions, study_id=study_id, cursor=cache.cursor
        )
        if not study_exists:
            with self._lock:
                self._finished.pop(study_id, None)
            raise KeyError(self._no_study_id(study_id))
        unfinished = []
        finished = []
        for seq, trial in loaded:
            if seq is None:
                unfinished.append(trial)
            else:
                finished.append((seq, trial))
        if finished:
            finished.sort(key=_first)
            with self._lock:
                for seq, trial in finished:
                    if seq <= cache.cursor:  # another thread added it meanwhile
                        continue
                    cache.add(seq, trial)
                    self._finished_by_id[trial._trial_id] = trial
                    self._trial_study.setdefault(trial._trial_id, (study_id, trial.number))
                    dists = self._param_dists.setdefault(study_id, {})
                    for name, dist in trial.distributions.items():
                        dists.setdefault(name, dist)
        return cache, unfinished

    def _load_unfinished(
        self, study_id: int, states: Container[TrialState] | None
    ) -> list[FrozenTrial]:
        wanted = [
            int(s)
            for s in (TrialState.RUNNING, TrialState.WAITING)
            if states is None or s in states
        ]
        in_states = [sa.literal_column(str(s), sa.SmallInteger) for s in wanted]
        loaded, study_exists = self._load(
            ("unfinished", tuple(wanted)),
            # finish_seq IS NULL: the index range of the study's unfinished trials, which are
            # few, whatever the size of the study.
            lambda: [
                sa.and_(
                    _t.c.study_id == _STUDY_ID,
                    _t.c.finish_seq.is_(None),
                    _t.c.state.in_(in_states),
                )
            ],
            study_id=study_id,
        )
        if not study_exists:
            raise KeyError(self._no_study_id(study_id))
        return [trial for seq, trial in loaded if seq is None]

    def _load(
        self,
        key: Any,
        conditions: Callable[[], list[sa.ColumnElement[bool]]],
        **params: Any,
    ) -> tuple[list[tuple[int | None, FrozenTrial]], bool]:
        """Load the trials matching any of ``conditions``, children included, in one query.

        ``conditions`` builds the conditions once (they use the bind parameters ``study_id``,
        ``trial_id``, ``cursor``); ``params`` gives their values. Returns
        ``(finish_seq, trial)`` pairs and, when ``study_id`` is given, whether that study
        exists. One statement sees one snapshot of the database, so a trial and its rows agree.
        """
        with_study = "study_id" in params
        query = self._stmt(
            ("load", key),
            lambda: _trials_query(
                conditions(), with_study, typed_nulls=self._db.backend == "postgresql"
            ),
        )
        rows = self._db.cursor(
            lambda cursor: query.run(cursor, **params).fetchall(), read_only=True
        )
        parse_dt = self._db.is_sqlite
        records: dict[int, _Record] = {}
        study_exists = not with_study
        for row in rows:
            kind = row[1]
            if kind == _K_STUDY:
                study_exists = True
                continue
            record = records.get(row[0])
            if record is None:
                record = records[row[0]] = _Record()
            if kind == _K_TRIAL:
                record.number = row[3]
                record.state = row[4]
                record.seq = row[5]
                record.start = _parse_dt(row[8]) if parse_dt else row[8]
                record.complete = _parse_dt(row[9]) if parse_dt else row[9]
            elif kind == _K_PARAM:
                try:
                    dist = self._from_json(row[7])
                except ValueError as e:
                    raise StorageInternalError(
                        _damaged(f"distribution of parameter {row[2]!r}", row[0], params, e)
                    ) from None
                value = models.decode_float(row[6], row[4])
                record.params.append((row[3], row[2], dist.to_external_repr(value), dist))
            elif kind == _K_VALUE:
                record.values[row[3]] = models.decode_float(row[6], row[4])
            elif kind == _K_INTERMEDIATE:
                record.intermediate[row[3]] = models.decode_float(row[6], row[4])
            elif kind == _K_ATTR:
                target = record.user_attrs if row[4] == models.USER_ATTR else record.system_attrs
                try:
                    target[row[2]] = json.loads(row[7])
                except ValueError as e:
                    raise StorageInternalError(
                        _damaged(f"value of attribute {row[2]!r}", row[0], params, e)
                    ) from None
        trials = []
        for trial_id, r in records.items():
            if r.number is None:  # rows of a trial created after the trial rows were read
                continue
            state = TrialState(r.state)
            values = None
            if r.values and state.is_finished():
                values = [r.values[i] for i in sorted(r.values)]
            # Parameters in the order they were suggested.
            r.params.sort()
            trial = FrozenTrial(
                number=r.number,
                state=state,
                value=None,
                values=values,
                datetime_start=r.start,
                datetime_complete=r.complete,
                params={name: value for _, name, value, _ in r.params},
                distributions={name: dist for _, name, _, dist in r.params},
                user_attrs=r.user_attrs,
                system_attrs=r.system_attrs,
                intermediate_values=r.intermediate,
                trial_id=trial_id,
            )
            trials.append((r.seq, trial))
        return trials, study_exists


class _StudyCache:
    """The finished trials of one study that this process has read, in finishing order."""

    def __init__(self) -> None:
        self.cursor = 0
        self.seqs: list[int] = []
        self.by_seq: list[FrozenTrial] = []
        self.by_number: list[FrozenTrial] = []

    def add(self, seq: int, trial: FrozenTrial) -> None:
        self.cursor = seq
        self.seqs.append(seq)
        self.by_seq.append(trial)
        if not self.by_number or self.by_number[-1].number < trial.number:
            self.by_number.append(trial)
        else:
            bisect.insort(self.by_number, trial, key=_number)


class _Record:
    __slots__ = (
        "complete",
        "intermediate",
        "number",
        "params",
        "seq",
        "start",
        "state",
        "system_attrs",
        "user_attrs",
        "values",
    )

    def __init__(self) -> None:
        self.number: int | None = None
        self.state = 0
        self.seq: int | None = None
        self.start: datetime.datetime | None = None
        self.complete: datetime.datetime | None = None
        self.values: dict[int, float] = {}
        self.params: list[tuple[int, str, Any, BaseDistribution]] = []
        self.intermediate: dict[int, float] = {}
        self.user_attrs: dict[str, Any] = {}
        self.system_attrs: dict[str, Any] = {}


class _NotUpdatable(Exception):
    pass


def _trials_query(
    conditions: Sequence[sa.ColumnElement[bool]], with_study: bool, *, typed_nulls: bool
) -> sa.CompoundSelect:
    """One UNION ALL statement returning trial rows and all their child rows.

    Columns: trial_id, kind, name, n1, n2, n3, f, text, dt1, dt2 — see _load for their use.
    PostgreSQL types a UNION pairwise from the left, so there (``typed_nulls``) the first
    branch's NULL columns carry the types of the columns below them.
    """
    null = sa.null()
    null_name: sa.ColumnElement[Any] = null
    null_f: sa.ColumnElement[Any] = null
    null_text: sa.ColumnElement[Any] = null
    if typed_nulls:
        null_name = sa.cast(null, sa.String(models.MAX_NAME_LENGTH))
        null_f = sa.cast(null, sa.Double)
        null_text = sa.cast(null, sa.Text)
    v = models.trial_values
    p = models.trial_params
    i = models.trial_intermediate_values
    a = models.trial_attrs

    def kind(k: int) -> sa.ColumnElement[int]:
        return sa.literal_column(str(k), sa.Integer)

    selects = []
    for cond in conditions:
        selects.append(
            sa.select(
                _t.c.trial_id.label("trial_id"),
                kind(_K_TRIAL).label("kind"),
                null_name.label("name"),
                _t.c.number.label("n1"),
                _t.c.state.label("n2"),
                _t.c.finish_seq.label("n3"),
                null_f.label("f"),
                null_text.label("text"),
                _t.c.datetime_start.label("dt1"),
                _t.c.datetime_complete.label("dt2"),
            ).where(cond)
        )
    for cond in conditions:
        selects.append(
            sa.select(
                v.c.trial_id,
                kind(_K_VALUE),
                null,
                v.c.objective,
                v.c.value_kind,
                null,
                v.c.value,
                null,
                null,
                null,
            )
            .select_from(v.join(_t, _t.c.trial_id == v.c.trial_id))
            .where(cond)
        )
        selects.append(
            sa.select(
                p.c.trial_id,
                kind(_K_PARAM),
                p.c.param_name,
                p.c.position,
                p.c.value_kind,
                null,
                p.c.param_value,
                p.c.distribution_json,
                null,
                null,
            )
            .select_from(p.join(_t, _t.c.trial_id == p.c.trial_id))
            .where(cond)
        )
        selects.append(
            sa.select(
                i.c.trial_id,
                kind(_K_INTERMEDIATE),
                null,
                i.c.step,
                i.c.value_kind,
                null,
                i.c.value,
                null,
                null,
                null,
            )
            .select_from(i.join(_t, _t.c.trial_id == i.c.trial_id))
            .where(cond)
        )
        selects.append(
            sa.select(
                a.c.trial_id,
                kind(_K_ATTR),
                a.c.attr_key,
                null,
                a.c.kind,
                null,
                null,
                a.c.value_json,
                null,
                null,
            )
            .select_from(a.join(_t, _t.c.trial_id == a.c.trial_id))
            .where(cond)
        )
    if with_study:
        selects.append(
            sa.select(
                _studies.c.study_id,
                kind(_K_STUDY),
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
            ).where(_studies.c.study_id == _STUDY_ID)
        )
    return sa.union_all(*selects)


# -- prepared statements ----------------------------------------------------------------------


def _literal_states(states: Sequence[int]) -> list[sa.ColumnElement[int]]:
    return [sa.literal_column(str(s), sa.SmallInteger) for s in states]


def _trial_row_params() -> list[sa.ColumnElement[Any]]:
    return [
        sa.bindparam("state", type_=sa.SmallInteger),
        sa.bindparam("start", type_=models.DateTime),
        sa.bindparam("complete", type_=models.DateTime),
        sa.bindparam("seq", type_=sa.BigInteger),
    ]


_TRIAL_ROW_COLUMNS = ["state", "datetime_start", "datetime_complete", "finish_seq"]


def _insert_next_trial(returning: bool) -> sa.Insert:
    """Insert a trial numbered one past the study's last, in one statement."""
    inner = sa.select(
        _STUDY_ID,
        sa.func.coalesce(sa.func.max(_t.c.number), -1) + 1,
        *_trial_row_params(),
    ).where(_t.c.study_id == _STUDY_ID)
    insert = sa.insert(_t).from_select(["study_id", "number", *_TRIAL_ROW_COLUMNS], inner)
    return insert.returning(_t.c.trial_id, _t.c.number) if returning else insert


def _next_number_locked() -> sa.Select[Any]:
    """The study's next trial number, locking the study row (MySQL/MariaDB)."""
    next_number = (
        sa.select(sa.func.coalesce(sa.func.max(_t.c.number), -1) + 1)
        .where(_t.c.study_id == _STUDY_ID)
        .scalar_subquery()
    )
    return (
        sa.select(next_number)
        .select_from(_studies)
        .where(_studies.c.study_id == _STUDY_ID)
        .with_for_update()
    )


def _insert_trial() -> sa.Insert:
    values = dict(zip(_TRIAL_ROW_COLUMNS, _trial_row_params()))
    return sa.insert(_t).values(
        study_id=_STUDY_ID, number=sa.bindparam("number", type_=sa.Integer), **values
    )


def _insert_child(table: sa.Table) -> sa.Insert:
    """Insert a row of ``table`` only if its trial is unfinished, in one statement.

    The trial row is share-locked, so a concurrent finish waits for this insert or makes it
    insert nothing: a finished trial never gains a row afterwards.
    """
    columns = [c.name for c in table.columns if c.name not in ("trial_id", "position")]
    selected: list[sa.ColumnElement[Any]] = [
        _t.c.trial_id,
        *(sa.bindparam(c, type_=table.c[c].type) for c in columns),
    ]
    if "position" in table.c:
        # Parameters keep the order they were suggested in.
        selected.append(
            sa.select(sa.func.count()).where(table.c.trial_id == _TRIAL_ID).scalar_subquery()
        )
        columns.append("position")
    guard = (
        sa.select(*selected)
        .where(_t.c.trial_id == _TRIAL_ID, _t.c.state.in_(_literal_states(_UNFINISHED)))
        .with_for_update(read=True)
    )
    return sa.insert(table).from_select(["trial_id", *columns], guard)


def _bump_counter(returning: bool) -> sa.Update:
    update = (
        sa.update(_studies)
        .where(_studies.c.study_id == _STUDY_ID)
        .values(finish_counter=_studies.c.finish_counter + 1)
    )
    return update.returning(_studies.c.finish_counter) if returning else update


def _read_counter() -> sa.Select[Any]:
    return sa.select(_studies.c.finish_counter).where(_studies.c.study_id == _STUDY_ID)


def _set_state(finished: bool) -> sa.Update:
    changes: dict[str, Any] = {"state": sa.bindparam("state", type_=sa.SmallInteger)}
    if finished:
        changes["finish_seq"] = sa.bindparam("seq", type_=sa.BigInteger)
        changes["datetime_complete"] = sa.bindparam("complete", type_=models.DateTime)
    return (
        sa.update(_t)
        .where(_t.c.trial_id == _TRIAL_ID, _t.c.state.in_(_literal_states(_UNFINISHED)))
        .values(**changes)
    )


def _start_waiting() -> sa.Update:
    return (
        sa.update(_t)
        .where(_t.c.trial_id == _TRIAL_ID, _t.c.state == sa.literal_column(str(_WAITING)))
        .values(
            state=sa.literal_column(str(_RUNNING)),
            datetime_start=sa.bindparam("start", type_=models.DateTime),
        )
    )


def _insert_values() -> sa.Insert:
    v = models.trial_values
    return sa.insert(v).values(
        trial_id=_TRIAL_ID,
        objective=sa.bindparam("objective", type_=sa.Integer),
        value=sa.bindparam("value", type_=models.Double),
        value_kind=sa.bindparam("value_kind", type_=sa.SmallInteger),
    )


def _trial_number() -> sa.Select[Any]:
    return sa.select(_t.c.number).where(_t.c.trial_id == _TRIAL_ID)


def _insert_rows(table: sa.Table) -> sa.Insert:
    return sa.insert(table).values(
        {c.name: sa.bindparam(c.name, type_=c.type) for c in table.columns}
    )


def _delete_values() -> sa.Delete:
    return sa.delete(models.trial_values).where(models.trial_values.c.trial_id == _TRIAL_ID)


def _param_row(param: PendingParam) -> dict[str, Any]:
    value, kind = models.encode_float(param.value)
    return {
        "param_name": param.name,
        "param_value": value,
        "value_kind": kind,
        "distribution_json": param.distribution_json,
    }


def _scalar(cursor: Any) -> Any:
    row = cursor.fetchone()
    return None if row is None else row[0]


def _parse_dt(value: Any) -> datetime.datetime | None:
    if value is None or isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.fromisoformat(value)


def _value_rows(trial_id: int, values: Sequence[float]) -> list[dict[str, Any]]:
    rows = []
    for objective, v in enumerate(values):
        value, kind = models.encode_float(v)
        rows.append(
            {"trial_id": trial_id, "objective": objective, "value": value, "value_kind": kind}
        )
    return rows


def _check_value(value: float) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise TypeError(f"Trial values must be floats, got {value!r} ({type(value).__name__}).")
    if math.isnan(value):
        raise ValueError(
            "A trial value cannot be NaN: it has no place in an ordering of trials. Tell the "
            "trial as FAIL (Study.tell does so for an objective that returns NaN)."
        )


def _check_name(name: str, what: str) -> None:
    check_name(name, what)
    if len(name) > models.MAX_NAME_LENGTH:
        raise ValueError(
            f"The {what} {name[:40]!r}... has {len(name)} characters; the relational storage "
            f"keeps at most {models.MAX_NAME_LENGTH}. Use a shorter one."
        )


def _dumps(value: Any, what: str) -> str:
    require_json(value, what)
    return json.dumps(value)


def _stored_json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as e:
        raise StorageInternalError(
            f"The stored {what} is damaged: {e} (text {text[:60]!r}). Fix or delete that row "
            "of the database; parzen changed nothing."
        ) from None


def _damaged(what: str, trial_id: int, params: dict[str, Any], e: Exception) -> str:
    study = f" of study {params['study_id']}" if "study_id" in params else ""
    return (
        f"The stored {what} of trial id {trial_id}{study} is damaged: {e}. Fix or delete that "
        "row of the database; parzen changed nothing."
    )


def _number(trial: FrozenTrial) -> int:
    return trial.number


def _first(pair: tuple[int, FrozenTrial]) -> int:
    return pair[0]
