"""MLflowCallback against a real MLflow tracking store (SQLite), read back with MlflowClient.

Tests taking the ``lib`` fixture run against parzen and, when installed, against
optuna-integration's MLflowCallback: they state Optuna's observable behaviour.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import parzen

if os.environ.get("CI"):
    import mlflow
else:
    mlflow = pytest.importorskip("mlflow")

from parzen.integrations.mlflow import MLflowCallback

# MLflow's SQL store uses SQLAlchemy options that SQLAlchemy deprecates, and Optuna deprecates
# its MLflowCallback; neither is ours to fix.
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
]


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
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_ID", raising=False)
    mlflow.set_tracking_uri(f"sqlite:///{db}")
    yield f"sqlite:///{db}"
    while mlflow.active_run() is not None:
        mlflow.end_run()
    # set_experiment's choice is global: do not hand it to the next test.
    mlflow.tracking.fluent._active_experiment_id = None
    mlflow.set_tracking_uri(previous_uri)


@pytest.fixture(params=["parzen", "optuna"])
def lib(request: pytest.FixtureRequest) -> SimpleNamespace:
    """parzen's MLflowCallback and study API, or Optuna's when installed."""
    if request.param == "parzen":
        return SimpleNamespace(
            optuna=parzen, MLflowCallback=MLflowCallback, TrialPruned=parzen.TrialPruned
        )
    optuna = pytest.importorskip("optuna")
    integration = pytest.importorskip("optuna_integration")
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    return SimpleNamespace(
        optuna=optuna,
        MLflowCallback=integration.MLflowCallback,
        TrialPruned=optuna.TrialPruned,
    )


def _runs(uri: str, experiment_name: str) -> list[Any]:
    """The experiment's runs, in trial-number order where they have one."""
    client = mlflow.MlflowClient(uri)
    experiment = client.get_experiment_by_name(experiment_name)
    assert experiment is not None, f"no experiment {experiment_name!r}"
    runs = client.search_runs([experiment.experiment_id], max_results=1000)
    return sorted(runs, key=lambda r: int(r.data.tags.get("number", -1)))


def _objective(trial: Any) -> float:
    x = trial.suggest_float("x", -5.0, 5.0)
    n = trial.suggest_int("n", 1, 8, log=True)
    kind = trial.suggest_categorical("kind", ["a", "b"])
    trial.set_user_attr("note", f"trial {trial.number}")
    for step in range(3):
        trial.report(x * (step + 1), step)
    return x**2 + n + (kind == "a")


def test_one_top_level_run_per_trial_with_optunas_tags(uri: str, lib: SimpleNamespace) -> None:
    study = lib.optuna.create_study(study_name="layout")
    study.optimize(_objective, n_trials=3, callbacks=[lib.MLflowCallback(uri)])

    runs = _runs(uri, "layout")
    assert len(runs) == 3  # one per trial, and no run for the study
    for run, trial in zip(runs, study.trials):
        tags = run.data.tags
        assert "mlflow.parentRunId" not in tags
        assert run.info.run_name == str(trial.number)
        assert run.info.status == "FINISHED"
        assert run.data.metrics["value"] == trial.value
        assert run.data.params == {k: str(v) for k, v in trial.params.items()}
        assert tags["number"] == str(trial.number)
        assert tags["state"] == "COMPLETE"
        assert tags["direction"] == "MINIMIZE"
        assert tags["datetime_start"] == str(trial.datetime_start)
        assert tags["datetime_complete"] == str(trial.datetime_complete)
        assert tags["note"] == f"trial {trial.number}"
        for name in ("x", "n", "kind"):
            assert type(trial.distributions[name]).__name__ in tags[f"{name}_distribution"]


def test_pruned_and_failed_trials(uri: str, lib: SimpleNamespace) -> None:
    def objective(trial: Any) -> float:
        trial.suggest_float("x", 0, 1)
        trial.report(0.25, 0)
        if trial.number == 0:
            raise lib.TrialPruned()
        raise ValueError("boom")

    study = lib.optuna.create_study(study_name="states")
    study.optimize(objective, n_trials=2, callbacks=[lib.MLflowCallback(uri)], catch=ValueError)

    pruned, failed = _runs(uri, "states")
    assert pruned.data.tags["state"] == "PRUNED"
    assert pruned.data.metrics["value"] == study.trials[0].value == 0.25
    assert failed.data.tags["state"] == "FAIL"
    assert "value" not in failed.data.metrics
    assert pruned.info.status == failed.info.status == "FINISHED"


def test_intermediate_values_are_a_stepped_metric(uri: str) -> None:
    # parzen's addition, which Optuna code does not notice.
    study = parzen.create_study(study_name="steps")
    study.optimize(_objective, n_trials=1, callbacks=[MLflowCallback(uri)])
    (run,) = _runs(uri, "steps")
    history = mlflow.MlflowClient(uri).get_metric_history(run.info.run_id, "intermediate_value")
    assert sorted((m.step, m.value) for m in history) == sorted(
        study.trials[0].intermediate_values.items()
    )


@pytest.mark.parametrize(
    ("metric_name", "expected"),
    [("value", ["value_0", "value_1"]), ("m", ["m_0", "m_1"]), (["a", "b"], ["a", "b"])],
)
def test_multi_objective_metric_names(
    uri: str, lib: SimpleNamespace, metric_name: Any, expected: list[str]
) -> None:
    study = lib.optuna.create_study(study_name="multi", directions=["minimize", "maximize"])
    # The study's own metric names play no part, in Optuna as here.
    study.set_metric_names(["ignored_0", "ignored_1"])
    study.optimize(
        lambda t: (t.suggest_float("x", 0, 1), 2.0),
        n_trials=1,
        callbacks=[lib.MLflowCallback(uri, metric_name=metric_name)],
    )
    (run,) = _runs(uri, "multi")
    assert sorted(run.data.metrics) == expected
    assert run.data.metrics[expected[1]] == 2.0
    assert run.data.tags["direction"] == "['MINIMIZE', 'MAXIMIZE']"


def test_metric_name_count_must_match_objectives(uri: str, lib: SimpleNamespace) -> None:
    study = lib.optuna.create_study(directions=["minimize", "minimize"])
    callback = lib.MLflowCallback(uri, metric_name=["a", "b", "c"])
    with pytest.raises(ValueError, match="3"):
        study.optimize(lambda t: (1.0, 2.0), n_trials=1, callbacks=[callback])


def test_user_attrs_and_kwargs_tags_and_their_precedence(uri: str, lib: SimpleNamespace) -> None:
    callback = lib.MLflowCallback(
        uri,
        tag_study_user_attrs=True,
        mlflow_kwargs={"tags": {"team": "search", "state": "from kwargs"}, "run_name": "sweep"},
    )
    study = lib.optuna.create_study(study_name="attrs")
    study.set_user_attr("dataset", "iris")
    study.set_user_attr("number", "from study")

    def objective(trial: Any) -> float:
        trial.set_user_attr("sizes", [1, 2])
        trial.set_user_attr("number", "from trial")
        trial.set_user_attr("long", "y" * 10_000)
        return trial.suggest_float("x", 0, 1)

    study.optimize(objective, n_trials=1, callbacks=[callback])
    experiment = mlflow.MlflowClient(uri).get_experiment_by_name("attrs")
    (run,) = mlflow.MlflowClient(uri).search_runs([experiment.experiment_id])
    tags = run.data.tags
    assert run.info.run_name == "sweep"
    assert tags["team"] == "search"
    assert tags["state"] == "COMPLETE"  # the trial's tags win over mlflow_kwargs' tags
    assert tags["number"] == "from study"  # study user attributes win over everything
    assert tags["dataset"] == "iris"
    assert tags["sizes"] == str([1, 2])
    from mlflow.utils.validation import MAX_TAG_VAL_LENGTH

    assert tags["long"] == "y" * (MAX_TAG_VAL_LENGTH - 3) + "..."


def test_trial_user_attrs_can_be_left_out(uri: str, lib: SimpleNamespace) -> None:
    def objective(trial: Any) -> float:
        trial.set_user_attr("hidden", 1)
        return trial.suggest_float("x", 0, 1)

    study = lib.optuna.create_study(study_name="hidden")
    study.optimize(
        objective, n_trials=1, callbacks=[lib.MLflowCallback(uri, tag_trial_user_attrs=False)]
    )
    (run,) = _runs(uri, "hidden")
    assert "hidden" not in run.data.tags


def test_create_experiment_false_logs_into_the_active_experiment(
    uri: str, lib: SimpleNamespace
) -> None:
    study = lib.optuna.create_study(study_name="not-an-experiment")
    callback = lib.MLflowCallback(uri, create_experiment=False)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1, callbacks=[callback])
    assert mlflow.MlflowClient(uri).get_experiment_by_name("not-an-experiment") is None
    assert len(_runs(uri, "Default")) == 1

    mlflow.set_experiment("mine")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1, callbacks=[callback])
    (run,) = _runs(uri, "mine")
    assert run.data.tags["number"] == "1"


def test_experiment_id_in_mlflow_kwargs(uri: str, lib: SimpleNamespace) -> None:
    experiment_id = mlflow.MlflowClient(uri).create_experiment("given")
    callback = lib.MLflowCallback(uri, mlflow_kwargs={"experiment_id": experiment_id})
    study = lib.optuna.create_study(study_name="elsewhere")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2, callbacks=[callback])
    assert len(_runs(uri, "given")) == 2


def test_an_active_run_without_nesting_raises(uri: str, lib: SimpleNamespace) -> None:
    study = lib.optuna.create_study(study_name="active")
    with mlflow.start_run(run_name="user's run"), pytest.raises(Exception, match="already active"):
        study.optimize(
            lambda t: t.suggest_float("x", 0, 1),
            n_trials=2,
            callbacks=[lib.MLflowCallback(uri)],
        )
    # The trial itself finished before its callback raised.
    assert [t.state.name for t in study.trials] == ["COMPLETE"]


def test_nested_true_logs_the_trials_under_the_active_run(uri: str, lib: SimpleNamespace) -> None:
    callback = lib.MLflowCallback(uri, mlflow_kwargs={"nested": True})
    study = lib.optuna.create_study(study_name="nested")
    with mlflow.start_run(run_name="user's run") as outer:
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2, callbacks=[callback])
        active = mlflow.active_run()
        assert active is not None and active.info.run_id == outer.info.run_id
    runs = _runs(uri, "nested")
    assert len(runs) == 2
    assert {r.data.tags["mlflow.parentRunId"] for r in runs} == {outer.info.run_id}

    # Without an active run, nested=True logs top-level runs.
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1, callbacks=[callback])
    assert "mlflow.parentRunId" not in _runs(uri, "nested")[-1].data.tags


def test_track_in_mlflow_logs_into_the_trials_run(uri: str, lib: SimpleNamespace) -> None:
    callback = lib.MLflowCallback(uri)

    @callback.track_in_mlflow()
    def objective(trial: Any) -> float:
        x = trial.suggest_float("x", 0, 1)
        mlflow.log_metric("inside", x)
        return x

    study = lib.optuna.create_study(study_name="tracked")
    study.optimize(objective, n_trials=2, callbacks=[callback])
    runs = _runs(uri, "tracked")
    assert len(runs) == 2
    for run, trial in zip(runs, study.trials):
        assert run.data.metrics == {"inside": trial.value, "value": trial.value}
        assert run.data.tags["state"] == "COMPLETE"
    assert mlflow.active_run() is None


def test_track_in_mlflow_after_set_experiment_switches_experiment(
    uri: str, lib: SimpleNamespace
) -> None:
    # Once a bug: "active experiment ID does not match" failed every trial.
    mlflow.set_experiment("someone-elses")
    callback = lib.MLflowCallback(uri)

    @callback.track_in_mlflow()
    def objective(trial: Any) -> float:
        x = trial.suggest_float("x", 0, 1)
        mlflow.log_metric("inside", x)
        return x

    study = lib.optuna.create_study(study_name="switched")
    study.optimize(objective, n_trials=2, callbacks=[callback])
    assert [t.state.name for t in study.trials] == ["COMPLETE", "COMPLETE"]
    assert [r.data.metrics["inside"] for r in _runs(uri, "switched")] == [
        t.value for t in study.trials
    ]
    assert _runs(uri, "someone-elses") == []


def test_track_in_mlflow_under_an_active_run_needs_nesting(uri: str, lib: SimpleNamespace) -> None:
    def objective(trial: Any) -> float:
        return trial.suggest_float("x", 0, 1)

    callback = lib.MLflowCallback(uri)
    study = lib.optuna.create_study(study_name="refused")
    with mlflow.start_run(), pytest.raises(Exception, match="already active"):
        study.optimize(callback.track_in_mlflow()(objective), n_trials=1, callbacks=[callback])
    assert [t.state.name for t in study.trials] == ["FAIL"]

    nesting = lib.MLflowCallback(uri, mlflow_kwargs={"nested": True})
    with mlflow.start_run() as outer:
        study.optimize(nesting.track_in_mlflow()(objective), n_trials=1, callbacks=[nesting])
    (run,) = [r for r in _runs(uri, "refused") if r.data.tags.get("state") == "COMPLETE"]
    assert run.data.tags["mlflow.parentRunId"] == outer.info.run_id


def test_unknown_mlflow_kwargs_are_ignored_with_a_warning(uri: str) -> None:
    with pytest.warns(UserWarning, match=r"ignores the mlflow_kwargs key\(s\) \['nestd'\]"):
        callback = MLflowCallback(uri, mlflow_kwargs={"nestd": True})
    study = parzen.create_study(study_name="typo")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1, callbacks=[callback])
    assert len(_runs(uri, "typo")) == 1


# -- the parent/child layout, opted into --------------------------------------------------------


def _study_layout(uri: str, name: str) -> tuple[Any, list[Any]]:
    runs = _runs(uri, name)
    parents = [r for r in runs if r.data.tags.get("parzen.run_kind") == "study"]
    assert len(parents) == 1
    return parents[0], [r for r in runs if r not in parents]


def test_create_study_run_nests_the_trials_under_one_run_per_study(uri: str) -> None:
    storage = parzen.storages.InMemoryStorage()
    study = parzen.create_study(study_name="resumed", storage=storage)
    objective = lambda t: t.suggest_float("x", 0, 1)  # noqa: E731
    study.optimize(objective, n_trials=2, callbacks=[MLflowCallback(uri, create_study_run=True)])
    # A second callback is what a restarted process or another worker has.
    again = parzen.load_study(study_name="resumed", storage=storage)
    again.optimize(objective, n_trials=2, callbacks=[MLflowCallback(uri, create_study_run=True)])

    parent, children = _study_layout(uri, "resumed")
    assert parent.info.run_name == "resumed"
    assert parent.info.status == "FINISHED"
    assert [r.data.tags["number"] for r in children] == ["0", "1", "2", "3"]
    assert {r.data.tags["mlflow.parentRunId"] for r in children} == {parent.info.run_id}


def test_threads_log_each_trial_to_its_own_run(uri: str) -> None:
    callback = MLflowCallback(uri, create_study_run=True)
    threads: set[int] = set()

    @callback.track_in_mlflow()
    def objective(trial: parzen.Trial) -> float:
        threads.add(threading.get_ident())
        x = trial.suggest_float("x", 0, 1)
        # The user's own calls, through MLflow's fluent API, must land in this trial's run.
        mlflow.log_param("number_seen_inside", trial.number)
        for step in range(3):
            mlflow.log_metric("inside", x + step, step=step)
        return x

    study = parzen.create_study(study_name="threads")
    study.optimize(objective, n_trials=8, n_jobs=2, callbacks=[callback])

    assert mlflow.active_run() is None
    parent, children = _study_layout(uri, "threads")
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
        assert run.data.tags["mlflow.parentRunId"] == parent.info.run_id


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
    assert len(runs) == 3
    assert {r.data.tags["mlflow.parentRunId"] for r in children} == {parent.info.run_id}
    # The user's run is theirs to end.
    assert client.get_run(parent.info.run_id).info.status == "RUNNING"


def test_tracking_uri_becomes_mlflows(uri: str, lib: SimpleNamespace) -> None:
    mlflow.set_tracking_uri("sqlite:///elsewhere.db")
    study = lib.optuna.create_study(study_name="uri")
    study.optimize(
        lambda t: t.suggest_float("x", 0, 1), n_trials=1, callbacks=[lib.MLflowCallback(uri)]
    )
    assert mlflow.get_tracking_uri() == uri
    assert len(mlflow.search_runs(experiment_names=["uri"], output_format="list")) == 1


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
