from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import pytest

import parzen
from parzen.trial import FrozenTrial, TrialState

if os.environ.get("CI"):
    import lightning.pytorch as pl
    import torch
else:
    pl = pytest.importorskip("lightning.pytorch")
    torch = pytest.importorskip("torch")

from parzen.integrations import PyTorchLightningPruningCallback
from parzen.storages.journal import JournalFileBackend, JournalStorage

N_EPOCHS = 5


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread() -> Any:
    # These models are tiny: torch's thread pool only adds contention on a busy machine.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


pytestmark = [
    # Lightning suggests more dataloader workers on every fit; irrelevant for tiny loaders.
    pytest.mark.filterwarnings("ignore:.*does not have many workers"),
    # Lightning's own use of a torch API that torch deprecated; not ours to fix.
    pytest.mark.filterwarnings(r"ignore:`isinstance\(treespec, LeafSpec\)` is deprecated"),
]


class PruneAtStep(parzen.pruners.BasePruner):
    """Prunes as soon as ``step`` has been reported (never when ``step`` is None)."""

    def __init__(self, step: int | None) -> None:
        self.step = step

    def prune(self, study: parzen.Study, trial: FrozenTrial) -> bool:
        return self.step is not None and self.step in trial.intermediate_values


class Regression(pl.LightningModule):
    """A linear model on a fixed random regression task; logs ``val_loss`` each epoch."""

    def __init__(self, lr: float, epoch_log: Path | None = None) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)
        self.lr = lr
        self.epoch_log = epoch_log

    def training_step(self, batch: Any, batch_idx: int) -> Any:
        x, y = batch
        return torch.nn.functional.mse_loss(self.layer(x), y)

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.layer(x), y)
        self.log("val_loss", loss, sync_dist=True)

    def on_train_epoch_end(self) -> None:
        if self.epoch_log is not None:
            with self.epoch_log.open("a") as f:
                f.write(f"train {self.global_rank} {self.current_epoch}\n")

    def configure_optimizers(self) -> Any:
        return torch.optim.SGD(self.parameters(), lr=self.lr)


class Recorder(pl.Callback):
    """Records each validation's ``val_loss`` of fit(), outside the sanity check."""

    def __init__(self, epoch_log: Path | None = None) -> None:
        self.values: list[float] = []
        self.epoch_log = epoch_log

    def on_validation_end(self, trainer: Any, pl_module: Any) -> None:
        if trainer.sanity_checking:
            return
        value = float(trainer.callback_metrics["val_loss"].item())
        self.values.append(value)
        if self.epoch_log is not None and trainer.is_global_zero:
            with self.epoch_log.open("a") as f:
                f.write(f"val {trainer.current_epoch} {value!r}\n")


def _loader() -> Any:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(64, 4, generator=generator)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5], [0.0]])
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=16)


def _trainer(callbacks: list[Any], **kwargs: Any) -> Any:
    return pl.Trainer(
        max_epochs=N_EPOCHS,
        accelerator="cpu",
        callbacks=callbacks,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        **kwargs,
    )


def _fit(trial: parzen.Trial, recorder: Recorder, monitor: str = "val_loss") -> float:
    pruning = PyTorchLightningPruningCallback(trial, monitor=monitor)
    trainer = _trainer([recorder, pruning], devices=1)
    trainer.fit(Regression(0.05), _loader(), _loader())
    pruning.check_pruned()
    return recorder.values[-1]


@pytest.mark.parametrize("prune_step", [0, 2])
def test_single_process_pruned_at_the_pruners_step(prune_step: int) -> None:
    recorder = Recorder()
    study = parzen.create_study(pruner=PruneAtStep(prune_step))
    study.optimize(lambda t: _fit(t, recorder), n_trials=1)

    trial = study.trials[0]
    assert trial.state == TrialState.PRUNED
    assert len(recorder.values) == prune_step + 1
    assert trial.intermediate_values == dict(enumerate(recorder.values))


def test_single_process_unpruned_reports_every_epoch_but_not_the_sanity_check() -> None:
    recorder = Recorder()
    study = parzen.create_study(pruner=PruneAtStep(None))
    study.optimize(lambda t: _fit(t, recorder), n_trials=1)

    trial = study.trials[0]
    assert trial.state == TrialState.COMPLETE
    assert len(recorder.values) == N_EPOCHS
    assert trial.intermediate_values == dict(enumerate(recorder.values))


def _library(name: str) -> tuple[Any, Any]:
    """``(module, PyTorchLightningPruningCallback)`` of parzen or, if installed, Optuna."""
    if name == "parzen":
        return parzen, PyTorchLightningPruningCallback
    optuna = pytest.importorskip("optuna")
    return optuna, pytest.importorskip("optuna_integration").PyTorchLightningPruningCallback


def test_validate_outside_fit_warns_and_reports_nothing() -> None:
    # Optuna's callback reports validate()'s value as one more step, silently; parzen warns
    # and keeps the trial's steps to the epochs of fit().
    study = parzen.create_study(pruner=PruneAtStep(0))
    trial = study.ask()
    trainer = _trainer([PyTorchLightningPruningCallback(trial, monitor="val_loss")])
    with pytest.warns(UserWarning, match=r"only the validations of Trainer.fit.*'val_loss'"):
        trainer.validate(Regression(0.05), _loader(), verbose=False)
    assert study._storage.get_trial(trial._trial_id).intermediate_values == {}


@pytest.mark.parametrize("library", ["parzen", "optuna"])
def test_unknown_monitor_warns_and_training_goes_on(library: str) -> None:
    module, callback_class = _library(library)
    study = module.create_study(pruner=module.pruners.ThresholdPruner(upper=-1.0))
    trial = study.ask()
    recorder = Recorder()
    trainer = _trainer([recorder, callback_class(trial, monitor="val_los")], devices=1)
    with pytest.warns(UserWarning, match="'val_los'") as record:
        trainer.fit(Regression(0.05), _loader(), _loader())
    assert len(recorder.values) == N_EPOCHS
    assert sum("val_los" in str(w.message) for w in record) == N_EPOCHS
    assert study.trials[0].intermediate_values == {}


def test_unknown_monitor_warning_lists_the_logged_names() -> None:
    study = parzen.create_study()
    with pytest.warns(UserWarning, match="'val_loss'") as record:
        _fit(study.ask(), Recorder(), monitor="val_los")
    assert any("'val_los' was not found" in str(w.message) for w in record)


def test_direction_mismatch_warns() -> None:
    study = parzen.create_study(direction="minimize")
    with pytest.warns(UserWarning, match="'val_acc'.*maximize"):
        PyTorchLightningPruningCallback(study.ask(), monitor="val_acc")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        PyTorchLightningPruningCallback(study.ask(), monitor="val_loss")


@pytest.mark.slow
@pytest.mark.parametrize("library", ["parzen", "optuna"])
def test_ddp_with_an_in_memory_study_raises_value_error(
    library: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Optuna's spawned rank raises ValueError, which reaches fit()'s caller inside torch's
    # ProcessRaisedException; parzen refuses before spawning, with the ValueError itself.
    module, callback_class = _library(library)
    # Spawned ranks import this module by name (see the test below).
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2]))
    study = module.create_study()
    pruning = callback_class(study.ask(), monitor="val_loss")
    trainer = _trainer([pruning], strategy="ddp_spawn", devices=2)
    with pytest.raises(Exception) as info:
        trainer.fit(Regression(0.05), _loader(), _loader())
    assert "ValueError" in info.exconly()
    assert "storage" in info.exconly().lower()
    if library == "parzen":
        assert info.type is ValueError
        assert "storage that every process shares" in str(info.value)


@pytest.mark.slow
def test_ddp_spawn_rank_zero_decides_and_every_rank_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The spawned ranks unpickle this module's classes by the module's name, which pytest's
    # importlib mode makes "tests.integrations.test_lightning": let them import it from the
    # project's root (they inherit this process's sys.path).
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2]))
    # gloo on CPU sometimes aborts a spawned rank while the process group is torn down
    # ("terminate called without an active exception"), after training is over; that is
    # torch's, not ours, so such an abort gets a fresh attempt (up to three in all: a CI run
    # once saw two in a row).
    for attempt in range(3):
        run_dir = tmp_path / f"attempt-{attempt}"
        run_dir.mkdir()
        storage = JournalStorage(JournalFileBackend(str(run_dir / "journal.log")))
        study = parzen.create_study(storage=storage, pruner=PruneAtStep(1))
        epoch_log = run_dir / "epochs.txt"
        fit_returned: list[bool] = []

        def objective(
            trial: parzen.Trial,
            epoch_log: Path = epoch_log,
            fit_returned: list[bool] = fit_returned,
        ) -> float:
            pruning = PyTorchLightningPruningCallback(trial, monitor="val_loss")
            trainer = _trainer(
                [Recorder(epoch_log), pruning], strategy="ddp_spawn", devices=2, num_nodes=1
            )
            trainer.fit(Regression(0.05, epoch_log), _loader(), _loader())
            fit_returned.append(True)
            pruning.check_pruned()
            return 0.0

        try:
            study.optimize(objective, n_trials=1)
            break
        except Exception as e:
            if attempt == 2 or "SIGABRT" not in str(e):
                raise

    assert fit_returned == [True]  # the ranks stopped; fit returned; check_pruned raised
    trial = study.trials[0]
    assert trial.state == TrialState.PRUNED
    lines = [line.split() for line in epoch_log.read_text().splitlines()]
    trained = sorted((int(rank), int(epoch)) for kind, rank, epoch in lines if kind == "train")
    assert trained == [(0, 0), (0, 1), (1, 0), (1, 1)]
    validated = {int(epoch): float(value) for kind, epoch, value in lines if kind == "val"}
    assert trial.intermediate_values == validated
    assert sorted(validated) == [0, 1]
