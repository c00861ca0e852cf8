"""Many workers, one database: workers reach the storage through a gRPC proxy.

pip install "parzen[grpc]"
Run: python examples/grpc_proxy.py [--workers 3] [--trials 10]

One process serves the storage (here the SQLite file grpc_proxy.db; in production a
PostgreSQL or MySQL URL) with ``run_grpc_proxy_server``; worker processes pass
``GrpcStorageProxy(host=..., port=...)`` as their storage, so the database sees one client
however many workers there are. Heartbeats are set on the served storage: a worker that dies
leaves a trial that turns into FAIL, and RetryHeartbeatStaleTrialCallback runs it again.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys

import parzen

STUDY = "grpc-proxy-demo"


def objective(trial: parzen.Trial) -> float:
    x = trial.suggest_float("x", -10, 10)
    y = trial.suggest_int("y", -5, 5)
    return (x - 2) ** 2 + (y + 1) ** 2


def serve(port: int) -> None:
    storage = parzen.storages.RDBStorage(
        "sqlite:///grpc_proxy.db",
        heartbeat_interval=10,
        heartbeat_stale_trial_callback=parzen.storages.RetryHeartbeatStaleTrialCallback(
            max_retry=2
        ),
    )
    # Blocks until Ctrl-C or SIGTERM; calls in flight finish first.
    parzen.storages.run_grpc_proxy_server(storage, host="127.0.0.1", port=port)


def work(port: int, n_trials: int) -> None:
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    storage = parzen.storages.GrpcStorageProxy(host="127.0.0.1", port=port)
    study = parzen.load_study(study_name=STUDY, storage=storage)
    study.optimize(objective, n_trials=n_trials)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--trials", type=int, default=10, help="trials per worker")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve)
    if args.work:
        return work(args.work, args.trials)

    with socket.socket() as probe:  # a free port for this run
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proxy = subprocess.Popen([sys.executable, __file__, "--serve", str(port)])
    try:
        storage = parzen.storages.GrpcStorageProxy(host="127.0.0.1", port=port)
        storage.wait_server_ready(timeout=60)
        study = parzen.create_study(study_name=STUDY, storage=storage, load_if_exists=True)
        command = [sys.executable, __file__, "--work", str(port), "--trials", str(args.trials)]
        workers = [subprocess.Popen(command) for _ in range(args.workers)]
        if any(worker.wait() != 0 for worker in workers):
            raise SystemExit("a worker failed")
        study.optimize(objective, n_trials=5)  # this process is a worker too
        print(f"Trials through the proxy: {len(study.trials)}")
        print(f"Best value: {study.best_value:.4f} with {study.best_params}")
        storage.close()
    finally:
        proxy.terminate()
        proxy.wait()


if __name__ == "__main__":
    main()
