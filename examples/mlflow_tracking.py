"""Track a study in MLflow: one run per trial, in an experiment named after the study.

Run: python examples/mlflow_tracking.py   (needs: pip install ".[mlflow]")
Everything stays local: the tracking store is a SQLite file in a new temporary directory,
and the script prints the command that opens it in the MLflow UI.
"""

from __future__ import annotations

import tempfile

import mlflow
import numpy as np

import parzen
from parzen.integrations.mlflow import MLflowCallback

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
    tracking_uri = f"sqlite:///{tempfile.mkdtemp(prefix='parzen-mlflow-')}/mlflow.db"
    # As in Optuna, runs are top-level; create_study_run=True would nest them under one run
    # per study.
    mlflc = MLflowCallback(tracking_uri=tracking_uri, metric_name="val_loss")

    # The decorator makes the trial's MLflow run active inside the objective, so plain
    # mlflow.log_* calls land in it; the callback adds params, value and tags afterwards.
    @mlflc.track_in_mlflow()
    def objective(trial: parzen.Trial) -> float:
        lr = trial.suggest_float("lr", 1e-3, 1.0, log=True)
        l2 = trial.suggest_float("l2", 1e-6, 1e-1, log=True)
        w = np.zeros(X.shape[1])
        for epoch in range(EPOCHS):
            p = 1 / (1 + np.exp(-(X_train @ w)))
            w -= lr * (X_train.T @ (p - y_train) / len(y_train) + l2 * w)
            mlflow.log_metric("train_loss", log_loss(w, X_train, y_train), step=epoch)
            val_loss = log_loss(w, X_valid, y_valid)
            trial.report(val_loss, epoch)
            if trial.should_prune():
                raise parzen.TrialPruned()
        return val_loss

    study = parzen.create_study(
        study_name="logistic-regression",
        sampler=parzen.samplers.RandomSampler(seed=0),
        pruner=parzen.pruners.MedianPruner(n_warmup_steps=5),
    )
    # Runs are logged through explicit run ids, so threads are fine.
    study.optimize(objective, n_trials=20, n_jobs=2, callbacks=[mlflc])

    client = mlflow.MlflowClient(tracking_uri)
    experiment = client.get_experiment_by_name(study.study_name)
    assert experiment is not None
    best = client.search_runs(
        [experiment.experiment_id],
        filter_string="tags.state = 'COMPLETE'",
        order_by=["metrics.val_loss ASC"],
        max_results=1,
    )[0]
    print(f"Best trial {best.data.tags['number']}: val_loss {study.best_value:.4f}")
    print(f"  params in MLflow: {best.data.params}")
    print(f"View: mlflow ui --backend-store-uri {tracking_uri}")


if __name__ == "__main__":
    main()
