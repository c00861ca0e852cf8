from __future__ import annotations

import itertools

import numpy as np
import pytest

from parzen._hypervolume import compute_hypervolume, hypervolume_contributions, nondominated_mask


def _brute_force(points: np.ndarray, ref: np.ndarray) -> float:
    """Exact volume by summing the cells of the grid that the coordinates span."""
    pts = points[np.all(points < ref, axis=1)]
    if len(pts) == 0:
        return 0.0
    grids = [np.unique(np.append(pts[:, d], ref[d])) for d in range(pts.shape[1])]
    total = 0.0
    for cell in itertools.product(*(range(len(g) - 1) for g in grids)):
        lo = np.array([grids[d][c] for d, c in enumerate(cell)])
        hi = np.array([grids[d][c + 1] for d, c in enumerate(cell)])
        if np.any(np.all(pts <= lo, axis=1)):
            total += float(np.prod(hi - lo))
    return total


def _random_sets(n_objectives: int, n_sets: int, max_points: int):  # type: ignore[no-untyped-def]
    rng = np.random.RandomState(n_objectives)
    for i in range(n_sets):
        n = int(rng.randint(1, max_points + 1))
        if i % 2:
            # Integer coordinates: ties, duplicates and points on the reference's faces.
            points = rng.randint(0, 5, size=(n, n_objectives)).astype(float)
            ref = np.full(n_objectives, 4.0 if i % 4 == 1 else 5.0)
        else:
            points = rng.rand(n, n_objectives)
            ref = np.full(n_objectives, 1.0)
        yield points, ref


@pytest.mark.parametrize(("n_objectives", "max_points"), [(2, 12), (3, 10), (4, 7), (5, 6)])
def test_hypervolume_matches_brute_force(n_objectives: int, max_points: int) -> None:
    for points, ref in _random_sets(n_objectives, 12, max_points):
        assert compute_hypervolume(points, ref) == pytest.approx(_brute_force(points, ref))


@pytest.mark.parametrize(("n_objectives", "max_points"), [(2, 9), (3, 7), (4, 6), (5, 5)])
def test_contributions_match_brute_force(n_objectives: int, max_points: int) -> None:
    for points, ref in _random_sets(n_objectives, 8, max_points):
        total = _brute_force(points, ref)
        expected = [
            total - _brute_force(np.delete(points, i, axis=0), ref) for i in range(len(points))
        ]
        got = hypervolume_contributions(points, ref)
        np.testing.assert_allclose(got, expected, atol=1e-12)


def test_assume_pareto_gives_the_same_volume() -> None:
    rng = np.random.RandomState(0)
    points = rng.rand(30, 4)
    front = points[nondominated_mask(points)]
    ref = np.ones(4) * 1.1
    assert compute_hypervolume(front, ref, assume_pareto=True) == pytest.approx(
        compute_hypervolume(points, ref)
    )


def test_simple_cases() -> None:
    ref = np.array([4.0, 4.0])
    assert compute_hypervolume(np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]]), ref) == 6.0
    assert compute_hypervolume(np.empty((0, 2)), ref) == 0.0
    # Points that do not dominate the reference point add nothing.
    assert compute_hypervolume(np.array([[5.0, 0.0], [4.0, 1.0]]), ref) == 0.0
    assert compute_hypervolume(np.array([[1.0], [3.0]]), np.array([4.0])) == 3.0
    np.testing.assert_allclose(
        hypervolume_contributions(np.array([[1.0], [3.0], [1.0]]), np.array([4.0])), [0, 0, 0]
    )
    np.testing.assert_allclose(
        hypervolume_contributions(np.array([[1.0], [3.0]]), np.array([4.0])), [2.0, 0.0]
    )


def test_duplicates_contribute_nothing() -> None:
    points = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [2.0, 1.0, 1.0]])
    got = hypervolume_contributions(points, np.full(3, 4.0))
    assert got[0] == got[1] == 0.0
    assert got[2] > 0


def test_large_fronts_are_fast_enough_and_exact() -> None:
    # Points on a sphere: all nondominated. 2-D and 3-D use the sweeps; compare them with
    # the WFG recursion, which is exact on any set.
    from parzen._hypervolume import _wfg

    rng = np.random.RandomState(1)
    for m, n in [(2, 2000), (3, 300)]:
        points = np.abs(rng.randn(n, m))
        points /= np.linalg.norm(points, axis=1, keepdims=True)
        ref = np.full(m, 1.1)
        expected = _wfg(points[np.argsort(points[:, 0])[:40]], ref)
        assert compute_hypervolume(points[np.argsort(points[:, 0])[:40]], ref) == pytest.approx(
            expected
        )
        assert 0 < compute_hypervolume(points, ref) < 1.1**m


def test_nondominated_mask() -> None:
    points = np.array([[1.0, 2.0], [2.0, 1.0], [2.0, 2.0], [1.0, 2.0], [0.5, 3.0]])
    assert nondominated_mask(points).tolist() == [True, True, False, False, True]
    rng = np.random.RandomState(0)
    many = rng.rand(700, 3)  # beyond one broadcast block
    mask = nondominated_mask(many)
    for i in range(len(many)):
        dominated = np.any(np.all(many <= many[i], axis=1) & np.any(many < many[i], axis=1))
        assert mask[i] == (not dominated)


def test_invalid_inputs_are_rejected() -> None:
    with pytest.raises(ValueError, match="shape"):
        compute_hypervolume(np.ones((3, 2)), np.ones(3))
    with pytest.raises(ValueError, match="2-D"):
        compute_hypervolume(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="NaN"):
        compute_hypervolume(np.array([[np.nan, 1.0]]), np.ones(2))
