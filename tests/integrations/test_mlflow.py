"""MLflowCallback against a real MLflow tracking store (SQLite), read back with MlflowClient."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

import parzen
from parzen.distributions import json_to_distribution

if os.environ.get("CI"):
    import mlflow
else:
    mlflow = pytest.importorskip("mlflow")

from parzen.integrations.mlflow import MLflowCallback

# MLflow's SQL store uses SQLAlchemy options that SQLAlchemy deprecates; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Creating an MLflow database runs its migrations, which takes seconds: do it once and
    # give every test a copy.
    directory = tmp_path_factory.mktemp("mlflow-template")
    path = directory / "mlflow.db"
    with pytest.MonkeyPatch.context() as patch:
        # Some MLflow versions create the default artifact root, ./mlruns, right away.
        patch.chdir(directory)
        mlflow.MlflowClient(f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture
def uri(template_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    db = tmp_path / "mlflow.db"
    shutil.copy(template_db, db)
    # Artifact locations default to ./mlruns: keep them out of the working tree.
    monkeypatch.chdir(tmp_path)
    previous_uri = mlflow.get_tracking_uri()
    yield f"sqlite:///{db}"
    while mlflow.active_run() is not None:
        mlflow.end_run()
    mlflow.set_tracking_uri(previous_uri)


def _runs(uri: str, study_name: str) -> tuple[Any, list[Any]]:
    """The study's parent run and its trial runs by trial number."""
    client = mlflow.MlflowClient(uri)
    experiment = client.get_experiment_by_name(study_name)
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id], max_results=1000)
    parents = [r for r in runs if r.data.tags.get("parzen.run_kind") == "study"]
    children = [r for r in runs if r.data.tags.get("parzen.run_kind") == "trial"]
    assert len(parents) <= 1
    children.sort(key=lambda r: int(r.data.tags["parzen.trial_number"]))
    return (parents[0] if parents else None), children


def _objective(trial: parzen.Trial) -> float:
    x = trial.suggest_float("x", -5.0, 5.0)
    n = trial.suggest_int("n", 1, 8, log=True)
    kind = trial.suggest_categorical("kind", ["a", "b", None])
    trial.set_user_attr("note", f"trial {trial.number}")
    trial.set_user_attr("sizes", [n, n + 1])
    for step in range(3):
        trial.report(x * (step + 1), step)
    return x**2 + n + (kind == "a")


def test_logs_parent_run_and_one_child_run_per_trial(uri: str) -> None:
    study = parzen.create_study(study_name="runs", sampler=parzen.samplers.RandomSampler(seed=0))
    study.optimize(_objective, n_trials=3, callbacks=[MLflowCallback(uri, "loss")])

    parent, children = _runs(uri, "runs")
    assert parent is not None
    assert parent.info.run_name == "runs"
    assert parent.info.status == "FINISHED"
    assert parent.data.tags["parzen.study_name"] == "runs"
    assert parent.data.tags["parzen.directions"] == "MINIMIZE"

    client = mlflow.MlflowClient(uri)
    assert len(children) == 3
    for run, trial in zip(children, study.trials):
        tags = run.data.tags
        assert run.info.run_name == str(trial.number)
        assert tags["mlflow.parentRunId"] == parent.info.run_id
        assert tags["parzen.trial_number"] == str(trial.number)
        assert tags["parzen.trial_state"] == "COMPLETE"
        assert run.info.status == "FINISHED"
        assert run.data.params == {k: str(v) for k, v in trial.params.items()}
        assert run.data.metrics["loss"] == trial.value
        history = client.get_metric_history(run.info.run_id, "intermediate_value")
        assert sorted((m.step, m.value) for m in history) == sorted(
            trial.intermediate_values.items()
        )
        for name, distribution in trial.distributions.items():
            assert json_to_distribution(tags[f"parzen.distribution.{name}"]) == distribution
        assert tags["note"] == f"trial {trial.number}"
        assert json.loads(tags["sizes"]) == trial.user_attrs["sizes"]
        assert trial.datetime_start is not None and trial.datetime_complete is not None
        assert run.info.start_time == int(trial.datetime_start.timestamp() * 1000)
        assert run.info.end_time == int(trial.datetime_complete.timestamp() * 1000)


def test_pruned_and_failed_trials_keep_their_state(uri: str) -> None:
    def objective(trial: parzen.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        trial.report(x, 0)
        if trial.number == 1:
            raise parzen.TrialPruned()
        if trial.number == 2:
            raise ValueError("diverged")
        return x

    study = parzen.create_study(study_name="states")
    study.optimize(objective, n_trials=3, callbacks=[MLflowCallback(uri)], catch=(ValueError,))

    _, children = _runs(uri, "states")
    complete, pruned, failed = children
    assert complete.data.tags["parzen.trial_state"] == "COMPLETE"
    assert "value" in complete.data.metrics
    assert pruned.data.tags["parzen.trial_state"] == "PRUNED"
    assert pruned.info.status == "FINISHED"
    # A pruned trial has no objective value, only what it reported.
    assert set(pruned.data.metrics) == {"intermediate_value"}
    assert failed.data.tags["parzen.trial_state"] == "FAIL"
    assert failed.info.status == "FAILED"
    assert "diverged" in failed.data.tags["parzen.fail_reason"]
    assert "value" not in failed.data.metrics


def test_multi_objective_metric_names(uri: str) -> None:
    def objective(trial: parzen.Trial) -> tuple[float, float]:
        x = trial.suggest_float("x", 0, 1)
        return x, 1 - x

    default = parzen.create_study(study_name="mo-default", directions=["minimize", "maximize"])
    default.optimize(objective, n_trials=1, callbacks=[MLflowCallback(uri)])
    (run,) = _runs(uri, "mo-default")[1]
    assert run.data.metrics == dict(zip(["value_0", "value_1"], default.trials[0].values))
    assert run.data.tags["parzen.directions"] == "MINIMIZE,MAXIMIZE"

    listed = parzen.create_study(study_name="mo-listed", directions=["minimize", "maximize"])
    listed.optimize(objective, n_trials=1, callbacks=[MLflowCallback(uri, ["error", "score"])])
    (run,) = _runs(uri, "mo-listed")[1]
    assert run.data.metrics == dict(zip(["error", "score"], listed.trials[0].values))

    named = parzen.create_study(study_name="mo-named", directions=["minimize", "maximize"])
    named.set_metric_names(["latency", "accuracy"])
    named.optimize(objective, n_trials=1, callbacks=[MLflowCallback(uri)])
    (run,) = _runs(uri, "mo-named")[1]
    assert run.data.metrics == dict(zip(["latency", "accuracy"], named.trials[0].values))


def test_metric_name_count_must_match_objectives(uri: str) -> None:
    study = parzen.create_study(study_name="mismatch", directions=["minimize", "maximize"])
    callback = MLflowCallback(uri, ["a", "b", "c"])
    with pytest.raises(ValueError, match=r"3 metric name\(s\).*2 objective\(s\)"):
        study.optimize(
            lambda t: (t.suggest_float("x", 0, 1), 0.0), n_trials=1, callbacks=[callback]
        )

    with pytest.raises(ValueError, match="repeats"):
        MLflowCallback(uri, ["a", "a"])
    with pytest.raises(TypeError, match="metric_name"):
        MLflowCallback(uri, cast(Any, 3))


def test_parent_run_is_found_again_by_a_new_callback(uri: str) -> None:
    # A second callback instance is what a restarted process or another worker has.
    storage = parzen.storages.InMemoryStorage()
    study = parzen.create_study(study_name="resumed", storage=storage)
    objective = lambda t: t.suggest_float("x", 0, 1)  # noqa: E731
    study.optimize(objective, n_trials=2, callbacks=[MLflowCallback(uri)])
    again = parzen.load_study(study_name="resumed", storage=storage)
    again.optimize(objective, n_trials=2, callbacks=[MLflowCallback(uri)])

    parent, children = _runs(uri, "resumed")
    assert parent is not None
    assert [r.data.tags["parzen.trial_number"] for r in children] == ["0", "1", "2", "3"]
    assert {r.data.tags["mlflow.parentRunId"] for r in children} == {parent.info.run_id}


def test_threads_log_each_trial_to_its_own_run(uri: str) -> None:
    callback = MLflowCallback(uri)
    threads: set[int] = set()

    @callback.track_in_mlflow()
    def objective(trial: parzen.Trial) -> float:
        threads.add(threading.get_ident())
        x = trial.suggest_float("x", 0, 1)
        # The user's own calls, through MLflow's fluent API, must land in this trial's run.
        mlflow.log_param("number_seen_inside", trial.number)
        for step in range(3):
            mlflow.log_metric("inside", x + step, step=step)
        trial.report(x, 0)
        return x

    study = parzen.create_study(study_name="threads")
    study.optimize(objective, n_trials=8, n_jobs=2, callbacks=[callback])

    assert mlflow.active_run() is None
    parent, children = _runs(uri, "threads")
    client = mlflow.MlflowClient(uri)
    assert len(children) == 8
    for run, trial in zip(children, study.trials):
        assert run.data.params["number_seen_inside"] == str(trial.number)
        assert run.data.params["x"] == str(trial.params["x"])
        assert run.data.metrics["value"] == trial.value
        inside = client.get_metric_history(run.info.run_id, "inside")
        assert sorted((m.step, m.value) for m in inside) == [
            (step, trial.params["x"] + step) for step in range(3)
        ]
        assert run.info.status == "FINISHED"
        assert run.data.tags["parzen.trial_state"] == "COMPLETE"
        assert run.data.tags["mlflow.parentRunId"] == parent.info.run_id


def test_decorator_nests_under_the_users_active_run_and_leaves_it_active(uri: str) -> None:
    mlflow.set_tracking_uri(uri)
    callback = MLflowCallback(uri)

    @callback.track_in_mlflow()
    def objective(trial: parzen.Trial) -> float:
        mlflow.log_metric("inside", 1.0)
        return trial.suggest_float("x", 0, 1)

    with mlflow.start_run(run_name="outer") as outer:
        parzen.create_study(study_name="outer").optimize(
            objective, n_trials=2, callbacks=[callback]
        )
        active = mlflow.active_run()
        assert active is not None and active.info.run_id == outer.info.run_id
        mlflow.log_metric("outer_metric", 2.0)

    outer_run = mlflow.MlflowClient(uri).get_run(outer.info.run_id)
    assert outer_run.data.metrics == {"outer_metric": 2.0}
    _, children = _runs(uri, "outer")
    assert [r.data.metrics["inside"] for r in children] == [1.0, 1.0]


def test_a_pruned_decorated_trial_is_finished_not_failed(uri: str) -> None:
    callback = MLflowCallback(uri)

    @callback.track_in_mlflow()
    def objective(trial: parzen.Trial) -> float:
        trial.suggest_float("x", 0, 1)
        mlflow.log_metric("inside", 1.0)
        raise parzen.TrialPruned()

    parzen.create_study(study_name="pruned").optimize(objective, n_trials=1, callbacks=[callback])
    (run,) = _runs(uri, "pruned")[1]
    assert run.info.status == "FINISHED"
    assert run.data.tags["parzen.trial_state"] == "PRUNED"
    assert run.data.metrics == {"inside": 1.0}


def test_create_experiment_false_needs_an_existing_experiment(uri: str) -> None:
    study = parzen.create_study(study_name="absent")
    callback = MLflowCallback(uri, create_experiment=False)
    with pytest.raises(ValueError, match="no MLflow experiment named 'absent'"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1, callbacks=[callback])

    mlflow.MlflowClient(uri).create_experiment("present")
    present = parzen.create_study(study_name="present")
    present.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1, callbacks=[callback])
    assert len(_runs(uri, "present")[1]) == 1


def test_mlflow_kwargs(uri: str) -> None:
    client = mlflow.MlflowClient(uri)
    experiment_id = client.create_experiment("elsewhere")
    callback = MLflowCallback(
        uri,
        mlflow_kwargs={
            "experiment_id": experiment_id,
            "nested": False,
            "run_name": "tuning",
            "tags": {"team": "search"},
            "description": "a sweep",
        },
        tag_study_user_attrs=True,
        tag_trial_user_attrs=False,
    )
    study = parzen.create_study(study_name="kwargs")
    study.set_user_attr("dataset", "iris")

    def objective(trial: parzen.Trial) -> float:
        trial.set_user_attr("hidden", 1)
        return trial.suggest_float("x", 0, 1)

    study.optimize(objective, n_trials=2, callbacks=[callback])

    assert client.get_experiment_by_name("kwargs") is None
    runs = client.search_runs([experiment_id])
    assert len(runs) == 2  # no parent run
    for run in runs:
        assert "mlflow.parentRunId" not in run.data.tags
        assert run.info.run_name == "tuning"
        assert run.data.tags["team"] == "search"
        assert run.data.tags["mlflow.note.content"] == "a sweep"
        assert run.data.tags["dataset"] == "iris"
        assert "hidden" not in run.data.tags

    with pytest.raises(TypeError, match=r"unsupported key\(s\) \['nestd'\]"):
        MLflowCallback(uri, mlflow_kwargs={"nestd": True})


def test_long_tag_values_are_truncated(uri: str) -> None:
    def objective(trial: parzen.Trial) -> float:
        trial.set_user_attr("long", "y" * 10_000)
        return trial.suggest_float("x", 0, 1)

    parzen.create_study(study_name="long").optimize(
        objective, n_trials=1, callbacks=[MLflowCallback(uri)]
    )
    (run,) = _runs(uri, "long")[1]
    assert len(run.data.tags["long"]) == 5000
    assert run.data.tags["long"].endswith("...")


def test_missing_mlflow_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mlflow", None)
    with pytest.raises(ImportError, match=r'pip install "parzen\[mlflow\]"'):
        MLflowCallback()


def test_importing_the_module_does_not_import_mlflow() -> None:
    code = "import sys, parzen.integrations.mlflow; print('mlflow' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "False"


def test_trials_nest_under_a_given_parent_run(uri: str) -> None:
    client = mlflow.MlflowClient(uri)
    experiment_id = client.create_experiment("given-parent")
    parent = client.create_run(experiment_id, run_name="my sweep")
    callback = MLflowCallback(
        uri,
        mlflow_kwargs={"experiment_id": experiment_id, "parent_run_id": parent.info.run_id},
    )
    parzen.create_study(study_name="given").optimize(
        lambda t: t.suggest_float("x", 0, 1), n_trials=2, callbacks=[callback]
    )

    runs = client.search_runs([experiment_id])
    children = [r for r in runs if r.info.run_id != parent.info.run_id]
    assert len(runs) == 3  # no parent run of our own
    assert {r.data.tags["mlflow.parentRunId"] for r in children} == {parent.info.run_id}
    # The user's run is theirs to end.
    assert client.get_run(parent.info.run_id).info.status == "RUNNING"
