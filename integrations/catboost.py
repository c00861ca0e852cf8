"""Pruning callback for CatBoost's ``fit(..., callbacks=[...])``."""

from __future__ import annotations

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
    import catboost
except ImportError as e:
    _import_error = e

_MINIMUM_VERSION = (1, 2)


class CatBoostPruningCallback:
    """Report a CatBoost validation metric after each iteration and stop pruned training.

    An exception raised in a CatBoost callback does not reach the caller of ``fit`` intact, so
    this callback cannot raise :class:`parzen.TrialPruned` itself: when the pruner asks to
    stop, it ends training (``after_iteration`` returns False), and :meth:`check_pruned`,
    called after ``fit``, raises ``TrialPruned``. A monitored metric that CatBoost did not
    compute also stops training, and :meth:`check_pruned` raises that ValueError.

    The step reported is the 0-based iteration. CatBoost has no callback base class: a
    callback is any object with an ``after_iteration(info)`` method. CatBoost calls no Python
    callback when training on GPU.

    Args:
        trial: The trial to report to.
        metric: The metric's name as CatBoost logs it, e.g. ``"Logloss"``, ``"AUC"`` (give it
            to the model as ``eval_metric`` or in ``custom_metric`` unless it is the loss).
        eval_set_index: Which of several ``eval_set`` entries to monitor; None when ``fit`` got
            one evaluation set.

    Raises:
        ImportError: CatBoost>=1.2 is not installed.

    Examples:
        >>> import catboost as cb
        >>> import parzen
        >>> from parzen.integrations import CatBoostPruningCallback
        >>> from sklearn.datasets import load_breast_cancer
        >>> X, y = load_breast_cancer(return_X_y=True)
        >>> def objective(trial):
        ...     model = cb.CatBoostClassifier(
        ...         iterations=20,
        ...         depth=trial.suggest_int("depth", 1, 6),
        ...         eval_metric="Logloss",
        ...         thread_count=1,
        ...         verbose=0,
        ...         allow_writing_files=False,  # no catboost_info/ folder in the working dir
        ...     )
        ...     pruning = CatBoostPruningCallback(trial, "Logloss")
        ...     model.fit(X[:400], y[:400], eval_set=[(X[400:], y[400:])], callbacks=[pruning])
        ...     pruning.check_pruned()
        ...     return model.get_best_score()["validation"]["Logloss"]
        >>> study = parzen.create_study(pruner=parzen.pruners.MedianPruner())
        >>> study.optimize(objective, n_trials=3)
    """

    def __init__(self, trial: Trial, metric: str, eval_set_index: int | None = None) -> None:
        if _import_error is not None:
            raise missing_framework_error(
                type(self).__name__, "catboost", "catboost", _import_error
            )
        require_version(
            type(self).__name__, "catboost", "catboost", catboost.__version__, _MINIMUM_VERSION
        )
        self._reporter = Reporter(trial, adapter=type(self).__name__)
        self._metric = metric
        self._eval_set_name = (
            "validation" if eval_set_index is None else f"validation_{int(eval_set_index)}"
        )
        self._pruned_step: int | None = None
        self._error: ValueError | None = None
        self._reporter.check_direction(metric, _higher_is_better(metric))

    def after_iteration(self, info: Any) -> bool:
        """Report the monitored metric for the iteration that just ended.

        Returns:
            Whether CatBoost should go on training: False once the trial is pruned, or when
            the monitored metric is missing (:meth:`check_pruned` then raises the error).
        """
        # CatBoost counts iterations from 1.
        step = int(info.iteration) - 1
        if step == 0:  # a new fit with the same callback
            self._pruned_step = None
            self._error = None
        try:
            value = self._latest(info.metrics)
        except ValueError as e:
            # An exception cannot cross CatBoost's training loop intact (catboost 1.2.0 turns
            # it into a SystemError); stop training and let check_pruned() raise it.
            self._error = e
            return False
        if self._reporter.report(value, step):
            self._pruned_step = step
            return False
        return True

    def check_pruned(self) -> None:
        """Raise :class:`parzen.TrialPruned` if the pruner stopped the last ``fit``.

        Raises:
            parzen.TrialPruned: training was stopped by the pruner.
            ValueError: training was stopped because CatBoost evaluated no evaluation set or
                metric by the configured names; the message lists the names that exist.
        """
        if self._error is not None:
            raise self._error
        if self._pruned_step is not None:
            raise self._reporter.pruned(self._pruned_step)

    def _latest(self, metrics: Any) -> float:
        by_metric = lookup_metric(
            metrics,
            self._eval_set_name,
            what="evaluation set",
            where=" in CatBoost's metrics",
            hint=(
                "Give fit() an eval_set; with several, pass eval_set_index= to pick one "
                "('validation_<i>')."
            ),
        )
        history = lookup_metric(
            by_metric,
            self._metric,
            where=f" in evaluation set {self._eval_set_name!r}",
            hint="Pass one of them as metric=, or add it to the model's custom_metric.",
        )
        return float(history[-1])


def _higher_is_better(metric: str) -> bool | None:
    """Ask CatBoost which way one of its built-in metrics improves; None if it cannot say."""
    metric_class = getattr(catboost.metrics, metric.split(":", 1)[0], None)
    if not isinstance(metric_class, type) or not issubclass(
        metric_class, catboost.metrics.BuiltinMetric
    ):
        return None
    try:
        return bool(metric_class().is_max_optimal())
    except Exception:
        # Some metrics need arguments to be built; their direction then stays unknown.
        return None
