from __future__ import annotations

import json
import os
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from parzen.exceptions import StorageInternalError
from parzen.logging import get_logger
from parzen.storages.journal._base import BaseJournalBackend
from parzen.storages.journal._lock import BaseJournalFileLock, default_lock

_logger = get_logger(__name__)

# One record per line: 8 hex digits of the CRC-32 of the payload, a space, the JSON payload.
_CRC_WIDTH = 8
_PAYLOAD_START = _CRC_WIDTH + 1
_READ_CHUNK = 16 * 1024 * 1024
# Windows opens files in text mode unless told otherwise, which would translate line ends.
_BINARY = getattr(os, "O_BINARY", 0)


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
    classes).

    Args:
        file_path: the journal file; created if missing.
        lock_obj: the lock that serializes writers. By default a kernel lock
            (:class:`JournalFileFcntlLock`) when the file lies on a local Linux file system,
            else :class:`JournalFileSymlinkLock`, which is safe on NFS. Pass
            :class:`JournalFileSymlinkLock` or :class:`JournalFileOpenLock` explicitly when
            the file is shared by several machines through a file system this check does not
            recognize as remote.

    Example:
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
        self._lock = lock_obj if lock_obj is not None else default_lock(self._file_path)
        self._init_state()
        with open(self._file_path, "ab"):
            pass

    def _init_state(self) -> None:
        self._mutex = threading.Lock()
        # What this process has consumed: ``_log_number`` records ending at byte ``_offset``.
        self._log_number = 0
        self._offset = 0

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
            fd = os.open(self._file_path, os.O_RDONLY | _BINARY)
            try:
                records, clean = self._consume(fd, locked=False)
            finally:
                os.close(fd)
            if not clean:
                # A damaged line followed by data: a write in flight or real damage. Only a
                # reader holding the lock can tell, so read the rest under the lock.
                with self._locked() as fd:
                    more, _ = self._consume(fd, locked=True)
                records.extend(more)
            return records[max(0, log_number_from - first) :]

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
            with self._locked() as fd:
                records, _ = self._consume(fd, locked=True)
                start = os.fstat(fd).st_size
                try:
                    _write_all(fd, data)
                except BaseException:
                    # Leave no torn record behind us, even if the next writer would repair it.
                    os.ftruncate(fd, start)
                    raise
            self._offset = start + len(data)
            appended_at = self._log_number
            self._log_number += len(logs)
            return records[max(0, log_number_from - first) :], appended_at

    def _rewind_to(self, log_number_from: int) -> None:
        # Byte offsets are known only for the position this process has reached; reading
        # earlier records (a second consumer of this backend) means scanning from the start.
        if log_number_from < self._log_number:
            self._log_number = 0
            self._offset = 0

    @contextmanager
    def _locked(self) -> Iterator[int]:
        self._lock.acquire()
        try:
            # Opened after taking the lock, so that NFS's close-to-open consistency shows us
            # every byte the previous holder wrote.
            fd = os.open(self._file_path, os.O_RDWR | os.O_APPEND | os.O_CREAT | _BINARY, 0o644)
            try:
                yield fd
            finally:
                os.close(fd)
        finally:
            self._lock.release()

    def _consume(self, fd: int, *, locked: bool) -> tuple[list[dict[str, Any]], bool]:
        """Read the complete records after ``_offset`` and advance past them.

        Returns the records and whether reading stopped cleanly (False: an unlocked reader
        met a damaged line that is not the last thing in the file).

        Unlocked, reading stops before a damaged line: it may be a write in flight. Locked, the
        file is quiet, so damage is real: a damaged line inside the file is skipped (with a
        warning), and a torn or damaged tail is cut off.
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
            for line in data[:complete].split(b"\n")[:-1]:
                line_end = position + len(line) + 1
                record = _decode(line)
                if record is None and position == 0:
                    raise StorageInternalError(_not_a_journal(self._file_path, line))
                if record is not None:
                    records.append(record)
                    self._log_number += 1
                elif not locked:
                    return records, line_end == size
                elif line_end == size:
                    self._truncate(fd, position, "a damaged last record")
                    return records, True
                else:
                    _logger.warning(
                        f"Skipped a damaged record at byte {position} of the journal file "
                        f"{self._file_path}: {line[:80]!r}."
                    )
                position = line_end
                self._offset = position
            if len(data) >= wanted:
                break
        if locked and self._offset < size:
            self._truncate(fd, self._offset, "a torn last record (a writer died mid-write)")
        return records, True

    def _truncate(self, fd: int, at: int, what: str) -> None:
        _logger.warning(
            f"Repairing the journal file {self._file_path}: cut off {what} at byte {at}."
        )
        os.ftruncate(fd, at)


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
