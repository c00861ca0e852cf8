"""WeightsAndBiasesCallback in W&B's offline mode, read back from the runs' ``.wandb`` files."""

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
from typing import Any, cast

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


def _objective(trial: parzen.Trial) -> float:
    x = trial.suggest_float("x", -5.0, 5.0)
    optimizer = trial.suggest_categorical("optimizer", ["sgd", "adam"])
    for step in range(3):
        trial.report(x + step, step)
    return x**2 + (optimizer == "sgd")


def test_one_run_for_the_study(wandb_dir: Path) -> None:
    callback = WeightsAndBiasesCallback("loss", _kwargs(wandb_dir))
    study = parzen.create_study(study_name="single", sampler=parzen.samplers.RandomSampler(0))
    study.optimize(_objective, n_trials=3, callbacks=[callback])
    wandb.finish()

    (run,) = _runs(wandb_dir)
    assert run.config == {"parzen_study_name": "single", "parzen_directions": ["MINIMIZE"]}
    rows = [row for row in run.history if "trial_number" in row]
    assert [row["trial_number"] for row in rows] == [0, 1, 2]
    for row, trial in zip(rows, study.trials):
        assert row == {
            **trial.params,
            "loss": trial.value,
            "trial_number": trial.number,
            "trial_state": "COMPLETE",
        }
    # The summary keeps the best value, not the last one.
    assert run.summary["loss"] == {"min": study.best_value}


def test_the_study_run_is_the_active_run_and_records_every_state(wandb_dir: Path) -> None:
    wandb.init(**_kwargs(wandb_dir, name="mine"))
    callback = WeightsAndBiasesCallback(["accuracy"])

    def objective(trial: parzen.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        if trial.number == 1:
            raise parzen.TrialPruned()
        if trial.number == 2:
            raise ValueError("diverged")
        return x

    study = parzen.create_study(direction="maximize")
    study.optimize(objective, n_trials=3, callbacks=[callback], catch=(ValueError,))
    wandb.finish()

    (run,) = _runs(wandb_dir)
    assert run.name == "mine"
    rows = [row for row in run.history if "trial_number" in row]
    assert [row["trial_state"] for row in rows] == ["COMPLETE", "PRUNED", "FAIL"]
    assert "accuracy" in rows[0] and "accuracy" not in rows[1] and "accuracy" not in rows[2]
    assert run.summary["accuracy"] == {"max": study.best_value}


def test_one_run_per_trial(wandb_dir: Path) -> None:
    callback = WeightsAndBiasesCallback(
        wandb_kwargs=_kwargs(wandb_dir, config={"dataset": "iris"}), as_multirun=True
    )

    def objective(trial: parzen.Trial) -> float:
        value = _objective(trial)
        if trial.number == 1:
            raise parzen.TrialPruned()
        if trial.number == 2:
            raise ValueError("diverged")
        return value

    study = parzen.create_study(study_name="multi", sampler=parzen.samplers.RandomSampler(0))
    study.optimize(objective, n_trials=3, callbacks=[callback], catch=(ValueError,))
    assert wandb.run is None  # trial runs never become the active run

    runs = _by_name(_runs(wandb_dir))
    assert set(runs) == {"trial-0", "trial-1", "trial-2"}
    for trial in study.trials:
        run = runs[f"trial-{trial.number}"]
        assert run.group == "multi"
        assert run.config == {"dataset": "iris", **trial.params}
        assert run.summary["trial_number"] == trial.number
        assert run.summary["trial_state"] == trial.state.name
        intermediate = [
            (row["intermediate_step"], row["intermediate_value"])
            for row in run.history
            if "intermediate_value" in row
        ]
        assert intermediate == sorted(trial.intermediate_values.items())
    assert runs["trial-0"].summary["value"] == study.trials[0].value
    assert "value" not in runs["trial-1"].summary
    assert runs["trial-0"].exit_code == 0
    assert runs["trial-1"].exit_code == 0
    assert runs["trial-2"].exit_code == 1


def test_track_in_wandb_logs_into_the_trials_run(wandb_dir: Path) -> None:
    callback = WeightsAndBiasesCallback(wandb_kwargs=_kwargs(wandb_dir), as_multirun=True)

    @callback.track_in_wandb()
    def objective(trial: parzen.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        for epoch in range(2):
            wandb.log({"train_loss": x * epoch})
        return x

    study = parzen.create_study()
    study.optimize(objective, n_trials=2, callbacks=[callback])
    assert wandb.run is None

    runs = _by_name(_runs(wandb_dir))
    for trial in study.trials:
        run = runs[f"trial-{trial.number}"]
        assert run.config == trial.params
        losses = [row["train_loss"] for row in run.history if "train_loss" in row]
        assert losses == [0.0, trial.params["x"]]
        assert run.summary["value"] == trial.value


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

    runs = _by_name(_runs(wandb_dir))
    assert len(runs) == 4
    for trial in study.trials:
        run = runs[f"trial-{trial.number}"]
        assert run.config == trial.params
        assert [row["inside"] for row in run.history if "inside" in row] == [trial.params["x"]]
    with pytest.raises(RuntimeError, match="no W&B run open"):
        callback.get_run(study.trials[0])


def test_multi_objective_metric_names(wandb_dir: Path) -> None:
    def objective(trial: parzen.Trial) -> tuple[float, float]:
        x = trial.suggest_float("x", 0, 1)
        return x, 1 - x

    study = parzen.create_study(directions=["minimize", "maximize"])
    study.set_metric_names(["latency", "accuracy"])
    callback = WeightsAndBiasesCallback(wandb_kwargs=_kwargs(wandb_dir), as_multirun=True)
    study.optimize(objective, n_trials=1, callbacks=[callback])
    (run,) = _runs(wandb_dir)
    assert study.trials[0].values is not None
    assert {k: run.summary[k] for k in ("latency", "accuracy")} == dict(
        zip(["latency", "accuracy"], study.trials[0].values)
    )

    mismatch = WeightsAndBiasesCallback(["a", "b", "c"], _kwargs(wandb_dir), as_multirun=True)
    with pytest.raises(ValueError, match=r"3 metric name\(s\).*2 objective\(s\)"):
        study.optimize(objective, n_trials=1, callbacks=[mismatch])
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
