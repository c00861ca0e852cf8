"""Tune a ridge regression on a Dask cluster: one trial per Dask task.

By default the script starts a local cluster of two worker processes and keeps the study on
the Dask scheduler (``DaskStorage``), so nothing but ``pip install ".[dask]"`` is needed:

    python examples/dask_cluster.py

On a real cluster, point it at the scheduler, and keep the study in a database or journal
that every worker reaches (the study then outlives the scheduler):

    python examples/dask_cluster.py --scheduler tcp://10.0.0.5:8786 \\
        --storage postgresql://user:password@db-host/hpo
    python examples/dask_cluster.py --journal /shared/nfs/study.log

Heartbeats are on in every variant: if a worker dies, its trial is failed within the grace
period and run again with the same parameters (``RetryFailedTrialCallback``).
"""

from __future__ import annotations

import argparse

import numpy as np
from distributed import Client, LocalCluster

import parzen
from parzen.integrations.dask import DaskStorage, optimize_on_dask
from parzen.storages import BaseStorage, RetryFailedTrialCallback


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A noisy cubic, 400 points: small enough to ship with every task."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, size=400)
    y = 0.5 * x**3 - x + rng.normal(scale=0.3, size=x.size)
    return x, y


def objective(trial: parzen.Trial, data: tuple[np.ndarray, np.ndarray]) -> float:
    """5-fold cross-validated error of a polynomial ridge regression."""
    degree = trial.suggest_int("degree", 1, 8)
    alpha = trial.suggest_float("alpha", 1e-6, 10.0, log=True)
    x, y = data
    features = np.vander(x, degree + 1)
    folds = np.array_split(np.arange(x.size), 5)
    errors = []
    for k, held_out in enumerate(folds):
        train = np.concatenate([f for j, f in enumerate(folds) if j != k])
        a = features[train]
        weights = np.linalg.solve(a.T @ a + alpha * np.eye(degree + 1), a.T @ y[train])
        errors.append(float(np.mean((features[held_out] @ weights - y[held_out]) ** 2)))
        trial.report(float(np.mean(errors)), k)
        if trial.should_prune():
            raise parzen.TrialPruned()
    return float(np.mean(errors))


def make_storage(args: argparse.Namespace, client: Client) -> BaseStorage:
    retry = RetryFailedTrialCallback(max_retry=2)
    if args.storage:
        return parzen.storages.RDBStorage(
            args.storage, heartbeat_interval=30, failed_trial_callback=retry
        )
    if args.journal:
        from parzen.storages.journal import JournalFileBackend, JournalStorage

        return JournalStorage(
            JournalFileBackend(args.journal), heartbeat_interval=30, failed_trial_callback=retry
        )
    return DaskStorage(client=client, heartbeat_interval=30, failed_trial_callback=retry)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scheduler", help="address of a running Dask scheduler")
    parser.add_argument("--storage", help="database URL that every worker reaches")
    parser.add_argument("--journal", help="journal file on a disk every worker mounts")
    parser.add_argument("--n-trials", type=int, default=40)
    args = parser.parse_args()

    cluster = None
    if args.scheduler is None:
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
    with Client(args.scheduler or cluster) as client:
        study = parzen.create_study(
            study_name="dask-ridge",
            storage=make_storage(args, client),
            pruner=parzen.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=2),
            load_if_exists=True,
        )
        data = make_data()
        optimize_on_dask(study, lambda trial: objective(trial, data), args.n_trials)
        states = [t.state.name for t in study.trials]
        counts = ", ".join(f"{states.count(s)} {s}" for s in sorted(set(states)))
        print(f"{len(states)} trials: {counts}")
        print(f"best: {study.best_value:.4f} with {study.best_params}")
    if cluster is not None:
        cluster.close()


if __name__ == "__main__":
    main()
