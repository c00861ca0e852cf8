"""optimize_on_dask: run a study's trials as tasks of a dask.distributed cluster.

One Dask task per trial: Dask balances them over the workers as they free up, runs a lost
worker's task again elsewhere, and uses workers that join mid-run. Every worker reaches the
study through its storage (a :class:`DaskStorage`, a database URL or a journal), so the
trials are the same, in content, as those of one process running ``study.optimize``.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import threading
import time
import uuid
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from parzen import logging as parzen_logging
from parzen._records.keys import FAIL_REASON_KEY
from parzen.integrations._dask._scheduler import RUNS_HANDLER, ensure_plugin, import_distributed
from parzen.integrations._dask._storage import DaskStorage
from parzen.storages import BaseStorage, InMemoryStorage, _wire, fail_stale_trials
from parzen.study._optimize import (
    CallbackType,
    ObjectiveFuncType,
    _as_exception_tuple,
    run_trial,
)
from parzen.trial import FrozenTrial, Trial, TrialState

if TYPE_CHECKING:
    import distributed

    from parzen.pruners import BasePruner
    from parzen.samplers import BaseSampler
    from parzen.study import Study

_logger = parzen_logging.get_logger(__name__)


class _Run:
    """What every trial task of one ``optimize_on_dask`` call needs, shipped once per worker.

    Dask keeps one copy of this object per worker (it is the result of a task that the trial
    tasks depend on), so the study built from it is shared by the trials that run on that
    worker: its storage connection, journal replay and sampler state are made once.
    """

    def __init__(
        self,
        storage: BaseStorage,
        study_name: str,
        sampler: BaseSampler,
        pruner: BasePruner,
        func: ObjectiveFuncType,
        catch: tuple[type[Exception], ...],
        callbacks: list[CallbackType],
        gc_after_trial: bool,
        *,
        deadline: float | None = None,
        run_id: str | None = None,
    ) -> None:
        self.storage = storage
        self.study_name = study_name
        self.sampler = sampler
        self.pruner = pruner
        self.func = func
        self.catch = catch
        self.callbacks = callbacks
        self.gc_after_trial = gc_after_trial
        self.deadline = deadline
        self.run_id = run_id if run_id is not None else uuid.uuid4().hex[:12]
        self._init_local_state()

    def _init_local_state(self) -> None:
        self._lock = threading.Lock()
        self._study: Study | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"], state["_study"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init_local_state()

    def study(self) -> Study:
        with self._lock:
            if self._study is None:
                from parzen.study import Study

                # Copies of one seeded sampler on several workers would propose the same
                # parameters; a fresh seed per worker keeps them apart.
                self.sampler.reseed_rng()
                self._study = Study(
                    self.study_name, self.storage, sampler=self.sampler, pruner=self.pruner
                )
                # Trials run in it from now on, so callbacks may call study.stop().
                self._study._optimizing = True
            return self._study


def _identity(run: _Run) -> _Run:
    return run


def _run_one_trial(run: _Run, index: int) -> tuple[int, int, int, bool] | None:
    """The task of one trial: (trial id, number, state, stop requested), None if skipped."""
    if run.deadline is not None and time.time() >= run.deadline:
        return None
    study = run.study()
    if study._stop_flag:
        return None
    stopped, previous = _runs_request("get", run.run_id, index)
    if stopped:  # study.stop() or an error elsewhere: trials not started are skipped
        return None
    if previous is not None:
        # Dask runs this task again: its worker died, or a worker holding its result did.
        # A trial that ended here is not run twice; one that died with its worker is replaced.
        earlier = study._storage.get_trial(previous)
        if _ended_normally(earlier):
            return earlier._trial_id, earlier.number, int(earlier.state), False

    def objective(trial: Trial) -> Any:
        _runs_request("set", run.run_id, index, trial._trial_id)
        return run.func(trial)

    try:
        frozen = run_trial(study, objective, run.catch)
    finally:
        if run.gc_after_trial:
            gc.collect()
    for callback in run.callbacks:
        callback(study, frozen)
    return frozen._trial_id, frozen.number, int(frozen.state), study._stop_flag


def _ended_normally(trial: FrozenTrial) -> bool:
    """Whether the trial finished in its task (not failed by heartbeats after its worker died)."""
    if trial.state in (TrialState.COMPLETE, TrialState.PRUNED):
        return True
    return trial.state == TrialState.FAIL and FAIL_REASON_KEY in trial.system_attrs


def _runs_request(*request: Any, client: Any = None) -> Any:
    """Ask the scheduler's ledger of optimize_on_dask runs (from a task, or the client)."""
    if client is None:
        client = import_distributed().get_client()
    reply = client.sync(getattr(client.scheduler, RUNS_HANDLER), request=_wire.dumps(request))
    data = _wire.loads(reply)
    if "e" in data:
        raise _wire.decode_error(data["e"])
    return data["r"]


def optimize_on_dask(
    study: Study,
    func: ObjectiveFuncType,
    n_trials: int,
    *,
    client: distributed.Client | None = None,
    timeout: float | None = None,
    catch: Iterable[type[Exception]] | type[Exception] = (),
    callbacks: Iterable[CallbackType] | None = None,
    gc_after_trial: bool = False,
) -> None:
    """Run ``n_trials`` trials of ``func`` on the workers of a ``dask.distributed`` cluster.

    Each trial is one Dask task, so trials go to whichever worker is free, as many at once as
    the cluster has worker threads. Every worker opens the study through its storage, which
    must be one they all reach: a :class:`DaskStorage` (on the scheduler), a database URL, or
    a journal on a shared disk or Redis. The sampler is copied to each worker and re-seeded
    there; it reads every worker's trials through the storage.

    If a worker dies, Dask runs its task again on another worker, so the study still gets
    ``n_trials`` finished trials; the dead worker's trial stays RUNNING until heartbeats fail
    it. With heartbeats on (``heartbeat_interval=`` on the storage), trials fail it once its
    grace period has passed and hand it to the storage's ``failed_trial_callback`` (e.g.
    :class:`~parzen.storages.RetryFailedTrialCallback`), and this function waits, at most
    one grace period, for such trials before it returns, so that none is left RUNNING.

    Args:
        study: the study; its storage must be reachable from every worker.
        func: the objective; it, the study's sampler and pruner, and ``callbacks`` are
            pickled to the workers (cloudpickle: lambdas and closures work).
        n_trials: how many trials to run.
        client: the cluster's ``distributed.Client``; by default the DaskStorage's, or the
            current one.
        timeout: seconds after which no new trial starts; running ones finish.
        catch: exception classes that fail a trial without stopping the run; any other
            exception fails the trial and stops the run as ``study.stop()`` does, then is
            raised here.
        callbacks: called on the worker as ``callback(study, frozen_trial)`` after each trial,
            with that worker's copy of the study. ``study.stop()`` there stops the run:
            the trials running finish, the others do not start.
        gc_after_trial: run the garbage collector on the worker after each trial.

    Examples:
        >>> import parzen
        >>> from distributed import Client, LocalCluster
        >>> from parzen.integrations.dask import DaskStorage, optimize_on_dask
        >>> with LocalCluster(n_workers=2, processes=False, dashboard_address=None) as cluster:
        ...     with Client(cluster) as client:
        ...         storage = DaskStorage(client=client, heartbeat_interval=10)
        ...         study = parzen.create_study(storage=storage)
        ...         optimize_on_dask(study, lambda t: t.suggest_float("x", -1, 1) ** 2, 10)
        ...         len(study.trials)
        10
    """
    distributed = import_distributed()
    storage = study._storage
    if isinstance(storage, InMemoryStorage):
        raise ValueError(
            "This study is in an InMemoryStorage, which lives in this process only: Dask "
            "workers cannot reach it. Create the study with "
            "storage=parzen.integrations.dask.DaskStorage(client=client) to share it through "
            "the scheduler, or with a database URL or journal that every worker reaches."
        )
    if isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 0:
        raise ValueError(f"n_trials must be an int >= 0, got {n_trials!r}.")
    if timeout is not None and (isinstance(timeout, bool) or timeout < 0):
        raise ValueError(f"timeout must be None or seconds >= 0, got {timeout!r}.")
    catch_tuple = _as_exception_tuple(catch)
    client = _resolve_client(distributed, client, storage)
    if not storage.is_heartbeat_enabled():
        warnings.warn(
            f"The study's {type(storage).__name__} has no heartbeats, so a trial whose Dask "
            "worker dies stays RUNNING for ever. Create the storage with "
            "heartbeat_interval=... (and a RetryFailedTrialCallback to run such trials again).",
            UserWarning,
            stacklevel=2,
        )
    if n_trials == 0:
        return
    run = _Run(
        storage,
        study.study_name,
        copy.deepcopy(study.sampler),  # reseeded on the workers: keep the caller's as it is
        study.pruner,
        func,
        catch_tuple,
        list(callbacks or []),
        gc_after_trial,
        deadline=None if timeout is None else time.time() + timeout,
    )
    run_id = run.run_id
    client.run_on_scheduler(ensure_plugin)
    _runs_request("start", run_id, client=client)
    # A task, not scattered data: if the worker holding it dies, Dask computes it again.
    run_future = client.submit(_identity, run, key=f"parzen-study-{run_id}", pure=False)
    pending = {
        future.key: future
        for future in (
            client.submit(
                _run_one_trial, run_future, i, key=f"parzen-trial-{run_id}-{i}", pure=False
            )
            for i in range(n_trials)
        )
    }
    finished_ids: set[int] = set()
    error: BaseException | None = None
    stopping = False
    try:
        for future in distributed.as_completed(list(pending.values()), loop=client.loop):
            try:
                result = future.result()
            except BaseException as e:  # the objective's error, with its traceback
                error = error or e
                result = None
            # Let go of each result at once: Dask would run a task again to recompute a result
            # that is still wanted when the worker holding it dies.
            del pending[future.key]
            future.release()
            if result is not None:
                trial_id, number, state, stop = result
                finished_ids.add(trial_id)
                _logger.debug(f"Trial {number} finished on Dask as {TrialState(state).name}.")
                error_or_stop = stop
            else:
                error_or_stop = error is not None
            if error_or_stop and not stopping:
                # As Study.optimize does: trials running now finish, the others do not start.
                _runs_request("stop", run_id, client=client)
                stopping = True
    finally:
        client.cancel(list(pending.values()))  # only when interrupted: all ended otherwise
        run_future.release()
        with contextlib.suppress(Exception):  # a leftover entry is harmless; hiding errors is not
            _runs_request("forget", run_id, client=client)
    if error is not None:
        raise error
    _wait_for_dead_workers_trials(study, finished_ids)


def _resolve_client(
    distributed: Any, client: distributed.Client | None, storage: BaseStorage
) -> distributed.Client:
    if client is not None:
        if not isinstance(client, distributed.Client):
            raise TypeError(
                f"client must be a distributed.Client, got {client!r} ({type(client).__name__})."
            )
        resolved = client
    elif isinstance(storage, DaskStorage):
        resolved = storage._get_client()
    else:
        try:
            resolved = distributed.get_client()
        except ValueError:
            raise ValueError(
                "optimize_on_dask needs a dask.distributed Client and none is running. Pass "
                "client=Client('scheduler-address:8786'), or create one first."
            ) from None
    if resolved.asynchronous:
        raise ValueError(
            "optimize_on_dask blocks until the trials finish, so it needs a synchronous "
            "Client; create the Client without asynchronous=True."
        )
    return resolved


def _wait_for_dead_workers_trials(study: Study, finished_ids: set[int]) -> None:
    """Fail, once their grace period passes, the RUNNING trials that lost workers left.

    A trial that is RUNNING after every task ended ran on a worker that died (or belongs to
    another process sharing the study, whose heartbeats keep it alive: this waits for it at
    most one grace period).
    """
    storage = study._storage
    if not storage.is_heartbeat_enabled():
        return

    def orphans() -> list[int]:
        running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
        return [t.number for t in running if t._trial_id not in finished_ids]

    left = orphans()
    if not left:
        return
    interval = float(storage.get_heartbeat_interval() or 1)
    deadline = time.monotonic() + _grace_period(storage) + interval
    _logger.info(
        f"Trials {left} are RUNNING after every Dask task ended: their workers died, or "
        "another process runs them. Waiting for heartbeats to fail the dead ones."
    )
    while left and time.monotonic() < deadline:
        time.sleep(min(0.2, interval / 2, max(0.0, deadline - time.monotonic())))
        fail_stale_trials(study)
        left = orphans()


def _grace_period(storage: BaseStorage) -> float:
    for attribute in ("grace_period", "_grace_period"):  # RDB/DaskStorage, JournalStorage
        value = getattr(storage, attribute, None)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    return 2.0 * float(storage.get_heartbeat_interval() or 1)
