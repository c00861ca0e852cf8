"""Mean decrease impurity: how much each parameter's splits reduce a random forest's error."""

from __future__ import annotations

from typing import Any

import numpy as np

from parzen.importance._forest import _ForestData, _ForestEvaluator


class MeanDecreaseImpurityImportanceEvaluator(_ForestEvaluator):
    """Mean-decrease-impurity importance evaluator (needs scikit-learn).

    Fits a random forest from parameters to the target and returns scikit-learn's
    ``feature_importances_``: the decrease of squared error brought by the splits on each
    parameter, weighted by the trials they separate and averaged over the trees. Encoding and
    conditional parameters are treated as in :class:`FanovaImportanceEvaluator`.

    Args:
        n_trees: Number of trees in the forest.
        max_depth: Maximum depth of each tree.
        seed: Seed of the forest, for reproducible importances.

    Examples:
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

    def _forest_importances(self, data: _ForestData, forest: Any) -> np.ndarray:
        return np.asarray(forest.feature_importances_)
