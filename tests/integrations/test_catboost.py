from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np
import pytest

import parzen
from parzen.trial import FrozenTrial, TrialState

if os.environ.get("CI"):
    import catboost as cb
else:
    cb = pytest.importorskip("catboost")

from sklearn.datasets import load_breast_cancer

from parzen.integrations import CatBoostPruningCallback

N_ITERATIONS = 8


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


def _model(**params: Any) -> Any:
    return cb.CatBoostClassifier(
        iterations=N_ITERATIONS,
        depth=2,
        eval_metric="AUC",
        custom_metric=["Logloss"],
        use_best_model=False,  # keep every tree, to count the iterations that ran
        thread_count=1,
        random_seed=0,
        allow_writing_files=False,
        verbose=0,
        **params,
    )


def _fit(trial: parzen.Trial, data: Any, models: list[Any], **callback_kwargs: Any) -> float:
    X, y, X_valid, y_valid = data
    callback_kwargs.setdefault("metric", "Logloss")
    pruning = CatBoostPruningCallback(trial, **callback_kwargs)
    model = _model()
    models.append(model)
    model.fit(X, y, eval_set=[(X_valid, y_valid)], callbacks=[pruning])
    pruning.check_pruned()
    return float(model.get_evals_result()["validation"]["Logloss"][-1])


@pytest.mark.parametrize("prune_step", [0, 3])
def test_pruned_at_the_pruners_step(data: Any, prune_step: int) -> None:
    models: list[Any] = []
    study = parzen.create_study(pruner=PruneAtStep(prune_step))
    study.optimize(lambda t: _fit(t, data, models), n_trials=1)

    trial = study.trials[0]
    assert trial.state == TrialState.PRUNED
    assert models[0].tree_count_ == prune_step + 1
    recorded = models[0].get_evals_result()["validation"]["Logloss"]
    assert trial.intermediate_values == dict(enumerate(recorded))


def test_unpruned_reports_every_iteration(data: Any) -> None:
    models: list[Any] = []
    study = parzen.create_study(pruner=PruneAtStep(None))
    study.optimize(lambda t: _fit(t, data, models), n_trials=1)

    trial = study.trials[0]
    assert trial.state == TrialState.COMPLETE
    assert models[0].tree_count_ == N_ITERATIONS
    recorded = models[0].get_evals_result()["validation"]["Logloss"]
    assert trial.intermediate_values == dict(enumerate(recorded))


def test_eval_set_index_picks_one_of_several_sets(data: Any) -> None:
    X, y, X_valid, y_valid = data
    models: list[Any] = []

    def objective(trial: parzen.Trial) -> float:
        pruning = CatBoostPruningCallback(trial, "AUC", eval_set_index=1)
        model = _model()
        models.append(model)
        model.fit(
            X,
            y,
            eval_set=[(X_valid, y_valid), (X[:100], y[:100])],
            callbacks=[pruning],
        )
        pruning.check_pruned()
        return 0.0

    study = parzen.create_study(direction="maximize", pruner=PruneAtStep(None))
    study.optimize(objective, n_trials=1)
    recorded = models[0].get_evals_result()["validation_1"]["AUC"]
    assert study.trials[0].intermediate_values == dict(enumerate(recorded))


def test_unknown_metric_lists_the_metrics_that_exist(data: Any) -> None:
    study = parzen.create_study()
    models: list[Any] = []
    with pytest.raises(ValueError, match="'AUC', 'Logloss'") as info:
        _fit(study.ask(), data, models, metric="LogLoss")
    assert "'LogLoss' was not found" in str(info.value)
    assert models[0].tree_count_ == 1  # training stopped at once


def test_unknown_eval_set_lists_the_sets_that_exist(data: Any) -> None:
    study = parzen.create_study()
    with pytest.raises(ValueError, match="'learn', 'validation'"):
        _fit(study.ask(), data, [], eval_set_index=2)


def test_direction_comes_from_catboost() -> None:
    study = parzen.create_study(direction="minimize")
    with pytest.warns(UserWarning, match="'AUC'.*maximize"):
        CatBoostPruningCallback(study.ask(), "AUC")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CatBoostPruningCallback(study.ask(), "Logloss")
        CatBoostPruningCallback(study.ask(), "MyCustomMetric")


def test_parallel_trials_report_to_their_own_trial(data: Any) -> None:
    X, y, X_valid, y_valid = data
    models: dict[int, Any] = {}

    def objective(trial: parzen.Trial) -> float:
        pruning = CatBoostPruningCallback(trial, "Logloss")
        model = _model(learning_rate=trial.suggest_float("learning_rate", 0.01, 0.5))
        models[trial.number] = model
        model.fit(X, y, eval_set=[(X_valid, y_valid)], callbacks=[pruning])
        pruning.check_pruned()
        return 0.0

    study = parzen.create_study(
        sampler=parzen.samplers.RandomSampler(seed=0), pruner=PruneAtStep(None)
    )
    study.optimize(objective, n_trials=4, n_jobs=2)
    for trial in study.trials:
        recorded = models[trial.number].get_evals_result()["validation"]["Logloss"]
        assert trial.intermediate_values == dict(enumerate(recorded))
    assert len({trial.intermediate_values[0] for trial in study.trials}) == 4
