"""Fixtures of the artifact tests: every kind of storage, and real S3 and GCS servers.

The S3 server is moto's standalone server and the GCS server the ``gcp-storage-emulator``
package, both started by the tests on 127.0.0.1 and spoken to through the real client
libraries (boto3, google-cloud-storage): nothing in the client is mocked.
"""

from __future__ import annotations

import socket
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from parzen.storages import BaseStorage, InMemoryStorage, RDBStorage
from parzen.storages.journal import JournalFileBackend, JournalRedisBackend, JournalStorage
from parzen.testing.services import (
    REDIS_URL,
    in_ci,
    require_service,
)

STORAGES = ["inmemory", "sqlite", "postgresql", "mysql", "journal_file", "journal_redis"]
# postgresql_url and mysql_url are session fixtures of tests/conftest.py.


def redis_url() -> str:
    host_port = REDIS_URL.split("://", 1)[1].split("/", 1)[0]
    host, _, port = host_port.rpartition(":")
    require_service("Redis", host or "127.0.0.1", int(port or 6379))
    if not in_ci():
        pytest.importorskip("redis", reason="the redis package is not installed")
    return REDIS_URL


@pytest.fixture
def make_storage(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[str], BaseStorage]]:
    """Map a storage kind of STORAGES to a new, empty storage; cleaned up after the test."""
    cleanups: list[Callable[[], None]] = []

    def make(kind: str) -> BaseStorage:
        if kind == "inmemory":
            return InMemoryStorage()
        if kind == "sqlite":
            return RDBStorage(f"sqlite:///{tmp_path / 'study.db'}")
        if kind in ("postgresql", "mysql"):
            url: str = request.getfixturevalue(f"{kind}_url")
            storage = RDBStorage(url)
            cleanups.append(storage._db.dispose)
            return storage
        if kind == "journal_file":
            return JournalStorage(JournalFileBackend(tmp_path / "journal.log"))
        if kind == "journal_redis":
            backend = JournalRedisBackend(redis_url(), prefix=f"parzen-test-{uuid.uuid4().hex}:")

            def drop() -> None:
                backend._client.delete(backend.key)
                backend._client.close()

            cleanups.append(drop)
            return JournalStorage(backend)
        raise ValueError(f"unknown storage kind {kind!r}")

    yield make
    for cleanup in reversed(cleanups):
        cleanup()


@pytest.fixture(params=["parzen", "optuna"])
def lib(request: pytest.FixtureRequest) -> ModuleType:
    """parzen, and Optuna when installed: a parity test passes unchanged on both."""
    if request.param == "optuna":
        module = pytest.importorskip("optuna")
        module.logging.set_verbosity(module.logging.WARNING)
        return module
    import parzen

    return parzen


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- S3: moto's standalone server --------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """The URL of a moto S3 server on 127.0.0.1, running for the session."""
    moto_server = pytest.importorskip("moto.server")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_client(s3_endpoint: str) -> Any:
    boto3 = pytest.importorskip("boto3")
    return boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="parzen-test",
        aws_secret_access_key="parzen-test",
    )


@pytest.fixture
def s3_bucket(s3_client: Any) -> str:
    """A new, empty bucket of the S3 server."""
    name = f"parzen-{uuid.uuid4().hex[:16]}"
    s3_client.create_bucket(Bucket=name)
    return name


# -- GCS: the gcp-storage-emulator package -----------------------------------------------------


@pytest.fixture(scope="session")
def gcs_endpoint() -> Iterator[str]:
    """The URL of a Google Cloud Storage emulator on 127.0.0.1, running for the session."""
    emulator = pytest.importorskip("gcp_storage_emulator.server")
    port = _free_port()
    server = emulator.create_server("127.0.0.1", port, in_memory=True)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def gcs_client(gcs_endpoint: str) -> Any:
    storage = pytest.importorskip("google.cloud.storage")
    from google.auth.credentials import AnonymousCredentials

    return storage.Client(
        project="parzen-test",
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": gcs_endpoint},
    )


@pytest.fixture
def gcs_bucket(gcs_client: Any) -> str:
    name = f"parzen-{uuid.uuid4().hex[:16]}"
    gcs_client.create_bucket(name)
    return name


@pytest.fixture
def quiet_experimental() -> Iterator[None]:
    """GCSArtifactStore warns that it is experimental, as Optuna's does."""
    from parzen.exceptions import ExperimentalWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        yield


@pytest.fixture
def parzen_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog, receiving parzen's log records (which do not propagate by default)."""
    import logging

    import parzen

    parzen.logging.enable_propagation()
    try:
        with caplog.at_level(logging.WARNING):
            yield caplog
    finally:
        parzen.logging.disable_propagation()
