"""Tune LightGBM on the breast-cancer data, pruning unpromising boosting runs early.

Run: python examples/lightgbm_simple.py   (needs: pip install ".[lightgbm]")
"""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

import parzen
from parzen.integrations import LightGBMPruningCallback

X, y = load_breast_cancer(return_X_y=True)
X_train, X_valid, y_train, y_valid = train_test_split(X, y, test_size=0.25, random_state=0)


def objective(trial: parzen.Trial) -> float:
    params = {
        "objective": "binary",
        "metric": "binary_logloss",
        "verbosity": -1,
        "num_threads": 1,
        "learning_rate": trial.suggest_float("learning_rate", 1e-3, 0.3, log=True),
        "num_leaves": trial.suggest_int("num_leaves", 2, 64, log=True),
        "min_child_samples": trial.suggest_int("min_child_samples", 5, 50),
        "feature_fraction": trial.suggest_float("feature_fraction", 0.4, 1.0),
    }
    booster = lgb.train(
        params,
        lgb.Dataset(X_train, y_train),
        num_boost_round=100,
        valid_sets=[lgb.Dataset(X_valid, y_valid)],
        # Reports "binary_logloss" on valid_0 each round; raises TrialPruned when told to stop.
        callbacks=[LightGBMPruningCallback(trial, "binary_logloss")],
    )
    predictions = np.asarray(booster.predict(X_valid))
    return float(np.mean((predictions > 0.5) != y_valid))


def main() -> None:
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    study = parzen.create_study(
        direction="minimize",
        sampler=parzen.samplers.RandomSampler(seed=0),
        pruner=parzen.pruners.MedianPruner(n_warmup_steps=10),
    )
    study.optimize(objective, n_trials=30)
    states = [t.state.name for t in study.trials]
    print(f"Pruned {states.count('PRUNED')} of {len(states)} trials.")
    print(f"Best error rate: {study.best_value:.4f} with {study.best_params}")


if __name__ == "__main__":
    main()
