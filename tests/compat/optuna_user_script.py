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
print("OK")
