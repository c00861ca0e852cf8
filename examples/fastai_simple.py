"""Tune a small fastai network on the digits data, pruning trials that fall behind.

Run: python examples/fastai_simple.py   (needs: pip install ".[fastai,sklearn]")
After every epoch fastai's Recorder logs the validation accuracy; the pruning callback
reports it to the trial and cancels the fit when the median pruner says the trial is worse
than the others at the same epoch.
"""

from __future__ import annotations

import torch
from fastai.basics import CrossEntropyLossFlat, DataLoaders, Learner, accuracy
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import parzen
from parzen.integrations import FastAIV2PruningCallback

X, y = load_digits(return_X_y=True)
X_train, X_valid, y_train, y_valid = train_test_split(X / 16.0, y, random_state=0)


def dataset(X: object, y: object) -> list[tuple[torch.Tensor, torch.Tensor]]:
    features = torch.tensor(X, dtype=torch.float32)
    labels = torch.tensor(y, dtype=torch.long)
    return list(zip(features, labels))


# num_workers=0: the data is small, and no worker processes lets optimize(n_jobs=...) use
# threads safely.
DLS = DataLoaders.from_dsets(
    dataset(X_train, y_train), dataset(X_valid, y_valid), bs=64, device="cpu", num_workers=0
)


def objective(trial: parzen.Trial) -> float:
    hidden = trial.suggest_int("hidden", 8, 64, log=True)
    lr = trial.suggest_float("lr", 1e-3, 1e-1, log=True)
    model = torch.nn.Sequential(
        torch.nn.Linear(64, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10)
    )
    learn = Learner(
        DLS,
        model,
        loss_func=CrossEntropyLossFlat(),
        metrics=[accuracy],
        cbs=[FastAIV2PruningCallback(trial, monitor="accuracy")],
    )
    with learn.no_logging():
        learn.fit(8, lr)
    # The Recorder's last row: train_loss, valid_loss, accuracy.
    return float(learn.recorder.values[-1][2])


def main() -> None:
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    study = parzen.create_study(direction="maximize", pruner=parzen.pruners.MedianPruner())
    study.optimize(objective, n_trials=20)
    pruned = sum(t.state == parzen.trial.TrialState.PRUNED for t in study.trials)
    print(f"best accuracy {study.best_value:.4f} with {study.best_params}; {pruned} pruned")


if __name__ == "__main__":
    main()
