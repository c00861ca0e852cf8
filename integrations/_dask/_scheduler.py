"""The scheduler side of the Dask integration: one plugin holding storages and run ledgers.

The plugin adds two handlers to the scheduler. ``parzen_dask_storage`` answers the requests
of every :class:`~parzen.integrations.dask.DaskStorage`, one named storage each.
``parzen_dask_runs`` keeps, for each ``optimize_on_dask`` call, which trial each of its tasks
started, so that a task that Dask runs again (its worker died, or a worker holding its result
did) does not run a second trial when its first one finished. Requests and replies are JSON
text; the plugin is created on the scheduler by the first client that needs it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Callable
from typing import Any

from parzen._records.direction import StudyDirection
from parzen.exceptions import StorageInternalError
from parzen.storages import BaseStorage, InMemoryStorage, _wire, get_storage
from parzen.trial import FrozenTrial, TrialState

PLUGIN_NAME = "parzen-dask"
STORAGE_HANDLER = "parzen_dask_storage"
RUNS_HANDLER = "parzen_dask_runs"
_STOPPED = -1  # the key, among a run's task indexes, that says the run is stopping


def import_distributed() -> Any:
    """``distributed``, or an ImportError that names the extra to install."""
    try:
        import distributed
    except ImportError as e:
        from parzen.integrations._common import missing_framework_error

        raise missing_framework_error("parzen.integrations.dask", "distributed", "dask", e) from e
    return distributed


def _error(kind: str, message: str) -> str:
    return _wire.dumps({"e": [kind, message]})


class _Served:
    """One named storage on the scheduler, and the heartbeats of its running trials."""

    def __init__(
        self, storage: BaseStorage, spec: dict[str, Any], grace_period: float | None
    ) -> None:
        self.storage = storage
        self.spec = spec
        self.grace_period = grace_period
        # In-memory calls are microseconds: answer them on the event loop. A database or a
        # journal file blocks, so those calls go to threads to keep the scheduler responsive.
        self.blocking = not isinstance(storage, InMemoryStorage)
        self._distributions = _wire.DistributionCache()
        self._lock = threading.Lock()
        self._alive_at: dict[int, float] = {}  # RUNNING trial id -> scheduler time of last beat
        self._encoded: dict[int, list[Any]] = {}  # finished trials never change

    def call(self, request: str) -> str:
        try:
            method, args = _wire.loads(request)
            handler = _SERVED_METHODS.get(method)
            if handler is None:
                raise StorageInternalError(
                    f"Unknown DaskStorage request {method!r}: the client runs another parzen "
                    "version than the scheduler. Install the same version on both."
                )
            result = handler(self, *args)
        except Exception as e:
            return _wire.dumps({"e": _wire.encode_error(e)})
        return _wire.dumps({"r": result})

    def _trial(self, trial: FrozenTrial) -> list[Any]:
        if not trial.state.is_finished():
            return _wire.encode_trial(trial)
        encoded = self._encoded.get(trial._trial_id)
        if encoded is None:
            encoded = _wire.encode_trial(trial)
            self._encoded[trial._trial_id] = encoded
        return encoded

    def _beat(self, trial_id: int) -> None:
        if self.grace_period is not None:
            with self._lock:
                self._alive_at[trial_id] = time.time()

    # Each method below answers the storage method of the same name, with JSON arguments.

    def create_new_study(self, directions: list[int], name: str | None) -> int:
        return self.storage.create_new_study([StudyDirection(d) for d in directions], name)

    def delete_study(self, study_id: int) -> None:
        self.storage.delete_study(study_id)
        self._encoded.clear()

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        self.storage.set_study_user_attr(study_id, key, value)

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        self.storage.set_study_system_attr(study_id, key, value)

    def get_study_id_from_name(self, name: str) -> int:
        return self.storage.get_study_id_from_name(name)

    def get_study_name_from_id(self, study_id: int) -> str:
        return self.storage.get_study_name_from_id(study_id)

    def get_study_directions(self, study_id: int) -> list[int]:
        return [int(d) for d in self.storage.get_study_directions(study_id)]

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        return self.storage.get_study_user_attrs(study_id)

    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        return self.storage.get_study_system_attrs(study_id)

    def get_all_studies(self) -> list[list[Any]]:
        return [_wire.encode_study(s) for s in self.storage.get_all_studies()]

    def create_new_trial(self, study_id: int, template: list[Any] | None) -> int:
        trial = None if template is None else _wire.decode_trial(template, self._distributions)
        trial_id = self.storage.create_new_trial(study_id, trial)
        if trial is None or trial.state == TrialState.RUNNING:
            self._beat(trial_id)
        return trial_id

    def set_trial_param(self, trial_id: int, name: str, internal: float, dist: str) -> None:
        self.storage.set_trial_param(trial_id, name, internal, self._distributions.get(dist))

    def get_trial_id_from_study_id_trial_number(self, study_id: int, number: int) -> int:
        return self.storage.get_trial_id_from_study_id_trial_number(study_id, number)

    def get_trial_number_from_id(self, trial_id: int) -> int:
        return self.storage.get_trial_number_from_id(trial_id)

    def set_trial_state_values(
        self, trial_id: int, state: int, values: list[float] | None
    ) -> bool:
        new_state = TrialState(state)
        changed = self.storage.set_trial_state_values(trial_id, new_state, values)
        if changed and new_state == TrialState.RUNNING:
            self._beat(trial_id)
        elif changed and new_state.is_finished():
            with self._lock:
                self._alive_at.pop(trial_id, None)
        return changed

    def set_trial_intermediate_value(self, trial_id: int, step: int, value: float) -> None:
        self.storage.set_trial_intermediate_value(trial_id, step, value)

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        self.storage.set_trial_user_attr(trial_id, key, value)

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        self.storage.set_trial_system_attr(trial_id, key, value)

    def get_trial(self, trial_id: int) -> list[Any]:
        return self._trial(self.storage.get_trial(trial_id))

    def get_trial_user_attrs(self, trial_id: int) -> dict[str, Any]:
        return self.storage.get_trial_user_attrs(trial_id)

    def get_trial_system_attrs(self, trial_id: int) -> dict[str, Any]:
        return self.storage.get_trial_system_attrs(trial_id)

    def get_all_trials(self, study_id: int, states: list[int] | None) -> list[list[Any]]:
        wanted = _wire.decode_states(states)
        trials = self.storage.get_all_trials(study_id, deepcopy=False, states=wanted)
        return [self._trial(t) for t in trials]

    def get_finished_trials_since(self, study_id: int, cursor: int) -> list[Any]:
        trials, next_cursor = self.storage.get_finished_trials_since(study_id, cursor)
        return [[self._trial(t) for t in trials], next_cursor]

    def get_n_trials(self, study_id: int, states: list[int] | None) -> int:
        wanted = _wire.decode_states(states)
        return self.storage.get_n_trials(study_id, wanted)

    def get_best_trial(self, study_id: int) -> list[Any]:
        return self._trial(self.storage.get_best_trial(study_id))

    def record_heartbeat(self, trial_id: int) -> None:
        self._require_heartbeats()
        self._beat(trial_id)

    def get_stale_trial_ids(self, study_id: int) -> list[int]:
        self._require_heartbeats()
        assert self.grace_period is not None
        running = self.storage.get_all_trials(
            study_id, deepcopy=False, states=(TrialState.RUNNING,)
        )
        now = time.time()
        stale = []
        with self._lock:
            for trial in running:
                # A RUNNING trial this plugin has not seen start (another writer of a shared
                # database) gets a full grace period from now before it counts as dead.
                alive_at = self._alive_at.setdefault(trial._trial_id, now)
                if alive_at < now - self.grace_period:
                    stale.append(trial._trial_id)
        return stale

    def _require_heartbeats(self) -> None:
        if self.grace_period is None:
            raise NotImplementedError(
                "This DaskStorage was created without heartbeats; create it with "
                "heartbeat_interval=... to use them."
            )


_SERVED_METHODS: dict[str, Callable[..., Any]] = {
    name: getattr(_Served, name)
    for name in (
        "create_new_study",
        "delete_study",
        "set_study_user_attr",
        "set_study_system_attr",
        "get_study_id_from_name",
        "get_study_name_from_id",
        "get_study_directions",
        "get_study_user_attrs",
        "get_study_system_attrs",
        "get_all_studies",
        "create_new_trial",
        "set_trial_param",
        "get_trial_id_from_study_id_trial_number",
        "get_trial_number_from_id",
        "set_trial_state_values",
        "set_trial_intermediate_value",
        "set_trial_user_attr",
        "set_trial_system_attr",
        "get_trial",
        "get_trial_user_attrs",
        "get_trial_system_attrs",
        "get_all_trials",
        "get_finished_trials_since",
        "get_n_trials",
        "get_best_trial",
        "record_heartbeat",
        "get_stale_trial_ids",
    )
}


def _make_plugin() -> Any:
    scheduler_plugin: Any = import_distributed().diagnostics.plugin.SchedulerPlugin

    class ParzenPlugin(scheduler_plugin):
        """The storages of every DaskStorage of one scheduler, and the optimize_on_dask runs."""

        name = PLUGIN_NAME

        def __init__(self) -> None:
            self.served: dict[str, _Served] = {}
            self.runs: dict[str, dict[int, int]] = {}  # run id -> task index -> trial id
            self._threads: concurrent.futures.ThreadPoolExecutor | None = None

        async def handle_storage(self, comm: Any = None, name: str = "", request: str = "") -> str:
            served = self.served.get(name)
            if served is None:
                return _error(
                    "StorageInternalError",
                    f"No DaskStorage named {name!r} on this scheduler; was the scheduler "
                    "restarted? A DaskStorage lives as long as its scheduler.",
                )
            if not served.blocking:
                return served.call(request)
            if self._threads is None:
                self._threads = concurrent.futures.ThreadPoolExecutor(
                    max_workers=4, thread_name_prefix="parzen-dask-storage"
                )
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._threads, served.call, request)

        def handle_runs(self, comm: Any = None, request: str = "") -> str:
            try:
                op, run_id, *args = _wire.loads(request)
                run = self.runs.get(run_id)
                if op == "start":
                    self.runs[run_id] = {}
                    return _wire.dumps({"r": None})
                if op == "get":  # -> [stopped, trial id an earlier attempt started or None]
                    if run is None or _STOPPED in run:
                        return _wire.dumps({"r": [True, None]})
                    return _wire.dumps({"r": [False, run.get(args[0])]})
                if op == "set":
                    if run is not None:  # a late task of a forgotten run: nothing to keep
                        run[args[0]] = args[1]
                    return _wire.dumps({"r": None})
                if op == "stop":
                    if run is not None:
                        run[_STOPPED] = 1
                    return _wire.dumps({"r": None})
                if op == "forget":
                    self.runs.pop(run_id, None)
                    return _wire.dumps({"r": None})
                raise ValueError(f"unknown operation {op!r}")
            except Exception as e:
                return _error("StorageInternalError", f"Bad optimize_on_dask request: {e}")

        def register(self, name: str, spec: dict[str, Any], storage: BaseStorage | None) -> str:
            existing = self.served.get(name)
            if existing is not None:
                if spec["kind"] == "object" or existing.spec != spec:
                    return _error(
                        "ValueError",
                        f"A DaskStorage named {name!r} already exists on this scheduler with "
                        f"settings {existing.spec}, not {spec}. Connect to it with the same "
                        "storage URL and heartbeat settings, or choose another name.",
                    )
                return _wire.dumps({"r": None})
            try:
                if spec["kind"] == "memory":
                    inner: BaseStorage = InMemoryStorage()
                elif spec["kind"] == "url":
                    inner = get_storage(spec["url"])
                else:
                    assert storage is not None
                    inner = storage
            except Exception as e:
                return _wire.dumps({"e": _wire.encode_error(e)})
            self.served[name] = _Served(inner, spec, spec["grace"])
            return _wire.dumps({"r": None})

        async def close(self) -> None:
            if self._threads is not None:
                self._threads.shutdown(wait=False)
            for served in self.served.values():
                served.storage.remove_session()

    return ParzenPlugin()


def install_plugin(dask_scheduler: Any = None) -> Any:
    """Run on the scheduler (``client.run_on_scheduler``): add the plugin once; return it."""
    plugin = dask_scheduler.plugins.get(PLUGIN_NAME)
    if plugin is None:
        plugin = _make_plugin()
        dask_scheduler.add_plugin(plugin, name=PLUGIN_NAME)
        dask_scheduler.handlers[STORAGE_HANDLER] = plugin.handle_storage
        dask_scheduler.handlers[RUNS_HANDLER] = plugin.handle_runs
    return plugin


def serve_storage(
    name: str, spec: dict[str, Any], storage: BaseStorage | None, dask_scheduler: Any = None
) -> str:
    """Run on the scheduler: serve the storage ``spec`` describes under ``name``."""
    result: str = install_plugin(dask_scheduler).register(name, spec, storage)
    return result


def ensure_plugin(dask_scheduler: Any = None) -> None:
    """Run on the scheduler: make sure the plugin (and so its handlers) exists."""
    install_plugin(dask_scheduler)


def base_storage(name: str, dask_scheduler: Any = None) -> BaseStorage:
    """Run on the scheduler: the storage served under ``name``."""
    served = install_plugin(dask_scheduler).served.get(name)
    if served is None:
        raise KeyError(f"The Dask scheduler serves no DaskStorage named {name!r}.")
    storage: BaseStorage = served.storage
    return storage
