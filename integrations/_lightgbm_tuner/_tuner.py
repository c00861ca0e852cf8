"""LightGBMTuner and train(): the stepwise tuner over ``lightgbm.train``."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from parzen.integrations._lightgbm_tuner._base import BaseTuner, StudyCallback

if TYPE_CHECKING:
    import lightgbm as lgb

    from parzen.study import Study


class LightGBMTuner(BaseTuner):
    """Stepwise hyperparameter tuner for ``lightgbm.train``, as Optuna's LightGBMTuner.

    It tunes ``feature_fraction``, ``num_leaves``, ``bagging_fraction`` and ``bagging_freq``,
    ``feature_fraction`` again, ``lambda_l1`` and ``lambda_l2``, and ``min_child_samples``, one
    group at a time with the others fixed at the best values so far (grid search or TPE, with
    Optuna's budgets: 7, 20, 10, 6, 20 and 5 trials). Every trial of every step is a trial of
    :attr:`study`, which records in each trial's system attributes the step
    (``"lightgbm_tuner:step_name"``), the LightGBM parameters as JSON
    (``"lightgbm_tuner:lgbm_params"``), the training time (``"lightgbm_tuner:elapsed_secs"``)
    and the time per boosting round (``"lightgbm_tuner:average_iteration_time"``).

    A trial's score is the scored metric of the last validation set at the booster's best
    iteration: the last metric of ``params["metric"]`` (or the objective's default metric;
    ``ndcg`` and ``map`` at their first ``eval_at``); the study maximizes ``auc``, ``auc_mu``,
    ``ndcg``, ``map`` and ``average_precision`` and minimizes the others.

    Arguments of ``lightgbm.train`` are passed through; the tuner's own are listed below.

    Args:
        params: LightGBM parameters. Aliases of the tuned parameters are accepted and renamed
            (``reg_alpha`` -> ``lambda_l1``, ``min_data_in_leaf`` -> ``min_child_samples``);
            their values are the starting point. ``feature_pre_filter`` is set to ``False``.
        train_set: the training ``lightgbm.Dataset``.
        num_boost_round: boosting rounds per trial.
        valid_sets: validation ``Dataset`` (or list of them); required. The last one scores.
        valid_names: names of ``valid_sets``.
        feval: custom evaluation function(s), as in ``lightgbm.train``.
        feature_name: deprecated (as in optuna-integration); set it on the ``Dataset``.
        categorical_feature: deprecated (as in optuna-integration); set it on the ``Dataset``.
        keep_training_booster: as in ``lightgbm.train``.
        callbacks: LightGBM callbacks, called in every trial's training.
        time_budget: seconds after which no new trial starts.
        sample_size: unused, as in optuna-integration (a FutureWarning says so).
        study: the study to store trials in (e.g. on a persistent storage to resume); its
            direction must match the metric's. Default: a new in-memory study.
        optuna_callbacks: ``callback(study, frozen_trial)`` functions called after each trial
            (not LightGBM callbacks).
        model_dir: a directory in which every trial's booster is saved as a LightGBM text model
            ``{trial_number}.txt`` (created if missing), so that :meth:`get_best_booster`
            works after a resume or from another process. Without it, boosters stay in memory.
        show_progress_bar: show a tqdm bar per step.
        optuna_seed: seed of the grid and TPE samplers (set LightGBM's ``deterministic`` and
            ``seed`` parameters too for reproducible training).

    Raises:
        ImportError: LightGBM>=3.3 is not installed.
        ValueError: ``valid_sets`` is missing, the study's direction contradicts the metric,
            or ``params`` names no metric that the tuner can score.

    Examples:
        >>> import lightgbm as lgb
        >>> import parzen
        >>> from parzen.integrations.lightgbm import LightGBMTuner
        >>> from sklearn.datasets import load_breast_cancer
        >>> X, y = load_breast_cancer(return_X_y=True)
        >>> params = {"objective": "binary", "metric": "binary_logloss", "verbosity": -1}
        >>> tuner = LightGBMTuner(
        ...     params,
        ...     lgb.Dataset(X[:400], y[:400]),
        ...     num_boost_round=5,
        ...     valid_sets=[lgb.Dataset(X[400:], y[400:])],
        ...     show_progress_bar=False,
        ...     optuna_seed=0,
        ... )
        >>> parzen.logging.set_verbosity(parzen.logging.WARNING)
        >>> tuner.tune_feature_fraction(n_trials=2)
        >>> len(tuner.study.trials), tuner.best_score == tuner.study.best_value
        (2, True)
        >>> sorted(tuner.study.best_trial.params)
        ['feature_fraction']
        >>> booster = tuner.get_best_booster()
    """

    def __init__(
        self,
        params: dict[str, Any],
        train_set: lgb.Dataset,
        num_boost_round: int = 1000,
        valid_sets: list[lgb.Dataset] | tuple[lgb.Dataset, ...] | lgb.Dataset | None = None,
        valid_names: Any | None = None,
        feval: Callable[..., Any] | None = None,
        feature_name: str | None = None,
        categorical_feature: str | None = None,
        keep_training_booster: bool = False,
        callbacks: list[Callable[..., Any]] | None = None,
        time_budget: int | None = None,
        sample_size: int | None = None,
        study: Study | None = None,
        optuna_callbacks: Sequence[StudyCallback] | None = None,
        model_dir: str | None = None,
        *,
        show_progress_bar: bool = True,
        optuna_seed: int | None = None,
    ) -> None:
        if valid_sets is None:
            raise ValueError(
                "`valid_sets` is required: the tuner scores each trial on a validation set. "
                "Pass valid_sets=[lightgbm.Dataset(X_valid, y_valid)], or use "
                "LightGBMTunerCV to score by cross-validation."
            )
        super().__init__(
            params,
            train_set,
            adapter=type(self).__name__,
            time_budget=time_budget,
            sample_size=sample_size,
            study=study,
            optuna_callbacks=optuna_callbacks,
            model_dir=model_dir,
            show_progress_bar=show_progress_bar,
            optuna_seed=optuna_seed,
            feature_name=feature_name,
            categorical_feature=categorical_feature,
        )
        import lightgbm

        sets = [valid_sets] if isinstance(valid_sets, lightgbm.Dataset) else list(valid_sets)
        if not sets:
            raise ValueError("`valid_sets` is empty: pass at least one validation Dataset.")
        if valid_names is not None and len(list(valid_names)) != len(sets):
            raise ValueError(
                f"valid_names has {len(list(valid_names))} names for {len(sets)} valid_sets; "
                "give one name per validation set."
            )
        self._valid_name = _scored_set_name(sets, valid_names, train_set)
        self._train_kwargs: dict[str, Any] = {
            "num_boost_round": num_boost_round,
            "valid_sets": sets,
            "valid_names": None if valid_names is None else list(valid_names),
            "feval": feval,
            "keep_training_booster": keep_training_booster,
            "callbacks": callbacks,
        }
        # lightgbm<4 logs every round when it is given no callback (and warns when told not
        # to through verbose_eval); lightgbm>=4 logs only through its log_evaluation callback.
        if not callbacks and "verbose_eval" in inspect.signature(lightgbm.train).parameters:
            self._train_kwargs["callbacks"] = [_no_op_callback]

    def _train(self, params: dict[str, Any]) -> tuple[float, int, Any]:
        import lightgbm

        booster = lightgbm.train(params, self.train_set, **self._train_kwargs)
        results = booster.best_score.get(self._valid_name, {})
        if self._metric not in results:
            raise KeyError(
                f"LightGBM reported no metric {self._metric!r} for validation set "
                f"{self._valid_name!r}; it reported {sorted(results)} there (sets: "
                f"{sorted(booster.best_score)}). Set params['metric'] to one of them."
            )
        return float(results[self._metric]), booster.current_iteration(), booster


def _no_op_callback(env: Any) -> None:
    """A callback that does nothing: its presence keeps lightgbm<4 from logging each round."""


def _scored_set_name(sets: list[Any], valid_names: Any | None, train_set: Any) -> str:
    """The name LightGBM reports the last validation set under."""
    if valid_names is not None:
        return str(list(valid_names)[-1])
    if sets[-1] is train_set:
        return "training"
    return f"valid_{len(sets) - 1}"


def train(
    params: dict[str, Any],
    train_set: lgb.Dataset,
    num_boost_round: int = 1000,
    valid_sets: list[lgb.Dataset] | tuple[lgb.Dataset, ...] | lgb.Dataset | None = None,
    valid_names: Any | None = None,
    feval: Callable[..., Any] | None = None,
    feature_name: str | None = None,
    categorical_feature: str | None = None,
    keep_training_booster: bool = False,
    callbacks: list[Callable[..., Any]] | None = None,
    time_budget: int | None = None,
    sample_size: int | None = None,
    study: Study | None = None,
    optuna_callbacks: Sequence[StudyCallback] | None = None,
    model_dir: str | None = None,
    *,
    show_progress_bar: bool = True,
    optuna_seed: int | None = None,
) -> lgb.Booster:
    """A drop-in replacement for ``lightgbm.train`` that tunes the parameters first.

    Runs :class:`LightGBMTuner` with these arguments and returns the best booster. Use the
    tuner itself to reach the study, resume, or read ``best_params``.

    Examples:
        >>> import lightgbm as lgb
        >>> import parzen
        >>> import parzen.integrations.lightgbm as plgb
        >>> from sklearn.datasets import load_diabetes
        >>> X, y = load_diabetes(return_X_y=True)
        >>> parzen.logging.set_verbosity(parzen.logging.WARNING)
        >>> study = parzen.create_study()
        >>> booster = plgb.train(
        ...     {"objective": "regression", "metric": "l2", "verbosity": -1},
        ...     lgb.Dataset(X[:300], y[:300]),
        ...     num_boost_round=3,
        ...     valid_sets=lgb.Dataset(X[300:], y[300:]),
        ...     time_budget=1,
        ...     study=study,
        ...     show_progress_bar=False,
        ... )
        >>> booster.predict(X[:2]).shape
        (2,)
    """
    tuner = LightGBMTuner(
        params,
        train_set,
        num_boost_round=num_boost_round,
        valid_sets=valid_sets,
        valid_names=valid_names,
        feval=feval,
        feature_name=feature_name,
        categorical_feature=categorical_feature,
        keep_training_booster=keep_training_booster,
        callbacks=callbacks,
        time_budget=time_budget,
        sample_size=sample_size,
        study=study,
        optuna_callbacks=optuna_callbacks,
        model_dir=model_dir,
        show_progress_bar=show_progress_bar,
        optuna_seed=optuna_seed,
    )
    tuner.run()
    return tuner.get_best_booster()
