from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import sys
import threading
import time
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import parzen
from parzen.distributions import FloatDistribution
from parzen.exceptions import StorageInternalError, UpdateFinishedTrialError
from parzen.samplers import RandomSampler
from parzen.storages import (
    RetryFailedTrialCallback,
    RetryHeartbeatStaleTrialCallback,
    fail_stale_trials,
)
from parzen.storages.journal import (
    BaseJournalBackend,
    JournalFileBackend,
    JournalFileFcntlLock,
    JournalFileOpenLock,
    JournalFileSymlinkLock,
    JournalRedisBackend,
    JournalStorage,
    _file,
    _lock,
    _storage,
)
from parzen.study import StudyDirection
from parzen.testing.services import REDIS_URL, in_ci, require_service
from parzen.testing.storages import StorageConformance
from parzen.trial import TrialState, create_trial

MIN = [StudyDirection.MINIMIZE]


def _redis_url() -> str:
    """The test server's URL; skips (fails, in CI) when Redis or the client is missing."""
    host_port = REDIS_URL.split("://", 1)[1].split("/", 1)[0]
    host, _, port = host_port.rpartition(":")
    require_service("Redis", host or "127.0.0.1", int(port or 6379))
    if not in_ci():
        pytest.importorskip("redis", reason="the redis package is not installed")
    return REDIS_URL


@pytest.fixture
def redis_backend() -> Iterator[JournalRedisBackend]:
    """A Redis backend with a key of its own, deleted after the test."""
    backend = JournalRedisBackend(_redis_url(), prefix=f"parzen-test-{uuid.uuid4().hex}:")
    yield backend
    backend._client.delete(backend.key)
    backend._client.close()


class ListBackend(BaseJournalBackend):
    """The smallest backend: JSON strings in a list. Uses the base class's generic append."""

    def __init__(self) -> None:
        self.logs: list[str] = []

    def read_logs(self, log_number_from: int) -> list[dict[str, Any]]:
        return [json.loads(r) for r in self.logs[log_number_from:]]

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        self.logs.extend(json.dumps(r) for r in logs)


# -- the storage contract, over every backend -------------------------------------------------


class TestJournalFileDefaultLock(StorageConformance):
    @pytest.fixture
    def storage(self, tmp_path: Path) -> JournalStorage:
        return JournalStorage(JournalFileBackend(tmp_path / "journal.log"))


class TestJournalFileSymlinkLock(StorageConformance):
    @pytest.fixture
    def storage(self, tmp_path: Path) -> JournalStorage:
        path = tmp_path / "journal.log"
        return JournalStorage(JournalFileBackend(path, lock_obj=JournalFileSymlinkLock(path)))


class TestJournalFileOpenLock(StorageConformance):
    @pytest.fixture
    def storage(self, tmp_path: Path) -> JournalStorage:
        path = tmp_path / "journal.log"
        return JournalStorage(JournalFileBackend(path, lock_obj=JournalFileOpenLock(path)))


class TestJournalRedis(StorageConformance):
    @pytest.fixture
    def storage(self, redis_backend: JournalRedisBackend) -> JournalStorage:
        return JournalStorage(redis_backend)


class TestJournalGenericBackend(StorageConformance):
    @pytest.fixture
    def storage(self) -> JournalStorage:
        return JournalStorage(ListBackend())


# -- two storages on one log behave as two workers --------------------------------------------


@pytest.fixture(params=["file", "redis", "list"])
def backend_pair(
    request: pytest.FixtureRequest, tmp_path: Path
) -> tuple[BaseJournalBackend, BaseJournalBackend]:
    """Two backends on the same log, as two processes would hold them."""
    if request.param == "file":
        path = tmp_path / "journal.log"
        return JournalFileBackend(path), JournalFileBackend(path)
    if request.param == "redis":
        first = request.getfixturevalue("redis_backend")
        return first, JournalRedisBackend(_redis_url(), prefix=first._prefix)
    shared = ListBackend()
    return shared, shared


def test_two_workers_see_each_other_and_number_densely(
    backend_pair: tuple[BaseJournalBackend, BaseJournalBackend],
) -> None:
    a, b = JournalStorage(backend_pair[0]), JournalStorage(backend_pair[1])
    study_id = a.create_new_study(MIN, "shared")
    assert b.get_study_id_from_name("shared") == study_id
    ids = []
    for i in range(6):
        storage = a if i % 2 else b
        ids.append(storage.create_new_trial(study_id))
        storage.set_trial_param(ids[-1], "x", 0.25, FloatDistribution(0, 1))
        storage.set_trial_state_values(ids[-1], TrialState.COMPLETE, [float(i)])
    for storage in (a, b):
        trials = storage.get_all_trials(study_id)
        assert [t.number for t in trials] == list(range(6))
        assert [t.values for t in trials] == [[float(i)] for i in range(6)]
        assert [storage.get_trial_number_from_id(i) for i in ids] == list(range(6))


def test_waiting_trial_goes_to_the_first_of_two_workers(
    backend_pair: tuple[BaseJournalBackend, BaseJournalBackend],
) -> None:
    a, b = JournalStorage(backend_pair[0]), JournalStorage(backend_pair[1])
    study_id = a.create_new_study(MIN, "waiting")
    trial_id = a.create_new_trial(study_id, create_trial(state=TrialState.WAITING))
    assert b.get_trial(trial_id).state == TrialState.WAITING
    # a takes it; b has not read that yet and tries too: the log order says a was first.
    assert a.set_trial_state_values(trial_id, TrialState.RUNNING) is True
    assert b.set_trial_state_values(trial_id, TrialState.RUNNING) is False
    a.set_trial_state_values(trial_id, TrialState.COMPLETE, [1.0])
    with pytest.raises(UpdateFinishedTrialError):
        b.set_trial_state_values(trial_id, TrialState.FAIL)
    assert b.get_trial(trial_id).state == TrialState.COMPLETE


def test_write_rejected_by_log_order_raises_in_the_late_worker(
    backend_pair: tuple[BaseJournalBackend, BaseJournalBackend],
) -> None:
    a, b = JournalStorage(backend_pair[0]), JournalStorage(backend_pair[1])
    study_id = a.create_new_study(MIN, "late")
    trial_id = a.create_new_trial(study_id)
    b.get_trial(trial_id)  # b knows the trial as RUNNING
    a.set_trial_state_values(trial_id, TrialState.FAIL)
    with pytest.raises(UpdateFinishedTrialError):
        b.set_trial_user_attr(trial_id, "k", 1)
    with pytest.raises(parzen.exceptions.DuplicatedStudyError):
        b.create_new_study(MIN, "late")
    assert a.get_trial(trial_id).user_attrs == {}


def test_journal_is_replayed_by_a_new_process(tmp_path: Path) -> None:
    path = tmp_path / "journal.log"
    study = parzen.create_study(
        storage=JournalStorage(JournalFileBackend(path)), study_name="replayed"
    )
    study.set_user_attr("note", {"a": [1, 2]})
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=5)
    study.enqueue_trial({"x": 0.5})
    again = parzen.load_study(
        study_name="replayed", storage=JournalStorage(JournalFileBackend(path))
    )
    assert again.user_attrs == {"note": {"a": [1, 2]}}
    assert [t.params for t in again.trials] == [t.params for t in study.trials]
    assert [t.state for t in again.trials] == [TrialState.COMPLETE] * 5 + [TrialState.WAITING]
    assert again.best_trial.number == study.best_trial.number


def test_storage_pickles_without_its_state(tmp_path: Path) -> None:
    storage = JournalStorage(JournalFileBackend(tmp_path / "journal.log"), heartbeat_interval=5)
    study_id = storage.create_new_study(MIN, "pickled")
    storage.create_new_trial(study_id)
    copy = pickle.loads(pickle.dumps(storage))
    assert copy.get_heartbeat_interval() == 5
    assert [t.number for t in copy.get_all_trials(study_id)] == [0]


def test_values_that_are_not_json_are_rejected_before_writing(tmp_path: Path) -> None:
    backend = JournalFileBackend(tmp_path / "journal.log")
    storage = JournalStorage(backend)
    study_id = storage.create_new_study(MIN, "json")
    trial_id = storage.create_new_trial(study_id)
    size = os.path.getsize(backend.file_path)
    with pytest.raises(TypeError, match="JSON"):
        storage.set_trial_user_attr(trial_id, "obj", object())
    with pytest.raises(TypeError, match="JSON"):
        storage.set_study_system_attr(study_id, "obj", {1, 2})
    assert os.path.getsize(backend.file_path) == size


def test_not_a_journal_backend_is_a_clear_type_error() -> None:
    with pytest.raises(TypeError, match="BaseJournalBackend"):
        JournalStorage("journal.log")


def test_bad_heartbeat_settings_are_rejected(tmp_path: Path) -> None:
    backend = JournalFileBackend(tmp_path / "journal.log")
    with pytest.raises(ValueError, match="heartbeat_interval"):
        JournalStorage(backend, heartbeat_interval=0)
    with pytest.raises(ValueError, match="heartbeat_interval"):
        JournalStorage(backend, heartbeat_interval=True)
    with pytest.raises(ValueError, match="grace_period"):
        JournalStorage(backend, heartbeat_interval=1, grace_period=-1)
    # Accepted without heartbeats, as Optuna does, with a warning that they do nothing.
    with pytest.warns(UserWarning, match="no effect without heartbeats"):
        JournalStorage(backend, grace_period=10)
    with pytest.warns(UserWarning, match="no effect without heartbeats"):
        JournalStorage(backend, heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback())


# -- the file format: checksums, torn records, repair -----------------------------------------


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def _record_line(record: dict[str, Any]) -> bytes:
    payload = json.dumps(record).encode()
    return b"%08x %s\n" % (zlib.crc32(payload), payload)


def test_torn_last_record_is_ignored_then_cut_off_by_the_next_writer(tmp_path: Path) -> None:
    path = tmp_path / "journal.log"
    storage = JournalStorage(JournalFileBackend(path))
    study_id = storage.create_new_study(MIN, "torn")
    trial_id = storage.create_new_trial(study_id)
    intact = path.read_bytes()
    # A writer killed mid-write leaves part of a record and no line end.
    torn = _record_line({"op": 6, "tid": trial_id, "s": 1, "vals": [1.0], "t": time.time()})
    with open(path, "ab") as f:
        f.write(torn[: len(torn) // 2])

    reader = JournalStorage(JournalFileBackend(path))
    assert reader.get_trial(trial_id).state == TrialState.RUNNING
    assert path.read_bytes().startswith(intact) and len(path.read_bytes()) > len(intact)

    reader.set_trial_state_values(trial_id, TrialState.COMPLETE, [2.0])
    data = path.read_bytes()
    assert data.startswith(intact)
    assert len(_lines(path)) == len(intact.splitlines()) + 1
    assert all(_file._decode(line.rstrip(b"\n")) is not None for line in _lines(path))
    # Both the repairing writer and the first one read the repaired log.
    assert storage.get_trial(trial_id).values == [2.0]
    assert JournalStorage(JournalFileBackend(path)).get_trial(trial_id).values == [2.0]


def test_damaged_last_line_is_skipped_and_kept_for_repair(tmp_path: Path) -> None:
    path = tmp_path / "journal.log"
    storage = JournalStorage(JournalFileBackend(path))
    study_id = storage.create_new_study(MIN, "damaged-tail")
    damaged = b'00000000 {"op": 4, "sid": 0, "t": 0}\n'  # wrong checksum, but a whole line
    with open(path, "ab") as f:
        f.write(damaged)
    storage.create_new_trial(study_id)
    assert [t.number for t in storage.get_all_trials(study_id)] == [0]
    # Only a torn tail (no line end) is cut off; a whole damaged line stays for `repair`.
    assert _lines(path)[1] == damaged
    assert len(_lines(path)) == 3


def test_damaged_record_inside_the_log_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "journal.log"
    study_id = JournalStorage(JournalFileBackend(path)).create_new_study(MIN, "damaged-middle")
    with open(path, "ab") as f:
        f.write(b"0badc0de garbage\n")
        f.write(_record_line({"op": 12, "sid": study_id, "tid": 7, "t": time.time()}))
    parzen.logging.enable_propagation()
    try:
        storage = JournalStorage(JournalFileBackend(path))
    finally:
        parzen.logging.disable_propagation()
    assert [t.number for t in storage.get_all_trials(study_id)] == [0]
    assert "damaged record" in caplog.text


def test_a_foreign_file_is_refused_not_repaired(tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    content = b"trial,value\n0,0.5\n1,0.25\n"
    path.write_bytes(content)
    with pytest.raises(StorageInternalError, match="not a parzen journal"):
        JournalStorage(JournalFileBackend(path))
    assert path.read_bytes() == content


def test_reads_are_incremental(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "journal.log"
    writer = JournalStorage(JournalFileBackend(path))
    study_id = writer.create_new_study(MIN, "incremental")
    for _ in range(20):
        writer.create_new_trial(study_id)
    reader = JournalStorage(JournalFileBackend(path))
    assert reader.get_n_trials(study_id) == 20
    size_read = os.path.getsize(path)
    writer.create_new_trial(study_id)

    reads: list[tuple[int, int]] = []
    real_pread = os.pread

    def spy(fd: int, n: int, offset: int) -> bytes:
        reads.append((n, offset))
        return real_pread(fd, n, offset)

    monkeypatch.setattr(_file.os, "pread", spy)
    assert reader.get_n_trials(study_id) == 21
    assert reads == [(os.path.getsize(path) - size_read, size_read)]


def test_file_shrinking_under_a_reader_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "journal.log"
    storage = JournalStorage(JournalFileBackend(path))
    storage.create_new_study(MIN, "shrunk")
    path.write_bytes(b"")
    with pytest.raises(StorageInternalError, match="shrank"):
        storage.get_all_studies()


# -- locks ------------------------------------------------------------------------------------


TOKEN_LOCKS = [JournalFileSymlinkLock, JournalFileOpenLock]


def _plant_lock(lock_cls: type, lock_file: str, token: str) -> None:
    if lock_cls is JournalFileSymlinkLock:
        os.symlink(token, lock_file)
    else:
        Path(lock_file).write_text(token)


def _dead_pid() -> int:
    process = multiprocessing.get_context("spawn").Process(target=time.sleep, args=(0,))
    process.start()
    process.join()
    assert process.pid is not None
    return process.pid


@pytest.mark.parametrize("lock_cls", [*TOKEN_LOCKS, JournalFileFcntlLock])
def test_lock_excludes_a_second_holder(lock_cls: type, tmp_path: Path) -> None:
    path = str(tmp_path / "journal.log")
    first, second = lock_cls(path), lock_cls(path)
    assert first.acquire()
    acquired = threading.Event()

    def take() -> None:
        second.acquire()
        acquired.set()

    thread = threading.Thread(target=take)
    thread.start()
    assert not acquired.wait(0.2)
    first.release()
    assert acquired.wait(10)
    thread.join()
    second.release()
    assert not os.path.lexists(path + ".lock")


def test_default_lock_is_the_kernel_lock_on_a_local_disk_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = str(tmp_path / "journal.log")
    if _lock._file_system_type(str(tmp_path)) in _lock._LOCAL_FILE_SYSTEMS:
        assert isinstance(JournalFileBackend(path)._lock, JournalFileFcntlLock)
    for remote in ("nfs", "nfs4", "cifs", "fuse.sshfs", None):
        monkeypatch.setattr(_lock, "_file_system_type", lambda _, fs=remote: fs)
        assert isinstance(JournalFileBackend(path)._lock, JournalFileSymlinkLock)


def test_file_system_type_reads_the_longest_mount_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text(
        "/dev/vda / ext4 rw 0 0\n"
        "server:/export /mnt/shared nfs4 rw 0 0\n"
        "server:/x /mnt/shared\\040dir nfs rw 0 0\n"
    )
    real_open = open
    monkeypatch.setattr(
        "builtins.open",
        lambda f, *a, **k: real_open(mounts if f == "/proc/self/mounts" else f, *a, **k),
    )
    monkeypatch.setattr(os.path, "realpath", lambda p: p)
    assert _lock._file_system_type("/mnt/shared/study") == "nfs4"
    assert _lock._file_system_type("/mnt/shared dir/a") == "nfs"
    assert _lock._file_system_type("/mnt/sharedx") == "ext4"
    assert _lock._file_system_type("/home/user") == "ext4"


def _hold_fcntl_lock(path: str, ready: str) -> None:
    JournalFileFcntlLock(path).acquire()
    Path(ready).touch()
    time.sleep(60)


def test_kernel_lock_of_a_killed_process_is_free_at_once(tmp_path: Path) -> None:
    path, ready = str(tmp_path / "journal.log"), str(tmp_path / "ready")
    holder = multiprocessing.get_context("spawn").Process(
        target=_hold_fcntl_lock, args=(path, ready)
    )
    holder.start()
    try:
        deadline = time.monotonic() + 60
        while not os.path.exists(ready):
            assert time.monotonic() < deadline and holder.is_alive()
            time.sleep(0.02)
        lock = JournalFileFcntlLock(path)
        acquired = threading.Event()
        thread = threading.Thread(target=lambda: acquired.set() if lock.acquire() else None)
        thread.start()
        assert not acquired.wait(0.3)
    finally:
        holder.kill()
        holder.join()
    assert acquired.wait(10)
    thread.join()
    lock.release()


def _try_fcntl_lock_in_fork(path: str) -> None:
    acquired = threading.Event()
    lock = JournalFileFcntlLock(path)
    threading.Thread(
        target=lambda: acquired.set() if lock.acquire() else None, daemon=True
    ).start()
    os._exit(1 if acquired.wait(0.3) else 0)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_kernel_lock_is_not_shared_with_a_forked_child(tmp_path: Path) -> None:
    path = str(tmp_path / "journal.log")
    lock = JournalFileFcntlLock(path)
    lock.acquire()
    try:
        child = multiprocessing.get_context("fork").Process(
            target=_try_fcntl_lock_in_fork, args=(path,)
        )
        child.start()
        child.join(30)
        assert child.exitcode == 0, "the forked child took a lock its parent holds"
    finally:
        lock.release()


@pytest.mark.parametrize("lock_cls", TOKEN_LOCKS)
def test_lock_of_a_dead_process_is_broken_at_once(lock_cls: type, tmp_path: Path) -> None:
    path = str(tmp_path / "journal.log")
    token = f"pzl:{_file_lock_host()}:{_dead_pid()}:{uuid.uuid4().hex}"
    _plant_lock(lock_cls, path + ".lock", token)
    lock = lock_cls(path, grace_period=3600)
    assert lock.acquire()
    lock.release()
    assert not os.path.lexists(path + ".lock")


@pytest.mark.parametrize("lock_cls", TOKEN_LOCKS)
def test_old_lock_of_another_host_expires_after_the_grace_period(
    lock_cls: type, tmp_path: Path
) -> None:
    path = str(tmp_path / "journal.log")
    lock_file = path + ".lock"
    _plant_lock(lock_cls, lock_file, f"pzl:otherhost:1:{uuid.uuid4().hex}")

    def take(lock: Any, done: threading.Event) -> None:
        lock.acquire()
        done.set()

    # Young: the lock is respected.
    waiter_done = threading.Event()
    waiter = lock_cls(path, grace_period=30)
    thread = threading.Thread(target=take, args=(waiter, waiter_done), daemon=True)
    thread.start()
    assert not waiter_done.wait(0.3)
    # Older than the grace period: it is broken.
    old = time.time() - 60
    os.utime(lock_file, (old, old), follow_symlinks=False)
    assert waiter_done.wait(10)
    thread.join()
    waiter.release()


@pytest.mark.parametrize("lock_cls", TOKEN_LOCKS)
def test_lock_never_expires_by_age_with_grace_period_none(lock_cls: type, tmp_path: Path) -> None:
    path = str(tmp_path / "journal.log")
    lock_file = path + ".lock"
    _plant_lock(lock_cls, lock_file, "written by some other program")
    old = time.time() - 10**6
    os.utime(lock_file, (old, old), follow_symlinks=False)
    lock = lock_cls(path, grace_period=None)
    done = threading.Event()

    def take() -> None:
        lock.acquire()
        done.set()

    thread = threading.Thread(target=take, daemon=True)
    thread.start()
    assert not done.wait(0.3)
    os.unlink(lock_file)
    assert done.wait(10)
    thread.join()
    lock.release()


@pytest.mark.parametrize("lock_cls", TOKEN_LOCKS)
def test_lock_validates_grace_period_and_misuse(lock_cls: type, tmp_path: Path) -> None:
    path = str(tmp_path / "journal.log")
    with pytest.raises(ValueError, match="grace_period"):
        lock_cls(path, grace_period=0)
    lock = lock_cls(path)
    with pytest.raises(RuntimeError, match="not held"):
        lock.release()
    lock.acquire()
    with pytest.raises(RuntimeError, match="already held"):
        lock.acquire()
    lock.release()


def test_release_leaves_a_lock_taken_over_by_another_process(tmp_path: Path) -> None:
    path = str(tmp_path / "journal.log")
    lock = JournalFileSymlinkLock(path)
    lock.acquire()
    os.unlink(path + ".lock")
    os.symlink("pzl:otherhost:1:x", path + ".lock")
    lock.release()
    assert os.readlink(path + ".lock") == "pzl:otherhost:1:x"


def test_writer_gets_past_a_lock_left_by_a_killed_writer(tmp_path: Path) -> None:
    path = tmp_path / "journal.log"
    storage = JournalStorage(JournalFileBackend(path))
    study_id = storage.create_new_study(MIN, "killed-holder")
    token = f"pzl:{_file_lock_host()}:{_dead_pid()}:{uuid.uuid4().hex}"
    os.symlink(token, str(path) + ".lock")
    storage.create_new_trial(study_id)
    assert storage.get_n_trials(study_id) == 1


def _file_lock_host() -> str:
    return _lock._host_identity()


# -- many processes -----------------------------------------------------------------------


def _append_trials(path: str, n: int) -> None:
    storage = JournalStorage(JournalFileBackend(path))
    study_id = storage.get_study_id_from_name("processes")
    for i in range(n):
        trial_id = storage.create_new_trial(study_id)
        storage.set_trial_param(trial_id, "x", i / n, FloatDistribution(0, 1))
        storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [float(os.getpid())])


def test_eight_processes_append_at_once(tmp_path: Path) -> None:
    path = str(tmp_path / "journal.log")
    storage = JournalStorage(JournalFileBackend(path))
    study_id = storage.create_new_study(MIN, "processes")
    # Forked workers start in milliseconds; spawned ones would each import parzen anew.
    if hasattr(os, "fork"):
        context: Any = multiprocessing.get_context("fork")
    else:
        context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_append_trials, args=(path, 50)) for _ in range(8)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
    assert [p.exitcode for p in processes] == [0] * 8
    trials = storage.get_all_trials(study_id)
    assert sorted(t.number for t in trials) == list(range(400))
    assert all(t.state == TrialState.COMPLETE and "x" in t.params for t in trials)
    by_worker: dict[float, int] = {}
    for t in trials:
        assert t.value is not None
        by_worker[t.value] = by_worker.get(t.value, 0) + 1
    assert sorted(by_worker.values()) == [50] * 8
    assert all(_file._decode(line.rstrip(b"\n")) is not None for line in _lines(Path(path)))


# -- heartbeats ---------------------------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    clock = _Clock()
    monkeypatch.setattr(_storage, "time", clock)
    return clock


def test_stale_trials_are_running_trials_without_a_recent_heartbeat(
    tmp_path: Path, clock: _Clock
) -> None:
    storage = JournalStorage(
        JournalFileBackend(tmp_path / "journal.log"), heartbeat_interval=1, grace_period=2
    )
    assert storage.is_heartbeat_enabled() and storage.get_heartbeat_interval() == 1
    study_id = storage.create_new_study(MIN, "stale")
    beating = storage.create_new_trial(study_id)
    silent = storage.create_new_trial(study_id)  # died before its first heartbeat
    done = storage.create_new_trial(study_id)
    storage.record_heartbeat(beating)
    storage.set_trial_state_values(done, TrialState.COMPLETE, [0.0])
    clock.now += 1.5
    storage.record_heartbeat(beating)
    assert storage.get_stale_trial_ids(study_id) == []
    clock.now += 1.0
    assert storage.get_stale_trial_ids(study_id) == [silent]
    clock.now += 2.0
    assert sorted(storage.get_stale_trial_ids(study_id)) == sorted([beating, silent])


def test_grace_period_defaults_to_two_intervals(tmp_path: Path, clock: _Clock) -> None:
    storage = JournalStorage(JournalFileBackend(tmp_path / "journal.log"), heartbeat_interval=5)
    study_id = storage.create_new_study(MIN, "default-grace")
    trial_id = storage.create_new_trial(study_id)
    clock.now += 9
    assert storage.get_stale_trial_ids(study_id) == []
    clock.now += 2
    assert storage.get_stale_trial_ids(study_id) == [trial_id]


def test_heartbeats_disabled_by_default(tmp_path: Path) -> None:
    storage = JournalStorage(JournalFileBackend(tmp_path / "journal.log"))
    assert not storage.is_heartbeat_enabled()
    assert storage.get_heartbeat_interval() is None
    assert storage.get_failed_trial_callback() is None


def test_popped_waiting_trial_is_stale_from_when_it_started(tmp_path: Path, clock: _Clock) -> None:
    storage = JournalStorage(
        JournalFileBackend(tmp_path / "journal.log"), heartbeat_interval=1, grace_period=2
    )
    study_id = storage.create_new_study(MIN, "popped")
    trial_id = storage.create_new_trial(study_id, create_trial(state=TrialState.WAITING))
    clock.now += 10
    assert storage.get_stale_trial_ids(study_id) == []
    storage.set_trial_state_values(trial_id, TrialState.RUNNING)
    clock.now += 1
    assert storage.get_stale_trial_ids(study_id) == []
    clock.now += 2
    assert storage.get_stale_trial_ids(study_id) == [trial_id]


def test_fail_stale_trials_retries_with_the_callback(tmp_path: Path, clock: _Clock) -> None:
    path = tmp_path / "journal.log"
    storage = JournalStorage(
        JournalFileBackend(path),
        heartbeat_interval=1,
        grace_period=2,
        failed_trial_callback=RetryFailedTrialCallback(max_retry=1),
    )
    study = parzen.create_study(storage=storage, study_name="retry", sampler=RandomSampler(0))
    dead = study.ask()
    dead.suggest_float("x", 0, 1)
    clock.now += 3
    other_worker = JournalStorage(JournalFileBackend(path), heartbeat_interval=1, grace_period=2)
    assert fail_stale_trials(study) == [dead.number]
    # A second worker racing for the same trial fails it no second time.
    assert fail_stale_trials(parzen.load_study(study_name="retry", storage=other_worker)) == []
    trials = study.trials
    assert [t.state for t in trials] == [TrialState.FAIL, TrialState.WAITING]
    assert trials[1].params == trials[0].params
    assert RetryFailedTrialCallback.retried_trial_number(trials[1]) == dead.number


def test_optimize_sends_heartbeats_to_the_log(tmp_path: Path) -> None:
    path = tmp_path / "journal.log"
    storage = JournalStorage(JournalFileBackend(path), heartbeat_interval=1)
    study = parzen.create_study(storage=storage)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    ops = [json.loads(line[9:])["op"] for line in _lines(path)]
    assert ops.count(_storage._HEARTBEAT) >= 2


# -- Redis specifics ----------------------------------------------------------------------


def test_redis_missing_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(ImportError, match=r"parzen\[redis\]"):
        JournalRedisBackend("redis://127.0.0.1:6379")


def test_redis_unreachable_is_a_prompt_connection_error() -> None:
    pytest.importorskip("redis")
    # Port 1 on loopback: nothing listens there.
    with pytest.raises(ConnectionError, match=r"127\.0\.0\.1:1"):
        JournalRedisBackend("redis://127.0.0.1:1", socket_connect_timeout=2)


def test_redis_prefixes_keep_storages_apart(redis_backend: JournalRedisBackend) -> None:
    other = JournalRedisBackend(_redis_url(), prefix=f"parzen-test-{uuid.uuid4().hex}:")
    try:
        JournalStorage(redis_backend).create_new_study(MIN, "apart")
        assert JournalStorage(other).get_all_studies() == []
    finally:
        other._client.delete(other.key)


def test_redis_backend_pickles_and_reconnects(redis_backend: JournalRedisBackend) -> None:
    storage = JournalStorage(redis_backend)
    study_id = storage.create_new_study(MIN, "pickled-redis")
    copy = pickle.loads(pickle.dumps(storage))
    copy.create_new_trial(study_id)
    assert storage.get_n_trials(study_id) == 1


def test_redis_reads_only_records_after_the_last_read(
    redis_backend: JournalRedisBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = JournalStorage(redis_backend)
    study_id = writer.create_new_study(MIN, "incremental-redis")
    for _ in range(5):
        writer.create_new_trial(study_id)
    reader_backend = JournalRedisBackend(_redis_url(), prefix=redis_backend._prefix)
    reader = JournalStorage(reader_backend)
    writer.create_new_trial(study_id)
    starts: list[int] = []
    real_lrange = reader_backend._client.lrange

    def spy(key: str, start: int, end: int) -> Any:
        starts.append(start)
        return real_lrange(key, start, end)

    monkeypatch.setattr(reader_backend._client, "lrange", spy)
    assert reader.get_n_trials(study_id) == 6
    assert starts == [6]  # one study record and five trial records were read before


def test_generic_append_detects_a_backend_that_loses_records() -> None:
    class Forgetful(ListBackend):
        def append_logs(self, logs: list[dict[str, Any]]) -> None:
            pass

    with pytest.raises(StorageInternalError, match="did not return the records"):
        JournalStorage(Forgetful()).create_new_study(MIN, "lost")


def test_writes_to_an_unknown_study_or_trial_raise_without_writing(tmp_path: Path) -> None:
    backend = JournalFileBackend(tmp_path / "journal.log")
    storage = JournalStorage(backend)
    storage.create_new_study(MIN, "known")
    size = os.path.getsize(backend.file_path)
    with pytest.raises(KeyError):
        storage.create_new_trial(99)
    with pytest.raises(KeyError):
        storage.set_study_user_attr(99, "k", 1)
    with pytest.raises(KeyError):
        storage.set_trial_user_attr(99, "k", 1)
    with pytest.raises(KeyError):
        storage.get_trial(99)
    assert os.path.getsize(backend.file_path) == size
