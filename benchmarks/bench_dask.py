"""Trials per second through a DaskStorage on a local Dask cluster: parzen versus Optuna.

Run: python benchmarks/bench_dask.py [--trials 200] [--workers 2] [--repeats 3]

The objective is nearly free, so the time is the storage round trips to the scheduler and
Dask's own task overhead. Three ways to run the same trials, all with a RandomSampler and
a fresh study on the scheduler each:

- parzen, ``optimize_on_dask`` (one Dask task per trial, lost tasks replaced once);
- parzen, one ``study.optimize`` task per worker (Optuna's documented pattern);
- Optuna 5.0 + optuna-integration's ``DaskStorage``, one ``study.optimize`` task per worker.
"""

from __future__ import annotations

import argparse
import time
import warnings
from typing import Any

from distributed import Client, LocalCluster, wait

import parzen
from parzen.integrations.dask import DaskStorage, optimize_on_dask


def objective(trial: Any) -> float:
    x = trial.suggest_float("x", -10, 10)
    n = trial.suggest_int("n", 0, 10)
    trial.set_user_attr("note", "a")
    return (x - 2) ** 2 + n


def quiet() -> None:
    """Run on every worker: no per-trial log lines in the timings."""
    import optuna

    parzen.logging.set_verbosity(parzen.logging.WARNING)
    optuna.logging.set_verbosity(optuna.logging.WARNING)


def per_worker(client: Client, study: Any, n_trials: int, n_workers: int) -> None:
    shares = [n_trials // n_workers + (i < n_trials % n_workers) for i in range(n_workers)]
    futures = [client.submit(study.optimize, objective, n, pure=False) for n in shares]
    wait(futures)
    for future in futures:
        future.result()


def parzen_optimize_on_dask(client: Client, n_trials: int, n_workers: int) -> float:
    study = parzen.create_study(
        storage=DaskStorage(client=client), sampler=parzen.samplers.RandomSampler()
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no heartbeats: not what this measures
        optimize_on_dask(study, objective, n_trials, client=client)
    elapsed = time.perf_counter() - start
    assert len(study.trials) == n_trials
    return elapsed


def parzen_per_worker(client: Client, n_trials: int, n_workers: int) -> float:
    study = parzen.create_study(
        storage=DaskStorage(client=client), sampler=parzen.samplers.RandomSampler()
    )
    start = time.perf_counter()
    per_worker(client, study, n_trials, n_workers)
    elapsed = time.perf_counter() - start
    assert len(study.trials) == n_trials
    return elapsed


def optuna_per_worker(client: Client, n_trials: int, n_workers: int) -> float:
    import optuna
    from optuna_integration.dask import DaskStorage as OptunaDaskStorage

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # experimental-feature warnings
        study = optuna.create_study(
            storage=OptunaDaskStorage(client=client), sampler=optuna.samplers.RandomSampler()
        )
    start = time.perf_counter()
    per_worker(client, study, n_trials, n_workers)
    elapsed = time.perf_counter() - start
    assert len(study.trials) == n_trials
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    quiet()
    with (
        LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(quiet)
        # Warm up imports and connections on every worker before timing.
        parzen_per_worker(client, args.workers * 2, args.workers)
        optuna_per_worker(client, args.workers * 2, args.workers)
        runs = {
            "parzen optimize_on_dask": parzen_optimize_on_dask,
            "parzen per-worker tasks": parzen_per_worker,
            "optuna per-worker tasks": optuna_per_worker,
        }
        # Interleaved repeats, best of each: the machine's load drifts between runs.
        results = {name: float("inf") for name in runs}
        for _ in range(args.repeats):
            for name, run in runs.items():
                results[name] = min(results[name], run(client, args.trials, args.workers))
    optuna_time = results["optuna per-worker tasks"]
    print(f"{args.trials} trials, {args.workers} Dask workers, DaskStorage on the scheduler")
    for name, elapsed in results.items():
        print(
            f"{name:26s} {elapsed:6.2f} s  {args.trials / elapsed:7.1f} trials/s  "
            f"({optuna_time / elapsed:.2f}x Optuna)"
        )


if __name__ == "__main__":
    main()
