"""Log a study to Weights & Biases, one run per trial, offline.

Run: python examples/wandb_tracking.py   (needs: pip install ".[wandb]")
W&B runs in offline mode, writing to a new temporary directory: no account or network is
needed. Upload later with the printed ``wandb sync`` command.
"""

from __future__ import annotations

import tempfile

import numpy as np
import wandb

import parzen
from parzen.integrations.wandb import WeightsAndBiasesCallback

EPOCHS = 20
rng = np.random.default_rng(0)
X = rng.normal(size=(600, 10))
y = (X @ rng.normal(size=10) + 0.5 * rng.normal(size=600) > 0).astype(float)
X_train, X_valid, y_train, y_valid = X[:400], X[400:], y[:400], y[400:]


def log_loss(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    p = 1 / (1 + np.exp(-(X @ w)))
    return float(-np.mean(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)))


def main() -> None:
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    wandb_dir = tempfile.mkdtemp(prefix="parzen-wandb-")
    wandbc = WeightsAndBiasesCallback(
        metric_name="val_loss",
        wandb_kwargs={
            "project": "parzen-example",
            "mode": "offline",
            "dir": wandb_dir,
            "settings": wandb.Settings(silent=True),
        },
        as_multirun=True,
    )

    # With as_multirun=True the decorator starts the trial's run before the objective, so
    # its wandb.log calls land there; the callback finishes the run after the trial.
    @wandbc.track_in_wandb()
    def objective(trial: parzen.Trial) -> float:
        lr = trial.suggest_float("lr", 1e-3, 1.0, log=True)
        l2 = trial.suggest_float("l2", 1e-6, 1e-1, log=True)
        w = np.zeros(X.shape[1])
        for epoch in range(EPOCHS):
            p = 1 / (1 + np.exp(-(X_train @ w)))
            w -= lr * (X_train.T @ (p - y_train) / len(y_train) + l2 * w)
            val_loss = log_loss(w, X_valid, y_valid)
            wandb.log({"epoch": epoch, "train_loss": log_loss(w, X_train, y_train)})
            trial.report(val_loss, epoch)
            if trial.should_prune():
                raise parzen.TrialPruned()
        return val_loss

    study = parzen.create_study(
        sampler=parzen.samplers.RandomSampler(seed=0),
        pruner=parzen.pruners.MedianPruner(n_warmup_steps=5),
    )
    study.optimize(objective, n_trials=8, callbacks=[wandbc])
    print(f"Best val_loss {study.best_value:.4f} with {study.best_params}")
    print(f"Upload: wandb sync {wandb_dir}/wandb/offline-run-*")


if __name__ == "__main__":
    main()
