"""How RDBStorage writes the parameters of the trials ``Study.optimize`` runs, and the SQLite
writer queue (databases: see conftest.py)."""

from __future__ import annotations

import fcntl
import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import parzen
from parzen.distributions import FloatDistribution
from parzen.exceptions import UpdateFinishedTrialError
from parzen.storages._rdb import RDBStorage
from parzen.storages._rdb._pending import PendingParam, PendingParams
from parzen.storages._rdb._writer_queue import LOCK_FILE_SUFFIX, WriterQueue
from parzen.study import StudyDirection
from parzen.trial import TrialState, create_trial

MIN = [StudyDirection.MINIMIZE]
X = FloatDistribution(0.0, 1.0)


def _param(name: str, value: float) -> PendingParam:
    return PendingParam(name, value, X, '{"name": "FloatDistribution"}')


def _eventually(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


# -- PendingParams ------------------------------------------------------------------------------


def test_only_owned_trials_are_held() -> None:
    pending = PendingParams(lambda trial_id, params: None, delay=60)
    assert not pending.add(1, _param("x", 0.1))
    pending.own(1)
    assert pending.add(1, _param("x", 0.1))
    assert pending.add(1, _param("x", 0.2))  # replaces
    assert [(p.name, p.value) for p in pending.peek(1)] == [("x", 0.2)]
    pending.disown(1)
    assert pending.peek(1) == []
    assert not pending.add(1, _param("y", 0.3))


def test_background_thread_writes_after_the_delay() -> None:
    written: list[tuple[int, list[str]]] = []
    pending = PendingParams(lambda t, params: written.append((t, [p.name for p in params])), 0.01)
    pending.own(3)
    pending.add(3, _param("a", 0.1))
    pending.add(3, _param("b", 0.2))
    assert _eventually(lambda: written == [(3, ["a", "b"])])
    assert pending.peek(3) == []


def test_a_failed_background_write_keeps_the_params(caplog: pytest.LogCaptureFixture) -> None:
    attempts: list[list[str]] = []

    def write(trial_id: int, params: list[PendingParam]) -> None:
        attempts.append([p.name for p in params])
        if len(attempts) == 1:
            raise OSError("database went away")

    pending = PendingParams(write, delay=0.01)
    pending.own(5)
    parzen.logging.enable_propagation()
    try:
        with caplog.at_level(logging.WARNING):
            pending.add(5, _param("a", 0.1))
            assert _eventually(lambda: len(attempts) >= 2)
    finally:
        parzen.logging.disable_propagation()
    assert attempts[:2] == [["a"], ["a"]]
    assert "will retry" in caplog.text


def test_taken_params_come_back_when_the_block_fails() -> None:
    pending = PendingParams(lambda trial_id, params: None, delay=60)
    pending.own(2)
    pending.add(2, _param("a", 0.1))
    with pytest.raises(RuntimeError), pending.taken(2) as params:
        assert [p.name for p in params] == ["a"]
        raise RuntimeError("the finishing transaction failed")
    assert [p.name for p in pending.peek(2)] == ["a"]
    with pending.taken(2) as params:
        assert [p.name for p in params] == ["a"]
    assert pending.peek(2) == []


def test_taking_waits_for_a_background_write_of_the_same_trial() -> None:
    release = threading.Event()
    written: list[str] = []

    def slow_write(trial_id: int, params: list[PendingParam]) -> None:
        release.wait(10)
        written.extend(p.name for p in params)

    pending = PendingParams(slow_write, delay=60)
    pending.own(9)
    pending.add(9, _param("a", 0.1))
    flusher = threading.Thread(target=pending.flush)
    flusher.start()
    assert _eventually(lambda: 9 in pending._in_flight)
    seen: list[list[str]] = []

    def take() -> None:
        with pending.taken(9) as params:
            seen.append(list(written))  # what was stored when the trial could finish
            seen.append([p.name for p in params])

    taker = threading.Thread(target=take)
    taker.start()
    taker.join(0.2)
    assert taker.is_alive()  # waiting for the write in flight
    release.set()
    taker.join(10)
    flusher.join(10)
    assert seen == [["a"], []]


# -- RDBStorage ---------------------------------------------------------------------------------


def test_deferred_params_are_seen_at_once_here_and_soon_elsewhere(url: str) -> None:
    here, elsewhere = RDBStorage(url), RDBStorage(url)
    study_id = here.create_new_study(MIN, "deferred")
    trial_id = here.create_new_trial(study_id)
    here.defer_param_writes(trial_id)
    here.set_trial_param(trial_id, "x", 0.25, X)
    assert here.get_trial(trial_id).params == {"x": 0.25}
    assert [t.params for t in here.get_all_trials(study_id)] == [{"x": 0.25}]
    # Still running: the background thread writes the parameter for the other workers.
    assert _eventually(lambda: elsewhere.get_trial(trial_id).params == {"x": 0.25})
    assert elsewhere.get_trial(trial_id).state == TrialState.RUNNING


def test_params_on_their_way_to_the_database_stay_visible_here(url: str) -> None:
    # While the background thread's transaction is open, the database does not show the
    # parameter yet and the pending list no longer holds it: this storage must still see it.
    here = RDBStorage(url)
    study_id = here.create_new_study(MIN, "in-flight")
    trial_id = here.create_new_trial(study_id)
    here.defer_param_writes(trial_id)
    writing, release = threading.Event(), threading.Event()
    write = here._pending._write

    def slow_write(*args: Any) -> None:
        writing.set()
        release.wait(30)
        write(*args)

    here._pending._write = slow_write
    here.set_trial_param(trial_id, "x", 0.25, X)
    try:
        assert writing.wait(30)  # the background write has taken the parameter
        assert here.get_trial(trial_id).params == {"x": 0.25}
        assert [t.params for t in here.get_all_trials(study_id)] == [{"x": 0.25}]
    finally:
        release.set()
    assert _eventually(lambda: RDBStorage(url).get_trial(trial_id).params == {"x": 0.25})


def test_params_are_written_with_the_trial_end(url: str) -> None:
    here, elsewhere = RDBStorage(url), RDBStorage(url)
    study_id = here.create_new_study(MIN, "with-end")
    trial_id = here.create_new_trial(study_id)
    here.defer_param_writes(trial_id)
    for i in range(5):
        here.set_trial_param(trial_id, f"x{i}", i / 10, X)
    here.set_trial_state_values(trial_id, TrialState.COMPLETE, [1.0])
    trial = elsewhere.get_trial(trial_id)
    assert trial.state == TrialState.COMPLETE
    assert trial.params == {f"x{i}": i / 10 for i in range(5)}  # in the order suggested


def test_a_trial_failed_elsewhere_refuses_its_end_and_keeps_no_late_params(url: str) -> None:
    here, elsewhere = RDBStorage(url), RDBStorage(url)
    study_id = here.create_new_study(MIN, "reaped")
    trial_id = here.create_new_trial(study_id)
    here._pending._delay = 60.0  # no background write before the other worker's FAIL
    here.defer_param_writes(trial_id)
    here.set_trial_param(trial_id, "x", 0.5, X)
    elsewhere.set_trial_state_values(trial_id, TrialState.FAIL)
    with pytest.raises(UpdateFinishedTrialError):
        here.set_trial_state_values(trial_id, TrialState.COMPLETE, [1.0])
    here._pending.flush()  # what a background write would do now: nothing is left
    trial = RDBStorage(url).get_trial(trial_id)
    assert trial.state == TrialState.FAIL and trial.params == {}


def test_a_deferred_param_replaces_one_already_stored(url: str) -> None:
    storage = RDBStorage(url)
    study_id = storage.create_new_study(MIN, "replace")
    template = create_trial(state=TrialState.WAITING, params={"x": 0.1}, distributions={"x": X})
    trial_id = storage.create_new_trial(study_id, template)
    assert storage.set_trial_state_values(trial_id, TrialState.RUNNING)
    storage.defer_param_writes(trial_id)
    storage.set_trial_param(trial_id, "x", 0.9, X)
    storage.set_trial_param(trial_id, "y", 0.3, X)
    storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [0.0])
    assert RDBStorage(url).get_trial(trial_id).params == {"x": 0.9, "y": 0.3}


def test_asked_trials_write_params_at_once(url: str) -> None:
    # A trial from ask() may be told by another process at any moment.
    study = parzen.create_study(storage=RDBStorage(url), study_name="asked")
    trial = study.ask()
    trial.suggest_float("x", 0.0, 1.0)
    other = parzen.load_study(study_name="asked", storage=RDBStorage(url))
    assert other.trials[0].params == trial.params
    other.tell(trial.number, 1.0)
    assert parzen.load_study(study_name="asked", storage=url).trials[0].params == trial.params


_KILLED_WORKER = textwrap.dedent(
    """
    import sys, time
    import parzen

    def objective(trial):
        trial.suggest_float("x", 0.0, 1.0)
        trial.suggest_int("n", 1, 9)
        print("suggested", flush=True)
        time.sleep(600)

    study = parzen.load_study(study_name="killed", storage=sys.argv[1])
    study.optimize(objective, n_trials=1)
    """
)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_worker_killed_mid_trial_leaves_its_params_behind(url: str, tmp_path: Path) -> None:
    parzen.create_study(storage=url, study_name="killed")
    script = tmp_path / "worker.py"
    script.write_text(_KILLED_WORKER)
    worker = subprocess.Popen(
        [sys.executable, str(script), url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert worker.stdout is not None and worker.stdout.readline() == "suggested\n"
        storage = RDBStorage(url)
        study_id = storage.get_study_id_from_name("killed")
        assert _eventually(lambda: len(storage.get_all_trials(study_id)[0].params) == 2)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)
    (trial,) = RDBStorage(url).get_all_trials(study_id)
    assert trial.state == TrialState.RUNNING and set(trial.params) == {"x", "n"}


# -- the SQLite writer queue --------------------------------------------------------------------


def _try_lock(path: str) -> bool:
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # also releases the lock, if taken
    return True


def test_writer_queue_excludes_other_writers(tmp_path: Path) -> None:
    queue = WriterQueue(str(tmp_path / "study.db"))
    with queue:
        assert not _try_lock(queue.path)
    assert _try_lock(queue.path)
    assert queue.path == str(tmp_path / "study.db") + LOCK_FILE_SUFFIX


def test_writer_queue_orders_threads_of_one_process(tmp_path: Path) -> None:
    queue = WriterQueue(str(tmp_path / "study.db"))
    inside: list[int] = []
    overlaps: list[int] = []

    def write() -> None:
        for _ in range(200):
            with queue:
                inside.append(1)
                time.sleep(0.0001)  # let the other threads run, and try to come in
                if len(inside) > 1:
                    overlaps.append(len(inside))
                inside.pop()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == []


def _enter_in_forked_child(queue: WriterQueue, result: multiprocessing.Queue) -> None:
    # The parent holds the queue. A child that kept the parent's open file would share its
    # lock and walk straight in; one that kept its thread lock would never get in.
    acquired = threading.Event()

    def enter() -> None:
        with queue:
            acquired.set()

    threading.Thread(target=enter, daemon=True).start()
    result.put(acquired.wait(0.5))  # while the parent holds the queue
    result.put(acquired.wait(30))  # once the parent has let go


def test_writer_queue_after_fork_is_the_childs_own(tmp_path: Path) -> None:
    storage = RDBStorage(f"sqlite:///{tmp_path / 'study.db'}")
    queue = storage._db.writer_queue
    assert queue is not None
    ctx = multiprocessing.get_context("fork")
    result: multiprocessing.Queue = ctx.Queue()
    with queue:
        child = ctx.Process(target=_enter_in_forked_child, args=(queue, result))
        child.start()
        entered_while_parent_held = result.get(timeout=30)
    entered_after = result.get(timeout=60)
    child.join(30)
    assert (entered_while_parent_held, entered_after) == (False, True)


def test_writer_queue_without_a_lock_file_falls_back_to_retries(tmp_path: Path) -> None:
    queue = WriterQueue(str(tmp_path / "missing-dir" / "study.db"))
    with queue:
        pass  # the lock file cannot be created: no queue, and no error
    assert not os.path.exists(queue.path)


def test_two_processes_share_a_sqlite_file_through_the_queue(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    parzen.create_study(storage=url, study_name="mp")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_optimize, args=(url, 100)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    trials = parzen.load_study(study_name="mp", storage=url).trials
    assert sorted(t.number for t in trials) == list(range(200))
    assert all(t.state == TrialState.COMPLETE and len(t.params) == 3 for t in trials)
    assert os.path.exists(str(tmp_path / "study.db") + LOCK_FILE_SUFFIX)


def _optimize(url: str, n_trials: int) -> None:
    study = parzen.load_study(study_name="mp", storage=url)
    study.optimize(
        lambda t: (
            t.suggest_float("x", 0, 1) + t.suggest_int("n", 0, 3) + t.suggest_float("y", 0, 1)
        ),
        n_trials=n_trials,
    )
