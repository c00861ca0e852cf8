from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

import parzen
from parzen.distributions import BaseDistribution, FloatDistribution
from parzen.samplers._base import BaseSampler
from parzen.samplers._partial_fixed import PartialFixedSampler
from parzen.samplers._random import RandomSampler
from parzen.study import Study
from parzen.trial import FrozenTrial, Trial, TrialState


class _RecordingSampler(BaseSampler):
    """Samples x and y jointly as 0.25 and records the calls it gets."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return {"x": FloatDistribution(0, 1), "y": FloatDistribution(0, 1)}

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        self.calls.append(("sample_relative", sorted(search_space)))
        return {name: 0.25 for name in search_space}

    def sample_independent(
        self, study: Study, trial: FrozenTrial, param_name: str, param_distribution: Any
    ) -> Any:
        self.calls.append(("sample_independent", param_name))
        return 0.75

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        self.calls.append(("before_trial", trial.number))

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        self.calls.append(("after_trial", state))

    def reseed_rng(self) -> None:
        self.calls.append(("reseed_rng", None))


def _objective(trial: Trial) -> float:
    x = trial.suggest_float("x", 0, 1)
    y = trial.suggest_float("y", 0, 1)
    z = trial.suggest_float("z", 0, 1)
    return x + y + z


def test_fixed_params_are_used_and_the_rest_comes_from_the_base_sampler() -> None:
    base = _RecordingSampler()
    study = parzen.create_study(sampler=PartialFixedSampler({"y": 0.5}, base))
    study.optimize(_objective, n_trials=2)
    for trial in study.trials:
        assert trial.params == {"x": 0.25, "y": 0.5, "z": 0.75}
    # The base sampler never sees the fixed parameter: not in its relative search space and
    # not asked for it independently.
    assert ("sample_relative", ["x"]) in base.calls
    assert ("sample_independent", "y") not in base.calls
    assert base.calls.count(("sample_independent", "z")) == 2


def test_hooks_and_reseed_reach_the_base_sampler() -> None:
    base = _RecordingSampler()
    sampler = PartialFixedSampler({"y": 0.5}, base)
    study = parzen.create_study(sampler=sampler)
    study.optimize(_objective, n_trials=1)
    sampler.reseed_rng()
    names = [name for name, _ in base.calls]
    assert names[0] == "before_trial"
    assert ("after_trial", TrialState.COMPLETE) in base.calls
    assert names[-1] == "reseed_rng"


def test_switching_to_a_partially_fixed_sampler_mid_study() -> None:
    def objective(trial: Trial) -> float:
        x = trial.suggest_float("x", -1, 1)
        y = trial.suggest_int("y", -1, 1)
        return x**2 + y

    study = parzen.create_study(sampler=RandomSampler(seed=0))
    study.optimize(objective, n_trials=10)
    study.sampler = PartialFixedSampler({"y": 1}, study.sampler)
    study.optimize(objective, n_trials=10)
    assert {t.params["y"] for t in study.trials[10:]} == {1}
    assert len({t.params["x"] for t in study.trials[10:]}) == 10


def test_value_outside_the_range_warns_and_is_used() -> None:
    study = parzen.create_study(sampler=PartialFixedSampler({"x": 5.0}, RandomSampler(seed=0)))
    with pytest.warns(UserWarning, match=r"Fixed parameter 'x' with value 5.0 is out of range"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert study.trials[0].params == {"x": 5.0}


def test_value_off_the_step_grid_warns() -> None:
    study = parzen.create_study(sampler=PartialFixedSampler({"n": 3}, RandomSampler(seed=0)))
    with pytest.warns(UserWarning, match="out of range"):
        study.optimize(lambda t: t.suggest_int("n", 0, 10, step=2), n_trials=1)


def test_categorical_value_must_be_a_choice() -> None:
    sampler = PartialFixedSampler({"c": "z"}, RandomSampler(seed=0))
    study = parzen.create_study(sampler=sampler)
    with pytest.raises(ValueError, match=r"fixed value 'z' of 'c'.*choices \['a', 'b'\]"):
        study.optimize(lambda t: t.suggest_categorical("c", ["a", "b"]), n_trials=1)
    assert study.trials[0].state == TrialState.FAIL


def test_value_of_the_wrong_kind_is_an_error() -> None:
    sampler = PartialFixedSampler({"x": "high"}, RandomSampler(seed=0))
    study = parzen.create_study(sampler=sampler)
    with pytest.raises(ValueError, match=r"fixed value 'high' of 'x' cannot be used"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)


def test_enqueued_values_take_precedence() -> None:
    study = parzen.create_study(sampler=PartialFixedSampler({"x": 0.5}, RandomSampler(seed=0)))
    study.enqueue_trial({"x": 0.125})
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert [t.params["x"] for t in study.trials] == [0.125, 0.5]


@pytest.mark.parametrize(
    ("fixed_params", "base_sampler", "match"),
    [
        ([("x", 1)], RandomSampler(), r"fixed_params must be a dict"),
        ({"x": 1}, "random", r"base_sampler must be a sampler.*got 'random'"),
    ],
)
def test_bad_arguments(fixed_params: Any, base_sampler: Any, match: str) -> None:
    with pytest.raises(TypeError, match=match):
        PartialFixedSampler(fixed_params, base_sampler)


def test_repr() -> None:
    sampler = PartialFixedSampler({"x": 1}, RandomSampler())
    assert repr(sampler) == "PartialFixedSampler({'x': 1}, RandomSampler())"
