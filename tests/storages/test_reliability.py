"""Many processes and killed processes on every persistent storage.

Workers are separate Python processes (``subprocess``) running ``Study.optimize`` on one study.
The first test runs eight at once and checks that nothing is lost or duplicated. The chaos test
kills workers with SIGKILL at random moments and restarts them; each worker logs every trial
that ``tell`` completed, and afterwards every logged trial must be in the storage, complete,
with all it wrote, and no trial may stay RUNNING once a live worker ran past the grace period.
"""

from __future__ import annotations

import inspect
import json
import random
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from parzen.storages import BaseStorage
from parzen.testing.services import MYSQL_URL, POSTGRESQL_URL, REDIS_URL, in_ci, require_service
from parzen.trial import FrozenTrial, TrialState

pytestmark = pytest.mark.slow

HEARTBEAT_INTERVAL = 1
GRACE_PERIOD = 3


def make_storage(spec: dict[str, Any]) -> Any:
    """Build the storage a spec describes; the worker script carries a copy of this function."""
    heartbeats: dict[str, Any] = {}
    if spec.get("heartbeats"):
        heartbeats = {
            "heartbeat_interval": spec["heartbeat_interval"],
            "grace_period": spec["grace_period"],
        }
    if spec["kind"] == "grpc":
        from parzen.storages import GrpcStorageProxy

        # Heartbeats belong to the served storage: one proxy serves it with, one without.
        port = spec["heartbeat_port"] if spec.get("heartbeats") else spec["port"]
        return GrpcStorageProxy(host="127.0.0.1", port=port)
    if spec["kind"] == "journal-file":
        from parzen.storages.journal import JournalFileBackend, JournalStorage

        return JournalStorage(JournalFileBackend(spec["path"]), **heartbeats)
    if spec["kind"] == "journal-redis":
        from parzen.storages.journal import JournalRedisBackend, JournalStorage

        return JournalStorage(
            JournalRedisBackend(spec["url"], prefix=spec["prefix"]), **heartbeats
        )
    from parzen.storages._rdb import RDBStorage

    return RDBStorage(spec["url"], **heartbeats)


WORKER_MAIN = """
import json, os, random, sys, time

import parzen


def objective(trial, max_sleep):
    x = trial.suggest_float("x", -10, 10)
    n = trial.suggest_int("n", 0, 5)
    c = trial.suggest_categorical("c", ["a", "b"])
    for step in range(2):
        trial.report(x * (step + 1), step)
    trial.set_user_attr("pid", os.getpid())
    if max_sleep:
        time.sleep(random.uniform(0, max_sleep))
    return x * x + n + (1 if c == "b" else 0)


def main():
    spec = json.loads(sys.argv[1])
    log_path, n_trials, max_sleep = sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(entry):
        os.write(log, (json.dumps(entry) + "\\n").encode())

    def record(study, frozen):
        # Runs after tell returned: the trial is in the storage, or the storage lost it.
        if frozen.state == parzen.trial.TrialState.COMPLETE:
            write({"id": frozen._trial_id, "number": frozen.number, "value": frozen.value,
                   "params": frozen.params})

    storage = make_storage(spec)
    study = parzen.load_study(
        study_name=spec["study_name"], storage=storage,
        sampler=parzen.samplers.RandomSampler(seed=random.SystemRandom().randrange(2**32)),
    )
    write({"ready": os.getpid()})
    study.optimize(lambda t: objective(t, max_sleep), n_trials=n_trials, callbacks=[record])
    write({"done": os.getpid()})


main()
"""


def _expected_value(params: dict[str, Any]) -> float:
    return float(params["x"] * params["x"] + params["n"] + (1 if params["c"] == "b" else 0))


# -- the backends ---------------------------------------------------------------------------


def _redis_spec(tmp_path: Path) -> dict[str, Any]:
    host_port = REDIS_URL.split("://", 1)[1].split("/", 1)[0]
    host, _, port = host_port.rpartition(":")
    require_service("Redis", host or "127.0.0.1", int(port or 6379))
    if not in_ci():
        pytest.importorskip("redis", reason="the redis package is not installed")
    return {
        "kind": "journal-redis",
        "url": REDIS_URL,
        "prefix": f"parzen-test-{uuid.uuid4().hex}:",
    }


def _rdb_spec(url: str, service: str | None, port: int | None) -> dict[str, Any]:
    try:
        from parzen.storages._rdb import RDBStorage  # noqa: F401
    except ImportError as e:
        if in_ci():
            raise
        pytest.skip(f"RDBStorage is not available: {e}")
    if service is not None:
        assert port is not None
        require_service(service, "127.0.0.1", port)
    return {"kind": "rdb", "url": url}


def _grpc_spec(url: str, request: pytest.FixtureRequest) -> dict[str, Any]:
    """Workers reach the database through gRPC proxies (see conftest.grpc_proxy)."""
    if not in_ci():
        pytest.importorskip("grpc", reason="grpcio is not installed")
    start = request.getfixturevalue("grpc_proxy")
    heartbeats = {"heartbeat_interval": HEARTBEAT_INTERVAL, "grace_period": GRACE_PERIOD}
    port, heartbeat_port = start(url).port, start(url, **heartbeats).port
    return {"kind": "grpc", "port": port, "heartbeat_port": heartbeat_port}


@pytest.fixture(
    params=[
        "journal-file",
        "journal-redis",
        "sqlite",
        "postgresql",
        "mariadb",
        "grpc-sqlite",
        "grpc-postgresql",
    ]
)
def spec(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """How workers reach the storage under test, with a study of its own created in it."""
    kind = request.param
    if kind.startswith("grpc-"):
        database = _rdb_spec(f"sqlite:///{tmp_path / 'study.db'}", None, None)
        if kind == "grpc-postgresql":
            database = _rdb_spec(POSTGRESQL_URL, "PostgreSQL", 5432)
        spec: dict[str, Any] = _grpc_spec(database["url"], request)
    elif kind == "journal-file":
        spec = {"kind": kind, "path": str(tmp_path / "journal.log")}
    elif kind == "journal-redis":
        spec = _redis_spec(tmp_path)
    elif kind == "sqlite":
        spec = _rdb_spec(f"sqlite:///{tmp_path / 'study.db'}", None, None)
    elif kind == "postgresql":
        spec = _rdb_spec(POSTGRESQL_URL, "PostgreSQL", 5432)
    else:
        spec = _rdb_spec(MYSQL_URL, "MariaDB", 3306)
    spec.update(
        study_name=f"reliability-{uuid.uuid4().hex}",
        heartbeat_interval=HEARTBEAT_INTERVAL,
        grace_period=GRACE_PERIOD,
    )
    import parzen

    storage = make_storage(spec)
    parzen.create_study(storage=storage, study_name=spec["study_name"])
    yield spec
    # Shared servers outlive the test: leave them as we found them.
    try:
        if kind == "journal-redis":
            storage.backend._client.delete(storage.backend.key)
        elif kind in ("postgresql", "mariadb", "grpc-postgresql"):
            parzen.delete_study(study_name=spec["study_name"], storage=storage)
    finally:
        storage.remove_session()


# -- running workers ------------------------------------------------------------------------


def _worker_script(tmp_path: Path) -> Path:
    script = tmp_path / "worker.py"
    source = textwrap.dedent(inspect.getsource(make_storage))
    script.write_text("from __future__ import annotations\n" + source + WORKER_MAIN)
    return script


def _start_worker(
    script: Path, spec: dict[str, Any], log: Path, n_trials: int, max_sleep: float
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(script), json.dumps(spec), str(log), str(n_trials), str(max_sleep)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _finish(process: subprocess.Popen[bytes], timeout: float) -> None:
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"A worker did not finish within {timeout}s.")
    assert process.returncode == 0, stderr.decode(errors="replace")[-3000:]


def _logged(log_paths: list[Path]) -> list[dict[str, Any]]:
    entries = []
    for path in log_paths:
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            # A worker killed while writing its log leaves at most one partial last line.
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            if "id" in entry:
                entries.append(entry)
    return entries


def _load_trials(spec: dict[str, Any]) -> list[FrozenTrial]:
    storage: BaseStorage = make_storage({**spec, "heartbeats": False})
    try:
        study_id = storage.get_study_id_from_name(spec["study_name"])
        return storage.get_all_trials(study_id)
    finally:
        storage.remove_session()


def _check_complete_trial(trial: FrozenTrial) -> None:
    assert trial.value == _expected_value(trial.params)
    assert set(trial.params) == {"x", "n", "c"}
    assert trial.intermediate_values == {0: trial.params["x"], 1: trial.params["x"] * 2}
    assert isinstance(trial.user_attrs.get("pid"), int)


def _check_journal_file(spec: dict[str, Any]) -> None:
    if spec["kind"] != "journal-file":
        return
    from parzen.storages.journal._file import _decode

    lines = Path(spec["path"]).read_bytes().split(b"\n")
    assert lines[-1] == b"", "the journal must end with a complete record"
    assert all(_decode(line) is not None for line in lines[:-1])


# -- the tests ------------------------------------------------------------------------------


def test_eight_processes_lose_and_duplicate_nothing(spec: dict[str, Any], tmp_path: Path) -> None:
    n_workers, n_trials = 8, 250
    script = _worker_script(tmp_path)
    logs = [tmp_path / f"worker-{i}.log" for i in range(n_workers)]
    workers = [_start_worker(script, spec, log, n_trials, 0.0) for log in logs]
    for worker in workers:
        _finish(worker, timeout=600)

    trials = _load_trials(spec)
    assert sorted(t.number for t in trials) == list(range(n_workers * n_trials))
    assert len({t._trial_id for t in trials}) == len(trials)
    assert all(t.state == TrialState.COMPLETE for t in trials)
    for trial in trials:
        _check_complete_trial(trial)
    by_id = {t._trial_id: t for t in trials}
    logged = _logged(logs)
    assert len(logged) == n_workers * n_trials
    for entry in logged:
        trial = by_id[entry["id"]]
        assert (trial.number, trial.value, trial.params) == (
            entry["number"],
            entry["value"],
            entry["params"],
        )
    assert {t.user_attrs["pid"] for t in trials} == {w.pid for w in workers}
    _check_journal_file(spec)


def test_workers_killed_at_random_lose_nothing_and_leave_nothing_running(
    spec: dict[str, Any], tmp_path: Path
) -> None:
    spec = {**spec, "heartbeats": True}
    # Kills while the chaos runs; the last workers are killed too, so the total is 20.
    n_slots, min_kills = 4, 16
    script = _worker_script(tmp_path)
    rng = random.Random(0)
    logs: list[Path] = []

    def start() -> tuple[subprocess.Popen[bytes], Path]:
        log = tmp_path / f"chaos-{len(logs)}.log"
        logs.append(log)
        return _start_worker(script, spec, log, 10**6, 0.02), log

    slots = [start() for _ in range(n_slots)]
    kills = 0
    deadline = time.monotonic() + 300
    while kills < min_kills:
        assert time.monotonic() < deadline, f"only {kills} kills in 300s"
        index = rng.randrange(n_slots)
        process, log = slots[index]
        if process.poll() is not None:
            _, stderr = process.communicate()
            pytest.fail(f"A worker died on its own: {stderr.decode(errors='replace')[-3000:]}")
        if not log.exists() or b"ready" not in log.read_bytes():
            time.sleep(0.05)  # still starting: a kill now would test nothing
            continue
        time.sleep(rng.uniform(0.0, 0.4))
        process.send_signal(signal.SIGKILL)
        process.communicate()
        kills += 1
        slots[index] = start()
    for process, _ in slots:
        process.send_signal(signal.SIGKILL)
        process.communicate()
    kills += len(slots)

    # A live worker that starts after the grace period fails every trial the dead left behind.
    time.sleep(GRACE_PERIOD + 0.5)
    final_log = tmp_path / "final.log"
    logs.append(final_log)
    _finish(_start_worker(script, spec, final_log, 2, 0.0), timeout=120)

    trials = _load_trials(spec)
    assert kills >= 20
    assert sorted(t.number for t in trials) == list(range(len(trials)))
    assert [t for t in trials if t.state == TrialState.RUNNING] == []
    by_id = {t._trial_id: t for t in trials}
    logged = _logged(logs)
    assert len(logged) >= 2
    for entry in logged:
        trial = by_id.get(entry["id"])
        assert trial is not None, f"logged trial {entry} is missing from the storage"
        assert trial.state == TrialState.COMPLETE
        assert (trial.number, trial.value, trial.params) == (
            entry["number"],
            entry["value"],
            entry["params"],
        )
    for trial in trials:
        if trial.state == TrialState.COMPLETE:
            _check_complete_trial(trial)
    assert any(t.state == TrialState.FAIL for t in trials), "no kill hit a running trial"
    _check_journal_file(spec)
