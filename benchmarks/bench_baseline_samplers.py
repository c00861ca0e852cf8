"""Grid, brute-force and QMC samplers: parzen vs Optuna 5.0 on the same studies.

Each case runs to exhaustion (grid, brute force) or for a fixed number of trials (QMC) on
in-memory storage; prints seconds, the ratio optuna / parzen (> 1: parzen is faster), and the
number of distinct parameter sets each produced.

    python benchmarks/bench_baseline_samplers.py
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import Any

import optuna

import parzen

GRID = {"x": [float(i) for i in range(40)], "y": list(range(25))}


def grid_objective(trial: Any) -> float:
    return trial.suggest_float("x", 0, 100) + trial.suggest_int("y", 0, 100)


def tree_objective(trial: Any) -> float:
    a = trial.suggest_int("a", 0, 24)
    b = trial.suggest_int("b", 0, 19)
    return a + b + (trial.suggest_categorical("c", ["u", "v"]) == "u")


def qmc_objective(trial: Any) -> float:
    return sum(trial.suggest_float(f"x{i}", 0, 1) for i in range(5)) + trial.suggest_int(
        "n", 0, 10
    )


CASES: list[tuple[str, Callable[[ModuleType], Any], Callable[[Any], float], int | None]] = [
    (
        "Grid, 1000 points",
        lambda lib: lib.samplers.GridSampler(GRID, seed=0),
        grid_objective,
        None,
    ),
    (
        "BruteForce, 1000 leaves",
        lambda lib: lib.samplers.BruteForceSampler(seed=0),
        tree_objective,
        None,
    ),
    ("QMC Sobol, 1000 trials", lambda lib: lib.samplers.QMCSampler(seed=0), qmc_objective, 1000),
]


def run(
    lib: ModuleType, make_sampler: Callable[[ModuleType], Any], objective: Any, n: int | None
) -> tuple[float, int]:
    study = lib.create_study(sampler=make_sampler(lib))
    start = time.perf_counter()
    study.optimize(objective, n_trials=n)
    elapsed = time.perf_counter() - start
    distinct = {tuple(sorted(t.params.items())) for t in study.trials}
    return elapsed, len(distinct)


def main() -> None:
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    parzen.logging.set_verbosity(parzen.logging.ERROR)
    warnings.simplefilter("ignore")
    print(
        f"{'case':26s} {'parzen s':>9s} {'optuna s':>9s} {'ratio':>7s}  distinct (parzen/optuna)"
    )
    for name, make_sampler, objective, n in CASES:
        ours, our_distinct = run(parzen, make_sampler, objective, n)
        theirs, their_distinct = run(optuna, make_sampler, objective, n)
        print(
            f"{name:26s} {ours:9.2f} {theirs:9.2f} {theirs / ours:6.1f}x  "
            f"{our_distinct}/{their_distinct}"
        )


if __name__ == "__main__":
    main()
