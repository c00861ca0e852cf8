"""The dashboard's JSON API over HTTP: studies, the trial table, one trial."""

from __future__ import annotations

import json
from typing import Any

import pytest

import parzen
from parzen.storages import BaseStorage
from parzen.trial import TrialState

# -- studies -----------------------------------------------------------------------------


def test_study_list_has_names_directions_counts_best_and_start(
    client: Any, storage: BaseStorage, hostile: Any
) -> None:
    studies = client.get_json("/api/studies")["studies"]
    by_name = {s["name"]: s for s in studies}
    assert list(by_name) == ["training", hostile.study, "tradeoff"]
    training = by_name["training"]
    assert training["directions"] == ["minimize"]
    assert training["n_trials"] == 22
    assert training["counts"] == {
        "RUNNING": 0,
        "COMPLETE": 20,
        "PRUNED": 1,
        "FAIL": 1,
        "WAITING": 0,
    }
    study = parzen.load_study(study_name="training", storage=storage)
    assert training["best"]["value"] == study.best_value
    assert training["best"]["number"] == study.best_trial.number
    assert training["datetime_start"] == min(t.datetime_start for t in study.trials).isoformat()
    tradeoff = by_name["tradeoff"]
    assert tradeoff["directions"] == ["maximize", "minimize"]
    assert tradeoff["objective_labels"] == ["accuracy", "latency"]
    front = parzen.load_study(study_name="tradeoff", storage=storage).best_trials
    assert tradeoff["best"]["pareto_front_size"] == len(front)


def test_empty_study_has_no_best_and_no_start(client: Any, storage: BaseStorage) -> None:
    parzen.create_study(storage=storage, study_name="empty")
    empty = next(s for s in client.get_json("/api/studies")["studies"] if s["name"] == "empty")
    assert empty["n_trials"] == 0
    assert empty["best"] is None
    assert empty["datetime_start"] is None


def test_study_detail_lists_parameters_columns_and_attributes(
    client: Any, storage: BaseStorage
) -> None:
    study = parzen.load_study(study_name="training", storage=storage)
    study.set_user_attr("owner", "me")
    detail = client.get_json(f"/api/studies/{study._study_id}")
    assert detail["name"] == "training"
    assert detail["user_attrs"] == {"owner": "me"}
    params = {p["name"]: p["distribution"] for p in detail["params"]}
    assert params["lr"] == {
        "name": "FloatDistribution",
        "attributes": {"low": 1e-4, "high": 1e-1, "log": True, "step": None},
    }
    assert params["opt"]["attributes"]["choices"] == ["adam", "sgd"]
    ids = [c["id"] for c in detail["columns"]]
    assert ids[:3] == ["number", "state", "value:0"]
    assert {"param:x", "param:lr", "param:n", "param:opt"} <= set(ids)
    assert {"user_attr:epochs", "user_attr:tag"} <= set(ids)
    assert detail["has_intermediate_values"] is True


def test_unknown_study_is_404_everywhere(client: Any) -> None:
    for path in [
        "/api/studies/999",
        "/api/studies/999/trials",
        "/api/studies/999/trials/0",
        "/api/studies/999/plots/history",
    ]:
        response = client.request(path)
        assert response.status == 404, path
        assert response.headers["content-type"] == "application/json"
        assert "999" in response.json()["error"]


def test_unknown_trial_and_api_path_are_404(client: Any) -> None:
    assert client.request("/api/studies/0/trials/500").status == 404
    assert client.request("/api/nothing").status == 404
    assert client.request("/api/studies/0/plots/nope").status == 404


def test_deleted_study_becomes_404(client: Any, storage: BaseStorage) -> None:
    study = parzen.create_study(storage=storage, study_name="short-lived")
    client.get_json(f"/api/studies/{study._study_id}")
    parzen.delete_study(study_name="short-lived", storage=storage)
    assert client.request(f"/api/studies/{study._study_id}").status == 404
    names = [s["name"] for s in client.get_json("/api/studies")["studies"]]
    assert "short-lived" not in names


# -- the trial table ------------------------------------------------------------------------


def test_trials_are_paged(client: Any) -> None:
    page = client.get_json("/api/studies/0/trials", offset="20", limit="10")
    assert page["total"] == 22
    assert [r["number"] for r in page["rows"]] == [20, 21]
    first = client.get_json("/api/studies/0/trials", limit="5")
    assert [r["number"] for r in first["rows"]] == [0, 1, 2, 3, 4]
    assert first["limit"] == 5
    default = client.get_json("/api/studies/0/trials")
    assert default["limit"] == 200
    assert len(default["rows"]) == 22


def test_trial_rows_carry_params_values_state_duration_and_attrs(
    client: Any, storage: BaseStorage
) -> None:
    row = client.get_json("/api/studies/0/trials", limit="1")["rows"][0]
    trial = parzen.load_study(study_name="training", storage=storage).trials[0]
    assert row["number"] == 0
    assert row["state"] == "COMPLETE"
    assert row["values"] == trial.values
    assert row["params"] == trial.params
    assert row["user_attrs"] == {"epochs": 4, "tag": "even"}
    assert row["duration"] == pytest.approx(trial.duration.total_seconds())
    assert row["datetime_start"] == trial.datetime_start.isoformat()


def test_trials_sort_by_value_with_missing_values_last_in_both_orders(client: Any) -> None:
    asc = client.get_json("/api/studies/0/trials", sort="value:0", order="asc")["rows"]
    desc = client.get_json("/api/studies/0/trials", sort="value:0", order="desc")["rows"]
    for rows, reverse in ((asc, False), (desc, True)):
        values = [r["values"][0] for r in rows if r["values"] is not None]
        assert values == sorted(values, reverse=reverse)
        # The failed trial has no value: it comes last either way.
        assert rows[-1]["state"] == "FAIL"


def test_trials_sort_by_param_and_by_user_attr(client: Any) -> None:
    rows = client.get_json("/api/studies/0/trials", sort="param:x", order="desc")["rows"]
    xs = [r["params"]["x"] for r in rows]
    assert xs == sorted(xs, reverse=True)
    rows = client.get_json("/api/studies/0/trials", sort="param:opt")["rows"]
    opts = [r["params"]["opt"] for r in rows if "opt" in r["params"]]
    assert opts == sorted(opts)
    assert "opt" not in rows[-1]["params"]  # the pruned and failed trials lack it
    rows = client.get_json("/api/studies/0/trials", sort="user_attr:tag")["rows"]
    tags = [r["user_attrs"]["tag"] for r in rows if "tag" in r["user_attrs"]]
    assert tags == sorted(tags)
    # Ties keep trial-number order.
    evens = [r["number"] for r in rows if r["user_attrs"].get("tag") == "even"]
    assert evens == sorted(evens)


def test_trials_sort_mixed_types_without_error(client: Any, storage: BaseStorage) -> None:
    study = parzen.load_study(study_name="training", storage=storage)
    for value in (3, "text", [1, 2], None, 2.5):
        trial = study.ask()
        trial.set_user_attr("mixed", value)
        study.tell(trial, 1.0)
    rows = client.get_json("/api/studies/0/trials", sort="user_attr:mixed")["rows"]
    mixed = [r["user_attrs"]["mixed"] for r in rows if "mixed" in r["user_attrs"]]
    # Numbers, then text, then other JSON values by their JSON text.
    assert mixed == [2.5, 3, "text", [1, 2], None]


def test_trials_filter_by_state(client: Any) -> None:
    page = client.get_json("/api/studies/0/trials", state="PRUNED,FAIL")
    assert page["total"] == 2
    assert {r["state"] for r in page["rows"]} == {"PRUNED", "FAIL"}
    assert page["n_trials"] == 22


def test_trials_filter_by_conditions(client: Any, storage: BaseStorage) -> None:
    trials = parzen.load_study(study_name="training", storage=storage).trials

    def numbers(filters: list[dict[str, str]]) -> list[int]:
        page = client.get_json("/api/studies/0/trials", filters=json.dumps(filters))
        return [r["number"] for r in page["rows"]]

    positive = [t.number for t in trials if t.params.get("x", -1) > 0]
    assert numbers([{"column": "param:x", "op": ">", "value": "0"}]) == positive
    sgd = [t.number for t in trials if t.params.get("opt") == "sgd"]
    assert numbers([{"column": "param:opt", "op": "=", "value": "sgd"}]) == sgd
    odd = [t.number for t in trials if t.user_attrs.get("tag") == "odd"]
    assert numbers([{"column": "user_attr:tag", "op": "contains", "value": "OD"}]) == odd
    both = [n for n in positive if n in sgd]
    assert (
        numbers(
            [
                {"column": "param:x", "op": ">", "value": "0"},
                {"column": "param:opt", "op": "=", "value": "sgd"},
            ]
        )
        == both
    )
    small = [t.number for t in trials if t.values is not None and t.values[0] <= 2]
    assert numbers([{"column": "value:0", "op": "<=", "value": "2"}]) == small
    assert numbers([{"column": "state", "op": "=", "value": "FAIL"}]) == [21]


def test_filtered_table_is_paged_and_sorted(client: Any) -> None:
    filters = json.dumps([{"column": "state", "op": "=", "value": "COMPLETE"}])
    page = client.get_json(
        "/api/studies/0/trials", filters=filters, sort="value:0", order="desc", limit="3"
    )
    assert page["total"] == 20
    values = [r["values"][0] for r in page["rows"]]
    assert len(values) == 3 and values == sorted(values, reverse=True)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "5000"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "x"}, "offset"),
        ({"order": "up"}, "order"),
        ({"sort": "bogus"}, "Unknown column"),
        ({"sort": "value:3"}, "Unknown column"),
        ({"state": "DONE"}, "Unknown trial state"),
        ({"filters": "not json"}, "filters"),
        ({"filters": '{"column": "x"}'}, "filters"),
        ({"filters": '[{"column": "param:x", "op": "~", "value": "1"}]'}, "op"),
    ],
)
def test_bad_table_queries_are_400_with_a_reason(
    client: Any, query: dict[str, str], message: str
) -> None:
    response = client.request("/api/studies/0/trials", query=query)
    assert response.status == 400
    assert message in response.json()["error"]


# -- one trial ------------------------------------------------------------------------------


def test_trial_detail_has_everything_stored(client: Any, storage: BaseStorage) -> None:
    study = parzen.load_study(study_name="training", storage=storage)
    trial = study.trials[3]
    detail = client.get_json("/api/studies/0/trials/3")
    assert detail["number"] == 3
    assert detail["study_name"] == "training"
    assert detail["state"] == "COMPLETE"
    assert detail["values"] == trial.values
    params = {p["name"]: p for p in detail["params"]}
    assert params["x"]["value"] == trial.params["x"]
    assert params["n"]["distribution"]["name"] == "IntDistribution"
    assert detail["intermediate_values"] == [
        [step, trial.intermediate_values[step]] for step in sorted(trial.intermediate_values)
    ]
    assert detail["user_attrs"] == trial.user_attrs
    assert detail["system_attrs"] == trial.system_attrs
    assert detail["constraints"] is None and detail["feasible"] is True


def test_trial_detail_reports_constraints(client: Any, storage: BaseStorage) -> None:
    study = parzen.load_study(study_name="training", storage=storage)
    trial = study.ask()
    trial.set_constraint("memory", 3.0)
    frozen = study.tell(trial, 1.0)
    detail = client.get_json(f"/api/studies/0/trials/{frozen.number}")
    assert detail["constraints"] == [3.0]
    assert detail["feasible"] is False


def test_non_finite_values_become_null(client: Any, storage: BaseStorage) -> None:
    study = parzen.load_study(study_name="training", storage=storage)
    trial = study.ask()
    trial.report(float("nan"), 0)
    trial.report(float("inf"), 1)
    trial.set_user_attr("weird", float("-inf"))
    detail = client.get_json(f"/api/studies/0/trials/{trial.number}")
    assert detail["intermediate_values"] == [[0, None], [1, None]]
    assert detail["user_attrs"] == {"weird": None}
    assert detail["state"] == "RUNNING"


# -- live -----------------------------------------------------------------------------------


def test_running_and_finished_trials_show_up_at_once(client: Any, storage: BaseStorage) -> None:
    study = parzen.load_study(study_name="training", storage=storage)
    before = client.get_json("/api/studies/0")
    trial = study.ask()
    trial.suggest_float("x", -4, 4)
    during = client.get_json("/api/studies/0")
    assert during["counts"]["RUNNING"] == 1
    assert during["n_trials"] == before["n_trials"] + 1
    assert during["revision"] > before["revision"]
    row = client.get_json("/api/studies/0/trials", state="RUNNING")["rows"][0]
    assert row["number"] == trial.number
    trial.report(0.5, 0)
    reported = client.get_json(f"/api/studies/0/trials/{trial.number}")
    assert reported["intermediate_values"] == [[0, 0.5]]
    study.tell(trial, -1.0)
    after = client.get_json("/api/studies/0")
    assert after["counts"]["RUNNING"] == 0
    assert after["counts"]["COMPLETE"] == before["counts"]["COMPLETE"] + 1
    assert after["best"] == {"number": trial.number, "value": -1.0, "params": trial.params}


def test_etag_lets_polls_cost_a_304_until_something_changes(
    client: Any, storage: BaseStorage
) -> None:
    first = client.request("/api/studies/0")
    etag = first.headers["etag"]
    again = client.request("/api/studies/0", headers={"If-None-Match": etag})
    assert again.status == 304
    assert again.body == b""
    study = parzen.load_study(study_name="training", storage=storage)
    study.enqueue_trial({"x": 1.0})
    changed = client.request("/api/studies/0", headers={"If-None-Match": etag})
    assert changed.status == 200
    assert changed.headers["etag"] != etag
    assert changed.json()["counts"]["WAITING"] == 1


def test_hostile_names_come_back_intact_and_escaped(client: Any, hostile: Any) -> None:
    response = client.request("/api/studies")
    # No markup in any response body, whatever the data...
    assert b"<" not in response.body and b">" not in response.body
    assert b"\\u003cscript\\u003e" in response.body
    studies = response.json()["studies"]
    # ...and the JSON decodes to the exact strings.
    study_id = next(s["study_id"] for s in studies if s["name"] == hostile.study)
    for path in [
        f"/api/studies/{study_id}",
        f"/api/studies/{study_id}/trials",
        f"/api/studies/{study_id}/trials/0",
        f"/api/studies/{study_id}/plots/slice",
        f"/api/studies/{study_id}/plots/parallel",
    ]:
        body = client.request(path).body
        assert b"<" not in body and b">" not in body, path
    detail = client.get_json(f"/api/studies/{study_id}")
    assert hostile.param in [p["name"] for p in detail["params"]]
    assert f"user_attr:{hostile.attr_key}" in [c["id"] for c in detail["columns"]]
    row = client.get_json(f"/api/studies/{study_id}/trials")["rows"][0]
    assert row["user_attrs"] == {hostile.attr_key: hostile.attr_value}
    assert row["params"]["choice"] in (hostile.choice, "plain")
    sorted_rows = client.get_json(
        f"/api/studies/{study_id}/trials", sort=f"param:{hostile.param}", order="desc"
    )["rows"]
    values = [r["params"][hostile.param] for r in sorted_rows]
    assert values == sorted(values, reverse=True)


def test_a_study_whose_trials_all_failed_has_no_best(client: Any, storage: BaseStorage) -> None:
    study = parzen.create_study(storage=storage, study_name="broken")
    for _ in range(2):
        study.tell(study.ask(), state=TrialState.FAIL)
    entry = next(s for s in client.get_json("/api/studies")["studies"] if s["name"] == "broken")
    assert entry["best"] is None
    assert entry["counts"]["FAIL"] == 2
