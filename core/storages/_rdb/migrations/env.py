"""Alembic environment of parzen's relational storage.

parzen runs migrations itself (``parzen storage upgrade`` or the first open of an empty
database), passing the connection to use in ``config.attributes["connection"]``. Running the
``alembic`` command with ``sqlalchemy.url`` set in the configuration works too.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from parzen.storages._rdb.models import VERSION_TABLE, metadata


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError(
            "parzen's Alembic environment needs a connection: run `parzen storage upgrade "
            "--storage URL`, or set sqlalchemy.url in the Alembic configuration."
        )
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError(
        "parzen's migrations run online only; run `parzen storage upgrade --storage URL`."
    )
run_migrations_online()
