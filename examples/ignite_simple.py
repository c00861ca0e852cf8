"""Tune a small PyTorch network trained with Ignite on the digits data, pruning early.

Run: python examples/ignite_simple.py   (needs: pip install ".[ignite,sklearn]")
The evaluator computes the validation accuracy after every epoch; the pruning handler
reports it at the trainer's epoch and stops trials that fall behind the others.
"""

from __future__ import annotations

import torch
from ignite.engine import Events, create_supervised_evaluator, create_supervised_trainer
from ignite.metrics import Accuracy
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import parzen
from parzen.integrations import PyTorchIgnitePruningHandler

X, y = load_digits(return_X_y=True)
X_train, X_valid, y_train, y_valid = train_test_split(X / 16.0, y, random_state=0)


def batches(X: object, y: object, size: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    features = torch.tensor(X, dtype=torch.float32)
    labels = torch.tensor(y, dtype=torch.long)
    return [(features[i : i + size], labels[i : i + size]) for i in range(0, len(labels), size)]


TRAIN, VALID = batches(X_train, y_train, 64), batches(X_valid, y_valid, 256)


def objective(trial: parzen.Trial) -> float:
    hidden = trial.suggest_int("hidden", 8, 64, log=True)
    lr = trial.suggest_float("lr", 1e-3, 1e-1, log=True)
    model = torch.nn.Sequential(
        torch.nn.Linear(64, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 10)
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    trainer = create_supervised_trainer(model, optimizer, torch.nn.CrossEntropyLoss())
    evaluator = create_supervised_evaluator(model, metrics={"accuracy": Accuracy()})
    evaluator.add_event_handler(
        Events.COMPLETED, PyTorchIgnitePruningHandler(trial, "accuracy", trainer)
    )
    trainer.add_event_handler(Events.EPOCH_COMPLETED, lambda _: evaluator.run(VALID))
    trainer.run(TRAIN, max_epochs=10)
    return evaluator.state.metrics["accuracy"]


def main() -> None:
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    study = parzen.create_study(direction="maximize", pruner=parzen.pruners.MedianPruner())
    study.optimize(objective, n_trials=20)
    pruned = sum(t.state == parzen.trial.TrialState.PRUNED for t in study.trials)
    print(f"best accuracy {study.best_value:.4f} with {study.best_params}; {pruned} pruned")


if __name__ == "__main__":
    main()
