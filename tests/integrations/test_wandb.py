"""WeightsAndBiasesCallback in W&B's offline mode, read back from the runs' ``.wandb`` files.

Tests taking the ``lib`` fixture run against parzen and, when installed, against
optuna-integration's WeightsAndBiasesCallback: they state Optuna's observable behaviour.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast
from unittest import mock

import pytest

import parzen

if os.environ.get("CI"):
    import wandb
else:
    wandb = pytest.importorskip("wandb")

from wandb.proto import wandb_internal_pb2

from parzen.integrations.wandb import WeightsAndBiasesCallback

# W&B's transaction log: a 7-byte header, then records in the LevelDB log format (32 KiB
# blocks of chunks, each with a 7-byte header: checksum, length, type). Each record is a
# wandb_internal_pb2.Record.
_HEADER = b":W&B"
_BLOCK = 32768
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4
# The generated protobuf module has no type stubs.
_RECORD: Any = getattr(wandb_internal_pb2, "Record")  # noqa: B009


@dataclass
class OfflineRun:
    """What a run recorded: its identity, config, summary, history rows and exit code."""

    name: str = ""
    group: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    steps: list[Any] = field(default_factory=list)
    exit_code: int | None = None


def _records(path: Path) -> Iterator[Any]:
    data = path.read_bytes()
    if len(data) < 7:
        return
    assert data[:4] == _HEADER, f"{path} is not a W&B transaction log"
    position, pending = 7, b""
    while position + 7 <= len(data):
        left_in_block = _BLOCK - position % _BLOCK
        if left_in_block < 7:
            position += left_in_block  # the block's zero padding
            continue
        _, length, kind = struct.unpack("<IHB", data[position : position + 7])
        if kind == 0:
            position += left_in_block
            continue
        if position + 7 + length > len(data):
            return  # a record still being written
        chunk = data[position + 7 : position + 7 + length]
        position += 7 + length
        if kind in (_FULL, _FIRST):
            pending = chunk
        else:
            pending += chunk
        if kind in (_FULL, _LAST):
            record = _RECORD()
            record.ParseFromString(pending)
            yield record


def _key(item: Any) -> str:
    return "/".join(item.nested_key) if item.nested_key else item.key


def read_run(run_dir: Path, timeout: float = 60.0) -> OfflineRun:
    """The run's records, once W&B's service has written them all (up to its exit record)."""
    deadline = time.monotonic() + timeout
    while True:
        run = _parse_run(run_dir)
        if run.exit_code is not None or time.monotonic() > deadline:
            return run
        # wandb.finish() returns before W&B's service process has flushed the log.
        time.sleep(0.1)


def _parse_run(run_dir: Path) -> OfflineRun:
    run = OfflineRun()
    logs = list(run_dir.glob("run-*.wandb"))
    if not logs:
        return run
    for record in _records(logs[0]):
        kind = record.WhichOneof("record_type")
        if kind == "run":
            run.name, run.group = record.run.display_name, record.run.run_group
            for item in record.run.config.update:
                run.config[_key(item)] = json.loads(item.value_json)
        elif kind == "config":
            for item in record.config.update:
                run.config[_key(item)] = json.loads(item.value_json)
        elif kind == "summary":
            for item in record.summary.update:
                run.summary[_key(item)] = json.loads(item.value_json)
        elif kind == "history":
            row = {_key(item): json.loads(item.value_json) for item in record.history.item}
            run.history.append({k: v for k, v in row.items() if not k.startswith("_")})
            run.steps.append(row.get("_step"))
        elif kind == "exit":
            run.exit_code = record.exit.exit_code
    run.config.pop("_wandb", None)
    return run


@pytest.fixture(scope="module", autouse=True)
def _offline() -> Iterator[None]:
    # W&B reads its environment once per process; the kwargs below repeat what matters.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WANDB_MODE", "offline")
        patch.setenv("WANDB_SILENT", "true")
        patch.setenv("WANDB_DISABLE_GIT", "true")
        patch.setenv("WANDB_DISABLE_CODE", "true")
        patch.setenv("WANDB_CONSOLE", "off")
        yield


@pytest.fixture
def wandb_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    if wandb.run is not None:
        wandb.finish()


def _kwargs(wandb_dir: Path, **kwargs: Any) -> dict[str, Any]:
    """wandb.init arguments that keep a run offline and in the test's directory."""
    return {"project": "parzen-tests", "mode": "offline", "dir": str(wandb_dir), **kwargs}


def _runs(wandb_dir: Path) -> list[OfflineRun]:
    return [read_run(d) for d in sorted((wandb_dir / "wandb").glob("offline-run-*"))]


def _by_name(runs: list[OfflineRun]) -> dict[str, OfflineRun]:
    return {run.name: run for run in runs}


# Optuna deprecates its callback and marks parts experimental; not ours to fix.
pytestmark = [
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:.*is experimental"),
]


@pytest.fixture(params=["parzen", "optuna"])
def lib(request: pytest.FixtureRequest) -> SimpleNamespace:
    """parzen's callback and study API, or Optuna's when installed."""
    if request.param == "parzen":
        return SimpleNamespace(
            optuna=parzen,
            WeightsAndBiasesCallback=WeightsAndBiasesCallback,
            module="parzen.integrations.wandb",
        )
    optuna = pytest.importorskip("optuna")
    integration = pytest.importorskip("optuna_integration")
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    return SimpleNamespace(
        optuna=optuna,
        WeightsAndBiasesCallback=integration.WeightsAndBiasesCallback,
        module="optuna_integration.wandb.wandb",
    )


def _objective(trial: Any) -> float:
    x = trial.suggest_float("x", -5.0, 5.0)
    optimizer = trial.suggest_categorical("optimizer", ["sgd", "adam"])
    for step in range(3):
        trial.report(x + step, step)
    return x**2 + (optimizer == "sgd")


def _with_states(trial: Any) -> float:
    """Trial 0 completes, trial 1 is pruned at value 0.5, trial 2 fails."""
    x = trial.suggest_float("x", 0, 1)
    trial.report(0.5, 0)
    if trial.number == 1:
        pruned = sys.modules[type(trial).__module__.split(".")[0]].TrialPruned
        raise pruned()
    if trial.number == 2:
        raise ValueError("diverged")
    return x


@pytest.fixture
def patched(lib: SimpleNamespace) -> Iterator[mock.MagicMock]:
    """A fake W&B in place of the module's ``wandb``, as Optuna's own tests patch it."""
    with mock.patch(f"{lib.module}.wandb") as fake:
        # Optuna checks that wandb.init returns a wandb Run.
        fake.sdk.wandb_run.Run = mock.MagicMock
        yield fake


def test_patched_wandb_gets_optunas_calls(lib: SimpleNamespace, patched: mock.MagicMock) -> None:
    callback = lib.WeightsAndBiasesCallback("loss", {"project": "p"})
    patched.init.assert_called_once_with(project="p")
    study = lib.optuna.create_study(direction="maximize")
    study.optimize(_with_states, n_trials=3, callbacks=[callback], catch=(ValueError,))

    logs = patched.run.log.call_args_list
    assert len(logs) == 3  # one row per trial
    for call, trial in zip(logs, study.trials):
        expected = dict(trial.params)
        if trial.state.name != "FAIL":
            expected["loss"] = trial.value
        assert call == mock.call(expected, step=trial.number)
    patched.run.config.update.assert_called_with({"direction": ["MAXIMIZE"]})
    patched.init.assert_called_once()  # no other run started


def test_patched_wandb_as_multirun(lib: SimpleNamespace, patched: mock.MagicMock) -> None:
    callback = lib.WeightsAndBiasesCallback(["a", "b"], {"project": "p"}, as_multirun=True)
    patched.init.assert_not_called()
    study = lib.optuna.create_study(directions=["minimize", "maximize"])
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), 2.0), n_trials=2, callbacks=[callback])
    logs = patched.run.log.call_args_list
    assert len(logs) == 2
    for call, trial in zip(logs, study.trials):
        row = {
            "x": trial.params["x"],
            "a": trial.values[0],
            "b": 2.0,
            "trial_number": trial.number,
        }
        assert call == mock.call(row, step=trial.number)
    patched.run.config.update.assert_called_with(
        {"direction": ["MINIMIZE", "MAXIMIZE"], "x": study.trials[-1].params["x"]}
    )
    assert patched.run.finish.call_count == 2


def test_one_run_for_the_study(wandb_dir: Path, lib: SimpleNamespace) -> None:
    callback = lib.WeightsAndBiasesCallback("loss", _kwargs(wandb_dir))
    study = lib.optuna.create_study(
        study_name="single", sampler=lib.optuna.samplers.RandomSampler(0)
    )
    study.optimize(_objective, n_trials=3, callbacks=[callback])
    wandb.finish()

    (run,) = _runs(wandb_dir)
    assert run.config == {"direction": ["MINIMIZE"]}
    assert run.steps == [0, 1, 2]
    for row, trial in zip(run.history, study.trials):
        assert row == {**trial.params, "loss": trial.value}
    assert run.summary["loss"] == study.trials[-1].value


def test_pruned_and_failed_trials(wandb_dir: Path, lib: SimpleNamespace) -> None:
    callback = lib.WeightsAndBiasesCallback(["accuracy"], _kwargs(wandb_dir, name="mine"))
    study = lib.optuna.create_study(direction="maximize")
    study.optimize(_with_states, n_trials=3, callbacks=[callback], catch=(ValueError,))
    wandb.finish()

    (run,) = _runs(wandb_dir)
    assert run.name == "mine"
    assert [row.get("accuracy") for row in run.history] == [study.trials[0].value, 0.5, None]
    assert run.config == {"direction": ["MAXIMIZE"]}


def test_one_run_per_trial(wandb_dir: Path, lib: SimpleNamespace) -> None:
    callback = lib.WeightsAndBiasesCallback(
        wandb_kwargs=_kwargs(wandb_dir, config={"dataset": "iris"}), as_multirun=True
    )
    study = lib.optuna.create_study(study_name="multi")
    study.optimize(_with_states, n_trials=3, callbacks=[callback], catch=(ValueError,))

    runs = _runs(wandb_dir)
    assert len(runs) == 3
    by_number = {run.history[0]["trial_number"]: run for run in runs}
    for trial in study.trials:
        run = by_number[trial.number]
        assert run.config == {"dataset": "iris", "direction": ["MINIMIZE"], **trial.params}
        assert len(run.history) == 1
        assert run.summary["trial_number"] == trial.number
        assert run.exit_code == 0
    assert by_number[0].summary["value"] == study.trials[0].value
    assert by_number[1].summary["value"] == 0.5
    assert "value" not in by_number[2].summary


def test_track_in_wandb_logs_into_the_trials_run(wandb_dir: Path, lib: SimpleNamespace) -> None:
    callback = lib.WeightsAndBiasesCallback(wandb_kwargs=_kwargs(wandb_dir), as_multirun=True)

    @callback.track_in_wandb()
    def objective(trial: Any) -> float:
        x = trial.suggest_float("x", 0, 1)
        for epoch in range(2):
            wandb.log({"train_loss": x * epoch})
        return x

    study = lib.optuna.create_study()
    study.optimize(objective, n_trials=2, callbacks=[callback])
    assert wandb.run is None

    runs = _runs(wandb_dir)
    assert len(runs) == 2
    by_x = {run.config["x"]: run for run in runs}
    for trial in study.trials:
        run = by_x[trial.params["x"]]
        assert run.config == {"direction": ["MINIMIZE"], **trial.params}
        losses = [row["train_loss"] for row in run.history if "train_loss" in row]
        assert losses == [0.0, trial.params["x"]]
        if lib.optuna is parzen:
            # Optuna logs the trial's row at step trial.number, behind the objective's own
            # steps, and W&B drops it; parzen logs it as the run's next step.
            assert run.summary["value"] == trial.value
            assert run.summary["trial_number"] == trial.number


def test_threads_log_through_get_run(wandb_dir: Path) -> None:
    callback = WeightsAndBiasesCallback(wandb_kwargs=_kwargs(wandb_dir), as_multirun=True)

    @callback.track_in_wandb()
    def objective(trial: parzen.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        callback.get_run(trial).log({"inside": x})
        return x

    study = parzen.create_study()
    with warnings.catch_warnings():
        # Overlapping trials warn that wandb.log cannot tell them apart.
        warnings.simplefilter("ignore", UserWarning)
        study.optimize(objective, n_trials=4, n_jobs=2, callbacks=[callback])

    runs = _runs(wandb_dir)
    assert len(runs) == 4
    by_number = {run.summary["trial_number"]: run for run in runs}
    for trial in study.trials:
        run = by_number[trial.number]
        assert run.config == {"direction": ["MINIMIZE"], **trial.params}
        assert [row["inside"] for row in run.history if "inside" in row] == [trial.params["x"]]
    with pytest.raises(RuntimeError, match="no W&B run open"):
        callback.get_run(study.trials[0])


def test_multi_objective_metric_names(wandb_dir: Path, lib: SimpleNamespace) -> None:
    def objective(trial: Any) -> tuple[float, float]:
        x = trial.suggest_float("x", 0, 1)
        return x, 1 - x

    study = lib.optuna.create_study(directions=["minimize", "maximize"])
    # The study's own metric names play no part, in Optuna as here.
    study.set_metric_names(["latency", "accuracy"])
    callback = lib.WeightsAndBiasesCallback(wandb_kwargs=_kwargs(wandb_dir), as_multirun=True)
    study.optimize(objective, n_trials=1, callbacks=[callback])
    (run,) = _runs(wandb_dir)
    assert study.trials[0].values is not None
    assert {k: run.summary[k] for k in ("value_0", "value_1")} == dict(
        zip(["value_0", "value_1"], study.trials[0].values)
    )

    mismatch = lib.WeightsAndBiasesCallback(["a", "b", "c"], _kwargs(wandb_dir), as_multirun=True)
    with pytest.raises(ValueError, match="3"):
        study.optimize(objective, n_trials=1, callbacks=[mismatch])


def test_wandb_kwargs_must_be_a_dict() -> None:
    with pytest.raises(TypeError, match="wandb_kwargs"):
        WeightsAndBiasesCallback(wandb_kwargs=cast(Any, ["project"]))


def test_missing_wandb_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "wandb", None)
    with pytest.raises(ImportError, match=r'pip install "parzen\[wandb\]"'):
        WeightsAndBiasesCallback()


def test_importing_the_module_does_not_import_wandb() -> None:
    code = "import sys, parzen.integrations.wandb; print('wandb' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "False"
