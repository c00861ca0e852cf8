"""Stepwise LightGBM tuning: parzen's LightGBMTuner vs optuna-integration's, side by side.

Both tuners run all six steps (68 trials at most) on the same train / validation / test
split, with the same LightGBM parameters (deterministic, one thread) and the same
``optuna_seed``, on two scikit-learn data sets (breast_cancer: binary log loss; diabetes:
l2), for several seeds (each seed draws a new split and seeds the samplers). Printed per
data set and library: the mean (and standard deviation) over seeds of the best validation
score (what the tuner minimizes), the test score of ``get_best_booster()`` on held-out data,
how often parzen's best validation score is at least as good as Optuna's, and the wall time
of the run, with parzen's time as a ratio of Optuna's.

Run:  python benchmarks/bench_lightgbm_tuner.py [--seeds 5] [--rounds 50]
Needs: pip install "parzen[lightgbm]" optuna==5.0.0 optuna-integration==5.0.0
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from typing import Any

import lightgbm as lgb
import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.metrics import log_loss, mean_squared_error
from sklearn.model_selection import train_test_split

import parzen
import parzen.integrations.lightgbm as parzen_lgb

try:
    import optuna
    import optuna_integration.lightgbm as optuna_lgb
except ImportError:  # pragma: no cover - the benchmark needs Optuna to compare with
    optuna = None
    optuna_lgb = None

# name -> (loader, LightGBM params, test metric)
DATA_SETS: dict[str, tuple[Callable[..., Any], dict[str, Any], Callable[..., float]]] = {
    "breast_cancer": (
        load_breast_cancer,
        {"objective": "binary", "metric": "binary_logloss"},
        log_loss,
    ),
    "diabetes": (load_diabetes, {"objective": "regression", "metric": "l2"}, mean_squared_error),
}
COMMON = {"verbosity": -1, "num_threads": 1, "deterministic": True}


def run_one(module: Any, name: str, seed: int, rounds: int) -> tuple[float, float, float, int]:
    """(best validation score, test score, seconds, trials) of one full tuner run."""
    loader, params, test_metric = DATA_SETS[name]
    X, y = loader(return_X_y=True)
    X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=0.2, random_state=seed)
    X_train, X_valid, y_train, y_valid = train_test_split(
        X_rest, y_rest, test_size=0.25, random_state=seed
    )
    start = time.perf_counter()
    tuner = module.LightGBMTuner(
        {**params, **COMMON, "seed": seed},
        lgb.Dataset(X_train, y_train),
        num_boost_round=rounds,
        valid_sets=[lgb.Dataset(X_valid, y_valid)],
        callbacks=[lgb.early_stopping(10, verbose=False)],
        show_progress_bar=False,
        optuna_seed=seed,
    )
    tuner.run()
    elapsed = time.perf_counter() - start
    test = float(test_metric(y_test, tuner.get_best_booster().predict(X_test)))
    return float(tuner.best_score), test, elapsed, len(tuner.study.trials)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=50, help="num_boost_round per trial")
    args = parser.parse_args()
    if optuna_lgb is None:
        raise SystemExit("Needs optuna and optuna-integration: pip install optuna-integration")
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=UserWarning)

    print(
        f"LightGBM {lgb.__version__}, {args.seeds} seeds, num_boost_round={args.rounds} "
        "with early stopping (10), all six steps; lower is better for every score."
    )
    header = (
        f"{'data set':<14} {'library':<7} {'best valid score':>22} {'test score':>22} "
        f"{'trials':>6} {'time (s)':>9} {'parzen wins/ties':>16} {'time ratio':>10}"
    )
    print(header)
    print("-" * len(header))
    for name in DATA_SETS:
        results: dict[str, list[tuple[float, float, float, int]]] = {"parzen": [], "optuna": []}
        for seed in range(args.seeds):
            # Alternate who runs first so that warm caches favour neither library.
            order = [("parzen", parzen_lgb), ("optuna", optuna_lgb)]
            for label, module in order if seed % 2 == 0 else order[::-1]:
                results[label].append(run_one(module, name, seed, args.rounds))
        valid = {k: np.array([r[0] for r in v]) for k, v in results.items()}
        wins = int(np.sum(valid["parzen"] <= valid["optuna"] + 1e-12))
        times = {k: float(np.mean([r[2] for r in v])) for k, v in results.items()}
        for label, rows in results.items():
            v = np.array([r[0] for r in rows])
            t = np.array([r[1] for r in rows])
            trials = int(np.mean([r[3] for r in rows]))
            extra = (
                f"{wins:>13}/{args.seeds:<2} {times['parzen'] / times['optuna']:>10.2f}"
                if label == "parzen"
                else f"{'':>16} {'':>10}"
            )
            print(
                f"{name:<14} {label:<7} {v.mean():>12.5g} ± {v.std():<7.2g} "
                f"{t.mean():>12.5g} ± {t.std():<7.2g} {trials:>6} {times[label]:>9.2f} {extra}"
            )


if __name__ == "__main__":
    main()
