"""Plot data: what each chart gets, and how large studies are reduced on the server."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import parzen
from parzen.dashboard import _plots
from parzen.dashboard._cache import Registry
from parzen.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from parzen.storages import BaseStorage
from parzen.trial import TrialState, create_trial

# -- with the server -------------------------------------------------------------------------


def test_history_has_every_value_and_the_best_so_far(client: Any, storage: BaseStorage) -> None:
    study = parzen.load_study(study_name="training", storage=storage)
    data = client.get_json("/api/studies/0/plots/history")
    complete = [t for t in study.trials if t.state == TrialState.COMPLETE]
    assert data["feasible"]["number"] == [t.number for t in complete]
    assert data["feasible"]["value"] == [t.value for t in complete]
    assert data["infeasible"] == {"number": [], "value": []}
    best = data["best"]["value"]
    assert best == sorted(best, reverse=True)  # minimizing: never goes up
    assert best[-1] == study.best_value
    assert data["best"]["number"][-1] == complete[-1].number
    assert data["label"] == "value" and data["direction"] == "minimize"


def test_history_of_a_maximized_objective_and_its_labels(client: Any) -> None:
    data = client.get_json("/api/studies/2/plots/history", objective="0")
    assert data["label"] == "accuracy" and data["direction"] == "maximize"
    assert data["best"] == {"number": [], "value": []}  # no single best with two objectives
    latency = client.get_json("/api/studies/2/plots/history", objective="1")
    assert latency["label"] == "latency"
    assert client.request("/api/studies/2/plots/history", query={"objective": "2"}).status == 400


def test_infeasible_trials_are_apart_and_never_best(client: Any, storage: BaseStorage) -> None:
    study = parzen.create_study(storage=storage, study_name="constrained")
    for value, constraint in [(5.0, 0.0), (1.0, 2.0), (3.0, -1.0)]:
        trial = study.ask()
        trial.set_constraint("c", constraint)
        study.tell(trial, value)
    data = client.get_json(f"/api/studies/{study._study_id}/plots/history")
    assert data["infeasible"] == {"number": [1], "value": [1.0]}
    assert data["best"] == {"number": [0, 2], "value": [5.0, 3.0]}


def test_learning_curves_of_all_trials_that_reported(client: Any, storage: BaseStorage) -> None:
    data = client.get_json("/api/studies/0/plots/intermediate")
    study = parzen.load_study(study_name="training", storage=storage)
    reported = [t for t in study.trials if t.intermediate_values]
    assert data["n_with_values"] == len(reported)
    assert [c["number"] for c in data["curves"]] == [t.number for t in reported]
    curve = data["curves"][0]
    assert curve["steps"] == [0, 1, 2, 3]
    assert curve["values"] == [reported[0].intermediate_values[s] for s in range(4)]
    assert {c["state"] for c in data["curves"]} == {"COMPLETE", "PRUNED"}


def test_parallel_coordinates_axes(client: Any, storage: BaseStorage) -> None:
    data = client.get_json("/api/studies/0/plots/parallel")
    names = [a["name"] for a in data["axes"]]
    assert names == ["lr", "n", "opt", "x", "value"]
    axes = {a["name"]: a for a in data["axes"]}
    study = parzen.load_study(study_name="training", storage=storage)
    complete = {t.number: t for t in study.trials if t.state == TrialState.COMPLETE}
    assert sorted(data["numbers"]) == sorted(complete)
    for i, number in enumerate(data["numbers"]):
        trial = complete[number]
        assert axes["lr"]["values"][i] == pytest.approx(math.log10(trial.params["lr"]))
        assert axes["opt"]["values"][i] == ["adam", "sgd"].index(trial.params["opt"])
        assert axes["value"]["values"][i] == trial.value
    assert axes["lr"]["log"] is True
    assert [label for _, label in axes["opt"]["ticks"]] == ["adam", "sgd"]
    # An int axis has whole-number ticks.
    assert all(float(label) == int(float(label)) for _, label in axes["n"]["ticks"])
    assert data["omitted_params"] == []


def test_parallel_coordinates_leave_out_conditional_parameters(
    client: Any, storage: BaseStorage
) -> None:
    study = parzen.create_study(storage=storage, study_name="conditional")
    for i in range(4):
        trial = study.ask()
        trial.suggest_float("always", 0, 1)
        if i % 2:
            trial.suggest_int("sometimes", 0, 3)
        study.tell(trial, float(i))
    data = client.get_json(f"/api/studies/{study._study_id}/plots/parallel")
    assert [a["name"] for a in data["axes"]] == ["always", "value"]
    assert data["omitted_params"] == ["sometimes"]
    slices = client.get_json(f"/api/studies/{study._study_id}/plots/slice")
    sometimes = next(p for p in slices["params"] if p["name"] == "sometimes")
    present = [n for n, x in zip(slices["numbers"], sometimes["x"]) if x is not None]
    assert present == [1, 3]


def test_slices_share_trials_and_label_categories(
    client: Any, storage: BaseStorage, hostile: Any
) -> None:
    data = client.get_json("/api/studies/0/plots/slice")
    assert [p["name"] for p in data["params"]] == ["lr", "n", "opt", "x"]
    params = {p["name"]: p for p in data["params"]}
    assert params["opt"]["kind"] == "categorical"
    assert params["opt"]["categories"] == ["adam", "sgd"]
    assert set(params["opt"]["x"]) <= {"adam", "sgd"}
    assert params["lr"]["log"] is True and params["n"]["kind"] == "int"
    study = parzen.load_study(study_name="training", storage=storage)
    by_number = {t.number: t for t in study.trials}
    for number, value, x in zip(data["numbers"], data["values"], params["x"]["x"]):
        assert by_number[number].value == value
        assert by_number[number].params["x"] == x
    hostile_slices = client.get_json("/api/studies/1/plots/slice")
    choice = next(p for p in hostile_slices["params"] if p["name"] == "choice")
    assert choice["categories"] == [hostile.choice, "plain"]


def test_importances_per_objective(client: Any) -> None:
    single = client.get_json("/api/studies/0/plots/importance")
    assert single["error"] is None
    [objective] = single["objectives"]
    importances = {x["name"]: x["importance"] for x in objective["importances"]}
    assert set(importances) == {"x", "lr", "n", "opt"}
    assert sum(importances.values()) == pytest.approx(1.0)
    assert (
        max(importances, key=lambda name: importances[name]) == "x"
    )  # x * x dominates the objective
    two = client.get_json("/api/studies/2/plots/importance")
    assert [o["label"] for o in two["objectives"]] == ["accuracy", "latency"]


def test_importances_need_two_complete_trials(client: Any, storage: BaseStorage) -> None:
    study = parzen.create_study(storage=storage, study_name="tiny")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    data = client.get_json(f"/api/studies/{study._study_id}/plots/importance")
    assert data["objectives"] == []
    assert "at least 2" in data["error"]


def test_pareto_front(client: Any, storage: BaseStorage) -> None:
    data = client.get_json("/api/studies/2/plots/pareto")
    study = parzen.load_study(study_name="tradeoff", storage=storage)
    front = sorted(t.number for t in study.best_trials)
    assert sorted(data["front"]["number"]) == front
    assert data["n_front"] == len(front)
    assert sorted(data["front"]["number"] + data["dominated"]["number"]) == [
        t.number for t in study.trials
    ]
    assert data["front"]["x"] == sorted(data["front"]["x"])
    assert (data["x_label"], data["y_label"]) == ("accuracy", "latency")
    swapped = client.get_json("/api/studies/2/plots/pareto", x="1", y="0")
    assert swapped["x_label"] == "latency"
    assert client.request("/api/studies/0/plots/pareto").status == 400


def test_empty_study_plots(client: Any, storage: BaseStorage) -> None:
    study = parzen.create_study(storage=storage, study_name="nothing yet")
    base = f"/api/studies/{study._study_id}/plots/"
    assert client.get_json(base + "history")["n_complete"] == 0
    assert client.get_json(base + "intermediate")["curves"] == []
    assert client.get_json(base + "parallel")["n_shown"] == 0
    assert client.get_json(base + "slice")["params"] == []
    assert client.get_json(base + "importance")["error"]


# -- reductions ----------------------------------------------------------------------------


def test_bucket_extremes_keeps_each_buckets_min_and_max() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(size=10_000)
    values[1234], values[8765] = 100.0, -100.0
    kept = _plots.bucket_extremes(values, 200)
    assert len(kept) <= 200
    assert list(kept) == sorted(set(kept))
    assert 1234 in kept and 8765 in kept
    assert values[kept].max() == values.max() and values[kept].min() == values.min()
    assert list(_plots.bucket_extremes(values[:50], 200)) == list(range(50))


def test_best_and_spread_keeps_the_best_half_and_samples_the_rest() -> None:
    loss = np.arange(5000, dtype=float)[::-1].copy()  # the last trials are the best
    kept = _plots.best_and_spread(loss, 1000)
    assert len(kept) == 1000
    assert set(range(4500, 5000)) <= set(kept)
    rest = [i for i in kept if i < 4500]
    assert rest[0] == 0 and len(rest) == 500
    assert list(_plots.best_and_spread(loss[:10], 1000)) == list(range(10))


@pytest.fixture(scope="module")
def big_storage() -> parzen.storages.BaseStorage:
    """3,000 trials with learning curves: more than every chart shows."""
    storage = parzen.storages.InMemoryStorage()
    study = parzen.create_study(storage=storage, study_name="big")
    rng = np.random.default_rng(1)
    dists = {
        "x": FloatDistribution(-1, 1),
        "k": IntDistribution(0, 9),
        "c": CategoricalDistribution(["a", "b", "c"]),
    }
    trials = []
    for i in range(3000):
        x, k = float(rng.uniform(-1, 1)), int(rng.integers(10))
        params = {"x": x, "k": k, "c": "abc"[i % 3]}
        value = x**2 + 0.01 * k
        curve = {s: value + 1.0 / (s + 1) for s in range(500)} if i % 10 == 0 else {}
        trials.append(
            create_trial(
                value=value, params=params, distributions=dists, intermediate_values=curve
            )
        )
    study.add_trials(trials)
    return storage


def test_large_studies_are_reduced_for_every_chart(big_storage: BaseStorage) -> None:
    cache = Registry(big_storage, min_interval=0.0).get(0)

    def plot(name: str) -> dict:
        data, fresh = _plots.plot_data(cache, name, {})
        assert fresh
        return data

    history = plot("history")
    assert history["n_complete"] == 3000
    assert history["n_shown"] <= _plots.MAX_HISTORY_POINTS
    assert len(history["feasible"]["number"]) == history["n_shown"]
    best = min(t.value for t in big_storage.get_all_trials(0))
    assert history["best"]["value"][-1] == best
    assert best in history["feasible"]["value"]  # extremes survive the reduction
    parallel = plot("parallel")
    assert parallel["n_shown"] == len(parallel["numbers"]) == _plots.MAX_SCATTER_TRIALS
    assert min(parallel["axes"][-1]["values"]) == best
    slices = plot("slice")
    assert len(slices["numbers"]) == _plots.MAX_SCATTER_TRIALS
    curves = plot("intermediate")
    assert curves["n_with_values"] == 300
    assert len(curves["curves"]) == _plots.MAX_CURVES
    # The most recent trials' curves, each thinned but ending at its last step.
    assert curves["curves"][-1]["number"] == 2990
    assert all(len(c["steps"]) <= _plots.MAX_CURVE_POINTS + 1 for c in curves["curves"])
    assert all(c["steps"][-1] == 499 for c in curves["curves"])
    importance = plot("importance")
    # PED-ANOVA runs on an even sample of a large study, and says so.
    assert importance["n_complete"] == 3000
    assert importance["n_used"] == _plots.MAX_IMPORTANCE_TRIALS
    assert {i["name"] for i in importance["objectives"][0]["importances"]} == {"x", "k", "c"}


def test_history_best_line_matches_a_plain_scan(client: Any, storage: BaseStorage) -> None:
    study = parzen.create_study(storage=storage, study_name="scan", direction="maximize")
    values = [0.3, 0.1, 0.3, 0.7, 0.7, 0.9, 0.2]
    for v in values:
        study.add_trial(
            create_trial(value=v, params={"x": 0.0}, distributions={"x": FloatDistribution(-1, 1)})
        )
    data = client.get_json(f"/api/studies/{study._study_id}/plots/history")
    # Each strict improvement, then the best carried to the last trial.
    assert data["best"] == {"number": [0, 3, 5, 6], "value": [0.3, 0.7, 0.9, 0.9]}
