"""Databases for the RDBStorage tests: SQLite files, PostgreSQL schemas, MySQL databases.

Each server backend gets a database (MySQL) or schema (PostgreSQL) of its own for the test
session, dropped at the end (and, if the session was killed, by a later session once it is six
hours old), so parallel runs never see each other's tables. Tests that need a server skip when
it is unreachable, and fail instead when the ``CI`` environment variable is set.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from parzen.storages._rdb import RDBStorage, models

BACKENDS = ["sqlite", "postgresql", "mysql"]

# -- databases --------------------------------------------------------------------------------


# postgresql_url and mysql_url are session fixtures of tests/conftest.py.


def _wipe(url: str) -> None:
    """Delete every study (and, by cascade, everything else) of a session database."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            if sa.inspect(conn).has_table(models.studies.name):
                if engine.dialect.name == "sqlite":
                    conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.execute(sa.delete(models.studies))
    finally:
        engine.dispose()


@pytest.fixture
def url_of(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], str]:
    """Map a backend name to the URL of an empty parzen database for this test."""

    def url_of(backend: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / 'study.db'}"
        url: str = request.getfixturevalue(f"{backend}_url")
        _wipe(url)
        return url

    return url_of


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def url(backend: str, url_of: Callable[[str], str]) -> str:
    return url_of(backend)


@pytest.fixture
def storage(url: str) -> Iterator[RDBStorage]:
    storage = RDBStorage(url)
    yield storage
    storage._db.dispose()


# -- gRPC storage proxies in processes of their own -------------------------------------------

_PROXY_MAIN = """
import json, sys
import parzen
spec = json.loads(sys.argv[1])
storage = parzen.storages.RDBStorage(spec["url"], **spec["heartbeats"])
parzen.storages.run_grpc_proxy_server(storage, host="127.0.0.1", port=spec["port"])
"""


class ProxyProcess:
    """A ``run_grpc_proxy_server`` over an RDB URL in a subprocess; restartable on its port."""

    def __init__(self, url: str, heartbeats: dict[str, float]) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        spec = {"url": url, "heartbeats": heartbeats, "port": self.port}
        self._args = [sys.executable, "-c", _PROXY_MAIN, json.dumps(spec)]
        self.start()

    def start(self) -> None:
        """Start the proxy (again, on the same port) and wait until it answers."""
        from parzen.storages import GrpcStorageProxy

        self.process = subprocess.Popen(self._args)
        client = GrpcStorageProxy(host="127.0.0.1", port=self.port)
        try:
            client.wait_server_ready(timeout=60)
        finally:
            client.close()

    def stop(self, signum: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signum)
        self.process.wait(timeout=60)


@pytest.fixture
def grpc_proxy() -> Iterator[Callable[..., ProxyProcess]]:
    """Start proxies with ``grpc_proxy(url, heartbeat_interval=..., grace_period=...)``."""
    started: list[ProxyProcess] = []

    def start(url: str, **heartbeats: float) -> ProxyProcess:
        started.append(ProxyProcess(url, heartbeats))
        return started[-1]

    yield start
    for proxy in started:
        proxy.stop(signal.SIGKILL)
