"""Time the terminator's evaluators, parzen against Optuna 5.0, on identical trials.

Run: python benchmarks/bench_terminator.py [--trials N ...] [--repeat R] [--all]

What a TerminatorCallback pays after each trial is one ``evaluate`` of the improvement
evaluator on the study's trials so far; this times that call on studies of 100 and 300
COMPLETE trials (five parameters: two floats, one of them log-scaled, an int, a stepped float
and a categorical; noisy values). ``RegretBoundEvaluator`` is the default; ``--all`` adds
``EMMREvaluator``. Both libraries get the same trials, built with ``create_trial``, and one
untimed warm-up call each (Optuna's first call imports torch). Times are wall-clock seconds,
best of ``--repeat`` runs, measured side by side in one process; the ratio is Optuna's time
over parzen's (above 1: parzen is faster). Each call also prints the value, to show that the
two estimate the same quantity (they fit different GPs, so values agree in magnitude only).
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np


def build_trials(lib: Any, n_trials: int, seed: int = 0) -> list[Any]:
    rng = np.random.RandomState(seed)
    d = lib.distributions
    space = {
        "x": d.FloatDistribution(-5.0, 5.0),
        "lr": d.FloatDistribution(1e-4, 1e-1, log=True),
        "layers": d.IntDistribution(1, 8),
        "dropout": d.FloatDistribution(0.0, 0.5, step=0.05),
        "opt": d.CategoricalDistribution(["adam", "sgd", "rmsprop"]),
    }
    trials = []
    for _ in range(n_trials):
        params = {
            "x": float(rng.uniform(-5, 5)),
            "lr": float(10 ** rng.uniform(-4, -1)),
            "layers": int(rng.randint(1, 9)),
            "dropout": float(rng.randint(0, 11) * 0.05),
            "opt": ["adam", "sgd", "rmsprop"][rng.randint(3)],
        }
        value = (
            (params["x"] - 1.0) ** 2
            + (np.log10(params["lr"]) + 2.5) ** 2
            + 0.1 * (params["layers"] - 4) ** 2
            + params["dropout"]
            + (0.5 if params["opt"] == "sgd" else 0.0)
            + 0.05 * rng.randn()
        )
        trials.append(lib.trial.create_trial(params=params, distributions=space, value=value))
    return trials


def _time(call: Callable[[], float], repeat: int) -> tuple[float, float]:
    best, value = float("inf"), float("nan")
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = call()
        best = min(best, time.perf_counter() - t0)
    return best, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, nargs="+", default=[100, 300])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--all", action="store_true", help="also time EMMREvaluator")
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    import optuna
    import optuna.terminator

    import parzen
    import parzen.terminator

    evaluators = ["RegretBoundEvaluator"] + (["EMMREvaluator"] if args.all else [])
    minimize = {lib: lib.study.StudyDirection.MINIMIZE for lib in (parzen, optuna)}
    for lib in (parzen, optuna):
        warm = build_trials(lib, 25, seed=1)
        for name in evaluators:
            getattr(lib.terminator, name)(seed=0).evaluate(warm, minimize[lib])

    print(
        f"{'evaluator':22s} {'trials':>6s} {'parzen s':>9s} {'optuna s':>9s} "
        f"{'optuna/parzen':>14s} {'parzen value':>13s} {'optuna value':>13s}"
    )
    for n_trials in args.trials:
        trials = {lib: build_trials(lib, n_trials) for lib in (parzen, optuna)}
        for name in evaluators:
            times = {}
            values = {}
            for lib in (parzen, optuna):
                evaluator = getattr(lib.terminator, name)(seed=0)
                these, direction = trials[lib], minimize[lib]
                times[lib], values[lib] = _time(
                    lambda e=evaluator, t=these, d=direction: float(e.evaluate(t, d)),
                    args.repeat,
                )
            ratio = times[optuna] / times[parzen]
            print(
                f"{name:22s} {n_trials:6d} {times[parzen]:9.3f} {times[optuna]:9.3f} "
                f"{ratio:13.1f}x {values[parzen]:13.4g} {values[optuna]:13.4g}"
            )


if __name__ == "__main__":
    main()
