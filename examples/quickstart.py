"""Quick start: tune two hyperparameters of a small model, stored in SQLite.

Run: python examples/quickstart.py
The study lives in quickstart.db; run the script again and it continues where it stopped.
"""

from __future__ import annotations

import math

import parzen


def objective(trial: parzen.Trial) -> float:
    # A stand-in for a validation loss with a known optimum (lr=1e-2, layers=3, adam).
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    layers = trial.suggest_int("layers", 1, 6)
    optimizer = trial.suggest_categorical("optimizer", ["adam", "sgd"])
    penalty = 0.0 if optimizer == "adam" else 0.3
    return (math.log10(lr) + 2) ** 2 + 0.1 * (layers - 3) ** 2 + penalty


def main() -> None:
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    study = parzen.create_study(
        study_name="quickstart",
        storage="sqlite:///quickstart.db",
        load_if_exists=True,
    )
    study.optimize(objective, n_trials=60, show_progress_bar=True)
    print(f"Finished trials: {len(study.trials)}")
    print(f"Best value: {study.best_value:.4f}")
    print(f"Best params: {study.best_params}")


if __name__ == "__main__":
    main()
