"""Write a study to TensorBoard's HParams dashboard (no TensorFlow needed).

Run: python examples/tensorboard_tracking.py   (needs: pip install ".[tensorboard]")
The log directory is a new temporary directory; the script prints the command to view it.
"""

from __future__ import annotations

import tempfile

import numpy as np

import parzen
from parzen.integrations.tensorboard import TensorBoardCallback

EPOCHS = 20
rng = np.random.default_rng(0)
X = rng.normal(size=(600, 10))
y = (X @ rng.normal(size=10) + 0.5 * rng.normal(size=600) > 0).astype(float)
X_train, X_valid, y_train, y_valid = X[:400], X[400:], y[:400], y[400:]


def log_loss(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    p = 1 / (1 + np.exp(-(X @ w)))
    return float(-np.mean(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)))


def objective(trial: parzen.Trial) -> float:
    lr = trial.suggest_float("lr", 1e-3, 1.0, log=True)
    l2 = trial.suggest_float("l2", 1e-6, 1e-1, log=True)
    optimizer = trial.suggest_categorical("optimizer", ["gd", "momentum"])
    w, velocity = np.zeros(X.shape[1]), np.zeros(X.shape[1])
    for epoch in range(EPOCHS):
        p = 1 / (1 + np.exp(-(X_train @ w)))
        gradient = X_train.T @ (p - y_train) / len(y_train) + l2 * w
        velocity = (0.9 * velocity if optimizer == "momentum" else 0.0) + gradient
        w -= lr * velocity
        val_loss = log_loss(w, X_valid, y_valid)
        # Reported values become the trial's "intermediate_value" scalars in TensorBoard.
        trial.report(val_loss, epoch)
        if trial.should_prune():
            raise parzen.TrialPruned()
    return val_loss


def main() -> None:
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    logdir = tempfile.mkdtemp(prefix="parzen-tensorboard-")
    study = parzen.create_study(
        sampler=parzen.samplers.RandomSampler(seed=0),
        pruner=parzen.pruners.MedianPruner(n_warmup_steps=5),
    )
    study.optimize(objective, n_trials=20, callbacks=[TensorBoardCallback(logdir, "val_loss")])
    print(f"Best val_loss {study.best_value:.4f} with {study.best_params}")
    print(f"View: tensorboard --logdir {logdir}   (then open the HPARAMS tab)")


if __name__ == "__main__":
    main()
