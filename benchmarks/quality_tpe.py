"""TPESampler quality: parzen vs Optuna 5.0 on a few problems, over many seeds.

Each problem is minimized by each library's default ``TPESampler(seed=s)`` for ``--seeds``
seeds; the final regret (best value found minus the known optimum) is summarized by its mean
and median, and a two-sided Mann-Whitney U test says whether the two libraries' regrets
differ (p < 0.05). parzen should be at least as good: "parzen better" or "no difference".

Add a problem by appending a :class:`Problem` to ``PROBLEMS``: an objective written against
the common ``trial.suggest_*`` API, its optimum and a trial budget.

Usage:
    python benchmarks/quality_tpe.py [--seeds 10] [--problems sphere rosenbrock mixed]
        [--trials-scale 1.0]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    name: str
    objective: Callable[[Any], float]
    optimum: float
    n_trials: int


def sphere(trial: Any) -> float:
    return sum((trial.suggest_float(f"x{i}", -5.0, 5.0) - 0.5) ** 2 for i in range(6))


def rosenbrock(trial: Any) -> float:
    x = [trial.suggest_float(f"x{i}", -2.0, 2.0) for i in range(4)]
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(3))


def mixed(trial: Any) -> float:
    """Ints, a log scale, a step grid, categoricals and a conditional branch."""
    optimizer = trial.suggest_categorical("optimizer", ["sgd", "adam", "rmsprop"])
    lr = trial.suggest_float("lr", 1e-5, 1.0, log=True)
    layers = trial.suggest_int("layers", 1, 8)
    width = trial.suggest_int("width", 16, 1024, log=True)
    dropout = trial.suggest_float("dropout", 0.0, 0.5, step=0.05)
    loss = (math.log10(lr) + 2.5) ** 2 + 0.3 * (layers - 3) ** 2
    loss += (math.log2(width) - 7) ** 2 / 4 + 10 * (dropout - 0.2) ** 2
    if optimizer == "sgd":
        momentum = trial.suggest_float("momentum", 0.0, 0.99)
        loss += 2 * (momentum - 0.9) ** 2 + 0.5
    elif optimizer == "adam":
        beta = trial.suggest_categorical("beta", ["0.9", "0.99", "0.999"])
        loss += {"0.9": 0.4, "0.99": 0.0, "0.999": 0.2}[beta]
    else:
        loss += 1.0
    return loss


PROBLEMS = [
    Problem("sphere", sphere, 0.0, 200),
    Problem("rosenbrock", rosenbrock, 0.0, 200),
    Problem("mixed", mixed, 0.0, 150),
]


def run(library: str, problem: Problem, seed: int, n_trials: int) -> float:
    if library == "parzen":
        import parzen
        from parzen.samplers._tpe import TPESampler

        parzen.logging.set_verbosity(parzen.logging.WARNING)
        study: Any = parzen.create_study(sampler=TPESampler(seed=seed))
    else:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(problem.objective, n_trials=n_trials)
    return float(study.best_value) - problem.optimum


def main() -> None:
    from statistics import mean, median

    from scipy.stats import mannwhitneyu

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--problems", nargs="+", default=[p.name for p in PROBLEMS])
    parser.add_argument("--trials-scale", type=float, default=1.0)
    args = parser.parse_args()
    known = {p.name: p for p in PROBLEMS}
    unknown = set(args.problems) - set(known)
    if unknown:
        sys.exit(f"Unknown problems {sorted(unknown)}; known: {sorted(known)}.")
    print(
        f"{'problem':>11} {'trials':>6} {'library':>7} {'mean':>10} {'median':>10} {'time s':>7}"
    )
    for name in args.problems:
        problem = known[name]
        n_trials = max(1, int(problem.n_trials * args.trials_scale))
        regrets: dict[str, list[float]] = {}
        for library in ("parzen", "optuna"):
            start = time.perf_counter()
            regrets[library] = [run(library, problem, s, n_trials) for s in range(args.seeds)]
            elapsed = time.perf_counter() - start
            r = regrets[library]
            print(
                f"{name:>11} {n_trials:>6} {library:>7} {mean(r):>10.4g} {median(r):>10.4g} "
                f"{elapsed:>7.1f}"
            )
        test = mannwhitneyu(regrets["parzen"], regrets["optuna"], alternative="two-sided")
        if test.pvalue >= 0.05:
            verdict = "no difference"
        elif median(regrets["parzen"]) < median(regrets["optuna"]):
            verdict = "parzen better"
        else:
            verdict = "optuna better"
        print(f"{name:>11} Mann-Whitney U={test.statistic:.0f} p={test.pvalue:.3f}: {verdict}")
        sys.stdout.flush()


if __name__ == "__main__":
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")
    main()
