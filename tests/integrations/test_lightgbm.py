from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np
import pytest

import parzen
from parzen.trial import FrozenTrial, TrialState

if os.environ.get("CI"):
    import lightgbm as lgb
else:
    lgb = pytest.importorskip("lightgbm")

from sklearn.datasets import load_breast_cancer

from parzen.integrations import LightGBMPruningCallback

N_ROUNDS = 8
PARAMS = {
    "objective": "binary",
    "metric": ["binary_logloss", "auc"],
    "verbosity": -1,
    "num_leaves": 4,
    "num_threads": 1,
    "deterministic": True,
    "seed": 0,
}


class PruneAtStep(parzen.pruners.BasePruner):
    """Prunes as soon as ``step`` has been reported (never when ``step`` is None)."""

    def __init__(self, step: int | None) -> None:
        self.step = step

    def prune(self, study: parzen.Study, trial: FrozenTrial) -> bool:
        return self.step is not None and self.step in trial.intermediate_values


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    X, y = load_breast_cancer(return_X_y=True)
    return X[:400], y[:400], X[400:], y[400:]


def _train(trial: parzen.Trial, data: Any, log: dict[str, Any], **callback_kwargs: Any) -> float:
    X, y, X_valid, y_valid = data
    callback_kwargs.setdefault("metric", "binary_logloss")
    booster = lgb.train(
        PARAMS,
        lgb.Dataset(X, y),
        num_boost_round=N_ROUNDS,
        valid_sets=[lgb.Dataset(X_valid, y_valid)],
        callbacks=[
            lgb.record_evaluation(log),
            LightGBMPruningCallback(trial, **callback_kwargs),
        ],
    )
    return float(booster.best_score["valid_0"]["binary_logloss"])


@pytest.mark.parametrize("prune_step", [0, 3])
def test_train_pruned_at_the_pruners_step(data: Any, prune_step: int) -> None:
    log: dict[str, Any] = {}
    study = parzen.create_study(pruner=PruneAtStep(prune_step))
    study.optimize(lambda t: _train(t, data, log), n_trials=1)

    trial = study.trials[0]
    assert trial.state == TrialState.PRUNED
    recorded = log["valid_0"]["binary_logloss"]
    assert len(recorded) == prune_step + 1  # training stopped right at the pruned round
    assert trial.intermediate_values == dict(enumerate(recorded))


def test_train_unpruned_reports_every_round(data: Any) -> None:
    log: dict[str, Any] = {}
    study = parzen.create_study(pruner=PruneAtStep(None))
    study.optimize(lambda t: _train(t, data, log), n_trials=1)

    trial = study.trials[0]
    assert trial.state == TrialState.COMPLETE
    assert trial.intermediate_values == dict(enumerate(log["valid_0"]["binary_logloss"]))
    assert len(trial.intermediate_values) == N_ROUNDS


def test_train_with_named_validation_sets_and_report_interval(data: Any) -> None:
    X, y, X_valid, y_valid = data
    log: dict[str, Any] = {}

    def objective(trial: parzen.Trial) -> float:
        train_set = lgb.Dataset(X, y)
        lgb.train(
            PARAMS,
            train_set,
            num_boost_round=N_ROUNDS,
            valid_sets=[train_set, lgb.Dataset(X_valid, y_valid)],
            valid_names=["train", "holdout"],
            callbacks=[
                lgb.record_evaluation(log),
                LightGBMPruningCallback(trial, "auc", valid_name="holdout", report_interval=3),
            ],
        )
        return 0.0

    study = parzen.create_study(direction="maximize", pruner=PruneAtStep(None))
    study.optimize(objective, n_trials=1)
    reported = study.trials[0].intermediate_values
    assert sorted(reported) == [2, 5]
    assert reported == {step: log["holdout"]["auc"][step] for step in (2, 5)}


def test_cv_reports_the_mean_over_folds(data: Any) -> None:
    X, y, _, _ = data
    seen: list[float] = []

    def record_mean(env: Any) -> None:
        for result in env.evaluation_result_list:
            if "binary_logloss" in str(result[1]):
                seen.append(float(result[2]))

    def objective(trial: parzen.Trial) -> float:
        lgb.cv(
            PARAMS,
            lgb.Dataset(X, y),
            num_boost_round=N_ROUNDS,
            nfold=3,
            stratified=False,
            callbacks=[record_mean, LightGBMPruningCallback(trial, "binary_logloss")],
        )
        return 0.0

    study = parzen.create_study(pruner=PruneAtStep(2))
    study.optimize(objective, n_trials=1)
    trial = study.trials[0]
    assert trial.state == TrialState.PRUNED
    assert len(seen) == 3
    assert trial.intermediate_values == dict(enumerate(seen))

    unpruned = parzen.create_study(pruner=PruneAtStep(None))
    results: dict[str, Any] = {}

    def full_cv(trial: parzen.Trial) -> float:
        results.update(
            lgb.cv(
                PARAMS,
                lgb.Dataset(X, y),
                num_boost_round=N_ROUNDS,
                nfold=3,
                stratified=False,
                callbacks=[LightGBMPruningCallback(trial, "binary_logloss")],
            )
        )
        return 0.0

    unpruned.optimize(full_cv, n_trials=1)
    # lightgbm>=4 prefixes the key with the set's name.
    key = next(k for k in results if k.endswith("binary_logloss-mean"))
    assert list(unpruned.trials[0].intermediate_values.values()) == pytest.approx(results[key])


# lightgbm>=4.7 prefers eval_X/eval_y, which older versions lack.
@pytest.mark.filterwarnings("ignore:The argument 'eval_set' is deprecated")
def test_scikit_learn_api(data: Any) -> None:
    X, y, X_valid, y_valid = data

    def fit(trial: parzen.Trial, models: list[Any]) -> float:
        model = lgb.LGBMClassifier(n_estimators=N_ROUNDS, num_leaves=4, n_jobs=1, verbose=-1)
        models.append(model)
        model.fit(
            X,
            y,
            eval_set=[(X_valid, y_valid)],
            eval_metric="binary_logloss",
            callbacks=[LightGBMPruningCallback(trial, "binary_logloss")],
        )
        return 0.0

    models: list[Any] = []
    study = parzen.create_study(pruner=PruneAtStep(None))
    study.optimize(lambda t: fit(t, models), n_trials=1)
    expected = models[0].evals_result_["valid_0"]["binary_logloss"]
    assert study.trials[0].intermediate_values == dict(enumerate(expected))

    pruned = parzen.create_study(pruner=PruneAtStep(1))
    pruned.optimize(lambda t: fit(t, []), n_trials=1)
    assert pruned.trials[0].state == TrialState.PRUNED
    assert pruned.trials[0].intermediate_values == dict(enumerate(expected[:2]))


def test_unknown_metric_lists_the_metrics_that_exist(data: Any) -> None:
    study = parzen.create_study()
    with pytest.raises(ValueError, match="'auc', 'binary_logloss'") as info:
        _train(study.ask(), data, {}, metric="logloss")
    assert "'logloss'" in str(info.value)


def test_unknown_validation_set_lists_the_sets_that_exist(data: Any) -> None:
    study = parzen.create_study()
    with pytest.raises(ValueError, match="'valid_0'"):
        _train(study.ask(), data, {}, valid_name="valid_1")


def _library(name: str) -> Any:
    """``(study factory, LightGBMPruningCallback)`` of parzen or, if installed, Optuna."""
    if name == "parzen":
        return parzen, LightGBMPruningCallback
    optuna = pytest.importorskip("optuna")
    integration = pytest.importorskip("optuna_integration")
    return optuna, integration.LightGBMPruningCallback


@pytest.mark.parametrize("library", ["parzen", "optuna"])
def test_a_metric_improving_against_the_study_direction_raises(data: Any, library: str) -> None:
    # LightGBM says which way each metric improves; "auc" in a minimizing study would make
    # the pruner stop the best trials, so training stops with ValueError, as in Optuna.
    module, callback_class = _library(library)
    X, y, X_valid, y_valid = data

    def train(trial: Any, metric: str) -> Any:
        return lgb.train(
            PARAMS,
            lgb.Dataset(X, y),
            num_boost_round=N_ROUNDS,
            valid_sets=[lgb.Dataset(X_valid, y_valid)],
            callbacks=[callback_class(trial, metric)],
        )

    minimizing = module.create_study(direction="minimize")
    trial = minimizing.ask()
    with pytest.raises(ValueError):
        train(trial, "auc")
    assert minimizing.trials[0].intermediate_values == {}

    maximizing = module.create_study(direction="maximize")
    trial = maximizing.ask()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        train(trial, "auc")
    assert len(maximizing.trials[0].intermediate_values) == N_ROUNDS
    # A metric that improves downward fits a minimizing study.
    train(minimizing.ask(), "binary_logloss")
    assert len(minimizing.trials[1].intermediate_values) == N_ROUNDS


def test_parallel_trials_report_to_their_own_trial(data: Any) -> None:
    logs: dict[int, dict[str, Any]] = {}

    def objective(trial: parzen.Trial) -> float:
        log: dict[str, Any] = {}
        logs[trial.number] = log
        params = dict(PARAMS, learning_rate=trial.suggest_float("learning_rate", 0.01, 0.5))
        X, y, X_valid, y_valid = data
        lgb.train(
            params,
            lgb.Dataset(X, y),
            num_boost_round=N_ROUNDS,
            valid_sets=[lgb.Dataset(X_valid, y_valid)],
            callbacks=[
                lgb.record_evaluation(log),
                LightGBMPruningCallback(trial, "binary_logloss"),
            ],
        )
        return 0.0

    study = parzen.create_study(
        sampler=parzen.samplers.RandomSampler(seed=0), pruner=PruneAtStep(None)
    )
    study.optimize(objective, n_trials=4, n_jobs=2)
    assert len(study.trials) == 4
    for trial in study.trials:
        expected = logs[trial.number]["valid_0"]["binary_logloss"]
        assert trial.intermediate_values == dict(enumerate(expected))
    assert len({trial.intermediate_values[0] for trial in study.trials}) == 4


def test_report_interval_must_be_positive() -> None:
    study = parzen.create_study()
    with pytest.raises(ValueError, match="report_interval"):
        LightGBMPruningCallback(study.ask(), "auc", report_interval=0)
