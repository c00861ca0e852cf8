"""The narrow interface samplers and pruners read the study through (BaseSampler's docstring),
and the views that override it (HyperbandPruner's bracket view)."""

from __future__ import annotations

from typing import Any

import pytest

import parzen
from parzen.samplers import RandomSampler, TPESampler
from parzen.samplers._constraints import record_constraints
from parzen.search_space import IntersectionSearchSpace
from parzen.trial import TrialState


def _hyperband_study(name: str = "interface", **kwargs: Any) -> parzen.study.Study:
    pruner = parzen.pruners.HyperbandPruner(min_resource=1, max_resource=9, reduction_factor=3)
    return parzen.create_study(study_name=name, pruner=pruner, **kwargs)


def _objective(trial: parzen.trial.Trial) -> float:
    x = trial.suggest_float("x", 0.0, 1.0)
    for step in range(9):
        trial.report(x + 1.0 / (step + 1), step)
        if trial.should_prune():
            raise parzen.TrialPruned()
    return x


def test_cache_key_identifies_the_study_on_its_storage_object() -> None:
    storage = parzen.storages.InMemoryStorage()
    a = parzen.create_study(storage=storage, study_name="a")
    assert parzen.load_study(study_name="a", storage=storage).cache_key == a.cache_key
    assert parzen.create_study(storage=storage, study_name="b").cache_key != a.cache_key
    other_storage = parzen.storages.InMemoryStorage()
    same_id = parzen.create_study(storage=other_storage, study_name="a")
    assert same_id.cache_key != a.cache_key
    hash(a.cache_key)


def test_bracket_views_override_every_read_of_the_interface() -> None:
    study = _hyperband_study(sampler=RandomSampler(seed=0))
    study.optimize(_objective, n_trials=20)
    pruner = study.pruner
    assert isinstance(pruner, parzen.pruners.HyperbandPruner)
    brackets = {t.number: pruner.get_bracket_id(study, t) for t in study.trials}
    seen_keys = {study.cache_key}
    for bracket_id in sorted(set(brackets.values())):
        view = pruner.bracket_study(study, bracket_id)
        mine = sorted(n for n, b in brackets.items() if b == bracket_id)
        assert [t.number for t in view.get_trials(deepcopy=False)] == mine
        finished, _ = view.get_finished_trials_since(0)
        assert sorted(t.number for t in finished) == mine
        assert view.count_trials() == len(mine)
        assert view.count_trials(states=(TrialState.RUNNING,)) == 0
        assert view._get_trials(deepcopy=False) == view.get_trials(deepcopy=False)
        assert view.cache_key not in seen_keys
        seen_keys.add(view.cache_key)
    # Writes go to the study itself.
    study.ask()
    running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))[0]
    view = pruner.bracket_study(study, pruner.get_bracket_id(study, running))
    view.set_trial_system_attr(running, "probe", 1)
    assert study.get_trial_system_attrs(running)["probe"] == 1
    view.set_system_attr("probe", 2)
    assert study.system_attrs["probe"] == 2


def test_bracket_view_key_changes_once_auto_max_resource_is_known() -> None:
    pruner = parzen.pruners.HyperbandPruner(min_resource=1, reduction_factor=3)
    study = parzen.create_study(study_name="auto", pruner=pruner)
    before = pruner.bracket_study(study, 0).cache_key
    study.optimize(_objective, n_trials=3)
    assert pruner.n_brackets is not None
    assert pruner.bracket_study(study, 0).cache_key != before


def test_tpe_keeps_one_incremental_history_per_bracket() -> None:
    sampler = TPESampler(seed=0, n_startup_trials=2)
    study = _hyperband_study("tpe-brackets", sampler=sampler)
    study.optimize(_objective, n_trials=30)
    pruner = study.pruner
    assert isinstance(pruner, parzen.pruners.HyperbandPruner)
    histories = sampler._histories
    assert study.cache_key not in histories
    assert len(histories) == len({pruner.get_bracket_id(study, t) for t in study.trials})
    for key, history in histories.items():
        bracket_id = key[-1]
        numbers = history.number.tolist()
        assert numbers, key
        assert {pruner.get_bracket_id(study, study.trials[n]) for n in numbers} == {bracket_id}


def test_sampler_written_for_optuna_can_still_read_the_storage() -> None:
    seen: list[int] = []

    class StorageReader(RandomSampler):
        def sample_independent(self, study: Any, trial: Any, name: str, dist: Any) -> Any:
            all_trials = study._storage.get_all_trials(study._study_id, deepcopy=False)
            assert study._get_trials(deepcopy=False, states=None, use_cache=True) is not None
            seen.append(len(all_trials))
            return super().sample_independent(study, trial, name, dist)

    study = _hyperband_study("optuna-style", sampler=StorageReader(seed=0))
    study.optimize(_objective, n_trials=5)
    assert seen == [1, 2, 3, 4, 5]


def test_set_trial_system_attr_refuses_what_a_storage_cannot_keep() -> None:
    study = parzen.create_study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    trial = study.get_trials(deepcopy=False)[0]
    with pytest.raises(TypeError, match="JSON"):
        study.set_trial_system_attr(trial, "bad", object())
    assert "bad" not in study.get_trial_system_attrs(trial)


def test_intersection_search_space_refuses_a_second_study() -> None:
    space = IntersectionSearchSpace()
    first = parzen.create_study()
    first.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert list(space.calculate(first)) == ["x"]
    with pytest.raises(ValueError, match="one per study"):
        space.calculate(parzen.create_study())


# -- the one constraints recorder ----------------------------------------------------------------


def _frozen_running_trial(study: parzen.study.Study) -> parzen.trial.FrozenTrial:
    trial = study.ask()
    trial.suggest_float("x", 0.0, 1.0)
    return study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))[-1]


def test_recorder_merges_with_constraints_the_objective_set() -> None:
    study = parzen.create_study()
    trial = study.ask()
    trial.suggest_float("x", 0.0, 1.0)
    trial.set_constraint("mine", 3.0)
    frozen = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))[-1]
    record_constraints(study, frozen, TrialState.COMPLETE, lambda t: [-1.0, 2.0])
    stored = study.get_trial_system_attrs(frozen)
    # Optuna's layout: the sampler's list, and the objective's own constraint under its key.
    assert stored["constraints"] == [-1.0, 2.0] and stored["constraints:mine"] == 3.0
    assert study.trials[0].constraints == {"0": -1.0, "1": 2.0, "mine": 3.0}


@pytest.mark.parametrize("state", [TrialState.FAIL, TrialState.RUNNING, TrialState.WAITING])
def test_recorder_ignores_trials_that_did_not_complete_or_prune(state: TrialState) -> None:
    study = parzen.create_study()
    frozen = _frozen_running_trial(study)
    calls: list[int] = []
    record_constraints(study, frozen, state, lambda t: calls.append(t.number) or [0.0])
    assert calls == []
    assert "constraints" not in study.get_trial_system_attrs(frozen)


@pytest.mark.parametrize(
    ("returned", "error", "match"),
    [
        ("abc", TypeError, "sequence of floats, got 'abc'"),
        (None, TypeError, "sequence of floats, got None"),
        ([float("nan")], ValueError, "NaN"),
    ],
)
def test_recorder_rejects_bad_values_and_stores_nothing(
    returned: Any, error: type[Exception], match: str
) -> None:
    study = parzen.create_study()
    frozen = _frozen_running_trial(study)
    with pytest.raises(error, match=match):
        record_constraints(study, frozen, TrialState.COMPLETE, lambda t: returned)
    assert "constraints" not in study.get_trial_system_attrs(frozen)
