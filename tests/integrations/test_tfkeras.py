"""TFKerasPruningCallback with a real tf_keras (Keras 2) model on TensorFlow's CPU build."""

from __future__ import annotations

import doctest
import importlib.util
import os
import subprocess
import sys
import threading
from typing import Any

import pytest

if importlib.util.find_spec("tensorflow") is None or importlib.util.find_spec("tf_keras") is None:
    # Not importorskip: TensorFlow is deliberately left out of the test extra (1.3 GB), so
    # CI's main run skips this file.
    pytest.skip(
        "tensorflow-cpu and tf-keras are not installed; the nox sessions tagged "
        "adapter-tensorflow run these tests (nox -t adapter-tensorflow)",
        allow_module_level=True,
    )

# Optuna's callback subclasses tf.keras' Callback, which is tf_keras only under this
# switch (read when TensorFlow is first imported); parzen's subclasses tf_keras' directly.
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import tf_keras

import parzen
import parzen.integrations.tfkeras as tfkeras_module
from parzen.integrations import TFKerasPruningCallback
from parzen.trial import FrozenTrial, TrialState

# TensorFlow's own modules use APIs that newer numpy and protobuf releases deprecate.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

N_EPOCHS = 5


class PruneAtStep(parzen.pruners.BasePruner):
    """Prunes as soon as a trial has reported step ``k``: a known, deterministic stop."""

    def __init__(self, k: int) -> None:
        self.k = k

    def prune(self, study: parzen.Study, trial: FrozenTrial) -> bool:
        return trial.last_step is not None and trial.last_step >= self.k


class Recorder(tf_keras.callbacks.Callback):
    """Records each epoch's logged value of ``monitor``, before the pruning callback runs."""

    def __init__(self, monitor: str) -> None:
        super().__init__()
        self.monitor = monitor
        self.values: list[float] = []

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        assert logs is not None
        self.values.append(float(logs[self.monitor]))


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4)).astype("float32")
    y = (X @ np.array([1.0, -2.0, 0.5, 0.0]) > 0).astype("float32")
    return X, y


def _fit(callbacks: list[Any], *, seed: int = 0, lr: float = 0.1) -> Any:
    X, y = _data()
    tf_keras.utils.set_random_seed(seed)
    model = tf_keras.Sequential([tf_keras.layers.Dense(1, activation="sigmoid", input_shape=(4,))])
    model.compile(tf_keras.optimizers.SGD(lr), "binary_crossentropy", metrics=["accuracy"])
    return model.fit(
        X,
        y,
        validation_split=0.25,
        epochs=N_EPOCHS,
        batch_size=16,
        verbose=0,
        callbacks=callbacks,
    )


@pytest.mark.parametrize("k", [0, 2])
def test_pruned_at_step_k_after_exactly_k_plus_one_epochs(k: int) -> None:
    recorder = Recorder("val_loss")

    def objective(trial: parzen.Trial) -> float:
        _fit([recorder, TFKerasPruningCallback(trial, "val_loss")])
        return recorder.values[-1]

    study = parzen.create_study(pruner=PruneAtStep(k))
    study.optimize(objective, n_trials=1)
    (trial,) = study.trials
    assert trial.state == TrialState.PRUNED
    assert len(recorder.values) == k + 1
    assert trial.intermediate_values == dict(enumerate(recorder.values))


def test_unpruned_trial_reports_the_logged_metric_every_epoch() -> None:
    histories: list[dict[str, list[float]]] = []

    def objective(trial: parzen.Trial) -> float:
        history = _fit([TFKerasPruningCallback(trial, "val_accuracy")])
        histories.append(history.history)
        return history.history["val_accuracy"][-1]

    study = parzen.create_study(direction="maximize", pruner=parzen.pruners.NopPruner())
    study.optimize(objective, n_trials=1)
    (trial,) = study.trials
    assert trial.state == TrialState.COMPLETE
    assert trial.intermediate_values == dict(enumerate(histories[0]["val_accuracy"]))
    assert len(trial.intermediate_values) == N_EPOCHS


def _callback_class(library: str) -> Any:
    if library == "parzen":
        return TFKerasPruningCallback
    pytest.importorskip("optuna")
    return pytest.importorskip("optuna_integration").TFKerasPruningCallback


@pytest.mark.parametrize("library", ["parzen", "optuna"])
def test_missing_metric_warns_and_training_goes_on(library: str) -> None:
    # As Optuna's callback: a metric tf_keras does not log warns at each epoch, reports
    # nothing, and never stops training.
    callback_class = _callback_class(library)
    study = parzen.create_study(pruner=PruneAtStep(0))
    trial = study.ask()
    with pytest.warns(UserWarning, match="val_los") as record:
        history = _fit([callback_class(trial, "val_los")])
    assert len(history.history["val_loss"]) == N_EPOCHS
    assert sum("val_los" in str(w.message) for w in record) == N_EPOCHS
    assert study.trials[0].intermediate_values == {}


def test_missing_metric_warning_lists_the_logged_names() -> None:
    study = parzen.create_study()
    with pytest.warns(UserWarning, match="'accuracy', 'loss', 'val_accuracy', 'val_loss'"):
        _fit([TFKerasPruningCallback(study.ask(), "val_los")])


def test_two_trials_train_in_threads_at_once() -> None:
    barrier = threading.Barrier(2, timeout=120)

    def objective(trial: parzen.Trial) -> float:
        barrier.wait()  # both threads are inside an objective at the same time
        lr = trial.suggest_float("lr", 1e-2, 1e-1, log=True)
        history = _fit([TFKerasPruningCallback(trial, "val_loss")], lr=lr)
        return history.history["val_loss"][-1]

    study = parzen.create_study(pruner=parzen.pruners.NopPruner())
    study.optimize(objective, n_trials=2, n_jobs=2)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 2
    assert all(len(t.intermediate_values) == N_EPOCHS for t in study.trials)


def test_missing_tf_keras_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['tf_keras'] = None\n"
        "import parzen, parzen.integrations\n"
        "from parzen.integrations import TFKerasPruningCallback\n"
        "assert 'tensorflow' not in sys.modules\n"
        "try:\n"
        "    TFKerasPruningCallback(parzen.create_study().ask(), 'val_loss')\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert 'pip install "parzen[tensorflow]"' in result.stdout, result.stderr
    assert "--no-deps" in result.stdout


def test_docstring_example_runs() -> None:
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = [t for t in finder.find(tfkeras_module) if t.examples]
    assert tests
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def test_same_decisions_as_optuna_integration() -> None:
    optuna = pytest.importorskip("optuna")
    integration = pytest.importorskip("optuna_integration")

    def run(library: Any, callback: Any) -> list[tuple[str, dict[int, float]]]:
        def objective(trial: Any) -> float:
            # The same model per trial number in both runs; later trials learn slower.
            history = _fit(
                [callback(trial, "val_loss")], seed=trial.number, lr=0.2 / (trial.number + 1)
            )
            return history.history["val_loss"][-1]

        library.logging.set_verbosity(library.logging.WARNING)
        study = library.create_study(
            pruner=library.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1)
        )
        study.optimize(objective, n_trials=5)
        return [(t.state.name, dict(t.intermediate_values)) for t in study.trials]

    ours = run(parzen, TFKerasPruningCallback)
    theirs = run(optuna, integration.TFKerasPruningCallback)
    assert [state for state, _ in ours] == [state for state, _ in theirs]
    for (_, a), (_, b) in zip(ours, theirs):
        assert a == pytest.approx(b)
    assert "PRUNED" in [state for state, _ in ours]
