"""Tune a small tf_keras (Keras 2) network on the digits data, pruning trials that fall behind.

Run: python examples/tfkeras_simple.py   (needs: pip install ".[tensorflow,sklearn]" and,
beside tensorflow-cpu, pip install --no-deps "tf-keras==<TensorFlow's version>")
Each epoch tf_keras logs the validation accuracy; the pruning callback reports it to the
trial and stops training when the median pruner says the trial is worse than the others at
the same epoch. For Keras 3 models (``tf.keras`` in TensorFlow >= 2.16) use
``KerasPruningCallback`` instead, as in keras_simple.py.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up banner

import tf_keras
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import parzen
from parzen.integrations import TFKerasPruningCallback

X, y = load_digits(return_X_y=True)
X_train, X_valid, y_train, y_valid = train_test_split(X / 16.0, y, random_state=0)


def objective(trial: parzen.Trial) -> float:
    hidden = trial.suggest_int("hidden", 8, 64, log=True)
    lr = trial.suggest_float("lr", 1e-3, 1e-1, log=True)
    model = tf_keras.Sequential(
        [
            tf_keras.layers.Dense(hidden, activation="relu", input_shape=(64,)),
            tf_keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        tf_keras.optimizers.Adam(lr), "sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    history = model.fit(
        X_train,
        y_train,
        validation_data=(X_valid, y_valid),
        epochs=8,
        batch_size=64,
        verbose=0,
        callbacks=[TFKerasPruningCallback(trial, "val_accuracy")],
    )
    return history.history["val_accuracy"][-1]


def main() -> None:
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    study = parzen.create_study(direction="maximize", pruner=parzen.pruners.MedianPruner())
    study.optimize(objective, n_trials=20)
    pruned = sum(t.state == parzen.trial.TrialState.PRUNED for t in study.trials)
    print(f"best accuracy {study.best_value:.4f} with {study.best_params}; {pruned} pruned")


if __name__ == "__main__":
    main()
