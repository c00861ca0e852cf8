"""Boto3ArtifactStore: artifacts as objects in an S3 (or S3-compatible) bucket."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from parzen.artifacts._optional import import_for_store
from parzen.artifacts._protocol import validate_artifact_id
from parzen.artifacts.exceptions import ArtifactNotFound

if TYPE_CHECKING:
    from typing import BinaryIO

# What S3 and S3-compatible servers answer for a missing object or bucket.
_NOT_FOUND_CODES = {"NoSuchKey", "NoSuchBucket", "404", "NotFound"}


class Boto3ArtifactStore:
    """Keep artifacts as objects in an S3 bucket, or on any S3-compatible server (MinIO, Ceph).

    Each artifact is the object whose key is its id. Needs ``boto3``
    (``pip install "parzen[s3]"``).

    Args:
        bucket_name: the bucket; it must exist.
        client: a boto3 S3 client, e.g. ``boto3.client("s3", endpoint_url=...)`` for an
            S3-compatible server; by default ``boto3.client("s3")``, configured by the usual
            AWS environment variables and files.
        avoid_buf_copy: accepted for compatibility with Optuna, where it skips copying the
            body into a buffer before the upload. parzen never copies the body, and leaves
            the caller's file object open either way.

    Examples:
        >>> from parzen.artifacts import Boto3ArtifactStore
        >>> class NoNetworkClient:  # stands in for boto3.client("s3") in this offline example
        ...     pass
        >>> store = Boto3ArtifactStore("my-bucket", client=NoNetworkClient())
        >>> store.bucket
        'my-bucket'

        With a real client, e.g. for an S3-compatible server on this machine:
        ``Boto3ArtifactStore("my-bucket", client=boto3.client("s3",
        endpoint_url="http://127.0.0.1:9000"))``.
    """

    def __init__(
        self, bucket_name: str, client: Any | None = None, *, avoid_buf_copy: bool = False
    ) -> None:
        if client is None:
            boto3 = import_for_store("boto3", "Boto3ArtifactStore", "s3")
            client = boto3.client("s3")
        self.bucket = bucket_name  # the name, as Optuna's attribute holds it
        self.client = client
        self._avoid_buf_copy = avoid_buf_copy

    def open_reader(self, artifact_id: str) -> BinaryIO:
        validate_artifact_id(artifact_id)
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=artifact_id)
        except Exception as e:
            if _is_not_found(e):
                raise ArtifactNotFound(
                    f"No artifact {artifact_id!r} in the S3 bucket {self.bucket!r} "
                    f"({_error_code(e)})."
                ) from e
            raise
        body: BinaryIO = response["Body"]
        return body

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        validate_artifact_id(artifact_id)
        # upload_fileobj closes the file object it is given; hand it a view whose close()
        # leaves the caller's file open, instead of copying the whole body into memory.
        self.client.upload_fileobj(_KeepOpen(content_body), self.bucket, artifact_id)

    def remove(self, artifact_id: str) -> None:
        validate_artifact_id(artifact_id)
        # S3 answers a deletion of a missing key with success, as Optuna's store does.
        self.client.delete_object(Bucket=self.bucket, Key=artifact_id)


def _error_code(error: BaseException) -> str | None:
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return None
    code = response.get("Error", {}).get("Code")
    return None if code is None else str(code)


def _is_not_found(error: BaseException) -> bool:
    return _error_code(error) in _NOT_FOUND_CODES


class _KeepOpen:
    """A file object's reading side, whose ``close()`` does not close the file."""

    def __init__(self, body: BinaryIO) -> None:
        self._body = body
        self.closed = False

    def read(self, size: int = -1) -> bytes:
        return self._body.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._body.seek(offset, whence)

    def tell(self) -> int:
        return self._body.tell()

    def seekable(self) -> bool:
        return bool(self._body.seekable())

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.closed = True
