"""The gRPC storage proxy: the storage contract through it, errors, caching, restarts.

The conformance suite runs through a proxy served in this process over several storages. The
tests with worker processes (eight workers, workers killed at random) are those of
``test_reliability.py``, parametrized there over proxies in processes of their own; the proxy
restart tests are here.
"""

from __future__ import annotations

import inspect
import json
import math
import pickle
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from parzen.testing.services import in_ci

if not in_ci():
    pytest.importorskip("grpc", reason="grpcio is not installed (pip install 'parzen[grpc]')")

import grpc

import parzen
from parzen.distributions import CategoricalDistribution, FloatDistribution
from parzen.exceptions import DuplicatedStudyError, StorageInternalError
from parzen.storages import (
    BaseStorage,
    GrpcStorageProxy,
    InMemoryStorage,
    RetryHeartbeatStaleTrialCallback,
    run_grpc_proxy_server,
)
from parzen.storages._grpc import _codec
from parzen.storages._grpc._server import make_server
from parzen.study import StudyDirection
from parzen.testing.storages import StorageConformance
from parzen.trial import TrialState, create_trial

MIN = [StudyDirection.MINIMIZE]
GRACE_PERIOD = 10


@contextmanager
def serving(storage: BaseStorage) -> Iterator[int]:
    """Serve ``storage`` from this process on a free port; yield the port."""
    server, port = make_server(storage, "127.0.0.1", 0)
    server.start()
    try:
        yield port
    finally:
        server.stop(None).wait()


@contextmanager
def proxied(storage: BaseStorage, **kwargs: Any) -> Iterator[GrpcStorageProxy]:
    with serving(storage) as port:
        proxy = GrpcStorageProxy(host="127.0.0.1", port=port, **kwargs)
        try:
            yield proxy
        finally:
            proxy.close()


# -- the storage contract, through the proxy ------------------------------------------------


class TestProxyOverInMemory(StorageConformance):
    @pytest.fixture
    def storage(self) -> Iterator[GrpcStorageProxy]:
        with proxied(InMemoryStorage()) as proxy:
            yield proxy


class TestProxyOverSQLite(StorageConformance):
    @pytest.fixture
    def storage(self, tmp_path: Path) -> Iterator[GrpcStorageProxy]:
        from parzen.storages import RDBStorage

        served = RDBStorage(f"sqlite:///{tmp_path / 'study.db'}")
        with proxied(served) as proxy:
            yield proxy
        served._db.dispose()


class TestProxyOverPostgreSQL(StorageConformance):
    @pytest.fixture
    def storage(self, url_of: Callable[[str], str]) -> Iterator[GrpcStorageProxy]:
        from parzen.storages import RDBStorage

        served = RDBStorage(url_of("postgresql"))
        with proxied(served) as proxy:
            yield proxy
        served._db.dispose()


class TestProxyOverJournalFile(StorageConformance):
    @pytest.fixture
    def storage(self, tmp_path: Path) -> Iterator[GrpcStorageProxy]:
        from parzen.storages.journal import JournalFileBackend, JournalStorage

        with proxied(JournalStorage(JournalFileBackend(str(tmp_path / "log")))) as proxy:
            yield proxy


@pytest.fixture
def proxy() -> Iterator[GrpcStorageProxy]:
    with proxied(InMemoryStorage()) as proxy:
        yield proxy


# -- Optuna's public API --------------------------------------------------------------------


def _parameters(function: Any) -> list[tuple[str, Any, Any]]:
    return [
        (p.name, p.kind, p.default)
        for p in inspect.signature(function).parameters.values()
        if p.name != "self"
    ]


@pytest.mark.parametrize("library", ["parzen", "optuna"])
def test_signatures_are_optunas(library: str) -> None:
    module = pytest.importorskip(library)
    storages = module.storages
    keyword = inspect.Parameter.KEYWORD_ONLY
    # Optuna's parameters come first, with the same kinds and defaults; parzen adds
    # retry_timeout (keyword-only) after them.
    assert _parameters(storages.GrpcStorageProxy.__init__)[:2] == [
        ("host", keyword, "localhost"),
        ("port", keyword, 13000),
    ]
    assert _parameters(storages.run_grpc_proxy_server) == [
        ("storage", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty),
        ("host", keyword, "localhost"),
        ("port", keyword, 13000),
        ("thread_pool", keyword, None),
    ]
    assert issubclass(storages.GrpcStorageProxy, storages.BaseStorage)
    for method in ("close", "wait_server_ready", "remove_session"):
        assert callable(getattr(storages.GrpcStorageProxy, method))


def test_optimize_through_the_proxy_stores_what_the_served_storage_holds() -> None:
    served = InMemoryStorage()
    with proxied(served) as storage:
        study = parzen.create_study(storage=storage, study_name="through")
        study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=10)
        study.set_user_attr("note", {"k": [1, 2]})
        through = study.trials
    direct = parzen.load_study(study_name="through", storage=served)
    assert direct.trials == through
    assert direct.user_attrs == {"note": {"k": [1, 2]}}
    assert [t.number for t in through] == list(range(10))


# -- what the client keeps, and what it reads through ---------------------------------------


def test_finished_trials_are_sent_once_everything_else_every_time(
    proxy: GrpcStorageProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoded: list[int] = []
    original = _codec.encode_trial

    def counting(trial: Any) -> list[Any]:
        encoded.append(trial.number)
        return original(trial)

    monkeypatch.setattr(_codec, "encode_trial", counting)
    study_id = proxy.create_new_study(MIN, "cache")
    ids = [proxy.create_new_trial(study_id) for _ in range(3)]
    proxy.set_trial_state_values(ids[0], TrialState.COMPLETE, [1.0])
    proxy.set_trial_state_values(ids[1], TrialState.FAIL)
    assert [t.state for t in proxy.get_all_trials(study_id)] == [
        TrialState.COMPLETE,
        TrialState.FAIL,
        TrialState.RUNNING,
    ]
    assert encoded == [0, 1, 2]
    encoded.clear()
    again = proxy.get_all_trials(study_id, deepcopy=False)
    assert encoded == [2]  # only the running trial travels again
    assert [t.number for t in again] == [0, 1, 2]
    new, _ = proxy.get_finished_trials_since(study_id, 0)
    assert sorted(t.number for t in new) == [0, 1]
    assert encoded == [2]


def test_a_second_client_reads_every_change_through() -> None:
    with serving(InMemoryStorage()) as port:
        writer = GrpcStorageProxy(host="127.0.0.1", port=port)
        reader = GrpcStorageProxy(host="127.0.0.1", port=port)
        study_id = writer.create_new_study(MIN, "through")
        trial_id = writer.create_new_trial(study_id)
        assert reader.get_all_trials(study_id)[0].state == TrialState.RUNNING
        writer.set_trial_user_attr(trial_id, "k", 1)
        writer.set_trial_param(trial_id, "x", 0.25, FloatDistribution(0, 1))
        writer.set_trial_intermediate_value(trial_id, 3, 0.5)
        seen = reader.get_all_trials(study_id)[0]
        assert (seen.user_attrs, seen.params, seen.intermediate_values) == (
            {"k": 1},
            {"x": 0.25},
            {3: 0.5},
        )
        writer.set_trial_user_attr(trial_id, "k", 2)
        writer.set_study_user_attr(study_id, "s", "v")
        assert reader.get_trial(trial_id).user_attrs == {"k": 2}
        assert reader.get_study_user_attrs(study_id) == {"s": "v"}
        writer.set_trial_state_values(trial_id, TrialState.COMPLETE, [0.5])
        assert reader.get_all_trials(study_id)[0].values == [0.5]
        assert reader.get_n_trials(study_id, TrialState.COMPLETE) == 1
        assert reader.get_best_trial(study_id).number == 0
        # A study deleted by another client is gone for this one too, cache or not.
        writer.delete_study(study_id)
        with pytest.raises(KeyError):
            reader.get_all_trials(study_id)
        writer.close()
        reader.close()


def test_floats_and_template_trials_cross_exactly(proxy: GrpcStorageProxy) -> None:
    study_id = proxy.create_new_study([StudyDirection.MINIMIZE] * 3, "exact")
    template = create_trial(
        state=TrialState.WAITING,
        params={"x": 0.1 + 0.2},
        distributions={"x": FloatDistribution(0, 1)},
        system_attrs={"fixed_params": {"x": 0.1 + 0.2}},
    )
    trial_id = proxy.create_new_trial(study_id, template_trial=template)
    assert proxy.set_trial_state_values(trial_id, TrialState.RUNNING)
    proxy.set_trial_intermediate_value(trial_id, 0, math.nan)
    proxy.set_trial_state_values(trial_id, TrialState.COMPLETE, [-0.0, math.inf, 5e-324])
    trial = proxy.get_trial(trial_id)
    assert trial.params == {"x": 0.1 + 0.2}
    assert math.copysign(1, trial.values[0]) == -1
    assert trial.values[1:] == [math.inf, 5e-324]
    assert math.isnan(trial.intermediate_values[0])


def test_a_running_trials_params_travel_together_in_suggestion_order() -> None:
    served = InMemoryStorage()
    with proxied(served) as proxy:
        study_id = proxy.create_new_study(MIN, "batched")
        first = proxy.create_new_trial(study_id)
        proxy.set_trial_param(first, "a", 0.5, FloatDistribution(0, 1))  # names become known
        proxy.set_trial_param(first, "c", 0.5, FloatDistribution(0, 1))
        trial_id = proxy.create_new_trial(study_id)
        proxy.defer_param_writes(trial_id)  # as Study.optimize does
        proxy.set_trial_param(trial_id, "a", 0.25, FloatDistribution(0, 2))
        assert proxy.get_trial(trial_id).params == {"a": 0.25}  # this client sees it at once
        with pytest.raises(ValueError, match="distribution kind"):
            proxy.set_trial_param(trial_id, "a", 0.0, CategoricalDistribution(["x"]))
        # A name the study has not seen goes to the proxy at once, after those held.
        proxy.set_trial_param(trial_id, "b", 0.75, FloatDistribution(0, 1))
        assert list(served.get_trial(trial_id).params) == ["a", "b"]
        proxy.set_trial_param(trial_id, "c", 0.125, FloatDistribution(0, 1))
        deadline = time.monotonic() + 10
        while "c" not in served.get_trial(trial_id).params:  # sent by the background thread
            assert time.monotonic() < deadline, "a held parameter was never sent"
            time.sleep(0.01)
        proxy.set_trial_param(trial_id, "a", 0.5, FloatDistribution(0, 2))
        proxy.set_trial_state_values(trial_id, TrialState.COMPLETE, [1.0])
        stored = served.get_trial(trial_id)
        assert stored.params == {"a": 0.5, "b": 0.75, "c": 0.125}
        assert list(stored.params) == ["a", "b", "c"]


def test_optimize_sends_one_request_per_trial_for_its_parameters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    served = InMemoryStorage()
    with proxied(served) as proxy:
        sent: list[str] = []
        rpc = proxy._rpc

        def counting(method: str, *args: Any) -> Any:
            sent.append(method)
            return rpc(method, *args)

        monkeypatch.setattr(proxy, "_rpc", counting)
        study = parzen.create_study(storage=proxy)

        def objective(trial: parzen.Trial) -> float:
            return sum(trial.suggest_float(f"x{i}", 0, 1) for i in range(5))

        study.optimize(objective, n_trials=1)
        assert sent.count("set_trial_params") == 5  # first use of each name: checked at once
        sent.clear()
        study.optimize(objective, n_trials=20)
        # Sent with the trial's end, or by the background thread if a trial ran > 10 ms: far
        # fewer requests than one per parameter (100), whatever the machine's load.
        assert sent.count("set_trial_params") < 50
        assert sent.count("set_trial_state_values") == 20
        assert [len(t.params) for t in served.get_all_trials(study._study_id)] == [5] * 21


# -- bad input and errors -------------------------------------------------------------------


def test_a_value_that_is_not_json_is_refused_and_nothing_is_stored(
    proxy: GrpcStorageProxy,
) -> None:
    study_id = proxy.create_new_study(MIN, "json-only")
    trial_id = proxy.create_new_trial(study_id)
    with pytest.raises(TypeError, match="JSON data"):
        proxy.set_trial_user_attr(trial_id, "bad", object())
    with pytest.raises(TypeError, match="JSON data"):
        proxy.set_study_system_attr(study_id, "bad", {1, 2})
    assert proxy.get_trial(trial_id).user_attrs == {}
    assert proxy.get_study_system_attrs(study_id) == {}


def test_storage_errors_are_raised_again_in_the_client(proxy: GrpcStorageProxy) -> None:
    study_id = proxy.create_new_study(MIN, "errors")
    with pytest.raises(DuplicatedStudyError):
        proxy.create_new_study(MIN, "errors")
    with pytest.raises(KeyError, match="erors"):
        proxy.get_study_id_from_name("erors")
    with pytest.raises(KeyError):
        proxy.get_trial(12345)
    with pytest.raises(ValueError):
        proxy.get_best_trial(study_id)


def test_an_unexpected_server_error_becomes_a_storage_internal_error() -> None:
    class Broken(InMemoryStorage):
        def get_all_studies(self) -> Any:
            raise OSError("disk on fire")

    with proxied(Broken()) as proxy, pytest.raises(StorageInternalError, match="OSError: disk"):
        proxy.get_all_studies()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_proxy_fails_clearly_after_retry_timeout() -> None:
    port = _free_port()
    proxy = GrpcStorageProxy(host="127.0.0.1", port=port, retry_timeout=0.5)
    with pytest.raises(ConnectionError, match=f"127.0.0.1:{port}"):
        proxy.wait_server_ready(timeout=0.2)
    started = time.monotonic()
    with pytest.raises(StorageInternalError, match="retry_timeout") as error:
        proxy.get_all_studies()
    assert isinstance(error.value, grpc.RpcError)  # what Optuna's client raises
    assert time.monotonic() - started >= 0.5
    proxy.close()
    with pytest.raises(ValueError, match="closed"):
        proxy.get_all_studies()


def test_a_server_that_is_not_a_parzen_proxy_is_named() -> None:
    from concurrent.futures import ThreadPoolExecutor

    other = grpc.server(ThreadPoolExecutor(max_workers=1))
    port = other.add_insecure_port("127.0.0.1:0")
    other.start()
    try:
        proxy = GrpcStorageProxy(host="127.0.0.1", port=port, retry_timeout=0)
        with pytest.raises(StorageInternalError, match="does not serve parzen's storage proxy"):
            proxy.get_all_studies()
        proxy.close()
    finally:
        other.stop(None)


def test_a_port_in_use_is_an_os_error() -> None:
    with serving(InMemoryStorage()) as port, pytest.raises(OSError, match="port is in use"):
        run_grpc_proxy_server(InMemoryStorage(), host="127.0.0.1", port=port)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="port"):
        GrpcStorageProxy(port=0)
    with pytest.raises(ValueError, match="retry_timeout"):
        GrpcStorageProxy(retry_timeout=-1)


def test_the_proxy_pickles_as_its_address(proxy: GrpcStorageProxy) -> None:
    study_id = proxy.create_new_study(MIN, "pickled")
    copy = pickle.loads(pickle.dumps(proxy))
    assert copy.get_study_name_from_id(study_id) == "pickled"
    copy.close()


# -- heartbeats -----------------------------------------------------------------------------


def test_heartbeat_settings_and_retry_callback_come_from_the_served_storage(
    tmp_path: Path,
) -> None:
    from parzen.storages import RDBStorage

    served = RDBStorage(
        f"sqlite:///{tmp_path / 'hb.db'}",
        heartbeat_interval=1,
        grace_period=1,
        heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=2),
    )
    with proxied(served) as proxy:
        assert proxy.is_heartbeat_enabled()
        assert proxy.get_heartbeat_interval() == 1
        callback = proxy.get_heartbeat_stale_trial_callback()
        assert isinstance(callback, RetryHeartbeatStaleTrialCallback)
        assert RetryHeartbeatStaleTrialCallback(max_retry=2).__dict__ == callback.__dict__
        assert proxy.get_failed_trial_callback() is callback
        study = parzen.create_study(storage=proxy, study_name="hb")
        trial = study.ask()
        trial.suggest_float("x", 0, 1)
        time.sleep(2.5)  # the worker "died": no heartbeat for longer than the grace period
        assert parzen.storages.fail_stale_trials(study) == [0]
        trials = study.get_trials(deepcopy=False)
        assert [t.state for t in trials] == [TrialState.FAIL, TrialState.WAITING]
        assert RetryHeartbeatStaleTrialCallback.retried_trial_number(trials[1]) == 0
    served._db.dispose()
    with proxied(InMemoryStorage()) as proxy:
        assert not proxy.is_heartbeat_enabled()
        assert proxy.get_failed_trial_callback() is None


def test_a_restarted_proxy_is_asked_again_for_its_heartbeat_settings(tmp_path: Path) -> None:
    from parzen.storages import RDBStorage

    server, port = make_server(InMemoryStorage(), "127.0.0.1", 0)
    server.start()
    proxy = GrpcStorageProxy(host="127.0.0.1", port=port)
    assert not proxy.is_heartbeat_enabled()
    server.stop(None).wait()
    served = RDBStorage(f"sqlite:///{tmp_path / 'hb.db'}", heartbeat_interval=2)
    server, _ = make_server(served, "127.0.0.1", port)
    server.start()
    try:
        proxy.get_all_studies()  # the first reply of the new run
        assert proxy.is_heartbeat_enabled()
        assert proxy.get_heartbeat_interval() == 2
    finally:
        proxy.close()
        server.stop(None).wait()
        served._db.dispose()


# -- the proxy restarts under running workers -----------------------------------------------

WORKER = """
import json, os, sys
import parzen

port, study_name, log_path, n_trials = sys.argv[1:]
parzen.logging.set_verbosity(parzen.logging.WARNING)
storage = parzen.storages.GrpcStorageProxy(host="127.0.0.1", port=int(port))
study = parzen.load_study(study_name=study_name, storage=storage)
log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)


def objective(trial):
    x = trial.suggest_float("x", -10, 10)
    trial.report(x, 0)
    trial.set_user_attr("pid", os.getpid())
    return x * x


def record(study, frozen):
    entry = {"id": frozen._trial_id, "number": frozen.number, "value": frozen.value}
    os.write(log, (json.dumps(entry) + "\\n").encode())


study.optimize(objective, n_trials=int(n_trials), callbacks=[record])
"""


def _logged(paths: list[Path]) -> list[dict[str, Any]]:
    return [json.loads(line) for p in paths if p.exists() for line in p.read_text().splitlines()]


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["stop", "kill"])
def test_workers_carry_on_across_a_proxy_restart(
    signum: int, tmp_path: Path, grpc_proxy: Callable[..., Any]
) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    # Heartbeats fail the trial a killed proxy may leave behind (created, reply lost). The
    # grace period must outlast the restart: no heartbeat reaches the database meanwhile.
    proxy = grpc_proxy(url, heartbeat_interval=1, grace_period=GRACE_PERIOD)
    client = GrpcStorageProxy(host="127.0.0.1", port=proxy.port)
    parzen.create_study(storage=client, study_name="restart")
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(WORKER))
    logs = [tmp_path / f"worker-{i}.log" for i in range(2)]
    n_trials = 150
    workers = [
        subprocess.Popen(
            [sys.executable, str(script), str(proxy.port), "restart", str(log), str(n_trials)],
            stderr=subprocess.PIPE,
        )
        for log in logs
    ]
    deadline = time.monotonic() + 120
    while len(_logged(logs)) < 20:  # restart in the middle of the run
        assert time.monotonic() < deadline, "the workers made no progress"
        time.sleep(0.05)
    proxy.stop(signum)
    time.sleep(1.0)  # workers meet a dead proxy and retry
    proxy.start()
    for worker in workers:
        _, stderr = worker.communicate(timeout=300)
        assert worker.returncode == 0, stderr.decode(errors="replace")[-3000:]

    if signum == signal.SIGKILL:
        time.sleep(GRACE_PERIOD + 0.5)  # a leftover trial is stale now
        study = parzen.load_study(study_name="restart", storage=client)
        parzen.storages.fail_stale_trials(study)
    trials = client.get_all_trials(client.get_study_id_from_name("restart"))
    client.close()
    logged = _logged(logs)
    assert len(logged) == 2 * n_trials
    by_id = {t._trial_id: t for t in trials}
    for entry in logged:
        trial = by_id[entry["id"]]
        assert trial.state == TrialState.COMPLETE
        assert (trial.number, trial.value) == (entry["number"], entry["value"])
    assert sorted(t.number for t in trials) == list(range(len(trials)))
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    assert len(complete) == 2 * n_trials
    if signum == signal.SIGTERM:
        assert len(trials) == 2 * n_trials  # a graceful stop leaves nothing behind
    else:
        # At most one call per worker was cut off; a trial it created is FAIL, not RUNNING.
        assert [t.state for t in trials if t.state != TrialState.COMPLETE] in (
            [],
            [TrialState.FAIL],
            [TrialState.FAIL] * 2,
        )
