"""``GrpcStorageProxy``: a storage whose every call goes to a ``run_grpc_proxy_server``."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Container, Sequence
from typing import TYPE_CHECKING, Any

from parzen import logging as parzen_logging
from parzen._records.direction import StudyDirection
from parzen.distributions import (
    BaseDistribution,
    check_distribution_compatibility,
    distribution_to_json,
)
from parzen.exceptions import (
    DuplicatedStudyError,
    StorageInternalError,
    UpdateFinishedTrialError,
)
from parzen.storages import _wire
from parzen.storages._base import (
    DEFAULT_STUDY_NAME_PREFIX,
    check_name,
)
from parzen.storages._forwarding import ForwardingStorage
from parzen.storages._grpc import _codec
from parzen.storages._grpc._grpc import grpc
from parzen.storages._grpc._server import CHANNEL_OPTIONS, METHOD_NAMES, SERVICE
from parzen.storages._heartbeat import RetryHeartbeatStaleTrialCallback
from parzen.storages._rdb._pending import PendingParam, PendingParams
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    from parzen.study import Study

_logger = parzen_logging.get_logger(__name__)

_FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
# Codes of a call that did not reach a live server, or lost it: the proxy is down or
# restarting. Anything else (a server of another protocol, say) is not worth retrying.
_RETRY = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED})
_MAX_BACKOFF = 1.0


class ProxyUnreachableError(StorageInternalError, grpc.RpcError):
    """The proxy did not answer within ``retry_timeout``; also a ``grpc.RpcError``."""


class GrpcStorageProxy(ForwardingStorage):
    """A storage served by :func:`~parzen.storages.run_grpc_proxy_server` in another process.

    Workers pass it as ``storage=`` instead of opening the database themselves, so thousands
    of them need only as many database connections as there are proxies. Requests and replies
    are JSON (no pickles). Of what the proxy serves, this client keeps only what cannot change:
    the finished trials of the studies it read (so reading a study again sends only what is
    new), decoded distributions and the kind of distribution each parameter name has; the
    heartbeat settings are asked again whenever the proxy restarts. Everything else is read
    through.

    Like :class:`~parzen.storages.RDBStorage`, in a trial that ``Study.optimize`` runs the
    parameters travel together: with the trial's end if it ends within 10 ms, otherwise from a
    background thread 10 ms after they were suggested. This client sees them at once; other
    workers within those 10 ms. The first use of a parameter name in a study is written at
    once, so that the proxy checks its distribution against the other workers' ones.

    Heartbeats are whatever the served storage has: start the proxy with, for example,
    ``RDBStorage(url, heartbeat_interval=60)`` and workers send heartbeats through it; a
    :class:`~parzen.storages.RetryHeartbeatStaleTrialCallback` given there runs in the
    workers.

    If the proxy goes away (restarts, or a network blip), each call retries with backoff for up
    to ``retry_timeout`` seconds, so workers carry on with a restarted proxy. A call that the
    proxy may have run before it died is settled by reading back: finishing a trial, creating
    or deleting a study. Creating a trial is retried as it is: if the first attempt reached the
    database, it leaves one RUNNING trial behind, which heartbeats turn into FAIL like the
    trial of a killed worker. No heartbeat arrives while no proxy runs: keep the served
    storage's ``grace_period`` longer than a restart takes, or live trials count as dead.

    Args:
        host: the host of the proxy.
        port: the port of the proxy.
        retry_timeout: seconds a call keeps retrying while the proxy cannot be reached, before
            it raises a :class:`~parzen.exceptions.StorageInternalError` (that is also a
            ``grpc.RpcError``).

    Examples:
        >>> import subprocess, sys
        >>> import parzen
        >>> server = subprocess.Popen([sys.executable, "-c", "import parzen; "
        ...     "parzen.storages.run_grpc_proxy_server('sqlite://', port=13918)"])
        >>> storage = parzen.storages.GrpcStorageProxy(host="localhost", port=13918)
        >>> storage.wait_server_ready(timeout=60)
        >>> study = parzen.create_study(storage=storage, study_name="shared")
        >>> study.optimize(lambda t: t.suggest_int("n", 0, 9), n_trials=4)
        >>> parzen.load_study(study_name="shared", storage=storage).trials[-1].number
        3
        >>> storage.close()
        >>> server.terminate()
        >>> server.wait()
        0
    """

    def __init__(
        self, *, host: str = "localhost", port: int = 13000, retry_timeout: float = 60.0
    ) -> None:
        if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
            raise ValueError(f"port must be an int in 1..65535, got {port!r}.")
        if not retry_timeout >= 0:
            raise ValueError(f"retry_timeout must be >= 0 seconds, got {retry_timeout!r}.")
        self._host = host
        self._port = port
        self._retry_timeout = float(retry_timeout)
        self._connect()

    def _connect(self) -> None:
        self._lock = threading.Lock()
        self._channel: Any = grpc.insecure_channel(
            f"{self._host}:{self._port}",
            options=[
                *CHANNEL_OPTIONS,
                # Reconnect quickly once a restarted proxy listens again.
                ("grpc.initial_reconnect_backoff_ms", 100),
                ("grpc.min_reconnect_backoff_ms", 100),
                ("grpc.max_reconnect_backoff_ms", 1000),
            ],
        )
        self._stubs = {
            name: self._channel.unary_unary(f"/{SERVICE}/{name}") for name in METHOD_NAMES
        }
        self._distributions = _wire.DistributionCache()
        self._pending = PendingParams(self._write_params)
        # The study of each trial this client created, and the distribution each parameter
        # name has in a study (one per name: all that a study stores are compatible).
        self._trial_study: dict[int, int] = {}
        self._param_dists: dict[int, dict[str, BaseDistribution]] = {}
        # study id -> trial id -> finished trial; and the ids as runs, made when needed.
        self._finished: dict[int, dict[int, FrozenTrial]] = {}
        self._known: dict[int, list[list[int]] | None] = {}
        self._server_run: str | None = None
        self._settings: list[Any] | None = None
        self._callback: RetryHeartbeatStaleTrialCallback | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"host": self._host, "port": self._port, "retry_timeout": self._retry_timeout}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._host, self._port = state["host"], state["port"]
        self._retry_timeout = state["retry_timeout"]
        self._connect()

    def __repr__(self) -> str:
        return f"GrpcStorageProxy(host={self._host!r}, port={self._port})"

    # -- connection -------------------------------------------------------------------------

    def wait_server_ready(self, timeout: float | None = None) -> None:
        """Wait until the proxy accepts connections.

        Raises:
            ConnectionError: it did not within ``timeout`` seconds.
        """
        try:
            grpc.channel_ready_future(self._open_channel()).result(timeout=timeout)
        except grpc.FutureTimeoutError:
            raise ConnectionError(
                f"No gRPC storage proxy answered at {self._host}:{self._port} within "
                f"{timeout}s. Start one with parzen.storages.run_grpc_proxy_server(storage, "
                f"host=..., port={self._port}), or check the host and port."
            ) from None

    def close(self) -> None:
        """Close the connection; the proxy cannot be used afterwards."""
        if self._channel is not None:
            self._pending.flush()
            self._channel.close()
            self._channel = None

    def remove_session(self) -> None:
        """Nothing to do: the proxy holds the database connections."""

    def _open_channel(self) -> Any:
        if self._channel is None:
            raise ValueError(
                f"{self!r} was closed; create a new GrpcStorageProxy to reach the proxy again."
            )
        return self._channel

    def _rpc(self, method: str, *args: Any) -> tuple[dict[str, Any], bool]:
        """Send one request; return the reply and whether it had to be sent more than once."""
        self._open_channel()
        stub = self._stubs[method]
        request = _wire.dumps(args).encode()
        deadline: float | None = None
        delay = 0.05
        while True:
            try:
                data = stub(request)
                break
            except grpc.RpcError as e:
                code = e.code()
                if code == grpc.StatusCode.UNIMPLEMENTED:
                    raise StorageInternalError(
                        f"The server at {self._host}:{self._port} does not serve parzen's "
                        f"storage proxy (no method {method!r}); is it another program, or an "
                        "Optuna proxy? Start parzen.storages.run_grpc_proxy_server there."
                    ) from e
                if code not in _RETRY:
                    raise StorageInternalError(
                        f"The gRPC storage proxy at {self._host}:{self._port} failed on "
                        f"{method}: {code.name}: {e.details()}"
                    ) from e
                now = time.monotonic()
                if deadline is None:
                    deadline = now + self._retry_timeout
                    _logger.warning(
                        f"The gRPC storage proxy at {self._host}:{self._port} is unreachable "
                        f"({code.name}); retrying for up to {self._retry_timeout:g}s."
                    )
                if now >= deadline:
                    raise ProxyUnreachableError(
                        f"The gRPC storage proxy at {self._host}:{self._port} did not answer "
                        f"{method} within retry_timeout={self._retry_timeout:g}s "
                        f"({code.name}: {e.details()}). Check that it runs "
                        "(parzen.storages.run_grpc_proxy_server) and that the host and port "
                        "are right."
                    ) from e
                time.sleep(min(delay, deadline - now))
                delay = min(2 * delay, _MAX_BACKOFF)
                self._open_channel()  # closed meanwhile by another thread
        reply: dict[str, Any] = _wire.loads(data)
        if reply["i"] != self._server_run:
            with self._lock:
                self._server_run, self._settings, self._callback = reply["i"], None, None
        return reply, deadline is not None

    def _call(self, method: str, *args: Any) -> Any:
        reply, _ = self._rpc(method, *args)
        if "e" in reply:
            raise _wire.decode_error(reply["e"])
        return reply["r"]

    # -- studies ----------------------------------------------------------------------------

    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        # The name is made here so that a retried request names the same study.
        if study_name is None:
            name = DEFAULT_STUDY_NAME_PREFIX + str(uuid.uuid4())
        else:
            check_name(study_name, "study name")
            name = study_name
        wanted = [int(StudyDirection(d)) for d in directions]
        reply, resent = self._rpc("create_new_study", wanted, name)
        if "e" in reply:
            error = _wire.decode_error(reply["e"])
            if not (resent and isinstance(error, DuplicatedStudyError)):
                raise error
            # The first attempt may have created it before the proxy went away: it is ours
            # if it is still exactly what we asked for.
            study_id = int(self._call("get_study_id_from_name", name))
            if self._call("get_study_directions", study_id) != wanted or self.get_n_trials(
                study_id
            ):
                raise error
            return study_id
        self._forget_study(int(reply["r"]))
        return int(reply["r"])

    def delete_study(self, study_id: int) -> None:
        reply, resent = self._rpc("delete_study", study_id)
        self._forget_study(study_id)
        if "e" in reply:
            error = _wire.decode_error(reply["e"])
            if not (resent and isinstance(error, KeyError)):  # else: the first attempt did it
                raise error

    def _forget_study(self, study_id: int) -> None:
        with self._lock:
            self._finished.pop(study_id, None)
            self._known.pop(study_id, None)
            self._param_dists.pop(study_id, None)

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        return [StudyDirection(d) for d in self._call("get_study_directions", study_id)]

    # -- trials -----------------------------------------------------------------------------

    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        template = None
        if template_trial is not None:
            template = _wire.encode_template(template_trial)
        trial_id = int(self._call("create_new_trial", study_id, template))
        with self._lock:
            self._trial_study[trial_id] = study_id
        return trial_id

    def set_trial_param(
        self,
        trial_id: int,
        param_name: str,
        param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        check_name(param_name, "parameter name")
        param = PendingParam(
            param_name,
            float(param_value_internal),
            distribution,
            distribution_to_json(distribution),
        )
        study_id = self._trial_study.get(trial_id)
        known = None if study_id is None else self._param_dists.get(study_id, {}).get(param_name)
        if known is not None:
            check_distribution_compatibility(known, distribution)
            if self._pending.add(trial_id, param):
                return
        # Sent now, after any still held (so that they keep the order they were suggested in).
        with self._pending.taken(trial_id) as held:
            self._call("set_trial_params", trial_id, [_param_message(p) for p in [*held, param]])
        if study_id is not None:
            with self._lock:
                self._param_dists.setdefault(study_id, {}).setdefault(param_name, distribution)

    def defer_param_writes(self, trial_id: int) -> None:
        if trial_id in self._trial_study:
            self._pending.own(trial_id)

    def _write_params(self, trial_id: int, params: list[PendingParam]) -> None:
        """Send parameters that waited (PendingParams calls this from its thread)."""
        try:
            self._call("set_trial_params", trial_id, [_param_message(p) for p in params])
        except (UpdateFinishedTrialError, KeyError):
            self._pending.disown(trial_id)  # the trial is over, its parameters with it

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        state = TrialState(state)
        wanted = None if values is None else [float(v) for v in values]
        with self._pending.taken(trial_id) as held:
            params = [_param_message(p) for p in held]
            reply, resent = self._rpc(
                "set_trial_state_values", trial_id, int(state), wanted, params
            )
            error = _wire.decode_error(reply["e"]) if "e" in reply else None
            if error is not None and not isinstance(error, UpdateFinishedTrialError):
                raise error  # the trial goes on: its parameters are kept, to be sent again
        if state.is_finished():
            self._pending.disown(trial_id)
            with self._lock:
                self._trial_study.pop(trial_id, None)
        if error is None:
            return bool(reply["r"])
        if resent:
            # The first attempt may have finished the trial before the proxy went away.
            trial = self.get_trial(trial_id)
            if trial.state == state and trial.values == wanted:
                return True
        raise error

    def get_trial(self, trial_id: int) -> FrozenTrial:
        trial = _wire.decode_trial(self._call("get_trial", trial_id), self._distributions)
        return trial if trial.state.is_finished() else self._pending.overlay(trial)

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        wire_states = _wire.encode_states(states)
        with_finished = states is None or any(s in states for s in _FINISHED)
        known = self._known_ranges(study_id) if with_finished else None
        trials = self._resolve(
            study_id, self._call("get_all_trials", study_id, wire_states, known)
        )
        if trials is None:  # the cache lost a study meanwhile: ask for everything
            data = self._call("get_all_trials", study_id, wire_states, None)
            trials = self._resolve(study_id, data)
            assert trials is not None
        if deepcopy:
            return [t._copy() for t in trials]
        return trials

    def get_finished_trials_since(
        self, study_id: int, cursor: int
    ) -> tuple[list[FrozenTrial], int]:
        known = self._known_ranges(study_id)
        data, next_cursor = self._call("get_finished_trials_since", study_id, cursor, known)
        trials = self._resolve(study_id, data)
        if trials is None:
            data, next_cursor = self._call("get_finished_trials_since", study_id, cursor, None)
            trials = self._resolve(study_id, data)
            assert trials is not None
        return trials, int(next_cursor)

    def _known_ranges(self, study_id: int) -> list[list[int]] | None:
        with self._lock:
            cached = self._finished.get(study_id)
            if not cached:
                return None
            ranges = self._known.get(study_id)
            if ranges is None:
                ranges = self._known[study_id] = _codec.id_ranges(sorted(cached))
            return ranges

    def _resolve(self, study_id: int, data: list[Any]) -> list[FrozenTrial] | None:
        """Trials from a reply: ids are finished trials from the cache, lists are new trials.

        Returns None if an id is no longer cached (another thread deleted the study).
        """
        decode, distributions = _wire.decode_trial, self._distributions
        trials: list[FrozenTrial] = []
        new: list[FrozenTrial] = []
        with self._lock:
            cached = self._finished.get(study_id, {})
        for item in data:
            if isinstance(item, int):
                trial = cached.get(item)
                if trial is None:
                    return None
            else:
                trial = decode(item, distributions)
                if trial.state.is_finished():
                    new.append(trial)
                else:
                    self._pending.overlay(trial)
            trials.append(trial)
        if new:
            with self._lock:
                cache = self._finished.setdefault(study_id, {})
                for trial in new:
                    cache[trial._trial_id] = trial
                self._known[study_id] = None
        return trials

    def get_best_trial(self, study_id: int) -> FrozenTrial:
        return _wire.decode_trial(self._call("get_best_trial", study_id), self._distributions)

    # -- heartbeats -------------------------------------------------------------------------

    def _storage_settings(self) -> list[Any]:
        """The served storage's heartbeat settings, read again after the proxy restarted."""
        settings = self._settings
        if settings is None:
            settings = self._call("storage_settings")
            with self._lock:
                self._settings = settings
                retry = settings[1]
                self._callback = (
                    None
                    if retry is None
                    else RetryHeartbeatStaleTrialCallback(
                        max_retry=retry[0], inherit_intermediate_values=retry[1]
                    )
                )
        return settings

    def is_heartbeat_enabled(self) -> bool:
        return self._storage_settings()[0] is not None

    def get_heartbeat_interval(self) -> int | None:
        interval: int | None = self._storage_settings()[0]
        return interval

    def get_failed_trial_callback(self) -> Callable[[Study, FrozenTrial], None] | None:
        self._storage_settings()
        return self._callback

    def get_heartbeat_stale_trial_callback(
        self,
    ) -> Callable[[Study, FrozenTrial], None] | None:
        """The callback run on each trial that heartbeats failed (Optuna 5's name)."""
        return self.get_failed_trial_callback()


def _param_message(param: PendingParam) -> list[Any]:
    return [param.name, param.value, param.distribution_json]
