"""``run_grpc_proxy_server``: one process holds the storage and serves it to many workers."""

from __future__ import annotations

import signal
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from parzen import logging as parzen_logging
from parzen._records.direction import StudyDirection
from parzen.distributions import json_to_distribution
from parzen.storages import _wire
from parzen.storages._base import BaseStorage
from parzen.storages._grpc import _codec
from parzen.storages._grpc._grpc import grpc
from parzen.storages._heartbeat import RetryHeartbeatStaleTrialCallback
from parzen.trial import TrialState

_logger = parzen_logging.get_logger(__name__)

SERVICE = "parzen.storages.StorageProxy"
# Large studies travel in one reply; the default 4 MB limit would cut them off.
CHANNEL_OPTIONS = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]
# Seconds that calls in flight get to finish when the server is asked to stop.
_STOP_GRACE = 5.0


def _all_trials(storage: BaseStorage, study_id: int, states: Any, known: Any) -> Any:
    trials = storage.get_all_trials(study_id, deepcopy=False, states=_wire.decode_states(states))
    return _codec.encode_trials(trials, _codec.IdRanges(known) if known else None)


def _finished_since(storage: BaseStorage, study_id: int, cursor: int, known: Any) -> Any:
    trials, cursor = storage.get_finished_trials_since(study_id, cursor)
    return [_codec.encode_trials(trials, _codec.IdRanges(known) if known else None), cursor]


def _settings(storage: BaseStorage) -> Any:
    """What a client needs to run heartbeats: the interval, and a retry callback as data."""
    if not storage.is_heartbeat_enabled():
        return [None, None]
    callback = storage.get_failed_trial_callback()
    retry = None
    if isinstance(callback, RetryHeartbeatStaleTrialCallback):
        retry = [callback._max_retry, callback._inherit_intermediate_values]
    return [storage.get_heartbeat_interval(), retry]


def _set_params(storage: BaseStorage, trial_id: int, params: list[Any]) -> None:
    for name, value, dist in params:
        storage.set_trial_param(trial_id, name, value, json_to_distribution(dist))


def _set_state_values(
    storage: BaseStorage, trial_id: int, state: int, values: Any, params: list[Any]
) -> bool:
    """Finish a trial with the parameters its client still held, as one call."""
    if params:
        if TrialState(state).is_finished():
            # This call ends the trial: the storage may write the parameters with its end.
            storage.defer_param_writes(trial_id)
        _set_params(storage, trial_id, params)
    return storage.set_trial_state_values(trial_id, TrialState(state), values)


def _template(data: Any) -> Any:
    return None if data is None else _wire.decode_trial(data, _wire.DistributionCache())


# Each method takes the storage and the request's JSON arguments, and returns JSON data.
_METHODS: dict[str, Callable[..., Any]] = {
    "create_new_study": lambda s, directions, name: s.create_new_study(
        [StudyDirection(d) for d in directions], name
    ),
    "delete_study": lambda s, study_id: s.delete_study(study_id),
    "set_study_user_attr": lambda s, i, k, v: s.set_study_user_attr(i, k, v),
    "set_study_system_attr": lambda s, i, k, v: s.set_study_system_attr(i, k, v),
    "get_study_id_from_name": lambda s, name: s.get_study_id_from_name(name),
    "get_study_name_from_id": lambda s, study_id: s.get_study_name_from_id(study_id),
    "get_study_directions": lambda s, study_id: [int(d) for d in s.get_study_directions(study_id)],
    "get_study_user_attrs": lambda s, study_id: s.get_study_user_attrs(study_id),
    "get_study_system_attrs": lambda s, study_id: s.get_study_system_attrs(study_id),
    "get_all_studies": lambda s: [_wire.encode_study(x) for x in s.get_all_studies()],
    "create_new_trial": lambda s, study_id, template: s.create_new_trial(
        study_id, _template(template)
    ),
    "set_trial_param": lambda s, trial_id, name, value, dist: s.set_trial_param(
        trial_id, name, value, json_to_distribution(dist)
    ),
    "get_trial_id_from_study_id_trial_number": lambda s, i, n: (
        s.get_trial_id_from_study_id_trial_number(i, n)
    ),
    "set_trial_params": lambda s, trial_id, params: _set_params(s, trial_id, params),
    "set_trial_state_values": _set_state_values,
    "set_trial_intermediate_value": lambda s, i, step, v: s.set_trial_intermediate_value(
        i, step, v
    ),
    "set_trial_user_attr": lambda s, i, k, v: s.set_trial_user_attr(i, k, v),
    "set_trial_system_attr": lambda s, i, k, v: s.set_trial_system_attr(i, k, v),
    "get_trial": lambda s, trial_id: _wire.encode_trial(s.get_trial(trial_id)),
    "get_all_trials": _all_trials,
    "get_finished_trials_since": _finished_since,
    "get_n_trials": lambda s, study_id, states: s.get_n_trials(
        study_id, _wire.decode_states(states)
    ),
    "get_best_trial": lambda s, study_id: _wire.encode_trial(s.get_best_trial(study_id)),
    "record_heartbeat": lambda s, trial_id: s.record_heartbeat(trial_id),
    "get_stale_trial_ids": lambda s, study_id: s.get_stale_trial_ids(study_id),
    "storage_settings": _settings,
}
METHOD_NAMES = frozenset(_METHODS)


def make_server(
    storage: BaseStorage,
    host: str,
    port: int,
    thread_pool: ThreadPoolExecutor | None = None,
) -> tuple[Any, int]:
    """A ``grpc.Server`` for ``storage``, not started yet, and the port it is bound to.

    ``port=0`` binds a free port. Call ``start()`` and, at the end, ``stop(grace)``.
    """
    # Every reply names this server's run, so clients notice a restart and re-read settings.
    incarnation = uuid.uuid4().hex[:8]

    def handler(method: Callable[..., Any]) -> Any:
        def handle(request: bytes, context: Any) -> bytes:
            try:
                result = method(storage, *_wire.loads(request))
                return _wire.dumps({"r": result, "i": incarnation}).encode()
            except Exception as e:  # sent back and raised again in the client
                return _wire.dumps({"e": _wire.encode_error(e), "i": incarnation}).encode()

        return grpc.unary_unary_rpc_method_handler(handle)

    service = grpc.method_handlers_generic_handler(
        SERVICE, {name: handler(method) for name, method in _METHODS.items()}
    )
    server = grpc.server(
        thread_pool or ThreadPoolExecutor(max_workers=10, thread_name_prefix="parzen-proxy"),
        handlers=[service],
        # Two servers on one port would split the workers between two storages silently.
        options=[*CHANNEL_OPTIONS, ("grpc.so_reuseport", 0)],
    )
    address = f"{host}:{port}"
    try:
        bound = server.add_insecure_port(address)
    except RuntimeError as e:
        bound = 0
        cause: BaseException | None = e
    else:
        cause = None
    if not bound:
        raise OSError(
            f"The gRPC storage proxy could not listen on {address}: the port is in use or the "
            "host is not an address of this machine. Pick another port (port=0 picks a free "
            "one) or stop the process that holds it."
        ) from cause
    return server, bound


def run_grpc_proxy_server(
    storage: BaseStorage | str,
    *,
    host: str = "localhost",
    port: int = 13000,
    thread_pool: ThreadPoolExecutor | None = None,
) -> None:
    """Serve a storage to workers over gRPC, until interrupted; workers use GrpcStorageProxy.

    Thousands of workers can share one database through a few proxies instead of opening
    thousands of connections: each proxy holds one storage (and its connections and cache)
    and answers :class:`~parzen.storages.GrpcStorageProxy` clients. Requests and replies are
    JSON documents; nothing is ever unpickled. Any parzen storage can be served (RDB, journal,
    in-memory); heartbeats are configured on the served storage, and a
    :class:`~parzen.storages.RetryHeartbeatStaleTrialCallback` there runs in the workers
    (another stale-trial callback cannot cross the wire and is ignored, with a warning).

    The call blocks. Ctrl-C, or SIGTERM when called from the main thread, stops the server
    after letting the calls in flight finish, so clients carry on with the next proxy.

    Args:
        storage: the storage to serve, or a URL for :func:`~parzen.storages.get_storage`.
        host: the host name or address to listen on (``"0.0.0.0"`` for every interface).
        port: the port to listen on; 0 picks a free one (logged at start).
        thread_pool: the threads that run requests; by default 10.

    Raises:
        OSError: the port is taken.

    Examples:
        >>> import subprocess, sys
        >>> import parzen
        >>> server = subprocess.Popen([sys.executable, "-c", "import parzen; "
        ...     "parzen.storages.run_grpc_proxy_server('sqlite://', port=13917)"])
        >>> proxy = parzen.storages.GrpcStorageProxy(port=13917)
        >>> proxy.wait_server_ready(timeout=60)
        >>> study = parzen.create_study(storage=proxy)
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        >>> len(study.trials)
        3
        >>> proxy.close()
        >>> server.terminate()  # SIGTERM: a graceful stop
        >>> server.wait()
        0
    """
    from parzen.storages._factory import get_storage

    storage = get_storage(storage)
    if storage.is_heartbeat_enabled():
        callback = storage.get_failed_trial_callback()
        if callback is not None and not isinstance(callback, RetryHeartbeatStaleTrialCallback):
            _logger.warning(
                f"The storage's heartbeat_stale_trial_callback {callback!r} cannot run in the "
                "workers of a gRPC proxy (only RetryHeartbeatStaleTrialCallback can): trials "
                "that heartbeats fail will not be passed to it."
            )
    server, bound = make_server(storage, host, port, thread_pool)
    server.start()
    _logger.info(f"Server started at {host}:{bound}")
    _logger.info("Listening...")
    restore = _stop_on_sigterm(server)
    try:
        server.wait_for_termination()
    finally:
        server.stop(_STOP_GRACE).wait()
        restore()


def _stop_on_sigterm(server: Any) -> Callable[[], None]:
    """Make SIGTERM stop the server gracefully; return what undoes that."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.getsignal(signal.SIGTERM)
    if previous is not signal.SIG_DFL:
        return lambda: None  # the program handles SIGTERM itself

    def stop(signum: int, frame: Any) -> None:
        _logger.info("SIGTERM: stopping after the calls in flight.")
        server.stop(_STOP_GRACE)

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    signal.signal(signal.SIGTERM, stop)
    return restore
