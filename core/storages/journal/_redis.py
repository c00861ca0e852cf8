"""JournalRedisBackend: the journal log kept in a Redis list.

Lets workers on several machines share a JournalStorage through a Redis server; the
``redis`` package is imported only when the backend is built.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from parzen.storages._optuna_import._detect import check_not_optuna_redis
from parzen.storages.journal._base import BaseJournalBackend

if TYPE_CHECKING:
    import redis as redis_module

# Reads the records a writer has not seen yet and appends its own, in one atomic step: Redis
# runs a script without interleaving other commands.
_APPEND_AND_READ_SCRIPT = """
local before = redis.call('LRANGE', KEYS[1], ARGV[1], -1)
local length = 0
for i = 2, #ARGV do
    length = redis.call('RPUSH', KEYS[1], ARGV[i])
end
return {length - (#ARGV - 1), before}
"""


def _import_redis() -> Any:
    try:
        import redis
    except ImportError as e:
        raise ImportError(
            "JournalRedisBackend needs the 'redis' package, which is not installed. Install it "
            'with: pip install "parzen[redis]"'
        ) from e
    return redis


class JournalRedisBackend(BaseJournalBackend):
    """A journal kept in a Redis list, for workers on many machines without a shared disk.

    Records are JSON strings in the list ``<prefix>parzen:journal``; a record's log number is
    its index. A writer reads the records it has not seen and appends its own in one atomic
    server-side script, so the log order decides every conflict. Readers fetch only the records
    after the last one they read.

    Args:
        url: the server, e.g. ``"redis://localhost:6379/0"``.
        use_cluster: connect to a Redis Cluster.
        prefix: prepended to the key, so that several storages can share one server.
        socket_connect_timeout: seconds to wait for a connection before giving up.
        socket_timeout: seconds to wait for an answer before giving up (None: forever).

    Raises:
        ImportError: the ``redis`` package is not installed (``pip install "parzen[redis]"``).
        ConnectionError: the server cannot be reached.

    Examples:
        >>> import parzen
        >>> from parzen.storages.journal import JournalRedisBackend, JournalStorage
        >>> backend = JournalRedisBackend(
        ...     "redis://127.0.0.1:6379", prefix="doc-example:")  # doctest: +SKIP
        >>> study = parzen.create_study(storage=JournalStorage(backend))  # doctest: +SKIP
    """

    def __init__(
        self,
        url: str,
        use_cluster: bool = False,
        prefix: str = "",
        *,
        socket_connect_timeout: float = 5.0,
        socket_timeout: float | None = 60.0,
    ) -> None:
        self._url = url
        self._use_cluster = use_cluster
        self._prefix = prefix
        self._socket_connect_timeout = socket_connect_timeout
        self._socket_timeout = socket_timeout
        self._key = f"{prefix}parzen:journal"
        self._connect()

    def _connect(self) -> None:
        redis = _import_redis()
        options = {
            "socket_connect_timeout": self._socket_connect_timeout,
            "socket_timeout": self._socket_timeout,
        }
        try:
            if self._use_cluster:
                self._client: redis_module.Redis = redis.cluster.RedisCluster.from_url(
                    self._url, **options
                )
            else:
                self._client = redis.Redis.from_url(self._url, **options)
            self._client.ping()
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as e:
            raise ConnectionError(
                f"Could not reach the Redis server at {self._url!r} within "
                f"{self._socket_connect_timeout}s: {e}. Start the server, or fix the URL "
                "passed to JournalRedisBackend."
            ) from e
        check_not_optuna_redis(self._client, self._key, self._prefix, self._url)
        self._script = self._client.register_script(_APPEND_AND_READ_SCRIPT)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_client"], state["_script"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._connect()

    @property
    def key(self) -> str:
        """The Redis key of the journal list."""
        return self._key

    def read_logs(self, log_number_from: int) -> list[dict[str, Any]]:
        return [json.loads(r) for r in self._client.lrange(self._key, log_number_from, -1)]

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        if logs:
            self._client.rpush(self._key, *(_dumps(r) for r in logs))

    def append_logs_and_read(
        self, log_number_from: int, logs: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], int]:
        first, before = self._script(
            keys=[self._key], args=[log_number_from, *(_dumps(r) for r in logs)]
        )
        return [json.loads(r) for r in before], int(first)


def _dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, separators=(",", ":"))
