"""Pruning callback for LightGBM (``lgb.train``, ``lgb.cv`` and the scikit-learn API)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from parzen.integrations._common import (
    Reporter,
    lookup_metric,
    missing_framework_error,
    require_version,
)

if TYPE_CHECKING:
    from parzen.trial import Trial

_import_error: ImportError | None = None
try:
    import lightgbm
except ImportError as e:
    _import_error = e

_MINIMUM_VERSION = (3, 3)
# lightgbm<4 names the averaged cross-validation results ("cv_agg", "l2"), or ("cv_agg",
# "valid l2") with eval_train_metric=True, where lightgbm>=4 says ("valid", "l2"); all are
# normalized to the latter.
_CV_AGGREGATE = "cv_agg"
_CV_DEFAULT_SET = "valid"


class LightGBMPruningCallback:
    """Report a LightGBM validation metric at each boosting round and prune the trial.

    Works with ``lightgbm.train``, ``lightgbm.cv`` (where the metric's mean over the folds is
    reported) and the scikit-learn estimators (``LGBMClassifier.fit(eval_set=...,
    callbacks=[...])``). The step reported is the 0-based boosting round. When the pruner asks
    to stop, the callback raises :class:`parzen.TrialPruned` out of the training call.

    LightGBM has no callback base class: a callback is any callable taking the callback
    environment; this class runs after LightGBM's own ``log_evaluation`` and
    ``record_evaluation`` callbacks, so the round that prunes is still logged and recorded.

    Args:
        trial: The trial to report to.
        metric: The metric's name as LightGBM reports it, e.g. ``"binary_logloss"``, ``"auc"``,
            ``"l2"``.
        valid_name: The validation set's name: ``valid_names`` given to ``lgb.train``
            (``"valid_0"`` for the first one by default; the scikit-learn API names them the
            same way). ``lgb.cv`` reports the folds' mean under ``"valid"``, used whenever
            ``valid_name`` is not one of cv's set names.
        report_interval: Report every ``report_interval``-th round only.

    Raises:
        ImportError: LightGBM>=3.3 is not installed.
        ValueError: ``report_interval`` is not a positive int.

    The metric must improve the way the study optimizes (``"auc"`` with
    ``direction="maximize"``, ``"binary_logloss"`` with ``"minimize"``): LightGBM says which
    way each metric improves, and a mismatch raises ValueError at the first report, since the
    pruner would otherwise stop the best trials.

    Examples:
        >>> import lightgbm as lgb
        >>> import parzen
        >>> from parzen.integrations import LightGBMPruningCallback
        >>> from sklearn.datasets import load_breast_cancer
        >>> X, y = load_breast_cancer(return_X_y=True)
        >>> def objective(trial):
        ...     params = {
        ...         "objective": "binary",
        ...         "metric": "binary_logloss",
        ...         "verbosity": -1,
        ...         "num_leaves": trial.suggest_int("num_leaves", 2, 32),
        ...     }
        ...     train, valid = lgb.Dataset(X[:400], y[:400]), lgb.Dataset(X[400:], y[400:])
        ...     booster = lgb.train(
        ...         params,
        ...         train,
        ...         num_boost_round=20,
        ...         valid_sets=[valid],
        ...         callbacks=[LightGBMPruningCallback(trial, "binary_logloss")],
        ...     )
        ...     return booster.best_score["valid_0"]["binary_logloss"]
        >>> study = parzen.create_study(pruner=parzen.pruners.MedianPruner())
        >>> study.optimize(objective, n_trials=3)
    """

    def __init__(
        self, trial: Trial, metric: str, valid_name: str = "valid_0", report_interval: int = 1
    ) -> None:
        if _import_error is not None:
            raise missing_framework_error(
                type(self).__name__, "lightgbm", "lightgbm", _import_error
            )
        require_version(
            type(self).__name__, "lightgbm", "lightgbm", lightgbm.__version__, _MINIMUM_VERSION
        )
        if isinstance(report_interval, bool) or not isinstance(report_interval, int):
            raise ValueError(f"report_interval must be a positive int, got {report_interval!r}.")
        if report_interval < 1:
            raise ValueError(f"report_interval must be >= 1, got {report_interval}.")
        self._reporter = Reporter(trial, adapter=type(self).__name__)
        self._metric = metric
        self._valid_name = valid_name
        self._report_interval = report_interval
        # LightGBM sorts callbacks by `order`: its log_evaluation is 10, record_evaluation 20,
        # early_stopping 30. Between them, a pruned round is logged and recorded first.
        self.order = 25

    def __call__(self, env: Any) -> None:
        """Report the monitored metric for the round that just ended; raise if pruned.

        Raises:
            parzen.TrialPruned: the pruner asks to stop.
            ValueError: no validation set or metric by the configured names was evaluated, or
                the metric improves the other way from the study's direction.
        """
        iteration = int(env.iteration)
        if (iteration + 1) % self._report_interval != 0:
            return
        results = _normalize(env.evaluation_result_list or [])
        is_cv = any(len(result) == 5 for result in env.evaluation_result_list or [])
        value, higher_is_better = self._find(results, is_cv=is_cv)
        self._reporter.check_direction(self._metric, higher_is_better, strict=True)
        if self._reporter.report(value, iteration):
            raise self._reporter.pruned(iteration)

    def _find(
        self, results: dict[str, dict[str, tuple[float, bool]]], *, is_cv: bool
    ) -> tuple[float, bool]:
        valid_name = self._valid_name
        if is_cv and valid_name not in results:
            valid_name = _CV_DEFAULT_SET
        if not results:
            raise ValueError(
                f"{type(self).__name__} found no evaluation results: LightGBM evaluated no "
                "validation set. Pass valid_sets= to lgb.train or eval_set= to the "
                "scikit-learn estimator's fit()."
            )
        by_metric = lookup_metric(
            results,
            valid_name,
            what="validation set",
            hint=(
                "Pass one of them as valid_name= (names come from valid_names= in lgb.train, "
                "eval_names= in fit())."
            ),
        )
        return lookup_metric(
            by_metric,
            self._metric,
            where=f" in validation set {valid_name!r}",
            hint="Pass one of them as metric=, or add it to params['metric'].",
        )


def _normalize(result_list: Sequence[Any]) -> dict[str, dict[str, tuple[float, bool]]]:
    """``{set name: {metric: (value, higher_is_better)}}`` from LightGBM's result tuples."""
    results: dict[str, dict[str, tuple[float, bool]]] = {}
    for result in result_list:
        data_name, metric_name, value, higher_is_better = (
            str(result[0]),
            str(result[1]),
            float(result[2]),
            bool(result[3]),
        )
        if data_name == _CV_AGGREGATE:
            if " " in metric_name:  # eval_train_metric=True: "train l2", "valid l2"
                data_name, metric_name = metric_name.split(" ", 1)
            else:
                data_name = _CV_DEFAULT_SET
        results.setdefault(data_name, {})[metric_name] = (value, higher_is_better)
    return results


# The stepwise tuner (Optuna's LightGBMTuner) lives in its own package; re-exported here.
from parzen.integrations._lightgbm_tuner import LightGBMTuner, LightGBMTunerCV, train  # noqa: E402, F401
