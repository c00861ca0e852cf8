"""Storages: where studies and trials live.

``InMemoryStorage`` (the default for ``create_study()``) lives in this process; persistent
storages (``RDBStorage`` for SQLite, PostgreSQL and MySQL; ``JournalStorage`` over a file or
Redis) are shared by processes and machines.
"""

from typing import Any

from parzen.storages import journal
from parzen.storages._base import BaseStorage
from parzen.storages._factory import get_storage
from parzen.storages._heartbeat import RetryFailedTrialCallback, fail_stale_trials
from parzen.storages._in_memory import InMemoryStorage
from parzen.storages.journal import (
    BaseJournalLogStorage,
    JournalFileOpenLock,
    JournalFileStorage,
    JournalFileSymlinkLock,
    JournalRedisStorage,
    JournalStorage,
)

__all__ = [
    "BaseJournalLogStorage",
    "BaseStorage",
    "InMemoryStorage",
    "JournalFileOpenLock",
    "JournalFileStorage",
    "JournalFileSymlinkLock",
    "JournalRedisStorage",
    "JournalStorage",
    "RDBStorage",
    "RetryFailedTrialCallback",
    "fail_stale_trials",
    "get_storage",
    "journal",
]


def __getattr__(name: str) -> Any:
    # RDBStorage loads SQLAlchemy; `import parzen` must not.
    if name == "RDBStorage":
        from parzen.storages._rdb import RDBStorage

        return RDBStorage
    raise AttributeError(f"module 'parzen.storages' has no attribute {name!r}")
