"""TPESampler's own behaviour: its model, its split and its statistical edge over random search.

The statistical checks use fixed seeds, so they are deterministic; their margins are wide
(several-fold) so that they do not hinge on a lucky seed.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pytest
from scipy.stats import truncnorm

import parzen
from parzen._hypervolume import compute_hypervolume
from parzen.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from parzen.samplers import RandomSampler
from parzen.samplers._history import TrialHistory
from parzen.samplers._tpe import TPESampler, default_gamma, default_weights, hyperopt_default_gamma
from parzen.samplers._tpe._above import AboveMixture
from parzen.samplers._tpe._argmax import best_candidate
from parzen.samplers._tpe._parzen_estimator import (
    ParzenEstimator,
    SearchDim,
    _neighbour_sigmas,
    logsumexp_rows,
)
from parzen.samplers._tpe._split import split_rows
from parzen.study import StudyDirection
from parzen.trial import TrialState, create_trial

_KW: dict[str, Any] = dict(
    consider_prior=True, prior_weight=1.0, consider_magic_clip=True, consider_endpoints=False
)


@pytest.fixture(autouse=True)
def _quiet() -> None:
    parzen.logging.set_verbosity(parzen.logging.WARNING)


def _median_best(make_sampler: Any, objective: Any, n_trials: int, seeds: range) -> float:
    best = []
    for seed in seeds:
        study = parzen.create_study(sampler=make_sampler(seed))
        study.optimize(objective, n_trials=n_trials)
        best.append(study.best_value)
    return float(np.median(best))


def _sphere(trial: parzen.trial.BaseTrial) -> float:
    return sum(trial.suggest_float(f"x{i}", -5, 5) ** 2 for i in range(4))


def _diagonal_valley(trial: parzen.trial.BaseTrial) -> float:
    # The good region is a narrow diagonal: only a joint model sees it.
    x, y = trial.suggest_float("x", -5, 5), trial.suggest_float("y", -5, 5)
    return (x - y) ** 2 + 0.05 * (x + y - 3) ** 2


# -- helpers and arguments --------------------------------------------------------------------


def test_gamma_and_weights() -> None:
    assert [default_gamma(n) for n in (0, 1, 10, 11, 250, 10_000)] == [0, 1, 1, 2, 25, 25]
    assert hyperopt_default_gamma(100) == 3
    assert default_weights(0).shape == (0,)
    np.testing.assert_array_equal(default_weights(24), np.ones(24))
    w = default_weights(100)
    assert len(w) == 100 and w[0] == pytest.approx(0.01) and np.all(w[-25:] == 1)
    assert np.all(np.diff(w) >= 0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"group": True, "multivariate": False}, "group=True needs multivariate=True"),
        ({"n_ei_candidates": 0}, "n_ei_candidates"),
        ({"n_startup_trials": -1}, "n_startup_trials"),
        ({"prior_weight": 0.0}, "prior_weight"),
    ],
)
def test_invalid_arguments(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        TPESampler(**kwargs)


def test_startup_trials_are_random_then_relative() -> None:
    sampler = TPESampler(seed=0, n_startup_trials=4)
    study = parzen.create_study(sampler=sampler)
    spaces = []

    def objective(trial: parzen.trial.Trial) -> float:
        spaces.append(sampler.infer_relative_search_space(study, trial._cached_frozen_trial))
        return trial.suggest_float("x", 0, 1) + trial.suggest_int("n", 0, 3)

    study.optimize(objective, n_trials=6)
    assert spaces[:4] == [{}] * 4
    assert set(spaces[4]) == {"x", "n"}


def test_weights_function_of_the_wrong_length_is_an_error() -> None:
    sampler = TPESampler(seed=0, n_startup_trials=2, weights=lambda n: np.ones(n + 1))
    study = parzen.create_study(sampler=sampler)
    with pytest.raises(ValueError, match="weights"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=4)


# -- the Parzen estimator -----------------------------------------------------------------------


def test_joint_bandwidth_follows_the_rule_of_thumb() -> None:
    rng = np.random.RandomState(1)
    dims = [SearchDim(f"x{i}", FloatDistribution(-5, 5)) for i in range(5)]
    n = 20
    obs = {dim.name: rng.normal(1.0, 0.5 + i, n).clip(-5, 5) for i, dim in enumerate(dims)}
    joint = ParzenEstimator(dims, obs, np.ones(n), **_KW, joint_bandwidth=True)
    points = np.column_stack([obs[d.name] for d in dims])
    expected = np.clip(1.06 * points.std(axis=0) * n ** (-1 / 9), 10 / 22, 10)
    np.testing.assert_allclose(joint._sigma[1:], np.tile(expected, (n, 1)))
    np.testing.assert_allclose(joint._sigma[0], 10.0)  # the prior stays as wide as the domain
    # The neighbour rule, by contrast, gives each kernel its own (here mostly narrower) width.
    plain = ParzenEstimator(dims, obs, np.ones(n), **_KW)
    assert np.median(plain._sigma[1:]) < np.median(joint._sigma[1:])
    # A single parameter keeps the neighbour rule.
    one = ParzenEstimator(dims[:1], obs, np.ones(n), **_KW, joint_bandwidth=True)
    np.testing.assert_allclose(
        one._sigma, ParzenEstimator(dims[:1], obs, np.ones(n), **_KW)._sigma
    )


def test_continuous_density_matches_scipy() -> None:
    rng = np.random.RandomState(0)
    dims = [
        SearchDim("a", FloatDistribution(-5, 5)),
        SearchDim("b", FloatDistribution(1e-3, 10, log=True)),
    ]
    for n in (0, 1, 7, 80):
        obs = {"a": rng.uniform(-5, 5, n), "b": np.exp(rng.uniform(math.log(1e-3), 0, n))}
        estimator = ParzenEstimator(dims, obs, rng.rand(n), **_KW)
        samples = estimator.sample(rng, 6)
        expected = np.zeros(6)
        for k, weight in enumerate(estimator._weights):
            density = np.full(6, weight)
            for j, dim in enumerate(dims):
                mu, sigma = estimator._mu[k, j], estimator._sigma[k, j]
                a, b = (dim.lo - mu) / sigma, (dim.hi - mu) / sigma
                x = dim.to_model(samples[dim.name])
                density *= truncnorm.pdf(x, a, b, loc=mu, scale=sigma)
            expected += density
        np.testing.assert_allclose(estimator.log_pdf(samples), np.log(expected), atol=1e-9)


def test_discrete_and_categorical_masses_sum_to_one_and_match_sampling() -> None:
    rng = np.random.RandomState(1)
    dims = [
        SearchDim("k", FloatDistribution(-1, 1, step=0.25)),
        SearchDim("m", IntDistribution(1, 6, log=True)),
        SearchDim("c", CategoricalDistribution(["a", "b", "c"])),
    ]
    obs = {"k": np.array([0.25, -1.0]), "m": np.array([1.0, 5.0]), "c": np.array([0.0, 2.0])}
    estimator = ParzenEstimator(dims, obs, np.ones(2), **_KW)
    grid = np.array(np.meshgrid(np.linspace(-1, 1, 9), np.arange(1, 7), [0, 1, 2]))
    points = {"k": grid[0].ravel(), "m": grid[1].ravel(), "c": grid[2].ravel()}
    masses = np.exp(estimator.log_pdf(points))
    assert masses.sum() == pytest.approx(1.0)
    samples = estimator.sample(rng, 100_000)
    index = (
        np.round((samples["k"] + 1) / 0.25).astype(int) * 18
        + (samples["m"].astype(int) - 1) * 3
        + samples["c"].astype(int)
    )
    grid_index = (
        np.round((points["k"] + 1) / 0.25).astype(int) * 18
        + (points["m"].astype(int) - 1) * 3
        + points["c"].astype(int)
    )
    empirical = np.bincount(index, minlength=162)[grid_index] / 100_000
    np.testing.assert_allclose(empirical, masses, atol=0.006)


def test_categorical_distance_shapes_the_kernel() -> None:
    dist = CategoricalDistribution([0, 1, 2, 3, 4])
    dims = [SearchDim("c", dist)]
    obs = {"c": np.array([0.0] * 10)}
    plain = ParzenEstimator(dims, obs, np.ones(10), **_KW)
    shaped = ParzenEstimator(
        dims, obs, np.ones(10), **_KW, categorical_distance_func={"c": lambda a, b: abs(a - b)}
    )
    choices = {"c": np.arange(5.0)}
    p_plain, p_shaped = np.exp(plain.log_pdf(choices)), np.exp(shaped.log_pdf(choices))
    assert p_plain.sum() == pytest.approx(1) and p_shaped.sum() == pytest.approx(1)
    # Without a distance, every other choice is equally unlikely; with one, near beats far.
    assert p_plain[1] == pytest.approx(p_plain[4])
    assert p_shaped[1] > p_shaped[2] > p_shaped[4]
    with pytest.raises(ValueError, match="non-negative"):
        ParzenEstimator(
            dims, obs, np.ones(10), **_KW, categorical_distance_func={"c": lambda a, b: -1.0}
        )


def _reference_sigmas(
    mus: np.ndarray, lo: float, hi: float, min_sigma: float, prior: bool, endpoints: bool
) -> np.ndarray:
    """Bergstra's rule written plainly: the larger gap to the sorted neighbours."""
    points = [*mus, (lo + hi) / 2] if prior else list(mus)
    order = np.argsort(points, kind="stable")
    ordered = np.asarray(points)[order]
    out = np.empty(len(points))
    for r, i in enumerate(order):
        left = ordered[r] - ordered[r - 1] if r > 0 else (ordered[r] - lo if endpoints else 0)
        last = len(ordered) - 1
        right = ordered[r + 1] - ordered[r] if r < last else (hi - ordered[r] if endpoints else 0)
        out[i] = max(left, right)
    if len(points) == 1 and not endpoints:
        out[:] = hi - lo
    return np.clip(out[: len(mus)], min_sigma, hi - lo)


def test_neighbour_bandwidths_match_the_plain_rule() -> None:
    rng = np.random.RandomState(0)
    lo, hi = np.array([0.0, -1.0, 2.0]), np.array([1.0, 1.0, 10.0])
    for t in range(300):
        n = int(rng.randint(1, 8))
        mus = lo + (hi - lo) * rng.rand(n, 3)
        if t % 3 == 0:
            mus = np.round(mus, 1)  # ties, and points on the prior's centre
        prior, endpoints = bool(t % 2), bool(t % 5 < 2)
        got = _neighbour_sigmas(
            mus,
            None,
            lo,
            hi,
            (hi - lo) / 50,
            consider_prior=prior,
            consider_endpoints=endpoints,
        )
        for d in range(3):
            expected = _reference_sigmas(
                mus[:, d], lo[d], hi[d], (hi[d] - lo[d]) / 50, prior, endpoints
            )
            np.testing.assert_allclose(got[:, d], expected)


@pytest.mark.parametrize("consider_prior", [True, False])
@pytest.mark.parametrize("consider_endpoints", [False, True])
def test_incremental_above_mixture_equals_a_fresh_estimator(
    consider_prior: bool, consider_endpoints: bool
) -> None:
    rng = np.random.RandomState(0)
    space = {
        "a": FloatDistribution(-5, 5),
        "b": FloatDistribution(1e-3, 10, log=True),
        "k": IntDistribution(1, 20),
        "q": FloatDistribution(0, 1, step=0.1),
        "m": IntDistribution(1, 100, log=True),
        "c": CategoricalDistribution(["x", "y", "z"]),
    }
    dims = [SearchDim(name, dist) for name, dist in space.items()]
    kwargs: dict[str, Any] = dict(
        consider_prior=consider_prior,
        prior_weight=1.0,
        consider_magic_clip=True,
        consider_endpoints=consider_endpoints,
        categorical_distance_func={"c": lambda a, b: abs(ord(a) - ord(b))},
    )
    study = parzen.create_study(sampler=RandomSampler(seed=0))
    history = TrialHistory(study)
    mixture = AboveMixture(dims, **kwargs)

    def objective(trial: parzen.trial.Trial) -> float:
        return sum(float(np.sin(hash(str(_suggest_all(trial, space))) % 7)) for _ in [0])

    for batch in [3, 1, 1, 0, 12, 1, 2, 1, 30, 1, 1, 9]:
        study.optimize(objective, n_trials=batch)
        history.sync(study)
        order = history.order_by_number()
        below = set(rng.permutation(history.n)[: rng.randint(0, 26)].tolist())
        above_rows = np.array([r for r in order if r not in below], dtype=np.int64)
        weights = default_weights(len(above_rows))
        mixture.update(history, above_rows, weights)
        obs = {name: history.param_column(name)[above_rows] for name in space}
        fresh = ParzenEstimator(dims, obs, weights, **kwargs)
        samples = fresh.sample(rng, 24)
        np.testing.assert_allclose(mixture.log_pdf(samples), fresh.log_pdf(samples), atol=1e-8)


@pytest.mark.parametrize("consider_prior", [True, False])
@pytest.mark.parametrize("consider_endpoints", [False, True])
@pytest.mark.parametrize("consider_magic_clip", [True, False])
def test_above_mixture_stays_exact_through_one_edit_at_a_time(
    consider_prior: bool, consider_endpoints: bool, consider_magic_clip: bool
) -> None:
    # As in a study: one trial arrives at a time, and the good set (the best gamma(n)) changes
    # by at most one row each way. Past 99 trials the magic-clip floor stops moving and only
    # the bandwidths next to the edit are recomputed. Grid values make ties, some of them on
    # the prior's centre.
    rng = np.random.RandomState(1)
    space = {
        "a": FloatDistribution(-5, 5),
        "q": FloatDistribution(0, 5, step=0.5),
        "k": IntDistribution(1, 5),
        "b": FloatDistribution(1e-3, 10, log=True),
    }
    dims = [SearchDim(name, dist) for name, dist in space.items()]
    kwargs: dict[str, Any] = dict(
        consider_prior=consider_prior,
        prior_weight=1.0,
        consider_magic_clip=consider_magic_clip,
        consider_endpoints=consider_endpoints,
    )
    study = parzen.create_study(sampler=RandomSampler(seed=0))
    history = TrialHistory(study)
    mixture = AboveMixture(dims, **kwargs)
    for n in range(1, 141):
        params = {
            "a": float(rng.choice([0.0, rng.uniform(-5, 5)])),
            "q": float(rng.randint(0, 11) * 0.5),
            "k": int(rng.randint(1, 6)),
            "b": float(np.exp(rng.uniform(np.log(1e-3), np.log(10)))),
        }
        study.add_trial(create_trial(params=params, distributions=space, value=rng.uniform()))
        history.sync(study)
        order = history.order_by_number()
        n_below = default_gamma(n)
        below = set(np.argsort(history.values[:, 0], kind="stable")[:n_below].tolist())
        above_rows = np.array([r for r in order if r not in below], dtype=np.int64)
        weights = default_weights(len(above_rows))
        mixture.update(history, above_rows, weights)
        if n % 7 and n < 95:
            continue
        obs = {name: history.param_column(name)[above_rows] for name in space}
        fresh = ParzenEstimator(dims, obs, weights, **kwargs)
        samples = fresh.sample(rng, 32)
        np.testing.assert_allclose(mixture.log_pdf(samples), fresh.log_pdf(samples), atol=1e-8)


def test_best_candidate_is_the_argmax_of_the_full_scores() -> None:
    rng = np.random.RandomState(0)
    for trial in range(300):
        n_candidates, n_kernels = rng.randint(1, 40), rng.randint(1, 200)
        log_l = rng.normal(scale=rng.choice([0.01, 3.0, 30.0]), size=n_candidates)
        terms = rng.normal(scale=rng.choice([0.1, 5.0, 50.0]), size=(n_candidates, n_kernels))
        terms[:, rng.rand(n_kernels) < 0.3] = -np.inf  # kernels of good trials weigh zero
        if trial % 5 == 0:
            # Exact ties between candidates: the first one wins, as with np.argmax.
            log_l[-1], terms[-1] = log_l[0], terms[0]
        if trial % 17 == 0:
            terms[rng.randint(n_candidates)] = -np.inf
        if trial % 23 == 0:
            log_l[rng.randint(n_candidates)] = np.nan
        kept = terms.copy()
        expected = int(np.argmax(log_l - logsumexp_rows(terms.copy())))
        assert best_candidate(log_l, terms) == expected
        np.testing.assert_array_equal(terms, kept)


def _suggest_all(trial: parzen.trial.Trial, space: dict[str, Any]) -> list[Any]:
    out = []
    for name, dist in space.items():
        if isinstance(dist, CategoricalDistribution):
            out.append(trial.suggest_categorical(name, list(dist.choices)))
        elif isinstance(dist, IntDistribution):
            out.append(trial.suggest_int(name, dist.low, dist.high, log=dist.log, step=dist.step))
        else:
            out.append(
                trial.suggest_float(name, dist.low, dist.high, log=dist.log, step=dist.step)
            )
    return out


# -- the split -----------------------------------------------------------------------------------


def _history_of(trials: list[parzen.trial.FrozenTrial], directions: list[str]) -> TrialHistory:
    study = parzen.create_study(directions=directions, sampler=RandomSampler(seed=0))
    study.add_trials(trials)
    history = TrialHistory(study)
    history.sync(study)
    return history


def _trial(
    value: float | None,
    *,
    state: TrialState = TrialState.COMPLETE,
    steps: dict[int, float] | None = None,
    constraints: list[float] | None = None,
    values: list[float] | None = None,
) -> parzen.trial.FrozenTrial:
    system_attrs = {}
    if constraints is not None:
        system_attrs["constraints"] = {str(i): c for i, c in enumerate(constraints)}
    return create_trial(
        state=state,
        value=value,
        values=values,
        params={"x": 0.5},
        distributions={"x": FloatDistribution(0, 1)},
        intermediate_values=steps or {},
        system_attrs=system_attrs,
    )


def _numbers(history: TrialHistory, rows: np.ndarray) -> list[int]:
    return sorted(history.number[rows].tolist())


def test_split_ranks_complete_then_pruned_by_step_and_value() -> None:
    trials = [
        _trial(5.0),
        _trial(None, state=TrialState.PRUNED, steps={1: 0.1}),
        _trial(None, state=TrialState.PRUNED, steps={1: 0.5, 3: 0.9}),
        _trial(None, state=TrialState.PRUNED),
        _trial(3.0),
        _trial(None, state=TrialState.PRUNED, steps={3: 0.2}),
    ]
    history = _history_of(trials, ["minimize"])
    directions = [StudyDirection.MINIMIZE]
    below, above = split_rows(history, directions, 2)
    assert _numbers(history, below) == [0, 4]
    below, _ = split_rows(history, directions, 3)
    assert _numbers(history, below) == [0, 4, 5]  # furthest step, lowest value
    below, _ = split_rows(history, directions, 4)
    assert _numbers(history, below) == [0, 2, 4, 5]
    below, above = split_rows(history, directions, 5)
    assert _numbers(history, below) == [0, 1, 2, 4, 5]
    assert _numbers(history, above) == [3]  # reported nothing: last
    # Maximizing flips the order of values, not of steps.
    history = _history_of(trials, ["maximize"])
    below, _ = split_rows(history, [StudyDirection.MAXIMIZE], 1)
    assert _numbers(history, below) == [0]


def test_split_puts_feasible_trials_first_then_least_violation() -> None:
    trials = [
        _trial(1.0, constraints=[2.0]),
        _trial(9.0, constraints=[-1.0]),
        _trial(0.5, constraints=[0.5, -3.0]),
        _trial(7.0),  # no constraints: feasible
        _trial(0.1, constraints=[5.0]),
    ]
    history = _history_of(trials, ["minimize"])
    below, _ = split_rows(history, [StudyDirection.MINIMIZE], 3)
    assert _numbers(history, below) == [1, 2, 3]


def test_multi_objective_split_takes_fronts_then_hypervolume() -> None:
    front = [[0.0, 4.0], [1.0, 2.0], [1.05, 1.98], [2.0, 1.0], [4.0, 0.0]]
    dominated = [[3.0, 3.0], [5.0, 5.0]]
    trials = [_trial(None, values=v) for v in front + dominated]
    history = _history_of(trials, ["minimize", "minimize"])
    directions = [StudyDirection.MINIMIZE] * 2
    below, _ = split_rows(history, directions, 6)
    assert _numbers(history, below) == [0, 1, 2, 3, 4, 5]
    below, _ = split_rows(history, directions, 4)
    # (1.05, 1.98) adds the least hypervolume next to (1, 2): it is the one left out.
    assert _numbers(history, below) == [0, 1, 3, 4]


# -- behaviour ------------------------------------------------------------------------------------


def test_beats_random_search_on_a_sphere() -> None:
    seeds = range(5)
    tpe = _median_best(lambda s: TPESampler(seed=s), _sphere, 60, seeds)
    rand = _median_best(lambda s: RandomSampler(seed=s), _sphere, 60, seeds)
    assert tpe < rand / 3


def test_multivariate_beats_univariate_on_a_diagonal_valley() -> None:
    seeds = range(6)
    multi = _median_best(lambda s: TPESampler(seed=s), _diagonal_valley, 60, seeds)
    uni = _median_best(
        lambda s: TPESampler(seed=s, multivariate=False), _diagonal_valley, 60, seeds
    )
    assert multi < uni / 2


def _two_branches(trial: parzen.trial.BaseTrial) -> float:
    kind = trial.suggest_categorical("kind", ["a", "b"])
    if kind == "a":
        return (trial.suggest_float("a1", -5, 5) - 1) ** 2 + trial.suggest_float("a2", 0, 3)
    return 1 + trial.suggest_int("b1", 0, 10) + trial.suggest_float("b2", -1, 1) ** 2


def test_group_samples_conditional_parameters_jointly() -> None:
    sampler = TPESampler(seed=0, group=True, n_startup_trials=8)
    study = parzen.create_study(sampler=sampler)
    study.optimize(_two_branches, n_trials=30)
    trial = study.ask()
    space = sampler.infer_relative_search_space(study, trial._cached_frozen_trial)
    assert set(space) == {"kind", "a1", "a2", "b1", "b2"}
    params = sampler.sample_relative(study, trial._cached_frozen_trial, space)
    assert set(params) == {"kind", "a1", "a2", "b1", "b2"}


def test_group_beats_plain_multivariate_and_random_on_a_conditional_space() -> None:
    seeds = range(6)

    def group(s: int) -> TPESampler:
        return TPESampler(seed=s, group=True, warn_independent_sampling=False)

    def plain(s: int) -> TPESampler:
        return TPESampler(seed=s, warn_independent_sampling=False)

    grouped = _median_best(group, _two_branches, 60, seeds)
    assert grouped < _median_best(plain, _two_branches, 60, seeds) / 2
    assert grouped < _median_best(lambda s: RandomSampler(seed=s), _two_branches, 60, seeds)


def test_independent_sampling_warns_once_per_parameter() -> None:
    def objective(trial: parzen.trial.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        return trial.suggest_float("y", 0, 1) if x > 0.5 else x

    # A handler of our own on the sampler's logger: counts every record it emits exactly
    # once, whatever handlers other tests or libraries left on the root logger.
    messages: list[str] = []
    handler = logging.Handler(level=logging.WARNING)
    handler.emit = lambda record: messages.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("parzen.samplers._tpe._sampler")
    logger.addHandler(handler)
    try:
        study = parzen.create_study(sampler=TPESampler(seed=0, n_startup_trials=3))
        study.optimize(objective, n_trials=15)
    finally:
        logger.removeHandler(handler)
    warnings = [m for m in messages if "sampled on its own" in m]
    assert len(warnings) == 1 and "'y'" in warnings[0]


def _second_suggestion_distance(constant_liar: bool, seed: int) -> float:
    """How far a new suggestion lands from five RUNNING trials sitting on the optimum."""
    sampler = TPESampler(seed=seed, constant_liar=constant_liar, n_startup_trials=5)
    study = parzen.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_float("x", -10, 10) ** 2, n_trials=30)
    best = study.best_params["x"]
    for _ in range(5):
        study.enqueue_trial({"x": best})
        study.ask().suggest_float("x", -10, 10)  # stays RUNNING
    return abs(study.ask().suggest_float("x", -10, 10) - best)


def test_constant_liar_avoids_running_trials() -> None:
    with_liar = np.median([_second_suggestion_distance(True, s) for s in range(8)])
    without = np.median([_second_suggestion_distance(False, s) for s in range(8)])
    assert with_liar > 2 * without


def test_two_threads_with_constant_liar_optimize() -> None:
    study = parzen.create_study(sampler=TPESampler(seed=0, constant_liar=True))
    study.optimize(_sphere, n_trials=60, n_jobs=2)
    assert len(study.trials) == 60
    rand = _median_best(lambda s: RandomSampler(seed=s), _sphere, 60, range(3))
    assert study.best_value < rand


def test_constraints_steer_sampling_to_the_feasible_region() -> None:
    # The unconstrained optimum (0, 0) is infeasible; feasible means x >= 2.
    def objective(trial: parzen.trial.Trial) -> float:
        x, y = trial.suggest_float("x", -5, 5), trial.suggest_float("y", -5, 5)
        return x**2 + y**2

    def feasible_fraction(study: parzen.study.Study) -> float:
        late = study.trials[30:]
        return float(np.mean([t.params["x"] >= 2 for t in late]))

    def constraints(trial: parzen.trial.FrozenTrial) -> list[float]:
        return [2.0 - trial.params["x"]]

    constrained = parzen.create_study(sampler=TPESampler(seed=0, constraints_func=constraints))
    constrained.optimize(objective, n_trials=80)
    plain = parzen.create_study(sampler=TPESampler(seed=0))
    plain.optimize(objective, n_trials=80)
    assert feasible_fraction(constrained) > 0.6 > 0.2 > feasible_fraction(plain)
    stored = constrained.trials[0].system_attrs["constraints"]  # a list, as Optuna stores it
    assert stored == [2.0 - constrained.trials[0].params["x"]]

    # Near the constrained optimum, 4 at (2, 0): the median best over three seeds (one seed's
    # best varies between about 4.0 and 5.7).
    def best_feasible(seed: int) -> float:
        study = parzen.create_study(sampler=TPESampler(seed=seed, constraints_func=constraints))
        study.optimize(objective, n_trials=80)
        return min(t.value for t in study.trials if t.params["x"] >= 2)

    assert float(np.median([best_feasible(seed) for seed in range(3)])) < 4.8


def test_constraints_set_on_the_trial_steer_too() -> None:
    def objective(trial: parzen.trial.Trial) -> float:
        x = trial.suggest_float("x", -5, 5)
        trial.set_constraint("x_at_least_2", 2.0 - x)
        return x**2

    study = parzen.create_study(sampler=TPESampler(seed=0))
    study.optimize(objective, n_trials=60)
    # The optimum sits on the boundary x = 2: about half of the late trials land on each side,
    # against a few percent without the constraint.
    assert np.mean([t.params["x"] >= 2 for t in study.trials[30:]]) > 0.4
    plain = parzen.create_study(sampler=TPESampler(seed=0))
    plain.optimize(lambda t: t.suggest_float("x", -5, 5) ** 2, n_trials=60)
    assert np.mean([t.params["x"] >= 2 for t in plain.trials[30:]]) < 0.1


def test_constraints_func_returning_nan_is_an_error() -> None:
    study = parzen.create_study(sampler=TPESampler(seed=0, constraints_func=lambda t: [math.nan]))
    with pytest.raises(ValueError, match="NaN"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)


def test_motpe_finds_a_larger_hypervolume_than_random() -> None:
    def zdt1(trial: parzen.trial.Trial) -> tuple[float, float]:
        x = [trial.suggest_float(f"x{i}", 0, 1) for i in range(3)]
        g = 1 + 4.5 * (x[1] + x[2])
        return x[0], g * (1 - math.sqrt(x[0] / g))

    ref = np.array([1.1, 11.0])
    for seed in range(3):
        volumes = []
        for sampler in (TPESampler(seed=seed), RandomSampler(seed=seed)):
            study = parzen.create_study(directions=["minimize"] * 2, sampler=sampler)
            study.optimize(zdt1, n_trials=80)
            volumes.append(compute_hypervolume(np.array([t.values for t in study.trials]), ref))
        assert volumes[0] > volumes[1] + 0.5


def test_pruned_trials_are_used() -> None:
    # Half of the trials are pruned after one report; TPE still homes in on the optimum.
    def objective(trial: parzen.trial.Trial) -> float:
        x = trial.suggest_float("x", -10, 10)
        trial.report(x**2, step=0)
        if trial.number % 2:
            raise parzen.TrialPruned()
        return x**2

    study = parzen.create_study(sampler=TPESampler(seed=0))
    study.optimize(objective, n_trials=40)
    pruned = [t for t in study.trials if t.state == TrialState.PRUNED]
    assert len(pruned) == 20
    assert np.median([abs(t.params["x"]) for t in study.trials[20:]]) < 2


def test_dynamic_ranges_fall_back_to_independent_sampling() -> None:
    def objective(trial: parzen.trial.Trial) -> float:
        high = 5 + trial.number % 3
        return trial.suggest_float("x", 0, high) + trial.suggest_int("n", 0, high)

    study = parzen.create_study(
        sampler=TPESampler(seed=0, n_startup_trials=4, warn_independent_sampling=False)
    )
    study.optimize(objective, n_trials=20)
    for t in study.trials:
        assert 0 <= t.params["x"] <= 5 + t.number % 3
        assert 0 <= t.params["n"] <= 5 + t.number % 3


def test_same_seed_same_suggestions_across_features() -> None:
    def run() -> list[dict[str, Any]]:
        sampler = TPESampler(seed=3, group=True, constraints_func=lambda t: [t.params["x"] - 0.5])
        study = parzen.create_study(directions=["minimize", "maximize"], sampler=sampler)
        study.optimize(
            lambda t: (t.suggest_float("x", 0, 1), t.suggest_int("k", 0, 9, step=3)),
            n_trials=25,
        )
        return [t.params for t in study.trials]

    assert run() == run()


# -- the history ---------------------------------------------------------------------------------


def test_history_follows_new_trials_and_orders_by_number() -> None:
    study = parzen.create_study(sampler=RandomSampler(seed=0))
    history = TrialHistory(study)
    trials = [study.ask() for _ in range(4)]
    for trial in trials:
        trial.suggest_float("x", 0, 1)
    for trial, value in zip(reversed(trials), [3.0, 2.0, 1.0, 0.0]):
        study.tell(trial, value)
        history.sync(study)
    assert history.number.tolist() == [3, 2, 1, 0]
    assert history.number[history.order_by_number()].tolist() == [0, 1, 2, 3]
    rows, values = history.sorted_rows("x")
    assert np.all(np.diff(values) >= 0) and sorted(rows.tolist()) == [0, 1, 2, 3]
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_int("n", 0, 1), n_trials=2)
    assert history.sync(study) == 2
    assert history.sync(study) == 0
    assert list(history.intersection_search_space()) == ["x"]
    assert history.group_decomposition() == [frozenset({"x"}), frozenset({"n"})]
