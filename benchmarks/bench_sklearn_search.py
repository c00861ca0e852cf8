"""Best cross-validated score: ParzenSearchCV vs RandomizedSearchCV (and OptunaSearchCV).

Each search tunes the same pipeline (StandardScaler + SVC: C, gamma, class_weight) over the
same space, with the same number of candidates and the same folds, on three scikit-learn
data sets, for several seeds. ParzenSearchCV and OptunaSearchCV use their default sampler
(TPE). Printed: the mean (and standard deviation) over seeds of the best mean CV accuracy,
the held-out accuracy of the refitted best estimator, how often parzen beat random search,
and the wall time of each search.

Run:  python benchmarks/bench_sklearn_search.py [--trials 30] [--seeds 5] [--cv 3]
Needs: pip install "parzen[sklearn]" optuna==5.0.0 optuna-integration==5.0.0
(OptunaSearchCV's column is left out when optuna-integration is missing.)
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.stats import loguniform
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.model_selection import RandomizedSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

import parzen
from parzen.distributions import CategoricalDistribution, FloatDistribution
from parzen.integrations.sklearn import ParzenSearchCV

try:
    import optuna
    from optuna_integration import OptunaSearchCV
except ImportError:
    OptunaSearchCV = None

C_RANGE = (1e-3, 1e3)
GAMMA_RANGE = (1e-5, 1e1)
CLASS_WEIGHTS = [None, "balanced"]
DATA_SETS: dict[str, Callable[..., Any]] = {
    "breast_cancer": load_breast_cancer,
    "digits": load_digits,
    "wine": load_wine,
}


def pipeline() -> Any:
    return make_pipeline(StandardScaler(), SVC())


def random_search(n: int, cv: Any, seed: int) -> Any:
    space = {
        "svc__C": loguniform(*C_RANGE),
        "svc__gamma": loguniform(*GAMMA_RANGE),
        "svc__class_weight": CLASS_WEIGHTS,
    }
    return RandomizedSearchCV(pipeline(), space, n_iter=n, cv=cv, random_state=seed)


def parzen_search(n: int, cv: Any, seed: int) -> Any:
    space = {
        "svc__C": FloatDistribution(*C_RANGE, log=True),
        "svc__gamma": FloatDistribution(*GAMMA_RANGE, log=True),
        "svc__class_weight": CategoricalDistribution(CLASS_WEIGHTS),
    }
    return ParzenSearchCV(pipeline(), space, n_trials=n, cv=cv, random_state=seed)


def optuna_search(n: int, cv: Any, seed: int) -> Any:
    dists = optuna.distributions
    space = {
        "svc__C": dists.FloatDistribution(*C_RANGE, log=True),
        "svc__gamma": dists.FloatDistribution(*GAMMA_RANGE, log=True),
        "svc__class_weight": dists.CategoricalDistribution(CLASS_WEIGHTS),
    }
    return OptunaSearchCV(pipeline(), space, n_trials=n, cv=cv, random_state=seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=30, help="candidates per search")
    parser.add_argument("--seeds", type=int, default=5, help="repetitions per data set")
    parser.add_argument("--cv", type=int, default=3, help="folds")
    args = parser.parse_args()

    parzen.logging.set_verbosity(parzen.logging.WARNING)
    methods: dict[str, Callable[[int, Any, int], Any]] = {
        "random": random_search,
        "parzen": parzen_search,
    }
    if OptunaSearchCV is not None:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
        warnings.filterwarnings("ignore", category=FutureWarning, module="optuna")
        methods["optuna"] = optuna_search

    print(
        f"SVC pipeline (C, gamma, class_weight); {args.trials} candidates x {args.cv} folds "
        f"per search; {args.seeds} seeds; mean (std) over seeds; best = highest mean CV "
        "accuracy; test = held-out accuracy of the refitted best estimator.\n"
    )
    header = (
        "| data set | "
        + " | ".join(f"{m} best CV" for m in methods)
        + " | "
        + " | ".join(f"{m} test" for m in methods)
        + " | parzen > random (seeds) | winner | "
        + " | ".join(f"{m} s" for m in methods)
        + " |"
    )
    if "optuna" in methods:
        header += " parzen/optuna time |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for name, load in DATA_SETS.items():
        X, y = load(return_X_y=True)
        best: dict[str, list[float]] = {m: [] for m in methods}
        test: dict[str, list[float]] = {m: [] for m in methods}
        seconds: dict[str, float] = dict.fromkeys(methods, 0.0)
        for seed in range(args.seeds):
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, test_size=0.25, stratify=y, random_state=seed
            )
            folds = StratifiedKFold(args.cv, shuffle=True, random_state=seed)
            for method, make in methods.items():
                search = make(args.trials, folds, seed)
                start = time.perf_counter()
                with threadpool_limits(limits=1):
                    search.fit(X_train, y_train)
                seconds[method] += time.perf_counter() - start
                best[method].append(float(search.best_score_))
                test[method].append(float(search.score(X_test, y_test)))
        wins = sum(p > r for p, r in zip(best["parzen"], best["random"]))
        ties = sum(p == r for p, r in zip(best["parzen"], best["random"]))
        winner = max(methods, key=lambda m: np.mean(best[m]))
        cells = [f"{np.mean(best[m]):.4f} ({np.std(best[m]):.4f})" for m in methods]
        cells += [f"{np.mean(test[m]):.4f}" for m in methods]
        cells += [f"{wins}/{args.seeds}" + (f" ({ties} tied)" if ties else ""), winner]
        cells += [f"{seconds[m]:.1f}" for m in methods]
        if "optuna" in methods:
            cells.append(f"{seconds['parzen'] / seconds['optuna']:.2f}")
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("\n(s: total wall seconds of a method's searches on the data set, fits included.)")


if __name__ == "__main__":
    main()
