"""Optuna's observable core behaviour, item by item (issue 14).

Every test takes ``lib``: the module ``parzen`` and, when installed, ``optuna``. A test
that passes for both proves that parzen does what Optuna does; nothing here looks at
parzen internals.
"""

from __future__ import annotations

import math
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest


@pytest.fixture(params=["parzen", "optuna"])
def lib(request: pytest.FixtureRequest) -> ModuleType:
    module = pytest.importorskip(request.param)
    module.logging.set_verbosity(module.logging.WARNING)
    return module


def make_storage(lib: ModuleType, kind: str, tmp_path: Path) -> Any:
    if kind == "memory":
        return None
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'parity.db'}"
    backend = lib.storages.journal.JournalFileBackend(str(tmp_path / "parity.log"))
    return lib.storages.journal.JournalStorage(backend)


STORAGES = ["memory", "sqlite", "journal"]


def random_study(lib: ModuleType, **kwargs: Any) -> Any:
    return lib.create_study(sampler=lib.samplers.RandomSampler(seed=0), **kwargs)


# -- Study and optimize -----------------------------------------------------------------------


def test_load_if_exists_without_direction_loads_the_stored_directions(lib, tmp_path):
    url = f"sqlite:///{tmp_path / 'load.db'}"
    lib.create_study(storage=url, study_name="s", directions=["maximize", "minimize"])
    study = lib.create_study(storage=url, study_name="s", load_if_exists=True)
    assert study.directions == [
        lib.study.StudyDirection.MAXIMIZE,
        lib.study.StudyDirection.MINIMIZE,
    ]
    single = lib.create_study(storage=url, study_name="one", direction="maximize")
    again = lib.create_study(storage=url, study_name="one", load_if_exists=True)
    assert again.direction == single.direction == lib.study.StudyDirection.MAXIMIZE


def test_load_if_exists_with_the_stored_direction_loads(lib, tmp_path):
    url = f"sqlite:///{tmp_path / 'load.db'}"
    lib.create_study(storage=url, study_name="s", direction="maximize")
    study = lib.create_study(
        storage=url, study_name="s", direction="maximize", load_if_exists=True
    )
    assert study.direction == lib.study.StudyDirection.MAXIMIZE


def test_optimize_from_two_threads_at_once_runs_both(lib):
    study = random_study(lib)
    started = threading.Barrier(2, timeout=30)

    def objective(trial: Any) -> float:
        if trial.number < 2:
            started.wait()  # both optimize calls are inside the loop at the same time
        return trial.suggest_float("x", 0, 1)

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(study.optimize, objective, n_trials=2) for _ in range(2)]
        for future in futures:
            future.result()
    assert len(study.trials) == 4
    assert all(t.state == lib.trial.TrialState.COMPLETE for t in study.trials)


def test_nested_optimize_from_the_objective_is_refused(lib):
    study = random_study(lib)

    def objective(trial: Any) -> float:
        study.optimize(lambda t: 1.0, n_trials=1)
        return 1.0

    with pytest.raises(RuntimeError):
        study.optimize(objective, n_trials=1)
    assert [t.state for t in study.trials] == [lib.trial.TrialState.FAIL]


def test_progress_bar_counts_trials_in_iterations(lib, capsys):
    random_study(lib).optimize(
        lambda t: t.suggest_float("x", 0, 1), n_trials=3, show_progress_bar=True
    )
    err = capsys.readouterr().err
    assert "3/3" in err and "it/s" in err and "Best trial: " in err


def test_progress_bar_with_only_a_timeout_shows_elapsed_over_the_budget(lib, capsys):
    study = random_study(lib)
    stop_after_two = lambda study, trial: study.stop() if trial.number >= 1 else None  # noqa: E731
    study.optimize(
        lambda t: t.suggest_float("x", 0, 1),
        timeout=61,
        callbacks=[stop_after_two],
        show_progress_bar=True,
    )
    assert "00:00/01:01" in capsys.readouterr().err


def test_progress_bar_with_n_trials_and_timeout_shows_the_seconds(lib, capsys):
    random_study(lib).optimize(
        lambda t: t.suggest_float("x", 0, 1), n_trials=2, timeout=60, show_progress_bar=True
    )
    assert "/60 seconds" in capsys.readouterr().err


def test_progress_bar_warns_without_a_budget(lib):
    study = random_study(lib)
    with pytest.warns(UserWarning):
        study.optimize(
            lambda t: t.suggest_float("x", 0, 1),
            callbacks=[lambda study, trial: study.stop()],
            show_progress_bar=True,
        )
    assert len(study.trials) == 1


def test_progress_bar_warns_for_a_timeout_with_several_jobs(lib):
    with pytest.warns(UserWarning):
        random_study(lib).optimize(
            lambda t: t.suggest_float("x", 0, 1), timeout=0.05, n_jobs=2, show_progress_bar=True
        )


def test_reseed_rng_is_called_in_each_worker_thread(lib):
    seen: dict[str, set[int]] = {"reseeded": set(), "ran": set()}

    class Spy(lib.samplers.RandomSampler):
        def reseed_rng(self) -> None:
            seen["reseeded"].add(threading.get_ident())
            super().reseed_rng()

    study = lib.create_study(sampler=Spy(seed=0))

    def objective(trial: Any) -> float:
        seen["ran"].add(threading.get_ident())
        time.sleep(0.01)
        return trial.suggest_float("x", 0, 1)

    study.optimize(objective, n_trials=6, n_jobs=2)
    assert seen["ran"] and seen["ran"] <= seen["reseeded"]
    seen["reseeded"].clear()
    study.optimize(objective, n_trials=2, n_jobs=1)
    assert seen["reseeded"] == set()


@pytest.mark.parametrize(
    "values", [None, math.nan, "text", [1.0, 2.0]], ids=["None", "nan", "text", "wrong-count"]
)
def test_tell_complete_with_bad_values_raises_and_keeps_the_trial_running(lib, values):
    study = random_study(lib)
    trial = study.ask()
    with pytest.raises(ValueError):
        study.tell(trial, values, state=lib.trial.TrialState.COMPLETE)
    assert study.trials[0].state == lib.trial.TrialState.RUNNING
    study.tell(trial, 1.0)
    assert study.trials[0].value == 1.0


def test_tell_complete_without_values_raises(lib):
    study = random_study(lib)
    trial = study.ask()
    with pytest.raises(ValueError):
        study.tell(trial, state=lib.trial.TrialState.COMPLETE)
    assert study.trials[0].state == lib.trial.TrialState.RUNNING


@pytest.mark.parametrize("values", ["a", math.nan, None], ids=["text", "nan", "None"])
def test_tell_bad_values_without_state_fails_the_trial_with_a_warning(lib, values):
    study = random_study(lib)
    trial = study.ask()
    with pytest.warns(UserWarning):
        frozen = study.tell(trial, values)
    assert frozen.state == study.trials[0].state == lib.trial.TrialState.FAIL


def test_tell_of_a_finished_trial_raises_value_error(lib):
    study = random_study(lib)
    trial = study.ask()
    study.tell(trial, 1.0)
    with pytest.raises(ValueError):
        study.tell(trial, 2.0)
    with pytest.raises(ValueError):
        study.tell(trial.number, 2.0)
    assert study.tell(trial, 2.0, skip_if_finished=True).value == 1.0
    assert study.trials[0].value == 1.0


def test_add_trial_with_the_wrong_number_of_values_raises(lib):
    study = random_study(lib)
    with pytest.raises(ValueError):
        study.add_trial(lib.trial.create_trial(values=[1.0, 2.0]))
    multi = random_study(lib, directions=["minimize", "maximize"])
    with pytest.raises(ValueError):
        multi.add_trial(lib.trial.create_trial(value=1.0))
    multi.add_trial(lib.trial.create_trial(values=[1.0, 2.0]))
    assert len(study.trials) == 0 and len(multi.trials) == 1


@pytest.mark.parametrize("kind", STORAGES)
def test_get_trials_with_no_states_is_empty(lib, kind, tmp_path):
    study = random_study(lib, storage=make_storage(lib, kind, tmp_path))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    study.ask()
    assert study.get_trials(states=()) == []
    assert study.get_trials(deepcopy=False, states=()) == []


@pytest.mark.parametrize("kind", STORAGES)
def test_enqueue_nan_twice_with_skip_if_exists_enqueues_once(lib, kind, tmp_path):
    study = random_study(lib, storage=make_storage(lib, kind, tmp_path))
    study.enqueue_trial({"x": float("nan")}, skip_if_exists=True)
    study.enqueue_trial({"x": float("nan")}, skip_if_exists=True)
    assert len(study.trials) == 1


@pytest.mark.parametrize("kind", STORAGES)
def test_an_empty_study_name_is_kept(lib, kind, tmp_path):
    storage = make_storage(lib, kind, tmp_path)
    if storage is None:
        storage = lib.storages.InMemoryStorage()
    study = lib.create_study(storage=storage, study_name="")
    assert study.study_name == ""
    assert lib.load_study(study_name="", storage=storage).study_name == ""


def test_study_study_module_path_re_exports_the_same_objects(lib):
    import importlib

    module = importlib.import_module(f"{lib.__name__}.study.study")
    assert module.Study is lib.study.Study
    for name in ("create_study", "load_study", "delete_study", "copy_study"):
        assert getattr(module, name) is getattr(lib, name)
    assert module.get_all_study_names is lib.get_all_study_names
    assert module.get_all_study_summaries is lib.get_all_study_summaries


# -- Trials, distributions, suggestions ---------------------------------------------------------


def test_constraints_on_frozen_and_created_trials(lib):
    trial = lib.trial.create_trial(value=1.0, constraints={"memory": 0.5, "latency": -1.0})
    assert trial.constraints == {"memory": 0.5, "latency": -1.0}
    assert lib.trial.create_trial(value=1.0).constraints == {}
    with pytest.raises(ValueError):
        lib.trial.create_trial(value=1.0, constraints={"memory": math.nan})
    with pytest.raises(TypeError):
        lib.trial.create_trial(value=1.0, constraints={"memory": "high"})


def test_set_constraint_keeps_the_first_value_and_warns(lib):
    study = random_study(lib)

    def objective(trial: Any) -> float:
        trial.set_constraint("a", 1.0)
        trial.set_constraint("b", -1.0)
        with pytest.warns(UserWarning):
            trial.set_constraint("a", 5.0)
        assert trial.constraints == {"a": 1.0, "b": -1.0}
        return 1.0

    study.optimize(objective, n_trials=1)
    assert study.trials[0].constraints == {"a": 1.0, "b": -1.0}


def test_fixed_trial_set_constraint(lib):
    trial = lib.trial.FixedTrial({"x": 1.0})
    trial.set_constraint("a", 1.0)
    with pytest.warns(UserWarning):
        trial.set_constraint("a", 2.0)
    assert trial.constraints == {"a": 1.0}


def test_constraints_decide_the_best_trial(lib):
    study = random_study(lib)
    study.add_trial(lib.trial.create_trial(value=1.0, constraints={"c": 1.0}))
    study.add_trial(lib.trial.create_trial(value=2.0, constraints={"c": -1.0}))
    assert study.best_value == 2.0


@pytest.mark.parametrize("kind", ["sqlite", "journal"])
def test_constraints_survive_storages_and_copy_study(lib, kind, tmp_path):
    storage = make_storage(lib, kind, tmp_path)
    study = lib.create_study(storage=storage, study_name="c")
    study.add_trial(lib.trial.create_trial(value=1.0, constraints={"a": 1.0, "b": -2.0}))

    def objective(trial: Any) -> float:
        trial.set_constraint("c", 3.0)
        return 1.0

    study.optimize(objective, n_trials=1)
    loaded = lib.load_study(study_name="c", storage=storage)
    assert [t.constraints for t in loaded.trials] == [{"a": 1.0, "b": -2.0}, {"c": 3.0}]
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    lib.copy_study(from_study_name="c", from_storage=storage, to_storage=target)
    copied = lib.load_study(study_name="c", storage=target)
    assert [t.constraints for t in copied.trials] == [{"a": 1.0, "b": -2.0}, {"c": 3.0}]


def test_resuggesting_with_another_range_returns_the_first_value_and_warns(lib):
    trial = random_study(lib).ask()
    first = trial.suggest_float("x", 0, 1)
    with pytest.warns(RuntimeWarning, match="Inconsistent parameter values"):
        assert trial.suggest_float("x", 5, 6) == first
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert trial.suggest_float("x", 0, 1) == first


@pytest.mark.parametrize(
    ("make", "high"),
    [
        (lambda d: d.IntDistribution(0, 10, step=3), 9),
        (lambda d: d.FloatDistribution(0, 1, step=0.3), 0.9),
        (lambda d: d.FloatDistribution(0.1, 0.75, step=0.2), 0.7),
    ],
)
def test_a_range_not_divisible_by_step_lowers_high_with_a_warning(lib, make, high):
    with pytest.warns(UserWarning):
        distribution = make(lib.distributions)
    assert distribution.high == pytest.approx(high)


def test_a_divisible_range_does_not_warn(lib):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lib.distributions.FloatDistribution(0.2, 0.3, step=0.1)
        lib.distributions.FloatDistribution(0.0, 1.0, step=0.1)
        lib.distributions.IntDistribution(0, 10, step=2)


@pytest.mark.parametrize(
    ("low", "high", "step", "n_points"),
    [(0.2, 0.3, 0.1, 2), (0.1, 0.7, 0.2, 4), (0.0, 1.0, 0.1, 11), (1.1, 1.3, 0.1, 3)],
)
def test_float_step_grids_keep_every_point(lib, low, high, step, n_points):
    distribution = lib.distributions.FloatDistribution(low, high, step=step)
    assert distribution.single() is False
    assert distribution.high == high
    study = random_study(lib)
    study.optimize(lambda t: t.suggest_float("x", low, high, step=step), n_trials=60)
    values = {round(t.params["x"], 9) for t in study.trials}
    assert len(values) == n_points
    assert min(values) == low and max(values) == high


@pytest.mark.parametrize(
    "sampler", ["TPESampler", "QMCSampler", "CmaEsSampler", "NSGAIISampler", "BruteForceSampler"]
)
def test_every_sampler_reaches_both_points_of_a_two_point_float_grid(lib, sampler):
    cls = getattr(lib.samplers, sampler)
    kwargs: dict[str, Any] = {"seed": 1}
    if sampler in ("TPESampler", "CmaEsSampler"):
        kwargs["n_startup_trials"] = 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # experimental / independent-sampling warnings
        study = lib.create_study(sampler=cls(**kwargs))
        study.optimize(lambda t: t.suggest_float("y", 0.2, 0.3, step=0.1), n_trials=16)
    assert {t.params["y"] for t in study.trials} == {0.2, 0.3}


def test_suggest_int_accepts_integral_floats(lib):
    trial = random_study(lib).ask()
    value = trial.suggest_int("n", 1, 1e3)
    assert isinstance(value, int) and 1 <= value <= 1000
    assert trial.distributions["n"] == lib.distributions.IntDistribution(1, 1000)
    assert isinstance(trial.suggest_int("m", 1.0, 8.0, log=True), int)


def test_suggest_int_log_with_low_below_one_is_a_value_error(lib):
    trial = random_study(lib).ask()
    with pytest.raises(ValueError):
        trial.suggest_int("z", 0.5, 10, log=True)
    with pytest.raises(ValueError):
        trial.suggest_int("z", 0, 10, log=True)


def test_report_accepts_an_integral_float_step(lib):
    study = random_study(lib)
    trial = study.ask()
    trial.report(0.5, step=1.0)
    trial.report(0.25, 2.0)
    study.tell(trial, 0.25)
    assert study.trials[0].intermediate_values == {1: 0.5, 2: 0.25}


@pytest.mark.parametrize(
    ("suggest", "stored"),
    [
        (lambda t: t.suggest_float("x", 20.0, 30.0), 5.0),
        (lambda t: t.suggest_int("n", 20, 30), 3),
    ],
)
def test_frozen_trial_replays_a_stored_value_outside_the_new_range_with_a_warning(
    lib, suggest, stored
):
    d = lib.distributions
    frozen = lib.trial.create_trial(
        params={"x": 5.0, "n": 3},
        distributions={"x": d.FloatDistribution(0.0, 10.0), "n": d.IntDistribution(0, 10)},
        value=1.0,
    )
    with pytest.warns(UserWarning):
        assert suggest(frozen) == stored
    with pytest.raises(ValueError):
        frozen.suggest_float("missing", 0.0, 1.0)


def test_best_trial_replays_after_the_range_changed(lib):
    study = random_study(lib)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    best = study.best_trial
    with pytest.warns(UserWarning):
        assert best.suggest_float("x", 2, 3) == best.params["x"]


def test_value_setter_on_a_multi_objective_frozen_trial_raises(lib):
    trial = lib.trial.create_trial(values=[1.0, 2.0])
    with pytest.raises(RuntimeError):
        trial.value = 3.0
    assert trial.values == [1.0, 2.0]


def test_frozen_trial_orders_only_against_frozen_trials(lib):
    a = lib.trial.create_trial(value=1.0)
    with pytest.raises(TypeError):
        a < 1  # noqa: B015
    with pytest.raises(TypeError):
        a <= 1  # noqa: B015
    assert (a == 1) is False


def test_to_internal_repr_outside_a_log_domain_is_a_value_error(lib):
    d = lib.distributions
    with pytest.raises(ValueError):
        d.FloatDistribution(1, 10, log=True).to_internal_repr(-1.0)
    with pytest.raises(ValueError):
        d.IntDistribution(1, 10, log=True).to_internal_repr(-1)


LAYERS = [(64, 64), (128,)]


def layers_objective(trial: Any) -> float:
    return float(sum(trial.suggest_categorical("layers", LAYERS)))


def test_non_primitive_choices_work_in_memory_with_a_warning(lib):
    study = random_study(lib)

    class Model:
        pass

    small, large = Model(), Model()
    with pytest.warns(UserWarning):
        study.optimize(layers_objective, n_trials=4)
    assert {t.params["layers"] for t in study.trials} <= set(LAYERS)
    with pytest.warns(UserWarning):
        study.optimize(
            lambda t: (t.suggest_categorical("model", [small, large]), 1.0)[1], n_trials=2
        )
    # Optuna's in-memory storage hands out deep copies; parzen the objects themselves.
    assert all(isinstance(t.params["model"], Model) for t in study.trials[4:])


def test_tuple_choices_survive_a_persistent_storage_on_parzen(tmp_path):
    parzen = pytest.importorskip("parzen")
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    for kind in ("sqlite", "journal"):
        storage = make_storage(parzen, kind, tmp_path)
        study = parzen.create_study(storage=storage, study_name=kind)
        with pytest.warns(UserWarning):
            study.optimize(layers_objective, n_trials=6)
        loaded = parzen.load_study(study_name=kind, storage=storage)
        assert {t.params["layers"] for t in loaded.trials} <= set(LAYERS)
        assert loaded.best_params["layers"] in LAYERS
        with pytest.warns(UserWarning):
            expected = parzen.distributions.CategoricalDistribution(LAYERS)
        assert loaded.trials[0].distributions["layers"] == expected


@pytest.mark.parametrize("kind", ["sqlite", "journal"])
def test_choices_without_a_json_form_are_a_clear_error_on_parzen(kind, tmp_path):
    parzen = pytest.importorskip("parzen")
    parzen.logging.set_verbosity(parzen.logging.CRITICAL)
    storage = make_storage(parzen, kind, tmp_path)
    study = parzen.create_study(storage=storage, study_name="objects")

    class Model:
        pass

    with pytest.warns(UserWarning), pytest.raises(TypeError, match="cannot be stored"):
        study.optimize(lambda t: t.suggest_categorical("m", [Model(), Model()]), n_trials=1)
    (trial,) = study.trials
    assert trial.state == parzen.trial.TrialState.FAIL and trial.params == {}


@pytest.mark.parametrize(
    ("method", "args", "kwargs"),
    [
        ("suggest_uniform", ("x", 0.0, 1.0), {}),
        ("suggest_loguniform", ("x", 1e-3, 1.0), {"log": True}),
        ("suggest_discrete_uniform", ("x", 0.0, 1.0, 0.25), {"step": 0.25}),
    ],
)
def test_deprecated_suggest_methods_warn_and_still_work(lib, method, args, kwargs):
    study = random_study(lib)
    trial = study.ask()
    with pytest.warns(FutureWarning):
        value = getattr(trial, method)(*args)
    assert trial.params["x"] == value
    assert trial.distributions["x"] == lib.distributions.FloatDistribution(
        args[1], args[2], **kwargs
    )


@pytest.mark.parametrize(
    ("name", "args", "current"),
    [
        ("UniformDistribution", (0.0, 1.0), ("FloatDistribution", (0.0, 1.0), {})),
        ("LogUniformDistribution", (0.1, 1.0), ("FloatDistribution", (0.1, 1.0), {"log": True})),
        (
            "DiscreteUniformDistribution",
            (0.0, 1.0, 0.25),
            ("FloatDistribution", (0.0, 1.0), {"step": 0.25}),
        ),
        ("IntUniformDistribution", (0, 10, 2), ("IntDistribution", (0, 10), {"step": 2})),
        ("IntLogUniformDistribution", (1, 10), ("IntDistribution", (1, 10), {"log": True})),
    ],
)
def test_deprecated_distributions(lib, name, args, current):
    d = lib.distributions
    with pytest.warns(FutureWarning):
        old = getattr(d, name)(*args)
    cls_name, new_args, new_kwargs = current
    new = getattr(d, cls_name)(*new_args, **new_kwargs)
    assert isinstance(old, getattr(d, cls_name))
    assert (old.low, old.high, old.log, old.step) == (new.low, new.high, new.log, new.step)
    with pytest.warns(FutureWarning):
        assert d.json_to_distribution(d.distribution_to_json(old)) == old
    study = random_study(lib)
    with pytest.warns(FutureWarning):
        trial = study.ask({"p": old})
    assert trial.distributions["p"] == new


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '{"name": "UniformDistribution", "attributes": {"low": 0.0, "high": 1.0}}',
            ("UniformDistribution", (0.0, 1.0)),
        ),
        (
            '{"name": "DiscreteUniformDistribution", '
            '"attributes": {"low": 0.0, "high": 1.0, "q": 0.5}}',
            ("DiscreteUniformDistribution", (0.0, 1.0, 0.5)),
        ),
        (
            '{"name": "IntLogUniformDistribution", '
            '"attributes": {"low": 1, "high": 8, "step": 1}}',
            ("IntLogUniformDistribution", (1, 8)),
        ),
    ],
)
def test_json_to_distribution_reads_the_old_json(lib, text, expected):
    d = lib.distributions
    name, args = expected
    with pytest.warns(FutureWarning):
        assert d.json_to_distribution(text) == getattr(d, name)(*args)


@pytest.mark.parametrize(
    ("text", "make"),
    [
        ('{"type": "int", "low": 0, "high": 10}', lambda d: d.IntDistribution(0, 10)),
        (
            '{"type": "int", "low": 1, "high": 64, "log": true}',
            lambda d: d.IntDistribution(1, 64, log=True),
        ),
        ('{"type": "float", "low": 0, "high": 1}', lambda d: d.FloatDistribution(0, 1)),
        (
            '{"type": "float", "low": 0, "high": 1, "step": 0.25}',
            lambda d: d.FloatDistribution(0, 1, step=0.25),
        ),
        (
            '{"type": "categorical", "choices": ["a", 1, null]}',
            lambda d: d.CategoricalDistribution(["a", 1, None]),
        ),
    ],
)
def test_json_to_distribution_reads_the_abbreviated_form(lib, text, make):
    d = lib.distributions
    assert d.json_to_distribution(text) == make(d)


def test_a_user_distribution_needs_no_to_external_repr(lib):
    class Half(lib.distributions.BaseDistribution):
        def to_internal_repr(self, value: Any) -> float:
            return float(value)

        def single(self) -> bool:
            return False

        def _contains(self, value: float) -> bool:
            return 0.0 <= value <= 0.5

    assert Half().to_external_repr(0.25) == 0.25


def test_sample_relative_outside_its_space_is_a_value_error(lib):
    class Bad(lib.samplers.BaseSampler):
        def infer_relative_search_space(self, study: Any, trial: Any) -> dict[str, Any]:
            return {"x": lib.distributions.FloatDistribution(0, 1)}

        def sample_relative(self, study: Any, trial: Any, space: Any) -> dict[str, Any]:
            return {"x": 0.5, "y": 0.25}

        def sample_independent(self, study: Any, trial: Any, name: str, dist: Any) -> Any:
            return 0.125

    trial = lib.create_study(sampler=Bad()).ask()
    with pytest.raises(ValueError):
        trial.suggest_float("y", 0, 1)
    assert trial.suggest_float("z", 0, 1) == 0.125
