"""Time the default importance evaluator, parzen against Optuna 5.0, on the same study.

Run: python benchmarks/bench_importance.py [--trials N ...] [--all]

Both libraries get identical trials (see _plot_study.py: five parameters, one of them
conditional). ``get_param_importances(study)`` with no evaluator is PED-ANOVA in both. With
``--all`` the fANOVA and mean-decrease-impurity evaluators are timed too (64 trees, seed 0).
Times are CPU seconds of this process (time.process_time), best of three runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _plot_study import build_study


def _time(fn: Callable[[Any], Any], study: Any, repeat: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.process_time()
        result = fn(study)
        best = min(best, time.process_time() - t0)
    return best, result


def _top(importances: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:.2f}" for k, v in list(importances.items())[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--all", action="store_true", help="also time fANOVA and MDI")
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    import optuna

    import parzen

    parzen.logging.set_verbosity(parzen.logging.WARNING)
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    cases: list[tuple[str, Callable[[Any], Any], Callable[[Any], Any]]] = [
        (
            "default (PED-ANOVA)",
            lambda s: parzen.importance.get_param_importances(s),
            lambda s: optuna.importance.get_param_importances(s),
        )
    ]
    if args.all:
        cases += [
            (
                "fANOVA",
                lambda s: parzen.importance.get_param_importances(
                    s, evaluator=parzen.importance.FanovaImportanceEvaluator(seed=0)
                ),
                lambda s: optuna.importance.get_param_importances(
                    s, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0)
                ),
            ),
            (
                "mean decrease impurity",
                lambda s: parzen.importance.get_param_importances(
                    s, evaluator=parzen.importance.MeanDecreaseImpurityImportanceEvaluator(seed=0)
                ),
                lambda s: optuna.importance.get_param_importances(
                    s, evaluator=optuna.importance.MeanDecreaseImpurityImportanceEvaluator(seed=0)
                ),
            ),
        ]
    print(f"{'evaluator':24s} {'trials':>7s} {'parzen':>8s} {'optuna':>8s} {'optuna/parzen':>14s}")
    for n_trials in args.trials:
        ours_study = build_study(parzen, n_trials)
        theirs_study = build_study(optuna, n_trials)
        for name, ours, theirs in cases:
            repeat = 3 if name.startswith("default") else 1
            ours_time, ours_result = _time(ours, ours_study, repeat)
            theirs_time, theirs_result = _time(theirs, theirs_study, repeat)
            ratio = theirs_time / ours_time
            print(f"{name:24s} {n_trials:7d} {ours_time:8.3f} {theirs_time:8.3f} {ratio:13.1f}x")
            print(f"    parzen: {_top(ours_result)}")
            print(f"    optuna: {_top(theirs_result)}")


if __name__ == "__main__":
    main()
