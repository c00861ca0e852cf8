"""The gRPC storage proxy: parzen's against Optuna 5.0's, side by side in one run.

One proxy process serves an RDB storage (SQLite, then PostgreSQL); 2 and then 8 client
processes share one study through it. The objective is free (the sum of five floats, sampled
by RandomSampler), so the proxy and the storage behind it are all that is measured. Reported:
trials per second of all clients together, for each library, and parzen's ratio to Optuna.
Each library runs its own proxy and client (Optuna's proxy is given ``get_storage(url)``, as
its documentation advises).

Run:
    python benchmarks/bench_grpc_proxy.py [--trials N] [--repeats R] [--skip-postgresql]

``--trials`` is per client. PostgreSQL is reached at $PARZEN_TEST_POSTGRESQL_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/test); each run gets a fresh schema there, dropped
afterwards. Each figure is the best of ``--repeats`` runs, parzen and Optuna alternating (the
machine is shared).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_storage_rdb import _postgresql_reachable, objective, postgresql_schema

PROXY_MAIN = """
import sys, warnings
warnings.simplefilter("ignore")
library, url, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if library == "parzen":
    import parzen
    parzen.logging.set_verbosity(parzen.logging.WARNING)
    storage = parzen.storages.RDBStorage(url)
    parzen.storages.run_grpc_proxy_server(storage, host="127.0.0.1", port=port)
else:
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = optuna.storages.get_storage(url)
    optuna.storages.run_grpc_proxy_server(storage, host="127.0.0.1", port=port)
"""


def _library(name: str) -> Any:
    warnings.simplefilter("ignore")  # Optuna's ExperimentalWarning
    if name == "parzen":
        import parzen

        return parzen
    import optuna

    return optuna


def _client(library: str, port: int) -> Any:
    lib = _library(library)
    lib.logging.set_verbosity(lib.logging.WARNING)
    storage = lib.storages.GrpcStorageProxy(host="127.0.0.1", port=port)
    storage.wait_server_ready(timeout=60)
    return lib, storage


def _worker(
    library: str, port: int, study_name: str, n_trials: int, ready: Any, go: Any, times: Any
) -> None:
    if hasattr(os, "setsid"):
        os.setsid()  # a CPU share of its own, as independently started workers have
    lib, storage = _client(library, port)
    study = lib.load_study(
        study_name=study_name,
        storage=storage,
        sampler=lib.samplers.RandomSampler(seed=os.getpid()),
    )
    study.optimize(objective, n_trials=2)  # warm-up: connection, caches
    ready.release()
    go.wait()
    start = time.perf_counter()  # CLOCK_MONOTONIC: comparable between processes
    study.optimize(objective, n_trials=n_trials)
    times.put((start, time.perf_counter()))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def proxy(library: str, url: str) -> Iterator[int]:
    """A proxy of ``library`` over ``url`` in a process of its own; yields its port."""
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-c", PROXY_MAIN, library, url, str(port)])
    try:
        yield port
    finally:
        process.kill()
        process.wait()


def run(library: str, url: str, n_clients: int, n_trials: int) -> float:
    """Trials per second of ``n_clients`` processes sharing one study through one proxy."""
    with proxy(library, url) as port:
        lib, storage = _client(library, port)
        study_name = f"bench-{uuid.uuid4().hex}"
        lib.create_study(storage=storage, study_name=study_name)
        ctx = multiprocessing.get_context("spawn")
        ready, go, times = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
        args = (library, port, study_name, n_trials, ready, go, times)
        procs = [ctx.Process(target=_worker, args=args) for _ in range(n_clients)]
        for p in procs:
            p.start()
        for _ in procs:
            ready.acquire()
        go.set()
        spans = [times.get(timeout=1800) for _ in procs]
        for p in procs:
            p.join()
        if any(p.exitcode != 0 for p in procs):
            raise RuntimeError(f"a {library} benchmark client failed")
        n_done = len(lib.load_study(study_name=study_name, storage=storage).trials)
        assert n_done == (n_trials + 2) * n_clients, (library, n_done)
        storage.close()
    elapsed = max(end for _, end in spans) - min(start for start, _ in spans)
    return n_trials * n_clients / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=100, help="trials per client")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--skip-postgresql", action="store_true")
    args = parser.parse_args()

    pg_url = os.environ.get(
        "PARZEN_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    backends = ["SQLite"]
    if args.skip_postgresql:
        print("PostgreSQL: skipped (--skip-postgresql)")
    elif not _postgresql_reachable(pg_url):
        print(f"PostgreSQL: skipped, not reachable at {pg_url}")
    else:
        backends.append("PostgreSQL")

    rows: list[tuple[str, float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:

        def measure(library: str, backend: str, n_clients: int) -> float:
            if backend == "SQLite":
                url = f"sqlite:///{os.path.join(tmp, f'{library}-{uuid.uuid4().hex}.db')}"
                return run(library, url, n_clients, args.trials)
            with postgresql_schema(pg_url) as url:
                return run(library, url, n_clients, args.trials)

        for backend in backends:
            for n_clients in (2, 8):
                best = {"parzen": 0.0, "optuna": 0.0}
                for _ in range(args.repeats):
                    for library in best:
                        best[library] = max(best[library], measure(library, backend, n_clients))
                rows.append((f"{backend}, {n_clients} clients", best["parzen"], best["optuna"]))
                print(f"{rows[-1][0]}: parzen {best['parzen']:.1f}, optuna {best['optuna']:.1f}")

    print(
        f"\nOne proxy, 5 float params, RandomSampler, free objective; trials/s of all clients, "
        f"best of {args.repeats}, {args.trials} trials per client"
    )
    print(f"{'case':24} {'parzen':>10} {'Optuna 5.0':>11} {'ratio':>8}")
    for name, ours, theirs in rows:
        print(f"{name:24} {ours:10.1f} {theirs:11.1f} {ours / theirs:7.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
