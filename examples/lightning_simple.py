"""Tune a small Lightning model on the digits data, pruning unpromising runs early.

Run: python examples/lightning_simple.py            (one process)
     python examples/lightning_simple.py --ddp      (two CPU processes, ddp_spawn)
(needs: pip install ".[lightning,sklearn]" torch)

Under DDP, rank 0 reports to the trial and asks the pruner; every rank stops; fit() returns
and check_pruned() raises TrialPruned. The processes share the study through a journal file.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from typing import Any

import lightning.pytorch as pl
import torch
from sklearn.datasets import load_digits

import parzen
from parzen.integrations import PyTorchLightningPruningCallback
from parzen.storages.journal import JournalFileBackend, JournalStorage


class Classifier(pl.LightningModule):
    def __init__(self, hidden: int, lr: float) -> None:
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(64, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10)
        )
        self.lr = lr

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x, y = batch
        return torch.nn.functional.cross_entropy(self.net(x), y)

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        x, y = batch
        accuracy = (self.net(x).argmax(dim=1) == y).float().mean()
        # sync_dist averages over the DDP ranks, so rank 0 reports the global accuracy.
        self.log("val_acc", accuracy, sync_dist=True)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(self.parameters(), lr=self.lr)


def loaders() -> tuple[Any, Any]:
    X, y = load_digits(return_X_y=True)
    data = torch.utils.data.TensorDataset(
        torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)
    )
    train, valid = torch.utils.data.random_split(
        data, [1400, len(data) - 1400], generator=torch.Generator().manual_seed(0)
    )
    return (
        torch.utils.data.DataLoader(train, batch_size=64, shuffle=True),
        torch.utils.data.DataLoader(valid, batch_size=256),
    )


def make_objective(ddp: bool) -> Any:
    def objective(trial: parzen.Trial) -> float:
        model = Classifier(
            hidden=trial.suggest_int("hidden", 8, 128, log=True),
            lr=trial.suggest_float("lr", 1e-4, 1e-1, log=True),
        )
        pruning = PyTorchLightningPruningCallback(trial, monitor="val_acc")
        trainer = pl.Trainer(
            max_epochs=8,
            accelerator="cpu",
            devices=2 if ddp else 1,
            strategy="ddp_spawn" if ddp else "auto",
            callbacks=[pruning],
            logger=False,
            enable_checkpointing=False,
            enable_progress_bar=False,
            enable_model_summary=False,
        )
        train, valid = loaders()
        trainer.fit(model, train, valid)
        pruning.check_pruned()
        return float(trainer.callback_metrics["val_acc"].item())

    return objective


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ddp", action="store_true", help="train each trial on 2 processes")
    parser.add_argument("--trials", type=int, default=8)
    args = parser.parse_args()

    parzen.logging.set_verbosity(parzen.logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        # A multi-process run needs a storage every process reaches; a journal file does.
        storage = JournalStorage(JournalFileBackend(os.path.join(tmp, "journal.log")))
        study = parzen.create_study(
            direction="maximize",
            storage=storage,
            sampler=parzen.samplers.RandomSampler(seed=0),
            pruner=parzen.pruners.MedianPruner(n_warmup_steps=2),
        )
        study.optimize(make_objective(args.ddp), n_trials=args.trials)
        states = [t.state.name for t in study.trials]
        print(f"Pruned {states.count('PRUNED')} of {len(states)} trials.")
        print(f"Best validation accuracy: {study.best_value:.4f} with {study.best_params}")


if __name__ == "__main__":
    main()
