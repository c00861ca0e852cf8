"""FileSystemArtifactStore: ids are names, never paths; writes are whole or absent."""

from __future__ import annotations

import io
import os
from pathlib import Path
from types import ModuleType

import pytest

import parzen
from parzen.artifacts import FileSystemArtifactStore, download_artifact, get_all_artifact_meta
from parzen.artifacts.exceptions import ArtifactNotFound

# Rejected by Optuna's store too.
TRAVERSALS = ["../x", "..", "/etc/passwd", "a/../../x", "a\x00b"]
# Rejected by parzen only: Optuna's store creates, opens or fails on them in other ways.
NOT_NAMES = ["", ".", ".hidden", "a/b", "sub/../x", "a\\b", "x" * 256, "é", "a b", " "]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    # The store's root is a sub-directory, so that escaping it would land in tmp_path.
    path = tmp_path / "store"
    path.mkdir()
    return path


def _everything(tmp_path: Path) -> set[str]:
    return {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")}


@pytest.mark.parametrize("artifact_id", TRAVERSALS)
def test_traversal_ids_are_rejected(
    lib: ModuleType, root: Path, tmp_path: Path, artifact_id: str
) -> None:
    store = lib.artifacts.FileSystemArtifactStore(str(root))
    (tmp_path / "x").write_bytes(b"outside")
    before = _everything(tmp_path)
    with pytest.raises(ValueError):
        store.write(artifact_id, io.BytesIO(b"evil"))
    with pytest.raises(ValueError):
        store.open_reader(artifact_id)
    with pytest.raises(ValueError):
        store.remove(artifact_id)
    assert _everything(tmp_path) == before
    assert (tmp_path / "x").read_bytes() == b"outside"


@pytest.mark.parametrize("artifact_id", NOT_NAMES)
def test_every_id_that_is_not_a_plain_name_is_rejected(
    root: Path, tmp_path: Path, artifact_id: str
) -> None:
    store = FileSystemArtifactStore(root)
    (root / "sub").mkdir()
    before = _everything(tmp_path)
    for call in (
        lambda: store.write(artifact_id, io.BytesIO(b"evil")),
        lambda: store.open_reader(artifact_id),
        lambda: store.remove(artifact_id),
        lambda: download_artifact(
            artifact_store=store, file_path=str(tmp_path / "out"), artifact_id=artifact_id
        ),
    ):
        with pytest.raises(ValueError, match="not a path"):
            call()
    assert _everything(tmp_path) == before


def test_a_non_string_id_is_a_type_error(root: Path) -> None:
    with pytest.raises(TypeError, match="artifact_id must be a str"):
        FileSystemArtifactStore(root).open_reader(Path("a"))  # type: ignore[arg-type]


def test_a_symbolic_link_in_the_store_is_not_followed(root: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    os.symlink(secret, root / "link")
    store = FileSystemArtifactStore(root)
    with pytest.raises(ArtifactNotFound, match="symbolic link"):
        store.open_reader("link")
    # Overwriting the id replaces the link itself, never the file it points to.
    store.write("link", io.BytesIO(b"new"))
    assert secret.read_text() == "secret"
    with store.open_reader("link") as f:
        assert f.read() == b"new"


def test_a_tampered_record_cannot_lead_a_download_outside_the_root(
    root: Path, tmp_path: Path
) -> None:
    # Whoever can write the storage can write any record; the store still refuses the path.
    study = parzen.create_study()
    study._storage.set_study_system_attr(
        study._study_id,
        "artifacts:../secret.txt",
        '{"artifact_id": "../secret.txt", "filename": "s", "mimetype": "t", "encoding": null}',
    )
    (tmp_path / "secret.txt").write_text("secret")
    assert get_all_artifact_meta(study) == []
    with pytest.raises(ValueError):
        download_artifact(
            artifact_store=FileSystemArtifactStore(root),
            file_path=str(tmp_path / "stolen"),
            artifact_id="../secret.txt",
        )
    assert not (tmp_path / "stolen").exists()


def test_a_failed_write_leaves_nothing(root: Path) -> None:
    class Broken(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            raise ConnectionError("upload interrupted")

    store = FileSystemArtifactStore(root)
    with pytest.raises(ConnectionError):
        store.write("a1", Broken())  # type: ignore[arg-type]
    assert list(root.iterdir()) == []


def test_overwrite_replaces_whole_and_remove_then_read(root: Path) -> None:
    store = FileSystemArtifactStore(root)
    store.write("a1", io.BytesIO(b"first version, longer"))
    store.write("a1", io.BytesIO(b"second"))
    with store.open_reader("a1") as f:
        assert f.read() == b"second"
    store.remove("a1")
    with pytest.raises(ArtifactNotFound):
        store.open_reader("a1")
    with pytest.raises(ArtifactNotFound):
        store.remove("a1")


def test_writing_into_a_missing_directory_says_to_create_it(tmp_path: Path) -> None:
    store = FileSystemArtifactStore(tmp_path / "absent")
    with pytest.raises(FileNotFoundError, match="does not exist; create it"):
        store.write("a1", io.BytesIO(b"x"))
    assert not (tmp_path / "absent").exists()


def test_files_are_readable_by_the_umask_not_private(root: Path) -> None:
    old = os.umask(0o022)
    try:
        FileSystemArtifactStore(root).write("a1", io.BytesIO(b"x"))
    finally:
        os.umask(old)
    assert (root / "a1").stat().st_mode & 0o777 == 0o644
