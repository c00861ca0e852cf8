"""KerasPruningCallback on Keras 3's TensorFlow backend (``tf.keras`` in TensorFlow >= 2.16).

Keras fixes its backend when it is first imported, and the rest of the suite imports it with
the torch backend, so the training runs in a child interpreter started with
``KERAS_BACKEND=tensorflow``; it prints what it observed as JSON, and the tests below check it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from typing import Any

import pytest

if importlib.util.find_spec("tensorflow") is None or importlib.util.find_spec("keras") is None:
    # Not importorskip: TensorFlow is deliberately left out of the test extra (1.3 GB), so
    # CI's main run skips this file.
    pytest.skip(
        "tensorflow-cpu is not installed; the nox sessions tagged adapter-tensorflow run "
        "these tests (nox -t adapter-tensorflow)",
        allow_module_level=True,
    )

N_EPOCHS = 5

_CHILD = """
import json, sys, threading, warnings
import parzen, parzen.integrations
parzen_loaded_tensorflow = "tensorflow" in sys.modules
import keras
import numpy as np
from parzen.integrations import KerasPruningCallback

parzen.logging.set_verbosity(parzen.logging.WARNING)
N_EPOCHS = {n_epochs}
out = {{"backend": keras.backend.backend(), "parzen_loaded_tensorflow": parzen_loaded_tensorflow}}
import tensorflow as tf
out["tf_keras_is_keras_3"] = tf.keras.Sequential is keras.Sequential

rng = np.random.default_rng(0)
X = rng.normal(size=(64, 4)).astype("float32")
y = (X @ np.array([1.0, -2.0, 0.5, 0.0]) > 0).astype("float32")


class PruneAtStep(parzen.pruners.BasePruner):
    def __init__(self, k):
        self.k = k

    def prune(self, study, trial):
        return trial.last_step is not None and trial.last_step >= self.k


class Recorder(keras.callbacks.Callback):
    def __init__(self, monitor):
        super().__init__()
        self.monitor, self.values = monitor, []

    def on_epoch_end(self, epoch, logs=None):
        self.values.append(float(logs[self.monitor]))


def fit(callbacks, seed=0, lr=0.1):
    keras.utils.set_random_seed(seed)
    # tf.keras is the same Keras 3 here: build the model the way TensorFlow users write it.
    model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(1, "sigmoid")])
    model.compile(tf.keras.optimizers.SGD(lr), "binary_crossentropy", metrics=["accuracy"])
    return model.fit(X, y, validation_split=0.25, epochs=N_EPOCHS, batch_size=16, verbose=0,
                     callbacks=callbacks)


def frozen(study):
    return [[t.state.name, {{str(k): v for k, v in t.intermediate_values.items()}}]
            for t in study.trials]


for k in (0, 2):
    recorder = Recorder("val_loss")
    study = parzen.create_study(pruner=PruneAtStep(k))
    study.optimize(
        lambda t: fit([recorder, KerasPruningCallback(t, "val_loss")]).history["val_loss"][-1],
        n_trials=1,
    )
    out[f"prune_at_{{k}}"] = {{"trials": frozen(study), "logged": recorder.values}}

history = {{}}
def unpruned(t):
    history.update(fit([KerasPruningCallback(t, "val_accuracy")]).history)
    return history["val_accuracy"][-1]
study = parzen.create_study(direction="maximize", pruner=parzen.pruners.NopPruner())
study.optimize(unpruned, n_trials=1)
out["unpruned"] = {{"trials": frozen(study), "history": history["val_accuracy"]}}

study = parzen.create_study(pruner=PruneAtStep(0))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    missing = fit([KerasPruningCallback(study.ask(), "val_los")])
out["missing"] = {{
    "epochs": len(missing.history["val_loss"]),
    "warnings": [str(w.message) for w in caught if "val_los" in str(w.message)],
    "trials": frozen(study),
}}

barrier = threading.Barrier(2, timeout=120)
def threaded(t):
    barrier.wait()
    lr = t.suggest_float("lr", 1e-2, 1e-1, log=True)
    return fit([KerasPruningCallback(t, "val_loss")], lr=lr).history["val_loss"][-1]
study = parzen.create_study(pruner=parzen.pruners.NopPruner())
study.optimize(threaded, n_trials=2, n_jobs=2)
out["threads"] = frozen(study)

try:
    import optuna
    from optuna_integration import KerasPruningCallback as OptunaCallback
except ImportError:
    out["side_by_side"] = None
else:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    runs = []
    for library, callback in ((parzen, KerasPruningCallback), (optuna, OptunaCallback)):
        study = library.create_study(
            pruner=library.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1)
        )
        study.optimize(
            lambda t: fit([callback(t, "val_loss")], seed=t.number, lr=0.2 / (t.number + 1))
            .history["val_loss"][-1],
            n_trials=5,
        )
        runs.append(frozen(study))
    out["side_by_side"] = runs

print("RESULT " + json.dumps(out))
"""


@pytest.fixture(scope="module")
def observed() -> dict[str, Any]:
    # One child for every check: importing TensorFlow takes seconds.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("KERAS_BACKEND", "TF_USE_LEGACY_KERAS")
    }
    env.update(KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="2", PYTHONWARNINGS="ignore")
    result = subprocess.run(
        [sys.executable, "-c", _CHILD.format(n_epochs=N_EPOCHS)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    assert result.returncode == 0 and lines, f"{result.stdout}\n{result.stderr}"
    return json.loads(lines[-1][len("RESULT ") :])


def test_runs_on_the_tensorflow_backend(observed: dict[str, Any]) -> None:
    assert observed["backend"] == "tensorflow"
    assert observed["parzen_loaded_tensorflow"] is False
    assert observed["tf_keras_is_keras_3"] is True


@pytest.mark.parametrize("k", [0, 2])
def test_pruned_at_step_k_after_exactly_k_plus_one_epochs(
    observed: dict[str, Any], k: int
) -> None:
    run = observed[f"prune_at_{k}"]
    ((state, values),) = run["trials"]
    assert state == "PRUNED"
    assert len(run["logged"]) == k + 1
    assert values == {str(epoch): value for epoch, value in enumerate(run["logged"])}


def test_unpruned_trial_reports_the_logged_metric(observed: dict[str, Any]) -> None:
    ((state, values),) = observed["unpruned"]["trials"]
    history = observed["unpruned"]["history"]
    assert state == "COMPLETE"
    assert len(history) == N_EPOCHS
    assert values == {str(epoch): value for epoch, value in enumerate(history)}


def test_missing_metric_warns_and_training_goes_on(observed: dict[str, Any]) -> None:
    missing = observed["missing"]
    assert missing["epochs"] == N_EPOCHS
    assert len(missing["warnings"]) == N_EPOCHS
    assert "'val_loss'" in missing["warnings"][0]
    assert missing["trials"] == [["RUNNING", {}]]


def test_two_trials_train_in_threads_at_once(observed: dict[str, Any]) -> None:
    assert [state for state, _ in observed["threads"]] == ["COMPLETE", "COMPLETE"]
    assert all(len(values) == N_EPOCHS for _, values in observed["threads"])


def test_same_decisions_as_optuna_integration(observed: dict[str, Any]) -> None:
    if observed["side_by_side"] is None:
        pytest.skip("optuna-integration is not installed (the benchmark extra installs it)")
    ours, theirs = observed["side_by_side"]
    assert [state for state, _ in ours] == [state for state, _ in theirs]
    for (_, a), (_, b) in zip(ours, theirs):
        assert a == pytest.approx(b)
    assert "PRUNED" in [state for state, _ in ours]
