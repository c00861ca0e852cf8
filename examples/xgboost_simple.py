"""Tune XGBoost on the breast-cancer data, pruning unpromising boosting runs early.

Run: python examples/xgboost_simple.py   (needs: pip install ".[xgboost]")
"""

from __future__ import annotations

import xgboost as xgb
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

import parzen
from parzen.integrations import XGBoostPruningCallback

X, y = load_breast_cancer(return_X_y=True)
X_train, X_valid, y_train, y_valid = train_test_split(X, y, test_size=0.25, random_state=0)


def objective(trial: parzen.Trial) -> float:
    model = xgb.XGBClassifier(
        n_estimators=100,
        learning_rate=trial.suggest_float("learning_rate", 1e-3, 0.3, log=True),
        max_depth=trial.suggest_int("max_depth", 1, 8),
        subsample=trial.suggest_float("subsample", 0.5, 1.0),
        n_jobs=1,
        eval_metric="logloss",
        # The scikit-learn API names the first eval_set "validation_0".
        callbacks=[XGBoostPruningCallback(trial, "validation_0-logloss")],
    )
    model.fit(X_train, y_train, eval_set=[(X_valid, y_valid)], verbose=False)
    return float(model.evals_result()["validation_0"]["logloss"][-1])


def main() -> None:
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    study = parzen.create_study(
        sampler=parzen.samplers.RandomSampler(seed=0),
        pruner=parzen.pruners.MedianPruner(n_warmup_steps=10),
    )
    study.optimize(objective, n_trials=30)
    states = [t.state.name for t in study.trials]
    print(f"Pruned {states.count('PRUNED')} of {len(states)} trials.")
    print(f"Best validation logloss: {study.best_value:.4f} with {study.best_params}")


if __name__ == "__main__":
    main()
