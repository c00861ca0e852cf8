"""Tune a small Keras network on the digits data, pruning unpromising runs early.

Run: KERAS_BACKEND=torch python examples/keras_simple.py
(needs: pip install ".[keras,sklearn]" torch; any Keras 3 backend works)
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import parzen
from parzen.integrations import KerasPruningCallback

X, y = load_digits(return_X_y=True)
X = (X / 16.0).astype("float32")
X_train, X_valid, y_train, y_valid = train_test_split(X, y, test_size=0.25, random_state=0)


def objective(trial: parzen.Trial) -> float:
    keras.utils.set_random_seed(trial.number)
    model = keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dense(trial.suggest_int("units", 8, 128, log=True), activation="relu"),
            keras.layers.Dropout(trial.suggest_float("dropout", 0.0, 0.5)),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(trial.suggest_float("lr", 1e-4, 1e-1, log=True)),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(
        X_train,
        y_train,
        validation_data=(X_valid, y_valid),
        epochs=8,
        batch_size=64,
        verbose=0,
        callbacks=[KerasPruningCallback(trial, "val_accuracy")],
    )
    return float(history.history["val_accuracy"][-1])


def main() -> None:
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    study = parzen.create_study(
        direction="maximize",
        sampler=parzen.samplers.RandomSampler(seed=0),
        pruner=parzen.pruners.MedianPruner(n_warmup_steps=2),
    )
    study.optimize(objective, n_trials=10)
    states = [t.state.name for t in study.trials]
    print(f"Pruned {states.count('PRUNED')} of {len(states)} trials.")
    print(f"Best validation accuracy: {study.best_value:.4f} with {study.best_params}")


if __name__ == "__main__":
    main()
