"""GCSArtifactStore through the google-cloud-storage client against a local GCS emulator.

The emulator (the ``gcp-storage-emulator`` package) serves Google Cloud Storage's JSON API on
127.0.0.1: the real client library speaks HTTP to it. What it cannot show: Google's
authentication, IAM permissions, and the service's own retry and consistency behaviour.
"""

from __future__ import annotations

import io
import sys
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import parzen
from parzen.artifacts import GCSArtifactStore, get_all_artifact_meta, upload_artifact
from parzen.artifacts.exceptions import ArtifactNotFound

pytestmark = pytest.mark.usefixtures("quiet_experimental")


def _names(client: Any, bucket: str) -> list[str]:
    return [blob.name for blob in client.list_blobs(bucket)]


def _store(lib: ModuleType, bucket: str, client: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lib.artifacts.GCSArtifactStore(bucket, client=client)


def test_round_trip(lib: ModuleType, gcs_client: Any, gcs_bucket: str, tmp_path: Path) -> None:
    store = _store(lib, gcs_bucket, gcs_client)
    study = lib.create_study()
    source = tmp_path / "curve.png"
    data = b"\x89PNG" + bytes(range(256)) * 64
    source.write_bytes(data)
    artifact_id = lib.artifacts.upload_artifact(
        artifact_store=store, file_path=str(source), study_or_trial=study
    )
    assert _names(gcs_client, gcs_bucket) == [artifact_id]
    (meta,) = lib.artifacts.get_all_artifact_meta(study)
    assert meta.mimetype == "image/png"
    out = tmp_path / "copy.png"
    lib.artifacts.download_artifact(
        artifact_store=store, file_path=str(out), artifact_id=artifact_id
    )
    assert out.read_bytes() == data


def test_missing_object(lib: ModuleType, gcs_client: Any, gcs_bucket: str) -> None:
    store = _store(lib, gcs_bucket, gcs_client)
    with pytest.raises(lib.artifacts.exceptions.ArtifactNotFound):
        store.open_reader("absent")


def test_removing_a_missing_object_is_artifact_not_found(gcs_client: Any, gcs_bucket: str) -> None:
    # Optuna lets google's NotFound through here; parzen says ArtifactNotFound on every store
    # operation, which Backoff then does not retry.
    store = GCSArtifactStore(gcs_bucket, client=gcs_client)
    store.write("a1", io.BytesIO(b"x"))
    store.remove("a1")
    assert _names(gcs_client, gcs_bucket) == []
    with pytest.raises(ArtifactNotFound):
        store.remove("a1")


def test_it_warns_that_it_is_experimental(lib: ModuleType, gcs_client: Any) -> None:
    with pytest.warns(Warning) as record:
        lib.artifacts.GCSArtifactStore("some-bucket", client=gcs_client)
    assert "ExperimentalWarning" in [type(w.message).__name__ for w in record]


@pytest.mark.parametrize("artifact_id", ["../x", "a/b", "..", ".hidden"])
def test_path_like_ids_never_reach_the_server(
    gcs_client: Any, gcs_bucket: str, artifact_id: str
) -> None:
    store = GCSArtifactStore(gcs_bucket, client=gcs_client)
    for call in (
        lambda: store.write(artifact_id, io.BytesIO(b"evil")),
        lambda: store.open_reader(artifact_id),
        lambda: store.remove(artifact_id),
    ):
        with pytest.raises(ValueError, match="not a path"):
            call()
    assert _names(gcs_client, gcs_bucket) == []


def test_uploads_to_trials(gcs_client: Any, gcs_bucket: str, tmp_path: Path) -> None:
    store = GCSArtifactStore(gcs_bucket, client=gcs_client)
    study = parzen.create_study()

    def objective(trial: parzen.Trial) -> float:
        x = trial.suggest_float("x", -1, 1)
        path = tmp_path / f"trial-{trial.number}.txt"
        path.write_text(repr(x))
        upload_artifact(artifact_store=store, file_path=str(path), study_or_trial=trial)
        return x * x

    study.optimize(objective, n_trials=3)
    for trial in study.trials:
        (meta,) = get_all_artifact_meta(trial, storage=study._storage)
        with store.open_reader(meta.artifact_id) as reader:
            assert reader.read().decode() == repr(trial.params["x"])


def test_without_the_client_library_the_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "google.cloud.storage", None)
    with pytest.raises(ImportError, match=r'pip install "parzen\[gcs\]"'):
        GCSArtifactStore("bucket")


def test_public_attributes(lib: ModuleType, gcs_client: Any, gcs_bucket: str) -> None:
    store = _store(lib, gcs_bucket, gcs_client)
    assert (store.bucket_name, store.client) == (gcs_bucket, gcs_client)
    assert store.bucket_obj.name == gcs_bucket


def test_large_artifact_round_trip(gcs_client: Any, gcs_bucket: str) -> None:
    # A body of unknown size goes up as a resumable upload, in chunks; 17 MiB downloaded
    # spills from memory to a temporary file.
    data = bytes(range(251)) * (17 * 1024 * 1024 // 251 + 1)
    store = GCSArtifactStore(gcs_bucket, client=gcs_client)
    store.write("big", io.BytesIO(data))
    with store.open_reader("big") as reader:
        assert reader.read() == data
