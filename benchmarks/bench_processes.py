"""A CPU-bound pure-Python objective: executor="process" versus threads, on all cores.

Run: python benchmarks/bench_processes.py [--trials 40] [--work 400000]
Expect close to n_cores x with processes; threads stay near 1x because of the GIL.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import parzen


def make_objective(work: int) -> Callable[[parzen.trial.BaseTrial], float]:
    # A closure works: workers start with fork and inherit it without pickling.
    def objective(trial: parzen.trial.BaseTrial) -> float:
        x = trial.suggest_float("x", -10, 10)
        return sum((x - i % 7) ** 2 for i in range(work)) / work

    return objective


def timed(n_trials: int, n_jobs: int, executor: str, work: int) -> float:
    study = parzen.create_study(sampler=parzen.samplers.RandomSampler(seed=0))
    start = time.perf_counter()
    study.optimize(make_objective(work), n_trials=n_trials, n_jobs=n_jobs, executor=executor)
    elapsed = time.perf_counter() - start
    assert len(study.trials) == n_trials
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--work", type=int, default=400_000)
    args = parser.parse_args()
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    cores = os.cpu_count() or 1
    serial = timed(args.trials, 1, "thread", args.work)
    threads = timed(args.trials, cores, "thread", args.work)
    processes = timed(args.trials, cores, "process", args.work)
    print(f"{args.trials} trials, {cores} cores")
    print(f"one thread:           {serial:6.2f} s")
    print(f"{cores} threads:            {threads:6.2f} s  ({serial / threads:.2f}x)")
    print(f"{cores} processes:          {processes:6.2f} s  ({serial / processes:.2f}x)")
    print(f"processes vs threads: {threads / processes:.2f}x")


if __name__ == "__main__":
    main()
