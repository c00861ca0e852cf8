"""ParzenSearchCV: scikit-learn's search contract, driven by a parzen study."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

if os.environ.get("CI"):
    import sklearn
else:
    sklearn = pytest.importorskip("sklearn")

from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import load_breast_cancer, load_iris, make_classification
from sklearn.decomposition import PCA
from sklearn.exceptions import FitFailedWarning, NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

import parzen
from parzen.distributions import (
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from parzen.integrations.sklearn import ParzenSearchCV
from parzen.pruners import ThresholdPruner
from parzen.samplers import GridSampler, RandomSampler
from parzen.trial import Trial, TrialState

C_GRID = [0.001, 0.01, 0.03, 0.1, 1.0]  # no ties between their scores on iris


@pytest.fixture(autouse=True)
def _one_blas_thread() -> Iterator[None]:
    # BLAS threads fighting over a few shared cores make tiny fits 10-50x slower.
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def iris() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_iris(return_X_y=True)
    return X, y


@pytest.fixture(scope="module")
def cancer() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_breast_cancer(return_X_y=True)
    rows = np.random.default_rng(0).permutation(len(y))[:240]
    return StandardScaler().fit_transform(X[rows]), y[rows]


def c_search(**kwargs: Any) -> ParzenSearchCV:
    kwargs.setdefault("cv", 3)
    return ParzenSearchCV(
        LogisticRegression(max_iter=500),
        {"C": FloatDistribution(1e-3, 10.0, log=True)},
        **kwargs,
    )


class MaybeFails(ClassifierMixin, BaseEstimator):
    """Predicts the majority class; ``fail=True`` makes fit raise, to test error_score."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> MaybeFails:
        if self.fail:
            raise ValueError("failing on purpose")
        if sample_weight is not None:
            assert len(sample_weight) == len(X)  # fit params are split with the data
        self.classes_, counts = np.unique(y, return_counts=True)
        self.majority_ = self.classes_[np.argmax(counts)]
        self.n_fit_samples_ = len(X)
        return self

    def predict(self, X: Any) -> np.ndarray:
        return np.full(len(X), self.majority_)


# -- the same answers as scikit-learn's own searches ----------------------------------------


def test_grid_sampler_reproduces_grid_search_cv(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    grid = GridSearchCV(LogisticRegression(max_iter=500), {"C": C_GRID}, cv=3).fit(X, y)
    search = c_search(n_trials=20, sampler=GridSampler({"C": C_GRID}, seed=0)).fit(X, y)

    # The grid sampler stops the study once every point ran: 5 trials, not 20.
    assert len(search.cv_results_["params"]) == len(C_GRID) == search.n_trials_
    assert search.best_params_ == grid.best_params_
    assert search.best_score_ == pytest.approx(grid.best_score_)
    ours = {
        p["C"]: s
        for p, s in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"])
    }
    theirs = {
        p["C"]: s for p, s in zip(grid.cv_results_["params"], grid.cv_results_["mean_test_score"])
    }
    assert ours == pytest.approx(theirs)
    np.testing.assert_allclose(search.predict_proba(X), grid.predict_proba(X))


def test_cv_results_have_grid_search_cv_layout(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    grid = GridSearchCV(
        LogisticRegression(max_iter=500), {"C": C_GRID}, cv=3, return_train_score=True
    ).fit(X, y)
    search = c_search(n_trials=4, random_state=0, return_train_score=True).fit(X, y)
    results = search.cv_results_

    assert set(results) == set(grid.cv_results_) | {"trial_number"}
    assert isinstance(results["param_C"], np.ma.MaskedArray)
    assert results["param_C"].dtype == np.float64
    assert results["rank_test_score"].dtype == np.int32
    for key, value in results.items():
        assert len(value) == 4, key
    assert [p["C"] for p in results["params"]] == list(results["param_C"])
    np.testing.assert_array_equal(results["trial_number"], [0, 1, 2, 3])
    split_scores = np.stack([results[f"split{k}_test_score"] for k in range(3)], axis=1)
    np.testing.assert_allclose(results["mean_test_score"], split_scores.mean(axis=1))
    np.testing.assert_allclose(results["std_test_score"], split_scores.std(axis=1))
    assert results["rank_test_score"][search.best_index_] == 1
    assert search.best_score_ == results["mean_test_score"].max()
    assert search.n_splits_ == 3
    assert search.refit_time_ >= 0
    assert search.multimetric_ is False
    np.testing.assert_array_equal(search.classes_, [0, 1, 2])
    assert search.n_features_in_ == 4


def test_trials_store_fold_scores_and_study_maximizes_them(
    iris: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = iris
    search = c_search(n_trials=3, random_state=0).fit(X, y)

    assert search.study_.direction == parzen.study.StudyDirection.MAXIMIZE
    assert search.study_.metric_names == ["score"]
    for row, trial in enumerate(search.trials_):
        assert trial.state == TrialState.COMPLETE
        assert trial.value == pytest.approx(search.cv_results_["mean_test_score"][row])
        assert (
            trial.user_attrs["split2_test_score"] == search.cv_results_["split2_test_score"][row]
        )
        assert len(trial.user_attrs["fit_times"]) == 3
    assert search.best_trial_.value == search.best_score_


def test_conditional_space_gives_masked_param_columns(
    iris: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = iris

    def space(trial: Trial) -> dict[str, Any]:
        kernel = trial.suggest_categorical("kernel", ["linear", "rbf"])
        params: dict[str, Any] = {"kernel": kernel, "C": trial.suggest_float("C", 0.1, 10)}
        if kernel == "rbf":
            params["gamma"] = trial.suggest_float("gamma", 1e-3, 1.0, log=True)
        return params

    search = ParzenSearchCV(
        SVC(), space, n_trials=8, cv=3, sampler=RandomSampler(seed=1), random_state=0
    ).fit(X, y)
    results = search.cv_results_
    rbf = np.array([p["kernel"] == "rbf" for p in results["params"]])
    assert rbf.any() and not rbf.all()
    np.testing.assert_array_equal(results["param_gamma"].mask, ~rbf)
    assert results["param_kernel"].dtype == object
    assert not results["param_C"].mask.any()


# -- several metrics and refit ---------------------------------------------------------------


def test_multimetric_refit_by_name(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    search = c_search(
        n_trials=4, random_state=0, scoring=["accuracy", "f1_macro"], refit="f1_macro"
    ).fit(X, y)
    results = search.cv_results_

    assert search.multimetric_ is True
    assert set(search.scorer_) == {"accuracy", "f1_macro"}
    assert {"mean_test_accuracy", "rank_test_accuracy", "split0_test_f1_macro"} <= set(results)
    assert "mean_test_score" not in results
    assert search.best_index_ == int(np.argmin(results["rank_test_f1_macro"]))
    assert search.best_score_ == results["mean_test_f1_macro"][search.best_index_]
    # The study maximizes the refit metric, and score() uses its scorer.
    assert search.study_.metric_names == ["f1_macro"]
    values = [t.value for t in search.trials_]
    np.testing.assert_allclose(values, results["mean_test_f1_macro"])
    assert search.score(X, y) == pytest.approx(f1_score(y, search.predict(X), average="macro"))


def test_multimetric_with_a_dict_of_scorers_and_callable_refit(
    iris: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = iris

    def smallest_c_within_a_point(results: dict[str, Any]) -> int:
        means = results["mean_test_acc"]
        good = np.flatnonzero(means >= means.max() - 0.01)
        return int(good[np.argmin(np.asarray(results["param_C"])[good])])

    search = c_search(
        n_trials=5,
        random_state=0,
        scoring={
            "acc": "accuracy",
            "f1": lambda est, X, y: f1_score(y, est.predict(X), average="macro"),
        },
        refit=smallest_c_within_a_point,
    ).fit(X, y)

    assert search.best_index_ == smallest_c_within_a_point(search.cv_results_)
    assert not hasattr(search, "best_score_")  # as in scikit-learn, for a callable refit
    assert search.best_params_["C"] == search.best_estimator_.C
    assert search.study_.metric_names == ["acc"]  # no refit name: the first metric


def test_multimetric_without_refit_leaves_best_unset(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    search = c_search(n_trials=2, scoring=("accuracy", "f1_macro"), refit=False).fit(X, y)

    assert "mean_test_f1_macro" in search.cv_results_
    for name in ("best_index_", "best_score_", "best_params_", "best_estimator_"):
        assert not hasattr(search, name)
    assert not hasattr(search, "predict")
    with pytest.raises(AttributeError) as raised:
        search.predict(X)
    # Newer scikit-learn chains the availability check's message under its own.
    messages = [str(raised.value), str(raised.value.__cause__)]
    assert any("created with refit=False" in m for m in messages)


def test_single_metric_without_refit_still_names_the_best(
    iris: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = iris
    search = c_search(n_trials=3, random_state=0, refit=False, scoring="accuracy").fit(X, y)

    assert search.best_score_ == search.cv_results_["mean_test_score"].max()
    assert "C" in search.best_params_
    assert not hasattr(search, "best_estimator_")


def test_fitting_again_drops_attributes_of_the_earlier_fit(
    iris: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = iris
    search = c_search(n_trials=2).fit(X, y)
    assert hasattr(search, "best_score_") and hasattr(search, "best_estimator_")
    search.set_params(scoring=["accuracy", "f1_macro"], refit=False).fit(X, y)
    assert not hasattr(search, "best_score_")
    assert not hasattr(search, "best_estimator_")


def test_refit_callable_must_return_a_valid_index(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    with pytest.raises(TypeError, match="must return an int index"):
        c_search(n_trials=2, refit=lambda results: "best").fit(X, y)
    with pytest.raises(IndexError, match="outside cv_results_"):
        c_search(n_trials=2, refit=lambda results: 7).fit(X, y)


def test_score_uses_the_scoring(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    search = c_search(n_trials=2, scoring="neg_log_loss").fit(X, y)
    assert search.score(X, y) < 0  # a log loss, not the estimator's accuracy
    plain = c_search(n_trials=2, scoring="accuracy").fit(X, y)
    assert plain.score(X, y) == accuracy_score(y, plain.predict(X))


# -- failures --------------------------------------------------------------------------------


def failing_search(error_score: Any, grid: list[bool]) -> ParzenSearchCV:
    return ParzenSearchCV(
        MaybeFails(),
        {"fail": CategoricalDistribution([False, True])},
        n_trials=len(grid),
        cv=3,
        error_score=error_score,
        sampler=GridSampler({"fail": grid}, seed=0),
    )


def test_error_score_raise_raises_the_fit_error(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    with pytest.raises(ValueError, match="failing on purpose"):
        failing_search("raise", [False, True]).fit(X, y)


def test_numeric_error_score_scores_failed_fits_and_warns(
    iris: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = iris
    with pytest.warns(FitFailedWarning, match=r"(?s)3 fits failed out of 6.*failing on purpose"):
        search = failing_search(-1.0, [False, True]).fit(X, y)
    results = search.cv_results_
    failed = np.array([p["fail"] for p in results["params"]])
    np.testing.assert_array_equal(results["mean_test_score"][failed], [-1.0])
    assert results["mean_test_score"][~failed][0] > 0
    assert search.best_params_ == {"fail": False}


def test_nan_error_score_ranks_failed_candidates_last(
    iris: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = iris
    with pytest.warns(FitFailedWarning):
        search = failing_search(np.nan, [False, True]).fit(X, y)
    results = search.cv_results_
    failed = np.array([p["fail"] for p in results["params"]])
    assert np.isnan(results["mean_test_score"][failed]).all()
    assert results["rank_test_score"][failed][0] == 2
    failed_trial = next(t for t in search.trials_ if t.params["fail"])
    assert failed_trial.state == TrialState.FAIL  # NaN is no objective value
    assert failed_trial.user_attrs["split0_test_score"] is None  # JSON has no NaN


def test_all_fits_failing_is_an_error(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    with pytest.raises(ValueError, match=r"All the 3 fits failed(.|\n)*failing on purpose"):
        failing_search(np.nan, [True]).fit(X, y)


def test_catch_lets_the_search_continue_past_raising_trials(
    iris: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = iris
    search = failing_search("raise", [False, True])
    search.set_params(catch=(ValueError,))
    search.fit(X, y)
    states = {t.params["fail"]: t.state for t in search.trials_}
    assert states == {False: TrialState.COMPLETE, True: TrialState.FAIL}
    assert [p["fail"] for p in search.cv_results_["params"]] == [False]


# -- pruning ---------------------------------------------------------------------------------


def test_pruning_stops_bad_partial_fit_candidates(cancer: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = cancer
    alphas = [1e-4, 1e-3, 30.0, 100.0]  # heavy regularization predicts one class: ~0.6
    search = ParzenSearchCV(
        SGDClassifier(random_state=0),
        {"alpha": FloatDistribution(1e-5, 100.0, log=True)},
        n_trials=len(alphas),
        cv=3,
        enable_pruning=True,
        max_iter=5,
        sampler=GridSampler({"alpha": alphas}, seed=0),
        pruner=ThresholdPruner(lower=0.8),
    ).fit(X, y)

    by_alpha = {t.params["alpha"]: t for t in search.trials_}
    for alpha in (30.0, 100.0):
        assert by_alpha[alpha].state == TrialState.PRUNED
        assert list(by_alpha[alpha].intermediate_values) == [0]
    for alpha in (1e-4, 1e-3):
        assert by_alpha[alpha].state == TrialState.COMPLETE
        # One report per partial_fit iteration: the mean score over the folds.
        assert list(by_alpha[alpha].intermediate_values) == [0, 1, 2, 3, 4]
        assert by_alpha[alpha].intermediate_values[4] == pytest.approx(by_alpha[alpha].value)
    assert sorted(p["alpha"] for p in search.cv_results_["params"]) == [1e-4, 1e-3]
    assert search.best_score_ > 0.9


def test_pruning_needs_partial_fit(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    with pytest.raises(ValueError, match="partial_fit, which LogisticRegression does not have"):
        c_search(enable_pruning=True).fit(X, y)


def test_every_trial_pruned_is_an_error(cancer: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = cancer
    search = ParzenSearchCV(
        SGDClassifier(random_state=0),
        {"alpha": FloatDistribution(1e-5, 1.0, log=True)},
        n_trials=2,
        cv=2,
        enable_pruning=True,
        max_iter=3,
        pruner=ThresholdPruner(lower=2.0),  # no accuracy reaches 2
    )
    with pytest.raises(ValueError, match="None of the 2 trial"):
        search.fit(X, y)


# -- randomness, studies, parallelism --------------------------------------------------------


def test_random_state_reproduces_the_candidates(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    # 12 trials: past TPE's 10 random start-up trials.
    first = c_search(n_trials=12, cv=2, random_state=42).fit(X, y)
    second = c_search(n_trials=12, cv=2, random_state=42).fit(X, y)
    other = c_search(n_trials=12, cv=2, random_state=7).fit(X, y)
    assert first.cv_results_["params"] == second.cv_results_["params"]
    assert first.cv_results_["params"] != other.cv_results_["params"]


def test_fitting_again_starts_a_new_study(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    search = c_search(n_trials=2)
    first_study = search.fit(X, y).study_
    assert search.fit(X, y).study_ is not first_study
    assert [t.number for t in search.trials_] == [0, 1]


def test_a_given_study_keeps_its_trials_across_fits(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    study = parzen.create_study(direction="maximize", sampler=RandomSampler(seed=0))
    search = c_search(n_trials=2, study=study)
    search.fit(X, y)
    search.fit(X, y)
    assert search.study_ is study
    assert len(study.trials) == 4
    np.testing.assert_array_equal(search.cv_results_["trial_number"], [2, 3])


_MEETING = threading.Barrier(2, timeout=60)
_MET: set[int] = set()


class MeetsAnotherThread(LogisticRegression):
    """Logistic regression whose first fit in each thread waits for a fit in another thread.

    If ParzenSearchCV ran its trials one after the other, the first fit would wait alone,
    time out and fail: only two trials training at the same time get past it.
    """

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> MeetsAnotherThread:
        thread = threading.get_ident()
        if thread not in _MET and len(_MET) < 2:
            _MET.add(thread)
            _MEETING.wait()
        return super().fit(X, y, sample_weight)


def test_n_jobs_runs_trials_in_threads(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    _MET.clear()
    _MEETING.reset()
    search = ParzenSearchCV(
        MeetsAnotherThread(max_iter=500),
        {"C": FloatDistribution(1e-3, 10.0, log=True)},
        cv=3,
        n_trials=6,
        n_jobs=2,
        random_state=0,
        refit=False,
    ).fit(X, y)
    assert len(_MET) == 2  # two threads met inside fit
    np.testing.assert_array_equal(search.cv_results_["trial_number"], np.arange(6))
    assert all(t.state == TrialState.COMPLETE for t in search.trials_)
    assert search.best_score_ == search.cv_results_["mean_test_score"].max()


def test_callbacks_see_every_trial(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    seen: list[int] = []
    c_search(n_trials=3, callbacks=[lambda study, trial: seen.append(trial.number)]).fit(X, y)
    assert seen == [0, 1, 2]


def test_timeout_alone_is_a_budget(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    search = c_search(n_trials=None, timeout=0.3).fit(X, y)
    assert search.n_trials_ >= 1


# -- data handling ---------------------------------------------------------------------------


def test_subsample_cross_validates_on_part_and_refits_on_all() -> None:
    X, y = make_classification(n_samples=100, n_features=4, random_state=0)

    def test_size(estimator: Any, X: Any, y: Any) -> float:
        return float(len(X))

    search = ParzenSearchCV(
        MaybeFails(),
        {"fail": CategoricalDistribution([False])},
        n_trials=2,
        cv=KFold(2),
        scoring=test_size,
        subsample=0.5,
        random_state=0,
    ).fit(X, y)
    np.testing.assert_array_equal(search.cv_results_["mean_test_score"], [25.0, 25.0])
    assert search.best_estimator_.n_fit_samples_ == 100

    with pytest.raises(ValueError, match=r"subsample=0\.5 cannot be used with cv given as a list"):
        search.set_params(cv=list(KFold(2).split(X))).fit(X, y)


def test_fit_params_are_split_with_the_data(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    search = ParzenSearchCV(
        MaybeFails(), {"fail": CategoricalDistribution([False])}, n_trials=1, cv=3
    )
    search.fit(X, y, sample_weight=np.ones(len(y)))  # MaybeFails asserts the lengths agree
    assert search.best_estimator_.n_fit_samples_ == len(y)


def test_groups_reach_the_splitter() -> None:
    from sklearn.model_selection import GroupKFold

    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    groups = np.repeat(np.arange(6), 10)
    search = c_search(n_trials=1, cv=GroupKFold(3)).fit(X, y, groups=groups)
    assert search.n_splits_ == 3


def test_precomputed_kernels_split_rows_and_columns(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    kernel = X @ X.T
    grid = GridSearchCV(SVC(kernel="precomputed"), {"C": [0.5]}, cv=3).fit(kernel, y)
    search = ParzenSearchCV(
        SVC(kernel="precomputed"), {"C": FloatDistribution(0.5, 0.5)}, n_trials=1, cv=3
    ).fit(kernel, y)
    assert search.best_score_ == pytest.approx(grid.best_score_)
    np.testing.assert_array_equal(search.predict(kernel[:5]), grid.predict(kernel[:5]))


def test_dataframe_input_keeps_feature_names(iris: tuple[np.ndarray, np.ndarray]) -> None:
    pd = pytest.importorskip("pandas")
    X, y = iris
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    search = c_search(n_trials=1).fit(frame, y)
    assert list(search.feature_names_in_) == ["a", "b", "c", "d"]


# -- the estimator contract ------------------------------------------------------------------


def test_methods_exist_only_when_the_estimator_has_them(
    iris: tuple[np.ndarray, np.ndarray],
) -> None:
    X, _y = iris
    svc = ParzenSearchCV(SVC(), {"C": FloatDistribution(0.1, 10)}, n_trials=1, cv=3)
    assert hasattr(svc, "decision_function")
    assert not hasattr(svc, "predict_proba")  # SVC(probability=False)
    assert not hasattr(svc, "transform")
    with pytest.raises(NotFittedError):
        svc.predict(X)

    pca = ParzenSearchCV(PCA(), {"n_components": IntDistribution(1, 3)}, n_trials=2, cv=3)
    pca.fit(X)  # unsupervised: no y
    assert pca.transform(X).shape[1] == pca.best_params_["n_components"]
    np.testing.assert_allclose(
        pca.inverse_transform(pca.transform(X)),
        pca.best_estimator_.inverse_transform(pca.transform(X)),
    )
    assert not hasattr(pca, "predict")
    assert not hasattr(pca, "classes_")


def test_works_inside_a_pipeline_and_over_one(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    inside = Pipeline([("scale", StandardScaler()), ("search", c_search(n_trials=2))]).fit(X, y)
    assert inside.score(X, y) > 0.8

    over = ParzenSearchCV(
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)),
        {"logisticregression__C": FloatDistribution(1e-2, 10, log=True)},
        n_trials=2,
        cv=3,
    ).fit(X, y)
    assert over.best_params_["logisticregression__C"] == over.best_estimator_[-1].C


def test_clone_and_params_round_trip(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    search = c_search(n_trials=2, random_state=0).fit(X, y)
    copy = clone(search)
    assert not hasattr(copy, "cv_results_")
    assert copy.get_params()["n_trials"] == 2
    copy.set_params(estimator__C=3.0, n_trials=1)
    assert copy.estimator.C == 3.0 and copy.n_trials == 1
    assert "estimator__max_iter" in search.get_params(deep=True)


def test_nested_cross_validation(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    scores = cross_val_score(c_search(n_trials=2, cv=2), X, y, cv=3)
    assert scores.shape == (3,) and (scores > 0.7).all()


def test_regressor_search(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, _y = iris
    search = ParzenSearchCV(
        Ridge(),
        {"alpha": FloatDistribution(1e-3, 10, log=True)},
        n_trials=3,
        cv=KFold(3, shuffle=True, random_state=0),
    ).fit(X[:, :3], X[:, 3])
    assert search.best_score_ > 0.8  # R^2
    assert not hasattr(search, "classes_")


def test_verbosity_is_restored_after_fit(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    before = parzen.logging.get_verbosity()
    c_search(n_trials=1, verbose=1).fit(X, y)
    assert parzen.logging.get_verbosity() == before


# -- parameter validation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"scoring": "accuracyy"}, ValueError, r"Invalid scoring='accuracyy'"),
        (
            {"scoring": ["accuracy", "f1_macro"], "refit": "roc_auc"},
            ValueError,
            r"refit='roc_auc' is not one of the scoring metrics \['accuracy', 'f1_macro'\]",
        ),
        ({"scoring": ["accuracy", "f1_macro"]}, ValueError, "refit must name the metric"),
        ({"scoring": ["accuracy", "accuracy"]}, ValueError, "distinct scorer names"),
        ({"scoring": 3}, TypeError, "scoring must be None, a scorer name"),
        (
            {"n_trials": -1},
            ValueError,
            r"'n_trials' parameter of ParzenSearchCV must be an int >= 1 or None, got -1",
        ),
        ({"n_trials": None}, ValueError, "needs a budget"),
        ({"timeout": 0}, ValueError, "'timeout' parameter"),
        (
            {"error_score": "ignore"},
            ValueError,
            "'error_score' parameter .* must be 'raise' or a number",
        ),
        ({"refit": 1.5}, TypeError, "'refit' parameter"),
        ({"n_jobs": 0}, ValueError, "'n_jobs' parameter"),
        ({"max_iter": 0}, ValueError, "'max_iter' parameter"),
        ({"subsample": 1.5}, ValueError, "'subsample' parameter"),
        ({"subsample": 0}, ValueError, "'subsample' parameter"),
        ({"verbose": -1}, ValueError, "'verbose' parameter"),
        ({"catch": "ValueError"}, TypeError, "'catch' parameter"),
        ({"callbacks": [1]}, TypeError, "'callbacks' parameter"),
        ({"sampler": "tpe"}, TypeError, "'sampler' parameter"),
        ({"pruner": "median"}, TypeError, "'pruner' parameter"),
    ],
)
def test_bad_parameters_are_named_in_the_error(
    iris: tuple[np.ndarray, np.ndarray], params: dict[str, Any], error: type, match: str
) -> None:
    X, y = iris
    search = c_search(**params)
    with pytest.raises(error, match=match):
        search.fit(X, y)


@pytest.mark.parametrize(
    ("space", "error", "match"),
    [
        ([("C", 1.0)], TypeError, "must be a dict of parameter name -> parzen distribution"),
        (
            {"C": [0.1, 1.0]},
            ValueError,
            r"param_distributions\['C'\] must be a parzen distribution"
            r".*CategoricalDistribution\(\[0.1, 1.0\]\)",
        ),
        ({"C": 1.0}, ValueError, r"param_distributions\['C'\] must be a parzen distribution"),
        (
            {"D": FloatDistribution(0, 1)},
            ValueError,
            "'D', which is not a parameter of LogisticRegression",
        ),
    ],
)
def test_bad_param_distributions(
    iris: tuple[np.ndarray, np.ndarray], space: Any, error: type, match: str
) -> None:
    X, y = iris
    with pytest.raises(error, match=match):
        ParzenSearchCV(LogisticRegression(), space, n_trials=1).fit(X, y)


def test_callable_space_must_return_a_dict(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    search = ParzenSearchCV(LogisticRegression(), lambda trial: None, n_trials=1)
    with pytest.raises(TypeError, match="must return a dict of estimator parameters"):
        search.fit(X, y)


def test_given_study_must_maximize_and_own_its_sampler(
    iris: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = iris
    with pytest.raises(ValueError, match="direction='maximize'"):
        c_search(study=parzen.create_study()).fit(X, y)
    study = parzen.create_study(direction="maximize")
    with pytest.raises(ValueError, match="a study has its own"):
        c_search(study=study, sampler=RandomSampler()).fit(X, y)


def test_supervised_estimator_without_y(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, _ = iris
    with pytest.raises(ValueError, match="requires y to be passed"):
        c_search(n_trials=1).fit(X)


def test_init_only_stores_parameters() -> None:
    search = ParzenSearchCV(LogisticRegression(), "not a space", n_trials=-5, scoring="nope")
    assert search.n_trials == -5 and search.param_distributions == "not a space"


def test_missing_scikit_learn_names_the_extra() -> None:
    code = (
        "import sys\n"
        "sys.modules['sklearn'] = None\n"
        "try:\n"
        "    import parzen.integrations.sklearn\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert 'pip install "parzen[sklearn]"' in out


def test_a_clean_search_warns_about_nothing(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        c_search(n_trials=2).fit(X, y)
    # Other libraries may warn (deprecations); the search itself must not.
    ours = [
        w for w in caught if w.category is FitFailedWarning or "Scoring failed" in str(w.message)
    ]
    assert ours == []


# -- OptunaSearchCV's API: these tests also run against optuna-integration's ---------------


@pytest.fixture(params=["parzen", "optuna"])
def lib(request: pytest.FixtureRequest) -> Any:
    """``(OptunaSearchCV, distributions module, TrialState)`` of parzen or Optuna."""
    if request.param == "parzen":
        import parzen as optuna
    else:
        optuna = pytest.importorskip("optuna")
        pytest.importorskip("optuna_integration")
        optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.integration.OptunaSearchCV, optuna.distributions, optuna.trial.TrialState


def test_optuna_search_cv_is_parzen_search_cv() -> None:
    import parzen as optuna
    from parzen.integrations import OptunaSearchCV

    assert optuna.integration.OptunaSearchCV is OptunaSearchCV is ParzenSearchCV


def test_study_user_attrs_and_trials_dataframe(
    lib: Any, iris: tuple[np.ndarray, np.ndarray]
) -> None:
    search_class, distributions, _ = lib
    search = search_class(
        LogisticRegression(max_iter=500),
        {"C": distributions.FloatDistribution(1e-3, 10.0, log=True)},
        n_trials=3,
        cv=3,
    )
    with pytest.raises(NotFittedError):
        search.set_user_attr("dataset", "iris")
    with pytest.raises(NotFittedError):
        search.trials_dataframe()
    search.fit(*iris)
    search.set_user_attr("dataset", "iris")
    assert search.user_attrs_ == {"dataset": "iris"} == search.study_.user_attrs
    frame = search.trials_dataframe()
    assert len(frame) == 3
    assert list(frame["number"]) == [0, 1, 2]
    assert list(frame["params_C"]) == [t.params["C"] for t in search.trials_]
    assert list(frame["value"]) == [t.value for t in search.trials_]
    assert "user_attrs_mean_test_score" in frame.columns


def test_sample_indices(lib: Any, iris: tuple[np.ndarray, np.ndarray]) -> None:
    search_class, distributions, _ = lib
    X, y = iris
    space = {"C": distributions.FloatDistribution(1e-3, 10.0, log=True)}
    model = LogisticRegression(max_iter=500)
    half = search_class(model, space, n_trials=2, cv=3, subsample=0.5, random_state=0).fit(X, y)
    indices = half.sample_indices_
    assert indices.shape == (75,)
    assert len(np.unique(indices)) == 75 and indices.min() >= 0 and indices.max() < 150
    every = search_class(model, space, n_trials=2, cv=3).fit(X, y)
    np.testing.assert_array_equal(np.sort(every.sample_indices_), np.arange(150))


def test_estimator_type_is_the_estimators(lib: Any) -> None:
    search_class, distributions, _ = lib
    space = {"alpha": distributions.FloatDistribution(0.1, 1.0)}
    assert search_class(SGDClassifier(), space)._estimator_type == "classifier"
    assert search_class(Ridge(), space)._estimator_type == "regressor"


def test_bad_estimator_and_space_entries_raise_value_error(
    lib: Any, iris: tuple[np.ndarray, np.ndarray]
) -> None:
    search_class, distributions, _ = lib
    with pytest.raises(ValueError, match="estimator"):
        search_class("not an estimator", {"C": distributions.FloatDistribution(0.1, 1.0)}).fit(
            *iris
        )
    for entry in (1.0, [0.1, 1.0]):
        with pytest.raises(ValueError, match="C"):
            search_class(LogisticRegression(), {"C": entry}).fit(*iris)


def test_every_fit_failing_with_a_numeric_error_score_goes_on(
    lib: Any, iris: tuple[np.ndarray, np.ndarray]
) -> None:
    search_class, distributions, TrialState = lib
    space = {"fail": distributions.CategoricalDistribution([True])}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FitFailedWarning, in parzen
        search = search_class(MaybeFails(), space, n_trials=3, cv=3, error_score=-1.0, refit=False)
        search.fit(*iris)
    assert [t.state for t in search.trials_] == [TrialState.COMPLETE] * 3
    assert [t.value for t in search.trials_] == [-1.0] * 3
    assert search.best_score_ == -1.0
    # Refitting the best candidate fails as its fits did.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refitting = search_class(MaybeFails(), space, n_trials=2, cv=3, error_score=0.0)
        with pytest.raises(ValueError, match="failing on purpose"):
            refitting.fit(*iris)
    # With NaN every trial fails; the search too, when it has to refit the best one.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        failing = search_class(MaybeFails(), space, n_trials=2, cv=3, refit=False).fit(*iris)
        assert [t.state for t in failing.trials_] == [TrialState.FAIL] * 2
        # parzen's fit says so; Optuna's fit returns, and its best_params_ raises.
        with pytest.raises(ValueError):
            _ = search_class(MaybeFails(), space, n_trials=2, cv=3).fit(*iris).best_params_


def test_n_iter_counts_partial_fit_iterations(iris: tuple[np.ndarray, np.ndarray]) -> None:
    # OptunaSearchCV has no n_iter_; scikit-learn's checks expect one from any estimator
    # with a max_iter parameter.
    space = {"alpha": FloatDistribution(1e-4, 1e-1, log=True)}
    pruned = ParzenSearchCV(
        SGDClassifier(random_state=0), space, n_trials=2, cv=2, enable_pruning=True, max_iter=3
    ).fit(*iris)
    assert pruned.n_iter_ == 3
    assert ParzenSearchCV(SGDClassifier(), space, n_trials=2, cv=2).fit(*iris).n_iter_ == 1
