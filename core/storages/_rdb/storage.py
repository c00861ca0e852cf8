"""``RDBStorage``: studies and trials in SQLite, PostgreSQL or MySQL/MariaDB via SQLAlchemy 2.

This module holds the storage class: the :class:`~parzen.storages.BaseStorage` methods and
the transactions they run. Beside it: ``_statements`` (the SQL statements), ``_rows`` (rows to
records and back), ``_cache`` (the per-process cache of finished trials), ``_engine``
(connections, transactions, retries), ``_pending`` (parameters written in batches) and
``_schema`` (creating and checking the schema).
"""

from __future__ import annotations

import contextlib
import datetime
import difflib
import functools
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
from parzen.distributions import BaseDistribution, check_distribution_compatibility
from parzen.exceptions import DuplicatedStudyError, UpdateFinishedTrialError
from parzen.storages._base import DEFAULT_STUDY_NAME_PREFIX, BaseStorage, check_name
from parzen.storages._heartbeat import check_heartbeat_settings, resolve_stale_trial_callback
from parzen.storages._rdb import _rows, _schema, models
from parzen.storages._rdb import _statements as sql
from parzen.storages._rdb._cache import FinishedTrials
from parzen.storages._rdb._engine import (
    CommitOutcomeUnknown,
    Database,
    Prepared,
    masked,
    parse_url,
)
from parzen.storages._rdb._pending import PendingParam, PendingParams
from parzen.storages._rdb._statements import CURSOR, STUDY_ID, TRIAL_ID
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study

_RUNNING = sql.RUNNING
_UNFINISHED = sql.UNFINISHED
_FINISHED_STATES = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
# From this many trials on, copying them runs with the garbage collector paused.
_MANY_TRIALS = 10_000

_t = models.trials
_studies = models.studies


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
        self._finished = FinishedTrials()
        self._directions: dict[int, list[StudyDirection]] = {}
        self._trial_study: dict[int, tuple[int, int]] = {}  # trial id -> (study id, number)
        self._param_dists: dict[int, dict[str, BaseDistribution]] = {}
        self._codec = _rows.DistributionCodec()
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
        self._finished.drop_study(study_id)
        with self._lock:
            self._directions.pop(study_id, None)
            self._param_dists.pop(study_id, None)

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        self._set_study_attr(study_id, models.USER_ATTR, key, value, "study user attribute")

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        self._set_study_attr(study_id, models.SYSTEM_ATTR, key, value, "study system attribute")

    def _set_study_attr(self, study_id: int, kind: int, key: str, value: Any, what: str) -> None:
        _check_name(key, f"{what} key")
        value_json = _rows.dumps(value, f"{what} {key!r}")
        table = models.study_attrs
        row = {"study_id": study_id, "kind": kind, "attr_key": key, "value_json": value_json}
        try:
            self._db.auto(
                lambda conn: conn.execute(sql.upsert(self._db, table, row, ["value_json"])),
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
            r.attr_key: _rows.stored_json(
                r.value_json, f"attribute {r.attr_key!r} of study {study_id}"
            )
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
            attrs.setdefault((study_id, kind), {})[key] = _rows.stored_json(
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
                self._stmt("next_number_locked", sql.next_number_locked).run(
                    cursor, study_id=study_id
                )
            )
            if number is None:
                raise KeyError(self._no_study_id(study_id))
            self._stmt("insert_trial", sql.insert_trial).run(cursor, number=number, **row)
            return int(cursor.lastrowid), int(number)
        # The number is computed in the INSERT itself: with UNIQUE(study_id, number), two
        # workers that race on the same number see one of them fail and retry.
        returning = self._db.engine.dialect.insert_returning
        self._stmt(("insert_next_trial", returning), lambda: sql.insert_next_trial(returning)).run(
            cursor, **row
        )
        if returning:
            trial_id, number = cursor.fetchone()
            return int(trial_id), int(number)
        trial_id = int(cursor.lastrowid)
        number = _scalar(
            self._stmt("trial_number", sql.trial_number).run(cursor, trial_id=trial_id)
        )
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
                    "distribution_json": self._codec.to_json(dist),
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
                self._stmt(("insert_rows", table.name), lambda: sql.insert_rows(table)).run_many(
                    cursor, [{"trial_id": trial_id, **r} for r in rows]
                )

        insert(models.trial_params, param_rows)
        if values is not None:
            insert(models.trial_values, _rows.value_rows(trial_id, values))
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
        bump = self._stmt(("bump_counter", returning), lambda: sql.bump_counter(returning))
        bump.run(cursor, study_id=study_id)
        if returning:
            seq = _scalar(cursor)
        else:
            seq = _scalar(
                self._stmt("read_counter", sql.read_counter).run(cursor, study_id=study_id)
            )
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
        param = PendingParam(param_name, value, distribution, self._codec.to_json(distribution))
        # A running trial of this storage writes its parameters in batches (see _pending).
        if not self._pending.add(trial_id, param):
            self._write_param(trial_id, param)
        with self._lock:
            self._param_dists.setdefault(study_id, {}).setdefault(param_name, distribution)

    def defer_param_writes(self, trial_id: int) -> None:
        self._pending.own(trial_id)

    def _write_param(self, trial_id: int, param: PendingParam) -> None:
        """Insert or replace one parameter of an unfinished trial."""
        row = _rows.param_row(param)
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
        if not params:
            return
        table = models.trial_params
        insert = self._stmt(("insert_child", table.name), lambda: sql.insert_child(table))
        rows = [{"trial_id": trial_id, **_rows.param_row(param)} for param in params]
        # One batch: psycopg sends it in one round trip (pipeline mode); the drivers sum the
        # rows inserted, and each insert adds its row only if the trial is unfinished.
        if insert.run_many(cursor, rows).rowcount != len(rows):
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
        value_json = _rows.dumps(value, f"{what} {key!r}")
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
        insert = self._stmt(("insert_child", table.name), lambda: sql.insert_child(table))
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
                self._stmt(("set_state", finished), lambda: sql.set_state(finished))
                .run(cursor, trial_id=trial_id, state=int(state), seq=seq, complete=self._dt(now))
                .rowcount
            )
            if updated != 1:
                # Rolls back the counter too.
                raise _NotUpdatable()
            if value_list is not None:
                if not finished:
                    self._stmt("delete_values", sql.delete_values).run(cursor, trial_id=trial_id)
                self._stmt("insert_values", sql.insert_values).run_many(
                    cursor, _rows.value_rows(trial_id, value_list)
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
                self._stmt("start_waiting", sql.start_waiting)
                .run(cursor, trial_id=trial_id, start=self._dt(now))
                .rowcount
            )
            if updated == 1:
                if heartbeat:
                    self._heartbeat_stmt(upsert=True).run(cursor, trial_id=trial_id)
                if values is not None:
                    self._stmt("insert_values", sql.insert_values).run_many(
                        cursor, _rows.value_rows(trial_id, values)
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
        cached = self._finished.get(trial_id)
        if cached is None and self._just_created:
            with self._lock:
                cached = self._just_created.pop(trial_id, None)
        if cached is not None:
            return self._pending.overlay(cached._copy())
        pending = self._pending.peek(trial_id)  # before the read: see PendingParams.overlay
        loaded, _ = self._load("trial", lambda: [_t.c.trial_id == TRIAL_ID], trial_id=trial_id)
        if not loaded:
            raise KeyError(f"No trial with id {trial_id} in {self!r}.")
        ((seq, trial),) = loaded
        if seq is not None:
            self._finished.add_one(trial)
            return trial._copy()
        return self._pending.overlay(trial, pending)

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
        pending = self._pending.peek_all()  # before the read: see PendingParams.overlay
        if want_finished:
            unfinished = self._sync(study_id, with_unfinished=want_unfinished)
            # Another thread may have cached one of them as finished since our read.
            finished, unfinished = self._finished.by_number(study_id, unfinished)
        else:
            unfinished = self._load_unfinished(study_id, states)
            finished = []
        for trial in unfinished:
            self._pending.overlay(trial, pending.get(trial._trial_id, ()))
        merged = sorted([*finished, *unfinished], key=_number) if unfinished else finished
        if states is not None:
            merged = [t for t in merged if t.state in states]
        if deepcopy:
            if len(merged) < _MANY_TRIALS:
                return [t._copy() for t in merged]
            with _rows.gc_paused():
                return [t._copy() for t in merged]
        return merged

    def get_finished_trials_since(
        self, study_id: int, cursor: int
    ) -> tuple[list[FrozenTrial], int]:
        self._sync(study_id, with_unfinished=False)
        return self._finished.since(study_id, cursor)

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
                h.c.heartbeat < sql.db_now(self._db, -float(self.grace_period)),
            )
            .order_by(_t.c.trial_id)
        )
        return [int(r) for r in self._db.read(lambda conn: conn.execute(query).scalars().all())]

    def _heartbeat_stmt(self, *, upsert: bool = False) -> Prepared:
        """Set a trial's heartbeat to the database's now (``upsert``: the row may exist)."""
        return self._stmt(("heartbeat", upsert), lambda: sql.heartbeat(self._db, replace=upsert))

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
            known = self._codec.from_json(text)
            with self._lock:
                self._param_dists.setdefault(study_id, {}).setdefault(name, known)
        check_distribution_compatibility(known, distribution)

    def _sync(self, study_id: int, *, with_unfinished: bool) -> list[FrozenTrial]:
        """Add the trials finished since the last call to the cache; load unfinished ones.

        The first call for a study reads all of it column-wise (:meth:`_load_bulk`); later
        calls read what finished since, in one statement.
        """
        if self._finished.has_study(study_id):
            loaded, study_exists = self._load(
                ("sync", with_unfinished),
                lambda: _sync_conditions(with_unfinished),
                study_id=study_id,
                cursor=self._finished.cursor(study_id),
            )
            return self._add_loaded(study_id, loaded, study_exists)
        with _rows.gc_paused():
            loaded, study_exists = self._load_bulk(study_id, with_unfinished)
            return self._add_loaded(study_id, loaded, study_exists)

    def _add_loaded(
        self, study_id: int, loaded: list[tuple[int | None, FrozenTrial]], study_exists: bool
    ) -> list[FrozenTrial]:
        """Cache the finished trials of a read; return its unfinished ones."""
        if not study_exists:
            self._finished.drop_study(study_id)
            raise KeyError(self._no_study_id(study_id))
        unfinished = []
        finished = []
        for seq, trial in loaded:
            if seq is None:
                unfinished.append(trial)
            else:
                finished.append((seq, trial))
        added = self._finished.add(study_id, finished)
        if added:
            with self._lock:
                trial_study = self._trial_study
                known = self._param_dists.setdefault(study_id, {})
                for trial in added:
                    trial_study.setdefault(trial._trial_id, (study_id, trial.number))
                    if not trial._distributions.keys() <= known.keys():
                        for name, dist in trial._distributions.items():
                            known.setdefault(name, dist)
        return unfinished

    def _load_bulk(
        self, study_id: int, with_unfinished: bool
    ) -> tuple[list[tuple[int | None, FrozenTrial]], bool]:
        """Load all of a study's finished trials (and unfinished ones) in one snapshot.

        One query per table, straight to tuples, then grouped in Python: several times
        faster than the one-statement read for a large study, which repeats every column on
        every row. Returns what :meth:`_load` returns.
        """
        study = self._stmt("bulk_study", sql.bulk_study)
        queries = [
            self._stmt(
                ("bulk", table, with_unfinished),
                functools.partial(sql.bulk_query, table, finished_only=not with_unfinished),
            )
            for table in sql.BULK_TABLES
        ]

        def run(cursor: Any) -> list[list[Any]] | None:
            if study.run(cursor, study_id=study_id).fetchone() is None:
                return None
            return [query.run(cursor, study_id=study_id).fetchall() for query in queries]

        tables = self._db.snapshot(run)
        if tables is None:
            return [], False
        trial_rows, param_rows, value_rows, intermediate_rows, attr_rows = tables
        loaded = _rows.trials_from_tables(
            trial_rows,
            param_rows,
            value_rows,
            intermediate_rows,
            attr_rows,
            self._codec,
            parse_dt=self._db.is_sqlite,
            params={"study_id": study_id},
        )
        return loaded, True

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
                    _t.c.study_id == STUDY_ID,
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
            lambda: sql.trials_query(
                conditions(), with_study, typed_nulls=self._db.backend == "postgresql"
            ),
        )
        rows = self._db.cursor(
            lambda cursor: query.run(cursor, **params).fetchall(), read_only=True
        )
        return _rows.trials_from_rows(
            rows, self._codec, parse_dt=self._db.is_sqlite, with_study=with_study, params=params
        )


class _NotUpdatable(Exception):
    pass


def _scalar(cursor: Any) -> Any:
    row = cursor.fetchone()
    return None if row is None else row[0]


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


def _sync_conditions(with_unfinished: bool) -> list[sa.ColumnElement[bool]]:
    # Two index range scans, (study_id, finish_seq > cursor) and (study_id, NULL), rather
    # than one OR that some databases would scan the whole study for.
    finished = sa.and_(_t.c.study_id == STUDY_ID, _t.c.finish_seq > CURSOR)
    if not with_unfinished:
        return [finished]
    return [finished, sa.and_(_t.c.study_id == STUDY_ID, _t.c.finish_seq.is_(None))]


def _number(trial: FrozenTrial) -> int:
    return trial.number
