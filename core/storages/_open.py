"""Open the storage a command-line argument names, creating nothing unless asked to."""

from __future__ import annotations

import os

from parzen.storages._base import BaseStorage

_RDB_SCHEMES = ("sqlite", "postgresql", "postgres", "mysql", "mariadb")
_REDIS_SCHEMES = ("redis", "rediss", "unix")
SQLITE_MAGIC = b"SQLite format 3\x00"


def open_storage(spec: str, *, create: bool) -> BaseStorage:
    """The storage ``spec`` names: a database URL, a ``redis://`` URL, or a file's path.

    A path is an SQLite database if the file is one, else a journal file. With
    ``create=False`` (every command that only reads) nothing is created: a missing SQLite or
    journal file and a database without parzen's schema are errors, not new storages.

    Args:
        spec: ``sqlite:///path.db``, ``postgresql://...``, ``mysql://...``, ``redis://...``,
            or the path of a journal or SQLite file.
        create: whether a missing file or schema may be created (commands that write).

    Raises:
        ValueError: ``spec`` names no storage (unknown scheme, missing file).

    Examples:
        >>> import os, tempfile
        >>> from parzen.storages._open import open_storage
        >>> folder = tempfile.mkdtemp()
        >>> type(open_storage(os.path.join(folder, "new.log"), create=True)).__name__
        'JournalStorage'
        >>> open_storage("sqlite:///" + os.path.join(folder, "typo.db"), create=False)
        ... # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: No SQLite database at ...
        >>> os.listdir(folder)
        ['new.log']
    """
    scheme = spec.split("://", 1)[0].split("+", 1)[0].lower() if "://" in spec else ""
    if scheme in _RDB_SCHEMES:
        return _rdb(spec, scheme, create=create)
    if scheme in _REDIS_SCHEMES:
        from parzen.storages.journal import JournalRedisBackend, JournalStorage

        return JournalStorage(JournalRedisBackend(spec))
    if scheme:
        raise ValueError(
            f"Unknown storage URL scheme {scheme!r} in {spec!r}: expected sqlite:///path.db, "
            "postgresql://..., mysql://..., redis://... or the path of a journal file."
        )
    if os.path.isdir(spec):
        raise ValueError(f"{spec!r} is a directory: pass a journal or SQLite file's path.")
    if not os.path.exists(spec):
        if not create:
            raise ValueError(
                f"No file at {spec!r}: the file does not exist (commands that only read "
                "create nothing). Check the path, or pass a database URL such as "
                "sqlite:///example.db."
            )
    elif _is_sqlite(spec):
        return _rdb("sqlite:///" + os.path.abspath(spec), "sqlite", create=create)
    from parzen.storages.journal import JournalFileBackend, JournalStorage

    return JournalStorage(JournalFileBackend(spec))


def _is_sqlite(path: str) -> bool:
    with open(path, "rb") as f:
        return f.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC


def _rdb(url: str, scheme: str, *, create: bool) -> BaseStorage:
    from parzen.storages._factory import get_storage

    if create:
        return get_storage(url)
    if scheme == "sqlite":
        path = url.split(":///", 1)[1] if ":///" in url else ""
        path = path.split("?", 1)[0]
        if path and not path.startswith(":") and not os.path.isfile(path):
            raise ValueError(
                f"No SQLite database at {path!r} (from {url!r}): the file does not exist "
                "(commands that only read create nothing). Check the path."
            )
    from parzen.storages._rdb import RDBStorage

    return RDBStorage(url, skip_table_creation=True)
