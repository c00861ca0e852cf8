"""JournalFileBackend: the journal log kept in one append-only file, with checksummed lines.

Usable over NFS; writers serialize through the lock classes
in ``_lock`` and repair a torn final record before appending.
"""

from __future__ import annotations

import errno
import json
import os
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from parzen.exceptions import StorageInternalError
from parzen.logging import get_logger
from parzen.storages._optuna_import._detect import check_not_optuna_journal_file
from parzen.storages.journal import _checkpoint
from parzen.storages.journal._base import BaseJournalBackend
from parzen.storages.journal._lock import BaseJournalFileLock, default_lock

_logger = get_logger(__name__)

# One record per line: 8 hex digits of the CRC-32 of the payload, a space, the JSON payload.
_CRC_WIDTH = 8
_PAYLOAD_START = _CRC_WIDTH + 1
_READ_CHUNK = 16 * 1024 * 1024
# Windows opens files in text mode unless told otherwise, which would translate line ends.
_BINARY = getattr(os, "O_BINARY", 0)
# Errors that say this process may read the journal but not lock or write it.
_READ_ONLY_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})


def _encode(logs: list[dict[str, Any]]) -> bytes:
    lines = []
    for record in logs:
        # JSON escapes newlines inside strings, so a payload never contains a line break.
        payload = json.dumps(record, separators=(",", ":")).encode()
        lines.append(b"%08x %s\n" % (zlib.crc32(payload), payload))
    return b"".join(lines)


def _decode(line: bytes) -> dict[str, Any] | None:
    """The record a line holds, or None if the line is damaged."""
    if len(line) <= _PAYLOAD_START or line[_CRC_WIDTH] != 0x20:
        return None
    payload = line[_PAYLOAD_START:]
    try:
        if int(line[:_CRC_WIDTH], 16) != zlib.crc32(payload):
            return None
        record = json.loads(payload)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


class JournalFileBackend(BaseJournalBackend):
    """A journal kept in one append-only file, shareable over NFS.

    Each line is one record: a CRC-32 checksum and the record as JSON. Writers append under a
    file lock; readers need no lock and read only the bytes appended since their last read. A
    record torn by a writer that died mid-write is never read, and the next writer cuts it off
    under the lock before appending; a lock left by a dead writer expires (see the lock
    classes). A damaged line inside the file is skipped with a warning and left in place for
    ``parzen storage verify`` and ``parzen storage repair`` to report.

    The file is opened for writing only to write: a read-only journal can be read.

    A process that replays a large log saves a checkpoint of the replayed state beside it
    (``<file_path>.checkpoint``, JSON), so that the next process replays only what came after
    it; a checkpoint that does not match the log is ignored (see ``_checkpoint``).

    Args:
        file_path: the journal file; created (empty) if missing.
        lock_obj: the lock that serializes writers. By default a kernel lock
            (:class:`JournalFileFcntlLock`) when the file lies on a local Linux file system,
            else :class:`JournalFileSymlinkLock`, which is safe on NFS. Pass
            :class:`JournalFileSymlinkLock` or :class:`JournalFileOpenLock` explicitly when
            the file is shared by several machines through a file system this check does not
            recognize as remote.

    Examples:
        >>> import tempfile, os
        >>> import parzen
        >>> from parzen.storages.journal import JournalFileBackend, JournalStorage
        >>> path = os.path.join(tempfile.mkdtemp(), "journal.log")
        >>> storage = JournalStorage(JournalFileBackend(path))
        >>> study = parzen.create_study(storage=storage, study_name="demo")
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        >>> again = JournalStorage(JournalFileBackend(path))
        >>> len(parzen.load_study(study_name="demo", storage=again).trials)
        3
    """

    def __init__(
        self, file_path: str | os.PathLike[str], lock_obj: BaseJournalFileLock | None = None
    ) -> None:
        self._file_path = os.fspath(file_path)
        check_not_optuna_journal_file(self._file_path)
        self._lock = lock_obj if lock_obj is not None else default_lock(self._file_path)
        self._init_state()
        if not os.path.exists(self._file_path):
            _create(self._file_path)

    def _init_state(self) -> None:
        self._mutex = threading.Lock()
        # What this process has consumed: ``_log_number`` records ending at byte ``_offset``.
        self._log_number = 0
        self._offset = 0
        self._rejected_checkpoint: dict[str, Any] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"_file_path": self._file_path, "_lock": self._lock}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init_state()

    @property
    def file_path(self) -> str:
        """The journal file."""
        return self._file_path

    def read_logs(self, log_number_from: int) -> list[dict[str, Any]]:
        with self._mutex:
            self._rewind_to(log_number_from)
            first = self._log_number
            try:
                fd = os.open(self._file_path, os.O_RDONLY | _BINARY)
            except FileNotFoundError:
                return []
            try:
                records, clean = self._consume(fd, locked=False)
            finally:
                os.close(fd)
            if not clean:
                # A damaged line followed by data: a write in flight or real damage. Only a
                # reader holding the lock can tell, so read the rest under the lock.
                records.extend(self._read_quiet_file())
            return records[max(0, log_number_from - first) :]

    def _read_quiet_file(self) -> list[dict[str, Any]]:
        try:
            with self._locked(write=False) as fd:
                return self._consume(fd, locked=True, writable=False)[0]
        except OSError as e:
            if e.errno not in _READ_ONLY_ERRNOS:
                raise
        # A reader that may not take the lock (a read-only directory on NFS): no writer can
        # be mid-write in front of data it has already finished writing, so the damage is real.
        fd = os.open(self._file_path, os.O_RDONLY | _BINARY)
        try:
            return self._consume(fd, locked=True, writable=False)[0]
        finally:
            os.close(fd)

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        if logs:
            self.append_logs_and_read(self._log_number, logs)

    def append_logs_and_read(
        self, log_number_from: int, logs: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], int]:
        data = _encode(logs)
        with self._mutex:
            self._rewind_to(log_number_from)
            first = self._log_number
            with self._locked(write=True) as fd:
                records, _ = self._consume(fd, locked=True, writable=True)
                start = os.fstat(fd).st_size
                try:
                    _write_all(fd, data)
                except BaseException:
                    # Leave no torn record behind us, even if the next writer would repair it.
                    os.ftruncate(fd, start)
                    raise
                if start != self._offset or _pread(fd, len(data), start) != data:
                    # Another writer appended while we held the lock: someone deleted or
                    # broke it. Order our records after theirs, as every reader will.
                    records.extend(self._read_up_to_own(fd, data))
                    start = self._offset
            self._offset = start + len(data)
            appended_at = self._log_number
            self._log_number += len(logs)
            return records[max(0, log_number_from - first) :], appended_at

    def _checkpoint_log_number(self) -> int | None:
        header = _checkpoint.read_header(self._file_path)
        if header is None or header == self._rejected_checkpoint:
            return 0
        return header["log_number"]

    def _load_checkpoint(self) -> tuple[int, dict[str, Any]] | None:
        with self._mutex:
            if self._log_number != 0:
                return None
            found = _checkpoint.read(self._file_path)
            if found is None:
                # Not a checkpoint of this log: the next one saved replaces it.
                self._rejected_checkpoint = _checkpoint.read_header(self._file_path)
                return None
            self._offset, self._log_number, state = found
            return self._log_number, state

    def _reject_checkpoint(self) -> None:
        with self._mutex:
            self._rejected_checkpoint = _checkpoint.read_header(self._file_path)

    def _save_checkpoint(self, log_number: int, state: dict[str, Any]) -> bool:
        with self._mutex:
            if log_number != self._log_number:
                return False  # the caller's state is not what this backend has read
            offset = self._offset
        try:
            _checkpoint.write(self._file_path, offset, log_number, state)
        except OSError as e:
            # A cache: a read-only directory or a full disk costs speed, not correctness.
            _logger.debug(f"Could not write the checkpoint of {self._file_path}: {e}")
            return False
        return True

    def _rewind_to(self, log_number_from: int) -> None:
        # Byte offsets are known only for the position this process has reached; reading
        # earlier records (a second consumer of this backend) means scanning from the start.
        if log_number_from < self._log_number:
            self._log_number = 0
            self._offset = 0

    @contextmanager
    def _locked(self, *, write: bool) -> Iterator[int]:
        if write and not os.path.exists(self._file_path):
            # The kernel lock locks the journal itself, which must exist before it is locked.
            _create(self._file_path)
        self._lock.acquire()
        try:
            # Opened after taking the lock, so that NFS's close-to-open consistency shows us
            # every byte the previous holder wrote.
            flags = os.O_RDWR | os.O_APPEND if write else os.O_RDONLY
            fd = os.open(self._file_path, flags | _BINARY)
            try:
                yield fd
            finally:
                os.close(fd)
        finally:
            self._lock.release()

    def _consume(
        self, fd: int, *, locked: bool, writable: bool = False
    ) -> tuple[list[dict[str, Any]], bool]:
        """Read the complete records after ``_offset`` and advance past them.

        Returns the records and whether reading stopped cleanly (False: an unlocked reader
        met a damaged line that is not the last thing in the file).

        Unlocked, reading stops before a damaged line: it may be a write in flight. Locked, the
        file is quiet, so damage is real: a damaged line is skipped (with a warning) and left
        in place, and a writer (``writable``) cuts off a torn tail, a record without its line
        end.
        """
        size = os.fstat(fd).st_size
        if size < self._offset:
            raise StorageInternalError(
                f"The journal file {self._file_path} shrank to {size} bytes, below the "
                f"{self._offset} bytes this process had read: it was truncated or replaced "
                "while in use. Restore it, or start a new storage on a new file."
            )
        records: list[dict[str, Any]] = []
        while self._offset < size:
            wanted = size - self._offset
            data = _pread(fd, min(wanted, _READ_CHUNK), self._offset)
            complete = data.rfind(b"\n") + 1
            if complete == 0 and len(data) < wanted:
                # One line longer than a chunk: read it whole.
                data = _pread(fd, wanted, self._offset)
                complete = data.rfind(b"\n") + 1
            if complete == 0:
                break
            position = self._offset
            lines = data[:complete].split(b"\n")[:-1]
            for line in lines:
                line_end = position + len(line) + 1
                record = _decode(line)
                if record is None and position == 0 and not _any_record(lines[1:]):
                    # Nothing here decodes: refuse it rather than skip (or cut) a user's file.
                    raise StorageInternalError(_not_a_journal(self._file_path, line))
                if record is not None:
                    records.append(record)
                    self._log_number += 1
                elif not locked:
                    return records, line_end == size
                else:
                    _logger.warning(
                        f"Skipped a damaged record at byte {position} of the journal file "
                        f"{self._file_path}: {line[:80]!r}. "
                        f"Run `parzen storage verify {self._file_path}` for a report."
                    )
                position = line_end
                self._offset = position
            if len(data) >= wanted:
                break
        if locked and writable and self._offset < size and self._lock.is_held():
            self._truncate(fd, self._offset, "a torn last record (a writer died mid-write)")
        return records, True

    def _read_up_to_own(self, fd: int, data: bytes) -> list[dict[str, Any]]:
        """Consume the records other writers put before ``data``; stop at ``data``."""
        size = os.fstat(fd).st_size
        tail = _pread(fd, size - self._offset, self._offset)
        at = 0 if tail.startswith(data) else tail.find(b"\n" + data) + 1
        if at == 0 and not tail.startswith(data):
            raise StorageInternalError(
                f"The records this process appended to the journal file {self._file_path} "
                "are not where it wrote them: writers did not exclude each other (was the lock "
                "file deleted?). Stop every writer, run `parzen storage verify` on the file, "
                "and restart them."
            )
        _logger.warning(
            f"Another writer appended to the journal file {self._file_path} while this "
            f"process held its lock ({self._lock!r}): the lock was deleted or broken. The "
            "log stays consistent; do not delete lock files of running writers."
        )
        records = []
        for line in tail[:at].split(b"\n")[:-1]:
            record = _decode(line)
            if record is not None:
                records.append(record)
                self._log_number += 1
        self._offset += at
        return records

    def _truncate(self, fd: int, at: int, what: str) -> None:
        _logger.warning(
            f"Repairing the journal file {self._file_path}: cut off {what} at byte {at}."
        )
        os.ftruncate(fd, at)


def _create(path: str) -> None:
    """Create ``path`` empty unless it exists; never opens an existing file for writing."""
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o644))


def _any_record(lines: list[bytes]) -> bool:
    return any(_decode(line) is not None for line in lines)


def _pread(fd: int, size: int, offset: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(fd, size, offset)
    # Windows: the descriptor is this call's own, so moving its offset disturbs no one.
    os.lseek(fd, offset, os.SEEK_SET)
    return os.read(fd, size)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _not_a_journal(path: str, first_line: bytes) -> str:
    hint = (
        " It looks like a journal of Optuna, whose unchecksummed format parzen does not read."
        if first_line.startswith(b"{")
        else ""
    )
    return (
        f"{path} is not a parzen journal file: its first line {first_line[:80]!r} is not a "
        f"checksummed record.{hint} The file was left unchanged. Pass the path of a parzen "
        "journal, or of a file that does not exist yet."
    )
