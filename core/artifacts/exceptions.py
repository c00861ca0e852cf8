"""The errors of :mod:`parzen.artifacts`.

Examples:
    >>> from parzen.artifacts.exceptions import ArtifactNotFound
    >>> from parzen.exceptions import ParzenError
    >>> issubclass(ArtifactNotFound, ParzenError)
    True
"""

from __future__ import annotations

from parzen.exceptions import ParzenError


class ArtifactNotFound(ParzenError):
    """An artifact store holds no artifact with the requested id.

    :class:`~parzen.artifacts.Backoff` never retries this error: a missing artifact does
    not appear by asking again.

    Examples:
        >>> import tempfile
        >>> from parzen.artifacts import FileSystemArtifactStore
        >>> from parzen.artifacts.exceptions import ArtifactNotFound
        >>> with tempfile.TemporaryDirectory() as root:
        ...     try:
        ...         FileSystemArtifactStore(root).open_reader("no-such-artifact")
        ...     except ArtifactNotFound:
        ...         print("not found")
        not found
    """


__all__ = ["ArtifactNotFound"]
