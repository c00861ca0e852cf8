"""get_param_importances and its three evaluators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import parzen
from parzen.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from parzen.importance import (
    BaseImportanceEvaluator,
    FanovaImportanceEvaluator,
    MeanDecreaseImpurityImportanceEvaluator,
    PedAnovaImportanceEvaluator,
    get_param_importances,
)
from parzen.trial import TrialState, create_trial

pytest.importorskip("sklearn")

EVALUATORS: list[Callable[[], BaseImportanceEvaluator]] = [
    PedAnovaImportanceEvaluator,
    lambda: FanovaImportanceEvaluator(n_trees=8, seed=0),
    lambda: MeanDecreaseImpurityImportanceEvaluator(n_trees=8, seed=0),
]
IDS = ["ped_anova", "fanova", "mdi"]


def _random_study(
    objective: Callable[[Any], Any], n_trials: int = 80, *, directions: list[str] | None = None
) -> parzen.Study:
    study = parzen.create_study(
        sampler=parzen.samplers.RandomSampler(seed=1), directions=directions
    )
    study.optimize(objective, n_trials=n_trials)
    return study


def _mixed(trial: Any) -> float:
    x = trial.suggest_float("x", -10, 10)
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    n = trial.suggest_int("n", 0, 10)
    kind = trial.suggest_categorical("kind", ["a", "b", "c"])
    return x**2 + 0.01 * np.log10(lr) + 0.01 * n + 0.01 * (kind == "a")


@pytest.fixture(scope="module")
def mixed_study() -> parzen.Study:
    return _random_study(_mixed)


@pytest.mark.parametrize("make", EVALUATORS, ids=IDS)
def test_driving_parameter_ranks_first(make: Callable[[], Any], mixed_study: Any) -> None:
    importances = get_param_importances(mixed_study, evaluator=make())
    assert next(iter(importances)) == "x"
    assert set(importances) == {"x", "lr", "n", "kind"}
    assert sum(importances.values()) == pytest.approx(1.0)
    values = list(importances.values())
    assert values == sorted(values, reverse=True)
    assert all(v >= 0 for v in values)


@pytest.mark.parametrize(
    "objective, expected",
    [
        (
            lambda t: (
                (np.log10(t.suggest_float("lr", 1e-5, 1, log=True)) + 3) ** 2
                + 0.001 * t.suggest_float("y", 0, 1)
            ),
            "lr",
        ),
        (
            lambda t: (
                {"a": 0.0, "b": 5.0, "c": 10.0}[t.suggest_categorical("k", ["a", "b", "c"])]
                + 0.0 * t.suggest_int("m", 0, 10)
            ),
            "k",
        ),
    ],
    ids=["log", "categorical"],
)
@pytest.mark.parametrize("make", EVALUATORS, ids=IDS)
def test_log_and_categorical_drivers(make: Any, objective: Any, expected: str) -> None:
    study = _random_study(objective, n_trials=60)
    assert next(iter(get_param_importances(study, evaluator=make()))) == expected


def test_default_evaluator_is_ped_anova(mixed_study: Any) -> None:
    assert get_param_importances(mixed_study) == get_param_importances(
        mixed_study, evaluator=PedAnovaImportanceEvaluator()
    )


@pytest.mark.parametrize("make", EVALUATORS, ids=IDS)
def test_normalize_false_returns_raw_scores(make: Any, mixed_study: Any) -> None:
    raw = get_param_importances(mixed_study, evaluator=make(), normalize=False)
    total = sum(raw.values())
    normalized = get_param_importances(mixed_study, evaluator=make())
    for name, value in normalized.items():
        assert value == pytest.approx(raw[name] / total)
    assert list(raw) == list(normalized)


def test_params_selects_and_empty_list(mixed_study: Any) -> None:
    importances = get_param_importances(mixed_study, params=["n", "x"])
    assert set(importances) == {"n", "x"}
    assert get_param_importances(mixed_study, params=[]) == {}
    with pytest.raises(ValueError, match="nope"):
        get_param_importances(mixed_study, params=["nope"])


@pytest.mark.parametrize("make", EVALUATORS[1:], ids=IDS[1:])
def test_forest_evaluators_are_reproducible_with_seed(make: Any, mixed_study: Any) -> None:
    first = get_param_importances(mixed_study, evaluator=make(), normalize=False)
    second = get_param_importances(mixed_study, evaluator=make(), normalize=False)
    assert first == second


def test_forest_seed_changes_result(mixed_study: Any) -> None:
    a = get_param_importances(mixed_study, evaluator=FanovaImportanceEvaluator(n_trees=4, seed=0))
    b = get_param_importances(mixed_study, evaluator=FanovaImportanceEvaluator(n_trees=4, seed=1))
    assert a != b


def _conditional(trial: Any) -> float:
    kind = trial.suggest_categorical("kind", ["linear", "tree"])
    x = trial.suggest_float("x", 0, 1)
    if kind == "tree":
        depth = trial.suggest_int("depth", 1, 20)
        return x * 0.01 + 0.1 * (depth - 10) ** 2
    c = trial.suggest_float("c", 1e-3, 1e3, log=True)
    return 50.0 + x * 0.01 + 0.001 * c


@pytest.fixture(scope="module")
def conditional_study() -> parzen.Study:
    return _random_study(_conditional, n_trials=120)


def test_ped_anova_assesses_conditional_params(conditional_study: Any) -> None:
    importances = get_param_importances(conditional_study)
    assert set(importances) == {"kind", "x", "depth", "c"}
    # The best trials all take the "tree" branch with depth near 10; c never appears in them.
    assert list(importances)[:2] == ["depth", "kind"] or list(importances)[:2] == [
        "kind",
        "depth",
    ]
    assert importances["depth"] > 5 * importances["x"]
    assert importances["c"] == 0.0


@pytest.mark.parametrize("make", EVALUATORS[1:], ids=IDS[1:])
def test_forest_evaluators_use_common_params(make: Any, conditional_study: Any) -> None:
    assert set(get_param_importances(conditional_study, evaluator=make())) == {"kind", "x"}
    # An explicit conditional parameter keeps only the trials that hold it.
    importances = get_param_importances(conditional_study, evaluator=make(), params=["depth", "x"])
    assert list(importances) == ["depth", "x"]


def test_forest_needs_two_trials_holding_params() -> None:
    study = parzen.create_study()
    for i in range(3):
        params = {"x": float(i)} if i else {"x": 0.0, "y": 1.0}
        dists = {name: FloatDistribution(0, 5) for name in params}
        study.add_trial(create_trial(value=float(i), params=params, distributions=dists))
    with pytest.raises(ValueError, match="at least 2"):
        get_param_importances(
            study, evaluator=FanovaImportanceEvaluator(n_trees=2), params=["x", "y"]
        )


def test_only_complete_trials_count() -> None:
    dist = {"x": FloatDistribution(0, 1), "y": FloatDistribution(0, 1)}
    rng = np.random.default_rng(0)
    complete = []
    for _ in range(40):
        x, y = rng.uniform(size=2)
        complete.append(create_trial(value=x, params={"x": x, "y": y}, distributions=dist))
    noise = [
        create_trial(state=state, params={"x": 0.5, "y": y}, distributions=dist)
        for state in (TrialState.PRUNED, TrialState.FAIL)
        for y in np.linspace(0, 1, 20)
    ]
    clean, noisy = parzen.create_study(), parzen.create_study()
    clean.add_trials(complete)
    noisy.add_trials(complete + noise)
    for make in EVALUATORS:
        assert get_param_importances(clean, evaluator=make()) == get_param_importances(
            noisy, evaluator=make()
        )


@pytest.mark.parametrize("make", EVALUATORS, ids=IDS)
@pytest.mark.parametrize("n", [0, 1])
def test_too_few_trials(make: Any, n: int) -> None:
    study = parzen.create_study()
    for _ in range(n):
        study.add_trial(
            create_trial(
                value=1.0, params={"x": 0.5}, distributions={"x": FloatDistribution(0, 1)}
            )
        )
    with pytest.raises(ValueError, match="at least 2 COMPLETE trials; got " + str(n)):
        get_param_importances(study, evaluator=make())


def _two_objectives(trial: Any) -> tuple[float, float]:
    a = trial.suggest_float("a", 0, 1)
    b = trial.suggest_float("b", 0, 1)
    return a, b


@pytest.fixture(scope="module")
def mo_study() -> parzen.Study:
    return _random_study(_two_objectives, n_trials=80, directions=["minimize", "maximize"])


@pytest.mark.parametrize("make", EVALUATORS[1:], ids=IDS[1:])
def test_forest_evaluators_need_target_on_multi_objective(make: Any, mo_study: Any) -> None:
    with pytest.raises(ValueError, match=r"target=lambda t: t.values\[0\]"):
        get_param_importances(mo_study, evaluator=make())


@pytest.mark.parametrize("make", EVALUATORS, ids=IDS)
def test_target_selects_objective(make: Any, mo_study: Any) -> None:
    first = get_param_importances(mo_study, evaluator=make(), target=lambda t: t.values[0])
    second = get_param_importances(mo_study, evaluator=make(), target=lambda t: -t.values[1])
    assert next(iter(first)) == "a"
    assert next(iter(second)) == "b"


def test_ped_anova_multi_objective_without_target() -> None:
    # Both objectives prefer small a (the second is maximized), so the Pareto ranks are the
    # ranks of a; were the direction ignored, every trial would be on one front.
    def objective(trial: Any) -> tuple[float, float]:
        a = trial.suggest_float("a", 0, 1)
        trial.suggest_float("noise", 0, 1)
        return a, -a

    study = _random_study(objective, n_trials=100, directions=["minimize", "maximize"])
    importances = get_param_importances(study)
    assert importances["a"] > 0.8


def test_maximize_direction_is_respected() -> None:
    study = parzen.create_study(direction="maximize", sampler=parzen.samplers.RandomSampler(0))
    # Only the top of x matters for the top 10%: PED-ANOVA sees x; flipping direction to
    # minimize would look at the bottom, where y decides.
    study.optimize(
        lambda t: (
            max(t.suggest_float("x", 0, 1) - 0.8, 0) * 100
            - 10 * max(0.2 - t.suggest_float("y", 0, 1), 0)
        ),
        n_trials=200,
    )
    assert next(iter(get_param_importances(study))) == "x"


def test_single_value_and_irrelevant_params() -> None:
    study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=3))

    def objective(trial: Any) -> float:
        trial.suggest_int("fixed", 3, 3)
        trial.suggest_categorical("one", ["only"])
        return trial.suggest_float("x", 0, 1)

    study.optimize(objective, n_trials=30)
    for make in EVALUATORS:
        importances = get_param_importances(study, evaluator=make())
        assert importances["x"] == pytest.approx(1.0)
        assert importances["fixed"] == 0.0 and importances["one"] == 0.0


def test_all_zero_importances_are_shared_equally() -> None:
    study = parzen.create_study()
    dist = {"x": IntDistribution(0, 1), "k": CategoricalDistribution(["p", "q"])}
    for _ in range(4):
        study.add_trial(create_trial(value=1.0, params={"x": 1, "k": "p"}, distributions=dist))
    importances = get_param_importances(study, evaluator=MeanDecreaseImpurityImportanceEvaluator())
    assert importances == {"x": 0.5, "k": 0.5}


def test_bad_arguments(mixed_study: Any) -> None:
    with pytest.raises(TypeError, match="BaseImportanceEvaluator"):
        get_param_importances(mixed_study, evaluator="fanova")
    with pytest.raises(ValueError, match="target_quantile"):
        PedAnovaImportanceEvaluator(target_quantile=0.5, region_quantile=0.2)
    with pytest.raises(ValueError, match="n_trees"):
        FanovaImportanceEvaluator(n_trees=0)


def test_ped_anova_options_change_the_measure(mixed_study: Any) -> None:
    base = get_param_importances(mixed_study, normalize=False)
    for evaluator in (
        PedAnovaImportanceEvaluator(evaluate_on_local=False),
        PedAnovaImportanceEvaluator(target_quantile=0.05, region_quantile=0.5),
    ):
        other = get_param_importances(mixed_study, evaluator=evaluator, normalize=False)
        assert next(iter(other)) == "x"
        assert other != base


def test_custom_evaluator() -> None:
    class Constant(BaseImportanceEvaluator):
        def evaluate(self, study: Any, params: Any = None, *, target: Any = None) -> Any:
            return {"a": 3.0, "b": 1.0}

    study = parzen.create_study()
    assert get_param_importances(study, evaluator=Constant()) == {"a": 0.75, "b": 0.25}
