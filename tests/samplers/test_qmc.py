from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from scipy.stats import qmc

import parzen
from parzen.samplers._qmc import QMCSampler
from parzen.samplers._random import RandomSampler
from parzen.trial import Trial


@pytest.fixture(autouse=True)
def _propagate_logs() -> Iterator[None]:
    parzen.logging.enable_propagation()
    yield
    parzen.logging.disable_propagation()


def _xy(trial: Trial) -> float:
    return trial.suggest_float("x", 0, 1) + trial.suggest_float("y", 0, 1)


def _xy_points(study: parzen.study.Study) -> np.ndarray:
    return np.array([[t.params["x"], t.params["y"]] for t in study.trials])


def _reference(qmc_type: str, n: int, *, scramble: bool = False, seed: int = 0) -> np.ndarray:
    engine_class = qmc.Sobol if qmc_type == "sobol" else qmc.Halton
    # ``seed=``: the keyword Optuna's QMCSampler seeds the scrambling with.
    return engine_class(2, scramble=scramble, seed=seed).random(n)


@pytest.mark.parametrize("qmc_type", ["sobol", "halton"])
def test_trials_follow_the_sequence_after_the_first(qmc_type: str) -> None:
    study = parzen.create_study(sampler=QMCSampler(qmc_type=qmc_type, seed=0))
    study.optimize(_xy, n_trials=9)
    # Trial 0 is sampled independently and sets the search space; trial k takes point k - 1.
    np.testing.assert_allclose(_xy_points(study)[1:], _reference(qmc_type, 8))


@pytest.mark.parametrize("qmc_type", ["sobol", "halton"])
def test_scrambled_sequence_depends_on_the_seed(qmc_type: str) -> None:
    runs = []
    for seed in (3, 3, 4):
        sampler = QMCSampler(qmc_type=qmc_type, scramble=True, seed=seed)
        study = parzen.create_study(sampler=sampler)
        study.optimize(_xy, n_trials=5)
        runs.append(_xy_points(study)[1:])
    np.testing.assert_array_equal(runs[0], runs[1])
    np.testing.assert_allclose(runs[0], _reference(qmc_type, 4, scramble=True, seed=3))
    assert not np.allclose(runs[0], runs[2])


def test_every_kind_of_distribution_is_covered_evenly() -> None:
    def objective(trial: Trial) -> float:
        trial.suggest_categorical("c", ["a", None, True, 2.5])
        trial.suggest_int("i", 0, 3)
        trial.suggest_int("i_step", 0, 30, step=10)
        trial.suggest_float("f_step", 0.0, 0.75, step=0.25)
        trial.suggest_int("i_log", 1, 100, log=True)
        trial.suggest_float("f_log", 1e-3, 1.0, log=True)
        return 0.0

    study = parzen.create_study(sampler=QMCSampler(seed=0))
    study.optimize(objective, n_trials=17)
    trials = study.trials[1:]
    # 16 Sobol points put 4 in each quarter of every coordinate: each of 4 values 4 times.
    expected: list[tuple[str, list[Any]]] = [
        ("c", ["a", None, True, 2.5]),
        ("i", [0, 1, 2, 3]),
        ("i_step", [0, 10, 20, 30]),
        ("f_step", [0.0, 0.25, 0.5, 0.75]),
    ]
    for name, values in expected:
        counts = Counter(repr(t.params[name]) for t in trials)
        assert counts == {repr(v): 4 for v in values}, name
    assert all(type(t.params["c"]) is not int for t in trials)  # True stays a bool
    f_log = [t.params["f_log"] for t in trials]
    assert all(1e-3 <= v <= 1.0 for v in f_log)
    # Log scale: half of the points lie below the geometric middle.
    assert sum(v < (1e-3 * 1.0) ** 0.5 for v in f_log) == 8
    i_log = [t.params["i_log"] for t in trials]
    assert all(1 <= v <= 100 for v in i_log)
    assert sum(v <= 10 for v in i_log) >= 8


def test_search_space_comes_from_the_first_trial(caplog: pytest.LogCaptureFixture) -> None:
    def objective(trial: Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        if trial.number > 0:
            trial.suggest_float("late", 0, 1)  # not in the first trial
        return x

    study = parzen.create_study(sampler=QMCSampler(seed=0))
    with caplog.at_level(logging.WARNING, logger="parzen"):
        study.optimize(objective, n_trials=3)
    assert "'late' of trial 1 is outside the search space" in caplog.text
    assert "trial 0" not in caplog.text
    stored = study.system_attrs["qmc:search_space"]
    assert [name for name, _ in json.loads(json.dumps(stored))["params"]] == ["x"]


def test_independent_sampling_warning_can_be_turned_off(caplog: pytest.LogCaptureFixture) -> None:
    sampler = QMCSampler(seed=0, warn_independent_sampling=False)
    study = parzen.create_study(sampler=sampler)
    with caplog.at_level(logging.WARNING, logger="parzen"):
        study.optimize(lambda t: t.suggest_float(f"p{t.number}", 0, 1), n_trials=3)
    assert "outside the search space" not in caplog.text


@pytest.mark.parametrize("warn", [True, False])
def test_scrambling_without_a_seed_warns(warn: bool, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="parzen"):
        QMCSampler(scramble=True, warn_asynchronous_seeding=warn)
        QMCSampler(scramble=False)  # unscrambled sequences do not depend on the seed
    assert caplog.text.count("No seed is given to QMCSampler") == int(warn)


def test_workers_share_one_sequence() -> None:
    study = parzen.create_study(sampler=QMCSampler(seed=0))
    other = parzen.load_study(study_name=study.study_name, storage=study._storage)
    other.sampler = QMCSampler(seed=0)
    for index in range(9):
        (study if index % 2 else other).optimize(_xy, n_trials=1)
    np.testing.assert_allclose(_xy_points(study)[1:], _reference("sobol", 8))


def test_two_threads_draw_distinct_points() -> None:
    study = parzen.create_study(sampler=QMCSampler(seed=0, qmc_type="halton"))
    study.optimize(_xy, n_trials=1)
    study.optimize(_xy, n_trials=16, n_jobs=2)
    points = _xy_points(study)[1:]
    order = np.lexsort(points.T)
    reference = _reference("halton", 16)
    np.testing.assert_allclose(points[order], reference[np.lexsort(reference.T)])


def test_reseed_rng_keeps_the_sequence() -> None:
    sampler = QMCSampler(seed=0)
    sampler.reseed_rng()
    study = parzen.create_study(sampler=sampler)
    study.optimize(_xy, n_trials=5)
    np.testing.assert_allclose(_xy_points(study)[1:], _reference("sobol", 4))


def test_custom_independent_sampler_samples_the_first_trial() -> None:
    independent = RandomSampler(seed=7)
    study = parzen.create_study(sampler=QMCSampler(independent_sampler=independent))
    study.optimize(_xy, n_trials=1)
    expected = parzen.create_study(sampler=RandomSampler(seed=7))
    expected.optimize(_xy, n_trials=1)
    assert study.trials[0].params == expected.trials[0].params


def test_scipy_is_imported_only_when_sampling() -> None:
    code = (
        "import sys\n"
        "from parzen.samplers._qmc import QMCSampler\n"
        "QMCSampler(seed=0)\n"
        "assert 'scipy.stats' not in sys.modules, 'scipy.stats imported too early'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"qmc_type": "lhs"},
            ValueError,
            r"qmc_type must be one of \['sobol', 'halton'\], got 'lhs'",
        ),
        ({"independent_sampler": "random"}, TypeError, r"independent_sampler must be a sampler"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        QMCSampler(**kwargs)


def test_positional_arguments_are_refused() -> None:
    with pytest.raises(TypeError):
        QMCSampler("sobol")
