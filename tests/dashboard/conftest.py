"""Studies for the dashboard tests, hostile names included, and a running server on them."""

from __future__ import annotations

import http.client
import json
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

import parzen
from parzen.dashboard import DashboardServer, start_server
from parzen.trial import TrialState

# Strings that run code if some part of the page ever renders data as HTML.
HOSTILE_STUDY = "<script>window.__pwned=1</script>"
HOSTILE_PARAM = '<img src=x onerror="window.__pwned=1">'
HOSTILE_ATTR_KEY = "<b onmouseover=window.__pwned=1>key</b>"
HOSTILE_ATTR_VALUE = "<script>window.__pwned=1</script><img src=x onerror=window.__pwned=1>"
HOSTILE_CHOICE = "<svg onload=window.__pwned=1>"


def _objective(trial: parzen.Trial) -> float:
    x = trial.suggest_float("x", -4.0, 4.0)
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    n = trial.suggest_int("n", 1, 5)
    opt = trial.suggest_categorical("opt", ["adam", "sgd"])
    value = x * x + 0.1 * n + (0.5 if opt == "sgd" else 0.0) + lr
    for step in range(4):
        trial.report(value + 1.0 / (step + 1), step)
    trial.set_user_attr("epochs", 4)
    trial.set_user_attr("tag", "even" if trial.number % 2 == 0 else "odd")
    return value


def fill_training(study: parzen.Study, n_trials: int = 20) -> None:
    study.optimize(_objective, n_trials=n_trials)
    pruned = study.ask()
    pruned.suggest_float("x", -4.0, 4.0)
    pruned.report(9.0, 0)
    study.tell(pruned, state=TrialState.PRUNED)
    failed = study.ask()
    failed.suggest_float("x", -4.0, 4.0)
    study.tell(failed, state=TrialState.FAIL)


def fill_hostile(study: parzen.Study) -> None:
    for i in range(6):
        trial = study.ask()
        a = trial.suggest_float(HOSTILE_PARAM, 0.0, 1.0)
        trial.suggest_categorical("choice", [HOSTILE_CHOICE, "plain"])
        trial.set_user_attr(HOSTILE_ATTR_KEY, HOSTILE_ATTR_VALUE)
        trial.report(a, 0)
        trial.report(a / 2, 1)
        study.tell(trial, a + i)


def fill_two_objectives(study: parzen.Study, n_trials: int = 24) -> None:
    study.set_metric_names(["accuracy", "latency"])

    def objective(trial: parzen.Trial) -> tuple[float, float]:
        width = trial.suggest_int("width", 1, 64, log=True)
        depth = trial.suggest_int("depth", 1, 8)
        return 1.0 - 1.0 / (width * depth), 0.01 * width * depth

    study.optimize(objective, n_trials=n_trials)


@pytest.fixture
def storage() -> parzen.storages.BaseStorage:
    """Three studies: 'training' (id 0), the hostile one (id 1), 'tradeoff' (id 2)."""
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    storage = parzen.storages.InMemoryStorage()
    sampler = parzen.samplers.RandomSampler(seed=0)
    fill_training(parzen.create_study(storage=storage, study_name="training", sampler=sampler))
    fill_hostile(parzen.create_study(storage=storage, study_name=HOSTILE_STUDY, sampler=sampler))
    fill_two_objectives(
        parzen.create_study(
            storage=storage,
            study_name="tradeoff",
            directions=["maximize", "minimize"],
            sampler=sampler,
        )
    )
    return storage


@pytest.fixture
def server(storage: parzen.storages.BaseStorage) -> Iterator[DashboardServer]:
    # refresh_interval=0: every request sees the storage as it is, so tests need not wait.
    with start_server(storage, refresh_interval=0.0) as running:
        yield running


class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """Plain HTTP requests to a dashboard: a fresh connection each, no decompression."""

    def __init__(self, server: DashboardServer) -> None:
        self.server = server

    def request(
        self,
        path: str,
        *,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
        query: dict[str, str] | None = None,
    ) -> Response:
        if query:
            path = path + "?" + urllib.parse.urlencode(query)
        connection = http.client.HTTPConnection(self.server.host, self.server.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            data = response.read()
            headers_ = {k.lower(): v for k, v in response.getheaders()}
            return Response(response.status, headers_, data)
        finally:
            connection.close()

    def get_json(self, path: str, **query: str) -> Any:
        response = self.request(path, query=query or None)
        assert response.status == 200, (path, response.status, response.body[:300])
        assert response.headers["content-type"] == "application/json"
        return response.json()


@pytest.fixture
def client(server: DashboardServer) -> Client:
    return Client(server)


class Hostile:
    study = HOSTILE_STUDY
    param = HOSTILE_PARAM
    attr_key = HOSTILE_ATTR_KEY
    attr_value = HOSTILE_ATTR_VALUE
    choice = HOSTILE_CHOICE


@pytest.fixture
def hostile() -> type[Hostile]:
    """The hostile strings the studies hold (study name, parameter, attribute, choice)."""
    return Hostile
