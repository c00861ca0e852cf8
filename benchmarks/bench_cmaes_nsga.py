"""CmaEsSampler and NSGAIISampler speed: parzen vs Optuna 5.0, side by side in one run.

Free objectives (no work inside), ten float parameters, in-memory storage, fixed seeds, each
library's logging set to WARNING:

* CMA-ES: a shifted quadratic (sphere), ``CmaEsSampler(seed=...)`` with default settings;
* NSGA-II: a two-objective ZDT1-like problem, ``NSGAIISampler(seed=...)`` with default
  settings (population 50).

``cmaes`` (used by both libraries) is imported before timing. For each sampler the whole
``optimize`` call is timed for both libraries, and the ratio
parzen / Optuna is printed (target: <= 1/3 at 10,000 trials), with the mean time per trial and
the time per trial over the last 10% of the run (a per-trial cost that grows with the number of
trials shows up there).

BLAS is limited to one thread for both libraries (small matrix products over threads are
slower on a shared machine), unless ``--blas-threads`` says otherwise.

Usage:
    python benchmarks/bench_cmaes_nsga.py [--trials 10000] [--samplers cmaes nsga2]
        [--seed 0] [--skip-optuna] [--blas-threads 1]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from collections.abc import Callable
from typing import Any

N_PARAMS = 10
SHIFT = 0.5


def _sphere(trial: Any) -> float:
    return sum((trial.suggest_float(f"x{i}", -5.0, 5.0) - SHIFT) ** 2 for i in range(N_PARAMS))


def _zdt1(trial: Any) -> tuple[float, float]:
    x = [trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(N_PARAMS)]
    g = 1.0 + 9.0 * sum(x[1:]) / (N_PARAMS - 1)
    return x[0], g * (1.0 - (x[0] / g) ** 0.5)


def _timed(study: Any, objective: Callable[[Any], Any], n_trials: int) -> dict[str, float]:
    tail_start = n_trials - max(1, n_trials // 10)
    marks: dict[str, float] = {}

    def callback(study: Any, trial: Any) -> None:
        if trial.number + 1 == tail_start:
            marks["tail"] = time.perf_counter()

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(objective, n_trials=n_trials, callbacks=[callback])
    end = time.perf_counter()
    total = end - start
    tail = (end - marks.get("tail", start)) / (n_trials - tail_start)
    return {"total": total, "per_trial": total / n_trials, "tail": tail}


def _study(lib: Any, samplers: Any, kind: str, seed: int) -> tuple[Any, Callable[[Any], Any]]:
    lib.logging.set_verbosity(lib.logging.WARNING)
    if kind == "cmaes":
        return lib.create_study(sampler=samplers.CmaEsSampler(seed=seed)), _sphere
    sampler = samplers.NSGAIISampler(seed=seed)
    return lib.create_study(directions=["minimize", "minimize"], sampler=sampler), _zdt1


def run_parzen(kind: str, n_trials: int, seed: int) -> dict[str, float]:
    import types

    import parzen
    from parzen.samplers._cmaes import CmaEsSampler
    from parzen.samplers._nsga import NSGAIISampler

    samplers = types.SimpleNamespace(CmaEsSampler=CmaEsSampler, NSGAIISampler=NSGAIISampler)
    study, objective = _study(parzen, samplers, kind, seed)
    return _timed(study, objective, n_trials)


def run_optuna(kind: str, n_trials: int, seed: int) -> dict[str, float]:
    import optuna

    study, objective = _study(optuna, optuna.samplers, kind, seed)
    return _timed(study, objective, n_trials)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument(
        "--samplers", nargs="+", default=["cmaes", "nsga2"], choices=["cmaes", "nsga2"]
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-optuna", action="store_true")
    parser.add_argument("--blas-threads", type=int, default=1)
    args = parser.parse_args()
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(args.blas_threads))
    # Both libraries drive the same cmaes package, whose import (scipy.stats) takes seconds:
    # import it before timing anything.
    import cmaes  # noqa: F401

    print(f"{args.trials} trials, {N_PARAMS} float params, in-memory storage, seed {args.seed}")
    header = f"{'sampler':<8} {'library':<7} {'total s':>9} {'ms/trial':>9} {'tail ms':>8}"
    print(header)
    for kind in args.samplers:
        ours = run_parzen(kind, args.trials, args.seed)
        print(
            f"{kind:<8} {'parzen':<7} {ours['total']:9.2f} {1e3 * ours['per_trial']:9.3f} "
            f"{1e3 * ours['tail']:8.3f}"
        )
        if args.skip_optuna:
            continue
        theirs = run_optuna(kind, args.trials, args.seed)
        print(
            f"{kind:<8} {'optuna':<7} {theirs['total']:9.2f} {1e3 * theirs['per_trial']:9.3f} "
            f"{1e3 * theirs['tail']:8.3f}"
        )
        ratio = ours["total"] / theirs["total"]
        verdict = "ok" if ratio <= 1 / 3 else "MISSED"
        print(f"{kind:<8} ratio parzen/optuna = {ratio:.3f} (target <= 0.333: {verdict})")


if __name__ == "__main__":
    main()
