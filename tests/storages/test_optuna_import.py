"""Bringing Optuna's studies into parzen: refusing Optuna's storages, and importing them.

Every source is written by the real Optuna (SQLite, PostgreSQL, MariaDB/MySQL databases; journal
files and Redis journals); each imported study is compared, field by field, with what Optuna
itself reads back from the source.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import sys
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import parzen
from parzen.exceptions import StorageInternalError
from parzen.storages import InMemoryStorage, import_optuna_storage
from parzen.storages._optuna_import._source import is_pickle_text, pickled_keys
from parzen.storages.journal import JournalFileBackend, JournalRedisBackend, JournalStorage
from parzen.testing.services import (
    MYSQL_URL,
    POSTGRESQL_URL,
    REDIS_URL,
    in_ci,
    require_service,
)
from parzen.trial import TrialState

optuna = pytest.importorskip("optuna")

REFUSAL = "parzen storage import"


@pytest.fixture(autouse=True)
def _quiet_optuna() -> Iterator[None]:
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        # Deprecations and hints Optuna gives about its own API (constraints_func, heartbeats
        # outside optimize, pre-3.0 distributions), which the tests use on purpose.
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"optuna\.")
        warnings.filterwarnings("ignore", category=UserWarning, module=r"optuna\.")
        yield
    optuna.logging.set_verbosity(verbosity)


# -- sources written by Optuna ----------------------------------------------------------------


def _require(url: str, name: str) -> sa.URL:
    parsed = sa.make_url(url)
    require_service(name, parsed.host or "127.0.0.1", parsed.port or 0)
    return parsed


def _redis_url() -> str:
    host_port = REDIS_URL.split("://", 1)[1].split("/", 1)[0]
    host, _, port = host_port.rpartition(":")
    require_service("Redis", host or "127.0.0.1", int(port or 6379))
    if not in_ci():
        pytest.importorskip("redis")
    return REDIS_URL


@pytest.fixture
def postgresql_source() -> Iterator[str]:
    """The URL of a PostgreSQL schema of its own (Optuna's tables must not meet parzen's)."""
    base = _require(POSTGRESQL_URL, "PostgreSQL").set(drivername="postgresql+psycopg")
    schema = f"optuna_import_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def mysql_source() -> Iterator[str]:
    """The URL of a MariaDB/MySQL database of its own."""
    base = _require(MYSQL_URL, "MariaDB/MySQL").set(drivername="mysql+pymysql")
    database = f"optuna_import_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4"))
    try:
        yield base.set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE `{database}`"))
        admin.dispose()


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A prefix of its own on the test Redis server; its keys are deleted afterwards."""
    import redis

    url = _redis_url()
    prefix = f"optuna-import-{uuid.uuid4().hex}"
    yield prefix
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


class Source:
    """An Optuna storage: what parzen is given (``spec``) and Optuna's own storage object."""

    def __init__(self, spec: str, optuna_storage: Any, redis_prefix: str = "") -> None:
        self.spec = spec
        self.optuna_storage = optuna_storage
        self.redis_prefix = redis_prefix


@pytest.fixture
def source_of(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], Source]:
    """Map a kind of Optuna storage to a new, empty one."""

    directory = tmp_path / "optuna"  # the source's own: the snapshot lists its files
    directory.mkdir()

    def source_of(kind: str) -> Source:
        if kind == "sqlite":
            url = f"sqlite:///{directory / 'optuna.db'}"
            return Source(url, optuna.storages.RDBStorage(url, heartbeat_interval=60))
        if kind in ("postgresql", "mysql"):
            url = request.getfixturevalue(f"{kind}_source")
            return Source(url, optuna.storages.RDBStorage(url, heartbeat_interval=60))
        if kind == "journal":
            path = str(directory / "optuna.log")
            backend = optuna.storages.journal.JournalFileBackend(path)
            return Source(path, optuna.storages.JournalStorage(backend))
        assert kind == "redis"
        prefix = request.getfixturevalue("redis_prefix")
        backend = optuna.storages.journal.JournalRedisBackend(_redis_url(), prefix=prefix)
        return Source(_redis_url(), optuna.storages.JournalStorage(backend), prefix)

    return source_of


def fill(storage: Any) -> None:
    """Write, with Optuna, studies that use everything a study can hold."""
    multi = optuna.create_study(
        storage=storage,
        study_name="multi",
        directions=["minimize", "maximize"],
        sampler=optuna.samplers.NSGAIISampler(seed=0, constraints_func=lambda t: [0.5, -1.0]),
    )
    multi.set_user_attr("owner", {"team": ["a", "b"], "n": 3})
    storage.set_study_system_attr(multi._study_id, "source", "optuna")
    multi.set_metric_names(["loss", "accuracy"])

    def objective(trial: Any) -> tuple[float, float]:
        x = trial.suggest_float("x", 1e-3, 1.0, log=True)
        trial.suggest_categorical("c", ["a", 1, None, 2.5, True])
        trial.suggest_int("i", 0, 10, step=2)
        trial.suggest_int("n", 1, 64, log=True)
        trial.suggest_float("f", 0.0, 1.0, step=0.25)
        trial.set_user_attr("note", [1, "x", None])
        if trial.number == 1:
            return math.inf, -math.inf
        return x, -x

    multi.optimize(objective, n_trials=4)

    single = optuna.create_study(storage=storage, study_name="single")

    def reporting(trial: Any) -> float:
        y = trial.suggest_float("y", -1.0, 1.0)
        trial.report(math.inf, 0)
        trial.report(-1.5, 1)
        trial.report(math.nan, 2)
        trial.report(-math.inf, 3)
        return y**2

    single.optimize(reporting, n_trials=3)
    pruned = single.ask()
    pruned.suggest_float("y", -1.0, 1.0)
    pruned.report(3.0, 5)
    single.tell(pruned, state=TrialState.PRUNED)
    single.tell(single.ask(), state=TrialState.FAIL)
    running = single.ask()
    running.suggest_float("y", -1.0, 1.0)
    running.report(0.5, 0)
    running.set_user_attr("still", "running")
    single.enqueue_trial({"y": 0.25}, user_attrs={"queued": True})
    single.add_trial(
        optuna.trial.create_trial(
            params={"y": 0.5, "k": "b"},
            distributions={
                "y": optuna.distributions.FloatDistribution(-1.0, 1.0),
                "k": optuna.distributions.CategoricalDistribution(["a", "b"]),
            },
            value=0.25,
            intermediate_values={0: 1.0, 7: -math.inf},
            user_attrs={"added": 1},
            system_attrs={"by": "add_trial"},
        )
    )
    single.set_user_attr("best", -math.inf)
    optuna.create_study(storage=storage, study_name="empty", direction="maximize")


_KINDS = ("FloatDistribution", "IntDistribution", "CategoricalDistribution")


def _dist(dist: Any) -> dict[str, Any]:
    """A distribution as comparable data, for both libraries.

    Optuna reads its pre-3.0 distributions as deprecated subclasses of the current ones.
    """
    kind = next(c.__name__ for c in type(dist).__mro__ if c.__name__ in _KINDS)
    if kind == "CategoricalDistribution":
        return {"kind": kind, "choices": [(type(c).__name__, c) for c in dist.choices]}
    attrs = {k: getattr(dist, k) for k in ("low", "high", "log", "step")}
    return {"kind": kind, **{k: (type(v).__name__, v) for k, v in attrs.items()}}


def _floats(values: Any) -> Any:
    """Floats compared bit for bit, NaN included."""
    if values is None:
        return None
    if isinstance(values, dict):
        return {k: _floats(v) for k, v in values.items()}
    if isinstance(values, (list, tuple)):
        return [_floats(v) for v in values]
    return repr(float(values))


def assert_same_studies(
    optuna_storage: Any,
    storage: parzen.storages.BaseStorage,
    names: list[str] | None = None,
    skipped: dict[tuple[str, int], set[str]] | None = None,
) -> None:
    """Check, field by field, that ``storage`` holds what Optuna reads from its storage."""
    skipped = skipped or {}
    optuna_studies = {s.study_name: s for s in optuna_storage.get_all_studies()}
    expected = sorted(optuna_studies) if names is None else sorted(names)
    assert sorted(s.study_name for s in storage.get_all_studies()) == expected
    for name in expected:
        theirs = optuna.load_study(study_name=name, storage=optuna_storage)
        ours = parzen.load_study(study_name=name, storage=storage)
        assert [d.name for d in ours.directions] == [d.name for d in theirs.directions]
        assert ours.user_attrs == theirs.user_attrs
        assert storage.get_study_system_attrs(ours._study_id) == (
            optuna_storage.get_study_system_attrs(theirs._study_id)
        )
        assert ours.metric_names == theirs.metric_names
        assert len(ours.trials) == len(theirs.trials)
        for mine, their in zip(ours.trials, theirs.trials):
            where = f"study {name!r}, trial {their.number}"
            assert mine.number == their.number, where
            assert mine.state.name == their.state.name, where
            assert _floats(mine.values) == _floats(their.values), where
            assert mine.datetime_start == their.datetime_start, where
            assert mine.datetime_complete == their.datetime_complete, where
            assert mine.params == their.params, where
            assert {k: type(v) for k, v in mine.params.items()} == {
                k: type(v) for k, v in their.params.items()
            }, where
            assert {k: _dist(d) for k, d in mine.distributions.items()} == {
                k: _dist(d) for k, d in their.distributions.items()
            }, where
            assert mine.user_attrs == their.user_attrs, where
            left_out = skipped.get((name, their.number), set())
            assert mine.system_attrs == {
                k: v for k, v in their.system_attrs.items() if k not in left_out
            }, where
            assert _floats(mine.intermediate_values) == _floats(their.intermediate_values), where
        if len(theirs.directions) > 1:
            assert {t.number for t in ours.best_trials} == {t.number for t in theirs.best_trials}
            constraints = [t.system_attrs.get("constraints") for t in ours.trials]
            assert constraints == [t.system_attrs.get("constraints") for t in theirs.trials]
            assert any(c is not None for c in constraints)
        elif any(t.state == optuna.trial.TrialState.COMPLETE for t in theirs.trials):
            assert ours.best_trial.number == theirs.best_trial.number


def _snapshot(source: Source) -> Any:
    """Everything in the source, to show that the import wrote nothing there."""
    spec = source.spec
    if spec.startswith(("sqlite", "postgresql", "mysql")):
        engine = sa.create_engine(spec)
        try:
            with engine.connect() as conn:
                tables = sorted(sa.inspect(conn).get_table_names())
                dump = {
                    t: sorted(map(repr, conn.execute(sa.text(f"SELECT * FROM {t}")).all()))
                    for t in tables
                }
        finally:
            engine.dispose()
        if spec.startswith("sqlite"):
            path = Path(spec.split(":///", 1)[1])
            return (
                dump,
                hashlib.sha256(path.read_bytes()).hexdigest(),
                sorted(os.listdir(path.parent)),
            )
        return dump
    if spec.startswith("redis"):
        import redis

        client = redis.Redis.from_url(spec)
        keys = sorted(client.scan_iter(match=f"{source.redis_prefix}*"))
        dump = {k: client.get(k) for k in keys}
        client.close()
        return dump
    return Path(spec).read_bytes(), sorted(os.listdir(Path(spec).parent))


# -- importing --------------------------------------------------------------------------------

SOURCES = ["sqlite", "postgresql", "mysql", "journal", "redis"]


@pytest.mark.parametrize("kind", SOURCES)
def test_every_kind_of_optuna_storage_imports_field_by_field(
    kind: str, source_of: Callable[[str], Source], tmp_path: Path
) -> None:
    source = source_of(kind)
    fill(source.optuna_storage)
    before = _snapshot(source)
    destination = f"sqlite:///{tmp_path / 'parzen.db'}"
    report = import_optuna_storage(source.spec, destination, redis_prefix=source.redis_prefix)
    assert report.imported == ["multi", "single", "empty"]
    assert report.skipped == [] and report.skipped_values == []
    assert report.n_trials == 4 + 8
    assert _snapshot(source) == before  # nothing written to the source
    assert report.notes == []
    storage = parzen.storages.RDBStorage(destination)
    assert_same_studies(source.optuna_storage, storage)


@pytest.mark.parametrize("destination", ["memory", "journal", "postgresql", "mysql", "redis"])
def test_imports_into_every_kind_of_parzen_storage(
    destination: str,
    source_of: Callable[[str], Source],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    source = source_of("sqlite")
    fill(source.optuna_storage)
    storage: parzen.storages.BaseStorage
    if destination == "memory":
        storage = InMemoryStorage()
    elif destination == "journal":
        storage = JournalStorage(JournalFileBackend(tmp_path / "parzen.log"))
    elif destination == "redis":
        prefix = request.getfixturevalue("redis_prefix")
        storage = JournalStorage(JournalRedisBackend(_redis_url(), prefix=prefix))
    else:
        url = request.getfixturevalue(f"{destination}_url")  # parzen's own session database
        storage = parzen.storages.RDBStorage(url)
        for study in storage.get_all_studies():
            storage.delete_study(study._study_id)
    report = import_optuna_storage(source.spec, storage)
    assert report.imported == ["multi", "single", "empty"]
    assert_same_studies(source.optuna_storage, storage)


def test_selected_studies_only_and_unknown_names(
    source_of: Callable[[str], Source], tmp_path: Path
) -> None:
    source = source_of("journal")
    fill(source.optuna_storage)
    storage = InMemoryStorage()
    report = import_optuna_storage(source.spec, storage, study_names=["single"])
    assert report.imported == ["single"]
    assert_same_studies(source.optuna_storage, storage, names=["single"])

    with pytest.raises(TypeError, match="a list of names"):
        import_optuna_storage(source.spec, storage, study_names="single")
    destination = tmp_path / "never.log"
    with pytest.raises(KeyError, match=r"no study named 'nope'.*\['multi', 'single', 'empty'\]"):
        import_optuna_storage(source.spec, destination, study_names=["multi", "nope"])
    assert not destination.exists()  # checked before anything was written


def test_a_study_the_destination_has_is_skipped_and_reported(
    source_of: Callable[[str], Source],
) -> None:
    source = source_of("sqlite")
    fill(source.optuna_storage)
    storage = InMemoryStorage()
    parzen.create_study(storage=storage, study_name="single").optimize(
        lambda t: t.suggest_float("z", 0, 1), n_trials=2
    )
    report = import_optuna_storage(source.spec, storage)
    assert report.imported == ["multi", "empty"]
    assert report.skipped == ["single"]
    (entry,) = [s for s in report.studies if s.name == "single"]
    assert "already has a study" in entry.detail and "2 trials" in entry.detail
    assert list(parzen.load_study(study_name="single", storage=storage).trials[0].params) == ["z"]
    # Running the import again copies nothing twice.
    assert import_optuna_storage(source.spec, storage).imported == []


def test_a_study_that_fails_half_way_is_removed(source_of: Callable[[str], Source]) -> None:
    source = source_of("journal")
    fill(source.optuna_storage)

    class Failing(InMemoryStorage):
        created = 0

        def create_new_trial(self, study_id: int, template_trial: Any = None) -> int:
            Failing.created += 1
            if Failing.created == 6:
                raise OSError("disk full")
            return super().create_new_trial(study_id, template_trial)

    storage = Failing()
    with pytest.raises(OSError, match="disk full"):
        import_optuna_storage(source.spec, storage)
    # "multi" (4 trials) is whole; "single" failed at its 2nd trial and left nothing behind.
    assert [s.study_name for s in storage.get_all_studies()] == ["multi"]
    report = import_optuna_storage(source.spec, storage)
    assert report.imported == ["single", "empty"] and report.skipped == ["multi"]
    assert_same_studies(source.optuna_storage, storage)


def test_constraints_of_optuna_5_trials_count_in_parzen(
    source_of: Callable[[str], Source],
) -> None:
    source = source_of("journal")
    study = optuna.create_study(storage=source.optuna_storage, study_name="c")

    def objective(trial: Any) -> float:
        x = trial.suggest_float("x", 0, 10)
        trial.set_constraint("x_at_least_3", 3 - x)
        trial.set_constraint("x_at_most_9", x - 9)
        return x

    study.optimize(objective, n_trials=30)
    study.enqueue_trial({"x": 1.0})  # no constraints yet: nothing added
    storage = InMemoryStorage()
    report = import_optuna_storage(source.spec, storage)
    assert report.notes == []  # Optuna's layout is parzen's: nothing to convert
    imported = parzen.load_study(study_name="c", storage=storage)
    for ours, theirs in zip(imported.trials, study.trials):
        assert ours.system_attrs == theirs.system_attrs
        assert ours.constraints == theirs.constraints
        if theirs.state == optuna.trial.TrialState.COMPLETE:
            x = theirs.params["x"]
            assert ours.constraints == {"x_at_least_3": 3 - x, "x_at_most_9": x - 9}
    # Feasibility decides the best trial, in both libraries.
    assert imported.best_trial.number == study.best_trial.number
    assert 3 <= imported.best_value <= 9


class _Trap:
    """A pickle that, if ever unpickled, creates a file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> Any:
        return (Path.touch, (self.path,))


def test_the_pickled_snapshot_of_a_redis_journal_is_never_read(
    source_of: Callable[[str], Source], tmp_path: Path
) -> None:
    import pickle

    source = source_of("redis")
    fill(source.optuna_storage)
    # Optuna's Redis backend keeps a pickle of its replayed state beside the log.
    marker = tmp_path / "unpickled"
    source.optuna_storage._backend.save_snapshot(pickle.dumps(_Trap(marker)))
    storage = InMemoryStorage()
    report = import_optuna_storage(source.spec, storage, redis_prefix=source.redis_prefix)
    assert not marker.exists()
    (note,) = report.notes
    assert f"{source.redis_prefix}:snapshot" in note and "pickle" in note
    assert_same_studies(source.optuna_storage, storage)


def test_pickled_sampler_state_is_skipped_and_reported(source_of: Callable[[str], Source]) -> None:
    pytest.importorskip("cmaes")
    source = source_of("sqlite")
    study = optuna.create_study(
        storage=source.optuna_storage,
        study_name="cma",
        sampler=optuna.samplers.CmaEsSampler(seed=0, n_startup_trials=0, popsize=4),
    )
    study.optimize(
        lambda t: t.suggest_float("a", -1, 1) ** 2 + t.suggest_float("b", -1, 1) ** 2,
        n_trials=10,
    )
    pickled = {
        (t.number, k) for t in study.trials for k in t.system_attrs if k.startswith("cma:optim")
    }
    assert pickled, "CMA-ES keeps its state as pickles in system attributes"
    storage = InMemoryStorage()
    report = import_optuna_storage(source.spec, storage)
    assert {(v.trial, v.key) for v in report.skipped_values} == pickled
    assert {v.kind for v in report.skipped_values} == {"trial system attribute"}
    assert all("pickle" in v.reason for v in report.skipped_values)
    skipped: dict[tuple[str, int], set[str]] = {}
    for number, key in pickled:
        skipped.setdefault(("cma", number), set()).add(key)
    assert_same_studies(source.optuna_storage, storage, skipped=skipped)
    # The rest of CMA-ES's bookkeeping (plain JSON) came across.
    assert any("cma:generation" in t.system_attrs for t in storage.get_all_trials(0))


def test_pickle_detection_never_unpickles() -> None:
    import pickle

    class Boom:
        def __reduce__(self) -> Any:
            return (os.system, ("echo should never run",))

    text = pickle.dumps(Boom()).hex()
    assert is_pickle_text(text)
    assert pickled_keys({"x:0": text[:8], "x:1": text[8:], "y": "80"}) == ["x:0", "x:1"]
    assert not is_pickle_text("8004")  # hexadecimal, but not a whole pickle
    assert not is_pickle_text("gAAAA plain text")
    assert pickled_keys({"k:0": "a", "k:1": "b", "n": 1}) == []


def test_heartbeats_of_running_trials_carry_over(
    source_of: Callable[[str], Source], tmp_path: Path
) -> None:
    source = source_of("sqlite")
    study = optuna.create_study(storage=source.optuna_storage, study_name="hb")
    dead = study.ask()
    alive = study.ask()
    silent = study.ask()  # asked without heartbeats: never stale, in Optuna as in parzen
    source.optuna_storage.record_heartbeat(dead._trial_id)
    source.optuna_storage.record_heartbeat(alive._trial_id)
    engine = sa.create_engine(source.spec)
    with engine.begin() as conn:  # the worker of "dead" stopped beating an hour ago
        conn.execute(
            sa.text(
                "UPDATE trial_heartbeats SET heartbeat = datetime('now', '-1 hour') "
                "WHERE trial_id = :t"
            ),
            {"t": dead._trial_id},
        )
    engine.dispose()
    assert source.optuna_storage._get_stale_trial_ids(study._study_id) == [dead._trial_id]

    destination = f"sqlite:///{tmp_path / 'parzen.db'}"
    report = import_optuna_storage(source.spec, destination)
    assert report.notes == []
    storage = parzen.storages.RDBStorage(destination, heartbeat_interval=60)
    study_id = storage.get_study_id_from_name("hb")
    stale = storage.get_stale_trial_ids(study_id)
    assert [storage.get_trial_number_from_id(t) for t in stale] == [dead.number]
    assert silent.number not in {storage.get_trial_number_from_id(t) for t in stale}

    journal = JournalStorage(JournalFileBackend(tmp_path / "parzen.log"), heartbeat_interval=60)
    report = import_optuna_storage(source.spec, journal)
    assert len(report.notes) == 1 and "2 running trial(s) had heartbeats" in report.notes[0]


def test_journal_replay_matches_optuna_on_records_that_change_nothing(tmp_path: Path) -> None:
    """Records Optuna ignores on replay (a second study of one name, writes to a finished
    trial, a deleted study, a torn last line) are ignored by the import too."""
    path = tmp_path / "optuna.log"
    first = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(path)))
    second = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(path)))
    gone = optuna.create_study(storage=first, study_name="gone")
    gone.optimize(lambda t: t.suggest_int("i", 0, 3), n_trials=2)
    optuna.delete_study(study_name="gone", storage=first)
    kept = optuna.create_study(storage=first, study_name="gone")  # the name, reused
    trial = kept.ask()
    kept.tell(trial, 1.0)
    with pytest.raises(optuna.exceptions.DuplicatedStudyError):
        optuna.create_study(storage=second, study_name="gone")
    lines = path.read_bytes().splitlines(keepends=True)
    # Another worker's writes that reached the log after the trial finished.
    worker = json.loads(lines[-1])["worker_id"]
    extra = [
        {"op_code": 8, "worker_id": worker, "trial_id": trial._trial_id, "user_attr": {"u": 1}},
        {
            "op_code": 7,
            "worker_id": worker,
            "trial_id": trial._trial_id,
            "step": 3,
            "intermediate_value": 2.0,
        },
        {
            "op_code": 6,
            "worker_id": worker,
            "trial_id": trial._trial_id,
            "state": 3,
            "values": None,
            "datetime_complete": "2026-01-01T00:00:00+00:00",
        },
        {"op_code": 2, "worker_id": worker, "study_id": 0, "user_attr": {"deleted": True}},
    ]
    with open(path, "ab") as f:
        for record in extra:
            f.write(json.dumps(record).encode() + b"\n")
        f.write(b'{"op_code": 0, "worker_id": "w", "study_na')  # a torn last record
    reread = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(path)))
    storage = InMemoryStorage()
    assert import_optuna_storage(path, storage).imported == ["gone"]
    assert_same_studies(reread, storage)
    (imported,) = parzen.load_study(study_name="gone", storage=storage).trials
    assert imported.state == TrialState.COMPLETE and imported.user_attrs == {}


def test_pre_3_0_distribution_names_are_read(tmp_path: Path) -> None:
    """Optuna before 3.0 wrote UniformDistribution & co.; Optuna still reads them."""
    path = tmp_path / "old.log"
    legacy = {
        "u": ('{"name": "UniformDistribution", "attributes": {"low": 0.0, "high": 2.0}}', 1.5),
        "l": ('{"name": "LogUniformDistribution", "attributes": {"low": 0.1, "high": 10.0}}', 1.0),
        "d": (
            '{"name": "DiscreteUniformDistribution", "attributes": '
            '{"low": 0.0, "high": 1.0, "q": 0.5}}',
            0.5,
        ),
        "i": (
            '{"name": "IntUniformDistribution", "attributes": {"low": 0, "high": 8, "step": 2}}',
            4.0,
        ),
        "j": (
            '{"name": "IntLogUniformDistribution", "attributes": {"low": 1, "high": 16}}',
            8.0,
        ),
    }
    records: list[dict[str, Any]] = [
        {"op_code": 0, "worker_id": "w", "study_name": "old", "directions": [1]},
        {
            "op_code": 4,
            "worker_id": "w",
            "study_id": 0,
            "datetime_start": "2021-05-01T10:00:00+00:00",
        },
    ]
    for name, (dist, value) in legacy.items():
        records.append(
            {
                "op_code": 5,
                "worker_id": "w",
                "trial_id": 0,
                "param_name": name,
                "param_value_internal": value,
                "distribution": dist,
            }
        )
    records.append(
        {
            "op_code": 6,
            "worker_id": "w",
            "trial_id": 0,
            "state": 1,
            "values": [0.5],
            "datetime_complete": "2021-05-01T10:01:00+00:00",
        }
    )
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    storage = InMemoryStorage()
    import_optuna_storage(path, storage)
    reread = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(path)))
    assert_same_studies(reread, storage)


# -- refusing Optuna's storages ---------------------------------------------------------------


def test_an_optuna_sqlite_file_is_refused_and_left_unchanged(
    source_of: Callable[[str], Source],
) -> None:
    source = source_of("sqlite")
    fill(source.optuna_storage)
    before = _snapshot(source)
    for attempt in (
        lambda: parzen.load_study(study_name="single", storage=source.spec),
        lambda: parzen.get_all_study_names(source.spec),
        lambda: parzen.create_study(storage=source.spec, study_name="new"),
        lambda: parzen.storages.RDBStorage(source.spec, skip_table_creation=True),
    ):
        with pytest.raises(RuntimeError, match=f"Optuna.*{REFUSAL}"):
            attempt()
    assert _snapshot(source) == before  # no parzen tables, no WAL switch, no lock file


@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
def test_an_optuna_server_database_is_refused_and_left_unchanged(
    kind: str, source_of: Callable[[str], Source]
) -> None:
    source = source_of(kind)
    fill(source.optuna_storage)
    before = _snapshot(source)
    with pytest.raises(RuntimeError, match=f"Optuna.*{REFUSAL}"):
        parzen.create_study(storage=source.spec, study_name="new")
    with pytest.raises(RuntimeError, match=REFUSAL):
        parzen.get_all_study_names(source.spec)
    assert _snapshot(source) == before


def test_an_optuna_journal_file_is_refused_and_left_unchanged(
    source_of: Callable[[str], Source],
) -> None:
    source = source_of("journal")
    fill(source.optuna_storage)
    before = _snapshot(source)
    with pytest.raises(StorageInternalError, match=f"Optuna wrote it.*{REFUSAL} '{source.spec}'"):
        JournalStorage(JournalFileBackend(source.spec))
    # A record torn by a dying Optuna writer is Optuna's too, and is not cut off.
    torn = Path(source.spec).parent.parent / "torn.log"
    torn.write_bytes(b'{"op_code": 0, "worker_id": "w", "study_name": "s", "direc')
    with pytest.raises(StorageInternalError, match="Optuna wrote it"):
        JournalFileBackend(torn)
    assert torn.read_bytes().endswith(b'"direc')
    assert _snapshot(source) == before


def test_an_optuna_redis_journal_is_refused(source_of: Callable[[str], Source]) -> None:
    source = source_of("redis")
    fill(source.optuna_storage)
    before = _snapshot(source)
    with pytest.raises(
        StorageInternalError, match=f"Optuna.*--redis-prefix '{source.redis_prefix}'"
    ):
        JournalRedisBackend(source.spec, prefix=source.redis_prefix)
    assert _snapshot(source) == before


def test_not_an_optuna_source(tmp_path: Path) -> None:
    parzen_db = f"sqlite:///{tmp_path / 'parzen.db'}"
    parzen.create_study(storage=parzen_db, study_name="mine")
    with pytest.raises(ValueError, match=r"does not hold Optuna.s tables.*parzen database"):
        import_optuna_storage(parzen_db, InMemoryStorage())
    journal = tmp_path / "parzen.log"
    parzen.create_study(storage=JournalStorage(JournalFileBackend(journal)))
    with pytest.raises(ValueError, match="not a journal file that Optuna wrote"):
        import_optuna_storage(journal, InMemoryStorage())
    with pytest.raises(ValueError, match="No file at"):
        import_optuna_storage(tmp_path / "missing.log", InMemoryStorage())
    with pytest.raises(ValueError, match="No SQLite database"):
        import_optuna_storage(f"sqlite:///{tmp_path / 'missing.db'}", InMemoryStorage())
    assert not (tmp_path / "missing.db").exists()
    with pytest.raises(ValueError, match="Unknown scheme 'ftp'"):
        import_optuna_storage("ftp://host/x", InMemoryStorage())


def test_an_optuna_file_imports_without_optuna_at_run_time(
    source_of: Callable[[str], Source], tmp_path: Path
) -> None:
    source = source_of("sqlite")
    fill(source.optuna_storage)
    code = (
        "import sys; sys.modules['optuna'] = None\n"
        "from parzen.storages import import_optuna_storage\n"
        f"r = import_optuna_storage({source.spec!r}, {str(tmp_path / 'out.log')!r})\n"
        "assert 'optuna' not in {m.split('.')[0] for m in sys.modules if sys.modules[m]}\n"
        "print(r.n_trials)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "12"
