"""Time every plot function on a 10,000-trial study, parzen against Optuna 5.0.

Run: python benchmarks/bench_plots.py [--trials N] [--skip-optuna]

Both libraries get the same trials (see _plot_study.py). Times include building the figure
object (plotly Figure or matplotlib Axes), not rendering it to an image. They are CPU
seconds of this process (time.process_time), which a busy shared machine disturbs far less
than wall-clock time. Each parzen time is the median of three runs, with their range; Optuna
runs once per plot (its slowest plots take tens of seconds), and the ratio is Optuna's time
over parzen's median.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from _plot_study import build_study


def _time(fn: Callable[[], Any], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
        plt.close("all")
    return times


def _cases(vis: Any, single: Any, multi: Any) -> dict[str, Callable[[], Any]]:
    return {
        "plot_optimization_history": lambda: vis.plot_optimization_history(single),
        "plot_optimization_history (3 studies, error_bar)": lambda: vis.plot_optimization_history(
            [single, single, single], error_bar=True
        ),
        "plot_intermediate_values": lambda: vis.plot_intermediate_values(single),
        "plot_parallel_coordinate": lambda: vis.plot_parallel_coordinate(single),
        "plot_contour (4 params)": lambda: vis.plot_contour(
            single, params=["x", "lr", "units", "optimizer"]
        ),
        "plot_slice": lambda: vis.plot_slice(single),
        "plot_param_importances": lambda: vis.plot_param_importances(single),
        "plot_pareto_front": lambda: vis.plot_pareto_front(multi),
        "plot_edf": lambda: vis.plot_edf(single),
        "plot_rank (4 params)": lambda: vis.plot_rank(
            single, params=["x", "lr", "units", "optimizer"]
        ),
        "plot_timeline": lambda: vis.plot_timeline(single),
        "plot_hypervolume_history": lambda: vis.plot_hypervolume_history(multi, [60.0, 60.0]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--skip-optuna", action="store_true")
    parser.add_argument("--backend", choices=["plotly", "matplotlib", "both"], default="both")
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    import parzen
    import parzen.visualization

    parzen.logging.set_verbosity(parzen.logging.WARNING)
    libs: dict[str, Any] = {"parzen": parzen}
    if not args.skip_optuna:
        import optuna
        import optuna.visualization

        optuna.logging.set_verbosity(optuna.logging.ERROR)
        libs["optuna"] = optuna
    studies = {
        name: (build_study(lib, args.trials), build_study(lib, args.trials, n_objectives=2))
        for name, lib in libs.items()
    }
    backends = ["plotly", "matplotlib"] if args.backend == "both" else [args.backend]
    print(f"{args.trials} trials; CPU seconds to build each figure")
    for backend in backends:
        print(f"\n[{backend}]")
        print(f"{'plot':52s} {'parzen [min-max]':>22s} {'optuna':>8s} {'optuna/parzen':>14s}")
        timings: dict[str, dict[str, list[float]]] = {}
        for name, lib in libs.items():
            vis = lib.visualization if backend == "plotly" else lib.visualization.matplotlib
            cases = _cases(vis, *studies[name])
            for case, fn in cases.items():
                try:
                    seconds = _time(fn, 3 if name == "parzen" else 1)
                except Exception as error:  # Optuna rejects some cases (e.g. matplotlib 3-d)
                    print(f"  {name} {case}: {type(error).__name__}: {error}")
                    seconds = [float("nan")]
                timings.setdefault(case, {})[name] = seconds
        for case, row in timings.items():
            ours = statistics.median(row["parzen"])
            spread = f"{ours:.3f} [{min(row['parzen']):.3f}-{max(row['parzen']):.3f}]"
            theirs = row.get("optuna", [float("nan")])[0]
            print(f"{case:52s} {spread:>22s} {theirs:8.3f} {theirs / ours:13.1f}x")


if __name__ == "__main__":
    main()
