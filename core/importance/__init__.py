"""Hyperparameter importance: which parameters drove the objective.

:func:`get_param_importances` evaluates the COMPLETE trials of a study with an evaluator:
:class:`PedAnovaImportanceEvaluator` (the default; numpy only, linear in the number of
trials), :class:`FanovaImportanceEvaluator` or :class:`MeanDecreaseImpurityImportanceEvaluator`
(both fit a scikit-learn random forest: ``pip install "parzen[sklearn]"``).

Examples:
    >>> import parzen
    >>> def objective(trial):
    ...     x = trial.suggest_float("x", -10, 10)
    ...     y = trial.suggest_int("y", 0, 10)
    ...     return x**2 + 0.01 * y
    >>> study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=1))
    >>> study.optimize(objective, n_trials=100)
    >>> importances = parzen.importance.get_param_importances(study)
    >>> list(importances)
    ['x', 'y']
    >>> round(sum(importances.values()), 6)
    1.0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from parzen.importance._base import BaseImportanceEvaluator, _sort_by_importance
from parzen.importance._fanova import FanovaImportanceEvaluator
from parzen.importance._mean_decrease_impurity import MeanDecreaseImpurityImportanceEvaluator
from parzen.importance._ped_anova import PedAnovaImportanceEvaluator

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial

__all__ = [
    "BaseImportanceEvaluator",
    "FanovaImportanceEvaluator",
    "MeanDecreaseImpurityImportanceEvaluator",
    "PedAnovaImportanceEvaluator",
    "get_param_importances",
]


def get_param_importances(
    study: Study,
    *,
    evaluator: BaseImportanceEvaluator | None = None,
    params: list[str] | None = None,
    target: Callable[[FrozenTrial], float] | None = None,
    normalize: bool = True,
) -> dict[str, float]:
    """Evaluate parameter importances from the COMPLETE trials of a study.

    Only COMPLETE trials are used; pruned, failed and running trials are ignored.

    Conditional parameters: with the default :class:`PedAnovaImportanceEvaluator`,
    ``params=None`` assesses every parameter that appears in some COMPLETE trial, each on the
    trials that hold it. The forest-based evaluators need every parameter in every row:
    ``params=None`` assesses the parameters present in all COMPLETE trials, and an explicit
    ``params`` keeps only the trials holding all of them.

    Args:
        study: The study to explain. It needs at least two COMPLETE trials.
        evaluator: The algorithm; defaults to :class:`PedAnovaImportanceEvaluator`.
        params: Names of the parameters to assess; ``[]`` returns ``{}``.
        target: Maps a trial to the value to explain, e.g. ``lambda t: t.values[1]`` or
            ``lambda t: t.duration.total_seconds()``. ``None`` uses the objective value. On a
            multi-objective study the forest-based evaluators require it; PED-ANOVA without
            it explains reaching the Pareto front.
        normalize: Scale the importances to sum to 1 (if all are 0, each gets an equal
            share).

    Returns:
        A dict from parameter name to a non-negative importance, most important first.

    Raises:
        ValueError: The study has fewer than two COMPLETE trials, ``params`` names a
            parameter no COMPLETE trial holds, or a forest-based evaluator got a
            multi-objective study without ``target``.
        TypeError: ``evaluator`` is not a :class:`BaseImportanceEvaluator`.
    """
    if evaluator is None:
        evaluator = PedAnovaImportanceEvaluator()
    if not isinstance(evaluator, BaseImportanceEvaluator):
        raise TypeError(
            "Expected evaluator to be a parzen.importance.BaseImportanceEvaluator (e.g. "
            f"PedAnovaImportanceEvaluator()); got {type(evaluator).__name__}."
        )
    importances = {
        name: max(float(value), 0.0)
        for name, value in evaluator.evaluate(study, params=params, target=target).items()
    }
    if normalize and importances:
        total = sum(importances.values())
        if total > 0.0:
            importances = {name: value / total for name, value in importances.items()}
        else:
            importances = dict.fromkeys(importances, 1.0 / len(importances))
    return _sort_by_importance(importances)
