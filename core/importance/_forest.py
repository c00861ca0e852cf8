"""Shared random-forest plumbing for the fANOVA and mean-decrease-impurity evaluators."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.importance._base import (
    BaseImportanceEvaluator,
    _build_matrix,
    _check_enough_trials,
    _check_target,
    _sort_by_importance,
)

if TYPE_CHECKING:
    from parzen.study import Study
    from parzen.trial import FrozenTrial


def _import_forest() -> Any:
    try:
        from sklearn.ensemble import RandomForestRegressor
    except ImportError as error:
        raise ImportError(
            "This importance evaluator fits a random forest with scikit-learn, which is not "
            'installed. Install it with: pip install "parzen[sklearn]" (or pip install '
            "scikit-learn), or use the default PedAnovaImportanceEvaluator, which needs nothing."
        ) from error
    return RandomForestRegressor


def _check_forest_args(n_trees: int, max_depth: int) -> None:
    if not (isinstance(n_trees, int) and n_trees >= 1):
        raise ValueError(f"Expected n_trees to be a positive int; got {n_trees!r}.")
    if not (isinstance(max_depth, int) and max_depth >= 1):
        raise ValueError(f"Expected max_depth to be a positive int; got {max_depth!r}.")


class _ForestData:
    """Features scaled to the unit cube (categoricals to one unit per choice) and targets."""

    def __init__(
        self,
        study: Study,
        params: list[str] | None,
        target: Callable[[FrozenTrial], float] | None,
    ) -> None:
        _check_target(study, target)
        matrix = _build_matrix(study, params, target, require_all=True)
        finite = np.isfinite(matrix.values)
        _check_enough_trials(int(finite.sum()), "COMPLETE trials with a finite target")
        self.names = list(matrix.columns)
        self.varying = [n for n in self.names if not matrix.spaces[n].single()]
        n = int(finite.sum())
        self.x = np.empty((n, len(self.varying)))
        self.low = np.zeros(len(self.varying))
        self.high = np.ones(len(self.varying))
        for j, name in enumerate(self.varying):
            space = matrix.spaces[name]
            column = matrix.columns[name][finite]
            if space.categorical:
                # One unit of length per choice: the uniform measure fANOVA integrates over
                # then gives every choice the same weight.
                self.x[:, j] = column + 0.5
                self.high[j] = float(space.n_choices)
            else:
                self.x[:, j] = np.clip((column - space.low) / (space.high - space.low), 0, 1)
        self.y = matrix.values[finite]

    def fit(self, n_trees: int, max_depth: int, seed: int | None) -> Any:
        forest_class = _import_forest()
        forest = forest_class(
            n_estimators=n_trees,
            max_depth=max_depth,
            min_samples_split=2,
            min_samples_leaf=1,
            random_state=seed,
        )
        forest.fit(self.x, self.y)
        return forest


class _ForestEvaluator(BaseImportanceEvaluator):
    """An evaluator that fits a random forest to the trials and reads importances from it."""

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
            for name, value in zip(data.varying, self._forest_importances(data, forest)):
                importances[name] = float(value)
        return _sort_by_importance(importances)

    def _forest_importances(self, data: _ForestData, forest: Any) -> np.ndarray:
        """One importance per varying parameter of ``data``, from the fitted ``forest``."""
        raise NotImplementedError
