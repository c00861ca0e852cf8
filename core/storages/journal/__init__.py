"""Journal storage: a log of operations in a file or in Redis, replayed by every process.

``JournalStorage(JournalFileBackend("journal.log"))`` shares a study through one file, on a
local or network (NFS) disk; ``JournalStorage(JournalRedisBackend("redis://host"))`` through a
Redis server.

``JournalFileStorage``, ``JournalRedisStorage`` and ``BaseJournalLogStorage`` are the older
Optuna names of the backends, kept so that code written for Optuna runs unchanged.
"""

from parzen.storages.journal._base import BaseJournalBackend
from parzen.storages.journal._file import JournalFileBackend
from parzen.storages.journal._lock import (
    BaseJournalFileLock,
    JournalFileFcntlLock,
    JournalFileOpenLock,
    JournalFileSymlinkLock,
)
from parzen.storages.journal._redis import JournalRedisBackend
from parzen.storages.journal._storage import JournalStorage

BaseJournalLogStorage = BaseJournalBackend
JournalFileStorage = JournalFileBackend
JournalRedisStorage = JournalRedisBackend

__all__ = [
    "BaseJournalBackend",
    "BaseJournalFileLock",
    "BaseJournalLogStorage",
    "JournalFileBackend",
    "JournalFileFcntlLock",
    "JournalFileOpenLock",
    "JournalFileStorage",
    "JournalFileSymlinkLock",
    "JournalRedisBackend",
    "JournalRedisStorage",
    "JournalStorage",
]
