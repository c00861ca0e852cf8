"""Tune scikit-learn models with ParzenSearchCV, a drop-in for RandomizedSearchCV.

Three searches on the digits data set:

1. a pipeline over a fixed space, scored on two metrics, refitted on one;
2. a conditional space (SVC or logistic regression, each with its own parameters), given as
   a function of the trial;
3. an SGD classifier trained with partial_fit, whose unpromising candidates are pruned
   after a few epochs.

Run: python examples/sklearn_search.py   (needs: pip install ".[sklearn]")
"""

from __future__ import annotations

from typing import Any

from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

import parzen
from parzen.distributions import CategoricalDistribution, FloatDistribution
from parzen.integrations.sklearn import ParzenSearchCV
from parzen.trial import TrialState

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

# 1. A fixed space over a pipeline; parameters of a step are named "<step>__<param>".
search = ParzenSearchCV(
    make_pipeline(StandardScaler(), SVC()),
    {
        "svc__C": FloatDistribution(1e-2, 1e3, log=True),
        "svc__gamma": FloatDistribution(1e-5, 1e-1, log=True),
        "svc__class_weight": CategoricalDistribution([None, "balanced"]),
    },
    n_trials=20,
    cv=3,
    scoring=["accuracy", "f1_macro"],
    refit="accuracy",  # the metric that picks the best candidate (and that the study maximizes)
    random_state=0,
)
search.fit(X_train, y_train)
print("1. pipeline: best CV accuracy", round(search.best_score_, 4), search.best_params_)
print("   held-out accuracy", round(search.score(X_test, y_test), 4))
results = search.cv_results_
for row in results["rank_test_accuracy"].argsort()[:3]:
    print(
        f"   rank {results['rank_test_accuracy'][row]}: accuracy "
        f"{results['mean_test_accuracy'][row]:.4f}, f1 {results['mean_test_f1_macro'][row]:.4f}"
    )


# 2. A conditional space: the function asks the trial for what it needs and returns the
#    estimator's parameters (here, the pipeline's "model" step itself).
def space(trial: parzen.Trial) -> dict[str, Any]:
    kind = trial.suggest_categorical("model", ["svc", "logistic_regression"])
    if kind == "svc":
        model: Any = SVC(
            C=trial.suggest_float("svc_C", 1e-2, 1e3, log=True),
            gamma=trial.suggest_float("svc_gamma", 1e-5, 1e-1, log=True),
        )
    else:
        model = LogisticRegression(
            C=trial.suggest_float("lr_C", 1e-3, 1e2, log=True), max_iter=2000
        )
    return {"model": model}


search = ParzenSearchCV(
    Pipeline([("scale", StandardScaler()), ("model", SVC())]),
    space,
    n_trials=15,
    cv=3,
    random_state=0,
)
search.fit(X_train, y_train)
print("2. conditional: best", search.best_params_["model"], round(search.best_score_, 4))
print("   the study's view of the best trial:", search.best_trial_.params)

# 3. Pruning: with enable_pruning, each fold is trained one partial_fit epoch at a time; the
#    mean fold score is reported after each epoch and the pruner stops poor candidates.
search = ParzenSearchCV(
    SGDClassifier(random_state=0),
    {
        "alpha": FloatDistribution(1e-6, 1.0, log=True),
        "loss": CategoricalDistribution(["hinge", "log_loss", "modified_huber"]),
    },
    n_trials=20,
    cv=3,
    enable_pruning=True,
    max_iter=15,
    pruner=parzen.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=2),
    random_state=0,
)
search.fit(StandardScaler().fit_transform(X_train), y_train)
pruned = [t for t in search.trials_ if t.state == TrialState.PRUNED]
print(
    f"3. pruning: {len(pruned)} of {len(search.trials_)} trials pruned; best",
    search.best_params_,
    round(search.best_score_, 4),
)
