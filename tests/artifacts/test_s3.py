"""Boto3ArtifactStore against a real S3 server (moto's, started on 127.0.0.1), not a mock."""

from __future__ import annotations

import io
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import parzen
from parzen.artifacts import (
    Backoff,
    Boto3ArtifactStore,
    download_artifact,
    get_all_artifact_meta,
    upload_artifact,
)
from parzen.artifacts.exceptions import ArtifactNotFound


def _keys(client: Any, bucket: str) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_round_trip(lib: ModuleType, s3_client: Any, s3_bucket: str, tmp_path: Path) -> None:
    store = lib.artifacts.Boto3ArtifactStore(s3_bucket, client=s3_client)
    study = lib.create_study()
    trial = study.ask()
    source = tmp_path / "model.onnx"
    data = bytes(range(256)) * 64
    source.write_bytes(data)
    artifact_id = lib.artifacts.upload_artifact(
        artifact_store=store, file_path=str(source), study_or_trial=trial
    )
    assert _keys(s3_client, s3_bucket) == [artifact_id]
    (meta,) = lib.artifacts.get_all_artifact_meta(trial)
    out = tmp_path / "copy.onnx"
    lib.artifacts.download_artifact(
        artifact_store=store, file_path=str(out), artifact_id=meta.artifact_id
    )
    assert out.read_bytes() == data


def test_missing_object_or_bucket(lib: ModuleType, s3_client: Any, s3_bucket: str) -> None:
    not_found = lib.artifacts.exceptions.ArtifactNotFound
    with pytest.raises(not_found):
        lib.artifacts.Boto3ArtifactStore(s3_bucket, client=s3_client).open_reader("absent")
    with pytest.raises(not_found):
        lib.artifacts.Boto3ArtifactStore("no-such-bucket", client=s3_client).open_reader("a")


def test_remove(lib: ModuleType, s3_client: Any, s3_bucket: str) -> None:
    store = lib.artifacts.Boto3ArtifactStore(s3_bucket, client=s3_client)
    store.write("a1", io.BytesIO(b"x"))
    store.remove("a1")
    assert _keys(s3_client, s3_bucket) == []
    store.remove("a1")  # S3 deletes a missing key without complaint


@pytest.mark.parametrize("artifact_id", ["../x", "a/b", "/abs", "..", ".hidden", ""])
def test_path_like_ids_never_reach_the_server(
    s3_client: Any, s3_bucket: str, artifact_id: str
) -> None:
    # Optuna's store accepts these as keys; parzen treats an id as a name on every store.
    store = Boto3ArtifactStore(s3_bucket, client=s3_client)
    for call in (
        lambda: store.write(artifact_id, io.BytesIO(b"evil")),
        lambda: store.open_reader(artifact_id),
        lambda: store.remove(artifact_id),
    ):
        with pytest.raises(ValueError, match="not a path"):
            call()
    assert _keys(s3_client, s3_bucket) == []


def test_multipart_upload_keeps_the_callers_file_open(
    s3_client: Any, s3_bucket: str, tmp_path: Path
) -> None:
    # Above boto3's 8 MiB threshold the upload is multipart: parts are read concurrently.
    data = bytes(range(251)) * (9 * 1024 * 1024 // 251 + 1)
    store = Boto3ArtifactStore(s3_bucket, client=s3_client)
    body = io.BytesIO(data)
    store.write("big", body)
    assert not body.closed
    with store.open_reader("big") as reader:
        assert reader.read() == data


def test_default_client_is_configured_by_the_environment(
    s3_endpoint: str, s3_client: Any, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "parzen-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "parzen-test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    store = Boto3ArtifactStore(s3_bucket)
    store.write("a1", io.BytesIO(b"via environment"))
    assert s3_client.get_object(Bucket=s3_bucket, Key="a1")["Body"].read() == b"via environment"


def test_concurrent_uploads_from_threads(s3_client: Any, s3_bucket: str, tmp_path: Path) -> None:
    store = Boto3ArtifactStore(s3_bucket, client=s3_client)
    study = parzen.create_study()
    trial = study.ask()
    sources = []
    for i in range(8):
        path = tmp_path / f"f{i}.txt"
        path.write_text(f"file {i} " * (100 + i))
        sources.append(path)
    errors: list[BaseException] = []

    def upload(path: Path) -> None:
        try:
            upload_artifact(artifact_store=store, file_path=str(path), study_or_trial=trial)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=upload, args=(p,)) for p in sources]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    metas = get_all_artifact_meta(trial)
    assert sorted(m.filename for m in metas) == sorted(p.name for p in sources)
    assert sorted(_keys(s3_client, s3_bucket)) == sorted(m.artifact_id for m in metas)
    for meta in metas:
        out = tmp_path / f"out-{meta.filename}"
        download_artifact(artifact_store=store, file_path=str(out), artifact_id=meta.artifact_id)
        assert out.read_text() == (tmp_path / meta.filename).read_text()


def test_backoff_over_s3_does_not_retry_a_missing_artifact(
    s3_client: Any, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    sleeps: list[float] = []
    monkeypatch.setattr(time, "sleep", sleeps.append)
    with pytest.raises(ArtifactNotFound):
        Backoff(Boto3ArtifactStore(s3_bucket, client=s3_client)).open_reader("absent")
    assert sleeps == []


def test_without_boto3_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # makes `import boto3` fail
    with pytest.raises(ImportError, match=r'pip install "parzen\[s3\]"'):
        Boto3ArtifactStore("bucket")


def test_public_attributes(lib: ModuleType, s3_client: Any, s3_bucket: str) -> None:
    store = lib.artifacts.Boto3ArtifactStore(s3_bucket, client=s3_client)
    assert (store.bucket, store.client) == (s3_bucket, s3_client)
