"""Stop a search once further trials are unlikely to beat the noise of cross-validation.

Two studies on the wine data set, each with a budget of 200 trials:

1. an objective that cross-validates a random forest, reports the fold scores with
   ``report_cross_validation_scores`` and is stopped by ``TerminatorCallback`` when the
   Gaussian-process regret bound (the room left for improvement) falls below the
   cross-validation error;
2. ParzenSearchCV, which reports its fold scores itself, stopped the same way.

Then the terminator's view of the first study is plotted (``terminator.html``, when plotly is
installed).

Run: python examples/terminator.py   (needs: pip install ".[sklearn]"; plotly for the plot)
"""

from __future__ import annotations

import importlib.util

from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import KFold, cross_val_score

import parzen
from parzen.distributions import FloatDistribution, IntDistribution
from parzen.integrations.sklearn import ParzenSearchCV
from parzen.terminator import TerminatorCallback, report_cross_validation_scores

BUDGET = 200
X, y = load_wine(return_X_y=True)


def objective(trial: parzen.Trial) -> float:
    model = RandomForestClassifier(
        n_estimators=trial.suggest_int("n_estimators", 5, 50),
        max_depth=trial.suggest_int("max_depth", 1, 8),
        min_samples_leaf=trial.suggest_int("min_samples_leaf", 1, 10),
        random_state=0,
    )
    scores = cross_val_score(model, X, y, cv=KFold(5, shuffle=True, random_state=0))
    report_cross_validation_scores(trial, scores)
    return float(scores.mean())


def main() -> None:
    parzen.logging.set_verbosity(parzen.logging.WARNING)

    study = parzen.create_study(direction="maximize", sampler=parzen.samplers.TPESampler(seed=0))
    study.optimize(objective, n_trials=BUDGET, callbacks=[TerminatorCallback()])
    print(
        f"objective: stopped after {len(study.trials)} of {BUDGET} trials, "
        f"best accuracy {study.best_value:.3f}"
    )

    search = ParzenSearchCV(
        RandomForestClassifier(random_state=0),
        {
            "n_estimators": IntDistribution(5, 50),
            "max_features": FloatDistribution(0.1, 1.0),
        },
        n_trials=BUDGET,
        cv=5,
        random_state=0,
        callbacks=[TerminatorCallback()],
    )
    search.fit(X, y)
    print(
        f"ParzenSearchCV: stopped after {len(search.study_.trials)} of {BUDGET} trials, "
        f"best accuracy {search.best_score_:.3f}"
    )

    if importlib.util.find_spec("plotly") is not None:
        fig = parzen.visualization.plot_terminator_improvement(study, plot_error=True)
        fig.write_html("terminator.html")
        print("wrote terminator.html")


if __name__ == "__main__":
    main()
