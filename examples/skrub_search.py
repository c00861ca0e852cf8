"""Tune a skrub DataOps plan with parzen: TPE over its choices, trials in parallel, SQLite.

The plan vectorizes a table with a text column, optionally scales it, and picks a
classifier, each with its own hyperparameters (skrub.choose_float / choose_int /
choose_from / choose_bool / optional). ``make_randomized_search`` runs those choices as a
parzen study: the branches a trial does not take are not suggested, outcomes that are
objects are stored as their index, and the study lives in a SQLite file that a second
search continues.

Run: python examples/skrub_search.py   (needs: pip install ".[skrub]")
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import skrub
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

import parzen
from parzen.integrations.skrub import make_randomized_search

parzen.logging.set_verbosity(parzen.logging.WARNING)

# A small table: two numbers and a city, whose name matters for the label.
rng = np.random.default_rng(0)
n = 400
cities = rng.choice(["Paris", "Lyon", "Lille", "Nantes"], size=n)
table = pd.DataFrame(
    {"income": rng.lognormal(3.0, 0.5, n), "age": rng.integers(18, 80, n), "city": cities}
)
signal = np.log(table["income"]) - 0.02 * table["age"] + np.isin(cities, ["Paris", "Lille"])
label = (signal + rng.normal(0.0, 0.3, n) > np.median(signal)).astype(int)
train, test = slice(0, 300), slice(300, None)

# The plan. Every skrub.choose_* below becomes one parameter of the study.
X, y = skrub.X(), skrub.y()
features = X.skb.apply(skrub.TableVectorizer())
features = features.skb.apply(skrub.optional(StandardScaler(), name="scale"))
logistic = LogisticRegression(
    C=skrub.choose_float(1e-3, 1e2, log=True, name="C"),
    fit_intercept=skrub.choose_bool(name="intercept"),
)
boosting = HistGradientBoostingClassifier(
    learning_rate=skrub.choose_float(1e-2, 1.0, log=True, name="learning_rate"),
    max_leaf_nodes=skrub.choose_int(4, 64, log=True, name="leaves"),
    random_state=0,
)
classifier = skrub.choose_from({"logistic": logistic, "boosting": boosting}, name="model")
pred = features.skb.apply(classifier, y=y)
print(pred.skb.describe_param_grid())

with tempfile.TemporaryDirectory() as directory:
    storage = f"sqlite:///{Path(directory) / 'skrub_search.db'}"
    data = {"X": table.iloc[train], "y": label.iloc[train]}
    search = make_randomized_search(
        pred, n_iter=24, n_jobs=2, cv=3, random_state=0, storage=storage, study_name="plan"
    ).fit(data)
    print(search.results_.head())
    print("best parameters (as stored: outcome indices and numbers):", search.best_params_)
    print("best learner:", search.best_learner_.describe_params())

    # A second search of the same study continues it: 8 more trials.
    more = make_randomized_search(
        pred, n_iter=8, n_jobs=2, cv=3, storage=storage, study_name="plan"
    ).fit(data)
    print(f"{len(more.study_.trials)} trials; best CV accuracy {more.best_score_:.3f}")

    predicted = more.predict({"X": table.iloc[test]})
    print(f"held-out accuracy: {np.mean(predicted == label.iloc[test].to_numpy()):.3f}")
