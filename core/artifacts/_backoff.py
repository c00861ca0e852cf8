"""Backoff: retry an artifact store's failures with exponentially growing pauses."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from parzen import logging as parzen_logging
from parzen.artifacts._protocol import validate_artifact_id
from parzen.artifacts.exceptions import ArtifactNotFound

if TYPE_CHECKING:
    from typing import BinaryIO

    from parzen.artifacts._protocol import ArtifactStore

_logger = parzen_logging.get_logger(__name__)
_T = TypeVar("_T")
# Bodies that cannot seek back are buffered for retries: in memory up to this size, then on disk.
_SPOOL_BYTES = 16 * 1024 * 1024


class Backoff:
    """Wrap an artifact store so that each failing operation is tried again, after a pause.

    Attempt ``n`` (from 0) that fails waits ``min(min_delay * multiplier**n, max_delay)``
    seconds before the next; after ``max_retries`` attempts in all, the last error is raised.
    With the defaults the pauses are 0.1, 0.2, 0.4, ... 25.6 seconds. :class:`ArtifactNotFound`,
    an invalid artifact id and ``KeyboardInterrupt`` are raised at once: asking again would not
    help. A retried ``write`` sends the body again from where it started.

    Args:
        backend: the store to wrap.
        max_retries: how many attempts in all (at least 1).
        multiplier: how much longer each pause is than the one before (> 0).
        min_delay: the first pause, in seconds (> 0).
        max_delay: the longest pause, in seconds (> ``min_delay``).

    Examples:
        >>> import io, tempfile
        >>> from parzen.artifacts import Backoff, FileSystemArtifactStore
        >>> with tempfile.TemporaryDirectory() as root:
        ...     store = Backoff(FileSystemArtifactStore(root), max_retries=3, max_delay=1.0)
        ...     store.write("a1", io.BytesIO(b"bytes"))
        ...     with store.open_reader("a1") as f:
        ...         f.read()
        b'bytes'
    """

    def __init__(
        self,
        backend: ArtifactStore,
        *,
        max_retries: int = 10,
        multiplier: float = 2,
        min_delay: float = 0.1,
        max_delay: float = 30,
    ) -> None:
        if not isinstance(max_retries, int) or max_retries < 1:
            raise ValueError(
                f"max_retries is the number of attempts and must be an int >= 1, got "
                f"{max_retries!r}."
            )
        if not multiplier > 0:
            raise ValueError(f"multiplier must be > 0, got {multiplier!r}.")
        if not min_delay > 0:
            raise ValueError(f"min_delay must be > 0 seconds, got {min_delay!r}.")
        if not max_delay > min_delay:
            raise ValueError(
                f"max_delay must be greater than min_delay ({min_delay!r}), got {max_delay!r}."
            )
        self._backend = backend
        self._max_retries = max_retries
        self._multiplier = multiplier
        self._min_delay = min_delay
        self._max_delay = max_delay

    def _delay(self, n_retry: int) -> float:
        return float(min(self._min_delay * self._multiplier**n_retry, self._max_delay))

    def _retry(
        self, what: str, artifact_id: str, call: Callable[[], _T], before: Callable[[], None]
    ) -> _T:
        validate_artifact_id(artifact_id)
        for attempt in range(self._max_retries):
            before()
            try:
                return call()
            except ArtifactNotFound:
                raise
            except Exception as e:
                if attempt + 1 == self._max_retries:
                    raise
                delay = self._delay(attempt)
                _logger.warning(
                    "Failed to %s artifact %s (attempt %d of %d): %r; retrying in %.3g s.",
                    what,
                    artifact_id,
                    attempt + 1,
                    self._max_retries,
                    e,
                    delay,
                )
                time.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def open_reader(self, artifact_id: str) -> BinaryIO:
        return self._retry(
            "open", artifact_id, lambda: self._backend.open_reader(artifact_id), _nothing
        )

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        body = content_body if _seekable(content_body) else _spool(content_body)
        start = body.tell()

        def rewind() -> None:
            body.seek(start)

        try:
            self._retry(
                "write", artifact_id, lambda: self._backend.write(artifact_id, body), rewind
            )
        finally:
            if body is not content_body:
                body.close()

    def remove(self, artifact_id: str) -> None:
        self._retry("remove", artifact_id, lambda: self._backend.remove(artifact_id), _nothing)


def _nothing() -> None:
    pass


def _seekable(body: BinaryIO) -> bool:
    try:
        return bool(body.seekable())
    except (AttributeError, ValueError, OSError):
        return False


def _spool(body: BinaryIO) -> BinaryIO:
    spooled = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 (caller closes)
    shutil.copyfileobj(body, spooled)
    spooled.seek(0)
    return spooled  # type: ignore[return-value]
