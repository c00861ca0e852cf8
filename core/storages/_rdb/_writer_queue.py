"""A queue in which the writers of one SQLite file, in every process, take their turns.

SQLite lets one writer in at a time and tells the others "busy" at once: all they can do is
sleep and try again. Two processes that both write often then spend much of their time
asleep while the lock is free, or waking to find it taken again. :class:`WriterQueue` puts
them in the kernel's queue instead: an exclusive ``flock`` on a file beside the database,
``<database>-parzen-lock``, taken around every write transaction and released as soon as it
commits. The kernel wakes the next writer the moment the lock is free, and releases the lock
of a process that dies, SIGKILL included.

The queue only orders writers; correctness stays SQLite's, whose own locking is unchanged.
Where ``flock`` is missing (Windows) or the lock file cannot be created (a read-only
directory), writers fall back to SQLite's busy errors and the storage's retries.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from types import TracebackType

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

_logger = logging.getLogger(__name__)

LOCK_FILE_SUFFIX = "-parzen-lock"


class WriterQueue:
    """An exclusive lock on ``<database>-parzen-lock``, for threads and processes alike.

    Examples:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "study.db")
        >>> queue = WriterQueue(path)
        >>> with queue:
        ...     pass  # one write transaction
        >>> os.path.exists(path + LOCK_FILE_SUFFIX)
        True
    """

    def __init__(self, database: str) -> None:
        self.path = os.path.abspath(database) + LOCK_FILE_SUFFIX
        self._init_state()

    def _init_state(self) -> None:
        # flock locks belong to an open file: threads of one process share it, so they
        # queue on a thread lock first, and a forked child opens the file anew.
        self._threads = threading.Lock()
        self._file: int | None = None
        self._pid = -1
        self._usable = fcntl is not None

    def after_fork(self) -> None:
        """In a forked child: drop the parent's open file and thread lock."""
        self._close_file()
        self._init_state()

    def __enter__(self) -> None:
        self._threads.acquire()
        try:
            fd = self._open()
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._file is not None and self._usable:
                fcntl.flock(self._file, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _open(self) -> int | None:
        if not self._usable:
            return None
        if self._file is None or self._pid != os.getpid():
            try:
                self._file = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
            except OSError as e:
                _logger.debug("No writer queue for %s (%s); relying on retries.", self.path, e)
                self._usable = False
                return None
            self._pid = os.getpid()
        return self._file

    def close(self) -> None:
        with self._threads:
            self._close_file()

    def _close_file(self) -> None:
        # A descriptor is this process's own, inherited or not: closing it never touches
        # another process's lock (an flock lasts while any descriptor of the file is open).
        if self._file is not None:
            with contextlib.suppress(OSError):
                os.close(self._file)
        self._file = None

    def __del__(self) -> None:
        if hasattr(self, "_file"):
            self._close_file()
