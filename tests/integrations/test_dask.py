from __future__ import annotations

import json
import os
import pickle
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import parzen
from parzen.storages import JournalStorage, RetryFailedTrialCallback
from parzen.storages.journal import JournalFileBackend
from parzen.testing.services import POSTGRESQL_URL, require_service
from parzen.testing.storages import StorageConformance
from parzen.trial import FrozenTrial, TrialState

if os.environ.get("CI"):
    import distributed
else:
    distributed = pytest.importorskip("distributed")

import cloudpickle

from parzen.integrations._dask._optimize import _Run, _run_one_trial, _runs_request
from parzen.integrations._dask._scheduler import ensure_plugin
from parzen.integrations.dask import DaskStorage, optimize_on_dask

# Workers cannot import this test module: send its functions by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def client() -> Iterator[distributed.Client]:
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            worker_dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as dask_client,
    ):
        yield dask_client


@pytest.fixture(autouse=True)
def _two_workers(request: pytest.FixtureRequest) -> None:
    # A test that kills a worker leaves its restart to the nanny; the next test waits for it.
    if "client" in request.fixturenames:
        request.getfixturevalue("client").wait_for_workers(2, timeout=60)


def _params(n: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(0)
    return [
        {
            "x": float(rng.uniform(-5, 5)),
            "n": int(rng.integers(1, 10)),
            "c": ["a", "b", None][int(rng.integers(0, 3))],
        }
        for _ in range(n)
    ]


def objective(trial: parzen.Trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    n = trial.suggest_int("n", 1, 9)
    c = trial.suggest_categorical("c", ["a", "b", None])
    trial.set_user_attr("twice", [2 * x, n])
    trial.report(x / 2, 1)
    return (x - 1) ** 2 + n + (c == "a")


def _content(trials: list[FrozenTrial]) -> list[Any]:
    """What a trial holds, without the number or times, which depend on the schedule."""
    return sorted(
        json.dumps(
            [
                t.state.name,
                t.params,
                t.values,
                t.user_attrs,
                sorted(t.intermediate_values.items()),
            ],
            sort_keys=True,
        )
        for t in trials
    )


def _reference(params: list[dict[str, Any]]) -> list[Any]:
    study = parzen.create_study()
    for p in params:
        study.enqueue_trial(p)
    study.optimize(objective, n_trials=len(params))
    return _content(study.trials)


def _assert_dense_complete(study: parzen.Study, n: int) -> None:
    trials = study.trials
    assert sorted(t.number for t in trials) == list(range(n))
    assert len({t._trial_id for t in trials}) == n
    assert [t.state for t in trials] == [TrialState.COMPLETE] * n


# -- DaskStorage behaves as every storage -----------------------------------------------------


class TestDaskStorageConformance(StorageConformance):
    @pytest.fixture
    def storage(self, client: distributed.Client) -> DaskStorage:
        return DaskStorage(client=client)


# -- results complete and identical to one process ----------------------------------------------


def _journal(path: Path, **kwargs: Any) -> JournalStorage:
    return JournalStorage(JournalFileBackend(str(path / "journal.log")), **kwargs)


def _rdb(url: str, heartbeat_interval: int | None = 5) -> parzen.storages.BaseStorage:
    from parzen.storages._rdb import RDBStorage  # parzen.storages.RDBStorage once exported

    return RDBStorage(url, heartbeat_interval=heartbeat_interval)


@pytest.mark.parametrize(("where", "n"), [("dask", 100), ("journal", 100), ("postgresql", 50)])
def test_trials_all_recorded_and_identical_to_one_process(
    client: distributed.Client, tmp_path: Path, where: str, n: int
) -> None:
    # Heartbeats are off here (a warning says so): the tests of dying workers use them.
    name = f"dask-{uuid.uuid4().hex}"

    def open_storage() -> parzen.storages.BaseStorage:
        if where == "dask":
            return DaskStorage(name=name, client=client)
        if where == "journal":
            return _journal(tmp_path)
        require_service("PostgreSQL", "127.0.0.1", 5432)
        return _rdb(POSTGRESQL_URL, heartbeat_interval=None)

    params = _params(n)
    study = parzen.create_study(storage=open_storage(), study_name=name)
    for p in params:
        study.enqueue_trial(p)

    with pytest.warns(UserWarning, match="no heartbeats"):
        optimize_on_dask(study, objective, n, client=client)

    _assert_dense_complete(study, n)
    assert _content(study.trials) == _reference(params)
    # The workers wrote to the shared storage: another handle on it sees the same study.
    reloaded = parzen.load_study(study_name=name, storage=open_storage())
    assert _content(reloaded.trials) == _content(study.trials)
    if where == "postgresql":
        parzen.delete_study(study_name=name, storage=reloaded._storage)


@pytest.mark.parametrize("inner", ["sqlite-url", "journal-object"])
def test_dask_storage_forwards_to_a_persistent_storage_on_the_scheduler(
    client: distributed.Client, tmp_path: Path, inner: str
) -> None:
    direct: parzen.storages.BaseStorage
    if inner == "sqlite-url":
        url = f"sqlite:///{tmp_path / 'study.db'}"
        storage = DaskStorage(url, client=client, heartbeat_interval=5)
        direct = _rdb(url)
    else:
        storage = DaskStorage(_journal(tmp_path), client=client, heartbeat_interval=5)
        direct = _journal(tmp_path)
    params = _params(10)
    study = parzen.create_study(storage=storage, study_name="kept")
    for p in params:
        study.enqueue_trial(p)
    optimize_on_dask(study, objective, 10, client=client)
    # The scheduler wrote the study where it stays: it can be opened without Dask.
    kept = parzen.load_study(study_name="kept", storage=direct)
    assert _content(kept.trials) == _reference(params)


def test_sampled_trials_use_every_worker_and_do_not_repeat(client: distributed.Client) -> None:
    def record_pid(trial: parzen.Trial) -> float:
        trial.set_user_attr("pid", os.getpid())
        time.sleep(0.05)  # long enough that both workers take trials
        return trial.suggest_float("x", 0, 1)

    sampler = parzen.samplers.RandomSampler(seed=1)
    study = parzen.create_study(storage=DaskStorage(client=client), sampler=sampler)
    with pytest.warns(UserWarning, match="no heartbeats"):
        optimize_on_dask(study, record_pid, 20, client=client)

    _assert_dense_complete(study, 20)
    assert len({t.user_attrs["pid"] for t in study.trials}) == 2
    # Seeded sampler copies are re-seeded per worker: no two trials share parameters.
    assert len({t.params["x"] for t in study.trials}) == 20
    assert os.getpid() not in {t.user_attrs["pid"] for t in study.trials}


# -- workers that die ---------------------------------------------------------------------------


def _dying_objective(marker: str, victim: float) -> Any:
    def run(trial: parzen.Trial) -> float:
        value = objective(trial)
        if trial.params["x"] == victim and not os.path.exists(marker):
            Path(marker).touch()
            os._exit(1)  # the worker process dies in the middle of the trial
        time.sleep(0.1)
        return value

    return run


@pytest.mark.parametrize("where", ["journal", "dask"])
def test_killed_worker_loses_no_trial_and_leaves_none_running(
    client: distributed.Client, tmp_path: Path, where: str
) -> None:
    n = 40
    heartbeats: dict[str, Any] = {
        "heartbeat_interval": 1,
        "grace_period": 2,
        "failed_trial_callback": RetryFailedTrialCallback(max_retry=1),
    }
    storage: parzen.storages.BaseStorage
    if where == "dask":
        storage = DaskStorage(client=client, **heartbeats)
    else:
        storage = _journal(tmp_path, **heartbeats)
    params = _params(n)
    study = parzen.create_study(storage=storage)
    for p in params:
        study.enqueue_trial(p)
    marker = str(tmp_path / "killed")

    optimize_on_dask(study, _dying_objective(marker, params[2]["x"]), n, client=client)

    assert os.path.exists(marker)
    trials = study.trials
    # Dask ran the lost task again, so n trials completed, plus the one that died with its
    # worker: FAIL, then retried with the same parameters.
    assert sorted(t.number for t in trials) == list(range(n + 1))
    assert [t.state for t in trials].count(TrialState.RUNNING) == 0
    failed = [t for t in trials if t.state == TrialState.FAIL]
    assert len(failed) == 1 and failed[0].params == params[2]
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    assert _content(complete) == _reference(params)
    retried = [t for t in complete if RetryFailedTrialCallback.retried_trial_number(t) is not None]
    assert [RetryFailedTrialCallback.retried_trial_number(t) for t in retried] == [
        failed[0].number
    ]


def _run_for(study: parzen.Study, client: distributed.Client, func: Any) -> _Run:
    run = _Run(study._storage, study.study_name, study.sampler, study.pruner, func, (), [], False)
    client.run_on_scheduler(ensure_plugin)
    _runs_request("start", run.run_id, client=client)
    return run


def test_a_task_run_again_after_its_trial_finished_does_not_run_another(
    client: distributed.Client,
) -> None:
    # What Dask does when a worker holding a finished task's result dies: it runs it again.
    study = parzen.create_study(storage=DaskStorage(client=client, heartbeat_interval=5))
    run = _run_for(study, client, lambda t: t.suggest_float("x", 0, 1))
    first = client.submit(_run_one_trial, run, 0, pure=False).result()
    again = client.submit(_run_one_trial, run, 0, pure=False).result()
    assert again == first
    assert len(study.trials) == 1


def test_a_task_run_again_after_its_worker_died_mid_trial_runs_a_new_trial(
    client: distributed.Client,
) -> None:
    study = parzen.create_study(storage=DaskStorage(client=client, heartbeat_interval=5))
    run = _run_for(study, client, lambda t: t.suggest_float("x", 0, 1))
    dead = study.ask()  # the trial of an attempt whose worker died: RUNNING for ever
    _runs_request("set", run.run_id, 0, dead._trial_id, client=client)
    trial_id, _, state, _ = client.submit(_run_one_trial, run, 0, pure=False).result()
    assert trial_id != dead._trial_id and state == TrialState.COMPLETE
    assert [t.state for t in study.trials] == [TrialState.RUNNING, TrialState.COMPLETE]


# -- stopping, errors, timeout -------------------------------------------------------------------


class Boom(Exception):
    pass


def test_objective_error_fails_the_trial_and_is_raised(client: distributed.Client) -> None:
    def fail_on_third(trial: parzen.Trial) -> float:
        if trial.number == 2:
            raise Boom("third trial")
        time.sleep(0.05)
        return trial.suggest_float("x", 0, 1)

    study = parzen.create_study(storage=DaskStorage(client=client, heartbeat_interval=5))
    with pytest.raises(Boom, match="third trial"):
        optimize_on_dask(study, fail_on_third, 50, client=client)
    states = {t.number: t.state for t in study.trials}
    assert states[2] == TrialState.FAIL
    assert len(states) < 50  # the trials not yet started did not start
    assert TrialState.RUNNING not in states.values()  # those running finished


def test_caught_errors_fail_trials_and_the_run_goes_on(client: distributed.Client) -> None:
    def fail_on_odd(trial: parzen.Trial) -> float:
        x = trial.suggest_int("x", 0, 100)
        if trial.number % 2:
            raise Boom("odd")
        return x

    study = parzen.create_study(storage=DaskStorage(client=client, heartbeat_interval=5))
    optimize_on_dask(study, fail_on_odd, 10, client=client, catch=(Boom,))
    states = [t.state for t in study.trials]
    assert states.count(TrialState.FAIL) == 5 and states.count(TrialState.COMPLETE) == 5
    assert all("Boom: odd" in t.system_attrs["fail_reason"] for t in study.trials[1::2])


def test_callback_stop_lets_running_trials_finish_and_starts_no_more(
    client: distributed.Client,
) -> None:
    def stop_after_three(study: parzen.Study, trial: FrozenTrial) -> None:
        if trial.number >= 2:
            study.stop()

    def slow(trial: parzen.Trial) -> float:
        time.sleep(0.05)
        return trial.suggest_float("x", 0, 1)

    study = parzen.create_study(storage=DaskStorage(client=client, heartbeat_interval=5))
    optimize_on_dask(study, slow, 100, client=client, callbacks=[stop_after_three])
    assert 3 <= len(study.trials) < 100
    assert all(t.state == TrialState.COMPLETE for t in study.trials)  # none left RUNNING


def test_zero_timeout_starts_no_trial(client: distributed.Client) -> None:
    study = parzen.create_study(storage=DaskStorage(client=client, heartbeat_interval=5))
    optimize_on_dask(study, objective, 5, client=client, timeout=0)
    assert study.trials == []


# -- bad input ----------------------------------------------------------------------------------


def test_dask_storage_without_a_client_says_how_to_get_one() -> None:
    with pytest.raises(ValueError, match=r"needs a dask.distributed Client.*client=client"):
        DaskStorage()


def test_non_json_data_is_a_clear_error_and_stores_nothing(client: distributed.Client) -> None:
    storage = DaskStorage(client=client)
    study = parzen.create_study(storage=storage)
    trial = study.ask()
    with pytest.raises(TypeError, match=r"user attribute 'arr' must be JSON data.*tolist"):
        trial.set_user_attr("arr", np.arange(3))
    with pytest.raises(TypeError, match="system attribute 'obj' must be JSON data"):
        storage.set_trial_system_attr(trial._trial_id, "obj", object())
    with pytest.raises(TypeError, match="study user attribute 'f' must be JSON data"):
        study.set_user_attr("f", lambda: None)
    assert storage.get_trial(trial._trial_id).user_attrs == {}
    assert study.user_attrs == {}


def test_in_memory_study_is_refused_with_the_fix(client: distributed.Client) -> None:
    with pytest.raises(ValueError, match=r"InMemoryStorage.*DaskStorage\(client=client\)"):
        optimize_on_dask(parzen.create_study(), objective, 3, client=client)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"storage": 3}, TypeError, "storage must be None, a database URL or a storage"),
        ({"storage": parzen.storages.InMemoryStorage()}, TypeError, "pass storage=None"),
        ({"heartbeat_interval": 0}, ValueError, "heartbeat_interval must be a positive"),
        ({"client": "tcp://x"}, TypeError, "client must be a distributed.Client"),
    ],
)
def test_bad_arguments_are_explained(
    client: distributed.Client, kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    kwargs.setdefault("client", client)
    with pytest.raises(error, match=match):
        DaskStorage(**kwargs)


def test_grace_period_without_heartbeats_warns_as_it_does_nothing(
    client: distributed.Client,
) -> None:
    with pytest.warns(UserWarning, match="no effect without heartbeats"):
        DaskStorage(grace_period=5, client=client)


def test_same_name_connects_and_different_settings_are_refused(
    client: distributed.Client,
) -> None:
    first = DaskStorage(name="shared-name", client=client)
    study = parzen.create_study(storage=first, study_name="s")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    second = DaskStorage(name="shared-name", client=client)
    assert len(parzen.load_study(study_name="s", storage=second).trials) == 2
    with pytest.raises(ValueError, match="already exists on this scheduler"):
        DaskStorage(name="shared-name", client=client, heartbeat_interval=5)


def _dask_library(name: str) -> tuple[Any, Any, Any]:
    """``(module, DaskStorage, BaseStorage)`` of parzen or, if installed, Optuna."""
    if name == "parzen":
        return parzen, DaskStorage, parzen.storages.BaseStorage
    optuna = pytest.importorskip("optuna")
    integration = pytest.importorskip("optuna_integration")
    return optuna, integration.DaskStorage, optuna.storages.BaseStorage


@pytest.mark.parametrize("library", ["parzen", "optuna"])
def test_get_base_storage_returns_the_storage_the_scheduler_holds(
    client: distributed.Client, library: str
) -> None:
    module, storage_class, base_class = _dask_library(library)
    storage = storage_class(client=client)
    study = module.create_study(storage=storage, study_name=f"base-{uuid.uuid4().hex}")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    base = storage.get_base_storage()
    assert isinstance(base, base_class)
    assert not isinstance(base, storage_class)
    study_id = base.get_study_id_from_name(study.study_name)
    values = [t.value for t in base.get_all_trials(study_id)]
    assert values == [t.value for t in study.trials]


def test_an_asynchronous_client_is_refused_with_the_fix(client: distributed.Client) -> None:
    # Optuna's DaskStorage can be awaited with an asynchronous client but then fails on its
    # first call with "'coroutine' object is not iterable"; parzen says why at once.
    import asyncio

    async def connect() -> None:
        async with distributed.Client(
            client.scheduler.address, asynchronous=True, set_as_default=False
        ) as async_client:
            with pytest.raises(ValueError, match=r"synchronous Client.*asynchronous=True"):
                DaskStorage(client=async_client)
            with pytest.raises(ValueError, match=r"synchronous Client.*asynchronous=True"):
                optimize_on_dask(
                    parzen.create_study(storage=DaskStorage(client=client)),
                    objective,
                    1,
                    client=async_client,
                )

    asyncio.run(connect())


# -- the wire carries data, not code ------------------------------------------------------------


def test_a_pickled_handle_holds_only_its_name_and_settings(client: distributed.Client) -> None:
    storage = DaskStorage(client=client, heartbeat_interval=3)
    state = storage.__getstate__()
    assert set(state) == {"_name", "heartbeat_interval", "grace_period", "_failed_trial_callback"}
    copy = pickle.loads(pickle.dumps(storage))
    assert copy.name == storage.name and copy.get_heartbeat_interval() == 3


def test_scheduler_rejects_requests_that_are_not_json(client: distributed.Client) -> None:
    storage = DaskStorage(client=client)
    handler = client.scheduler.parzen_dask_storage
    evil = pickle.dumps(["get_all_studies", []]).hex()
    reply = client.sync(handler, name=storage.name, request=evil)
    assert json.loads(reply)["e"][0] == "StorageInternalError"


def test_missing_dask_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r'pip install "parzen\[dask\]"'):
        DaskStorage()
