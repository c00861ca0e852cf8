"""Artifacts: files (models, plots, logs) attached to studies and trials.

The bytes live in an artifact store; the storage records, as JSON in the study's or trial's
system attributes, what each artifact is, so every storage (in-memory, RDB, journal) can hold
the record. Downloading only copies bytes: nothing is unpickled or run.

Stores: :class:`FileSystemArtifactStore` (a local or shared directory),
:class:`Boto3ArtifactStore` (S3 and S3-compatible servers, ``pip install "parzen[s3]"``),
:class:`GCSArtifactStore` (Google Cloud Storage, ``pip install "parzen[gcs]"``), and
:class:`Backoff`, which retries any store's failures.

Examples:
    >>> import os, tempfile
    >>> import parzen
    >>> from parzen.artifacts import (
    ...     FileSystemArtifactStore, download_artifact, get_all_artifact_meta, upload_artifact)
    >>> root = tempfile.mkdtemp()
    >>> store = FileSystemArtifactStore(root)
    >>> def objective(trial):
    ...     x = trial.suggest_float("x", -10, 10)
    ...     path = os.path.join(root, f"trial-{trial.number}.txt")
    ...     with open(path, "w") as f:
    ...         _ = f.write(f"x={x}")
    ...     upload_artifact(artifact_store=store, file_path=path, study_or_trial=trial)
    ...     return x**2
    >>> study = parzen.create_study()
    >>> study.optimize(objective, n_trials=3)
    >>> meta = get_all_artifact_meta(study.best_trial, storage=study._storage)[0]
    >>> meta.mimetype
    'text/plain'
    >>> copy = os.path.join(root, "best.txt")
    >>> download_artifact(artifact_store=store, file_path=copy, artifact_id=meta.artifact_id)
    >>> with open(copy) as f:
    ...     f.read() == f"x={study.best_params['x']}"
    True
    >>> import shutil; shutil.rmtree(root)
"""

from __future__ import annotations

from parzen.artifacts import exceptions
from parzen.artifacts._backoff import Backoff
from parzen.artifacts._boto3 import Boto3ArtifactStore
from parzen.artifacts._download import download_artifact
from parzen.artifacts._filesystem import FileSystemArtifactStore
from parzen.artifacts._gcs import GCSArtifactStore
from parzen.artifacts._list import get_all_artifact_meta
from parzen.artifacts._meta import ArtifactMeta
from parzen.artifacts._protocol import ArtifactStore
from parzen.artifacts._upload import upload_artifact

__all__ = [
    "ArtifactMeta",
    "ArtifactStore",
    "Backoff",
    "Boto3ArtifactStore",
    "FileSystemArtifactStore",
    "GCSArtifactStore",
    "download_artifact",
    "exceptions",
    "get_all_artifact_meta",
    "upload_artifact",
]
