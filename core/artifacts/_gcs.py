"""GCSArtifactStore: artifacts as objects in a Google Cloud Storage bucket."""

from __future__ import annotations

import tempfile
import warnings
from typing import TYPE_CHECKING, Any

from parzen.artifacts._optional import import_for_store
from parzen.artifacts._protocol import validate_artifact_id
from parzen.artifacts.exceptions import ArtifactNotFound
from parzen.exceptions import ExperimentalWarning

if TYPE_CHECKING:
    from typing import BinaryIO

# A downloaded artifact stays in memory up to this size, then spills to a temporary file.
_SPOOL_BYTES = 16 * 1024 * 1024


class GCSArtifactStore:
    """Keep artifacts as objects in a Google Cloud Storage bucket.

    Each artifact is the object whose name is its id. Needs ``google-cloud-storage``
    (``pip install "parzen[gcs]"``). Like Optuna's, this store is experimental and says so
    with an :class:`~parzen.exceptions.ExperimentalWarning`.

    Args:
        bucket_name: the bucket; it must exist.
        client: a ``google.cloud.storage.Client``; by default ``Client()``, configured by the
            usual Google Cloud credentials.

    Examples:
        >>> import warnings
        >>> from parzen.artifacts import GCSArtifactStore
        >>> class NoNetworkClient:  # stands in for google.cloud.storage.Client() offline
        ...     def bucket(self, name):
        ...         return name
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     store = GCSArtifactStore("my-bucket", client=NoNetworkClient())
        >>> store.bucket_name
        'my-bucket'

        With a real client: ``GCSArtifactStore("my-bucket",
        client=google.cloud.storage.Client(project="my-project"))``.
    """

    def __init__(self, bucket_name: str, client: Any | None = None) -> None:
        warnings.warn(
            "GCSArtifactStore is experimental: its interface may change in a later release.",
            ExperimentalWarning,
            stacklevel=2,
        )
        if client is None:
            storage = import_for_store("google.cloud.storage", "GCSArtifactStore", "gcs")
            client = storage.Client()
        self.bucket_name = bucket_name
        self.client = client
        self.bucket_obj = client.bucket(bucket_name)

    def open_reader(self, artifact_id: str) -> BinaryIO:
        validate_artifact_id(artifact_id)
        blob = self.bucket_obj.blob(artifact_id)
        # Large artifacts spill to disk instead of filling memory.
        body = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 (returned)
        try:
            blob.download_to_file(body)
        except Exception as e:
            body.close()
            if _is_not_found(e):
                raise ArtifactNotFound(
                    f"No artifact {artifact_id!r} in the GCS bucket {self.bucket_name!r}."
                ) from e
            raise
        body.seek(0)
        return body  # type: ignore[return-value]

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        validate_artifact_id(artifact_id)
        self.bucket_obj.blob(artifact_id).upload_from_file(content_body)

    def remove(self, artifact_id: str) -> None:
        validate_artifact_id(artifact_id)
        try:
            self.bucket_obj.blob(artifact_id).delete()
        except Exception as e:
            if _is_not_found(e):
                raise ArtifactNotFound(
                    f"No artifact {artifact_id!r} in the GCS bucket {self.bucket_name!r}."
                ) from e
            raise


def _is_not_found(error: BaseException) -> bool:
    # google.api_core.exceptions.NotFound carries HTTP status 404 in its ``code``.
    return getattr(error, "code", None) == 404
