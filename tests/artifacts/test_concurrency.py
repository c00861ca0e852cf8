"""Concurrent uploads from threads and from processes: every artifact is stored and listed."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

import parzen
from parzen.artifacts import FileSystemArtifactStore, get_all_artifact_meta, upload_artifact
from parzen.storages import BaseStorage

from .conftest import STORAGES

N_THREADS = 6
PER_WORKER = 4


def _check(root: Path, metas: list, expected: dict[str, bytes]) -> None:
    """Every expected file is listed once, and its stored bytes are exactly the file's."""
    by_name = {m.filename: m for m in metas}
    assert len(metas) == len(by_name) == len(expected)
    assert set(by_name) == set(expected)
    for name, meta in by_name.items():
        assert (root / meta.artifact_id).read_bytes() == expected[name]
    # No temporary file is left behind, nor any file that no record names.
    assert {p.name for p in root.iterdir()} == {m.artifact_id for m in metas}


@pytest.mark.parametrize("kind", STORAGES)
def test_threads_upload_to_one_trial_and_one_study(
    kind: str, make_storage: Callable[[str], BaseStorage], tmp_path: Path
) -> None:
    storage = make_storage(kind)
    root, work = tmp_path / "store", tmp_path / "work"
    root.mkdir()
    work.mkdir()
    store = FileSystemArtifactStore(root)
    study = parzen.create_study(study_name=f"threads-{kind}", storage=storage)
    trial = study.ask()
    expected: dict[str, bytes] = {}
    for t in range(N_THREADS):
        for i in range(PER_WORKER):
            name = f"t{t}-{i}.bin"
            expected[name] = f"{name}:".encode() * (1000 + 37 * t + i)
            (work / name).write_bytes(expected[name])
    barrier = threading.Barrier(N_THREADS)
    errors: list[BaseException] = []

    def worker(t: int) -> None:
        try:
            barrier.wait()
            for i in range(PER_WORKER):
                # Alternate targets, so that trial and study records are written side by side.
                target = trial if (t + i) % 2 == 0 else study
                upload_artifact(
                    artifact_store=store,
                    file_path=str(work / f"t{t}-{i}.bin"),
                    study_or_trial=target,
                )
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(N_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    trial_metas = get_all_artifact_meta(trial)
    study_metas = get_all_artifact_meta(study)
    on_trial = {
        f"t{t}-{i}.bin" for t in range(N_THREADS) for i in range(PER_WORKER) if (t + i) % 2 == 0
    }
    assert {m.filename for m in trial_metas} == on_trial
    _check(root, trial_metas + study_metas, expected)


_WORKER = textwrap.dedent(
    """
    import sys
    import parzen
    from parzen.artifacts import FileSystemArtifactStore, upload_artifact
    from parzen.storages import RDBStorage
    from parzen.storages.journal import JournalFileBackend, JournalStorage

    kind, location, root, work, worker, per_worker = sys.argv[1:]
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    if kind == "sqlite":
        storage = RDBStorage("sqlite:///" + location)
    else:
        storage = JournalStorage(JournalFileBackend(location))
    study = parzen.load_study(study_name="processes", storage=storage)
    store = FileSystemArtifactStore(root)
    trial = study.ask()
    for i in range(int(per_worker)):
        name = f"p{worker}-{i}.bin"
        target = trial if i % 2 == 0 else study
        upload_artifact(artifact_store=store, file_path=f"{work}/{name}", study_or_trial=target)
    study.tell(trial, float(worker))
    """
)


@pytest.mark.parametrize("kind", ["sqlite", "journal_file"])
def test_processes_upload_to_one_study(kind: str, tmp_path: Path) -> None:
    n_processes = 3
    root, work = tmp_path / "store", tmp_path / "work"
    root.mkdir()
    work.mkdir()
    location = str(tmp_path / ("study.db" if kind == "sqlite" else "journal.log"))
    if kind == "sqlite":
        storage: BaseStorage = parzen.storages.RDBStorage(f"sqlite:///{location}")
    else:
        journal = parzen.storages.journal
        storage = journal.JournalStorage(journal.JournalFileBackend(location))
    parzen.create_study(study_name="processes", storage=storage)
    expected: dict[str, bytes] = {}
    for p in range(n_processes):
        for i in range(PER_WORKER):
            name = f"p{p}-{i}.bin"
            expected[name] = f"{name}|".encode() * (5000 + p * 11 + i)
            (work / name).write_bytes(expected[name])
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _WORKER,
                kind,
                location,
                *map(str, (root, work, p, PER_WORKER)),
            ],
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in range(n_processes)
    ]
    for worker in workers:
        _, stderr = worker.communicate(timeout=300)
        assert worker.returncode == 0, stderr
    study = parzen.load_study(study_name="processes", storage=storage)
    metas = get_all_artifact_meta(study)
    for trial in study.trials:
        assert trial.state == parzen.trial.TrialState.COMPLETE
        metas += get_all_artifact_meta(trial, storage=storage)
    assert len(study.trials) == n_processes
    _check(root, metas, expected)
