"""fANOVA: the share of a random forest's variance explained by each parameter alone.

Hutter, Hoos and Leyton-Brown, "An Efficient Approach for Assessing Hyperparameter
Importance" (ICML 2014). Each regression tree is a piecewise-constant function on boxes of the
(scaled) search space; under the uniform measure its mean, its variance and the variance of
each one-parameter marginal follow exactly from the leaf boxes, which are computed here by a
vectorized walk over the fitted scikit-learn trees.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from parzen.importance._forest import _ForestData, _ForestEvaluator

if TYPE_CHECKING:
    pass


class FanovaImportanceEvaluator(_ForestEvaluator):
    """fANOVA importance evaluator (needs scikit-learn: ``pip install "parzen[sklearn]"``).

    Fits a random forest from parameters to the target and returns, per parameter, the
    fraction of each tree's variance that its main effect explains, averaged over the trees.
    Numeric parameters are scaled to [0, 1] (log-scaled ones in log space); a categorical one
    gets one unit of length per choice, so every choice weighs the same.

    Conditional parameters: the forest needs every parameter in every row, so ``params=None``
    assesses the parameters present in all COMPLETE trials, and an explicit ``params`` keeps
    only the trials that hold all of them (an error if fewer than two do). Parameters whose
    distribution holds a single value get importance 0.

    Args:
        n_trees: Number of trees in the forest.
        max_depth: Maximum depth of each tree.
        seed: Seed of the forest, for reproducible importances.

    Examples:
        >>> import parzen
        >>> from parzen.importance import FanovaImportanceEvaluator, get_param_importances
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", -10, 10)
        ...     y = trial.suggest_float("y", -10, 10)
        ...     return x**2 + 0.001 * y
        >>> study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
        >>> study.optimize(objective, n_trials=100)
        >>> evaluator = FanovaImportanceEvaluator(n_trees=16, seed=0)
        >>> next(iter(get_param_importances(study, evaluator=evaluator)))
        'x'
    """

    def _forest_importances(self, data: _ForestData, forest: Any) -> np.ndarray:
        shares = np.zeros(len(data.varying))
        n_used = 0
        for tree in forest.estimators_:
            tree_shares = _main_effect_shares(tree.tree_, data.low, data.high)
            if tree_shares is not None:
                shares += tree_shares
                n_used += 1
        return shares / n_used if n_used else shares


def _leaf_boxes(tree: Any, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, ...]:
    """Lower and upper corners and values of every leaf, walking the tree level by level."""
    left, right = tree.children_left, tree.children_right
    feature, threshold = tree.feature, tree.threshold
    lower = np.empty((tree.node_count, low.size))
    upper = np.empty((tree.node_count, low.size))
    lower[0], upper[0] = low, high
    frontier = np.array([0])
    while frontier.size:
        split = frontier[left[frontier] >= 0]
        if not split.size:
            break
        dims, cut = feature[split], threshold[split]
        for children, is_left in ((left[split], True), (right[split], False)):
            lower[children] = lower[split]
            upper[children] = upper[split]
            if is_left:
                upper[children, dims] = np.minimum(upper[split, dims], cut)
            else:
                lower[children, dims] = np.maximum(lower[split, dims], cut)
        frontier = np.concatenate((left[split], right[split]))
    leaves = np.flatnonzero(left < 0)
    values = tree.value[leaves, 0, 0]
    return lower[leaves], upper[leaves], values


def _main_effect_shares(tree: Any, low: np.ndarray, high: np.ndarray) -> np.ndarray | None:
    """Variance of each one-parameter marginal over the tree's total variance.

    Returns None for a constant tree, which carries no information about importance.
    """
    lower, upper, values = _leaf_boxes(tree, low, high)
    span = high - low
    widths = np.clip(upper - lower, 0.0, None) / span
    volume = widths.prod(axis=1)
    mean = float(volume @ values)
    total = float(volume @ (values - mean) ** 2)
    if not total > 0.0:
        return None
    shares = np.empty(low.size)
    for d in range(low.size):
        # The marginal along d is a step function: each leaf adds value * (volume outside d)
        # on its interval [lower, upper) of d. Accumulate those additions at the interval
        # ends and take the running sum over the sorted breakpoints.
        with np.errstate(divide="ignore", invalid="ignore"):
            outside = np.where(widths[:, d] > 0, volume / widths[:, d], 0.0)
        contribution = values * outside
        edges = np.unique(np.concatenate((lower[:, d], upper[:, d])))
        start = np.searchsorted(edges, lower[:, d])
        stop = np.searchsorted(edges, upper[:, d])
        delta = np.bincount(start, contribution, edges.size) - np.bincount(
            stop, contribution, edges.size
        )
        marginal = np.cumsum(delta)[:-1]
        segment = np.diff(edges) / span[d]
        shares[d] = float(segment @ (marginal - mean) ** 2) / total
    return shares
