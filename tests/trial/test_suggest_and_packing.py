"""suggest_* written once in BaseTrial, shared distributions, and packed finished trials."""

from __future__ import annotations

import copy
import math
import pickle
import warnings

import numpy as np
import pytest

import parzen
from parzen.distributions import FloatDistribution, IntDistribution
from parzen.samplers._random import sample_uniform
from parzen.trial import BaseTrial, FixedTrial, FrozenTrial, TrialState


def _study() -> parzen.Study:
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    return parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))


def test_every_trial_kind_implements_only_the_suggest_hook():
    for cls in (parzen.trial.Trial, FixedTrial, FrozenTrial):
        for method in ("suggest_float", "suggest_int", "suggest_categorical"):
            assert getattr(cls, method) is getattr(BaseTrial, method)
        assert "_suggest" in cls.__dict__


def test_equal_suggestions_share_one_distribution_instance():
    study = _study()
    first, second = study.ask(), study.ask()
    first.suggest_float("x", 0.0, 1.0)
    second.suggest_float("x", 0, 1)  # equal arguments of another type: the same values
    assert first.distributions["x"] is second.distributions["x"]
    first.suggest_int("n", 1, 8)
    second.suggest_int("n", 1, 8)
    assert first.distributions["n"] is second.distributions["n"]


@pytest.mark.parametrize(
    ("suggest", "match"),
    [
        (lambda t: t.suggest_float("x", 0.0, 1.0, step=0.3), "lowered"),
        (lambda t: t.suggest_int("n", 0.5, 8), "truncated"),  # type: ignore[arg-type]
    ],
)
def test_a_construction_warning_repeats_on_every_call(suggest, match):
    study = _study()
    for _ in range(3):
        with pytest.warns(UserWarning, match=match):
            suggest(study.ask())


def test_unhashable_bounds_still_work():
    trial = _study().ask()
    assert 0.0 <= trial.suggest_float("x", np.array(0.0), np.array(1.0)) <= 1.0


def test_float_sampling_matches_numpy_uniform_draw_for_draw():
    ours, theirs = np.random.RandomState(3), np.random.RandomState(3)
    for low, high, log in [(-5.0, 5.0, False), (1e-4, 1.0, True), (2.0, 2.0, False)]:
        dist = FloatDistribution(low, high, log=log)
        for _ in range(100):
            if log:  # what sample_uniform computed with rng.uniform before
                drawn = math.exp(theirs.uniform(math.log(low), math.log(high)))
                expected = min(max(drawn, low), high)
            else:
                expected = float(theirs.uniform(low, high))
            assert sample_uniform(ours, dist) == expected


def test_finished_trials_are_packed_and_read_back_whole():
    study = _study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_int("n", 0, 3), n_trials=5)
    stored = study._storage.get_all_trials(study._study_id, deepcopy=False)
    packed = stored[0]
    assert packed._params is None and packed._user_attrs is None
    copies = study.trials
    assert copies[0] == packed and packed._params is None  # comparing does not unpack
    assert isinstance(copies[0].params["n"], int) and isinstance(copies[0].params["x"], float)
    assert copies[0].params is not packed.params
    assert set(packed.params) == {"x", "n"} and packed.params is packed.params
    assert packed.intermediate_values == {} and packed.last_step is None
    assert repr(stored[1]) == repr(copies[1])
    assert pickle.loads(pickle.dumps(stored[2])) == copies[2]
    assert copy.deepcopy(stored[3]) == copies[3]


def test_a_packed_float_row_is_exact():
    study = _study()
    values = [0.1, -0.0, 1e-300, 5.0]
    study.enqueue_trial({f"p{i}": v for i, v in enumerate(values)})
    study.optimize(
        lambda t: sum(t.suggest_float(f"p{i}", -10, 10) for i in range(len(values))),
        n_trials=1,
    )
    (trial,) = study.get_trials(deepcopy=False)
    assert trial.params == {f"p{i}": v for i, v in enumerate(values)}
    assert str(trial.params["p1"]) == "-0.0"


def test_frozen_trial_has_no_attribute_dict():
    trial = parzen.trial.create_trial(value=1.0)
    with pytest.raises(AttributeError):
        trial.__dict__  # noqa: B018
    assert trial.state == TrialState.COMPLETE


def test_process_workers_build_distributions_themselves():
    study = _study()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(
            lambda t: t.suggest_float("x", 0, 1) + t.suggest_int("n", 1, 4, log=True),
            n_trials=4,
            n_jobs=2,
            executor="process",
        )
    assert all(t.distributions["n"] == IntDistribution(1, 4, log=True) for t in study.trials)
