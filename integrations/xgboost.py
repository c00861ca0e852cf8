"""Pruning callback for XGBoost (``xgb.train``, ``xgb.cv`` and the scikit-learn API)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from parzen.integrations._common import (
    Reporter,
    guess_higher_is_better,
    missing_framework_error,
    require_version,
    unknown_name_message,
)

_import_error: ImportError | None = None
if TYPE_CHECKING:
    from xgboost.callback import TrainingCallback

    from parzen.trial import Trial
else:
    try:
        from xgboost.callback import TrainingCallback
    except ImportError as e:
        # The class below still defines; constructing it raises an ImportError naming the extra.
        TrainingCallback = object
        _import_error = e

_MINIMUM_VERSION = (1, 7)


class XGBoostPruningCallback(TrainingCallback):
    """Report an XGBoost evaluation metric after each boosting round and prune the trial.

    Works with ``xgboost.train``, ``xgboost.cv`` (where the metric's mean over the folds is
    reported) and the scikit-learn estimators, which take callbacks in their constructor
    (``XGBClassifier(callbacks=[...])``). The step reported is the 0-based boosting round.
    When the pruner asks to stop, the callback raises :class:`parzen.TrialPruned` out of the
    training call.

    Args:
        trial: The trial to report to.
        observation_key: ``"<evaluation set>-<metric>"`` as XGBoost logs it, e.g.
            ``"validation-logloss"`` for ``evals=[(dvalid, "validation")]``,
            ``"validation_0-logloss"`` for the scikit-learn API's first ``eval_set``,
            ``"test-auc"`` for ``xgb.cv``.

    Raises:
        ImportError: XGBoost>=1.7 is not installed.

    Examples:
        >>> import parzen
        >>> import xgboost as xgb
        >>> from parzen.integrations import XGBoostPruningCallback
        >>> from sklearn.datasets import load_breast_cancer
        >>> X, y = load_breast_cancer(return_X_y=True)
        >>> dtrain, dvalid = xgb.DMatrix(X[:400], y[:400]), xgb.DMatrix(X[400:], y[400:])
        >>> def objective(trial):
        ...     params = {
        ...         "objective": "binary:logistic",
        ...         "eval_metric": "logloss",
        ...         "max_depth": trial.suggest_int("max_depth", 1, 6),
        ...     }
        ...     evals_result = {}
        ...     xgb.train(
        ...         params,
        ...         dtrain,
        ...         num_boost_round=20,
        ...         evals=[(dvalid, "validation")],
        ...         evals_result=evals_result,
        ...         verbose_eval=False,
        ...         callbacks=[XGBoostPruningCallback(trial, "validation-logloss")],
        ...     )
        ...     return evals_result["validation"]["logloss"][-1]
        >>> study = parzen.create_study(pruner=parzen.pruners.MedianPruner())
        >>> study.optimize(objective, n_trials=3)
    """

    def __init__(self, trial: Trial, observation_key: str) -> None:
        if _import_error is not None:
            raise missing_framework_error(type(self).__name__, "xgboost", "xgboost", _import_error)
        import xgboost

        require_version(
            type(self).__name__, "xgboost", "xgboost", xgboost.__version__, _MINIMUM_VERSION
        )
        super().__init__()
        self._reporter = Reporter(trial, adapter=type(self).__name__)
        self._observation_key = observation_key
        self._reporter.check_direction(observation_key, guess_higher_is_better(observation_key))

    def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
        """Report the monitored metric for round ``epoch``; raise if the trial is pruned.

        Returns:
            False: training goes on unless the trial is pruned.

        Raises:
            parzen.TrialPruned: the pruner asks to stop.
            ValueError: XGBoost logged no metric under ``observation_key``.
        """
        score = self._latest(evals_log)
        # xgb.cv logs (mean, standard deviation) over the folds.
        value = score[0] if isinstance(score, tuple) else score
        step = int(epoch)
        if self._reporter.report(float(value), step):
            raise self._reporter.pruned(step)
        return False

    def _latest(self, evals_log: Any) -> Any:
        keys: list[str] = []
        for data_name, metrics in evals_log.items():
            for metric_name, history in metrics.items():
                key = f"{data_name}-{metric_name}"
                if key == self._observation_key:
                    return history[-1]
                keys.append(key)
        hint = (
            "Pass one of them as observation_key=, formed as '<evaluation set>-<metric>'."
            if keys
            else "Give XGBoost evaluation sets: evals= in xgb.train, eval_set= in fit()."
        )
        raise ValueError(
            unknown_name_message(
                self._observation_key,
                keys,
                what="observation key",
                where=" in XGBoost's log",
                hint=hint,
            )
        )
