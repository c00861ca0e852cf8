"""LightGBMTuner / LightGBMTunerCV / train on real LightGBM, side by side with Optuna's.

Tests taking the ``lib`` fixture run unchanged against parzen and, when installed,
optuna-integration: they prove that parzen's tuner behaves as Optuna's does.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import parzen

if os.environ.get("CI"):
    import lightgbm as lgb
else:
    lgb = pytest.importorskip("lightgbm")

from sklearn.datasets import load_breast_cancer, load_diabetes

import parzen.integrations.lightgbm as plgb

N_ROUNDS = 5
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "metric": "binary_logloss",
    "verbosity": -1,
    "num_threads": 1,
    "deterministic": True,
    "seed": 0,
}
# Optuna's steps and budgets, in order.
STEPS = [
    ("feature_fraction", 7),
    ("num_leaves", 20),
    ("bagging", 10),
    ("feature_fraction_stage2", 6),
    ("regularization_factors", 20),
    ("min_child_samples", 5),
]
STEP_KEY = "lightgbm_tuner:step_name"
PARAMS_KEY = "lightgbm_tuner:lgbm_params"
TUNED = {
    "feature_fraction",
    "num_leaves",
    "bagging_fraction",
    "bagging_freq",
    "lambda_l1",
    "lambda_l2",
    "min_child_samples",
}


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    return load_breast_cancer(return_X_y=True)


def datasets(data: tuple[np.ndarray, np.ndarray]) -> tuple[Any, Any]:
    X, y = data
    return lgb.Dataset(X[:400], y[:400]), lgb.Dataset(X[400:], y[400:])


def parzen_lib() -> SimpleNamespace:
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    return SimpleNamespace(name="parzen", module=parzen, tuners=plgb)


def optuna_lib() -> SimpleNamespace:
    optuna = pytest.importorskip("optuna")
    tuners = pytest.importorskip("optuna_integration.lightgbm")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return SimpleNamespace(name="optuna", module=optuna, tuners=tuners)


@pytest.fixture(params=["parzen", "optuna"])
def lib(request: pytest.FixtureRequest) -> SimpleNamespace:
    return parzen_lib() if request.param == "parzen" else optuna_lib()


def tuner(lib: SimpleNamespace, data: Any, **kwargs: Any) -> Any:
    train_set, valid_set = datasets(data)
    kwargs.setdefault("show_progress_bar", False)
    kwargs.setdefault("optuna_seed", 0)
    params = kwargs.pop("params", PARAMS)
    return lib.tuners.LightGBMTuner(
        dict(params), train_set, num_boost_round=N_ROUNDS, valid_sets=[valid_set], **kwargs
    )


def step_runs(study: Any) -> list[tuple[str, int]]:
    """The steps in trial order, with the number of consecutive trials of each."""
    names = [t.system_attrs[STEP_KEY] for t in study.trials]
    return [(name, len(list(group))) for name, group in itertools.groupby(names)]


def stage2_size(best_feature_fraction: float) -> int:
    grid = np.linspace(best_feature_fraction - 0.08, best_feature_fraction + 0.08, 6)
    return int(np.sum((grid >= 0.4) & (grid <= 1.0)))


# == steps and budgets =========================================================================


def test_run_takes_the_steps_in_order_with_optunas_budgets(data: Any) -> None:
    t = tuner(parzen_lib(), data)
    t.run()
    runs = step_runs(t.study)
    assert [name for name, _ in runs] == [name for name, _ in STEPS]
    ff_trials = [tr for tr in t.study.trials if tr.system_attrs[STEP_KEY] == "feature_fraction"]
    best_ff = min(ff_trials, key=lambda tr: tr.value).params["feature_fraction"]
    expected = dict(STEPS, feature_fraction_stage2=stage2_size(best_ff))
    assert dict(runs) == expected
    # Each step searches its own parameters only.
    assert {tr.system_attrs[STEP_KEY]: set(tr.params) for tr in t.study.trials} == {
        "feature_fraction": {"feature_fraction"},
        "num_leaves": {"num_leaves"},
        "bagging": {"bagging_fraction", "bagging_freq"},
        "feature_fraction_stage2": {"feature_fraction"},
        "regularization_factors": {"lambda_l1", "lambda_l2"},
        "min_child_samples": {"min_child_samples"},
    }
    # The grid steps visit their whole grid, once each.
    assert sorted(tr.params["feature_fraction"] for tr in ff_trials) == pytest.approx(
        np.linspace(0.4, 1.0, 7)
    )
    mcs = [
        tr.params["min_child_samples"] for tr in t.study.trials if "min_child_samples" in tr.params
    ]
    assert sorted(mcs) == [5, 10, 25, 50, 100]


def test_each_step_starts_from_the_best_params_of_the_steps_before(data: Any) -> None:
    t = tuner(parzen_lib(), data)
    t.tune_feature_fraction()
    best_ff = t.best_params["feature_fraction"]
    t.tune_num_leaves(n_trials=3)
    for trial in t.study.trials[7:]:
        assert json.loads(trial.system_attrs[PARAMS_KEY])["feature_fraction"] == best_ff


def test_same_steps_budgets_and_param_keys_as_optuna(data: Any) -> None:
    ours, theirs = tuner(parzen_lib(), data), tuner(optuna_lib(), data)
    ours.run()
    theirs.run()
    # Deterministic LightGBM and the same 7-point grid give the same first step, hence the
    # same stage-2 grid: every step has the same budget in both.
    assert step_runs(ours.study) == step_runs(theirs.study)
    assert set(ours.best_params) == set(theirs.best_params)
    assert ours.study.direction.name == theirs.study.direction.name
    for a, b in zip(ours.study.trials, theirs.study.trials, strict=True):
        assert set(a.params) == set(b.params)
        assert set(json.loads(a.system_attrs[PARAMS_KEY])) == set(
            json.loads(b.system_attrs[PARAMS_KEY])
        )
    # The first step is a grid over the same values with deterministic training.
    assert min(t.value for t in ours.study.trials[:7]) == pytest.approx(
        min(t.value for t in theirs.study.trials[:7])
    )


# == best_params, best_score, get_best_booster ===============================================


def test_best_params_and_score_follow_the_study(lib: SimpleNamespace, data: Any) -> None:
    t = tuner(lib, data)
    assert t.best_score == float("inf")  # minimizing, nothing run yet
    assert set(t.best_params) >= TUNED
    assert t.best_params["num_leaves"] == 31 and t.best_params["feature_pre_filter"] is False
    t.tune_feature_fraction(n_trials=3)
    t.tune_num_leaves(n_trials=3)
    assert len(t.study.trials) == 6
    assert t.best_score == t.study.best_value
    best = t.study.best_trial
    assert t.best_params == json.loads(best.system_attrs[PARAMS_KEY])
    assert t.best_params.items() >= best.params.items()
    assert {k: t.best_params[k] for k in PARAMS} == PARAMS


def test_maximized_metric_makes_a_maximizing_study(lib: SimpleNamespace, data: Any) -> None:
    t = tuner(lib, data, params={**PARAMS, "metric": "auc"})
    assert t.best_score == float("-inf")
    t.tune_feature_fraction(n_trials=2)
    assert t.study.direction.name == "MAXIMIZE"
    assert t.best_score == max(tr.value for tr in t.study.trials)


def test_best_booster_predicts_as_a_booster_retrained_with_best_params(
    lib: SimpleNamespace, data: Any
) -> None:
    t = tuner(lib, data)
    t.tune_feature_fraction(n_trials=3)
    t.tune_regularization_factors(n_trials=3)
    booster = t.get_best_booster()
    train_set, _ = datasets(data)
    retrained = lgb.train(t.best_params, train_set, num_boost_round=N_ROUNDS)
    X = data[0]
    np.testing.assert_allclose(booster.predict(X), retrained.predict(X))
    assert booster.best_score["valid_0"]["binary_logloss"] == pytest.approx(t.best_score)


def test_model_dir_keeps_boosters_across_a_reload(
    lib: SimpleNamespace, data: Any, tmp_path: Any
) -> None:
    storage = f"sqlite:///{tmp_path / 'tuner.db'}"
    model_dir = str(tmp_path / "boosters")
    study = lib.module.create_study(storage=storage, study_name="s")
    first = tuner(lib, data, study=study, model_dir=model_dir)
    first.tune_feature_fraction(n_trials=3)
    expected = first.get_best_booster().predict(data[0])
    assert len(os.listdir(model_dir)) == 3

    reloaded = lib.module.load_study(storage=storage, study_name="s")
    second = tuner(lib, data, study=reloaded, model_dir=model_dir)
    assert second.best_score == first.best_score
    np.testing.assert_allclose(second.get_best_booster().predict(data[0]), expected)

    without_dir = tuner(lib, data, study=lib.module.load_study(storage=storage, study_name="s"))
    with pytest.raises(ValueError, match="model_dir"):
        without_dir.get_best_booster()


def test_boosters_are_stored_as_lightgbm_text_models(data: Any, tmp_path: Any) -> None:
    t = tuner(parzen_lib(), data, model_dir=str(tmp_path))
    t.tune_feature_fraction(n_trials=2)
    assert sorted(os.listdir(tmp_path)) == ["0.txt", "1.txt"]
    text = (tmp_path / "0.txt").read_text()
    assert text.startswith("tree\n")  # LightGBM's model text, not a pickle
    reloaded = lgb.Booster(model_file=str(tmp_path / "0.txt"))
    assert reloaded.num_trees() == N_ROUNDS


def test_a_missing_booster_file_is_a_clear_error(data: Any, tmp_path: Any) -> None:
    storage = f"sqlite:///{tmp_path / 'tuner.db'}"
    study = parzen.create_study(storage=storage, study_name="s")
    tuner(parzen_lib(), data, study=study).tune_feature_fraction(n_trials=1)
    empty_dir = str(tmp_path / "empty")
    t = tuner(
        parzen_lib(),
        data,
        study=parzen.load_study(storage=storage, study_name="s"),
        model_dir=empty_dir,
    )
    assert os.path.isdir(empty_dir)  # created, as Optuna does
    with pytest.raises(ValueError, match=r"cannot be found in .*0\.txt does not exist"):
        t.get_best_booster()


def test_get_best_booster_before_any_trial(lib: SimpleNamespace, data: Any) -> None:
    with pytest.raises(ValueError, match="no trials completed"):
        tuner(lib, data).get_best_booster()


# == resume, time budget, callbacks ===========================================================


def test_a_stored_study_resumes_each_step_where_it_stopped(
    lib: SimpleNamespace, data: Any, tmp_path: Any
) -> None:
    storage = f"sqlite:///{tmp_path / 'tuner.db'}"
    study = lib.module.create_study(storage=storage, study_name="s")
    tuner(lib, data, study=study).tune_feature_fraction(n_trials=3)
    resumed = tuner(lib, data, study=lib.module.load_study(storage=storage, study_name="s"))
    resumed.tune_feature_fraction()
    resumed.tune_num_leaves(n_trials=4)
    assert step_runs(resumed.study) == [("feature_fraction", 7), ("num_leaves", 4)]
    if lib.name == "parzen":
        # parzen's resumed grid step finishes its grid, each value once across both runs
        # (Optuna's may repeat a value the first run evaluated).
        values = [t.params["feature_fraction"] for t in resumed.study.trials[:7]]
        assert sorted(values) == pytest.approx(np.linspace(0.4, 1.0, 7))
    resumed.tune_num_leaves(n_trials=4)  # budget already spent
    assert len(resumed.study.trials) == 11


def test_time_budget_stops_the_run_early(lib: SimpleNamespace, data: Any) -> None:
    def slow(env: Any) -> None:
        if env.iteration == 0:
            time.sleep(0.1)

    t = tuner(lib, data, time_budget=1, callbacks=[slow])
    t.run()
    steps = {name for name, _ in step_runs(t.study)}
    assert 1 <= len(t.study.trials) < sum(n for _, n in STEPS)
    assert "min_child_samples" not in steps


def test_callbacks_are_called(lib: SimpleNamespace, data: Any) -> None:
    rounds: list[int] = []
    finished: list[int] = []
    t = tuner(
        lib,
        data,
        callbacks=[lambda env: rounds.append(env.iteration)],
        optuna_callbacks=[lambda study, trial: finished.append(trial.number)],
    )
    t.tune_feature_fraction(n_trials=2)
    t.tune_num_leaves(n_trials=2)
    assert rounds == list(range(N_ROUNDS)) * 4
    assert finished == [0, 1, 2, 3]


def test_train_passes_lightgbm_arguments_through(data: Any) -> None:
    evals: dict[str, Any] = {}
    train_set, valid_set = datasets(data)
    booster = plgb.train(
        dict(PARAMS),
        train_set,
        num_boost_round=500,
        valid_sets=[train_set, valid_set],
        valid_names=["train", "valid"],
        callbacks=[lgb.early_stopping(2, verbose=False), lgb.record_evaluation(evals)],
        time_budget=1,
        show_progress_bar=False,
    )
    assert set(evals) == {"train", "valid"}
    assert isinstance(booster, lgb.Booster)
    assert 0 < booster.best_iteration < 500  # early stopping ran


def test_train_through_the_optuna_style_import_path(data: Any) -> None:
    import parzen.integration.lightgbm as lgb_tuner

    train_set, valid_set = datasets(data)
    study = parzen.create_study()
    booster = lgb_tuner.train(
        dict(PARAMS),
        train_set,
        num_boost_round=N_ROUNDS,
        valid_sets=valid_set,
        study=study,
        time_budget=1,
        show_progress_bar=False,
    )
    assert isinstance(booster, lgb.Booster)
    assert len(study.trials) >= 1
    assert lgb_tuner.LightGBMTuner is plgb.LightGBMTuner
    assert parzen.integration.LightGBMTunerCV is plgb.LightGBMTunerCV


def test_show_progress_bar_draws_one_bar_per_step(data: Any, capsys: Any) -> None:
    t = tuner(parzen_lib(), data, show_progress_bar=True)
    t.tune_feature_fraction(n_trials=2)
    t.tune_num_leaves(n_trials=1)
    err = capsys.readouterr().err
    assert "feature_fraction, val_score:" in err and "num_leaves, val_score:" in err


# == cross-validation =========================================================================


def cv_tuner(lib: SimpleNamespace, data: Any, **kwargs: Any) -> Any:
    kwargs.setdefault("show_progress_bar", False)
    kwargs.setdefault("optuna_seed", 0)
    return lib.tuners.LightGBMTunerCV(
        dict(PARAMS), lgb.Dataset(*data), num_boost_round=N_ROUNDS, nfold=3, **kwargs
    )


def test_cv_tuner_returns_the_best_cvbooster(lib: SimpleNamespace, data: Any) -> None:
    t = cv_tuner(lib, data, return_cvbooster=True)
    t.tune_feature_fraction(n_trials=2)
    t.tune_min_data_in_leaf()
    assert step_runs(t.study) == [("feature_fraction", 2), ("min_child_samples", 5)]
    cvbooster = t.get_best_booster()
    assert isinstance(cvbooster, lgb.CVBooster) and len(cvbooster.boosters) == 3
    again = lgb.cv(dict(t.best_params), lgb.Dataset(*data), num_boost_round=N_ROUNDS, nfold=3)
    mean = next(v for k, v in again.items() if k.endswith("binary_logloss-mean"))
    assert t.best_score == pytest.approx(mean[-1])


def test_cv_tuner_needs_return_cvbooster_for_the_booster(lib: SimpleNamespace, data: Any) -> None:
    t = cv_tuner(lib, data)
    t.tune_feature_fraction(n_trials=1)
    with pytest.raises(ValueError, match="return_cvbooster=True"):
        t.get_best_booster()


def test_cv_boosters_survive_a_reload_from_model_dir(data: Any, tmp_path: Any) -> None:
    storage = f"sqlite:///{tmp_path / 'tuner.db'}"
    model_dir = str(tmp_path / "boosters")
    study = parzen.create_study(storage=storage, study_name="s")
    first = cv_tuner(parzen_lib(), data, study=study, model_dir=model_dir, return_cvbooster=True)
    first.tune_feature_fraction(n_trials=2)
    expected = first.get_best_booster().predict(data[0])
    second = cv_tuner(
        parzen_lib(),
        data,
        study=parzen.load_study(storage=storage, study_name="s"),
        model_dir=model_dir,
        return_cvbooster=True,
    )
    np.testing.assert_allclose(second.get_best_booster().predict(data[0]), expected)


# == parameters and errors ====================================================================


def test_aliases_of_tuned_params_are_their_starting_values(data: Any) -> None:
    params = {**PARAMS, "min_data_in_leaf": 7, "reg_alpha": 0.5, "metrics": "binary"}
    t = tuner(parzen_lib(), data, params=params)
    t.tune_feature_fraction(n_trials=1)
    stored = json.loads(t.study.trials[0].system_attrs[PARAMS_KEY])
    assert stored["min_child_samples"] == 7 and stored["lambda_l1"] == 0.5
    assert stored["metric"] == "binary_logloss"
    assert not {"min_data_in_leaf", "reg_alpha", "metrics"} & set(stored)


def test_objective_default_metric_is_scored(tmp_path: Any) -> None:
    # Optuna's tuner scores binary_logloss whatever the objective (and fails on regression);
    # parzen scores the metric LightGBM evaluates by default for the objective.
    X, y = load_diabetes(return_X_y=True)
    t = plgb.LightGBMTuner(
        {"objective": "regression", "verbosity": -1, "num_threads": 1},
        lgb.Dataset(X[:300], y[:300]),
        num_boost_round=N_ROUNDS,
        valid_sets=[lgb.Dataset(X[300:], y[300:])],
        show_progress_bar=False,
    )
    t.tune_feature_fraction(n_trials=1)
    assert t.best_score == t.get_best_booster().best_score["valid_0"]["l2"]


def test_valid_sets_are_required(lib: SimpleNamespace, data: Any) -> None:
    with pytest.raises(ValueError, match="valid_sets"):
        lib.tuners.LightGBMTuner(dict(PARAMS), datasets(data)[0])


def test_study_direction_must_match_the_metric(lib: SimpleNamespace, data: Any) -> None:
    study = lib.module.create_study(direction="maximize")
    with pytest.raises(ValueError, match="direction"):
        tuner(lib, data, study=study)


@pytest.mark.parametrize("metric", ["None", ""])
def test_a_metric_that_evaluates_nothing_is_refused_upfront(data: Any, metric: str) -> None:
    with pytest.raises(ValueError, match="evaluates none"):
        tuner(parzen_lib(), data, params={**PARAMS, "metric": metric})


def test_an_unknown_metric_name_lists_the_reported_ones(data: Any) -> None:
    t = tuner(parzen_lib(), data, params={**PARAMS, "metric": "binary_error"})
    t.lgbm_params["metric"] = "auc"  # LightGBM evaluates auc; the tuner scores binary_error
    with pytest.raises(KeyError, match=r"reported \['auc'\]"):
        t.tune_feature_fraction(n_trials=1)
