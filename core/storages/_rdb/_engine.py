"""Engines, transactions and retries for the relational storage.

Four ways to talk to the database, chosen per operation to keep round trips few:

* ``write`` runs a function in one transaction (``BEGIN IMMEDIATE`` on SQLite, so that two
  writers queue instead of failing when a read lock would have to be
  upgraded).
* ``auto`` runs single statements that commit by themselves (autocommit): one round trip on a
  server instead of three (BEGIN, statement, COMMIT). Used wherever one statement is atomic
  on its own.
* ``read`` is ``auto`` for queries.
* ``cursor`` runs statements compiled once (:class:`Prepared`) on a driver cursor, without
  SQLAlchemy's per-execution work: the hot path of a trial (create, suggest, report, finish,
  load), which it makes several times cheaper. ``snapshot`` is ``cursor`` for several queries
  that must see one state of the database.

Each retries, with exponential backoff and jitter, on the errors that mean "try again":
SQLite's busy/locked, deadlocks, lock-wait timeouts and serialization failures. On a SQLite
file, writers of every process first line up in a :class:`WriterQueue`, so that they rarely
see "busy" at all.

A lost connection (the server restarted, an idle timeout, ``pg_terminate_backend``, MariaDB's
``KILL``) is retried on a new connection when running the work again is safe: always for
reads; for a transaction that had not sent its COMMIT (the server rolled it back); for a
statement the caller declares idempotent; and for any statement when the server said it ended
the session itself (PostgreSQL's 57P01-57P03), which aborts what was running. A connection
lost during COMMIT leaves the outcome unknown: :class:`CommitOutcomeUnknown` lets the caller
look. Connections idle for a while are checked before use (pre-ping), and a lost connection
discards its pool's others, which the same event most likely killed too.
"""

from __future__ import annotations

import contextlib
import math
import os
import random
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import StaticPool

from parzen.exceptions import StorageInternalError
from parzen.storages._optuna_import._detect import check_not_optuna_sqlite_file
from parzen.storages._rdb._writer_queue import WriterQueue

T = TypeVar("T")

DEFAULT_CONNECT_TIMEOUT = 10
"""Seconds to wait for a server to accept a connection before giving up."""

SQLITE_BUSY_TIMEOUT = 60.0
"""Seconds a SQLite write waits for other writers' locks before giving up."""

_MAX_ATTEMPTS = 12
_FIRST_BACKOFF = 0.005
_MAX_BACKOFF = 1.0
# SQLite's own busy handler sleeps 1, 2, 5, 10, ... ms between attempts: far longer than the
# ~0.1 ms a parzen write holds the lock. parzen's writers queue for the lock instead (see
# WriterQueue); a writer that is not in the queue (another program, or a directory where the
# lock file cannot be made) makes SQLite fail at once, and parzen retries on a finer
# schedule.
_SQLITE_FIRST_BACKOFF = 0.0002
_SQLITE_MAX_BACKOFF = 0.01
# A pooled connection unused for this long is checked before use: servers and firewalls drop
# idle connections, and a failed first statement of a write would be ambiguous to retry.
_PING_AFTER_IDLE = 1.0

# SQLSTATEs (PostgreSQL) and error numbers (MySQL/MariaDB) that mean "retry the transaction".
_PG_TRANSIENT = {"40001", "40P01", "55P03"}
_MYSQL_TRANSIENT = {1205, 1213}
_MYSQL_DUPLICATE = 1062
# The server ended the session: what was running was aborted, nothing committed.
_PG_SESSION_ENDED = {"57P01", "57P02", "57P03"}
# PyMySQL's "server has gone away": the statement could not even be sent.
_MYSQL_NOT_SENT = {2006}

_DEFAULT_DRIVERS = {
    "postgresql": "psycopg",
    "postgres": "psycopg",
    "mysql": "pymysql",
    "mariadb": "pymysql",
}
_DRIVER_EXTRAS = {"psycopg": "postgresql", "pymysql": "mysql"}


def parse_url(url: str) -> URL:
    """Parse ``url`` and fill in parzen's default driver for servers.

    ``postgresql://`` means psycopg 3 and ``mysql://``/``mariadb://`` mean PyMySQL, the drivers
    of the ``parzen[postgresql]`` and ``parzen[mysql]`` extras. Name another driver explicitly
    (``postgresql+psycopg2://``) to use it.
    """
    if not isinstance(url, str):
        raise TypeError(f"The storage URL must be a string, got {url!r} ({type(url).__name__}).")
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as e:
        raise ValueError(
            f"Not a database URL: {url!r}. Expected e.g. sqlite:///study.db, "
            "postgresql://user:password@host/dbname or mysql://user:password@host/dbname."
        ) from e
    name = parsed.drivername
    if name == "postgres":  # the scheme libpq accepts; SQLAlchemy wants "postgresql"
        name = "postgresql"
    if "+" not in name and name in _DEFAULT_DRIVERS:
        name = f"{name}+{_DEFAULT_DRIVERS[name]}"
    return parsed.set(drivername=name)


class CommitOutcomeUnknown(StorageInternalError):
    """The connection was lost while a COMMIT was in flight: it may or may not have applied.

    The caller knows what the transaction wrote and can read whether it is there.
    """


def masked(url: URL) -> str:
    """The URL as it may be shown: the password hidden."""
    return url.render_as_string(hide_password=True)


def is_memory_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and (
        url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"
    )


class Database:
    """The engines of one storage, with transaction helpers and retries."""

    def __init__(self, url: URL, engine_kwargs: dict[str, Any] | None) -> None:
        self.url = url
        self.backend = url.get_backend_name()
        self.is_sqlite = self.backend == "sqlite"
        self.is_mysql = self.backend in ("mysql", "mariadb")
        self.is_memory = is_memory_sqlite(url)
        if self.is_sqlite and not self.is_memory and url.database and not url.query.get("uri"):
            # Before any connection: connecting switches the file to WAL mode, a write.
            check_not_optuna_sqlite_file(url.database, masked(url))
        kwargs = dict(engine_kwargs or {})
        self._engine_kwargs = dict(kwargs)
        # An in-memory SQLite database lives in one connection, which threads must take
        # turns on.
        self._lock: threading.RLock | None = threading.RLock() if self.is_memory else None
        self.engine = self._create(kwargs, autocommit=False)
        self._connected = False  # whether a connection has ever been made
        self.writer_queue: WriterQueue | None = None
        if self.is_sqlite and not self.is_memory and url.database and not url.query.get("uri"):
            self.writer_queue = WriterQueue(url.database)
        self.autocommit_engine: Engine
        self.tx_engine: Engine
        if self.is_sqlite:
            # Statements on a connection without BEGIN are autocommitting in SQLite.
            self.autocommit_engine = self.engine
            self.tx_engine = self.engine.execution_options(parzen_begin="BEGIN IMMEDIATE")
        else:
            self.autocommit_engine = self._create(dict(kwargs), autocommit=True)
            self.tx_engine = self.engine
        dbapi = self.engine.dialect.loaded_dbapi
        self.dbapi_error: type[Exception] = dbapi.Error
        self.integrity_errors: tuple[type[Exception], ...] = (
            sa.exc.IntegrityError,
            dbapi.IntegrityError,
        )
        _FORKED.add(self)

    # -- engines ----------------------------------------------------------------------------

    def _create(self, kwargs: dict[str, Any], *, autocommit: bool) -> Engine:
        connect_args = dict(kwargs.pop("connect_args", {}) or {})
        if self.is_sqlite:
            connect_args.setdefault("timeout", 0)
            connect_args.setdefault("check_same_thread", False)
            if self.is_memory:
                kwargs.setdefault("poolclass", StaticPool)
        else:
            connect_args.setdefault("connect_timeout", DEFAULT_CONNECT_TIMEOUT)
            if autocommit:
                kwargs["isolation_level"] = "AUTOCOMMIT"
                # No transaction is ever left open on these connections: the rollback a pool
                # does on check-in would be a wasted round trip per statement (PyMySQL sends
                # it even when idle).
                kwargs.setdefault("pool_reset_on_return", None)
            elif self.is_mysql:
                # Fewer gap locks, hence fewer deadlocks; parzen locks rows where it must.
                kwargs.setdefault("isolation_level", "READ COMMITTED")
            if self.is_mysql:
                kwargs.setdefault("pool_recycle", 3600)
        try:
            engine = sa.create_engine(self.url, connect_args=connect_args, **kwargs)
        except ModuleNotFoundError as e:
            driver = self.url.get_driver_name()
            extra = _DRIVER_EXTRAS.get(driver)
            hint = f"pip install 'parzen[{extra}]'" if extra else f"install the {driver} driver"
            raise ImportError(
                f"The database driver {driver!r} for {masked(self.url)} is not installed "
                f"({e}). Install it: {hint}."
            ) from e
        except TypeError as e:
            raise TypeError(
                f"engine_kwargs were not accepted by sqlalchemy.create_engine: {e}. "
                f"Got engine_kwargs={self._engine_kwargs!r}."
            ) from e
        if self.is_sqlite:
            event.listen(engine, "connect", _sqlite_on_connect)
            event.listen(engine, "begin", _sqlite_on_begin)
        if self.url.get_driver_name() == "pymysql":
            event.listen(engine, "do_connect", _pymysql_connect)
        if autocommit and self.backend == "postgresql":
            event.listen(engine, "connect", _postgresql_async_commit)
        event.listen(engine, "checkout", _ping_if_idle)
        event.listen(engine, "checkin", _note_checkin)
        return engine

    def dispose(self, close: bool = True) -> None:
        self.engine.dispose(close=close)
        if self.autocommit_engine is not self.engine:
            self.autocommit_engine.dispose(close=close)
        if self.writer_queue is not None:
            if close:
                self.writer_queue.close()
            else:
                self.writer_queue.after_fork()

    # -- running work -----------------------------------------------------------------------

    def write(self, fn: Callable[[Connection], T], *, idempotent: bool = False) -> T:
        """Run ``fn`` in one transaction, retried whole on transient errors.

        ``idempotent``: running ``fn`` twice has the effect of once, so even a COMMIT lost
        with its connection is retried.

        Raises:
            CommitOutcomeUnknown: the connection was lost during the COMMIT (not idempotent).
        """
        return self._run(self.tx_engine, fn, transaction=True, writes=True, idempotent=idempotent)

    def auto(self, fn: Callable[[Connection], T], *, idempotent: bool = False) -> T:
        """Run ``fn``'s statements each in its own autocommit transaction.

        ``idempotent``: running ``fn`` twice has the effect of once, so a lost connection is
        retried.
        """
        return self._run(
            self.autocommit_engine, fn, transaction=False, writes=True, idempotent=idempotent
        )

    def read(self, fn: Callable[[Connection], T]) -> T:
        """Run queries (autocommit; retried on transient errors and lost connections)."""
        return self._run(self.autocommit_engine, fn, transaction=False, writes=False)

    def _run(
        self,
        engine: Engine,
        fn: Callable[[Connection], T],
        *,
        transaction: bool,
        writes: bool,
        idempotent: bool = False,
    ) -> T:
        queue = self._queue(writes)

        def once() -> T:
            committing = False
            try:
                with (
                    self._lock if self._lock is not None else nullcontext(),
                    self.connect(engine) as conn,
                    queue,
                ):
                    if transaction:
                        tx = conn.begin()
                        try:
                            result = fn(conn)
                        except BaseException:
                            _quietly(tx.rollback)
                            raise
                        committing = True
                        tx.commit()
                        return result
                    result = fn(conn)
                    conn.commit()
                    return result
            except sa.exc.DBAPIError as e:
                if getattr(e, "connection_invalidated", False):
                    self._lost_connection(
                        e,
                        committing=committing and not idempotent,
                        rerunnable=not writes or idempotent or (transaction and not committing),
                    )
                raise

        return self.retrying(once)

    def _queue(self, writes: bool) -> contextlib.AbstractContextManager[None]:
        if writes and self.writer_queue is not None:
            return self.writer_queue
        return nullcontext()

    def cursor(
        self,
        fn: Callable[[Any], T],
        *,
        transaction: bool = False,
        read_only: bool = False,
        idempotent: bool = False,
    ) -> T:
        """Run ``fn`` on a driver cursor: the fast path of the hot statements.

        Without ``transaction`` each statement commits by itself. Retried like ``write``;
        ``read_only`` says that ``fn`` only queries (it skips the writer queue);
        ``idempotent`` that running it twice has the effect of once (so a lost connection is
        retried even after a statement may have committed).
        """
        engine = self.tx_engine if transaction else self.autocommit_engine
        queue = self._queue(not read_only)

        def once() -> T:
            with self._lock if self._lock is not None else nullcontext():
                try:
                    connection = engine.raw_connection()
                except (sa.exc.DBAPIError, self.dbapi_error) as e:
                    self._check_connect_error(e)
                    raise
                self._connected = True
                committing = False
                try:
                    cursor = connection.cursor()
                    try:
                        # In the queue only for the transaction itself, not the pool's work.
                        with queue:
                            if transaction and self.is_sqlite:
                                cursor.execute("BEGIN IMMEDIATE")
                            result = fn(cursor)
                            if transaction:
                                committing = True
                                connection.commit()
                        return result
                    except BaseException as e:
                        if transaction:
                            _quietly(connection.rollback)
                        if isinstance(e, self.dbapi_error) and self.engine.dialect.is_disconnect(
                            e,  # type: ignore[arg-type]
                            connection.dbapi_connection,
                            cursor,
                        ):
                            connection.invalidate(e)
                            self._lost_connection(
                                e,
                                committing=committing and not idempotent,
                                rerunnable=read_only
                                or idempotent
                                or (transaction and not committing),
                            )
                        raise
                    finally:
                        _quietly(cursor.close)
                finally:
                    connection.close()

        return self.retrying(once)

    def snapshot(self, fn: Callable[[Any], T]) -> T:
        """Run ``fn``'s queries on a driver cursor, all in one read-only snapshot.

        For a read made of several statements that must agree with each other: on PostgreSQL
        and MySQL/MariaDB a REPEATABLE READ transaction, on SQLite a deferred one (in WAL mode
        it sees the database as of its first read). Retried like :meth:`cursor`.
        """
        if self.is_sqlite:
            begin = ["BEGIN"]
        elif self.is_mysql:
            begin = [
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",
                "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
            ]
        else:
            begin = ["BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"]

        def run(cursor: Any) -> T:
            for statement in begin:
                cursor.execute(statement)
            try:
                result = fn(cursor)
            except BaseException:
                # The connection goes back to a pool that does not roll back for us.
                _quietly(lambda: cursor.execute("ROLLBACK"))
                raise
            cursor.execute("COMMIT")
            return result

        return self.cursor(run, read_only=True)

    def _lost_connection(self, e: Exception, *, committing: bool, rerunnable: bool) -> None:
        """Mark a lost connection's error: may the work run again on a new connection?"""
        # The event that killed this connection (a restart, a mass kill) most likely killed
        # the pool's others: drop them, so that the retry does not meet them one by one.
        self.engine.dispose()
        if self.autocommit_engine is not self.engine:
            self.autocommit_engine.dispose()
        if committing:
            raise CommitOutcomeUnknown(
                f"The connection to {masked(self.url)} was lost during a COMMIT ({_orig(e)}); "
                "the transaction may or may not have been applied."
            ) from e
        e.parzen_disconnect = True  # type: ignore[attr-defined]
        e.parzen_rerun = rerunnable or self._session_ended(e)  # type: ignore[attr-defined]

    def _session_ended(self, e: Exception) -> bool:
        """Whether the server ended the session before the statement could commit."""
        orig = _orig(e)
        if self.is_mysql:
            code = orig.args[0] if orig is not None and orig.args else None
            return code in _MYSQL_NOT_SENT
        return getattr(orig, "sqlstate", None) in _PG_SESSION_ENDED

    def retrying(self, fn: Callable[[], T], *, retry_disconnect: bool = False) -> T:
        """Run ``fn``, again with exponential backoff while it fails on transient errors.

        ``fn`` must be safe to run again after such an error: it ran in a transaction that
        the database rolled back. A lost connection is retried when ``retry_disconnect`` or
        when the error says running again is safe (see :meth:`_lost_connection`).
        """
        if self.is_sqlite:
            backoff, max_backoff = _SQLITE_FIRST_BACKOFF, _SQLITE_MAX_BACKOFF
            deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT
        else:
            backoff, max_backoff = _FIRST_BACKOFF, _MAX_BACKOFF
            deadline = math.inf
        attempt = 1
        while True:
            try:
                return fn()
            except (sa.exc.DBAPIError, self.dbapi_error) as e:
                disconnected = getattr(e, "connection_invalidated", False) or getattr(
                    e, "parzen_disconnect", False
                )
                rerun = getattr(e, "parzen_rerun", retry_disconnect)
                retry = self.is_transient(e) or (rerun and disconnected)
                out_of_time = (
                    time.monotonic() > deadline if self.is_sqlite else attempt >= _MAX_ATTEMPTS
                )
                if not retry or out_of_time:
                    if self.is_sqlite and _sqlite_corrupt(e):
                        raise StorageInternalError(self.corrupt_message(e)) from e
                    if retry and disconnected and not self.is_transient(e):
                        raise StorageInternalError(
                            f"Lost the connection to {masked(self.url)} on each of {attempt} "
                            f"attempts: {_orig(e)}. Check that the server is up and that "
                            "nothing (a proxy, an idle timeout, an administrator) keeps "
                            "ending its sessions."
                        ) from e
                    if retry:
                        raise StorageInternalError(
                            f"The database {masked(self.url)} stayed busy through "
                            f"{attempt} attempts: {_orig(e)}. Other workers may hold long "
                            "transactions; try again, or use fewer concurrent writers."
                        ) from e
                    raise
            # Full jitter: concurrent workers that collided should not collide again.
            time.sleep(random.uniform(0, backoff))
            backoff = min(backoff * 2, max_backoff)
            attempt += 1

    @contextmanager
    def connect(self, engine: Engine) -> Iterator[Connection]:
        try:
            conn = engine.connect()
        except (sa.exc.DBAPIError, self.dbapi_error) as e:
            self._check_connect_error(e)
            raise
        self._connected = True
        with conn:
            yield conn

    def _check_connect_error(self, e: Exception) -> None:
        """Let a connection attempt that failed be retried if it may work again; else explain.

        Nothing ran on a connection that was never made, so once this storage has been
        connected, a connection lost while being made is retried (a server restarting, or
        ending sessions as they start); before, the server is unreachable: say so at once.
        """
        if self.is_transient(e):
            return
        orig = _orig(e)
        if (
            self._connected
            and not self.is_sqlite
            and self.engine.dialect.is_disconnect(orig, None, None)
        ):
            e.parzen_disconnect = True  # type: ignore[attr-defined]
            e.parzen_rerun = True  # type: ignore[attr-defined]
            return
        if isinstance(e, sa.exc.DBAPIError):
            raise StorageInternalError(self.unreachable_message(e)) from e
        raise StorageInternalError(
            self.unreachable_message(sa.exc.DBAPIError(None, None, e))
        ) from e

    def corrupt_message(self, e: Exception) -> str:
        return (
            f"The SQLite file {self.url.database} is corrupt (or not an SQLite database): SQLite "
            f"says {_orig(e)}. parzen "
            "left it unchanged. Restore it from a backup; `sqlite3 FILE .recover` may salvage "
            "what is left."
        )

    def unreachable_message(self, e: sa.exc.DBAPIError) -> str:
        if self.is_sqlite and _sqlite_corrupt(e):
            return self.corrupt_message(e)
        if self.is_sqlite:
            return (
                f"Could not open the SQLite database {masked(self.url)}: {e.orig}. Check that "
                "the directory exists and is writable."
            )
        return (
            f"Could not connect to the database server of {masked(self.url)}: "
            f"{str(e.orig).strip()}. Check that the server is running and reachable from this "
            "machine, and the user, password and database name; the connection attempt gives "
            f"up after connect_timeout={DEFAULT_CONNECT_TIMEOUT}s unless engine_kwargs="
            "{'connect_args': {'connect_timeout': N}} says otherwise."
        )

    def is_transient(self, e: Exception) -> bool:
        orig = _orig(e)
        if self.is_sqlite:
            message = str(orig).lower()
            return "locked" in message or "busy" in message
        if self.is_mysql:
            code = orig.args[0] if orig is not None and orig.args else None
            return code in _MYSQL_TRANSIENT
        return getattr(orig, "sqlstate", None) in _PG_TRANSIENT

    def is_duplicate_key(self, e: Exception) -> bool:
        """Whether an IntegrityError is a unique/primary-key violation (not a foreign key)."""
        orig = _orig(e)
        if self.is_sqlite:
            message = str(orig)
            return "UNIQUE" in message or "PRIMARY KEY" in message
        if self.is_mysql:
            return orig is not None and bool(orig.args) and orig.args[0] == _MYSQL_DUPLICATE
        return getattr(orig, "sqlstate", None) == "23505"


class Prepared:
    """A statement compiled once for a dialect and run as driver SQL.

    SQLAlchemy's per-execution work (cache keys, parameter processing) costs more than a
    SQLite statement itself; the hot statements of the storage skip it. Values are passed as
    the driver takes them (see ``RDBStorage._dt`` for SQLite's datetimes).
    """

    __slots__ = ("_defaults", "_order", "sql")

    def __init__(self, statement: sa.ClauseElement, dialect: sa.Dialect) -> None:
        compiled: Any = statement.compile(
            dialect=dialect, compile_kwargs={"render_postcompile": True}
        )
        self.sql = str(compiled)
        self._order = list(compiled.positiontup or []) if compiled.positional else None
        self._defaults = {k: v for k, v in compiled.params.items() if v is not None}

    def args(self, values: dict[str, Any]) -> Any:
        if self._defaults:
            values = {**self._defaults, **values}
        if self._order is None:
            return values
        return tuple(values[name] for name in self._order)

    def run(self, cursor: Any, /, **values: Any) -> Any:
        """Execute on a driver cursor (see ``Database.cursor``); return the cursor."""
        cursor.execute(self.sql, self.args(values))
        return cursor

    def run_many(self, cursor: Any, /, rows: list[dict[str, Any]]) -> Any:
        cursor.executemany(self.sql, [self.args(r) for r in rows])
        return cursor


def _orig(e: Exception) -> Any:
    """The driver's exception behind a SQLAlchemy one (or the driver's exception itself)."""
    return e.orig if isinstance(e, sa.exc.DBAPIError) else e


def _sqlite_corrupt(e: Exception) -> bool:
    message = str(_orig(e)).lower()
    return "file is not a database" in message or "malformed" in message


def _quietly(fn: Callable[[], Any]) -> None:
    # The connection is being discarded or reset anyway; the first error is what matters.
    with contextlib.suppress(Exception):
        fn()


def _sqlite_on_connect(dbapi_conn: Any, record: Any) -> None:
    # Take transaction control away from the driver: parzen issues BEGIN itself (see
    # _sqlite_on_begin), and statements outside a BEGIN autocommit.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
        if mode not in ("wal", "memory"):
            # WAL lets readers run while one process writes; the mode is stored in the file.
            cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL is safe against a crashing or killed process (it may lose the last
        # transactions only on power loss or an OS crash) and spares an fsync per commit.
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    begin = conn.get_execution_options().get("parzen_begin")
    if begin:
        conn.exec_driver_sql(begin)


def _postgresql_async_commit(dbapi_conn: Any, record: Any) -> None:
    # The autocommit connections write what changes while a trial runs (its creation,
    # parameters, intermediate values, attributes, heartbeats). A commit that waits for the
    # WAL flush costs an fsync, several milliseconds, which would be most of a trial's time.
    # Asynchronous commit keeps every guarantee but durability against a crash of the
    # *server* within ~0.6 s (3 x wal_writer_delay), and never corrupts anything. Finishing a
    # trial commits synchronously on the other pool, which also makes every earlier
    # (asynchronous) write durable: the WAL is flushed in order.
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute("SET synchronous_commit TO OFF")
    finally:
        cursor.close()


def _pymysql_connect(dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
    # PyMySQL applies connect_timeout to the TCP connect only: a server that accepts and then
    # says nothing would hang the handshake forever. Bound the handshake too, then lift the
    # bound (queries may legitimately wait on locks for long).
    timeout = cparams.get("connect_timeout")
    if not timeout or cparams.get("read_timeout") is not None:
        return None
    conn = dialect.loaded_dbapi.connect(*cargs, **{**cparams, "read_timeout": timeout})
    conn._read_timeout = None  # PyMySQL re-applies it to the socket before the next read
    return conn


def _ping_if_idle(dbapi_conn: Any, record: Any, proxy: Any) -> None:
    last = record.info.get("parzen_checkin")
    if last is None or time.monotonic() - last < _PING_AFTER_IDLE:
        return
    try:
        cursor = dbapi_conn.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
    except Exception as e:
        # The pool replaces the connection and tries again.
        raise sa.exc.DisconnectionError(str(e)) from e


def _note_checkin(dbapi_conn: Any, record: Any) -> None:
    if record is not None:
        record.info["parzen_checkin"] = time.monotonic()


class _ForkRegistry:
    """Databases to cut loose from their parent's connections in a forked child."""

    def __init__(self) -> None:
        self._databases: weakref.WeakSet[Database] = weakref.WeakSet()
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._after_fork)

    def add(self, database: Database) -> None:
        self._databases.add(database)

    def _after_fork(self) -> None:
        for database in list(self._databases):
            # close=False: the sockets belong to the parent, which keeps using them.
            database.dispose(close=False)


_FORKED = _ForkRegistry()
