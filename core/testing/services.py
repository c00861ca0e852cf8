"""Finding the external services (databases, Redis, a browser) that some tests need.

On a developer's machine a test whose service is absent is skipped with the reason; when the
environment variable ``CI`` is set, the same absence fails the test, so that CI never passes
by skipping.
"""

from __future__ import annotations

import os
import shutil
import socket

import pytest


def in_ci() -> bool:
    """Whether the tests run in CI (the ``CI`` environment variable is set and not false)."""
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(f"{reason}; CI must provide it (.ci/run starts the services).")
    pytest.skip(reason)


def require_service(name: str, host: str, port: int, timeout: float = 1.0) -> None:
    """Skip (or, in CI, fail) the calling test unless ``host:port`` accepts connections.

    Examples:
        >>> import socket
        >>> import pytest
        >>> from parzen.testing.services import require_service
        >>> server = socket.create_server(("127.0.0.1", 0))  # something listening
        >>> port = server.getsockname()[1]
        >>> require_service("A listener", "127.0.0.1", port)  # returns quietly
        >>> server.close()  # now nothing listens on that port
        >>> try:
        ...     require_service("A listener", "127.0.0.1", port)
        ... except (pytest.skip.Exception, pytest.fail.Exception) as outcome:
        ...     print(str(outcome).startswith("A listener is not reachable at 127.0.0.1"))
        True
    """
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except OSError as e:
        _unavailable(f"{name} is not reachable at {host}:{port} ({e})")


def require_executable(name: str, path: str) -> None:
    """Skip (or, in CI, fail) the calling test unless the program ``path`` exists."""
    if shutil.which(path) is None and not os.path.exists(path):
        _unavailable(f"{name} is not installed ({path} not found)")


POSTGRESQL_URL = os.environ.get(
    "PARZEN_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
MYSQL_URL = os.environ.get("PARZEN_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
REDIS_URL = os.environ.get("PARZEN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
