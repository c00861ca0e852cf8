"""``get_storage``: turn what users pass as ``storage=`` (None, a URL, an object) into a storage.

The one place that maps URL schemes to backends; heavy backends (SQLAlchemy) are imported
only when a URL needs them.
"""

from __future__ import annotations

from parzen.storages._base import BaseStorage
from parzen.storages._in_memory import InMemoryStorage

_RDB_SCHEMES = ("sqlite", "postgresql", "postgres", "mysql", "mariadb")


def get_storage(storage: str | BaseStorage | None) -> BaseStorage:
    """Turn what users pass as ``storage=`` into a storage object.

    ``None`` is a fresh :class:`InMemoryStorage`; a storage object is used as it is; a URL is
    routed by its scheme: ``sqlite:///study.db``, ``postgresql://...``, ``mysql://...`` go to
    ``RDBStorage``.

    Examples:
        >>> from parzen.storages import get_storage
        >>> type(get_storage(None)).__name__
        'InMemoryStorage'
    """
    if storage is None:
        return InMemoryStorage()
    if isinstance(storage, BaseStorage):
        return storage
    if isinstance(storage, str):
        scheme = storage.split(":", 1)[0].split("+", 1)[0].lower()
        if scheme in _RDB_SCHEMES:
            return _rdb_storage(storage)
        raise ValueError(
            f"Unknown storage URL scheme in {storage!r}: expected one of "
            "sqlite:///path.db, postgresql://user@host/db or mysql://user@host/db; for a "
            "journal file pass parzen.storages.JournalStorage("
            "parzen.storages.journal.JournalFileBackend('path.log'))."
        )
    raise TypeError(
        f"storage must be None, a URL string or a BaseStorage, got {storage!r} "
        f"({type(storage).__name__})."
    )


def _rdb_storage(url: str) -> BaseStorage:
    try:
        from parzen.storages._rdb import RDBStorage
    except ImportError as e:
        raise ImportError(
            f"Opening {url!r} needs the relational-database storage, which could not be "
            f"imported ({e}). Install it with: pip install 'parzen[postgresql]' or "
            "'parzen[mysql]' for those servers (SQLite needs only parzen)."
        ) from e
    return RDBStorage(url)
