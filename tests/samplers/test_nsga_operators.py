"""The building blocks of the evolutionary samplers: sorting, selection, operators, transform."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pytest

import parzen
from parzen.distributions import FloatDistribution, IntDistribution
from parzen.samplers._feed import FinishedTrialFeed
from parzen.samplers._nsga import (
    NSGAIIElitePopulationSelectionStrategy,
    NSGAIIIElitePopulationSelectionStrategy,
    constrained_ranks,
    crowding_distance,
    fast_non_dominated_sort,
    generate_default_reference_points,
)
from parzen.samplers._nsga._transform import NumericTransform
from parzen.samplers.nsgaii import (
    BLXAlphaCrossover,
    PolynomialMutation,
    SBXCrossover,
    SPXCrossover,
    UNDXCrossover,
    UniformCrossover,
    VSBXCrossover,
)
from parzen.trial import TrialState, create_trial


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    previous = parzen.logging.get_verbosity()
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    yield
    parzen.logging.set_verbosity(previous)


# -- non-dominated sorting -----------------------------------------------------------------------


def _brute_force_ranks(loss: np.ndarray) -> np.ndarray:
    ranks = np.full(len(loss), -1)
    remaining = set(range(len(loss)))
    rank = 0
    while remaining:
        front = {
            i
            for i in remaining
            if not any(np.all(loss[j] <= loss[i]) and np.any(loss[j] < loss[i]) for j in remaining)
        }
        for i in front:
            ranks[i] = rank
        remaining -= front
        rank += 1
    return ranks


@pytest.mark.parametrize(("n", "m"), [(1, 2), (30, 1), (40, 2), (40, 3), (300, 2)])
def test_fast_non_dominated_sort_matches_the_definition(n: int, m: int) -> None:
    rng = np.random.RandomState(n + m)
    # Few distinct values, so that ties and duplicates are common.
    loss = rng.randint(0, 6, size=(n, m)).astype(float)
    np.testing.assert_array_equal(fast_non_dominated_sort(loss), _brute_force_ranks(loss))


def test_fast_non_dominated_sort_edge_cases() -> None:
    assert fast_non_dominated_sort(np.zeros((0, 2))).tolist() == []
    assert fast_non_dominated_sort(np.array([[1.0, np.nan], [1.0, 2.0]])).tolist() == [1, 0]
    with pytest.raises(ValueError, match="shape"):
        fast_non_dominated_sort(np.zeros(3))


def test_constrained_ranks_put_feasible_first_then_by_violation() -> None:
    loss = np.array([[1.0, 1.0], [0.0, 0.0], [2.0, 2.0], [3.0, 0.0], [5.0, 5.0], [0.0, 9.0]])
    violations = np.array([0.0, 2.0, 0.0, 0.5, np.nan, 0.0])
    # Feasible rows 0, 2, 5 sorted by dominance; then violations 0.5 and 2; then no constraints.
    assert constrained_ranks(loss, violations).tolist() == [0, 3, 1, 2, 4, 0]
    assert (
        constrained_ranks(loss, np.full(6, np.nan)).tolist()
        == fast_non_dominated_sort(loss).tolist()
    )


def test_crowding_distance() -> None:
    loss = np.array([[0.0, 4.0], [1.0, 3.0], [3.0, 1.0], [4.0, 0.0]])
    distance = crowding_distance(loss)
    assert math.isinf(distance[0]) and math.isinf(distance[3])
    # Row 1: neighbours (0, 4) and (3, 1): 3/4 in each objective.
    assert distance[1] == pytest.approx(1.5)
    assert distance[2] == pytest.approx(1.5)
    assert crowding_distance(np.array([[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]))[1] == 0.0


# -- elite selection -----------------------------------------------------------------------------


def _population(values: Sequence[Sequence[float]], constraints: list[float] | None = None) -> Any:
    study = parzen.create_study(directions=["minimize"] * len(values[0]))
    for i, v in enumerate(values):
        attrs = {} if constraints is None else {"constraints": {"0": constraints[i]}}
        study.add_trial(
            create_trial(
                state=TrialState.COMPLETE,
                values=list(v),
                params={"x": float(i)},
                distributions={"x": FloatDistribution(0, 100)},
                system_attrs=attrs,
            )
        )
    return study, study.get_trials(deepcopy=False)


def test_nsga2_elite_keeps_whole_fronts_then_the_least_crowded() -> None:
    values = [(0.0, 4.0), (1.0, 3.0), (1.2, 2.8), (3.0, 1.0), (4.0, 0.0), (5.0, 5.0)]
    study, trials = _population(values)
    elite = NSGAIIElitePopulationSelectionStrategy(population_size=4)(study, trials)
    chosen = sorted(t.params["x"] for t in elite)
    # Front 0 has five points; the crowded middle pair (1 and 2) loses one member.
    assert len(chosen) == 4 and {0.0, 3.0, 4.0} <= set(chosen) and 5.0 not in chosen
    assert NSGAIIElitePopulationSelectionStrategy(population_size=10)(study, trials) == trials


def test_nsga2_elite_prefers_feasible_trials() -> None:
    values = [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0), (3.0, 3.0)]
    study, trials = _population(values, constraints=[1.0, 0.0, 0.5, 0.0])
    elite = NSGAIIElitePopulationSelectionStrategy(population_size=3)(study, trials)
    assert sorted(t.params["x"] for t in elite) == [1.0, 2.0, 3.0]


@pytest.mark.parametrize(("m", "p"), [(2, 3), (3, 4), (5, 2)])
def test_default_reference_points(m: int, p: int) -> None:
    points = generate_default_reference_points(m, p)
    assert len(points) == math.comb(p + m - 1, m - 1)
    np.testing.assert_allclose(points.sum(axis=1), 1.0)
    assert len({tuple(row) for row in points}) == len(points)
    assert np.all(np.isclose(points * p, np.round(points * p)))


def test_nsga3_niching_spreads_the_last_front() -> None:
    # Seven points on the line f1 + f2 = 1; keep three with reference points 0, 1/2, 1.
    values = [(t, 1.0 - t) for t in np.linspace(0, 1, 7)]
    study, trials = _population(values)
    select = NSGAIIIElitePopulationSelectionStrategy(
        population_size=3, dividing_parameter=2, rng=np.random.RandomState(0)
    )
    chosen = sorted(t.params["x"] for t in select(study, trials))
    assert chosen == [0.0, 3.0, 6.0]


def test_nsga3_user_reference_points_steer_the_selection() -> None:
    values = [(t, 1.0 - t) for t in np.linspace(0, 1, 7)]
    study, trials = _population(values)
    select = NSGAIIIElitePopulationSelectionStrategy(
        population_size=1, reference_points=np.array([[1.0, 0.0]]), rng=np.random.RandomState(0)
    )
    # The direction (1, 0) is nearest the point with f2 = 0.
    assert [t.params["x"] for t in select(study, trials)] == [6.0]


# -- crossovers and mutation ---------------------------------------------------------------------

_BOUNDS = np.array([[0.0, 1.0]] * 4)


def _parents(rng: np.random.RandomState, n: int) -> np.ndarray:
    return rng.uniform(0, 1, size=(n, 4))


def test_uniform_crossover_takes_each_gene_from_a_parent() -> None:
    rng = np.random.RandomState(0)
    for _ in range(50):
        parents = _parents(rng, 2)
        child = UniformCrossover(0.5).crossover(parents, rng, None, _BOUNDS)
        assert np.all((child == parents[0]) | (child == parents[1]))
    parents = _parents(rng, 2)
    assert np.array_equal(UniformCrossover(0.0).crossover(parents, rng, None, _BOUNDS), parents[0])


def test_blx_alpha_stays_in_the_widened_interval() -> None:
    rng = np.random.RandomState(0)
    for _ in range(100):
        parents = _parents(rng, 2)
        child = BLXAlphaCrossover(0.5).crossover(parents, rng, None, _BOUNDS)
        spread = 0.5 * np.abs(parents[0] - parents[1])
        assert np.all(child >= parents.min(axis=0) - spread - 1e-12)
        assert np.all(child <= parents.max(axis=0) + spread + 1e-12)


@pytest.mark.parametrize("crossover", [SBXCrossover(), SBXCrossover(eta=0.0)], ids=repr)
def test_sbx_children_are_always_inside_the_bounds(crossover: SBXCrossover) -> None:
    rng = np.random.RandomState(0)
    for _ in range(300):
        parents = _parents(rng, 2)
        parents[0, 0] = 0.0  # a parent on the bound
        child = crossover.crossover(parents, rng, None, _BOUNDS)
        assert np.all(child >= 0.0) and np.all(child <= 1.0)


def test_sbx_eta_defaults_depend_on_the_number_of_objectives() -> None:
    rng = np.random.RandomState(0)
    parents = np.array([[0.3] * 4, [0.7] * 4])
    spreads = {}
    for directions in (["minimize"], ["minimize", "minimize"]):
        study = parzen.create_study(directions=directions)
        children = np.array(
            [
                SBXCrossover(use_child_gene_prob=1.0).crossover(parents, rng, study, _BOUNDS)
                for _ in range(400)
            ]
        )
        spreads[len(directions)] = np.mean(np.abs(children - 0.5))
    # eta = 20 with two objectives keeps children closer to the parents (0.2 from the middle).
    assert abs(spreads[2] - 0.2) < abs(spreads[1] - 0.2)


@pytest.mark.parametrize(
    ("crossover", "centre"),
    [
        (SPXCrossover(), lambda p: p.mean(axis=0)),
        (UNDXCrossover(), lambda p: p[:2].mean(axis=0)),
        (
            VSBXCrossover(use_child_gene_prob=1.0, uniform_crossover_prob=0.5),
            lambda p: p.mean(axis=0),
        ),
    ],
    ids=["spx", "undx", "vsbx"],
)
def test_multi_parent_crossovers_centre_on_their_parents(crossover: Any, centre: Any) -> None:
    rng = np.random.RandomState(0)
    parents = np.array([[0.4, 0.4, 0.5, 0.5], [0.6, 0.5, 0.4, 0.5], [0.5, 0.6, 0.5, 0.4]])
    parents = parents[: crossover.n_parents]
    children = np.array([crossover.crossover(parents, rng, None, _BOUNDS) for _ in range(2000)])
    assert children.shape == (2000, 4)
    np.testing.assert_allclose(children.mean(axis=0), centre(parents), atol=0.02)


def test_undx_with_one_parameter_and_identical_parents() -> None:
    rng = np.random.RandomState(0)
    one = UNDXCrossover().crossover(np.array([[0.2], [0.4], [0.9]]), rng, None, _BOUNDS[:1])
    assert one.shape == (1,)
    same = UNDXCrossover().crossover(np.full((3, 4), 0.5), rng, None, _BOUNDS)
    np.testing.assert_allclose(same, 0.5)


@pytest.mark.parametrize("eta", [0.0, 5.0, 100.0])
def test_polynomial_mutation_stays_inside_the_bounds(eta: float) -> None:
    rng = np.random.RandomState(0)
    mutation = PolynomialMutation(eta=eta)
    values = [
        mutation.mutation(v, rng, None, np.array([-1.0, 2.0])) for v in rng.uniform(-1, 2, 500)
    ]
    assert all(-1.0 <= v <= 2.0 for v in values)
    assert mutation.mutation(0.5, rng, None, np.array([0.5, 0.5])) == 0.5


def test_polynomial_mutation_eta_controls_the_step() -> None:
    rng = np.random.RandomState(0)
    steps = {
        eta: np.mean(
            [
                abs(PolynomialMutation(eta).mutation(0.5, rng, None, np.array([0.0, 1.0])) - 0.5)
                for _ in range(500)
            ]
        )
        for eta in (1.0, 50.0)
    }
    assert steps[50.0] < steps[1.0] / 3


# -- the numeric box -----------------------------------------------------------------------------


def test_transform_round_trips_every_grid_point() -> None:
    space = {
        "i": IntDistribution(-3, 4),
        "s": IntDistribution(0, 12, step=3),
        "l": IntDistribution(1, 50, log=True),
        "f": FloatDistribution(0.0, 1.0, step=0.125),
    }
    for extend in (True, False):
        box = NumericTransform(space, normalize=True, extend_discrete=extend)
        assert np.all(box.bounds[:, 0] == 0.0) and np.all(box.bounds[:, 1] == 1.0)
        for values in itertools.product(
            range(-3, 5), range(0, 13, 3), (1, 7, 50), (0.0, 0.625, 1.0)
        ):
            params = dict(zip(["i", "s", "l", "f"], values))
            back = box.untransform(box.transform(params))
            assert back == params and [type(v) for v in back.values()] == [int, int, int, float]


def test_transform_maps_any_vector_to_valid_values() -> None:
    space = {
        "x": FloatDistribution(-2.0, 3.0),
        "lr": FloatDistribution(1e-5, 1.0, log=True),
        "n": IntDistribution(0, 9, step=3),
    }
    box = NumericTransform(space, normalize=True)
    rng = np.random.RandomState(0)
    for x in [*rng.normal(0.5, 2.0, size=(200, 3)).tolist(), [np.inf, -np.inf, np.nan]]:
        params = box.untransform(np.array(x))
        for name, dist in space.items():
            assert dist._contains(dist.to_internal_repr(params[name])), (name, params)


def test_transform_steps_and_partial_values() -> None:
    space = {"n": IntDistribution(0, 10, step=2), "x": FloatDistribution(0.0, 1.0)}
    box = NumericTransform(space, normalize=True, extend_discrete=False)
    np.testing.assert_allclose(box.steps, [0.2, 0.0])
    partial = box.transform_partial({"n": 3})  # 3 is off the grid; x is missing
    assert np.isnan(partial).all()
    assert box.contains({"n": 4, "x": 0.5}) and not box.contains({"n": 4})
    with pytest.raises(TypeError, match="categorical"):
        NumericTransform({"c": parzen.distributions.CategoricalDistribution(["a"])})


# -- the incremental feed ------------------------------------------------------------------------


def test_feed_hands_out_each_finished_trial_once_despite_repeated_reads() -> None:
    study = parzen.create_study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    storage = study._storage
    real = storage.get_finished_trials_since

    def at_least_once(study_id: int, cursor: int) -> Any:
        trials, new_cursor = real(study_id, 0)  # re-sends everything
        return trials, new_cursor

    storage.get_finished_trials_since = at_least_once
    feed = FinishedTrialFeed()
    assert len(feed.poll(study)) == 3
    running = study.ask()
    assert feed.poll(study) == []
    study.tell(running, 0.5)
    assert [t.number for t in feed.poll(study)] == [3]
