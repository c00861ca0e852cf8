from __future__ import annotations

import pytest

import parzen
from parzen.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from parzen.exceptions import DuplicatedStudyError, UpdateFinishedTrialError
from parzen.samplers import RandomSampler
from parzen.storages import InMemoryStorage
from parzen.study import StudyDirection
from parzen.trial import FixedTrial, TrialState, create_trial


def new_study(**kwargs) -> parzen.Study:
    kwargs.setdefault("sampler", RandomSampler(seed=1))
    return parzen.create_study(**kwargs)


# -- ask and tell ---------------------------------------------------------------------------


def test_ask_tell_loop():
    study = new_study()
    for _ in range(5):
        trial = study.ask()
        x = trial.suggest_float("x", -1, 1)
        frozen = study.tell(trial, x**2)
        assert frozen.state == TrialState.COMPLETE and frozen.value == x**2
    assert len(study.trials) == 5


def test_ask_with_fixed_distributions_and_tell_by_number():
    study = new_study()
    trial = study.ask({"lr": FloatDistribution(1e-4, 1e-1, log=True), "n": IntDistribution(1, 3)})
    assert set(trial.params) == {"lr", "n"}
    study.tell(trial.number, 0.5)
    assert study.best_trial.params == trial.params


def test_tell_pruned_and_failed():
    study = new_study()
    pruned = study.ask()
    pruned.report(0.7, 3)
    assert study.tell(pruned, state=TrialState.PRUNED).value == 0.7
    failed = study.ask()
    assert study.tell(failed, state=TrialState.FAIL).values is None


def test_tell_on_a_finished_trial_raises_and_keeps_the_first_result():
    study = new_study()
    trial = study.ask()
    study.tell(trial, 1.0)
    with pytest.raises(UpdateFinishedTrialError, match="already finished"):
        study.tell(trial, 2.0)
    assert study.tell(trial, 3.0, skip_if_finished=True).value == 1.0
    assert study.trials[0].value == 1.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"state": TrialState.COMPLETE}, "Cannot tell trial 0 COMPLETE"),
        ({"values": 1.0, "state": TrialState.PRUNED}, "Values cannot be told"),
        ({"values": 1.0, "state": TrialState.FAIL}, "Values cannot be told"),
        ({"state": TrialState.RUNNING}, "state must be"),
    ],
)
def test_tell_bad_arguments(kwargs, message):
    study = new_study()
    trial = study.ask()
    with pytest.raises(ValueError, match=message):
        study.tell(trial, **kwargs)
    assert study.trials[0].state == TrialState.RUNNING


def test_tell_unknown_trial_number_and_foreign_trial():
    study = new_study()
    with pytest.raises(ValueError, match="no trial number 7"):
        study.tell(7, 1.0)
    other = new_study().ask()
    with pytest.raises(ValueError, match="another study"):
        study.tell(other, 1.0)
    with pytest.raises(TypeError, match="Trial or a trial number"):
        study.tell("0", 1.0)


def test_tell_with_bad_values_fails_the_trial():
    study = new_study()
    trial = study.ask()
    with pytest.warns(UserWarning, match="NaN"):
        assert study.tell(trial, float("nan")).state == TrialState.FAIL
    assert "NaN" in study.trials[0].system_attrs["fail_reason"]


# -- enqueue and add ------------------------------------------------------------------------


def test_enqueued_params_are_used_and_others_sampled():
    study = new_study()
    study.enqueue_trial({"x": 3.0}, user_attrs={"source": "expert"})
    study.enqueue_trial({"x": 4.0, "y": "b"})

    def objective(trial: parzen.Trial) -> float:
        x = trial.suggest_float("x", 0, 10)
        y = trial.suggest_categorical("y", ["a", "b"])
        return x + (y == "b")

    study.optimize(objective, n_trials=3)
    trials = study.trials
    assert trials[0].params["x"] == 3.0 and trials[0].user_attrs == {"source": "expert"}
    assert trials[1].params == {"x": 4.0, "y": "b"}
    assert all(t.state == TrialState.COMPLETE for t in trials)


def test_enqueue_skip_if_exists():
    study = new_study()
    study.enqueue_trial({"x": 1.0})
    study.enqueue_trial({"x": 1.0}, skip_if_exists=True)
    assert len(study.trials) == 1
    study.optimize(lambda t: t.suggest_float("x", 0, 2), n_trials=1)
    study.enqueue_trial({"x": 1.0}, skip_if_exists=True)
    assert len(study.trials) == 1


def test_enqueued_value_outside_the_range_warns_and_is_used():
    study = new_study()
    study.enqueue_trial({"x": 50.0})
    with pytest.warns(UserWarning, match="lies outside"):
        study.optimize(lambda t: t.suggest_float("x", 0, 10), n_trials=1)
    assert study.trials[0].params["x"] == 50.0


def test_enqueue_non_json_params_is_refused():
    with pytest.raises(TypeError, match="JSON"):
        new_study().enqueue_trial({"x": object()})


def test_add_trial_and_validation():
    study = new_study()
    study.add_trial(
        create_trial(
            params={"x": 2.0},
            distributions={"x": FloatDistribution(0, 10)},
            value=4.0,
        )
    )
    study.add_trials([create_trial(value=1.0), create_trial(state=TrialState.FAIL)])
    assert [t.number for t in study.trials] == [0, 1, 2]
    assert study.best_value == 1.0
    with pytest.raises(ValueError, match="needs values"):
        create_trial(state=TrialState.COMPLETE)
    with pytest.raises(ValueError, match="outside"):
        create_trial(value=1.0, params={"x": 20.0}, distributions={"x": FloatDistribution(0, 1)})


# -- incompatible parameters ----------------------------------------------------------------


def test_reusing_a_name_with_another_kind_of_distribution_is_refused():
    study = new_study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)

    def changed(trial: parzen.Trial) -> float:
        return float(trial.suggest_categorical("x", [1, 2]))

    with pytest.raises(ValueError, match="different distribution kind"):
        study.optimize(changed, n_trials=1)
    assert [t.state for t in study.trials[:2]] == [TrialState.COMPLETE] * 2
    assert len(study.trials) == 3 and study.trials[2].state == TrialState.FAIL


def test_reusing_a_name_within_a_trial_with_another_kind_is_refused():
    trial = new_study().ask()
    trial.suggest_float("x", 0, 1)
    with pytest.raises(ValueError, match="different distribution kind"):
        trial.suggest_int("x", 0, 1)


@pytest.mark.parametrize(
    "suggest",
    [
        lambda t: t.suggest_float("x", 1.0, 0.0),
        lambda t: t.suggest_float("x", 0.0, 1.0, log=True),
        lambda t: t.suggest_float("x", 0.0, 1.0, step=0),
        lambda t: t.suggest_float("x", 0.1, 1.0, step=0.1, log=True),
        lambda t: t.suggest_float("x", float("-inf"), 1.0),
        lambda t: t.suggest_int("x", 10, 0),
        lambda t: t.suggest_categorical("x", []),
    ],
)
def test_bad_suggest_arguments_fail_that_trial_only(suggest):
    study = new_study()
    study.optimize(lambda t: t.suggest_float("y", 0, 1), n_trials=1)
    with pytest.raises(ValueError):
        study.optimize(suggest, n_trials=1)
    assert study.trials[0].state == TrialState.COMPLETE
    assert study.trials[1].state == TrialState.FAIL


def test_non_primitive_choices_warn_and_persistent_storages_refuse_them(tmp_path):
    trial = new_study().ask()
    model = object()
    with pytest.warns(UserWarning, match="JSON"):
        assert trial.suggest_categorical("model", [model]) is model
    study = parzen.create_study(storage=f"sqlite:///{tmp_path / 'objects.db'}")
    trial = study.ask()
    with pytest.warns(UserWarning), pytest.raises(TypeError, match="never pickle"):
        trial.suggest_categorical("model", [object(), object()])
    assert study.trials[0].params == {}


def test_user_attrs_must_be_json():
    study = new_study()
    trial = study.ask()
    trial.set_user_attr("ok", {"list": [1, 2]})
    with pytest.raises(TypeError, match="JSON"):
        trial.set_user_attr("bad", {1, 2})
    with pytest.raises(TypeError, match="JSON"):
        study.set_user_attr("bad", object())
    assert trial.user_attrs == {"ok": {"list": [1, 2]}}


# -- multi-objective and constraints --------------------------------------------------------


def test_multi_objective_best_trials_is_the_pareto_front():
    study = new_study(directions=["minimize", "maximize"])
    for values in [(1, 1), (2, 3), (3, 2), (0, 0), (2, 3)]:
        study.add_trial(create_trial(values=values))
    front = {tuple(t.values) for t in study.best_trials}
    assert front == {(1, 1), (2, 3), (0, 0)}
    assert len(study.best_trials) == 4  # both (2, 3) trials are on the front
    with pytest.raises(RuntimeError, match="best_trials"):
        _ = study.best_trial


def test_multi_objective_optimize():
    study = new_study(directions=["minimize", "minimize"])

    def objective(trial: parzen.Trial) -> tuple[float, float]:
        x = trial.suggest_float("x", 0, 1)
        return x, 1 - x

    study.optimize(objective, n_trials=10)
    assert len(study.best_trials) == 10  # every point of x -> (x, 1 - x) is Pareto-optimal


def test_constraints_exclude_infeasible_trials_from_the_best():
    study = new_study()

    def objective(trial: parzen.Trial) -> float:
        x = trial.suggest_float("x", 0, 10)
        trial.set_constraint("x_at_least_5", 5 - x)
        assert trial.constraints == {"x_at_least_5": 5 - x}
        return x

    study.optimize(objective, n_trials=40)
    feasible = [t.value for t in study.trials if t.value >= 5]
    assert study.best_value == min(feasible)


def test_constraints_on_the_pareto_front():
    study = new_study(directions=["minimize", "minimize"])
    infeasible = create_trial(values=(0, 0), system_attrs={"constraints": {"c": 1.0}})
    feasible = create_trial(values=(1, 1), system_attrs={"constraints": {"c": -1.0}})
    study.add_trials([infeasible, feasible])
    assert [t.values for t in study.best_trials] == [[1, 1]]


def test_nan_constraint_is_refused():
    trial = new_study().ask()
    with pytest.raises(ValueError, match="NaN"):
        trial.set_constraint("c", float("nan"))


# -- study management -----------------------------------------------------------------------


def test_create_load_delete_copy_and_list():
    storage = InMemoryStorage()
    study = parzen.create_study(storage=storage, study_name="first", direction="maximize")
    study.set_user_attr("owner", "me")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    with pytest.raises(DuplicatedStudyError):
        parzen.create_study(storage=storage, study_name="first")
    again = parzen.create_study(
        storage=storage, study_name="first", direction="maximize", load_if_exists=True
    )
    assert len(again.trials) == 3
    # Without a direction the stored one applies (as in Optuna); a contradicting one is refused.
    loaded = parzen.create_study(storage=storage, study_name="first", load_if_exists=True)
    assert loaded.direction == StudyDirection.MAXIMIZE
    with pytest.raises(ValueError, match="directions"):
        parzen.create_study(
            storage=storage, study_name="first", direction="minimize", load_if_exists=True
        )

    parzen.copy_study(
        from_study_name="first", from_storage=storage, to_storage=storage, to_study_name="second"
    )
    copied = parzen.load_study(study_name="second", storage=storage)
    assert [t.params for t in copied.trials] == [t.params for t in study.trials]
    assert copied.user_attrs == {"owner": "me"}
    assert sorted(parzen.get_all_study_names(storage)) == ["first", "second"]
    summaries = {s.study_name: s for s in parzen.get_all_study_summaries(storage)}
    assert summaries["first"].n_trials == 3
    assert summaries["first"].best_trial.value == study.best_value

    parzen.delete_study(study_name="first", storage=storage)
    assert parzen.get_all_study_names(storage) == ["second"]
    assert parzen.load_study(study_name=None, storage=storage).study_name == "second"
    with pytest.raises(KeyError, match="No study named 'first'"):
        parzen.load_study(study_name="first", storage=storage)


def test_load_study_suggests_close_names():
    storage = InMemoryStorage()
    parzen.create_study(storage=storage, study_name="resnet-lr")
    with pytest.raises(KeyError, match="Did you mean 'resnet-lr'"):
        parzen.load_study(study_name="resnet_lr", storage=storage)


def test_unknown_storage_url_scheme():
    with pytest.raises(ValueError, match="Unknown storage URL scheme"):
        parzen.create_study(storage="ftp://example/study")
    with pytest.raises(TypeError, match="storage must be"):
        parzen.create_study(storage=42)


def test_metric_names_and_dataframe():
    pytest.importorskip("pandas")
    study = new_study(directions=["minimize", "maximize"])
    study.set_metric_names(["loss", "accuracy"])
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), 0.5), n_trials=3)
    frame = study.trials_dataframe()
    assert list(frame["values_loss"]) == [t.values[0] for t in study.trials]
    assert {"number", "params_x", "state", "values_accuracy"} <= set(frame.columns)
    multi = study.trials_dataframe(multi_index=True)
    assert ("params", "x") in multi.columns
    with pytest.raises(ValueError, match="one name per direction"):
        study.set_metric_names(["only-one"])


def test_single_objective_dataframe_has_value_column():
    pytest.importorskip("pandas")
    study = new_study()
    study.optimize(lambda t: t.suggest_int("n", 0, 3), n_trials=4)
    frame = study.trials_dataframe(attrs=("number", "value", "params"))
    assert list(frame.columns) == ["number", "value", "params_n"]
    assert list(frame["value"]) == [float(t.params["n"]) for t in study.trials]


def test_get_trials_by_state_and_without_copies():
    study = new_study()
    study.optimize(lambda t: 1.0 if t.number % 2 else float("nan"), n_trials=4)
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    assert [t.number for t in complete] == [1, 3]


def test_fixed_trial_and_frozen_trial_replay_an_objective():
    def objective(trial: parzen.trial.BaseTrial) -> float:
        x = trial.suggest_float("x", 0, 10)
        c = trial.suggest_categorical("c", ["a", "b"])
        return x if c == "a" else -x

    assert objective(FixedTrial({"x": 2.0, "c": "b"})) == -2.0
    with pytest.raises(ValueError, match="no value for the parameter 'c'"):
        objective(FixedTrial({"x": 2.0}))
    study = new_study()
    study.optimize(objective, n_trials=3)
    for frozen in study.trials:
        assert objective(frozen) == frozen.value


def test_trial_properties():
    study = new_study()
    trial = study.ask()
    trial.suggest_categorical("c", [None, True])
    assert trial.number == 0 and trial.datetime_start is not None
    assert isinstance(trial.distributions["c"], CategoricalDistribution)
    frozen = study.tell(trial, 1.0)
    assert frozen.duration is not None and frozen.last_step is None
