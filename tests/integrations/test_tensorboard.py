"""TensorBoardCallback's event files, read back by TensorBoard itself (no TensorFlow)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import pytest

import parzen

if os.environ.get("CI"):
    import tensorboard  # noqa: F401
else:
    pytest.importorskip("tensorboard")

from tensorboard import context as tb_context
from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer
from tensorboard.plugins import base_plugin
from tensorboard.plugins.hparams import api_pb2, backend_context, list_session_groups, metadata
from tensorboard.util import tensor_util

from parzen.integrations.tensorboard import TensorBoardCallback


class Dashboard:
    """What TensorBoard's HParams dashboard and scalar reader see in a log directory."""

    def __init__(self, logdir: Path) -> None:
        self._multiplexer = plugin_event_multiplexer.EventMultiplexer()
        self._multiplexer.AddRunsFromDirectory(str(logdir))
        self._multiplexer.Reload()
        provider = data_provider.MultiplexerDataProvider(self._multiplexer, str(logdir))
        context = base_plugin.TBContext(
            logdir=str(logdir), multiplexer=self._multiplexer, data_provider=provider
        )
        self._backend = backend_context.Context(context)

    def experiment(self) -> Any:
        # Read the way the HParams plugin finds it: the content of the run with the tag.
        contents = [
            tags[metadata.EXPERIMENT_TAG]
            for tags in self._multiplexer.PluginRunToTagToContent(metadata.PLUGIN_NAME).values()
            if metadata.EXPERIMENT_TAG in tags
        ]
        assert len(contents) == 1, "expected one run holding the HParams experiment"
        return metadata.parse_experiment_plugin_data(contents[0])

    def session_groups(self, metric_tags: list[str]) -> dict[str, Any]:
        request = api_pb2.ListSessionGroupsRequest(
            start_index=0,
            slice_size=1000,
            allowed_statuses=[
                api_pb2.STATUS_UNKNOWN,
                api_pb2.STATUS_SUCCESS,
                api_pb2.STATUS_FAILURE,
                api_pb2.STATUS_RUNNING,
            ],
            col_params=[
                api_pb2.ColParams(metric=api_pb2.MetricName(tag=tag)) for tag in metric_tags
            ],
        )
        response = list_session_groups.Handler(
            tb_context.RequestContext(), self._backend, "", request
        ).run()
        return {group.name: group for group in response.session_groups}

    def scalars(self, run: str, tag: str) -> list[tuple[int, float]]:
        events = self._multiplexer.Tensors(run, tag)
        return [(e.step, float(tensor_util.make_ndarray(e.tensor_proto).item())) for e in events]


def _hparam_value(value: Any) -> Any:
    kind = value.WhichOneof("kind")
    return getattr(value, kind)


def _metrics(group: Any) -> dict[str, float]:
    return {m.name.tag: m.value for m in group.metric_values}


def _objective(trial: parzen.Trial) -> float:
    x = trial.suggest_float("x", -5.0, 5.0)
    layers = trial.suggest_int("layers", 1, 4)
    optimizer = trial.suggest_categorical("optimizer", ["sgd", "adam"])
    dropout = trial.suggest_categorical("dropout", [0, 0.5])
    for step in range(3):
        trial.report(x + step, step)
    return x**2 + layers + (optimizer == "sgd") + dropout


def test_hparams_experiment_sessions_and_scalars(tmp_path: Path) -> None:
    study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
    study.optimize(_objective, n_trials=4, callbacks=[TensorBoardCallback(tmp_path, "loss")])
    dashboard = Dashboard(tmp_path)

    experiment = dashboard.experiment()
    infos = {info.name: info for info in experiment.hparam_infos}
    assert set(infos) == {"x", "layers", "optimizer", "dropout"}
    assert infos["x"].type == api_pb2.DATA_TYPE_FLOAT64
    assert (infos["x"].domain_interval.min_value, infos["x"].domain_interval.max_value) == (-5, 5)
    assert (
        infos["layers"].domain_interval.min_value,
        infos["layers"].domain_interval.max_value,
    ) == (1, 4)
    assert infos["optimizer"].type == api_pb2.DATA_TYPE_STRING
    assert [v.string_value for v in infos["optimizer"].domain_discrete.values] == ["sgd", "adam"]
    assert infos["dropout"].type == api_pb2.DATA_TYPE_FLOAT64
    assert [v.number_value for v in infos["dropout"].domain_discrete.values] == [0.0, 0.5]
    assert {m.name.tag for m in experiment.metric_infos} == {"loss", "intermediate_value"}

    groups = dashboard.session_groups(["loss", "intermediate_value"])
    assert set(groups) == {f"trial-{t.number}" for t in study.trials}
    for trial in study.trials:
        group = groups[f"trial-{trial.number}"]
        hparams = {name: _hparam_value(value) for name, value in group.hparams.items()}
        assert hparams == {
            "x": trial.params["x"],
            "layers": trial.params["layers"],
            "optimizer": trial.params["optimizer"],
            "dropout": trial.params["dropout"],
        }
        (session,) = group.sessions
        assert session.status == api_pb2.STATUS_SUCCESS
        assert trial.datetime_start is not None and trial.datetime_complete is not None
        assert session.start_time_secs == pytest.approx(trial.datetime_start.timestamp())
        assert session.end_time_secs == pytest.approx(trial.datetime_complete.timestamp())
        assert _metrics(group)["loss"] == trial.value
        assert _metrics(group)["intermediate_value"] == trial.intermediate_values[2]
        run = f"trial-{trial.number}"
        assert dashboard.scalars(run, "loss") == [(trial.number, trial.value)]
        assert dashboard.scalars(run, "intermediate_value") == sorted(
            trial.intermediate_values.items()
        )


def test_pruned_and_failed_trials(tmp_path: Path) -> None:
    def objective(trial: parzen.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        trial.report(x, 0)
        if trial.number == 1:
            raise parzen.TrialPruned()
        if trial.number == 2:
            raise ValueError("diverged")
        return x

    study = parzen.create_study()
    study.optimize(
        objective, n_trials=3, callbacks=[TensorBoardCallback(tmp_path, "v")], catch=(ValueError,)
    )
    groups = Dashboard(tmp_path).session_groups(["v", "intermediate_value"])
    statuses = {name: group.sessions[0].status for name, group in groups.items()}
    assert statuses == {
        "trial-0": api_pb2.STATUS_SUCCESS,
        "trial-1": api_pb2.STATUS_UNKNOWN,
        "trial-2": api_pb2.STATUS_FAILURE,
    }
    assert "v" in _metrics(groups["trial-0"])
    # A pruned trial shows its last intermediate value, and no objective value.
    assert _metrics(groups["trial-1"]) == {
        "intermediate_value": study.trials[1].intermediate_values[0]
    }
    assert "v" not in _metrics(groups["trial-2"])


def test_experiment_grows_with_the_search_space_and_survives_a_restart(tmp_path: Path) -> None:
    def objective(trial: parzen.Trial) -> float:
        x = trial.suggest_float("x", 0, 1 + trial.number)
        if trial.number >= 1:
            trial.suggest_categorical("flag", [True, False])
        if trial.number >= 2:
            trial.suggest_categorical("mixed", [1, "a", None])
        return x

    storage = parzen.storages.InMemoryStorage()
    study = parzen.create_study(study_name="grow", storage=storage)
    study.optimize(objective, n_trials=2, callbacks=[TensorBoardCallback(tmp_path, "v")])
    # A new callback, as after a restart, must keep what was written before it.
    again = parzen.load_study(study_name="grow", storage=storage)
    again.optimize(objective, n_trials=1, callbacks=[TensorBoardCallback(tmp_path, "v")])

    dashboard = Dashboard(tmp_path)
    infos = {info.name: info for info in dashboard.experiment().hparam_infos}
    assert set(infos) == {"x", "flag", "mixed"}
    assert infos["x"].domain_interval.max_value == 3  # widened by each trial's range
    assert infos["flag"].type == api_pb2.DATA_TYPE_BOOL
    assert infos["mixed"].type == api_pb2.DATA_TYPE_STRING
    assert [v.string_value for v in infos["mixed"].domain_discrete.values] == ["1", "a", "None"]
    group = dashboard.session_groups(["v"])["trial-2"]
    assert _hparam_value(group.hparams["flag"]) == study.trials[2].params["flag"]
    as_text = {1: "1", "a": "a", None: "None"}
    assert _hparam_value(group.hparams["mixed"]) == as_text[study.trials[2].params["mixed"]]
    # Only one top-level events file: the experiment is replaced, not appended.
    assert len([p for p in tmp_path.iterdir() if "tfevents" in p.name]) == 1


def test_threads_and_multi_objective(tmp_path: Path) -> None:
    def objective(trial: parzen.Trial) -> tuple[float, float]:
        x = trial.suggest_float("x", 0, 1)
        return x, 1 - x

    study = parzen.create_study(directions=["minimize", "maximize"])
    callback = TensorBoardCallback(tmp_path, ["error", "score"])
    study.optimize(objective, n_trials=6, n_jobs=2, callbacks=[callback])
    dashboard = Dashboard(tmp_path)
    assert {m.name.tag for m in dashboard.experiment().metric_infos} == {"error", "score"}
    groups = dashboard.session_groups(["error", "score"])
    assert len(groups) == 6
    for trial in study.trials:
        assert trial.values is not None
        assert _metrics(groups[f"trial-{trial.number}"]) == dict(
            zip(["error", "score"], trial.values)
        )

    suffixed = tmp_path / "suffixed"
    study = parzen.create_study(directions=["minimize", "maximize"])
    study.optimize(objective, n_trials=1, callbacks=[TensorBoardCallback(suffixed, "v")])
    tags = {m.name.tag for m in Dashboard(suffixed).experiment().metric_infos}
    assert tags == {"v_0", "v_1"}


def test_metric_name_errors(tmp_path: Path) -> None:
    study = parzen.create_study(directions=["minimize", "maximize"])
    callback = TensorBoardCallback(tmp_path, ["a", "b", "c"])
    with pytest.raises(ValueError, match=r"3 metric name\(s\).*2 objective\(s\)"):
        study.optimize(
            lambda t: (t.suggest_float("x", 0, 1), 0.0), n_trials=1, callbacks=[callback]
        )
    with pytest.raises(ValueError, match="empty"):
        TensorBoardCallback(tmp_path, [])
    with pytest.raises(TypeError, match="metric_name"):
        TensorBoardCallback(tmp_path, cast(Any, None))


def test_missing_tensorboard_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    with pytest.raises(ImportError, match=r'pip install "parzen\[tensorboard\]"'):
        TensorBoardCallback(tmp_path, "v")


def test_needs_neither_tensorflow_nor_tensorboard_at_import(tmp_path: Path) -> None:
    code = (
        "import sys, parzen\n"
        "import parzen.integrations.tensorboard as m\n"
        "loaded_at_import = 'tensorboard' in sys.modules\n"
        "study = parzen.create_study()\n"
        f"study.optimize(lambda t: t.suggest_float('x', 0, 1), n_trials=1,"
        f" callbacks=[m.TensorBoardCallback({str(tmp_path)!r}, 'v')])\n"
        "print(loaded_at_import, 'tensorflow' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "False False"


def test_too_old_tensorboard_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np
    import tensorboard

    monkeypatch.setattr(tensorboard, "__version__", "2.5.0")
    with pytest.raises(ImportError, match=r"needs tensorboard>=2\.6, but tensorboard 2\.5\.0"):
        TensorBoardCallback(tmp_path, "v")
    monkeypatch.setattr(tensorboard, "__version__", "2.16.2")
    if int(np.__version__.split(".")[0]) >= 2:
        with pytest.raises(ImportError, match=r"tensorboard>=2\.17\.1 with NumPy 2"):
            TensorBoardCallback(tmp_path, "v")
    else:
        TensorBoardCallback(tmp_path, "v")


@pytest.fixture(params=["parzen", "optuna"])
def lib(request: pytest.FixtureRequest) -> tuple[Any, Any]:
    """``(module, TensorBoardCallback)`` of parzen or, with TensorFlow installed, Optuna."""
    if request.param == "parzen":
        return parzen, TensorBoardCallback
    optuna = pytest.importorskip("optuna")
    if importlib.util.find_spec("tensorflow") is None:
        # Optuna's callback writes through TensorFlow, which is deliberately not a test
        # dependency (1.3 GB); pip install tensorflow-cpu to run this comparison.
        pytest.skip("Optuna's TensorBoardCallback needs TensorFlow, which is not installed")
    return optuna, pytest.importorskip("optuna_integration").TensorBoardCallback


def test_optunas_layout(tmp_path: Path, lib: tuple[Any, Any]) -> None:
    module, callback_class = lib

    def objective(trial: Any) -> float:
        x = trial.suggest_float("x", -5.0, 5.0)
        layers = trial.suggest_int("layers", 1, 4)
        optimizer = trial.suggest_categorical("optimizer", ["sgd", "adam"])
        return x**2 + layers + (optimizer == "sgd")

    study = module.create_study(sampler=module.samplers.RandomSampler(seed=0))
    study.optimize(objective, n_trials=3, callbacks=[callback_class(str(tmp_path), "loss")])
    assert {p.name for p in tmp_path.iterdir() if p.is_dir()} == {"trial-0", "trial-1", "trial-2"}
    dashboard = Dashboard(tmp_path)
    infos = {info.name: info for info in dashboard.experiment().hparam_infos}
    assert infos["x"].domain_interval.max_value == 5.0
    assert infos["layers"].domain_interval.min_value == 1
    assert {v.string_value for v in infos["optimizer"].domain_discrete.values} == {"sgd", "adam"}
    assert {m.name.tag for m in dashboard.experiment().metric_infos} == {"loss"}
    groups = dashboard.session_groups(["loss"])
    for trial in study.trials:
        group = groups[f"trial-{trial.number}"]
        assert _metrics(group)["loss"] == pytest.approx(trial.value)
        assert {name: _hparam_value(v) for name, v in group.hparams.items()} == pytest.approx(
            trial.params
        )
        (step, value) = dashboard.scalars(f"trial-{trial.number}", "loss")[0]
        assert (step, value) == (trial.number, pytest.approx(trial.value))
