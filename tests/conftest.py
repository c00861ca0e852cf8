"""Suite-wide fixtures and rules.

Databases: ``postgresql_url`` and ``mysql_url`` give each test session a schema or database
of its own on the servers of :mod:`parzen.testing.services`, dropped afterwards (and any left
by a killed session more than six hours old is dropped too).

Under CI, a test dependency that cannot be imported fails the run.

On a developer's machine, ``pytest.importorskip`` skips the tests of an optional framework
that is not installed. CI installs every test dependency (``.[test,benchmark]``), so there
the same skip would hide a broken install: this hook turns it into a failure, whether the
skip happened while collecting a module or while running a test.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Generator, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from parzen.testing.services import MYSQL_URL, POSTGRESQL_URL, in_ci, require_service

_IMPORT_SKIP = "could not import"


def _is_import_skip(report: Any) -> bool:
    if not report.skipped:
        return False
    longrepr = report.longrepr
    message = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return _IMPORT_SKIP in message


def _fail(report: Any) -> None:
    longrepr = report.longrepr
    message = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    report.outcome = "failed"
    report.longrepr = f"{message}\nCI installs every test dependency; this one is missing."


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if in_ci() and _is_import_skip(report):
        _fail(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if in_ci() and _is_import_skip(report):
        _fail(report)


# -- databases -------------------------------------------------------------------------------


_PREFIX = "parzen_test_"
_STALE_AFTER = 6 * 3600  # seconds: leftovers of test sessions that were killed


def _session_name() -> str:
    return f"{_PREFIX}{int(time.time())}_{uuid.uuid4().hex[:8]}"


def _is_stale(name: str) -> bool:
    stamp = name[len(_PREFIX) :].split("_", 1)[0]
    return stamp.isdigit() and int(stamp) < time.time() - _STALE_AFTER


def _require(url: str, name: str) -> sa.URL:
    parsed = sa.make_url(url)
    require_service(name, parsed.host or "127.0.0.1", parsed.port or 0)
    return parsed


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """A URL whose connections use a schema of their own, dropped after the session."""
    base = _require(POSTGRESQL_URL, "PostgreSQL").set(drivername="postgresql+psycopg")
    schema = _session_name()
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        existing = conn.execute(sa.text("SELECT nspname FROM pg_namespace")).scalars().all()
        for stale in filter(_is_stale, (n for n in existing if n.startswith(_PREFIX))):
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{stale}" CASCADE'))
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def mysql_url() -> Iterator[str]:
    """A URL of a database of its own, dropped after the session."""
    base = _require(MYSQL_URL, "MariaDB/MySQL").set(drivername="mysql+pymysql")
    database = _session_name()
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        existing = conn.execute(sa.text("SHOW DATABASES")).scalars().all()
        for stale in filter(_is_stale, (n for n in existing if n.startswith(_PREFIX))):
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{stale}`"))
        conn.execute(sa.text(f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4"))
    try:
        yield base.set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE `{database}`"))
        admin.dispose()
