"""FileSystemArtifactStore: artifacts as files in one directory."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from parzen.artifacts._protocol import validate_artifact_id
from parzen.artifacts.exceptions import ArtifactNotFound

if TYPE_CHECKING:
    from typing import BinaryIO

# Refuse a symbolic link where an artifact should be, so that the store never reads or
# deletes a file outside its directory (where the platform can tell).
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class FileSystemArtifactStore:
    """Keep artifacts as files in a directory (local disk or a shared network file system).

    Each artifact is the file ``base_path / artifact_id``; ids are names, never paths, so no
    id reaches outside ``base_path``. A write goes to a temporary file in the same directory
    that is renamed into place when complete, so readers and concurrent writers, threads or
    processes, never see half an artifact.

    Args:
        base_path: the directory; it must exist when the first artifact is written.

    Examples:
        >>> import io, tempfile
        >>> from parzen.artifacts import FileSystemArtifactStore
        >>> with tempfile.TemporaryDirectory() as root:
        ...     store = FileSystemArtifactStore(root)
        ...     store.write("a1", io.BytesIO(b"bytes"))
        ...     with store.open_reader("a1") as f:
        ...         f.read()
        ...     store.remove("a1")
        b'bytes'
    """

    def __init__(self, base_path: str | Path) -> None:
        self._base_path = Path(base_path)

    def _path(self, artifact_id: str) -> Path:
        return self._base_path / validate_artifact_id(artifact_id)

    def open_reader(self, artifact_id: str) -> BinaryIO:
        path = self._path(artifact_id)
        try:
            fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
        except FileNotFoundError:
            raise ArtifactNotFound(
                f"No artifact {artifact_id!r} in {str(self._base_path)!r} (no file {str(path)!r})."
            ) from None
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise ArtifactNotFound(
                    f"Artifact {artifact_id!r} in {str(self._base_path)!r} is a symbolic link; "
                    "the store follows none."
                ) from None
            raise
        return os.fdopen(fd, "rb")

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        path = self._path(artifact_id)
        if not self._base_path.is_dir():
            raise FileNotFoundError(
                f"The artifact directory {str(self._base_path)!r} does not exist; create it "
                "(os.makedirs(base_path, exist_ok=True)) before uploading."
            )
        # The temporary name starts with "." and so is never a valid artifact id. Mode 0o666
        # (less the umask), unlike mkstemp's 0o600, lets other users of a shared directory read.
        tmp = self._base_path / f".{artifact_id}.{uuid.uuid4().hex}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o666)
        try:
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(content_body, out)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.remove(tmp)
            raise

    def remove(self, artifact_id: str) -> None:
        path = self._path(artifact_id)
        try:
            os.remove(path)
        except FileNotFoundError:
            raise ArtifactNotFound(
                f"No artifact {artifact_id!r} in {str(self._base_path)!r} (no file {str(path)!r})."
            ) from None
