"""GPSampler quality: final regret of parzen vs Optuna 5.0 on a few problems, many seeds.

For each problem and seed both libraries run ``GPSampler(seed=seed)`` for the same number of
trials; the regret is ``best value - known minimum``. Per problem the script prints median (and
quartile) regrets and a two-sided Mann-Whitney U test; over all runs, a Wilcoxon signed-rank test
on the seed-paired differences of log10 regret (negative median difference: parzen better).

Problems: Branin (2 floats), Hartmann 6 (6 floats), Styblinski-Tang (5 floats) and a mixed space
(3 floats, a log-scaled int and a 4-way categorical).

Usage:
    python benchmarks/quality_gp.py [--trials 60] [--seeds 10] [--problems branin,hartmann6]
        [--optuna-cache FILE]

``--optuna-cache`` keeps Optuna's results in a JSON file, so that re-running after a change to
parzen only re-runs parzen.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

_HARTMANN_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_HARTMANN_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)
_HARTMANN_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_CATEGORY_PENALTY = {"a": 0.0, "b": 0.5, "c": 1.0, "d": 2.0}


def branin(trial: Any) -> float:
    x1 = trial.suggest_float("x1", -5.0, 10.0)
    x2 = trial.suggest_float("x2", 0.0, 15.0)
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def hartmann6(trial: Any) -> float:
    x = np.array([trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(6)])
    inner = np.sum(_HARTMANN_A * (x - _HARTMANN_P) ** 2, axis=1)
    return float(-np.sum(_HARTMANN_ALPHA * np.exp(-inner)))


def styblinski_tang5(trial: Any) -> float:
    x = np.array([trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(5)])
    return float(0.5 * np.sum(x**4 - 16 * x**2 + 5 * x))


def mixed(trial: Any) -> float:
    x = np.array([trial.suggest_float(f"x{i}", -2.0, 2.0) for i in range(3)])
    n = trial.suggest_int("n", 1, 256, log=True)
    c = trial.suggest_categorical("c", list(_CATEGORY_PENALTY))
    return float(np.sum((x - 0.5) ** 2) + (math.log2(n) - 4.0) ** 2 / 4 + _CATEGORY_PENALTY[c])


PROBLEMS: dict[str, tuple[Callable[[Any], float], float]] = {
    "branin": (branin, 0.397887357729738),
    "hartmann6": (hartmann6, -3.322368011391339),
    "styblinski_tang5": (styblinski_tang5, -39.16616570377142 * 5),
    "mixed": (mixed, 0.0),
}


def _run(library: str, objective: Callable[[Any], float], n_trials: int, seed: int) -> float:
    if library == "parzen":
        import parzen
        from parzen.samplers._gp import GPSampler

        parzen.logging.set_verbosity(parzen.logging.WARNING)
        study: Any = parzen.create_study(sampler=GPSampler(seed=seed))
    else:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.create_study(sampler=optuna.samplers.GPSampler(seed=seed))
    study.optimize(objective, n_trials=n_trials)
    return float(study.best_value)


def main() -> None:
    from scipy.stats import mannwhitneyu, wilcoxon

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=60)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--problems", default=",".join(PROBLEMS))
    parser.add_argument("--optuna-cache", default=None)
    args = parser.parse_args()
    cache: dict[str, float] = {}
    if args.optuna_cache and os.path.exists(args.optuna_cache):
        with open(args.optuna_cache) as f:
            cache = json.load(f)

    log_diffs: list[float] = []
    times = {"parzen": 0.0, "optuna": 0.0}
    for name in args.problems.split(","):
        objective, optimum = PROBLEMS[name]
        regrets: dict[str, list[float]] = {"parzen": [], "optuna": []}
        for seed in range(args.seeds):
            for library in ("parzen", "optuna"):
                cache_key = f"{name}/{seed}/{args.trials}"
                if library == "optuna" and cache_key in cache:
                    best = cache[cache_key]
                else:
                    start = time.perf_counter()
                    best = _run(library, objective, args.trials, seed)
                    times[library] += time.perf_counter() - start
                    if library == "optuna" and args.optuna_cache:
                        cache[cache_key] = best
                        with open(args.optuna_cache, "w") as f:
                            json.dump(cache, f)
                regrets[library].append(max(best - optimum, 1e-12))
            log_diffs.append(math.log10(regrets["parzen"][-1]) - math.log10(regrets["optuna"][-1]))
        p, o = np.array(regrets["parzen"]), np.array(regrets["optuna"])
        test = mannwhitneyu(p, o, alternative="two-sided")
        print(
            f"{name:17s} median regret parzen {np.median(p):.3g} "
            f"[{np.quantile(p, 0.25):.3g}, {np.quantile(p, 0.75):.3g}]  optuna {np.median(o):.3g} "
            f"[{np.quantile(o, 0.25):.3g}, {np.quantile(o, 0.75):.3g}]  "
            f"parzen better in {int(np.sum(p < o))}/{len(p)}  Mann-Whitney p={test.pvalue:.3f}",
            flush=True,
        )
    diffs = np.array(log_diffs)
    overall = wilcoxon(diffs)
    print(
        f"all runs: median log10(regret parzen / regret optuna) = {np.median(diffs):+.3f}, "
        f"Wilcoxon signed-rank p={overall.pvalue:.3f} (n={len(diffs)})"
    )
    print(f"total time: parzen {times['parzen']:.1f} s, optuna {times['optuna']:.1f} s")


if __name__ == "__main__":
    main()
