"""Improvement evaluators against values computed independently in the test.

The Gaussian-process bounds are recomputed here with plain numpy from their definitions
(Makarova et al., 2022; Ishibashi et al., 2023): only the hyperparameters come from parzen's
GP fit, whose own tests live with the GP sampler.
"""

from __future__ import annotations

import math
from types import ModuleType

import numpy as np
import pytest

from .conftest import make_trials

# -- best value stagnation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "direction", "expected"),
    [
        ([5.0], "minimize", 5),
        ([5.0, 4.0, 6.0], "minimize", 4),  # best at 1, one trial since
        ([5.0, 4.0, 6.0, 3.0, 7.0, 8.0, 9.0], "minimize", 2),
        ([5.0, 4.0, 6.0, 3.0, 7.0, 8.0, 9.0, 3.0, 2.5], "minimize", 5),
        ([5.0, 4.0, 6.0, 3.0, 7.0, 8.0, 9.0, 3.0, 2.5, 10.0, 11.0], "maximize", 5),
        ([5.0, 4.0, 6.0, 3.0, 7.0, 8.0], "maximize", 5),
        ([5.0, 5.0, 5.0], "minimize", 3),  # a tie is no improvement
        ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], "minimize", -2),
    ],
)
def test_stagnation_counts_down_from_the_best_trial(
    lib: ModuleType, values: list[float], direction: str, expected: int
) -> None:
    trials = make_trials(lib, [[0.5]] * len(values), values)
    evaluator = lib.terminator.BestValueStagnationEvaluator(max_stagnation_trials=5)
    direction_ = getattr(lib.study.StudyDirection, direction.upper())
    assert evaluator.evaluate(trials, direction_) == expected


def test_stagnation_counts_complete_trials_only(lib: ModuleType) -> None:
    trials = make_trials(lib, [[0.5]] * 2, [5.0, 4.0])
    pruned = [lib.trial.create_trial(state=lib.trial.TrialState.PRUNED) for _ in range(3)]
    mixed = [trials[0], pruned[0], trials[1], pruned[1], pruned[2]]
    evaluator = lib.terminator.BestValueStagnationEvaluator(max_stagnation_trials=5)
    assert evaluator.evaluate(mixed, lib.study.StudyDirection.MINIMIZE) == 5


def test_stagnation_of_no_complete_trial_is_a_value_error(lib: ModuleType) -> None:
    evaluator = lib.terminator.BestValueStagnationEvaluator()
    with pytest.raises(ValueError, match="no trial has been completed"):
        evaluator.evaluate([], lib.study.StudyDirection.MINIMIZE)


def test_stagnation_rejects_a_negative_limit(lib: ModuleType) -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        lib.terminator.BestValueStagnationEvaluator(max_stagnation_trials=-1)


# -- an independent Gaussian process -----------------------------------------------------------


def _matern52(x1: np.ndarray, x2: np.ndarray, lengthscale: float) -> np.ndarray:
    r = np.abs(x1[:, None] - x2[None, :]) / lengthscale
    return (1 + math.sqrt(5) * r + 5 / 3 * r**2) * np.exp(-math.sqrt(5) * r)


class _Posterior:
    """The posterior of f ~ GP(0, scale * matern52) given y = f(x) + N(0, noise), 1-D."""

    def __init__(self, x: np.ndarray, y: np.ndarray, theta: np.ndarray) -> None:
        self.x, self.lengthscale = x, math.exp(theta[0])
        self.scale, noise = math.exp(theta[1]), math.exp(theta[2])
        k = self.scale * _matern52(x, x, self.lengthscale) + (noise + 1e-9) * np.eye(len(x))
        self.k_inv = np.linalg.inv(k)
        self.alpha = self.k_inv @ y

    def __call__(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        kc = self.scale * _matern52(points, self.x, self.lengthscale)
        mean = kc @ self.alpha
        var = self.scale - np.einsum("ij,jk,ik->i", kc, self.k_inv, kc)
        return mean, np.sqrt(np.maximum(var, 1e-12))


def _fit(x: np.ndarray, y: np.ndarray, *, deterministic: bool = False) -> np.ndarray:
    from parzen.samplers._gp._gp import fit_theta

    return fit_theta(
        x[:, None], y, np.zeros(1, dtype=bool), initial=None, deterministic=deterministic
    )


def _beta(n_params: int, n_trials: int, delta: float = 0.1) -> float:
    # Srinivas et al. (2010), scaled down by 5 as in Makarova et al. (2022).
    return 2 * math.log(n_params * n_trials**2 * math.pi**2 / (6 * delta)) / 5


GRID = np.linspace(0.0, 1.0, 20001)


def _problem(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.RandomState(seed)
    x = rng.rand(n)
    return x, np.sin(6 * x) + 0.5 * x + 0.05 * rng.randn(n)


@pytest.mark.parametrize(("n", "top_trials_ratio", "min_n_trials"), [(12, 0.5, 20), (30, 0.5, 6)])
def test_regret_bound_is_the_ucb_lcb_gap_of_a_gp_on_the_top_trials(
    n: int, top_trials_ratio: float, min_n_trials: int
) -> None:
    import parzen
    from parzen.terminator import RegretBoundEvaluator

    x, values = _problem(n)
    n_top = min(n, max(min_n_trials, int(n * top_trials_ratio)))
    top = np.argsort(values)[:n_top]
    std = values[top].std()
    y = (values[top] - values[top].mean()) / std
    posterior = _Posterior(x[top], y, _fit(x[top], y))
    root_beta = math.sqrt(_beta(1, n))
    mean, sd = posterior(x[top])
    grid_mean, grid_sd = posterior(GRID)
    lower = min(np.min(grid_mean - root_beta * grid_sd), np.min(mean - root_beta * sd))
    expected = std * (np.min(mean + root_beta * sd) - lower)

    trials = make_trials(parzen, [[v] for v in x], values)
    evaluator = RegretBoundEvaluator(top_trials_ratio, min_n_trials, seed=0)
    bound = evaluator.evaluate(trials, parzen.study.StudyDirection.MINIMIZE)
    assert bound == pytest.approx(expected, rel=1e-3)
    assert bound > 0


def test_emmr_is_the_bound_on_the_change_of_the_expected_regret() -> None:
    import parzen
    from parzen.terminator import EMMREvaluator

    n = 15
    x, values = _problem(n, seed=1)
    y = (values - values.mean()) / values.std()
    theta = _fit(x, y)
    now = _Posterior(x, y, theta)
    before = _Posterior(x[:-1], y[:-1], theta)
    mean_now, _ = now(x)
    mean_before, _ = before(x)
    i_now = int(np.argmin(mean_now))
    i_before = int(np.argmin(mean_before[:-1]))
    # The two posteriors differ only through the new point's marginal.
    (m1,), (s1,) = now(x[-1:])
    (m0,), (s0,) = before(x[-1:])
    kl = math.log(s0 / s1) + (s1**2 + (m1 - m0) ** 2) / (2 * s0**2) - 0.5
    root_beta = math.sqrt(_beta(1, n, delta=0.1))
    _, sd_old = now(x[i_before : i_before + 1])
    grid_mean, grid_sd = now(GRID)
    observed_lower = np.min(mean_now - root_beta * now(x)[1])
    lower = min(np.min(grid_mean - root_beta * grid_sd), observed_lower)
    regret = mean_now[i_before] + root_beta * sd_old[0] - lower
    expected = (
        abs(mean_before[i_before] - mean_now[i_now])
        + abs(mean_before[i_before] - mean_now[i_before])
        + regret * math.sqrt(kl / 2)
    )

    trials = make_trials(parzen, [[v] for v in x], values)
    gap = EMMREvaluator(seed=0).evaluate(trials, parzen.study.StudyDirection.MINIMIZE)
    assert gap == pytest.approx(expected, rel=1e-3)


# -- properties both libraries share -------------------------------------------------------------


def _two_d(lib: ModuleType, n: int, scale: float = 1.0, shift: float = 0.0) -> list:
    rng = np.random.RandomState(0)
    xs = rng.rand(n, 2)
    values = scale * ((xs[:, 0] - 0.3) ** 2 + (xs[:, 1] - 0.6) ** 2) + shift
    return make_trials(lib, xs.tolist(), values.tolist())


def test_regret_bound_is_in_the_units_of_the_objective(lib: ModuleType) -> None:
    minimize = lib.study.StudyDirection.MINIMIZE
    base = lib.terminator.RegretBoundEvaluator(seed=0).evaluate(_two_d(lib, 30), minimize)
    scaled = lib.terminator.RegretBoundEvaluator(seed=0).evaluate(
        _two_d(lib, 30, scale=10.0, shift=5.0), minimize
    )
    assert base > 0
    assert scaled == pytest.approx(10 * base, rel=1e-3)


def test_regret_bound_of_a_maximized_study_is_that_of_its_negation(lib: ModuleType) -> None:
    up = _two_d(lib, 30, scale=-1.0)
    down = _two_d(lib, 30)
    direction = lib.study.StudyDirection
    maximized = lib.terminator.RegretBoundEvaluator(seed=0).evaluate(up, direction.MAXIMIZE)
    minimized = lib.terminator.RegretBoundEvaluator(seed=0).evaluate(down, direction.MINIMIZE)
    assert maximized == pytest.approx(minimized, rel=1e-6)


def test_regret_bound_shrinks_as_the_optimum_is_pinned_down(lib: ModuleType) -> None:
    minimize = lib.study.StudyDirection.MINIMIZE
    early = lib.terminator.RegretBoundEvaluator(seed=0).evaluate(_two_d(lib, 10), minimize)
    late = lib.terminator.RegretBoundEvaluator(seed=0).evaluate(_two_d(lib, 150), minimize)
    assert late < early / 10


def test_regret_bound_of_no_complete_trial_is_a_value_error(lib: ModuleType) -> None:
    with pytest.raises(ValueError, match="no trial has been completed"):
        lib.terminator.RegretBoundEvaluator().evaluate([], lib.study.StudyDirection.MINIMIZE)


def test_emmr_does_not_depend_on_the_scale_of_the_objective(lib: ModuleType) -> None:
    minimize = lib.study.StudyDirection.MINIMIZE
    base = lib.terminator.EMMREvaluator(seed=0).evaluate(_two_d(lib, 20), minimize)
    scaled = lib.terminator.EMMREvaluator(seed=0).evaluate(
        _two_d(lib, 20, scale=10.0, shift=3.0), minimize
    )
    assert 0 < base < 10
    assert scaled == pytest.approx(base, rel=1e-3)


def test_emmr_before_min_n_trials_is_huge_but_finite(lib: ModuleType) -> None:
    evaluator = lib.terminator.EMMREvaluator(min_n_trials=3)
    value = evaluator.evaluate(_two_d(lib, 2), lib.study.StudyDirection.MINIMIZE)
    assert math.isfinite(value) and value > 1e300


def test_emmr_needs_at_least_two_trials(lib: ModuleType) -> None:
    with pytest.raises(ValueError, match="min_n_trials"):
        lib.terminator.EMMREvaluator(min_n_trials=1)
