"""TPESampler speed and memory: parzen vs Optuna 5.0, side by side in one run.

A free objective (a shifted quadratic of ten floats), in-memory storage, fixed seeds, each
library's default ``TPESampler(seed=...)`` and its logging set to WARNING. For every trial
count the whole ``optimize`` call is timed for both libraries (wall clock, and the process's
CPU time, which is steadier on a shared machine) and the ratio parzen / Optuna is
printed (targets: <= 1/10 at 1,000 trials, <= 1/20 at 5,000), with the mean time per trial
and the time per trial over the last 10% of the run (it may grow at most linearly with the
number of trials: each suggestion scores candidates against every past trial).

``--memory N`` (default 100,000) measures the peak resident memory of parzen's TPE with N
trials in the study (target: < 1 GB), in a subprocess: N - 500 finished trials are added to
the study, then 500 are run by TPE on top of them (``--memory-full`` runs all N through
``optimize`` instead, which takes hours: each suggestion is linear in the history).

``--per-suggestion [N ...]`` (default 1,000, 5,000, 10,000, 20,000) prints the cost of one
suggestion at each history size N, for both libraries: N finished trials (uniform random
points, value the objective's) are added to a study, then ``--window`` trials (default 100)
are run by TPE on top, and the median CPU time per trial is reported (and the wall time), with
its ratio to the cost at the first N (target: flat, within 1.5x, from 1,000 to 20,000).
The history is random rather than TPE's own, so that 20,000 trials need no hours of Optuna;
the cost of a suggestion depends on the history's size, not on where its points lie.

BLAS is limited to one thread (``OPENBLAS_NUM_THREADS=1`` and friends, for both libraries)
unless ``--blas-threads`` says otherwise: small matrix products spread over threads are slower
on a shared machine, and the benchmark should measure the samplers, not thread contention.

Usage:
    python benchmarks/bench_tpe.py [--trials 1000 2000 5000] [--params 10] [--seed 0]
        [--skip-optuna] [--memory [N]] [--memory-only] [--memory-full] [--blas-threads 1]
        [--per-suggestion [N ...]] [--window 100]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import time
from typing import Any

SHIFT = 0.5


def _make_objective(n_params: int) -> Any:
    def objective(trial: Any) -> float:
        return sum((trial.suggest_float(f"x{i}", -5.0, 5.0) - SHIFT) ** 2 for i in range(n_params))

    return objective


def _timed(study: Any, n_trials: int, n_params: int) -> dict[str, float]:
    objective = _make_objective(n_params)
    tail_start = n_trials - max(1, n_trials // 10)
    marks: dict[str, float] = {}
    cpu_start = time.process_time()
    start = time.perf_counter()

    done = [0]

    def callback(study: Any, trial: Any) -> None:
        done[0] += 1
        if done[0] == tail_start:
            marks["tail"] = time.perf_counter()

    study.optimize(objective, n_trials=n_trials, callbacks=[callback])
    end = time.perf_counter()
    cpu = time.process_time() - cpu_start
    total = end - start
    tail = (end - marks.get("tail", start)) / (n_trials - tail_start)
    return {
        "total": total,
        "cpu": cpu,
        "per_trial": total / n_trials,
        "tail": tail,
        "best": study.best_value,
    }


def run_parzen(n_trials: int, n_params: int, seed: int) -> dict[str, float]:
    import parzen
    from parzen.samplers._tpe import TPESampler

    parzen.logging.set_verbosity(parzen.logging.WARNING)
    study = parzen.create_study(sampler=TPESampler(seed=seed))
    return _timed(study, n_trials, n_params)


def run_optuna(n_trials: int, n_params: int, seed: int) -> dict[str, float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    return _timed(study, n_trials, n_params)


def _memory_child(n_trials: int, n_params: int, seed: int, full: bool) -> None:
    import resource

    import numpy as np

    import parzen
    from parzen.distributions import FloatDistribution
    from parzen.samplers._tpe import TPESampler

    parzen.logging.set_verbosity(parzen.logging.WARNING)
    study = parzen.create_study(sampler=TPESampler(seed=seed))
    n_optimized = n_trials if full else min(n_trials, 500)
    n_added = n_trials - n_optimized
    if n_added:
        # The history TPE works on: finished trials, added directly (running 100,000 trials
        # through optimize takes hours; the memory TPE needs depends on the history's size).
        rng = np.random.RandomState(seed)
        dists = {f"x{i}": FloatDistribution(-5.0, 5.0) for i in range(n_params)}
        values = rng.uniform(-5.0, 5.0, size=(n_added, n_params))
        study.add_trials(
            parzen.trial.create_trial(
                params={name: float(v) for name, v in zip(dists, row)},
                distributions=dists,
                value=float(np.sum((row - SHIFT) ** 2)),
            )
            for row in values
        )
    result = _timed(study, n_optimized, n_params)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({**result, "peak_mib": peak_kib / 1024, "optimized": n_optimized}))


def _add_random_history(lib: Any, study: Any, n_trials: int, n_params: int, seed: int) -> None:
    import numpy as np

    rng = np.random.RandomState(seed)
    dists = {f"x{i}": lib.distributions.FloatDistribution(-5.0, 5.0) for i in range(n_params)}
    values = rng.uniform(-5.0, 5.0, size=(n_trials, n_params))
    study.add_trials(
        [
            lib.trial.create_trial(
                params={name: float(v) for name, v in zip(dists, row)},
                distributions=dists,
                value=float(np.sum((row - SHIFT) ** 2)),
            )
            for row in values
        ]
    )


def per_suggestion(library: str, n_history: int, args: argparse.Namespace) -> dict[str, float]:
    """Median CPU and wall time of one TPE trial with ``n_history`` finished trials."""
    import statistics

    if library == "parzen":
        import parzen as lib
        from parzen.samplers._tpe import TPESampler
    else:
        import optuna as lib
        from optuna.samplers import TPESampler
    lib.logging.set_verbosity(lib.logging.WARNING)
    study = lib.create_study(sampler=TPESampler(seed=args.seed))
    _add_random_history(lib, study, n_history, args.params, args.seed)
    objective = _make_objective(args.params)
    # One optimize call; each trial's cost is the time between two callbacks.
    marks = [(time.process_time(), time.perf_counter())]

    def callback(study: Any, trial: Any) -> None:
        marks.append((time.process_time(), time.perf_counter()))

    study.optimize(objective, n_trials=args.window, callbacks=[callback])
    cpu = [b[0] - a[0] for a, b in itertools.pairwise(marks)]
    wall = [b[1] - a[1] for a, b in itertools.pairwise(marks)]
    return {"cpu": statistics.median(cpu), "wall": statistics.median(wall)}


def _report_per_suggestion(args: argparse.Namespace) -> None:
    print(
        f"per suggestion: TPESampler, {args.params} float params, median over {args.window} "
        f"trials on top of N random finished trials, seed {args.seed}"
    )
    libraries = ["parzen"] + ([] if args.skip_optuna else ["optuna"])
    print(f"{'N':>7} {'library':>8} {'cpu ms':>8} {'wall ms':>8} {'vs first N':>10}")
    first: dict[str, float] = {}
    for n_history in args.per_suggestion:
        results = {lib: per_suggestion(lib, n_history, args) for lib in libraries}
        for lib, r in results.items():
            first.setdefault(lib, r["cpu"])
            print(
                f"{n_history:>7} {lib:>8} {1e3 * r['cpu']:>8.3f} {1e3 * r['wall']:>8.3f} "
                f"{r['cpu'] / first[lib]:>9.2f}x"
            )
        if "optuna" in results:
            ratio = results["parzen"]["cpu"] / results["optuna"]["cpu"]
            print(
                f"{n_history:>7} {'ratio':>8} {ratio:>8.4f}  "
                f"(parzen / optuna cpu: 1/{1 / ratio:.1f})"
            )
        sys.stdout.flush()


def _report_speed(args: argparse.Namespace) -> None:
    print(
        f"TPESampler, {args.params} float params, free quadratic objective, in-memory, "
        f"seed {args.seed}, BLAS threads {args.blas_threads}"
    )
    header = (
        f"{'trials':>7} {'library':>8} {'total s':>9} {'cpu s':>8} {'ms/trial':>9} "
        f"{'tail ms':>8} {'best':>9}"
    )
    print(header)
    ratios = []
    for n_trials in args.trials:
        parzen_result = run_parzen(n_trials, args.params, args.seed)
        rows = [("parzen", parzen_result)]
        if not args.skip_optuna:
            rows.append(("optuna", run_optuna(n_trials, args.params, args.seed)))
        for name, r in rows:
            print(
                f"{n_trials:>7} {name:>8} {r['total']:>9.2f} {r['cpu']:>8.2f} "
                f"{1e3 * r['per_trial']:>9.3f} {1e3 * r['tail']:>8.3f} {r['best']:>9.4f}"
            )
        if not args.skip_optuna:
            ratio = parzen_result["total"] / rows[1][1]["total"]
            cpu_ratio = parzen_result["cpu"] / rows[1][1]["cpu"]
            ratios.append((n_trials, ratio, cpu_ratio))
            print(
                f"{n_trials:>7} {'ratio':>8} {ratio:>9.4f} {cpu_ratio:>8.4f}  "
                f"(parzen / optuna: wall 1/{1 / ratio:.1f}, cpu 1/{1 / cpu_ratio:.1f})"
            )
        sys.stdout.flush()
    if ratios:
        print(
            "summary (wall, cpu): "
            + ", ".join(f"{n}: 1/{1 / r:.1f}, 1/{1 / c:.1f}" for n, r, c in ratios)
        )


def _report_memory(args: argparse.Namespace) -> None:
    n_trials = args.memory
    how = "all through optimize" if args.memory_full else "the last 500 through optimize"
    print(f"memory: parzen TPESampler, {n_trials} trials ({how}), {args.params} params...")
    sys.stdout.flush()
    command = [sys.executable, __file__, "--_memory-child", str(n_trials)]
    command += ["--params", str(args.params), "--seed", str(args.seed)]
    if args.memory_full:
        command.append("--memory-full")
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"memory: peak RSS {result['peak_mib']:.0f} MiB with {n_trials} trials "
        f"(target < 1024 MiB); {result['optimized']} TPE trials took {result['total']:.1f} s, "
        f"{1e3 * result['per_trial']:.2f} ms/trial, last 10% {1e3 * result['tail']:.2f} ms/trial"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, nargs="+", default=[1000, 2000, 5000])
    parser.add_argument("--params", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-optuna", action="store_true")
    parser.add_argument("--memory", type=int, nargs="?", const=100_000, default=None)
    parser.add_argument("--memory-only", action="store_true", help="skip the speed runs")
    parser.add_argument(
        "--memory-full",
        action="store_true",
        help="run every --memory trial through optimize (hours) instead of adding all but 500",
    )
    parser.add_argument("--blas-threads", type=int, default=1)
    parser.add_argument(
        "--per-suggestion",
        type=int,
        nargs="*",
        default=None,
        help="history sizes N (default 1000 5000 10000 20000); skips the speed runs",
    )
    parser.add_argument("--window", type=int, default=100)
    parser.add_argument("--_memory-child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._memory_child is not None:
        _memory_child(args._memory_child, args.params, args.seed, args.memory_full)
        return
    if args.per_suggestion is not None:
        args.per_suggestion = args.per_suggestion or [1000, 5000, 10000, 20000]
        _report_per_suggestion(args)
    elif not args.memory_only:
        _report_speed(args)
    if args.memory is not None:
        _report_memory(args)


if __name__ == "__main__":
    # Must happen before numpy is imported (by either library).
    _threads = (
        sys.argv[sys.argv.index("--blas-threads") + 1] if "--blas-threads" in sys.argv else "1"
    )
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, _threads)
    main()
