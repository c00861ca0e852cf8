from __future__ import annotations

import os

# Keras reads its backend once, at first import; these tests run on torch, without TensorFlow.
os.environ["KERAS_BACKEND"] = "torch"

import warnings
from typing import Any

import numpy as np
import pytest

import parzen
from parzen.trial import FrozenTrial, TrialState

# Under CI, tests/conftest.py turns these skips into failures: CI installs both.
keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")

from parzen.integrations import KerasPruningCallback  # noqa: E402
from parzen.testing.services import in_ci  # noqa: E402

if keras.backend.backend() != "torch":
    reason = f"keras was imported with the {keras.backend.backend()!r} backend before this module"
    if in_ci():  # CI runs these tests on the torch backend; a skip there would hide them
        raise RuntimeError(f"{reason}; set KERAS_BACKEND=torch")
    pytest.skip(reason, allow_module_level=True)

# Keras' torch backend converts tensors in a way numpy 2 deprecates; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

N_EPOCHS = 5


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread() -> Any:
    # These models are tiny: torch's thread pool only adds contention on a busy machine.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


class PruneAtStep(parzen.pruners.BasePruner):
    """Prunes as soon as ``step`` has been reported (never when ``step`` is None)."""

    def __init__(self, step: int | None) -> None:
        self.step = step

    def prune(self, study: parzen.Study, trial: FrozenTrial) -> bool:
        return self.step is not None and self.step in trial.intermediate_values


class Recorder(keras.callbacks.Callback):
    """Records the epochs that ran and a logged value at each."""

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


def _fit(
    trial: parzen.Trial, recorder: Recorder, *, monitor: str = "val_loss", **kwargs: Any
) -> float:
    X, y = _data()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.SGD(0.1), "binary_crossentropy", metrics=["accuracy"])
    model.fit(
        X,
        y,
        validation_split=0.25,
        epochs=N_EPOCHS,
        batch_size=16,
        verbose=0,
        callbacks=[recorder, KerasPruningCallback(trial, monitor, **kwargs)],
    )
    return recorder.values[-1]


@pytest.mark.parametrize("prune_step", [0, 2])
def test_pruned_at_the_pruners_step(prune_step: int) -> None:
    recorder = Recorder("val_loss")
    study = parzen.create_study(pruner=PruneAtStep(prune_step))
    study.optimize(lambda t: _fit(t, recorder), n_trials=1)

    trial = study.trials[0]
    assert trial.state == TrialState.PRUNED
    assert len(recorder.values) == prune_step + 1
    assert trial.intermediate_values == dict(enumerate(recorder.values))


def test_unpruned_reports_every_epoch_and_interval() -> None:
    recorder = Recorder("val_accuracy")
    study = parzen.create_study(direction="maximize", pruner=PruneAtStep(None))
    study.optimize(lambda t: _fit(t, recorder, monitor="val_accuracy"), n_trials=1)
    trial = study.trials[0]
    assert trial.state == TrialState.COMPLETE
    assert trial.intermediate_values == dict(enumerate(recorder.values))
    assert len(recorder.values) == N_EPOCHS

    recorder = Recorder("val_loss")
    sparse = parzen.create_study(pruner=PruneAtStep(None))
    sparse.optimize(lambda t: _fit(t, recorder, interval=2), n_trials=1)
    assert sparse.trials[0].intermediate_values == {1: recorder.values[1], 3: recorder.values[3]}


def _callback_class(library: str) -> Any:
    if library == "parzen":
        return KerasPruningCallback
    pytest.importorskip("optuna")
    return pytest.importorskip("optuna_integration").KerasPruningCallback


@pytest.mark.parametrize("library", ["parzen", "optuna"])
def test_unknown_monitor_warns_and_training_goes_on(library: str) -> None:
    # As Optuna's callback: a metric Keras does not log warns at each epoch, reports nothing,
    # and never stops training.
    callback_class = _callback_class(library)
    study = parzen.create_study(pruner=PruneAtStep(0))
    trial = study.ask()
    X, y = _data()
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.SGD(0.1), "binary_crossentropy", metrics=["accuracy"])
    with pytest.warns(UserWarning, match="val_los") as record:
        history = model.fit(
            X,
            y,
            validation_split=0.25,
            epochs=N_EPOCHS,
            batch_size=16,
            verbose=0,
            callbacks=[callback_class(trial, "val_los")],
        )
    assert len(history.history["val_loss"]) == N_EPOCHS
    assert sum("val_los" in str(w.message) for w in record) == N_EPOCHS
    assert study.trials[0].intermediate_values == {}


def test_unknown_monitor_warning_lists_the_logged_names() -> None:
    study = parzen.create_study()
    with pytest.warns(UserWarning, match="'accuracy', 'loss', 'val_accuracy', 'val_loss'"):
        _fit(study.ask(), Recorder("val_loss"), monitor="val_los")


def test_direction_mismatch_warns() -> None:
    study = parzen.create_study(direction="minimize")
    with pytest.warns(UserWarning, match="'val_accuracy'.*maximize"):
        KerasPruningCallback(study.ask(), "val_accuracy")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        KerasPruningCallback(study.ask(), "val_loss")


def test_interval_must_be_positive() -> None:
    study = parzen.create_study()
    with pytest.raises(ValueError, match="interval"):
        KerasPruningCallback(study.ask(), "val_loss", interval=0)
