"""What an artifact store is, and what an artifact id may look like."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from typing import BinaryIO

# An id names one object in a flat namespace: no separators, no leading dot, so that no id
# can mean "..", a hidden temporary file, an absolute path or a sub-directory on any store.
_ARTIFACT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}")


class ArtifactStore(Protocol):
    """The three operations every artifact store offers.

    :func:`~parzen.artifacts.upload_artifact` and :func:`~parzen.artifacts.download_artifact`
    call them; user code rarely needs to. Any object with these methods is a store: wrap it in
    :class:`~parzen.artifacts.Backoff` to retry its failures.

    Examples:
        >>> import io
        >>> from parzen.artifacts import Backoff
        >>> class DictStore:
        ...     def __init__(self):
        ...         self.blobs = {}
        ...     def open_reader(self, artifact_id):
        ...         return io.BytesIO(self.blobs[artifact_id])
        ...     def write(self, artifact_id, content_body):
        ...         self.blobs[artifact_id] = content_body.read()
        ...     def remove(self, artifact_id):
        ...         del self.blobs[artifact_id]
        >>> store = Backoff(DictStore())
        >>> store.write("a1", io.BytesIO(b"weights"))
        >>> store.open_reader("a1").read()
        b'weights'
    """

    def open_reader(self, artifact_id: str) -> BinaryIO:
        """Return a binary file object with the artifact's bytes; the caller closes it.

        Raises:
            ArtifactNotFound: the store holds no artifact with this id.
        """
        ...

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        """Store the bytes read from ``content_body`` (from its position to its end)."""
        ...

    def remove(self, artifact_id: str) -> None:
        """Delete the artifact."""
        ...


def validate_artifact_id(artifact_id: object) -> str:
    """Return ``artifact_id`` if it is a valid artifact id; raise otherwise.

    An artifact id is a name, never a path: 1 to 255 ASCII letters, digits, ``.``, ``_`` or
    ``-``, starting with a letter or a digit. Every id :func:`~parzen.artifacts.upload_artifact`
    makes (a UUID) is one. Stores check ids before touching anything, so an id read from a
    storage that someone else can write cannot reach files outside the store's root.

    Raises:
        TypeError: ``artifact_id`` is not a string.
        ValueError: it is a string but not a valid id (for example ``"../etc/passwd"``).

    Examples:
        >>> from parzen.artifacts._protocol import validate_artifact_id
        >>> validate_artifact_id("0b1c8e52-6cfb-4e57-9b3a-3d1fbbd1b1a7")
        '0b1c8e52-6cfb-4e57-9b3a-3d1fbbd1b1a7'
        >>> validate_artifact_id("../secrets")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: Invalid artifact_id: '../secrets'. ...
    """
    if not isinstance(artifact_id, str):
        raise TypeError(
            f"artifact_id must be a str (the id upload_artifact returned), got "
            f"{type(artifact_id).__name__}: {artifact_id!r}."
        )
    if _ARTIFACT_ID.fullmatch(artifact_id) is None:
        raise ValueError(
            f"Invalid artifact_id: {artifact_id!r}. An artifact id is a name, not a path: 1 to "
            "255 ASCII letters, digits, '.', '_' or '-', starting with a letter or a digit. "
            "Pass the id that upload_artifact returned or that get_all_artifact_meta lists."
        )
    return artifact_id
