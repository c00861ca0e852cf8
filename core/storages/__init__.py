"""Storages: where studies and trials live.

``InMemoryStorage`` (the default for ``create_study()``) lives in this process; persistent
storages (``RDBStorage`` for SQLite, PostgreSQL and MySQL; ``JournalStorage`` over a file or
Redis) are shared by processes and machines, and load on first use.
"""

from typing import TYPE_CHECKING

from parzen._lazy import lazy_exports
from parzen.storages._base import BaseStorage
from parzen.storages._factory import get_storage
from parzen.storages._heartbeat import (
    RetryFailedTrialCallback,
    RetryHeartbeatStaleTrialCallback,
    fail_stale_trials,
)
from parzen.storages._in_memory import InMemoryStorage

if TYPE_CHECKING:
    from parzen.storages import journal
    from parzen.storages._grpc import GrpcStorageProxy, run_grpc_proxy_server
    from parzen.storages._optuna_import import OptunaImportReport, import_optuna_storage
    from parzen.storages._rdb import RDBStorage
    from parzen.storages.journal import (
        BaseJournalLogStorage,
        JournalFileOpenLock,
        JournalFileStorage,
        JournalFileSymlinkLock,
        JournalRedisStorage,
        JournalStorage,
    )

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "BaseJournalLogStorage": ".journal",
        "GrpcStorageProxy": "._grpc",  # loads grpcio
        "JournalFileOpenLock": ".journal",
        "JournalFileStorage": ".journal",
        "JournalFileSymlinkLock": ".journal",
        "JournalRedisStorage": ".journal",
        "JournalStorage": ".journal",
        "OptunaImportReport": "._optuna_import",
        "RDBStorage": "._rdb",  # loads SQLAlchemy
        "import_optuna_storage": "._optuna_import",
        "journal": ".journal",
        "run_grpc_proxy_server": "._grpc",
    },
)

__all__ = [
    "BaseJournalLogStorage",
    "BaseStorage",
    "GrpcStorageProxy",
    "InMemoryStorage",
    "JournalFileOpenLock",
    "JournalFileStorage",
    "JournalFileSymlinkLock",
    "JournalRedisStorage",
    "JournalStorage",
    "OptunaImportReport",
    "RDBStorage",
    "RetryFailedTrialCallback",
    "RetryHeartbeatStaleTrialCallback",
    "fail_stale_trials",
    "get_storage",
    "import_optuna_storage",
    "journal",
    "run_grpc_proxy_server",
]
