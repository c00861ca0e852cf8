"""Backoff: how many attempts, which pauses, what is retried, and what a retry sends."""

from __future__ import annotations

import io
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import parzen
from parzen.artifacts import (
    Backoff,
    FileSystemArtifactStore,
    download_artifact,
    get_all_artifact_meta,
    upload_artifact,
)
from parzen.artifacts.exceptions import ArtifactNotFound


class FlakyStore:
    """A dict-backed store whose first ``failures`` calls raise ``error`` (after reading a bit)."""

    def __init__(self, failures: int, error: type[BaseException] = ConnectionError) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0
        self.blobs: dict[str, bytes] = {}

    def _maybe_fail(self) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error(f"failure {self.calls}")

    def open_reader(self, artifact_id: str) -> Any:
        self._maybe_fail()
        if artifact_id not in self.blobs:
            raise self.not_found(artifact_id)
        return io.BytesIO(self.blobs[artifact_id])

    def write(self, artifact_id: str, content_body: Any) -> None:
        head = content_body.read(3)  # a failure part-way through the body
        self._maybe_fail()
        self.blobs[artifact_id] = head + content_body.read()

    def remove(self, artifact_id: str) -> None:
        self._maybe_fail()
        del self.blobs[artifact_id]

    not_found: Any = None


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    recorded: list[float] = []
    monkeypatch.setattr(time, "sleep", recorded.append)
    return recorded


@pytest.mark.parametrize("failures", [0, 1, 3])
def test_succeeds_after_fewer_failures_than_attempts(
    lib: ModuleType, sleeps: list[float], failures: int
) -> None:
    backend = FlakyStore(failures)
    store = lib.artifacts.Backoff(backend, max_retries=4, multiplier=3, min_delay=0.5, max_delay=2)
    store.write("a1", io.BytesIO(b"hello world"))
    assert backend.blobs["a1"] == b"hello world"  # every retry resent the body from its start
    assert backend.calls == failures + 1
    assert sleeps == [0.5, 1.5, 2][:failures]


def test_raises_the_last_error_after_max_retries_attempts(
    lib: ModuleType, sleeps: list[float]
) -> None:
    backend = FlakyStore(failures=10)
    store = lib.artifacts.Backoff(backend, max_retries=3)
    with pytest.raises(ConnectionError, match="failure 3"):
        store.remove("a1")
    assert backend.calls == 3
    assert sleeps == [0.1, 0.2]  # no pause after the last attempt


def test_default_pauses(lib: ModuleType, sleeps: list[float]) -> None:
    store = lib.artifacts.Backoff(FlakyStore(failures=100))
    with pytest.raises(ConnectionError):
        store.open_reader("a1")
    assert sleeps == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6])


def test_artifact_not_found_is_not_retried(lib: ModuleType, sleeps: list[float]) -> None:
    backend = FlakyStore(failures=0)
    backend.not_found = lib.artifacts.exceptions.ArtifactNotFound
    store = lib.artifacts.Backoff(backend)
    with pytest.raises(lib.artifacts.exceptions.ArtifactNotFound):
        store.open_reader("missing")
    assert (backend.calls, sleeps) == (1, [])


def test_keyboard_interrupt_is_not_retried(lib: ModuleType, sleeps: list[float]) -> None:
    backend = FlakyStore(failures=1, error=KeyboardInterrupt)
    with pytest.raises(KeyboardInterrupt):
        lib.artifacts.Backoff(backend).open_reader("a1")
    assert (backend.calls, sleeps) == (1, [])


def test_an_invalid_id_is_not_retried(sleeps: list[float]) -> None:
    backend = FlakyStore(failures=0)
    with pytest.raises(ValueError, match="not a path"):
        Backoff(backend).open_reader("../etc/passwd")
    assert (backend.calls, sleeps) == (0, [])


def test_a_body_that_cannot_seek_is_resent_whole(sleeps: list[float]) -> None:
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    backend = FlakyStore(failures=2)
    pipe = Pipe(b"streamed body")
    assert not pipe.seekable()
    Backoff(backend, max_retries=3).write("a1", pipe)  # type: ignore[arg-type]
    assert backend.blobs["a1"] == b"streamed body"


def test_a_body_is_resent_from_where_it_started(sleeps: list[float]) -> None:
    body = io.BytesIO(b"HEADERpayload")
    body.seek(6)
    backend = FlakyStore(failures=1)
    Backoff(backend).write("a1", body)
    assert backend.blobs["a1"] == b"payload"


def test_retries_are_logged(sleeps: list[float], parzen_logs: pytest.LogCaptureFixture) -> None:
    Backoff(FlakyStore(failures=2)).write("a1", io.BytesIO(b"x"))
    messages = [r.getMessage() for r in parzen_logs.records]
    assert len(messages) == 2
    assert "attempt 1 of 10" in messages[0] and "retrying in 0.1 s" in messages[0]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_retries": 0}, "max_retries"),
        ({"max_retries": 1.5}, "max_retries"),
        ({"multiplier": 0}, "multiplier"),
        ({"min_delay": 0}, "min_delay"),
        ({"min_delay": 1, "max_delay": 1}, "max_delay"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Backoff(FlakyStore(0), **kwargs)


def test_upload_and_download_through_a_store_that_fails_twice(
    tmp_path: Path, sleeps: list[float]
) -> None:
    class FlakyFileSystem(FileSystemArtifactStore):
        def __init__(self, root: Path, failures: int) -> None:
            super().__init__(root)
            self.left = failures

        def _fail(self) -> None:
            if self.left:
                self.left -= 1
                raise OSError("network file system hiccup")

        def write(self, artifact_id: str, content_body: Any) -> None:
            if self.left:
                content_body.read(1)  # fail part-way through the body
            self._fail()
            super().write(artifact_id, content_body)

        def open_reader(self, artifact_id: str) -> Any:
            self._fail()
            return super().open_reader(artifact_id)

    root = tmp_path / "store"
    root.mkdir()
    backend = FlakyFileSystem(root, failures=2)
    store = Backoff(backend)
    source = tmp_path / "data.bin"
    source.write_bytes(b"0123456789" * 1000)
    study = parzen.create_study()
    artifact_id = upload_artifact(
        artifact_store=store, file_path=str(source), study_or_trial=study
    )
    assert [m.artifact_id for m in get_all_artifact_meta(study)] == [artifact_id]
    assert (root / artifact_id).read_bytes() == source.read_bytes()
    backend.left = 2
    out = tmp_path / "out.bin"
    download_artifact(artifact_store=store, file_path=str(out), artifact_id=artifact_id)
    assert out.read_bytes() == source.read_bytes()
    assert sleeps == [0.1, 0.2, 0.1, 0.2]
    with pytest.raises(ArtifactNotFound):
        download_artifact(artifact_store=store, file_path=str(out) + "2", artifact_id="absent")
