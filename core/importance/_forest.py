"""Shared random-forest plumbing for the fANOVA and mean-decrease-impurity evaluators."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.importance._base import _build_matrix, _check_enough_trials, _check_target

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
