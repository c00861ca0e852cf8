"""A script written for Optuna's public API. The test runs it with `import parzen as optuna`.

Run with an argument "optuna" it imports the real Optuna instead, which proves the script is
genuine Optuna code.
"""

import sys
import threading

if len(sys.argv) > 1 and sys.argv[1] == "optuna":
    import optuna
else:
    import parzen as optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)


# 1. Conditional search space, callbacks, threads.
def objective(trial):
    classifier = trial.suggest_categorical("classifier", ["SVC", "RandomForest"])
    if classifier == "SVC":
        c = trial.suggest_float("svc_c", 1e-10, 1e10, log=True)
        return (c - 1.0) ** 2 / 1e20
    depth = trial.suggest_int("rf_max_depth", 2, 32, log=True)
    n_estimators = trial.suggest_int("n_estimators", 10, 100, step=10)
    return 1.0 / depth + n_estimators / 1000


finished = []
lock = threading.Lock()


def record(study, trial):
    with lock:
        finished.append(trial.number)


study = optuna.create_study(direction="minimize", sampler=optuna.samplers.RandomSampler(seed=42))
study.optimize(objective, n_trials=40, n_jobs=2, callbacks=[record])
assert len(study.trials) == 40 and sorted(finished) == list(range(40))
assert isinstance(study.best_value, float) and study.best_params
assert study.best_trial.state == optuna.trial.TrialState.COMPLETE

# 2. Ask and tell, with a distribution given up front.
study = optuna.create_study(direction="maximize")
for _ in range(10):
    trial = study.ask({"lr": optuna.distributions.FloatDistribution(1e-5, 1e-1, log=True)})
    units = trial.suggest_int("units", 16, 128)
    study.tell(trial, units * trial.params["lr"])
assert len(study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))) == 10

# 3. Enqueue known-good parameters.
study = optuna.create_study()
study.enqueue_trial({"x": 0.5, "y": 2})
study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_int("y", 0, 5), n_trials=3)
assert study.trials[0].params == {"x": 0.5, "y": 2}

# 4. Multi-objective.
study = optuna.create_study(directions=["minimize", "maximize"])
study.optimize(lambda t: (t.suggest_float("a", 0, 1), t.suggest_float("b", 0, 1)), n_trials=20)
assert 1 <= len(study.best_trials) <= 20
assert all(len(t.values) == 2 for t in study.best_trials)


# 5. Pruning with report / should_prune and the default (median) pruner.
def curve(trial):
    slope = trial.suggest_float("slope", 0.1, 1.0)
    for step in range(20):
        trial.report(slope * (20 - step), step)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return slope


study = optuna.create_study(
    sampler=optuna.samplers.RandomSampler(seed=0),
    pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=2),
)
study.optimize(curve, n_trials=30)
states = [t.state for t in study.trials]
assert optuna.trial.TrialState.PRUNED in states, states
assert study.best_value <= min(t.value for t in study.trials[:5])

# 6. Manual trials, summaries, dataframe, stop from a callback.
study = optuna.create_study(study_name="manual", storage=optuna.storages.InMemoryStorage())
study.add_trial(
    optuna.trial.create_trial(
        params={"x": 2.0},
        distributions={"x": optuna.distributions.FloatDistribution(0, 10)},
        value=4.0,
    )
)
study.optimize(
    lambda t: t.suggest_float("x", 0, 10) ** 2,
    n_trials=50,
    callbacks=[optuna.study.MaxTrialsCallback(5, states=(optuna.trial.TrialState.COMPLETE,))],
)
assert len(study.trials) == 5
frame = study.trials_dataframe()
assert "params_x" in frame.columns and len(frame) == 5

# 7. Loading an existing study without repeating its direction; an empty name is a name.
import os  # noqa: E402
import tempfile  # noqa: E402
import warnings  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

from optuna.study.study import Study  # noqa: E402  (the long module path, for type hints)

workdir = tempfile.mkdtemp()
url = "sqlite:///" + os.path.join(workdir, "script.db")
optuna.create_study(storage=url, study_name="resume", direction="maximize")
resumed: Study = optuna.create_study(storage=url, study_name="resume", load_if_exists=True)
assert resumed.direction == optuna.study.StudyDirection.MAXIMIZE
optuna.create_study(storage=url, study_name="")
assert optuna.load_study(study_name="", storage=url).study_name == ""

# 8. Two threads optimizing one study at once; get_trials with no states.
study = optuna.create_study(storage=url, sampler=optuna.samplers.RandomSampler(seed=1))
with ThreadPoolExecutor(2) as pool:
    futures = [pool.submit(study.optimize, lambda t: t.suggest_float("x", 0, 1), 2) for _ in "ab"]
    for future in futures:
        future.result()
assert len(study.trials) == 4
assert study.get_trials(states=()) == []

# 9. Enqueue with skip_if_exists, NaN included.
study.enqueue_trial({"x": float("nan")}, skip_if_exists=True)
study.enqueue_trial({"x": float("nan")}, skip_if_exists=True)
assert len(study.trials) == 5

# 10. Ask and tell: bad values with state=COMPLETE raise; without a state they fail the trial.
study = optuna.create_study()
trial = study.ask()
try:
    study.tell(trial, float("nan"), state=optuna.trial.TrialState.COMPLETE)
    raise AssertionError("tell(COMPLETE, nan) must raise")
except ValueError:
    pass
assert study.trials[0].state == optuna.trial.TrialState.RUNNING
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    assert study.tell(trial, "a").state == optuna.trial.TrialState.FAIL
assert any(issubclass(w.category, UserWarning) for w in caught)
try:
    study.tell(trial, 1.0)
    raise AssertionError("telling a finished trial must raise")
except ValueError:
    pass
try:
    study.add_trial(optuna.trial.create_trial(values=[1.0, 2.0]))
    raise AssertionError("add_trial with two values on one objective must raise")
except ValueError:
    pass


# 11. Constraints, integral floats, float steps, re-suggestion, deprecated API.
def constrained(trial):
    n = trial.suggest_int("n", 1, 1e3)
    y = trial.suggest_float("y", 0.2, 0.3, step=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert trial.suggest_float("y", 0.0, 5.0, step=0.1) == y
    trial.set_constraint("n_at_most_500", n - 500)
    trial.report(float(n), step=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        u = trial.suggest_uniform("u", 0.0, 1.0)
    return n * y + u


study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=3))
study.optimize(constrained, n_trials=30)
assert {t.params["y"] for t in study.trials} == {0.2, 0.3}
assert study.best_trial.constraints["n_at_most_500"] <= 0
assert all(isinstance(t.params["n"], int) for t in study.trials)
copied_url = "sqlite:///" + os.path.join(workdir, "copy.db")
study.set_user_attr("copied", True)
named = optuna.create_study(storage=url, study_name="constrained")
named.add_trials(study.trials)
optuna.copy_study(from_study_name="constrained", from_storage=url, to_storage=copied_url)
copied = optuna.load_study(study_name="constrained", storage=copied_url)
assert [t.constraints for t in copied.trials] == [t.constraints for t in study.trials]
fixed = optuna.trial.FixedTrial({"x": 1.0})
fixed.set_constraint("c", -1.0)
assert fixed.constraints == {"c": -1.0}
created = optuna.trial.create_trial(value=1.0, constraints={"c": 2.0})
assert created.constraints == {"c": 2.0}

# 12. Replaying the best trial after the range changed; a categorical of tuples in memory.
best = study.best_trial
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    assert best.suggest_int("n", 2000, 3000) == best.params["n"]
assert any(issubclass(w.category, UserWarning) for w in caught)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(
        lambda t: float(sum(t.suggest_categorical("layers", [(64, 64), (128,)]))), n_trials=5
    )
assert study.best_params["layers"] in [(64, 64), (128,)]
with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)
    old = optuna.distributions.json_to_distribution(
        '{"name": "UniformDistribution", "attributes": {"low": 0.0, "high": 1.0}}'
    )
assert isinstance(old, optuna.distributions.FloatDistribution)
abbreviated = optuna.distributions.json_to_distribution('{"type": "int", "low": 0, "high": 9}')
assert abbreviated == optuna.distributions.IntDistribution(0, 9)
print("OK")
