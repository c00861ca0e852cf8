"""upload_artifact, get_all_artifact_meta and download_artifact, side by side with Optuna.

Tests taking the ``lib`` fixture run on parzen and on Optuna 5 (when installed) unchanged.
"""

from __future__ import annotations

import dataclasses
import json
import os
import warnings
from pathlib import Path
from types import ModuleType

import pytest

import parzen
from parzen.artifacts import (
    ArtifactMeta,
    FileSystemArtifactStore,
    download_artifact,
    get_all_artifact_meta,
    upload_artifact,
)
from parzen.artifacts.exceptions import ArtifactNotFound


def _file(directory: Path, name: str, data: bytes) -> str:
    path = directory / name
    path.write_bytes(data)
    return str(path)


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    """(the store's root, a directory for the files uploaded and downloaded)."""
    root, work = tmp_path / "store", tmp_path / "work"
    root.mkdir()
    work.mkdir()
    return root, work


def test_trial_round_trip(lib: ModuleType, dirs: tuple[Path, Path]) -> None:
    root, work = dirs
    store = lib.artifacts.FileSystemArtifactStore(str(root))
    study = lib.create_study()
    trial = study.ask()
    data = bytes(range(256)) * 100
    artifact_id = lib.artifacts.upload_artifact(
        artifact_store=store, file_path=_file(work, "model.bin", data), study_or_trial=trial
    )
    assert isinstance(artifact_id, str)
    (meta,) = lib.artifacts.get_all_artifact_meta(trial)
    assert (meta.artifact_id, meta.filename) == (artifact_id, "model.bin")
    assert (meta.mimetype, meta.encoding) == ("application/octet-stream", None)
    out = work / "copy.bin"
    lib.artifacts.download_artifact(
        artifact_store=store, file_path=str(out), artifact_id=artifact_id
    )
    assert out.read_bytes() == data


def test_study_artifacts_are_separate_from_trial_artifacts(
    lib: ModuleType, dirs: tuple[Path, Path]
) -> None:
    root, work = dirs
    store = lib.artifacts.FileSystemArtifactStore(str(root))
    study = lib.create_study()
    trial = study.ask()
    on_study = lib.artifacts.upload_artifact(
        artifact_store=store, file_path=_file(work, "s.json", b"{}"), study_or_trial=study
    )
    on_trial = lib.artifacts.upload_artifact(
        artifact_store=store, file_path=_file(work, "t.csv", b"a,b"), study_or_trial=trial
    )
    assert [m.artifact_id for m in lib.artifacts.get_all_artifact_meta(study)] == [on_study]
    assert [m.artifact_id for m in lib.artifacts.get_all_artifact_meta(trial)] == [on_trial]
    (study_meta,) = lib.artifacts.get_all_artifact_meta(study)
    assert (study_meta.filename, study_meta.mimetype) == ("s.json", "application/json")


def test_frozen_trial_needs_a_storage(lib: ModuleType, dirs: tuple[Path, Path]) -> None:
    root, work = dirs
    store = lib.artifacts.FileSystemArtifactStore(str(root))
    study = lib.create_study()
    trial = study.ask()
    lib.artifacts.upload_artifact(
        artifact_store=store, file_path=_file(work, "a.txt", b"a"), study_or_trial=trial
    )
    frozen = study.trials[0]
    with pytest.raises(ValueError, match="storage is required"):
        lib.artifacts.get_all_artifact_meta(frozen)
    with pytest.raises(ValueError, match="storage is required"):
        lib.artifacts.upload_artifact(
            artifact_store=store, file_path=_file(work, "b.txt", b"b"), study_or_trial=frozen
        )
    metas = lib.artifacts.get_all_artifact_meta(frozen, storage=study._storage)
    assert [m.filename for m in metas] == ["a.txt"]
    # A running trial's FrozenTrial takes uploads when given the storage.
    lib.artifacts.upload_artifact(
        artifact_store=store,
        file_path=_file(work, "c.txt", b"c"),
        study_or_trial=frozen,
        storage=study._storage,
    )
    assert sorted(m.filename for m in lib.artifacts.get_all_artifact_meta(trial)) == [
        "a.txt",
        "c.txt",
    ]


@pytest.mark.parametrize(
    ("name", "mimetype", "encoding", "expected"),
    [
        ("table.csv", None, None, ("text/csv", None)),
        ("log.txt.gz", None, None, ("text/plain", "gzip")),
        ("noextension", None, None, ("application/octet-stream", None)),
        ("x.bin", "image/png", "br", ("image/png", "br")),
        # An empty string counts as "not given": the name decides.
        ("page.html", "", "", ("text/html", None)),
    ],
)
def test_mimetype_and_encoding(
    lib: ModuleType,
    dirs: tuple[Path, Path],
    name: str,
    mimetype: str | None,
    encoding: str | None,
    expected: tuple[str, str | None],
) -> None:
    root, work = dirs
    store = lib.artifacts.FileSystemArtifactStore(str(root))
    study = lib.create_study()
    lib.artifacts.upload_artifact(
        artifact_store=store,
        file_path=_file(work, name, b"x"),
        study_or_trial=study,
        mimetype=mimetype,
        encoding=encoding,
    )
    (meta,) = lib.artifacts.get_all_artifact_meta(study)
    assert (meta.mimetype, meta.encoding) == expected


def test_metadata_is_a_json_text_in_the_system_attrs(
    lib: ModuleType, dirs: tuple[Path, Path]
) -> None:
    root, work = dirs
    store = lib.artifacts.FileSystemArtifactStore(str(root))
    study = lib.create_study()
    trial = study.ask()
    artifact_id = lib.artifacts.upload_artifact(
        artifact_store=store, file_path=_file(work, "w.npy", b"\x93NUMPY"), study_or_trial=trial
    )
    value = study._storage.get_trial_system_attrs(trial._trial_id)["artifacts:" + artifact_id]
    assert isinstance(value, str)
    assert json.loads(value) == {
        "artifact_id": artifact_id,
        "filename": "w.npy",
        "mimetype": "application/octet-stream",
        "encoding": None,
    }


def test_download_never_overwrites(lib: ModuleType, dirs: tuple[Path, Path]) -> None:
    root, work = dirs
    store = lib.artifacts.FileSystemArtifactStore(str(root))
    study = lib.create_study()
    artifact_id = lib.artifacts.upload_artifact(
        artifact_store=store, file_path=_file(work, "new.txt", b"new"), study_or_trial=study
    )
    existing = _file(work, "existing.txt", b"keep me")
    with pytest.raises(FileExistsError):
        lib.artifacts.download_artifact(
            artifact_store=store, file_path=existing, artifact_id=artifact_id
        )
    assert Path(existing).read_bytes() == b"keep me"


def test_download_of_a_missing_artifact(lib: ModuleType, dirs: tuple[Path, Path]) -> None:
    root, work = dirs
    store = lib.artifacts.FileSystemArtifactStore(str(root))
    target = work / "missing.bin"
    with pytest.raises(lib.artifacts.exceptions.ArtifactNotFound):
        lib.artifacts.download_artifact(
            artifact_store=store, file_path=str(target), artifact_id="no-such-id"
        )
    assert not target.exists()


def test_upload_to_a_finished_trial_raises(lib: ModuleType, dirs: tuple[Path, Path]) -> None:
    root, work = dirs
    store = lib.artifacts.FileSystemArtifactStore(str(root))
    study = lib.create_study()
    trial = study.ask()
    study.tell(trial, 1.0)
    with pytest.raises(lib.exceptions.UpdateFinishedTrialError):
        lib.artifacts.upload_artifact(
            artifact_store=store, file_path=_file(work, "late.txt", b"x"), study_or_trial=trial
        )


def test_upload_to_a_finished_trial_leaves_no_bytes(dirs: tuple[Path, Path]) -> None:
    # parzen refuses before uploading, so the store holds no artifact that nothing lists.
    root, work = dirs
    store = FileSystemArtifactStore(root)
    study = parzen.create_study()
    trial = study.ask()
    study.tell(trial, 1.0)
    with pytest.raises(parzen.exceptions.UpdateFinishedTrialError):
        upload_artifact(
            artifact_store=store, file_path=_file(work, "late.txt", b"x"), study_or_trial=trial
        )
    assert list(root.iterdir()) == []
    assert get_all_artifact_meta(trial) == []


def test_a_failed_record_removes_the_uploaded_bytes(
    dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, work = dirs
    store = FileSystemArtifactStore(root)
    study = parzen.create_study()

    def broken(*args: object) -> None:
        raise RuntimeError("storage is down")

    monkeypatch.setattr(study._storage, "set_study_system_attr", broken)
    with pytest.raises(RuntimeError, match="storage is down"):
        upload_artifact(
            artifact_store=store, file_path=_file(work, "a.txt", b"a"), study_or_trial=study
        )
    assert list(root.iterdir()) == []


def test_positional_arguments_still_work_with_a_future_warning(
    lib: ModuleType, dirs: tuple[Path, Path]
) -> None:
    root, work = dirs
    store = lib.artifacts.FileSystemArtifactStore(str(root))
    study = lib.create_study()
    with pytest.warns(FutureWarning):
        artifact_id = lib.artifacts.upload_artifact(study, _file(work, "p.txt", b"p"), store)
    assert [m.artifact_id for m in lib.artifacts.get_all_artifact_meta(study)] == [artifact_id]


def test_positional_misuse_is_a_type_error(dirs: tuple[Path, Path]) -> None:
    root, work = dirs
    store = FileSystemArtifactStore(root)
    study = parzen.create_study()
    path = _file(work, "p.txt", b"p")
    with pytest.raises(TypeError, match="at most 3 positional"):
        upload_artifact(study, path, store, None)  # type: ignore[misc]
    with pytest.raises(TypeError, match="both by position and by keyword"):
        upload_artifact(study, study_or_trial=study, file_path=path, artifact_store=store)  # type: ignore[misc]
    assert list(root.iterdir()) == []


def test_keyword_only_download(lib: ModuleType, dirs: tuple[Path, Path]) -> None:
    root, work = dirs
    store = lib.artifacts.FileSystemArtifactStore(str(root))
    with pytest.raises(TypeError):
        lib.artifacts.download_artifact(store, str(work / "x"), "id")


def test_artifact_meta_is_a_dataclass_of_four_fields(lib: ModuleType) -> None:
    fields = [f.name for f in dataclasses.fields(lib.artifacts.ArtifactMeta)]
    assert fields == ["artifact_id", "filename", "mimetype", "encoding"]
    meta = lib.artifacts.ArtifactMeta("i", "f", "m", None)
    assert meta == lib.artifacts.ArtifactMeta(
        artifact_id="i", filename="f", mimetype="m", encoding=None
    )


def test_public_names_match_optuna() -> None:
    optuna = pytest.importorskip("optuna")
    assert set(optuna.artifacts.__all__) <= set(parzen.artifacts.__all__)
    import inspect

    for name in optuna.artifacts.__all__:
        ours, theirs = getattr(parzen.artifacts, name), getattr(optuna.artifacts, name)
        # Parameter names, kinds and defaults; annotations name each library's own types.
        assert [
            (p.name, p.kind, p.default) for p in inspect.signature(ours).parameters.values()
        ] == [(p.name, p.kind, p.default) for p in inspect.signature(theirs).parameters.values()]


def test_not_a_study_or_trial_is_a_type_error(dirs: tuple[Path, Path]) -> None:
    root, work = dirs
    store = FileSystemArtifactStore(root)
    with pytest.raises(TypeError, match="Trial, a FrozenTrial or a Study, got int"):
        get_all_artifact_meta(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="got FixedTrial"):
        upload_artifact(
            artifact_store=store,
            file_path=_file(work, "a.txt", b"a"),
            study_or_trial=parzen.trial.FixedTrial({}),  # type: ignore[arg-type]
        )
    assert list(root.iterdir()) == []


def test_missing_file_uploads_nothing(dirs: tuple[Path, Path]) -> None:
    root, work = dirs
    study = parzen.create_study()
    with pytest.raises(FileNotFoundError):
        upload_artifact(
            artifact_store=FileSystemArtifactStore(root),
            file_path=str(work / "absent.txt"),
            study_or_trial=study,
        )
    assert get_all_artifact_meta(study) == []


def test_foreign_or_malformed_records_are_skipped_with_a_warning(
    dirs: tuple[Path, Path], parzen_logs: pytest.LogCaptureFixture
) -> None:
    root, work = dirs
    store = FileSystemArtifactStore(root)
    study = parzen.create_study()
    good = upload_artifact(
        artifact_store=store, file_path=_file(work, "g.txt", b"g"), study_or_trial=study
    )
    storage, study_id = study._storage, study._study_id
    storage.set_study_system_attr(study_id, "artifacts:broken", "{not json")
    storage.set_study_system_attr(
        study_id,
        "artifacts:other-id",
        json.dumps(
            {"artifact_id": "../../etc/passwd", "filename": "x", "mimetype": "x", "encoding": None}
        ),
    )
    storage.set_study_system_attr(
        study_id,
        "artifacts:../up",
        json.dumps({"artifact_id": "../up", "filename": "x", "mimetype": "x", "encoding": None}),
    )
    metas = get_all_artifact_meta(study)
    assert metas == [ArtifactMeta(good, "g.txt", "text/plain", None)]
    assert sum("Ignored the system attribute" in r.message for r in parzen_logs.records) == 3


def test_artifacts_are_reachable_as_a_lazy_attribute() -> None:
    import subprocess
    import sys

    code = (
        "import sys, parzen; assert 'parzen.artifacts' not in sys.modules; "
        "m = parzen.artifacts; assert m.upload_artifact; "
        "assert 'boto3' not in sys.modules and 'google.cloud.storage' not in sys.modules"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_download_writes_nothing_when_the_store_fails_half_way(
    dirs: tuple[Path, Path],
) -> None:
    _, work = dirs

    class HalfReader:
        def __init__(self) -> None:
            self.calls = 0

        def read(self, size: int = -1) -> bytes:
            self.calls += 1
            if self.calls > 1:
                raise ConnectionError("connection reset")
            return b"first chunk"

        def close(self) -> None:
            pass

    class Store:
        def open_reader(self, artifact_id: str) -> HalfReader:
            return HalfReader()

        def write(self, artifact_id: str, content_body: object) -> None:
            raise NotImplementedError

        def remove(self, artifact_id: str) -> None:
            raise NotImplementedError

    target = work / "partial.bin"
    with pytest.raises(ConnectionError):
        download_artifact(artifact_store=Store(), file_path=str(target), artifact_id="a1")
    assert not target.exists()


def test_download_copies_bytes_and_runs_nothing(dirs: tuple[Path, Path]) -> None:
    # A pickle payload whose unpickling would create a file: downloading must only copy it.
    import pickle

    root, work = dirs
    marker = work / "pwned"

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.mkdir, (str(marker),))

    data = pickle.dumps(Payload())
    store = FileSystemArtifactStore(root)
    study = parzen.create_study()
    artifact_id = upload_artifact(
        artifact_store=store, file_path=_file(work, "model.pkl", data), study_or_trial=study
    )
    out = work / "downloaded.pkl"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        download_artifact(artifact_store=store, file_path=str(out), artifact_id=artifact_id)
    assert out.read_bytes() == data
    assert not marker.exists()
    with pytest.raises(ArtifactNotFound):
        download_artifact(artifact_store=store, file_path=str(work / "x"), artifact_id="zz")
