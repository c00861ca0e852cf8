"""parzen-specific details of the trial API that the Optuna parity tests do not pin."""

from __future__ import annotations

import math

import pytest

import parzen
from parzen.distributions import FloatDistribution, UniformDistribution
from parzen.exceptions import UpdateFinishedTrialError
from parzen.trial import TrialState, create_trial


def test_constraints_stored_as_a_list_read_as_indexed_names():
    trial = create_trial(value=1.0, system_attrs={"constraints": [0.5, -1.0]})
    assert trial.constraints == {"0": 0.5, "1": -1.0}


def test_frozen_trial_set_constraint_keeps_the_first_value():
    trial = create_trial(value=1.0, constraints={"a": 1.0})
    trial.set_constraint("b", -2.0)
    with pytest.warns(UserWarning, match="already set"):
        trial.set_constraint("a", 3.0)
    assert trial.constraints == {"a": 1.0, "b": -2.0}


def test_create_trial_constraints_must_be_a_dict():
    with pytest.raises(TypeError, match="dict of name"):
        create_trial(value=1.0, constraints=[1.0])  # type: ignore[arg-type]


def test_telling_a_finished_trial_is_both_value_error_and_update_finished_error():
    study = parzen.create_study()
    trial = study.ask()
    study.tell(trial, 1.0)
    with pytest.raises(ValueError) as raised:
        study.tell(trial, 2.0)
    assert isinstance(raised.value, UpdateFinishedTrialError)
    assert "skip_if_finished" in str(raised.value)


def test_report_refuses_steps_that_are_not_finite():
    trial = parzen.create_study().ask()
    for step in (math.nan, math.inf):
        with pytest.raises(ValueError, match="finite step"):
            trial.report(1.0, step)  # type: ignore[arg-type]
    assert trial.study.trials[0].intermediate_values == {}


def test_deprecated_distributions_are_stored_as_current_ones():
    with pytest.warns(FutureWarning):
        old = UniformDistribution(0.0, 2.0)
    with pytest.warns(FutureWarning, match="converted to FloatDistribution"):
        trial = create_trial(params={"x": 1.0}, distributions={"x": old}, value=1.0)
    assert type(trial.distributions["x"]) is FloatDistribution
    study = parzen.create_study()
    study.add_trial(trial)
    assert study.trials[0].distributions == {"x": FloatDistribution(0.0, 2.0)}


def test_tell_without_values_or_state_fails_the_trial_with_the_reason():
    study = parzen.create_study()
    trial = study.ask()
    with pytest.warns(UserWarning, match="None"):
        assert study.tell(trial).state == TrialState.FAIL
    assert "None" in study.trials[0].system_attrs["fail_reason"]
