"""parzen.integrations.skrub: a skrub DataOps plan's choices searched by a parzen study."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

if os.environ.get("CI"):
    import skrub
else:
    skrub = pytest.importorskip("skrub")

from sklearn.datasets import make_classification, make_friedman1
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import NotFittedError
from sklearn.feature_selection import SelectKBest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.svm import SVR
from threadpoolctl import threadpool_limits

import parzen
from parzen.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from parzen.integrations.skrub import (
    ParzenParamSearch,
    grid_search_space,
    make_grid_search,
    make_randomized_search,
)
from parzen.samplers import GridSampler, RandomSampler, TPESampler
from parzen.trial import TrialState


@pytest.fixture(autouse=True)
def _quiet_and_one_blas_thread() -> Iterator[None]:
    verbosity = parzen.logging.get_verbosity()
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    # BLAS threads fighting over a few shared cores make tiny fits much slower.
    with threadpool_limits(limits=1):
        yield
    parzen.logging.set_verbosity(verbosity)


@pytest.fixture(scope="module")
def classification() -> dict[str, np.ndarray]:
    X, y = make_classification(
        n_samples=120, n_features=8, n_informative=4, class_sep=0.8, random_state=0
    )
    return {"X": X, "y": y}


def _flat_plan() -> Any:
    """A grid without branches: scaler objects x C x fit_intercept (12 points)."""
    scaler = skrub.choose_from([StandardScaler(), MinMaxScaler()], name="scaler")
    C = skrub.choose_from([0.01, 0.1, 1.0], name="C")
    intercept = skrub.choose_bool(name="intercept")
    logistic = LogisticRegression(C=C, fit_intercept=intercept)
    return skrub.X().skb.apply(scaler).skb.apply(logistic, y=skrub.y())


def _branching_plan() -> Any:
    """A grid with branches: logistic (C: 3) | forest (n_estimators: 2) | dummy: 6 points."""
    logistic = LogisticRegression(C=skrub.choose_from([0.001, 0.1, 10.0], name="C"))
    forest = RandomForestClassifier(
        n_estimators=skrub.choose_int(2, 8, n_steps=2, name="trees"), random_state=0
    )
    classifier = skrub.choose_from(
        {"logistic": logistic, "forest": forest, "dummy": DummyClassifier()}, name="classifier"
    )
    return skrub.X().skb.apply(StandardScaler()).skb.apply(classifier, y=skrub.y())


# -- the same answer as skrub's own grid search --------------------------------------------


@pytest.mark.parametrize(("plan", "n_points"), [(_flat_plan, 12), (_branching_plan, 6)])
def test_grid_sampler_finds_skrub_grid_searchs_best(
    plan: Any, n_points: int, classification: dict[str, np.ndarray]
) -> None:
    pred = plan()
    # A log loss has no ties between the grid's points, unlike accuracy on 120 samples.
    reference = pred.skb.make_grid_search(cv=3, scoring="neg_log_loss").fit(classification)
    grid = grid_search_space(pred)
    # Every grid point once: the product of the grid's axes for the flat plan; for the
    # branching plan, GridSampler's product repeats configurations, which are scored once.
    n_iter = int(np.prod([len(v) for v in grid.values()]))
    search = ParzenParamSearch(
        pred, n_iter=n_iter, cv=3, scoring="neg_log_loss", sampler=GridSampler(grid)
    ).fit(classification)

    assert len(search.results_) == len(reference.results_) == n_points
    assert search.best_learner_.describe_params() == reference.best_learner_.describe_params()
    assert search.best_score_ == pytest.approx(reference.best_score_)
    np.testing.assert_allclose(
        np.sort(search.results_["mean_test_score"]),
        np.sort(reference.results_["mean_test_score"]),
    )
    # The best learner is refit: same predictions as skrub's.
    np.testing.assert_array_equal(
        search.predict(classification), reference.predict(classification)
    )

    if plan is _branching_plan:
        by_function = make_grid_search(pred, cv=3, scoring="neg_log_loss").fit(classification)
        assert by_function.best_params_ == search.best_params_
        assert isinstance(by_function.study_.sampler, GridSampler)


def test_grid_search_space_names_and_values() -> None:
    assert grid_search_space(_flat_plan()) == {
        "0:scaler": [0, 1],
        "1:C": [0, 1, 2],
        "2:intercept": [0, 1],
    }
    space = grid_search_space(_branching_plan())
    assert space["2:classifier"] == [0, 1, 2]
    assert space["1:trees"] == [2, 8]


def test_grid_search_needs_a_finite_grid() -> None:
    pred = skrub.X().skb.apply(
        LogisticRegression(C=skrub.choose_float(0.01, 1.0, name="C")), y=skrub.y()
    )
    with pytest.raises(ValueError, match=r"'0:C' is a continuous range.*n_steps"):
        make_grid_search(pred)


# -- a better search than random -----------------------------------------------------------


def _tabular_problem(seed: int) -> tuple[Any, dict[str, np.ndarray]]:
    """Friedman's regression problem with an RBF SVR: C and gamma have a narrow optimum."""
    X_a, y_a = make_friedman1(n_samples=120, noise=0.5, random_state=seed)
    svr = SVR(
        C=skrub.choose_float(1e-2, 1e4, log=True, name="C"),
        gamma=skrub.choose_float(1e-4, 1e2, log=True, name="gamma"),
        epsilon=skrub.choose_float(1e-3, 10.0, log=True, name="epsilon"),
    )
    pred = skrub.X().skb.apply(svr, y=skrub.y())  # the features are uniform on [0, 1]
    return pred, {"X": X_a, "y": y_a}


@pytest.mark.slow
def test_tpe_beats_random_search_on_a_tabular_problem() -> None:
    tpe: list[float] = []
    random: list[float] = []
    for seed in range(5):
        pred, data = _tabular_problem(seed)
        for sampler, scores in (
            (TPESampler(seed=seed, n_startup_trials=5), tpe),
            (RandomSampler(seed=seed), random),
        ):
            search = ParzenParamSearch(pred, n_iter=16, cv=2, sampler=sampler, refit=False)
            scores.append(search.fit(data).best_score_)
    # The best cross-validated R^2 after 16 trials, over 5 datasets: the median is higher.
    assert statistics.median(tpe) > statistics.median(random), (tpe, random)


# -- every kind of choice --------------------------------------------------------------------


def _every_choice_plan() -> Any:
    log_C = skrub.choose_float(1e-3, 1e2, log=True, name="C")
    k = skrub.choose_int(1, 8, log=True, name="k")
    scaler = skrub.choose_from({"standard": StandardScaler(), "minmax": MinMaxScaler()}, name="s")
    scale = skrub.optional(scaler, name="scale")
    balanced = skrub.choose_bool(name="balanced")
    logistic = LogisticRegression(C=log_C, class_weight=balanced.if_else("balanced", None))
    y = skrub.y()
    selected = skrub.X().skb.apply(scale).skb.apply(SelectKBest(k=k), y=y)
    return selected.skb.apply(logistic, y=y).skb.set_name("logistic")


def test_every_choice_kind_maps_to_its_distribution(classification: dict[str, Any]) -> None:
    search = ParzenParamSearch(
        _every_choice_plan(), n_iter=16, cv=2, sampler=RandomSampler(seed=1)
    ).fit(classification)
    distributions: dict[str, Any] = {}
    for trial in search.study_.trials:
        distributions.update(trial.distributions)
    assert distributions == {
        "0:s": CategoricalDistribution([0, 1]),
        "1:scale": CategoricalDistribution([0, 1]),
        "2:k": IntDistribution(1, 8, log=True),
        "3:C": FloatDistribution(1e-3, 1e2, log=True),
        "4:balanced": CategoricalDistribution([0, 1]),
    }
    table = search.results_
    # The outcomes, objects included, reached the learner: skrub describes what it used.
    assert set(table["s"].dropna()) == {"standard", "minmax"}
    assert set(table["balanced"]) == {True, False}
    # optional(...) left out ("scale" is None): the scaler choice is not used, nor suggested.
    unscaled = [t for t in search.study_.trials if t.params["1:scale"] == 1]
    assert unscaled and all("0:s" not in t.params for t in unscaled)
    assert table.loc[table["scale"].isna(), "s"].isna().all()

    # The best learner holds the best trial's values.
    fitted_logistic = search.best_learner_.find_fitted_estimator("logistic")
    assert pytest.approx(search.best_params_["3:C"]) == fitted_logistic.C
    assert fitted_logistic.class_weight == (
        "balanced" if search.best_params_["4:balanced"] == 0 else None
    )
    assert search.best_score_ == pytest.approx(table["mean_test_score"].max())


def test_same_parameter_names_as_skrubs_optuna_backend(classification: dict[str, Any]) -> None:
    optuna = pytest.importorskip("optuna")
    if not hasattr(skrub, "OptunaParamSearch"):
        pytest.skip("this skrub has no Optuna backend")
    pred = _flat_plan()
    theirs = pred.skb.make_randomized_search(
        backend="optuna", n_iter=2, cv=2, sampler=optuna.samplers.RandomSampler(seed=0)
    ).fit(classification)
    ours = make_randomized_search(pred, n_iter=2, cv=2, sampler=RandomSampler(seed=0))
    ours.fit(classification)
    assert set(ours.best_params_) == set(theirs.best_params_)
    assert list(ours.results_.columns) == list(theirs.results_.columns)


# -- parallel trials, storages ---------------------------------------------------------------


def test_trials_run_in_parallel_with_n_jobs_2(classification: dict[str, Any]) -> None:
    barrier = threading.Barrier(2, timeout=60)
    waited: set[int] = set()
    lock = threading.Lock()

    def scorer(learner: Any, X: Any, y: Any) -> float:
        # The first fold of each worker thread waits for the other: with one thread at a
        # time, the barrier times out and the search raises.
        with lock:
            first = threading.get_ident() not in waited
            waited.add(threading.get_ident())
        if first:
            barrier.wait()
        return float(accuracy_score(y, learner.predict(X)))

    search = make_randomized_search(
        _flat_plan(),
        n_iter=6,
        n_jobs=2,
        cv=2,
        scoring=scorer,
        error_score="raise",
        sampler=RandomSampler(seed=0),
    ).fit(classification)
    assert len(waited) == 2
    assert [t.state for t in search.study_.trials] == [TrialState.COMPLETE] * 6
    assert search.best_learner_ is not None


def test_sqlite_storage_holds_object_choices_and_continues(
    tmp_path: Path, classification: dict[str, Any]
) -> None:
    url = f"sqlite:///{tmp_path / 'skrub.db'}"
    pred = _every_choice_plan()
    first = make_randomized_search(
        pred, n_iter=5, cv=2, storage=url, study_name="plan", sampler=RandomSampler(seed=0)
    ).fit(classification)

    stored = parzen.load_study(study_name="plan", storage=url)
    assert len(stored.trials) == 5
    for trial in stored.trials:  # the scaler objects are stored as their indices
        assert all(isinstance(v, (int, float)) for v in trial.params.values())
    assert stored.best_params == first.best_params_

    # A second search of the same name continues the study: its tables hold both runs.
    second = make_randomized_search(
        pred, n_iter=3, cv=2, storage=url, study_name="plan", sampler=RandomSampler(seed=1)
    ).fit(classification)
    assert len(second.study_.trials) == 8
    assert len(second.results_) == len(second.cv_results_["params"])
    assert len(second.results_) >= len(first.results_)
    assert second.best_score_ >= first.best_score_
    assert second.best_learner_.predict(classification).shape == classification["y"].shape


# -- errors ----------------------------------------------------------------------------------


def test_a_plan_without_choices_is_a_clear_error(classification: dict[str, Any]) -> None:
    pred = skrub.X().skb.apply(LogisticRegression(), y=skrub.y())
    with pytest.raises(ValueError, match=r"no choices to search over.*skrub\.choose_float"):
        ParzenParamSearch(pred, n_iter=2).fit(classification)


def test_what_is_not_a_plan_is_a_type_error(classification: dict[str, Any]) -> None:
    with pytest.raises(TypeError, match=r"expected a skrub\.DataOp.*ParzenSearchCV"):
        ParzenParamSearch(LogisticRegression()).fit(classification)


def test_several_metrics_need_refit_to_name_one(classification: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="refit must name"):
        ParzenParamSearch(_flat_plan(), scoring=["accuracy", "f1"]).fit(classification)
    search = ParzenParamSearch(
        _flat_plan(),
        n_iter=3,
        cv=2,
        scoring=["accuracy", "f1"],
        refit="f1",
        sampler=RandomSampler(seed=0),
    ).fit(classification)
    assert {"mean_test_accuracy", "mean_test_f1"} <= set(search.results_.columns)
    assert search.best_score_ == pytest.approx(search.results_["mean_test_f1"].max())


def test_unfitted_and_unrefit_searches(classification: dict[str, Any]) -> None:
    search = ParzenParamSearch(_flat_plan(), n_iter=2, cv=2, refit=False)
    with pytest.raises(NotFittedError):
        search.predict(classification)
    search.fit(classification)
    with pytest.raises(AttributeError, match="refit=True"):
        search.predict(classification)
    assert len(search.results_) >= 1


def test_missing_skrub_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['skrub'] = None\n"
        "import parzen.integrations\n"
        "for load in (lambda: parzen.integrations.ParzenParamSearch,\n"
        "             lambda: __import__('parzen.integrations.skrub')):\n"
        "    try:\n"
        "        load()\n"
        "    except ImportError as e:\n"
        "        print(e)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2, (result.stdout, result.stderr)
    assert all('pip install "parzen[skrub]"' in line for line in lines)


# -- tables and plot -------------------------------------------------------------------------


def test_results_tables_and_plot(classification: dict[str, Any]) -> None:
    pytest.importorskip("plotly")
    search = make_randomized_search(
        _branching_plan(), n_iter=8, cv=2, return_train_score=True, random_state=0
    ).fit(classification)
    table = search.detailed_results_
    assert {"classifier", "mean_test_score", "std_test_score", "mean_train_score"} <= set(
        table.columns
    )
    assert list(table["mean_test_score"]) == sorted(table["mean_test_score"], reverse=True)
    assert search.cv_results_["mean_test_score"].shape == (len(table),)
    figure = search.plot_results(show_times=["fit"])
    labels = [d.label for d in figure.data[0].dimensions]
    assert labels[-2:] == ["score", "mean_fit_time"] and "classifier" in labels
