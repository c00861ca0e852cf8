"""Exact checks of the fANOVA tree walk, the Pareto ranking and the Parzen estimator."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from parzen._records.multi_objective import is_pareto_front
from parzen.importance._fanova import _main_effect_shares
from parzen.importance._ped_anova import _categorical_pmf, _parzen_pmf
from parzen.importance._ranking import best_first_order, pareto_front_mask


def _tree(
    left: list[int],
    right: list[int],
    feature: list[int],
    threshold: list[float],
    value: list[float],
) -> SimpleNamespace:
    return SimpleNamespace(
        children_left=np.array(left),
        children_right=np.array(right),
        feature=np.array(feature),
        threshold=np.array(threshold, dtype=float),
        value=np.array(value, dtype=float).reshape(-1, 1, 1),
        node_count=len(left),
    )


def test_fanova_single_split_is_all_one_dimension() -> None:
    # f = 1 if x0 < 0.5 else 0, on the unit square.
    tree = _tree([1, -1, -1], [2, -1, -1], [0, -2, -2], [0.5, 0, 0], [0.5, 1.0, 0.0])
    shares = _main_effect_shares(tree, np.zeros(2), np.ones(2))
    np.testing.assert_allclose(shares, [1.0, 0.0])


def test_fanova_additive_function_splits_variance() -> None:
    # f = a(x0) + b(x1) with a in {0, 2} at x0 < 0.25 and b in {0, 1} at x1 < 0.5:
    # Var a = 4 * 0.25 * 0.75 = 0.75, Var b = 0.25; no interaction.
    left = [1, 3, 5, -1, -1, -1, -1]
    right = [2, 4, 6, -1, -1, -1, -1]
    feature = [0, 1, 1, -2, -2, -2, -2]
    threshold = [0.25, 0.5, 0.5, 0, 0, 0, 0]
    value = [0, 0, 0, 2.0, 3.0, 0.0, 1.0]
    tree = _tree(left, right, feature, threshold, value)
    shares = _main_effect_shares(tree, np.zeros(2), np.ones(2))
    np.testing.assert_allclose(shares, [0.75, 0.25])


def test_fanova_pure_interaction_has_no_main_effect() -> None:
    # XOR on the unit square: every marginal is flat.
    left = [1, 3, 5, -1, -1, -1, -1]
    right = [2, 4, 6, -1, -1, -1, -1]
    tree = _tree(
        left, right, [0, 1, 1, -2, -2, -2, -2], [0.5] * 3 + [0] * 4, [0, 0, 0, 1, 0, 0, 1]
    )
    np.testing.assert_allclose(_main_effect_shares(tree, np.zeros(2), np.ones(2)), [0.0, 0.0])


def test_fanova_constant_tree_is_skipped() -> None:
    tree = _tree([-1], [-1], [-2], [0], [3.0])
    assert _main_effect_shares(tree, np.zeros(1), np.ones(1)) is None


@pytest.mark.parametrize("n_objectives", [2, 3])
def test_pareto_mask_matches_core(n_objectives: int) -> None:
    rng = np.random.default_rng(n_objectives)
    for _ in range(20):
        # Few distinct values, so that ties and duplicates are common.
        loss = rng.integers(0, 6, size=(40, n_objectives)).astype(float)
        np.testing.assert_array_equal(pareto_front_mask(loss), is_pareto_front(loss))


def test_best_first_order_single_and_multi() -> None:
    assert best_first_order(np.array([3.0, 1.0, 2.0, 1.0]), 3).tolist() == [1, 3, 2]
    loss = np.array([[0.0, 3.0], [1.0, 1.0], [3.0, 0.0], [2.0, 2.0], [4.0, 4.0]])
    first_three = best_first_order(loss, 3)
    assert sorted(first_three.tolist()) == [0, 1, 2]
    # Four needed: the whole first front, then the best of the second.
    assert best_first_order(loss, 4).tolist()[3] == 3


def test_parzen_pmf_is_a_distribution_centred_on_data() -> None:
    grid = np.linspace(0, 1, 100)
    pmf = _parzen_pmf(np.full(50, 0.3), grid, 0.0, 1.0)
    assert pmf.sum() == pytest.approx(1.0)
    assert np.all(pmf > 0)
    assert abs(grid[np.argmax(pmf)] - 0.3) < 0.02
    uniform = _parzen_pmf(np.linspace(0, 1, 1000), grid, 0.0, 1.0)
    assert uniform.max() / uniform.min() < 1.5


def test_categorical_pmf_counts_with_prior() -> None:
    pmf = _categorical_pmf(np.array([0.0, 0.0, 2.0]), np.array([0, 1, 2]))
    np.testing.assert_allclose(pmf, np.array([2 + 1 / 3, 1 / 3, 1 + 1 / 3]) / 4)
