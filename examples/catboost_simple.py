"""Tune CatBoost on the breast-cancer data, pruning unpromising runs early.

Run: python examples/catboost_simple.py   (needs: pip install ".[catboost,sklearn]")
CatBoost does not let a callback raise, so the objective calls check_pruned() after fit().
"""

from __future__ import annotations

import catboost as cb
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

import parzen
from parzen.integrations import CatBoostPruningCallback

X, y = load_breast_cancer(return_X_y=True)
X_train, X_valid, y_train, y_valid = train_test_split(X, y, test_size=0.25, random_state=0)


def objective(trial: parzen.Trial) -> float:
    model = cb.CatBoostClassifier(
        iterations=100,
        learning_rate=trial.suggest_float("learning_rate", 1e-2, 0.3, log=True),
        depth=trial.suggest_int("depth", 1, 8),
        l2_leaf_reg=trial.suggest_float("l2_leaf_reg", 1e-2, 10, log=True),
        eval_metric="AUC",
        thread_count=1,
        allow_writing_files=False,
        verbose=0,
    )
    pruning = CatBoostPruningCallback(trial, "AUC")
    model.fit(X_train, y_train, eval_set=[(X_valid, y_valid)], callbacks=[pruning])
    pruning.check_pruned()  # raises TrialPruned if the pruner stopped training
    return float(model.get_best_score()["validation"]["AUC"])


def main() -> None:
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    study = parzen.create_study(
        direction="maximize",
        sampler=parzen.samplers.RandomSampler(seed=0),
        pruner=parzen.pruners.MedianPruner(n_warmup_steps=10),
    )
    study.optimize(objective, n_trials=20)
    states = [t.state.name for t in study.trials]
    print(f"Pruned {states.count('PRUNED')} of {len(states)} trials.")
    print(f"Best validation AUC: {study.best_value:.4f} with {study.best_params}")


if __name__ == "__main__":
    main()
