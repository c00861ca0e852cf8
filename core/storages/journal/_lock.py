"""File locks for :class:`JournalFileBackend`.

:class:`JournalFileFcntlLock` is a kernel lock on the journal file itself, fast, released by the
kernel when its holder dies, and impossible to delete out from under its holders, for local
disks. The NFS-safe locks are a file next to the journal, ``<journal>.lock``,
created atomically (a symbolic link, or a file opened with ``O_CREAT | O_EXCL``). Its content
is a token naming the holder: a host identity, the process id and a random nonce. Such a lock
whose holder is a dead process on this host is stale at once; any other is stale once it is
older than ``grace_period`` seconds. A waiter breaks a stale lock by renaming it aside, then
checks that what it moved is the lock it judged stale, and puts back a fresh lock it moved by
mistake when another waiter broke the stale one first.
"""

from __future__ import annotations

import abc
import contextlib
import functools
import os
import random
import sys
import threading
import time
import uuid
from typing import Any

from parzen.logging import get_logger

LOCK_FILE_SUFFIX = ".lock"
# Short enough (< 60 bytes) for ext4 to keep the symlink target inside the inode: a longer
# target costs a data block, and creating and deleting it is ten times slower.
_TOKEN_PREFIX = "pzl"
_MAX_SLEEP_SECONDS = 0.05

_logger = get_logger(__name__)


@functools.cache
def _host_identity() -> str:
    """Identify the pid namespace of this machine, so that pids are compared only within one.

    Containers that share a volume may share a hostname but not their process ids, so the
    boot id and pid namespace (Linux) join the hostname.
    """
    import hashlib
    import socket

    parts = [socket.gethostname()]
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            parts.append(f.read().strip())
        parts.append(os.readlink("/proc/self/ns/pid"))
    except OSError:
        pass
    return hashlib.blake2b("|".join(parts).encode(), digest_size=6).hexdigest()


def _make_token() -> str:
    return f"{_TOKEN_PREFIX}:{_host_identity()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _holder_is_dead(token: str | None) -> bool:
    """Whether the token names a process of this host that no longer runs."""
    if token is None:
        return False
    parts = token.split(":")
    if len(parts) != 4 or parts[0] != _TOKEN_PREFIX or parts[1] != _host_identity():
        return False
    try:
        pid = int(parts[2])
    except ValueError:
        return False
    return not _pid_alive(pid)


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A killed process stays a zombie until its parent reaps it; it holds nothing any more.
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return True
    state = stat[stat.rfind(b")") + 2 : stat.rfind(b")") + 3]
    return state not in (b"Z", b"X")


class BaseJournalFileLock(abc.ABC):
    """A lock that serializes the writers of a :class:`JournalFileBackend`.

    Subclasses implement :meth:`acquire` (blocking; return True once held) and :meth:`release`.

    Examples:
        >>> import tempfile, os
        >>> from parzen.storages.journal import JournalFileOpenLock
        >>> path = os.path.join(tempfile.mkdtemp(), "journal.log")
        >>> lock = JournalFileOpenLock(path)
        >>> lock.acquire()
        True
        >>> lock.release()
    """

    @abc.abstractmethod
    def acquire(self) -> bool:
        """Block until the lock is held; return True."""

    @abc.abstractmethod
    def release(self) -> None:
        """Release a lock that :meth:`acquire` returned."""

    def is_held(self) -> bool:
        """Whether this holder still has the lock (False: someone deleted or broke it).

        Locks that others can remove while held override it; the default trusts the holder.
        """
        return True


class _TokenFileLock(BaseJournalFileLock):
    """The protocol common to the symlink and open-exclusive locks."""

    def __init__(self, filepath: str | os.PathLike[str], grace_period: float | None = 30) -> None:
        if grace_period is not None and not grace_period > 0:
            raise ValueError(
                f"grace_period must be a positive number of seconds or None (never expire), "
                f"got {grace_period!r}."
            )
        self._lock_file = os.fspath(filepath) + LOCK_FILE_SUFFIX
        self._grace_period = grace_period
        self._token: str | None = None

    @property
    def grace_period(self) -> float | None:
        """Seconds after which a lock whose holder cannot be checked is broken (None: never)."""
        return self._grace_period

    @abc.abstractmethod
    def _try_create(self, token: str) -> bool:
        """Create the lock file holding ``token``; False if it exists already."""

    @abc.abstractmethod
    def _read_token(self, path: str) -> str | None:
        """The token of the lock at ``path``; raises FileNotFoundError when there is none."""

    def acquire(self) -> bool:
        """Block until the lock is held, breaking a stale lock on the way; return True."""
        if self._token is not None:
            raise RuntimeError(
                f"The lock {self._lock_file} is already held by this object; release() it "
                "before acquiring it again."
            )
        sleep = 0.0002
        while True:
            token = _make_token()
            if self._try_create(token):
                self._token = token
                return True
            if self._break_if_stale():
                continue
            # Jitter keeps waiters that woke together from colliding again.
            time.sleep(sleep * (0.5 + random.random()))
            sleep = min(sleep * 2, _MAX_SLEEP_SECONDS)

    def is_held(self) -> bool:
        """Whether the lock file still holds this holder's token."""
        if self._token is None:
            return False
        try:
            return self._read_token(self._lock_file) == self._token
        except FileNotFoundError:
            return False

    def release(self) -> None:
        """Release the lock; warn, and leave the lock file alone, if another process broke it."""
        token, self._token = self._token, None
        if token is None:
            raise RuntimeError(f"release() called on {self._lock_file}, which is not held.")
        try:
            current = self._read_token(self._lock_file)
        except FileNotFoundError:
            current = None
        if current != token:
            _logger.warning(
                f"The lock {self._lock_file} was broken by another process while this one "
                f"held it (held longer than grace_period={self._grace_period}s?). Raise "
                "grace_period if writers can be paused that long."
            )
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._lock_file)

    def _break_if_stale(self) -> bool:
        """Remove the lock if it is stale; True if the caller should retry at once."""
        try:
            seen = os.lstat(self._lock_file)
            token = self._read_token(self._lock_file)
        except FileNotFoundError:
            return True
        age = time.time() - seen.st_mtime
        expired = self._grace_period is not None and age > self._grace_period
        if not (expired or _holder_is_dead(token)):
            return False
        aside = f"{self._lock_file}.{uuid.uuid4().hex}.stale"
        try:
            os.rename(self._lock_file, aside)
        except FileNotFoundError:
            return True
        try:
            moved = os.lstat(aside)
            moved_token = self._read_token(aside)
        except FileNotFoundError:
            return True
        if (moved.st_ino, moved.st_mtime_ns, moved_token) != (
            seen.st_ino,
            seen.st_mtime_ns,
            token,
        ):
            # Another waiter broke the stale lock first and we moved its fresh lock: put it back.
            try:
                os.link(aside, self._lock_file, follow_symlinks=False)
            except FileExistsError:
                _logger.warning(
                    f"Could not restore the lock {self._lock_file} after a race while breaking "
                    "a stale lock; two writers may overlap once."
                )
            _unlink_quietly(aside)
            return True
        _logger.warning(
            f"Removed the stale lock {self._lock_file} (holder {token!r}, age {age:.1f}s): its "
            "holder died or held it longer than the grace period."
        )
        _unlink_quietly(aside)
        return True

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_token"] = None
        return state


def _unlink_quietly(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


class JournalFileSymlinkLock(_TokenFileLock):
    """A lock made of a symbolic link, atomic on every NFS version and on local file systems.

    The link ``<filepath>.lock`` points to a token naming the holder. A lock left by a process
    that died on this host is broken at once; any other lock is broken once it is older than
    ``grace_period`` seconds (writers hold it for milliseconds).

    Do not delete ``<filepath>.lock`` while writers run: unlike the default kernel lock (which
    locks the journal file itself), this file can be removed out from under its holder.
    Writers notice when another one appended while they held the lock and order their records
    after it, but a record can still be lost in a narrow race.

    Args:
        filepath: the journal file the lock protects.
        grace_period: seconds after which an existing lock is considered abandoned and broken;
            None keeps a lock of another host forever.

    Examples:
        >>> import tempfile, os
        >>> import parzen
        >>> from parzen.storages.journal import (
        ...     JournalFileBackend, JournalFileSymlinkLock, JournalStorage)
        >>> path = os.path.join(tempfile.mkdtemp(), "journal.log")
        >>> lock = JournalFileSymlinkLock(path, grace_period=10)
        >>> storage = JournalStorage(JournalFileBackend(path, lock_obj=lock))
        >>> study = parzen.create_study(storage=storage)
    """

    def _try_create(self, token: str) -> bool:
        try:
            os.symlink(token, self._lock_file)
        except FileExistsError:
            return False
        return True

    def _read_token(self, path: str) -> str | None:
        return os.readlink(path)


class JournalFileOpenLock(_TokenFileLock):
    """A lock made of a file created with ``O_CREAT | O_EXCL`` (atomic on NFSv3+ and locally).

    Use it where symbolic links are not available (some Windows and FAT file systems). Stale
    locks expire as with :class:`JournalFileSymlinkLock`.

    Args:
        filepath: the journal file the lock protects.
        grace_period: seconds after which an existing lock is considered abandoned and broken;
            None keeps a lock of another host forever.

    Examples:
        >>> import tempfile, os
        >>> import parzen
        >>> from parzen.storages.journal import (
        ...     JournalFileBackend, JournalFileOpenLock, JournalStorage)
        >>> path = os.path.join(tempfile.mkdtemp(), "journal.log")
        >>> lock = JournalFileOpenLock(path, grace_period=10)
        >>> storage = JournalStorage(JournalFileBackend(path, lock_obj=lock))
        >>> study = parzen.create_study(storage=storage)
    """

    def _try_create(self, token: str) -> bool:
        try:
            fd = os.open(self._lock_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        try:
            os.write(fd, token.encode())
        finally:
            os.close(fd)
        return True

    def _read_token(self, path: str) -> str | None:
        with open(path, "rb") as f:
            data = f.read()
        # An empty file is a lock whose holder has not written its token yet (or died first).
        return data.decode(errors="replace") or None


class _ProcessFlock:
    """The one descriptor and thread lock a process uses for one flock file."""

    def __init__(self, path: str) -> None:
        self.pid = os.getpid()
        self.mutex = threading.Lock()
        # Read-only: flock needs no write access, so readers of a read-only journal can lock.
        self.fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)


_process_flocks: dict[str, _ProcessFlock] = {}
_process_flocks_guard = threading.Lock()


def _process_flock(path: str, key: str) -> _ProcessFlock:
    # flock excludes open file descriptions, not processes: one descriptor per process and
    # file, guarded by a thread lock, makes threads and backends of one process queue too. A
    # forked child must not share its parent's descriptor, or both would hold the lock at once.
    with _process_flocks_guard:
        entry = _process_flocks.get(key)
        if entry is None or entry.pid != os.getpid():
            entry = _ProcessFlock(path)
            _process_flocks[key] = entry
        return entry


class JournalFileFcntlLock(BaseJournalFileLock):
    """A kernel lock (``flock``) on the journal file itself: the fastest lock on a local disk.

    The kernel releases it when its holder dies, so it never goes stale; and as it locks the
    journal, not a file beside it, no one can delete the lock out from under its holders. It is
    the default of :class:`JournalFileBackend` on local Linux file systems. Do not use it on
    NFS: a share mounted with ``nolock`` grants such locks to every machine at once; use
    :class:`JournalFileSymlinkLock` there.

    Args:
        filepath: the journal file the lock protects.

    Examples:
        >>> import tempfile, os
        >>> import parzen
        >>> from parzen.storages.journal import (
        ...     JournalFileBackend, JournalFileFcntlLock, JournalStorage)
        >>> path = os.path.join(tempfile.mkdtemp(), "journal.log")
        >>> backend = JournalFileBackend(path, lock_obj=JournalFileFcntlLock(path))
        >>> study = parzen.create_study(storage=JournalStorage(backend))
    """

    def __init__(self, filepath: str | os.PathLike[str]) -> None:
        self._lock_file = os.fspath(filepath)
        self._key = os.path.realpath(self._lock_file)
        self._entry: _ProcessFlock | None = None
        self._held: _ProcessFlock | None = None

    def acquire(self) -> bool:
        """Block until the lock is held; return True."""
        import fcntl

        if self._held is not None:
            raise RuntimeError(
                f"The lock {self._lock_file} is already held by this object; release() it "
                "before acquiring it again."
            )
        entry = self._entry
        if entry is None or entry.pid != os.getpid():
            entry = self._entry = _process_flock(self._lock_file, self._key)
        entry.mutex.acquire()
        try:
            fcntl.flock(entry.fd, fcntl.LOCK_EX)
        except BaseException:
            entry.mutex.release()
            raise
        self._held = entry
        return True

    def release(self) -> None:
        """Release the lock."""
        import fcntl

        entry, self._held = self._held, None
        if entry is None:
            raise RuntimeError(f"release() called on {self._lock_file}, which is not held.")
        try:
            fcntl.flock(entry.fd, fcntl.LOCK_UN)
        finally:
            entry.mutex.release()

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_entry": None, "_held": None}


# File systems on which flock is local and exact. Anything else (NFS, SMB, FUSE, cluster file
# systems) gets the symlink lock, which is atomic on every one of them.
_LOCAL_FILE_SYSTEMS = frozenset(
    {
        "btrfs",
        "ext2",
        "ext3",
        "ext4",
        "f2fs",
        "jfs",
        "overlay",
        "ramfs",
        "reiserfs",
        "tmpfs",
        "xfs",
        "zfs",
    }
)


def _file_system_type(path: str) -> str | None:
    """The type of the file system holding ``path``, from /proc/self/mounts (Linux only)."""
    try:
        with open("/proc/self/mounts") as f:
            mounts = f.read().splitlines()
    except OSError:
        return None
    target = os.path.realpath(path)
    best, best_type = "", None
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        # Mount points escape spaces and the like as octal (\040).
        mount_point = fields[1].encode().decode("unicode_escape")
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, best_type = mount_point, fields[2]
    return best_type


def default_lock(filepath: str) -> BaseJournalFileLock:
    """The fastest lock that is safe where ``filepath`` lives."""
    directory = os.path.dirname(os.path.abspath(filepath))
    if sys.platform.startswith("linux") and _file_system_type(directory) in _LOCAL_FILE_SYSTEMS:
        return JournalFileFcntlLock(filepath)
    if os.name == "nt":
        # Creating symbolic links needs a privilege most Windows accounts lack.
        return JournalFileOpenLock(filepath)
    return JournalFileSymlinkLock(filepath)
