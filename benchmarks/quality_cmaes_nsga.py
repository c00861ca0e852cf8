"""Solution quality of CmaEsSampler and NSGAIISampler: parzen vs Optuna 5.0 over many seeds.

* CMA-ES (default settings): best value after ``--cma-trials`` trials on a 5-D sphere and a
  5-D Rosenbrock function (smaller is better);
* NSGA-II (default settings, population 50): hypervolume of the Pareto front after
  ``--nsga-trials`` trials on ZDT1 with 10 parameters (reference point (1.1, 11); larger is
  better).

Each problem is run with ``--seeds`` seeds per library. For each, the medians are printed with
a two-sided Mann-Whitney U test (scipy) of "the two libraries' results come from the same
distribution", and the one-sided p-value of "parzen is worse"; the verdict is "not worse"
when that p-value is above 0.05.

Usage:
    python benchmarks/quality_cmaes_nsga.py [--seeds 10] [--cma-trials 300]
        [--nsga-trials 1000] [--problems sphere rosenbrock zdt1]
"""

from __future__ import annotations

import argparse
import statistics
import types
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

DIM = 5
ZDT_DIM = 10


def _sphere(trial: Any) -> float:
    return sum((trial.suggest_float(f"x{i}", -5.0, 5.0) - 1.0) ** 2 for i in range(DIM))


def _rosenbrock(trial: Any) -> float:
    x = [trial.suggest_float(f"x{i}", -2.0, 2.0) for i in range(DIM)]
    return sum(100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2 for i in range(DIM - 1))


def _zdt1(trial: Any) -> tuple[float, float]:
    x = [trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(ZDT_DIM)]
    g = 1.0 + 9.0 * sum(x[1:]) / (ZDT_DIM - 1)
    return x[0], g * (1.0 - (x[0] / g) ** 0.5)


def _libraries() -> dict[str, tuple[Any, Any]]:
    import optuna

    import parzen
    from parzen.samplers._cmaes import CmaEsSampler
    from parzen.samplers._nsga import NSGAIISampler

    parzen.logging.set_verbosity(parzen.logging.WARNING)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    ours = types.SimpleNamespace(CmaEsSampler=CmaEsSampler, NSGAIISampler=NSGAIISampler)
    return {"parzen": (parzen, ours), "optuna": (optuna, optuna.samplers)}


def _run(lib: Any, samplers: Any, problem: str, seed: int, n_trials: int) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if problem == "zdt1":
            study = lib.create_study(
                directions=["minimize", "minimize"], sampler=samplers.NSGAIISampler(seed=seed)
            )
            study.optimize(_zdt1, n_trials=n_trials)
            from parzen._hypervolume import compute_hypervolume

            front = np.array([t.values for t in study.best_trials])
            return compute_hypervolume(front, np.array([1.1, 11.0]))
        objective: Callable[[Any], float] = _sphere if problem == "sphere" else _rosenbrock
        study = lib.create_study(sampler=samplers.CmaEsSampler(seed=seed))
        study.optimize(objective, n_trials=n_trials)
        return float(study.best_value)


def main() -> None:
    from scipy.stats import mannwhitneyu

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--cma-trials", type=int, default=300)
    parser.add_argument("--nsga-trials", type=int, default=1000)
    parser.add_argument(
        "--problems",
        nargs="+",
        default=["sphere", "rosenbrock", "zdt1"],
        choices=["sphere", "rosenbrock", "zdt1"],
    )
    args = parser.parse_args()
    libraries = _libraries()
    print(f"{args.seeds} seeds per library")
    for problem in args.problems:
        larger_is_better = problem == "zdt1"
        n_trials = args.nsga_trials if problem == "zdt1" else args.cma_trials
        results = {
            name: [_run(lib, samplers, problem, seed, n_trials) for seed in range(args.seeds)]
            for name, (lib, samplers) in libraries.items()
        }
        ours, theirs = results["parzen"], results["optuna"]
        two_sided = mannwhitneyu(ours, theirs, alternative="two-sided").pvalue
        worse = "less" if larger_is_better else "greater"
        p_worse = mannwhitneyu(ours, theirs, alternative=worse).pvalue
        metric = "hypervolume (larger is better)" if larger_is_better else "best value"
        verdict = "not worse" if p_worse > 0.05 else "WORSE"
        print(
            f"{problem:<10} {n_trials} trials, {metric}: median parzen "
            f"{statistics.median(ours):.6g}, optuna {statistics.median(theirs):.6g}; "
            f"Mann-Whitney p={two_sided:.3f}, p(parzen worse)={p_worse:.3f}: {verdict}"
        )


if __name__ == "__main__":
    main()
