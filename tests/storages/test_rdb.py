"""RDBStorage over SQLite, PostgreSQL and MariaDB/MySQL (databases: see conftest.py)."""

from __future__ import annotations

import datetime
import math
import multiprocessing
import pickle
import random
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import parzen
from parzen.distributions import FloatDistribution
from parzen.exceptions import DuplicatedStudyError, StorageInternalError
from parzen.storages import (
    RetryFailedTrialCallback,
    RetryHeartbeatStaleTrialCallback,
    fail_stale_trials,
)
from parzen.storages._rdb import RDBStorage, _schema, _statements, models
from parzen.study import StudyDirection
from parzen.testing.storages import StorageConformance
from parzen.trial import TrialState, create_trial

MIN = [StudyDirection.MINIMIZE]


class TestRDBStorageConformance(StorageConformance):
    """The shared storage contract, on each backend."""

    @pytest.fixture
    def storage(self, url: str) -> Iterator[RDBStorage]:
        storage = RDBStorage(url)
        yield storage
        storage._db.dispose()


# -- floats -----------------------------------------------------------------------------------


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


def test_random_doubles_round_trip_bit_for_bit(storage: RDBStorage) -> None:
    rng = random.Random(0)
    values = [struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0] for _ in range(60)]
    values += [0.1 + 0.2, 1e-308, 5e-324, -5e-324, 2.2250738585072014e-308, -0.0, math.inf]
    values += [-math.inf, 1.7976931348623157e308, -1.7976931348623157e308]
    # NaNs, which random bit patterns almost never hit: quiet, negative, with a payload.
    payload_nan = struct.unpack("<d", struct.pack("<Q", 0x7FF8_0000_0000_0001))[0]
    values += [math.nan, -math.nan, payload_nan]
    study_id = storage.create_new_study(MIN, "floats")
    trial_id = storage.create_new_trial(study_id)
    for step, value in enumerate(values):
        storage.set_trial_intermediate_value(trial_id, step, value)
    storage.set_trial_param(trial_id, "x", -0.0, FloatDistribution(-1, 1))
    storage.set_trial_state_values(trial_id, TrialState.PRUNED, [values[0]])
    reread = RDBStorage(storage.url).get_trial(trial_id)
    got = [reread.intermediate_values[s] for s in range(len(values))]
    # NaN compares unequal to itself; compare bit patterns, NaN by NaN-ness.
    n_nan = 0
    for expected, actual in zip(values, got):
        if math.isnan(expected):
            assert math.isnan(actual)
            n_nan += 1
        else:
            assert _bits(actual) == _bits(expected)
    assert n_nan == 3
    assert _bits(reread.params["x"]) == _bits(-0.0)


def test_nan_objective_value_is_refused(storage: RDBStorage) -> None:
    study_id = storage.create_new_study(MIN, "nan")
    trial_id = storage.create_new_trial(study_id)
    with pytest.raises(ValueError, match="NaN"):
        storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [math.nan])
    assert storage.get_trial(trial_id).state == TrialState.RUNNING


def test_mysql_float_columns_are_double(url_of: Callable[[str], str]) -> None:
    mysql_url = url_of("mysql")
    RDBStorage(mysql_url)
    engine = sa.create_engine(mysql_url)
    with engine.connect() as conn:
        types = {
            (t, c["name"]): str(c["type"]).upper()
            for t in ("parzen_trial_values", "parzen_trial_params")
            for c in sa.inspect(conn).get_columns(t)
        }
    engine.dispose()
    assert types[("parzen_trial_values", "value")].startswith("DOUBLE")
    assert types[("parzen_trial_params", "param_value")].startswith("DOUBLE")


# -- studies, errors --------------------------------------------------------------------------


def test_duplicate_study_name_across_storages(url: str) -> None:
    RDBStorage(url).create_new_study(MIN, "twice")
    with pytest.raises(DuplicatedStudyError, match="twice"):
        RDBStorage(url).create_new_study(MIN, "twice")


def test_unknown_study_name_lists_close_names(storage: RDBStorage) -> None:
    storage.create_new_study(MIN, "resnet-lr-search")
    with pytest.raises(KeyError) as info:
        storage.get_study_id_from_name("resnet-lr-serch")
    message = str(info.value)
    assert "resnet-lr-serch" in message and "'resnet-lr-search'" in message
    assert "RDBStorage(" in message


def test_password_is_not_shown(tmp_path: Path) -> None:
    storage = RDBStorage(f"sqlite:///{tmp_path / 'p.db'}")
    storage._url = storage._url.set(password="hunter2")
    assert "hunter2" not in repr(storage)


@pytest.mark.parametrize(
    "url",
    ["postgresql://postgres@127.0.0.1:1/test", "mysql://root@127.0.0.1:1/test"],
)
def test_refused_connection_is_a_clear_error(url: str) -> None:
    with pytest.raises(StorageInternalError, match="Could not connect"):
        RDBStorage(url)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A loopback port that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


@pytest.mark.parametrize("scheme", ["postgresql", "mysql"])
def test_unresponsive_server_times_out(scheme: str, silent_server: int) -> None:
    # libpq rounds timeouts below 2 s up to 2 s.
    kwargs = {"connect_args": {"connect_timeout": 2 if scheme == "postgresql" else 1}}
    with pytest.raises(StorageInternalError, match="Could not connect"):
        RDBStorage(f"{scheme}://user@127.0.0.1:{silent_server}/test", engine_kwargs=kwargs)


def test_bad_url_and_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Not a database URL"):
        RDBStorage("not a url")
    with pytest.raises(StorageInternalError, match="directory exists"):
        RDBStorage(f"sqlite:///{tmp_path / 'missing' / 'x.db'}")


def test_heartbeat_arguments_are_validated() -> None:
    with pytest.raises(ValueError, match="heartbeat_interval"):
        RDBStorage("sqlite://", heartbeat_interval=0)
    with pytest.raises(ValueError, match="grace_period"):
        RDBStorage("sqlite://", heartbeat_interval=1, grace_period=-1)
    # Accepted without heartbeats, as Optuna does, with a warning that they do nothing.
    with pytest.warns(UserWarning, match="no effect without heartbeats"):
        RDBStorage("sqlite://", grace_period=10)
    with pytest.warns(UserWarning, match="no effect without heartbeats"):
        RDBStorage("sqlite://", heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback())


def _hold_write_lock(path: Path, seconds: float, locked: threading.Event) -> None:
    import sqlite3

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    locked.set()
    threading.Event().wait(seconds)
    conn.execute("COMMIT")
    conn.close()


def test_sqlite_writes_wait_for_another_writer(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    storage = RDBStorage(f"sqlite:///{path}")
    study_id = storage.create_new_study(MIN, "busy")
    locked = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(path, 0.3, locked))
    holder.start()
    locked.wait()
    trial_id = storage.create_new_trial(study_id)  # retried until the lock is released
    holder.join()
    assert storage.get_trial(trial_id).number == 0


def test_sqlite_gives_up_after_the_busy_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from parzen.storages._rdb import _engine

    path = tmp_path / "stuck.db"
    storage = RDBStorage(f"sqlite:///{path}")
    study_id = storage.create_new_study(MIN, "stuck")
    monkeypatch.setattr(_engine, "SQLITE_BUSY_TIMEOUT", 0.05)
    locked = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(path, 0.4, locked))
    holder.start()
    locked.wait()
    try:
        with pytest.raises(StorageInternalError, match="stayed busy"):
            storage.create_new_trial(study_id)
    finally:
        holder.join()


def test_transient_errors_are_recognised() -> None:
    class PGError(Exception):
        def __init__(self, sqlstate: str) -> None:
            self.sqlstate = sqlstate

    db = RDBStorage("sqlite://")._db
    db.backend, db.is_sqlite, db.is_mysql = "postgresql", False, False
    assert db.is_transient(PGError("40P01")) and db.is_transient(PGError("40001"))
    assert not db.is_transient(PGError("23505"))
    db.is_mysql = True
    assert db.is_transient(Exception(1213, "Deadlock found")) and db.is_transient(
        Exception(1205, "Lock wait timeout")
    )
    assert not db.is_transient(Exception(1062, "Duplicate entry"))


def _use_after_fork(storage: RDBStorage, study_id: int) -> None:
    trial_id = storage.create_new_trial(study_id)
    storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [1.0])


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_storage_survives_fork(storage: RDBStorage) -> None:
    study_id = storage.create_new_study(MIN, "fork")
    storage.create_new_trial(study_id)  # the parent holds pooled connections
    child = multiprocessing.get_context("fork").Process(
        target=_use_after_fork, args=(storage, study_id)
    )
    child.start()
    child.join(60)
    assert child.exitcode == 0
    # The parent's connections still work: the child did not close them.
    _use_after_fork(storage, study_id)
    assert storage.get_n_trials(study_id, TrialState.COMPLETE) == 2


def test_sqlite_is_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    RDBStorage(f"sqlite:///{path}").create_new_study(MIN)
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_in_memory_sqlite_is_shared_by_threads() -> None:
    storage = RDBStorage("sqlite://")
    study = parzen.create_study(storage=storage)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=20, n_jobs=4)
    assert sorted(t.number for t in study.trials) == list(range(20))


def test_storage_pickles(tmp_path: Path) -> None:
    storage = RDBStorage(f"sqlite:///{tmp_path / 'p.db'}", heartbeat_interval=5)
    study_id = storage.create_new_study(MIN, "p")
    clone = pickle.loads(pickle.dumps(storage))
    assert clone.get_study_id_from_name("p") == study_id
    assert clone.get_heartbeat_interval() == 5 and clone.grace_period == 10


def test_get_storage_routes_urls(tmp_path: Path) -> None:
    storage = parzen.storages.get_storage(f"sqlite:///{tmp_path / 'r.db'}")
    assert isinstance(storage, RDBStorage)


# -- incremental reads and caching ------------------------------------------------------------


def test_finished_trials_since_returns_only_new_trials(url: str) -> None:
    writer, reader = RDBStorage(url), RDBStorage(url)
    study_id = writer.create_new_study(MIN, "since")
    for i in range(3):
        writer.set_trial_state_values(writer.create_new_trial(study_id), TrialState.COMPLETE, [i])
    first, cursor = reader.get_finished_trials_since(study_id, 0)
    assert sorted(t.values[0] for t in first) == [0, 1, 2]
    running = writer.create_new_trial(study_id)
    writer.set_trial_state_values(writer.create_new_trial(study_id), TrialState.FAIL)
    second, cursor = reader.get_finished_trials_since(study_id, cursor)
    assert [t.state for t in second] == [TrialState.FAIL]
    again, _ = reader.get_finished_trials_since(study_id, cursor)
    assert again == []
    # The running trial is read fresh; finished ones come from the cache.
    writer.set_trial_user_attr(running, "k", "v")
    trials = reader.get_all_trials(study_id, deepcopy=False)
    assert [t.number for t in trials] == [0, 1, 2, 3, 4]
    assert trials[3].user_attrs == {"k": "v"} and trials[3].state == TrialState.RUNNING
    assert reader.get_all_trials(study_id, deepcopy=False)[0] is trials[0]


def test_concurrent_finishes_are_never_missed_by_a_polling_reader(url: str) -> None:
    storage = RDBStorage(url)
    study_id = storage.create_new_study(MIN, "poll")
    n_threads, per_thread = 4, 15
    done = threading.Event()
    seen: set[int] = set()

    def work() -> None:
        for _ in range(per_thread):
            trial_id = storage.create_new_trial(study_id)
            storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [1.0])

    def poll() -> None:
        # A reader of its own (own cache), as another process would be.
        reader, cursor = RDBStorage(url), 0
        while True:
            finished = done.is_set()
            new, cursor = reader.get_finished_trials_since(study_id, cursor)
            seen.update(t._trial_id for t in new)
            if finished:
                return

    workers = [threading.Thread(target=work) for _ in range(n_threads)]
    poller = threading.Thread(target=poll)
    poller.start()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    done.set()
    poller.join()
    assert len(seen) == n_threads * per_thread


def test_deleted_study_is_dropped_from_the_cache(url: str) -> None:
    a, b = RDBStorage(url), RDBStorage(url)
    study_id = a.create_new_study(MIN, "gone")
    a.set_trial_state_values(a.create_new_trial(study_id), TrialState.COMPLETE, [1.0])
    assert len(b.get_all_trials(study_id)) == 1
    a.delete_study(study_id)
    with pytest.raises(KeyError):
        b.get_all_trials(study_id)


def test_get_trial_reflects_writes_after_creation(storage: RDBStorage) -> None:
    study_id = storage.create_new_study(MIN, "fresh")
    trial_id = storage.create_new_trial(study_id)
    storage.set_trial_user_attr(trial_id, "k", 1)
    assert storage.get_trial(trial_id).user_attrs == {"k": 1}


def _create_trials(url: str, study_name: str, n: int) -> None:
    storage = RDBStorage(url)
    study = parzen.load_study(study_name=study_name, storage=storage)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=n)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_processes_share_a_study(url: str) -> None:
    parzen.create_study(storage=url, study_name="mp")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_create_trials, args=(url, "mp", 15)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    trials = parzen.load_study(study_name="mp", storage=url).trials
    assert sorted(t.number for t in trials) == list(range(30))
    assert all(t.state == TrialState.COMPLETE for t in trials)


# -- heartbeats -------------------------------------------------------------------------------


def _age_heartbeat(storage: RDBStorage, trial_id: int, seconds: float) -> None:
    """Move a trial's last heartbeat into the past, by the database's clock."""
    h = models.trial_heartbeats
    storage._db.auto(
        lambda conn: conn.execute(
            sa.update(h)
            .where(h.c.trial_id == trial_id)
            .values(heartbeat=_statements.db_now(storage._db, -seconds))
        )
    )


def test_stale_trials_are_found_by_the_database_clock(url: str) -> None:
    storage = RDBStorage(url, heartbeat_interval=30, grace_period=60)
    study_id = storage.create_new_study(MIN, "hb")
    beating = storage.create_new_trial(study_id)
    silent = storage.create_new_trial(study_id)  # its worker died before the first beat
    finished = storage.create_new_trial(study_id)
    for trial_id in (beating, silent, finished):
        _age_heartbeat(storage, trial_id, 120)
    storage.record_heartbeat(beating)
    storage.set_trial_state_values(finished, TrialState.COMPLETE, [0.0])
    assert storage.get_stale_trial_ids(study_id) == [silent]
    _age_heartbeat(storage, beating, 59)
    assert storage.get_stale_trial_ids(study_id) == [silent]
    _age_heartbeat(storage, beating, 61)
    assert storage.get_stale_trial_ids(study_id) == [beating, silent]


def test_fail_stale_trials_fails_and_reenqueues(url: str) -> None:
    storage = RDBStorage(
        url,
        heartbeat_interval=30,
        failed_trial_callback=RetryFailedTrialCallback(max_retry=1),
    )
    study = parzen.create_study(storage=storage, study_name="retry")
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    _age_heartbeat(storage, trial._trial_id, 3600)
    assert fail_stale_trials(study) == [trial.number]
    assert fail_stale_trials(study) == []
    trials = study.get_trials(deepcopy=False)
    assert [t.state for t in trials] == [TrialState.FAIL, TrialState.WAITING]
    assert RetryFailedTrialCallback.retried_trial_number(trials[1]) == trial.number
    assert trials[1].params == trials[0].params


def test_trials_without_heartbeats_are_never_stale(url: str) -> None:
    plain = RDBStorage(url)
    study_id = plain.create_new_study(MIN, "no-hb")
    plain.create_new_trial(study_id)
    with_hb = RDBStorage(url, heartbeat_interval=1, grace_period=1)
    assert with_hb.get_stale_trial_ids(study_id) == []


# -- schema and migrations --------------------------------------------------------------------


def _version(url: str) -> str | None:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return _schema.current_revision(conn)
    finally:
        engine.dispose()


def test_new_database_is_created_by_migration_v1(url: str) -> None:
    RDBStorage(url)
    assert _version(url) == models.SCHEMA_VERSION == "v1"


def test_migration_matches_the_models(url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    RDBStorage(url)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"version_table": models.VERSION_TABLE}),
            models.metadata,
        )
    engine.dispose()
    assert diff == []


FAKE_V2 = '''
"""A fake newer revision, for tests.

Revision ID: v2_test
Revises: v1
"""
import sqlalchemy as sa
from alembic import op

revision = "v2_test"
down_revision = "v1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("parzen_v2_test", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("parzen_v2_test")
'''


@pytest.fixture
def newer_parzen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend this parzen's schema is a revision v2_test, one migration after v1."""
    versions = tmp_path / "fake_versions"
    versions.mkdir()
    (versions / "v2_test.py").write_text(FAKE_V2)
    monkeypatch.setattr(_schema, "_extra_version_locations", [str(versions)])
    monkeypatch.setattr(models, "SCHEMA_VERSION", "v2_test")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@pytest.mark.usefixtures("reset_schema")
def test_older_schema_is_refused_until_upgraded(url: str, request: pytest.FixtureRequest) -> None:
    RDBStorage(url).create_new_study(MIN, "kept")  # a v1 database with data
    request.getfixturevalue("newer_parzen")
    with pytest.raises(RuntimeError, match="parzen storage upgrade --storage") as info:
        RDBStorage(url)
    assert "'v1'" in str(info.value)
    # Refusing changed nothing.
    assert _version(url) == "v1"
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert not sa.inspect(conn).has_table("parzen_v2_test")
    engine.dispose()
    # An explicit check skip opens it anyway.
    RDBStorage(url, skip_compatibility_check=True)

    from parzen.cli import main

    assert main(["storage", "upgrade", "--storage", url]) == 0
    assert _version(url) == "v2_test"
    assert RDBStorage(url).get_study_id_from_name("kept") is not None


@pytest.mark.usefixtures("reset_schema")
def test_newer_schema_is_refused(url: str) -> None:
    RDBStorage(url)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE {models.VERSION_TABLE} SET version_num = 'v999'"))
    engine.dispose()
    with pytest.raises(RuntimeError, match="newer parzen"):
        RDBStorage(url)


def test_tables_without_a_version_are_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'unstamped.db'}"
    engine = sa.create_engine(url)
    models.metadata.create_all(engine)
    engine.dispose()
    with pytest.raises(RuntimeError, match="no parzen_alembic_version"):
        RDBStorage(url)


def test_skip_table_creation_refuses_an_empty_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(RuntimeError, match="parzen storage upgrade"):
        RDBStorage(url, skip_table_creation=True)
    assert _version(url) is None


def test_upgrade_creates_an_empty_database(tmp_path: Path) -> None:
    from parzen.cli import main

    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert main(["storage", "upgrade", "--storage", url]) == 0
    assert _version(url) == "v1"
    RDBStorage(url, skip_table_creation=True)


def test_concurrent_first_opens_create_the_schema_once(url: str, backend: str) -> None:
    if backend != "sqlite":
        _drop_all(url)
    errors: list[BaseException] = []

    def open_storage() -> None:
        try:
            RDBStorage(url).get_all_studies()
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=open_storage) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _version(url) == "v1"


def _drop_all(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        models.metadata.drop_all(conn)
        for table in (models.VERSION_TABLE, "parzen_v2_test"):
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
    engine.dispose()


@pytest.fixture
def reset_schema(url: str) -> Iterator[None]:
    """For tests that change the schema of the session database: drop it all afterwards."""
    yield
    _drop_all(url)


# -- the study API end to end -----------------------------------------------------------------


def test_optimize_and_reload(url: str) -> None:
    study = parzen.create_study(storage=url, study_name="e2e", direction="maximize")
    study.set_user_attr("owner", "me")

    def objective(trial: parzen.Trial) -> float:
        x = trial.suggest_float("x", -1, 1)
        trial.suggest_categorical("c", ["a", "b", None])
        trial.report(x, 0)
        return x

    study.optimize(objective, n_trials=8)
    study.enqueue_trial({"x": 0.25, "c": None})
    study.optimize(objective, n_trials=1)
    loaded = parzen.load_study(study_name="e2e", storage=url)
    assert loaded.best_value == study.best_value
    assert loaded.trials[-1].params == {"x": 0.25, "c": None}
    assert loaded.user_attrs == {"owner": "me"}
    assert [t.number for t in loaded.trials] == list(range(9))
    now = datetime.datetime.now()
    assert all(
        t.datetime_complete is not None and t.datetime_complete <= now for t in loaded.trials
    )


def test_add_trial_with_running_template_and_heartbeat(url: str) -> None:
    storage = RDBStorage(url, heartbeat_interval=30)
    study = parzen.create_study(storage=storage)
    study.add_trial(create_trial(state=TrialState.WAITING))
    trial = study.ask()
    assert trial.number == 0
    _age_heartbeat(storage, trial._trial_id, 3600)
    assert storage.get_stale_trial_ids(study._study_id) == [trial._trial_id]


def test_values_with_many_objectives_keep_their_order(storage: RDBStorage) -> None:
    directions = [StudyDirection.MINIMIZE] * 12
    study_id = storage.create_new_study(directions, "many")
    trial_id = storage.create_new_trial(study_id)
    values: list[Any] = [float(i) for i in range(12)]
    storage.set_trial_state_values(trial_id, TrialState.COMPLETE, values)
    assert storage.get_trial(trial_id).values == values
