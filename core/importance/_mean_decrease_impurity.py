"""Mean decrease impurity: how much each parameter's splits reduce a random forest's error."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from parzen.importance._base import BaseImportanceEvaluator, _sort_by_importance
from parzen.importance._forest import _check_forest_args, _ForestData

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial


class MeanDecreaseImpurityImportanceEvaluator(BaseImportanceEvaluator):
    """Mean-decrease-impurity importance evaluator (needs scikit-learn).

    Fits a random forest from parameters to the target and returns scikit-learn's
    ``feature_importances_``: the decrease of squared error brought by the splits on each
    parameter, weighted by the trials they separate and averaged over the trees. Encoding and
    conditional parameters are treated as in :class:`FanovaImportanceEvaluator`.

    Args:
        n_trees: Number of trees in the forest.
        max_depth: Maximum depth of each tree.
        seed: Seed of the forest, for reproducible importances.

    Example:
        >>> import parzen
        >>> from parzen.importance import MeanDecreaseImpurityImportanceEvaluator
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", -10, 10)
        ...     y = trial.suggest_float("y", -10, 10)
        ...     return x**2 + 0.001 * y
        >>> study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
        >>> study.optimize(objective, n_trials=100)
        >>> evaluator = MeanDecreaseImpurityImportanceEvaluator(n_trees=16, seed=0)
        >>> next(iter(parzen.importance.get_param_importances(study, evaluator=evaluator)))
        'x'
    """

    def __init__(self, n_trees: int = 64, max_depth: int = 64, *, seed: int | None = None) -> None:
        _check_forest_args(n_trees, max_depth)
        self._n_trees = n_trees
        self._max_depth = max_depth
        self._seed = seed

    def evaluate(
        self,
        study: Study,
        params: list[str] | None = None,
        *,
        target: Callable[[FrozenTrial], float] | None = None,
    ) -> dict[str, float]:
        """See :meth:`BaseImportanceEvaluator.evaluate`."""
        if params is not None and not params:
            return {}
        data = _ForestData(study, params, target)
        importances = dict.fromkeys(data.names, 0.0)
        if data.varying:
            forest = data.fit(self._n_trees, self._max_depth, self._seed)
            for name, value in zip(data.varying, forest.feature_importances_):
                importances[name] = float(value)
        return _sort_by_importance(importances)
