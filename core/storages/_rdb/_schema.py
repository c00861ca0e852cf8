"""Creating, checking and upgrading the schema of the relational storage.

The schema is created by the Alembic migration ``v1`` and changed only by later migrations,
which ``parzen storage upgrade --storage URL`` runs. The revision of a database is stored in
the ``parzen_alembic_version`` table. Opening a database whose revision is older than this
parzen's refuses with a message naming that command: a database is never altered silently.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from parzen.storages._optuna_import._detect import check_not_optuna_database
from parzen.storages._rdb import models
from parzen.storages._rdb._engine import Database, masked

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations")

# Extra directories of migration scripts: tests add a fake newer revision here.
_extra_version_locations: list[str] = []


def alembic_config(connection: Connection | None = None) -> Any:
    """An Alembic ``Config`` for parzen's migrations, working from the installed package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", MIGRATIONS_DIR)
    locations = [os.path.join(MIGRATIONS_DIR, "versions"), *_extra_version_locations]
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(locations))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision among the migration scripts."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def current_revision(connection: Connection) -> str | None:
    """The revision stamped in the database, or None if it has no version table."""
    if not sa.inspect(connection).has_table(models.VERSION_TABLE):
        return None
    rows = connection.execute(sa.text(f"SELECT version_num FROM {models.VERSION_TABLE}")).all()
    if not rows:
        # MySQL commits DDL at once: another process may be between creating this table and
        # stamping it. Callers re-check under the schema lock.
        return None
    if len(rows) != 1:
        raise RuntimeError(
            f"The table {models.VERSION_TABLE} should hold one revision, found "
            f"{[r[0] for r in rows]}. It was edited by hand or by another tool."
        )
    return str(rows[0][0])


def _has_parzen_tables(connection: Connection) -> bool:
    names = set(sa.inspect(connection).get_table_names())
    return any(t in names for t in models.metadata.tables)


@contextmanager
def schema_lock(db: Database, connection: Connection) -> Iterator[None]:
    """Serialize schema changes between processes (SQLite serializes them by itself)."""
    if db.is_sqlite:
        yield
        return
    key = zlib.crc32(b"parzen-schema")
    if db.is_mysql:
        got = connection.execute(sa.text("SELECT GET_LOCK('parzen_schema', 60)")).scalar()
        if got != 1:
            raise RuntimeError(
                f"Timed out waiting for another process to finish creating or upgrading the "
                f"schema of {masked(db.url)}."
            )
        try:
            yield
        finally:
            connection.execute(sa.text("SELECT RELEASE_LOCK('parzen_schema')"))
        return
    connection.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": key})
    try:
        yield
    finally:
        connection.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})


def _upgrade_message(url: str) -> str:
    return f"parzen storage upgrade --storage '{url}'"


def ensure_schema(db: Database, *, create: bool, check: bool) -> None:
    """Create the schema of an empty database (if ``create``) and check its revision.

    Raises:
        RuntimeError: the database holds an older or newer schema, or tables without a
            recorded revision.
    """

    def probe() -> str | None:
        with db.connect(db.engine) as conn:
            return current_revision(conn)

    revision = db.retrying(probe)
    if revision is None:
        db.retrying(lambda: _refuse_optuna(db))
    if revision is None and create:
        # SQLite answers "locked" at once while another process creates the schema.
        db.retrying(lambda: _create(db))
        return
    if check:
        _check(db, revision)


def _create(db: Database) -> None:
    from alembic import command

    # One transaction from the check to the stamp: on SQLite and PostgreSQL, whose DDL is
    # transactional, a concurrent creator sees either nothing or the whole schema; on MySQL
    # the schema lock keeps creators apart.
    with (
        db.connect(db.autocommit_engine) as lock_conn,
        schema_lock(db, lock_conn),
        db.connect(db.tx_engine) as conn,
    ):
        revision = current_revision(conn)
        if revision is None and _has_parzen_tables(conn):
            raise RuntimeError(_unstamped_message(db))
        if revision is None:
            command.upgrade(alembic_config(conn), "head")
        conn.commit()
    if revision is not None:  # another process created it meanwhile
        _check(db, revision)


def _check(db: Database, revision: str | None) -> None:
    if revision == models.SCHEMA_VERSION:
        return
    url = masked(db.url)
    if revision is None:
        with db.connect(db.engine) as conn:
            has_tables = _has_parzen_tables(conn)
        if has_tables:
            raise RuntimeError(_unstamped_message(db))
        raise RuntimeError(
            f"The database {url} has no parzen schema, and skip_table_creation=True was "
            f"given. Create it with `{_upgrade_message(url)}`, or open the storage without "
            "skip_table_creation."
        )
    if revision in known_revisions():
        raise RuntimeError(
            f"The database {url} uses schema revision {revision!r}, older than the "
            f"{models.SCHEMA_VERSION!r} this version of parzen needs. parzen does not change a "
            f"database's schema on its own: back it up, then run `{_upgrade_message(url)}`."
        )
    raise RuntimeError(
        f"The database {url} uses schema revision {revision!r}, which this version of parzen "
        f"(schema {models.SCHEMA_VERSION!r}) does not know: it was written by a newer parzen. "
        "Upgrade parzen (pip install -U parzen) on this machine."
    )


def _refuse_optuna(db: Database) -> None:
    """Raise if the database is Optuna's: parzen never adds its tables beside Optuna's."""
    with db.connect(db.engine) as conn:
        check_not_optuna_database(conn, masked(db.url))


def _unstamped_message(db: Database) -> str:
    return (
        f"The database {masked(db.url)} holds parzen tables but no {models.VERSION_TABLE} "
        "table recording their schema revision, so parzen cannot tell which schema they "
        "follow. Restore the table from a backup, or move the data to a new database."
    )


def upgrade(db: Database) -> tuple[str | None, str]:
    """Run every pending migration; return the revisions before and after.

    An empty database gets the whole schema.
    """
    from alembic import command

    with (
        db.connect(db.autocommit_engine) as lock_conn,
        schema_lock(db, lock_conn),
        db.connect(db.tx_engine) as conn,
    ):
        before = current_revision(conn)
        if before is None:
            check_not_optuna_database(conn, masked(db.url))
        if before is None and _has_parzen_tables(conn):
            raise RuntimeError(_unstamped_message(db))
        if before is not None and before not in known_revisions():
            raise RuntimeError(
                f"The database {masked(db.url)} uses schema revision {before!r}, which "
                "this version of parzen does not know: it was written by a newer parzen. "
                "Upgrade parzen instead."
            )
        command.upgrade(alembic_config(conn), "head")
        after = current_revision(conn)
        conn.commit()
    assert after is not None
    return before, after
