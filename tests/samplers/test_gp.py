from __future__ import annotations

import math
import pickle
import threading
from typing import Any

import numpy as np
import pytest

import parzen
from parzen.distributions import (
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from parzen.samplers import RandomSampler
from parzen.samplers._gp import GPSampler
from parzen.samplers._gp._acqf import (
    Acquisition,
    log_ehvi,
    log_ei,
    log_h,
    log_pf,
    nondominated_boxes,
)
from parzen.samplers._gp._gp import GPRegressor, fit_theta, neg_log_posterior
from parzen.samplers._gp._sampler import _running_rows
from parzen.samplers._gp._search_space import SearchSpaceEncoding, encode_trials
from parzen.testing.samplers import SamplerConformance
from parzen.trial import TrialState


class TestGPSamplerConformance(SamplerConformance):
    n_trials = 8

    def make_sampler(self, seed: int | None) -> GPSampler:
        return GPSampler(seed=seed, n_startup_trials=4)


def _finite_difference(f: Any, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    grad = np.empty_like(x)
    for i in range(len(x)):
        e = np.zeros_like(x)
        e[i] = eps
        grad[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return grad


def _data(n: int = 25, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.RandomState(seed)
    x = rng.rand(n, 4)
    x[:, 3] = rng.randint(3, size=n)
    is_cat = np.array([False, False, False, True])
    y = np.sin(3 * x[:, 0]) + x[:, 1] ** 2 + (x[:, 3] == 1) + 0.01 * rng.randn(n)
    return x, (y - y.mean()) / y.std(), is_cat


def test_marginal_likelihood_gradient_matches_finite_differences() -> None:
    x, y, is_cat = _data()
    theta = np.random.RandomState(1).randn(6) * 0.5
    _, grad = neg_log_posterior(theta, x, y, is_cat)
    numeric = _finite_difference(lambda t: neg_log_posterior(t, x, y, is_cat)[0], theta)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-5)


def test_posterior_gradient_matches_finite_differences() -> None:
    x, y, is_cat = _data()
    model = GPRegressor(x, y, is_cat, np.array([-0.5, 0.0, 0.3, 0.1, 0.2, -3.0]))
    point = np.array([0.3, 0.6, 0.2, 1.0])
    _, _, d_mean, d_var = model.posterior(point[None], with_grad=True)
    assert d_mean is not None and d_var is not None

    def moment(i: int) -> Any:
        def f(p: np.ndarray) -> float:
            return float(model.posterior(p[None])[i][0])

        return f

    for i, analytic in ((0, d_mean[0]), (1, d_var[0])):
        numeric = _finite_difference(moment(i), point)
        np.testing.assert_allclose(analytic[:3], numeric[:3], rtol=1e-4, atol=1e-7)
        assert analytic[3] == 0.0  # categorical column


def test_fit_recovers_lengthscale() -> None:
    from parzen.samplers._gp._kernel import matern52_value, scaled_sq_dist

    # A draw from the model itself: lengthscale 0.2 on the first column, the second unused.
    rng = np.random.RandomState(0)
    x = rng.rand(80, 2)
    is_cat = np.zeros(2, dtype=bool)
    k = matern52_value(scaled_sq_dist(x[:, :1], x[:, :1], np.array([1 / 0.2**2]), is_cat[:1]))
    y = np.linalg.cholesky(k + 1e-8 * np.eye(80)) @ rng.randn(80) + 1e-3 * rng.randn(80)
    y = (y - y.mean()) / y.std()
    theta = fit_theta(x, y, is_cat, initial=None, deterministic=False)
    lengthscales = np.exp(theta[:2])
    assert 0.1 < lengthscales[0] < 0.4, lengthscales
    assert lengthscales[1] > 5 * lengthscales[0], lengthscales
    assert np.exp(theta[3]) < 1e-2  # noise


def test_deterministic_objective_fixes_noise() -> None:
    x, y, is_cat = _data()
    theta = fit_theta(x, y, is_cat, initial=None, deterministic=True)
    assert np.exp(theta[-1]) == pytest.approx(1e-6)


def test_log_h_matches_naive_formula_where_stable_and_stays_finite() -> None:
    from scipy.stats import norm

    z = np.linspace(-10.0, 10.0, 81)
    naive = np.log(norm.pdf(z) + z * norm.cdf(z))
    np.testing.assert_allclose(log_h(z), naive, rtol=1e-9, atol=1e-12)
    far = log_h(np.array([-50.0, -1e3, -1e9]))
    assert np.all(np.isfinite(far))
    assert np.all(np.diff(far) < 0)
    # Asymptotically log h(z) = -z^2/2 - log(sqrt(2 pi)) - 2 log|z|.
    assert far[1] == pytest.approx(-5e5 - 0.5 * math.log(2 * math.pi) - 2 * math.log(1e3))


def test_log_ei_and_log_pf_gradients() -> None:
    rng = np.random.RandomState(0)
    mean, sd = rng.randn(5), rng.rand(5) + 0.1
    for fn in (log_ei, log_pf):
        _, d_mean, d_sd = fn(mean, sd, 0.3)
        numeric_mean = (fn(mean + 1e-6, sd, 0.3)[0] - fn(mean - 1e-6, sd, 0.3)[0]) / 2e-6
        numeric_sd = (fn(mean, sd + 1e-6, 0.3)[0] - fn(mean, sd - 1e-6, 0.3)[0]) / 2e-6
        np.testing.assert_allclose(d_mean, numeric_mean, rtol=1e-5)
        np.testing.assert_allclose(d_sd, numeric_sd, rtol=1e-5)
    value, _, _ = log_ei(np.array([0.2]), np.array([0.5]), 0.0)
    z = 0.4
    from scipy.stats import norm

    assert value[0] == pytest.approx(math.log(0.5 * (norm.pdf(z) + z * norm.cdf(z))))


@pytest.mark.parametrize("n_objectives", [2, 3])
def test_boxes_give_the_exact_hypervolume_improvement(n_objectives: int) -> None:
    from parzen._hypervolume import compute_hypervolume

    rng = np.random.RandomState(n_objectives)
    front = rng.rand(10, n_objectives)
    ref = np.full(n_objectives, -0.2)
    lower, upper = nondominated_boxes(front, ref)
    for _ in range(10):
        y = rng.rand(n_objectives) * 1.3
        boxes = np.prod(np.clip(np.minimum(y, upper) - lower, 0.0, None), axis=1).sum()
        exact = compute_hypervolume(-np.vstack([front, y]), -ref) - compute_hypervolume(
            -front, -ref
        )
        assert boxes == pytest.approx(exact, abs=1e-10)


def test_log_ehvi_matches_monte_carlo_and_its_gradient() -> None:
    rng = np.random.RandomState(0)
    front = rng.rand(6, 2)
    lower, upper = nondominated_boxes(front, np.array([-0.2, -0.2]))
    mean = np.array([[0.7, 0.8]])
    sd = np.array([[0.2, 0.3]])
    value, d_mean, d_sd = log_ehvi(mean, sd, lower, upper)
    samples = mean + sd * rng.randn(200_000, 2)
    hvi = np.prod(np.clip(np.minimum(samples[:, None], upper) - lower, 0, None), axis=2).sum(1)
    assert math.exp(value[0]) == pytest.approx(hvi.mean(), rel=0.02)
    for j in range(2):
        e = np.zeros((1, 2))
        e[0, j] = 1e-6
        num_mean = (
            log_ehvi(mean + e, sd, lower, upper)[0] - log_ehvi(mean - e, sd, lower, upper)[0]
        )
        num_sd = log_ehvi(mean, sd + e, lower, upper)[0] - log_ehvi(mean, sd - e, lower, upper)[0]
        assert d_mean[0, j] == pytest.approx(num_mean[0] / 2e-6, rel=1e-5)
        assert d_sd[0, j] == pytest.approx(num_sd[0] / 2e-6, rel=1e-5)
    far, _, _ = log_ehvi(np.array([[-30.0, -30.0]]), np.array([[0.01, 0.01]]), lower, upper)
    assert np.isfinite(far[0])


def test_acquisition_gradient_matches_finite_differences() -> None:
    x, y, is_cat = _data()
    theta = np.array([-0.5, 0.0, 0.3, 0.1, 0.2, -3.0])
    model = GPRegressor(x, y, is_cat, theta)
    constraint = GPRegressor(x, -y, is_cat, theta)
    acqf = Acquisition([model], [(constraint, 0.5)], best=float(y.max()))
    point = np.array([0.3, 0.6, 0.2, 1.0])
    _, grad = acqf(point[None], with_grad=True)
    assert grad is not None
    numeric = _finite_difference(lambda p: float(acqf(p[None])[0][0]), point)
    np.testing.assert_allclose(grad[0, :3], numeric[:3], rtol=1e-4, atol=1e-7)


def test_encoding_round_trip() -> None:
    space = {
        "f": FloatDistribution(-2.0, 3.0),
        "lf": FloatDistribution(1e-4, 1.0, log=True),
        "sf": FloatDistribution(0.0, 1.0, step=0.25),
        "i": IntDistribution(-3, 7, step=2),
        "li": IntDistribution(1, 100, log=True),
        "c": CategoricalDistribution(["a", None, 2]),
    }
    encoding = SearchSpaceEncoding(space)
    params = {"f": 0.5, "lf": 1e-3, "sf": 0.75, "i": 5, "li": 17, "c": None}
    row = encode_trials(encoding, [params])[0]
    assert np.all((row >= 0) & (row <= 2))
    decoded = encoding.decode(row)
    assert decoded.keys() == params.keys()
    for name, value in params.items():
        if isinstance(value, float):
            assert decoded[name] == pytest.approx(value)
        else:
            assert decoded[name] == value and type(decoded[name]) is type(value)
    rng = np.random.RandomState(0)
    for u in rng.rand(50, encoding.dim):
        decoded = encoding.decode(encoding.from_unit(u[None])[0])
        for name, value in decoded.items():
            assert space[name]._contains(space[name].to_internal_repr(value)), (name, value)


def _sphere(trial: parzen.trial.Trial) -> float:
    return sum((trial.suggest_float(f"x{i}", -5.0, 5.0) - 1.0) ** 2 for i in range(3))


def test_beats_random_search_on_an_easy_problem() -> None:
    gp_study = parzen.create_study(sampler=GPSampler(seed=1, n_startup_trials=5))
    gp_study.optimize(_sphere, n_trials=20)
    random_best = []
    for seed in range(5):
        study = parzen.create_study(sampler=RandomSampler(seed=seed))
        study.optimize(_sphere, n_trials=20)
        random_best.append(study.best_value)
    # Random search with 20 trials in 3-D rarely gets below ~2; the GP reaches ~0.
    assert gp_study.best_value < 0.5
    assert gp_study.best_value < min(random_best)


def test_same_seed_same_suggestions_past_startup() -> None:
    def run() -> list[dict[str, Any]]:
        study = parzen.create_study(sampler=GPSampler(seed=3, n_startup_trials=3))
        study.optimize(_sphere, n_trials=7)
        return [t.params for t in study.trials]

    assert run() == run()


def test_mixed_space_values_are_valid_and_improve() -> None:
    def objective(trial: parzen.trial.Trial) -> float:
        x = trial.suggest_float("x", -2.0, 2.0)
        n = trial.suggest_int("n", 1, 64, log=True)
        k = trial.suggest_int("k", 0, 10, step=2)
        c = trial.suggest_categorical("c", ["bad", "good", "worse"])
        penalty = {"bad": 1.0, "good": 0.0, "worse": 2.0}[c]
        return x**2 + (math.log2(n) - 3) ** 2 + (k - 4) ** 2 / 4 + penalty

    study = parzen.create_study(sampler=GPSampler(seed=0, n_startup_trials=5))
    study.optimize(objective, n_trials=20)
    for trial in study.trials:
        assert trial.params["k"] % 2 == 0
        assert 1 <= trial.params["n"] <= 64
    # Random search with 20 trials typically ends between 1.5 and 2.5 here; the GP finds the
    # optimum (0) or its neighbour with the second-best category (1).
    assert study.best_value < 1.2


def test_constraints_func_is_stored_and_steers_to_feasible_region() -> None:
    def objective(trial: parzen.trial.Trial) -> float:
        x = trial.suggest_float("x", -3.0, 3.0)
        y = trial.suggest_float("y", -3.0, 3.0)
        return x**2 + y**2

    def constraints(trial: parzen.trial.FrozenTrial) -> list[float]:
        # Feasible when x >= 1: the constrained optimum is (1, 0) with value 1.
        return [1.0 - trial.params["x"]]

    sampler = GPSampler(seed=0, n_startup_trials=5, constraints_func=constraints)
    study = parzen.create_study(sampler=sampler)
    study.optimize(objective, n_trials=20)
    trials = study.get_trials(states=(TrialState.COMPLETE,))
    for trial in trials:
        assert trial.system_attrs["constraints"] == [1.0 - trial.params["x"]]  # as Optuna
    later = trials[5:]
    assert sum(t.params["x"] >= 1.0 for t in later) >= len(later) // 2
    feasible = [t.value for t in trials if t.params["x"] >= 1.0]
    assert min(feasible) < 1.3


def test_set_constraint_without_constraints_func_is_used() -> None:
    def objective(trial: parzen.trial.Trial) -> float:
        x = trial.suggest_float("x", -3.0, 3.0)
        trial.set_constraint("x_at_least_1", 1.0 - x)
        return x**2

    study = parzen.create_study(sampler=GPSampler(seed=0, n_startup_trials=4))
    study.optimize(objective, n_trials=12)
    later = study.trials[4:]
    assert sum(t.params["x"] >= 1.0 for t in later) >= len(later) // 2


def test_nan_constraint_is_an_error() -> None:
    sampler = GPSampler(seed=0, constraints_func=lambda t: [float("nan")])
    study = parzen.create_study(sampler=sampler)
    with pytest.raises(ValueError, match="NaN"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)


def test_multi_objective_spreads_over_the_front() -> None:
    def objective(trial: parzen.trial.Trial) -> tuple[float, float]:
        x = trial.suggest_float("x", 0.0, 1.0)
        y = trial.suggest_float("y", 0.0, 1.0)
        return x**2 + y**2, (x - 1) ** 2 + y**2

    study = parzen.create_study(
        directions=["minimize", "minimize"], sampler=GPSampler(seed=0, n_startup_trials=5)
    )
    study.optimize(objective, n_trials=16)
    later = study.trials[5:]
    # The Pareto set is y = 0; EHVI should push y down.
    assert np.median([t.params["y"] for t in later]) < 0.2
    assert len(study.best_trials) >= 3


def test_multi_objective_with_maximize_and_constraints() -> None:
    def objective(trial: parzen.trial.Trial) -> tuple[float, float]:
        x = trial.suggest_float("x", 0.0, 1.0)
        trial.set_constraint("c", 0.2 - x)
        return x, 1.0 - x**2

    study = parzen.create_study(
        directions=["minimize", "maximize"], sampler=GPSampler(seed=0, n_startup_trials=4)
    )
    study.optimize(objective, n_trials=10)
    assert all(0.0 <= t.params["x"] <= 1.0 for t in study.trials)


def test_running_trials_are_avoided() -> None:
    sampler = GPSampler(seed=0, n_startup_trials=5)
    study = parzen.create_study(sampler=sampler)
    study.optimize(_sphere, n_trials=8)
    first = study.ask()
    second = study.ask()
    # Parameters are sampled when suggested: the second trial sees the first one running.
    a = np.array([first.suggest_float(f"x{i}", -5.0, 5.0) for i in range(3)])
    b = np.array([second.suggest_float(f"x{i}", -5.0, 5.0) for i in range(3)])
    assert np.linalg.norm(a - b) > 0.05


def test_two_workers() -> None:
    # Both threads run objectives at once (a barrier proves it), and no model-based
    # suggestion repeats or nearly repeats another: a thread that fitted its model before the
    # other's trial wrote its parameters would propose the same point again.
    barrier = threading.Barrier(2, timeout=60)
    threads: set[int] = set()

    def objective(trial: parzen.Trial) -> float:
        if threading.get_ident() not in threads:
            threads.add(threading.get_ident())
            barrier.wait()
        return _sphere(trial)

    study = parzen.create_study(sampler=GPSampler(seed=0, n_startup_trials=4))
    study.optimize(objective, n_trials=12, n_jobs=2)
    assert len(study.trials) == 12 and len(threads) == 2
    points = np.array([list(t.params.values()) for t in study.trials[4:]])
    gaps = np.linalg.norm(points[:, None, :] - points[None, :, :], axis=-1)
    gaps[np.diag_indices_from(gaps)] = np.inf
    assert gaps.min() > 1e-6


def test_a_suggestion_counts_as_running_before_its_trial_writes_it() -> None:
    # Two threads: the second may ask before the first trial has written its parameters.
    sampler = GPSampler(seed=0, n_startup_trials=4)
    study = parzen.create_study(sampler=sampler)
    study.optimize(_sphere, n_trials=6)
    first, second = study.ask(), study.ask()
    space = sampler.infer_relative_search_space(study, first._cached_frozen_trial)
    suggested = sampler.sample_relative(study, first._cached_frozen_trial, space)
    assert study._storage.get_trial(first._trial_id).params == {}  # nothing written yet
    encoding = SearchSpaceEncoding(space)
    rows = _running_rows(study, second._cached_frozen_trial, encoding, sampler._suggested)
    np.testing.assert_allclose(rows, encode_trials(encoding, [suggested]))
    other = sampler.sample_relative(study, second._cached_frozen_trial, space)
    assert other != suggested
    study.tell(first, 1.0)
    assert first._trial_id not in sampler._suggested


def test_independent_sampling_warns_after_startup(caplog: pytest.LogCaptureFixture) -> None:
    def objective(trial: parzen.trial.Trial) -> float:
        x = trial.suggest_float("x", 0.0, 1.0)
        if trial.number >= 3:
            trial.suggest_float(f"extra{trial.number}", 0.0, 1.0)
        return x

    parzen.logging.enable_propagation()
    try:
        study = parzen.create_study(sampler=GPSampler(seed=0, n_startup_trials=3))
        with caplog.at_level("WARNING"):
            study.optimize(objective, n_trials=5)
    finally:
        parzen.logging.disable_propagation()
    assert any("extra" in r.getMessage() for r in caplog.records)

    quiet = parzen.create_study(
        sampler=GPSampler(seed=0, n_startup_trials=3, warn_independent_sampling=False)
    )
    caplog.clear()
    parzen.logging.enable_propagation()
    try:
        with caplog.at_level("WARNING"):
            quiet.optimize(objective, n_trials=5)
    finally:
        parzen.logging.disable_propagation()
    assert not any("extra" in r.getMessage() for r in caplog.records)


def test_deterministic_objective_and_pickle() -> None:
    sampler = GPSampler(seed=0, n_startup_trials=3, deterministic_objective=True)
    study = parzen.create_study(sampler=sampler)
    study.optimize(_sphere, n_trials=6)
    clone = pickle.loads(pickle.dumps(sampler))
    study.sampler = clone
    study.optimize(_sphere, n_trials=2)
    assert len(study.trials) == 8


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"n_startup_trials": -1}, ValueError),
        ({"n_startup_trials": 1.5}, TypeError),
        ({"independent_sampler": object()}, TypeError),
        ({"constraints_func": 3}, TypeError),
    ],
)
def test_invalid_arguments(kwargs: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        GPSampler(**kwargs)


def test_blas_thread_limit_is_shared_and_restored() -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from parzen.samplers._gp._sampler import _blas_threads_limited

    def threads() -> list[int]:
        info = threadpoolctl.threadpool_info()
        return [lib["num_threads"] for lib in info if lib["user_api"] == "blas"]

    before = threads()
    with _blas_threads_limited(10):
        assert all(n == 1 for n in threads())
        with _blas_threads_limited(10):
            pass
        assert all(n == 1 for n in threads())
    assert threads() == before


def test_sampler_reused_across_studies_keeps_their_histories_apart() -> None:
    sampler = GPSampler(seed=0, n_startup_trials=3)
    first = parzen.create_study(sampler=sampler)
    first.optimize(_sphere, n_trials=5)
    second = parzen.create_study(sampler=sampler)
    # Simulate a new storage that got the id (the cache key) of a freed one.
    (stale,) = sampler._histories.values()
    sampler._histories = {(id(second._storage), second._study_id): stale}
    second.optimize(_sphere, n_trials=6)
    history = sampler._history(second)
    assert [t.values for t in history.complete] == [t.values for t in second.trials]
    history = sampler._history(first)
    assert [t.values for t in history.complete] == [t.values for t in first.trials]
