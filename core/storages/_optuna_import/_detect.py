"""Recognizing Optuna's storages, so that parzen refuses them instead of misreading them.

parzen keeps its own schema (``parzen_`` tables) and its own journal format (checksummed
records), and never reads or writes Optuna's in place: a database or journal of Optuna's opened
as a parzen storage would look empty, and parzen would write its own data beside Optuna's. These
checks run when a storage is opened and raise an error naming ``parzen storage import``, which
copies Optuna's studies into a parzen storage.

This module imports nothing heavy: the journal backends call it at open time.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from parzen.exceptions import StorageInternalError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

#: Tables every Optuna relational storage has (Optuna 1.x to 5.x); parzen's all start with
#: ``parzen_``.
OPTUNA_CORE_TABLES = frozenset({"studies", "trials"})
#: Either of these beside the core tables marks the schema as Optuna's.
OPTUNA_VERSION_TABLES = frozenset({"version_info", "alembic_version"})

# The first bytes of a journal file that are inspected; one Optuna record is far shorter.
_JOURNAL_HEAD = 64 * 1024


def import_command(source: str, options: str = "") -> str:
    """The command line that copies an Optuna storage's studies into a new parzen storage."""
    return f"parzen storage import '{source}' NEW_PARZEN_STORAGE{options}"


def _refusal(what: str, source: str, options: str = "") -> str:
    return (
        f"{what} parzen keeps studies in its own format and neither reads nor writes Optuna's "
        f"in place; it left this storage unchanged. Copy the studies into a parzen storage "
        f"with `{import_command(source, options)}` (NEW_PARZEN_STORAGE: e.g. "
        "sqlite:///parzen.db, or the path of a new journal file), or "
        "parzen.storages.import_optuna_storage(source, "
        "destination) from Python, then open the new storage."
    )


def is_optuna_schema(table_names: set[str] | frozenset[str]) -> bool:
    """Whether a database's table names are those of Optuna's relational storage.

    Examples:
        >>> from parzen.storages._optuna_import._detect import is_optuna_schema
        >>> is_optuna_schema({"studies", "trials", "alembic_version", "version_info"})
        True
        >>> is_optuna_schema({"parzen_studies", "parzen_trials", "parzen_alembic_version"})
        False
    """
    return table_names >= OPTUNA_CORE_TABLES and bool(OPTUNA_VERSION_TABLES & table_names)


def optuna_schema_error(url: str) -> RuntimeError:
    """The error for a database that holds Optuna's schema (``url`` as it may be shown)."""
    return RuntimeError(
        _refusal(f"The database {url} holds the tables of an Optuna storage, not parzen's.", url)
    )


def check_not_optuna_database(connection: Connection, url: str) -> None:
    """Raise :func:`optuna_schema_error` if the connected database has Optuna's tables."""
    import sqlalchemy as sa

    if is_optuna_schema(set(sa.inspect(connection).get_table_names())):
        raise optuna_schema_error(url)


def sqlite_read_only_uri(path: str | os.PathLike[str]) -> str:
    """A URI that opens the SQLite file ``path`` read-only: SQLite refuses every write."""
    import pathlib

    return pathlib.Path(path).absolute().as_uri() + "?mode=ro"


def check_not_optuna_sqlite_file(path: str, url: str) -> None:
    """Raise :func:`optuna_schema_error` if the SQLite file ``path`` holds Optuna's tables.

    The file is opened read-only; a missing file, or one SQLite cannot read, passes (opening
    it as a storage reports the problem).
    """
    import sqlite3

    if not os.path.isfile(path):
        return
    try:
        conn = sqlite3.connect(sqlite_read_only_uri(path), uri=True)
        try:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return
    if is_optuna_schema({str(r[0]) for r in rows}):
        raise optuna_schema_error(url)


def is_optuna_journal_head(head: bytes) -> bool:
    """Whether a file starting with ``head`` is a journal written by Optuna.

    Optuna writes one JSON object per line, each with an ``op_code``; parzen's lines start
    with the checksum's hexadecimal digits.

    Examples:
        >>> from parzen.storages._optuna_import._detect import is_optuna_journal_head
        >>> is_optuna_journal_head(b'{"op_code": 0, "worker_id": "w", "study_name": "s"}\\n')
        True
        >>> is_optuna_journal_head(b'1c291ca3 {"op":0,"name":"s","dirs":[1]}\\n')
        False
    """
    first_line = head.lstrip().split(b"\n", 1)[0]
    return first_line.startswith(b"{") and b'"op_code"' in first_line


def check_not_optuna_journal_file(path: str | os.PathLike[str]) -> None:
    """Raise ``StorageInternalError`` if ``path`` is a journal file that Optuna wrote.

    A missing or empty file passes: parzen starts a new journal there.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(_JOURNAL_HEAD)
    except (FileNotFoundError, IsADirectoryError):
        return
    if is_optuna_journal_head(head):
        path = os.fspath(path)
        raise StorageInternalError(
            _refusal(f"{path} is not a parzen journal file: Optuna wrote it.", path)
        )


def optuna_redis_keys(prefix: str) -> tuple[str, str]:
    """The keys of Optuna's Redis journal under ``prefix``: the last log number, the first log."""
    return f"{prefix}:log_number", f"{prefix}:log:0"


def check_not_optuna_redis(client: Any, parzen_key: str, prefix: str, url: str) -> None:
    """Raise ``StorageInternalError`` if Redis holds an Optuna journal under ``prefix`` only.

    ``client`` is a connected ``redis.Redis``. One round trip.
    """
    pipeline = client.pipeline(transaction=False)
    for key in (parzen_key, *optuna_redis_keys(prefix)):
        pipeline.exists(key)  # one key per command: a cluster may hold them on different nodes
    has_parzen, *optuna_keys = pipeline.execute()
    if not has_parzen and any(optuna_keys):
        raise StorageInternalError(
            _refusal(
                f"The Redis server {url} holds a journal written by Optuna under the prefix "
                f"{prefix!r} (key {optuna_redis_keys(prefix)[0]!r}), and no parzen journal.",
                url,
                f" --redis-prefix '{prefix}'" if prefix else "",
            )
        )
