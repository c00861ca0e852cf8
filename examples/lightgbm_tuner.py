"""Tune LightGBM stepwise with LightGBMTuner, keep the boosters, and resume from storage.

The tuner searches feature_fraction, num_leaves, bagging, feature_fraction again,
lambda_l1/lambda_l2 and min_child_samples, one group at a time. The study lives in SQLite
and every trial's booster in a model directory (LightGBM text models), so running the
script again resumes the search and still finds the best booster.

Run: python examples/lightgbm_tuner.py [--dir DIR] [--rounds N]
     (needs: pip install ".[lightgbm]")
"""

from __future__ import annotations

import argparse
import os

import lightgbm as lgb
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

import parzen
from parzen.integrations.lightgbm import LightGBMTuner

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--dir", default="lightgbm_tuner_out", help="study and boosters go here")
parser.add_argument("--rounds", type=int, default=100, help="num_boost_round per trial")
args = parser.parse_args()
os.makedirs(args.dir, exist_ok=True)

X, y = load_breast_cancer(return_X_y=True)
X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
X_train, X_valid, y_train, y_valid = train_test_split(X_rest, y_rest, random_state=0)

parzen.logging.set_verbosity(parzen.logging.WARNING)
study = parzen.create_study(
    storage=f"sqlite:///{os.path.join(args.dir, 'tuner.db')}",
    study_name="lightgbm-tuner",
    load_if_exists=True,
)
tuner = LightGBMTuner(
    {"objective": "binary", "metric": "binary_logloss", "verbosity": -1, "num_threads": 1},
    lgb.Dataset(X_train, y_train),
    num_boost_round=args.rounds,
    valid_sets=[lgb.Dataset(X_valid, y_valid)],
    callbacks=[lgb.early_stopping(10, verbose=False)],
    study=study,
    model_dir=os.path.join(args.dir, "boosters"),
    show_progress_bar=False,
    optuna_seed=0,
)
tuner.run()

booster = tuner.get_best_booster()
accuracy = float(np.mean((booster.predict(X_test) > 0.5) == y_test))
print(f"trials: {len(study.trials)}, best validation log loss: {tuner.best_score:.4f}")
print(f"best params: {tuner.best_params}")
print(f"test accuracy of the best booster: {accuracy:.3f}")
