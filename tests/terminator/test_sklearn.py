"""ParzenSearchCV reports each candidate's fold scores where CrossValidationErrorEvaluator
finds them, so its search can be stopped by the default terminator."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("sklearn")


def test_search_scores_reach_the_cross_validation_error() -> None:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    import parzen
    from parzen.distributions import FloatDistribution
    from parzen.integrations import ParzenSearchCV
    from parzen.terminator import CrossValidationErrorEvaluator

    parzen.logging.set_verbosity(parzen.logging.WARNING)
    X, y = load_iris(return_X_y=True)
    search = ParzenSearchCV(
        LogisticRegression(max_iter=200),
        {"C": FloatDistribution(1e-3, 1e2, log=True)},
        n_trials=4,
        cv=3,
        random_state=0,
    )
    search.fit(X, y)
    study = search.study_
    for trial in study.trials:
        folds = [trial.user_attrs[f"split{k}_test_score"] for k in range(3)]
        assert trial.system_attrs["terminator:cv_scores"] == pytest.approx(folds)
        assert trial.value == pytest.approx(np.mean(folds))

    best = max(study.trials, key=lambda t: t.value)
    scores = np.array(best.system_attrs["terminator:cv_scores"])
    expected = math.sqrt((1 / 3 + 1 / 2) * scores.var())
    error = CrossValidationErrorEvaluator().evaluate(study.trials, study.direction)
    assert error == pytest.approx(expected)


def test_search_with_a_single_split_reports_no_scores() -> None:
    # One score has no spread; the search must still run (the evaluator then says why it can't).
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import ShuffleSplit

    import parzen
    from parzen.distributions import FloatDistribution
    from parzen.integrations import ParzenSearchCV

    parzen.logging.set_verbosity(parzen.logging.WARNING)
    X, y = load_iris(return_X_y=True)
    search = ParzenSearchCV(
        LogisticRegression(max_iter=200),
        {"C": FloatDistribution(1e-3, 1e2, log=True)},
        n_trials=2,
        cv=ShuffleSplit(n_splits=1, random_state=0),
        random_state=0,
    )
    search.fit(X, y)
    assert all("terminator:cv_scores" not in t.system_attrs for t in search.study_.trials)
