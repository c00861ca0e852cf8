"""DaskStorage: one storage on the Dask scheduler, shared by the client and every worker.

The real storage (in memory by default) lives in a scheduler plugin. A :class:`DaskStorage`
is a handle to it: each storage method becomes one request to a handler that the plugin adds
to the scheduler, with JSON text as the request and the reply (``parzen.storages._wire``).
The handle holds no state besides its name, so it travels to workers inside tasks and finds
the scheduler again through the worker's client.

Heartbeats are kept by the plugin with the scheduler's clock, so workers need no synchronized
clocks, and a worker that dies stops beating like any other.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Container, Sequence
from typing import TYPE_CHECKING, Any

from parzen._records.direction import StudyDirection
from parzen.distributions import BaseDistribution, distribution_to_json
from parzen.exceptions import StorageInternalError
from parzen.integrations._dask._scheduler import (
    STORAGE_HANDLER,
    base_storage,
    import_distributed,
    serve_storage,
)
from parzen.storages import BaseStorage, InMemoryStorage, _wire
from parzen.storages._forwarding import ForwardingStorage
from parzen.storages._heartbeat import check_heartbeat_settings
from parzen.trial import FrozenTrial, TrialState

if TYPE_CHECKING:
    import distributed

    from parzen.study import Study

_FINISHED_STATES = frozenset(
    int(s) for s in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
)


class DaskStorage(ForwardingStorage):
    """A storage on the Dask scheduler that the client and every worker share.

    The storage itself (a fresh in-memory one by default, or the one ``storage`` names) lives
    on the scheduler of ``client``'s cluster; this object forwards every storage call to it.
    Workers thus share a study without a database: pass this storage to
    :func:`~parzen.create_study` and run trials with
    :func:`~parzen.integrations.dask.optimize_on_dask`, or submit your own tasks that call
    ``study.optimize``. Requests and replies are JSON text, so the scheduler keeps and sends
    data only, never pickles.

    The storage lasts as long as the scheduler: an in-memory one is lost when the scheduler
    stops. Give ``storage`` a database URL to keep it, or for long runs prefer a URL or
    journal that every worker reaches directly (see ``docs/multi-machine.md``).

    Heartbeats (off by default, as in Optuna) let a study fail the RUNNING trials of a worker
    that died: each running trial beats every ``heartbeat_interval`` seconds, and trials whose
    last beat is older than ``grace_period`` (scheduler clock) are failed before the next
    trial starts, then handed to ``failed_trial_callback``.

    Args:
        storage: None for an in-memory storage on the scheduler; a database URL that the
            scheduler opens (``"sqlite:///study.db"``, ``"postgresql://..."``); or a storage
            object, sent to the scheduler (it must be picklable, e.g. a ``JournalStorage``
            or ``RDBStorage``, without heartbeats of its own).
        name: the storage's name on the scheduler; a random one by default. A second
            DaskStorage with the same name and settings connects to the same storage.
        client: the ``distributed.Client`` of the cluster; by default the current one. It
            must be synchronous: a study's storage calls block, and an ``asynchronous=True``
            client raises ValueError saying so.
        heartbeat_interval: seconds between heartbeats of a running trial; None disables them.
        grace_period: seconds without a heartbeat after which a RUNNING trial is failed;
            twice ``heartbeat_interval`` by default.
        failed_trial_callback: called with ``(study, trial)`` for each trial that heartbeats
            failed, e.g. :class:`~parzen.storages.RetryFailedTrialCallback`.

    Examples:
        >>> import parzen
        >>> from distributed import Client, LocalCluster
        >>> from parzen.integrations.dask import DaskStorage
        >>> with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        ...     with Client(cluster) as client:
        ...         study = parzen.create_study(storage=DaskStorage(client=client))
        ...         study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        ...         len(study.trials)
        3
    """

    def __init__(
        self,
        storage: str | BaseStorage | None = None,
        name: str | None = None,
        client: distributed.Client | None = None,
        *,
        heartbeat_interval: int | None = None,
        grace_period: int | None = None,
        failed_trial_callback: Callable[[Study, FrozenTrial], None] | None = None,
    ) -> None:
        distributed = import_distributed()
        check_heartbeat_settings(heartbeat_interval, grace_period, failed_trial_callback)
        spec: dict[str, Any]
        if storage is None:
            spec = {"kind": "memory"}
        elif isinstance(storage, str):
            spec = {"kind": "url", "url": storage}
        elif isinstance(storage, DaskStorage):
            raise TypeError(
                "A DaskStorage cannot wrap another DaskStorage; pass it to create_study directly."
            )
        elif isinstance(storage, InMemoryStorage):
            raise TypeError(
                "An InMemoryStorage lives in this process and cannot move to the scheduler; "
                "pass storage=None for an in-memory storage on the scheduler."
            )
        elif isinstance(storage, BaseStorage):
            if storage.is_heartbeat_enabled():
                raise ValueError(
                    f"The wrapped {type(storage).__name__} has heartbeats of its own; create "
                    "it without them and pass heartbeat_interval= (and grace_period=, "
                    "failed_trial_callback=) to DaskStorage instead."
                )
            spec = {"kind": "object", "type": type(storage).__name__}
        else:
            raise TypeError(
                f"storage must be None, a database URL or a storage object, got {storage!r} "
                f"({type(storage).__name__})."
            )
        if name is not None and (not isinstance(name, str) or not name):
            raise TypeError(f"name must be a non-empty str or None, got {name!r}.")
        if client is not None and not isinstance(client, distributed.Client):
            raise TypeError(
                f"client must be a distributed.Client, got {client!r} ({type(client).__name__})."
            )
        self._name = name if name is not None else f"parzen-{uuid.uuid4().hex}"
        self.heartbeat_interval = heartbeat_interval
        self.grace_period: float | None = (
            None
            if heartbeat_interval is None
            else (grace_period if grace_period is not None else 2 * heartbeat_interval)
        )
        self._failed_trial_callback = failed_trial_callback
        self._init_local_state(client if client is not None else _current_client())
        assert self._client is not None
        if self._client.asynchronous:
            # Optuna code awaits DaskStorage(client=async_client) and then fails on the first
            # storage call with "'coroutine' object is not iterable"; say why, up front.
            raise ValueError(
                "DaskStorage makes blocking calls to the scheduler (a study's methods are not "
                "coroutines), so it needs a synchronous Client; create the Client without "
                "asynchronous=True (it may connect to the same scheduler)."
            )
        spec["grace"] = self.grace_period
        try:
            reply = self._client.run_on_scheduler(
                serve_storage, self._name, spec, storage if spec["kind"] == "object" else None
            )
        except OSError as e:
            raise self._unreachable(e) from e
        self._unwrap(reply)

    def _init_local_state(self, client: distributed.Client | None) -> None:
        self._client = client
        self._distributions = _wire.DistributionCache()
        self._directions: dict[int, list[StudyDirection]] = {}
        self._finished: dict[int, FrozenTrial] = {}  # decoded finished trials, by id

    def __getstate__(self) -> dict[str, Any]:
        # A handle: name and settings only. A worker finds the scheduler through its client.
        return {
            "_name": self._name,
            "heartbeat_interval": self.heartbeat_interval,
            "grace_period": self.grace_period,
            "_failed_trial_callback": self._failed_trial_callback,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init_local_state(None)

    def __repr__(self) -> str:
        return f"DaskStorage(name={self._name!r})"

    @property
    def name(self) -> str:
        """The storage's name on the scheduler."""
        return self._name

    def get_base_storage(self) -> BaseStorage:
        """The storage this handle forwards to, as the scheduler holds it.

        With a scheduler in this process (``LocalCluster(processes=False)``) it is the very
        object the scheduler serves; with a remote scheduler, a copy of it sent back by Dask,
        which must then be picklable (an in-memory or a journal storage is).

        Returns:
            The wrapped storage: an :class:`~parzen.storages.InMemoryStorage` unless the
            DaskStorage was created with a URL or a storage object.

        Examples:
            >>> import parzen
            >>> from distributed import Client, LocalCluster
            >>> from parzen.integrations.dask import DaskStorage
            >>> with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as c:
            ...     with Client(c) as client:
            ...         storage = DaskStorage(client=client)
            ...         type(storage.get_base_storage()).__name__
            'InMemoryStorage'
        """
        try:
            storage: BaseStorage = self._get_client().run_on_scheduler(base_storage, self._name)
        except OSError as e:
            raise self._unreachable(e) from e
        return storage

    # -- plumbing ---------------------------------------------------------------------------

    def _get_client(self) -> distributed.Client:
        if self._client is None:
            self._client = _current_client()
        return self._client

    def _call(self, method: str, *args: Any) -> Any:
        request = _wire.dumps([method, args])
        client = self._get_client()
        try:
            reply = client.sync(
                getattr(client.scheduler, STORAGE_HANDLER), name=self._name, request=request
            )
        except OSError as e:
            raise self._unreachable(e) from e
        return self._unwrap(reply)

    @staticmethod
    def _unwrap(reply: str) -> Any:
        data = _wire.loads(reply)
        if "e" in data:
            raise _wire.decode_error(data["e"])
        return data["r"]

    def _unreachable(self, error: BaseException) -> StorageInternalError:
        return StorageInternalError(
            f"DaskStorage {self._name!r} could not reach the Dask scheduler ({error}); the "
            "storage lives there, so the scheduler must be running and reachable."
        )

    def _trial(self, data: list[Any], copy: bool) -> FrozenTrial:
        # Finished trials never change: decode each once. The number check guards against
        # a trial id that a database reused after another client deleted a study.
        trial_id, number, state = data[:3]  # the head of _wire.encode_trial's layout
        trial = self._finished.get(trial_id) if state in _FINISHED_STATES else None
        if trial is None or trial.number != number:
            trial = _wire.decode_trial(data, self._distributions)
            if trial.state.is_finished():
                self._finished[trial._trial_id] = trial
        return trial._copy() if copy else trial

    # -- studies ----------------------------------------------------------------------------

    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        return int(
            self._call(
                "create_new_study", [int(StudyDirection(d)) for d in directions], study_name
            )
        )

    def delete_study(self, study_id: int) -> None:
        self._call("delete_study", study_id)
        self._directions.pop(study_id, None)
        self._finished.clear()

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        directions = self._directions.get(study_id)
        if directions is None:  # they never change: ask once
            directions = [StudyDirection(d) for d in self._call("get_study_directions", study_id)]
            self._directions[study_id] = directions
        return list(directions)

    # -- trials: writes ---------------------------------------------------------------------

    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        template = None if template_trial is None else _wire.encode_template(template_trial)
        return int(self._call("create_new_trial", study_id, template))

    def set_trial_param(
        self,
        trial_id: int,
        param_name: str,
        param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        self._call(
            "set_trial_param",
            trial_id,
            param_name,
            float(param_value_internal),
            distribution_to_json(distribution),
        )

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        encoded = None if values is None else [float(v) for v in values]
        return bool(self._call("set_trial_state_values", trial_id, int(state), encoded))

    # -- trials: reads ----------------------------------------------------------------------

    def get_trial_number_from_id(self, trial_id: int) -> int:
        known = self._finished.get(trial_id)
        if known is not None:
            return known.number
        return int(self._call("get_trial_number_from_id", trial_id))

    def get_trial(self, trial_id: int) -> FrozenTrial:
        known = self._finished.get(trial_id)
        if known is not None:
            return known._copy()
        return self._trial(self._call("get_trial", trial_id), copy=True)

    def get_trial_user_attrs(self, trial_id: int) -> dict[str, Any]:
        return dict(self._call("get_trial_user_attrs", trial_id))

    def get_trial_system_attrs(self, trial_id: int) -> dict[str, Any]:
        return dict(self._call("get_trial_system_attrs", trial_id))

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        wanted = _wire.encode_states(states)
        return [self._trial(t, deepcopy) for t in self._call("get_all_trials", study_id, wanted)]

    def get_finished_trials_since(
        self, study_id: int, cursor: int
    ) -> tuple[list[FrozenTrial], int]:
        trials, next_cursor = self._call("get_finished_trials_since", study_id, cursor)
        return [self._trial(t, copy=False) for t in trials], int(next_cursor)

    def get_best_trial(self, study_id: int) -> FrozenTrial:
        return self._trial(self._call("get_best_trial", study_id), copy=True)

    # -- heartbeats -------------------------------------------------------------------------

    def is_heartbeat_enabled(self) -> bool:
        return self.heartbeat_interval is not None

    def get_heartbeat_interval(self) -> int | None:
        return self.heartbeat_interval

    def get_failed_trial_callback(self) -> Callable[[Study, FrozenTrial], None] | None:
        return self._failed_trial_callback


def _current_client() -> distributed.Client:
    try:
        client: distributed.Client = import_distributed().get_client()
    except ValueError:
        raise ValueError(
            "DaskStorage needs a dask.distributed Client and none is running. Pass one, "
            "DaskStorage(client=client), or create it first: "
            "from distributed import Client; client = Client('scheduler-address:8786') "
            "(or Client() for a local cluster)."
        ) from None
    return client
