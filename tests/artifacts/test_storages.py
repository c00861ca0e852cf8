"""Artifacts recorded on every kind of storage survive a reload of the study."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import parzen
from parzen.artifacts import (
    ArtifactMeta,
    FileSystemArtifactStore,
    download_artifact,
    get_all_artifact_meta,
    upload_artifact,
)
from parzen.storages import BaseStorage

from .conftest import STORAGES


@pytest.mark.parametrize("kind", STORAGES)
def test_round_trip_on_every_storage(
    kind: str, make_storage: Callable[[str], BaseStorage], tmp_path: Path
) -> None:
    storage = make_storage(kind)
    store = FileSystemArtifactStore(tmp_path)
    source = tmp_path / "weights.bin.gz"
    data = bytes(range(256)) * 1000
    source.write_bytes(data)
    name = f"artifacts-{kind}"
    study = parzen.create_study(study_name=name, storage=storage)
    trial = study.ask()
    on_trial = upload_artifact(artifact_store=store, file_path=str(source), study_or_trial=trial)
    on_study = upload_artifact(
        artifact_store=store, file_path=str(source), study_or_trial=study, mimetype="x/y"
    )
    study.tell(trial, 0.5)

    # Another Study object on the same storage, as another process would see it.
    reloaded = parzen.load_study(study_name=name, storage=storage)
    frozen = reloaded.trials[0]
    assert get_all_artifact_meta(frozen, storage=storage) == [
        ArtifactMeta(on_trial, "weights.bin.gz", "application/octet-stream", "gzip")
    ]
    assert get_all_artifact_meta(reloaded) == [
        ArtifactMeta(on_study, "weights.bin.gz", "x/y", "gzip")
    ]
    # The snapshot carries the record too, as JSON text.
    record = json.loads(frozen.system_attrs["artifacts:" + on_trial])
    assert record["artifact_id"] == on_trial
    for artifact_id in (on_trial, on_study):
        out = tmp_path / f"out-{artifact_id}"
        download_artifact(artifact_store=store, file_path=str(out), artifact_id=artifact_id)
        assert out.read_bytes() == data


@pytest.mark.parametrize("kind", ["sqlite", "journal_file"])
def test_a_new_storage_object_reads_the_records(
    kind: str, make_storage: Callable[[str], BaseStorage], tmp_path: Path
) -> None:
    # A second storage object over the same file: nothing is kept only in process memory.
    first = make_storage(kind)
    store = FileSystemArtifactStore(tmp_path)
    source = tmp_path / "notes.md"
    source.write_text("# notes")
    study = parzen.create_study(study_name="s", storage=first)
    trial = study.ask()
    artifact_id = upload_artifact(
        artifact_store=store, file_path=str(source), study_or_trial=trial
    )
    second = make_storage(kind)
    (frozen,) = parzen.load_study(study_name="s", storage=second).trials
    (meta,) = get_all_artifact_meta(frozen, storage=second)
    assert (meta.artifact_id, meta.filename, meta.mimetype) == (
        artifact_id,
        "notes.md",
        "text/markdown",
    )


def test_optuna_records_are_read(tmp_path: Path) -> None:
    # A study copied over from Optuna keeps its records in Optuna's format; parzen lists them.
    optuna = pytest.importorskip("optuna")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    source = tmp_path / "a.txt"
    source.write_text("a")
    theirs = optuna.create_study()
    trial = theirs.ask()
    artifact_id = optuna.artifacts.upload_artifact(
        artifact_store=optuna.artifacts.FileSystemArtifactStore(str(tmp_path)),
        file_path=str(source),
        study_or_trial=trial,
    )
    attrs = theirs._storage.get_trial_system_attrs(trial._trial_id)
    ours = parzen.create_study()
    ours_trial = ours.ask()
    for key, value in attrs.items():
        ours._storage.set_trial_system_attr(ours_trial._trial_id, key, value)
    (meta,) = get_all_artifact_meta(ours_trial)
    assert (meta.artifact_id, meta.filename, meta.mimetype) == (artifact_id, "a.txt", "text/plain")
    out = tmp_path / "copy.txt"
    download_artifact(
        artifact_store=FileSystemArtifactStore(tmp_path),
        file_path=str(out),
        artifact_id=meta.artifact_id,
    )
    assert out.read_text() == "a"
