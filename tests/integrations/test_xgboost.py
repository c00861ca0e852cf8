from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np
import pytest

import parzen
from parzen.trial import FrozenTrial, TrialState

if os.environ.get("CI"):
    import xgboost as xgb
else:
    xgb = pytest.importorskip("xgboost")

from sklearn.base import clone
from sklearn.datasets import load_breast_cancer

from parzen.integrations import XGBoostPruningCallback

N_ROUNDS = 8
PARAMS = {
    "objective": "binary:logistic",
    "eval_metric": ["logloss", "auc"],
    "max_depth": 2,
    "nthread": 1,
    "seed": 0,
}


class PruneAtStep(parzen.pruners.BasePruner):
    """Prunes as soon as ``step`` has been reported (never when ``step`` is None)."""

    def __init__(self, step: int | None) -> None:
        self.step = step

    def prune(self, study: parzen.Study, trial: FrozenTrial) -> bool:
        return self.step is not None and self.step in trial.intermediate_values


class Recorder(xgb.callback.TrainingCallback):
    """Counts the rounds that ran and keeps XGBoost's own log of a metric.

    XGBoost<2 keeps callbacks in a set, so this may run after the pruning callback in a
    round; it therefore counts rounds as they start and reads the log, which XGBoost fills
    before calling any callback, instead of copying values after each round.
    """

    def __init__(self, data_name: str, metric: str) -> None:
        super().__init__()
        self.key = (data_name, metric)
        self.rounds = 0
        self.log: Any = None

    def before_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
        assert epoch == self.rounds
        self.rounds += 1
        self.log = evals_log
        return False

    @property
    def values(self) -> list[float]:
        history = self.log[self.key[0]][self.key[1]]
        # xgb.cv logs (mean, standard deviation) over the folds.
        return [float(s[0] if isinstance(s, tuple) else s) for s in history]


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    X, y = load_breast_cancer(return_X_y=True)
    return X[:400], y[:400], X[400:], y[400:]


def _train(
    trial: parzen.Trial,
    data: Any,
    recorder: Recorder,
    key: str = "validation-logloss",
    **params: Any,
) -> float:
    X, y, X_valid, y_valid = data
    xgb.train(
        {**PARAMS, **params},
        xgb.DMatrix(X, y),
        num_boost_round=N_ROUNDS,
        evals=[(xgb.DMatrix(X_valid, y_valid), "validation")],
        verbose_eval=False,
        callbacks=[recorder, XGBoostPruningCallback(trial, key)],
    )
    return recorder.values[-1]


@pytest.mark.parametrize("prune_step", [0, 3])
def test_train_pruned_at_the_pruners_step(data: Any, prune_step: int) -> None:
    recorder = Recorder("validation", "logloss")
    study = parzen.create_study(pruner=PruneAtStep(prune_step))
    study.optimize(lambda t: _train(t, data, recorder), n_trials=1)

    trial = study.trials[0]
    assert trial.state == TrialState.PRUNED
    assert recorder.rounds == len(recorder.values) == prune_step + 1
    assert trial.intermediate_values == dict(enumerate(recorder.values))


def test_train_unpruned_reports_every_round(data: Any) -> None:
    X, y, X_valid, y_valid = data
    evals_result: dict[str, Any] = {}

    def objective(trial: parzen.Trial) -> float:
        xgb.train(
            PARAMS,
            xgb.DMatrix(X, y),
            num_boost_round=N_ROUNDS,
            evals=[(xgb.DMatrix(X_valid, y_valid), "validation")],
            evals_result=evals_result,
            verbose_eval=False,
            callbacks=[XGBoostPruningCallback(trial, "validation-logloss")],
        )
        return 0.0

    study = parzen.create_study(pruner=PruneAtStep(None))
    study.optimize(objective, n_trials=1)
    trial = study.trials[0]
    assert trial.state == TrialState.COMPLETE
    assert trial.intermediate_values == dict(enumerate(evals_result["validation"]["logloss"]))
    assert len(trial.intermediate_values) == N_ROUNDS


def test_cv_reports_the_mean_over_folds(data: Any) -> None:
    X, y, _, _ = data

    def cv(trial: parzen.Trial, recorder: Recorder) -> dict[str, Any]:
        return dict(
            xgb.cv(
                PARAMS,
                xgb.DMatrix(X, y),
                num_boost_round=N_ROUNDS,
                nfold=3,
                as_pandas=False,
                seed=0,
                callbacks=[recorder, XGBoostPruningCallback(trial, "test-logloss")],
            )
        )

    results: dict[str, Any] = {}
    study = parzen.create_study(pruner=PruneAtStep(None))
    study.optimize(lambda t: results.update(cv(t, Recorder("test", "logloss"))) or 0.0, 1)
    reported = study.trials[0].intermediate_values
    assert list(reported.values()) == pytest.approx(results["test-logloss-mean"])
    assert sorted(reported) == list(range(N_ROUNDS))

    recorder = Recorder("test", "logloss")
    pruned = parzen.create_study(pruner=PruneAtStep(2))
    pruned.optimize(lambda t: cv(t, recorder) and 0.0, n_trials=1)
    assert pruned.trials[0].state == TrialState.PRUNED
    assert recorder.rounds == len(recorder.values) == 3
    assert pruned.trials[0].intermediate_values == dict(enumerate(recorder.values))


def test_scikit_learn_api_and_clone(data: Any) -> None:
    X, y, X_valid, y_valid = data

    def fit(trial: parzen.Trial, models: list[Any]) -> float:
        model = xgb.XGBClassifier(
            n_estimators=N_ROUNDS,
            max_depth=2,
            n_jobs=1,
            eval_metric="logloss",
            callbacks=[XGBoostPruningCallback(trial, "validation_0-logloss")],
        )
        # scikit-learn's clone deep-copies the callbacks; the copy must report to the trial.
        model = clone(model)
        models.append(model)
        model.fit(X, y, eval_set=[(X_valid, y_valid)], verbose=False)
        return 0.0

    models: list[Any] = []
    study = parzen.create_study(pruner=PruneAtStep(None))
    study.optimize(lambda t: fit(t, models), n_trials=1)
    expected = models[0].evals_result()["validation_0"]["logloss"]
    assert study.trials[0].intermediate_values == dict(enumerate(expected))

    pruned = parzen.create_study(pruner=PruneAtStep(1))
    pruned.optimize(lambda t: fit(t, []), n_trials=1)
    assert pruned.trials[0].state == TrialState.PRUNED
    assert pruned.trials[0].intermediate_values == dict(enumerate(expected[:2]))


def test_unknown_observation_key_lists_the_keys_that_exist(data: Any) -> None:
    study = parzen.create_study()
    recorder = Recorder("validation", "logloss")
    with pytest.raises(ValueError, match="'validation-auc', 'validation-logloss'") as info:
        _train(study.ask(), data, recorder, key="valid-logloss")
    assert "'valid-logloss'" in str(info.value)


def test_direction_mismatch_warns() -> None:
    study = parzen.create_study(direction="minimize")
    with pytest.warns(UserWarning, match="'validation-auc'.*maximize"):
        XGBoostPruningCallback(study.ask(), "validation-auc")

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        XGBoostPruningCallback(study.ask(), "validation-logloss")
        maximizing = parzen.create_study(direction="maximize")
        XGBoostPruningCallback(maximizing.ask(), "validation-auc")


def test_parallel_trials_report_to_their_own_trial(data: Any) -> None:
    recorders: dict[int, Recorder] = {}

    def objective(trial: parzen.Trial) -> float:
        recorder = Recorder("validation", "logloss")
        recorders[trial.number] = recorder
        return _train(trial, data, recorder, eta=trial.suggest_float("eta", 0.01, 0.5))

    study = parzen.create_study(
        sampler=parzen.samplers.RandomSampler(seed=0), pruner=PruneAtStep(None)
    )
    study.optimize(objective, n_trials=4, n_jobs=2)
    assert len(study.trials) == 4
    for trial in study.trials:
        assert trial.intermediate_values == dict(enumerate(recorders[trial.number].values))
    assert len({trial.intermediate_values[0] for trial in study.trials}) == 4
