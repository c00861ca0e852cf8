"""RDBStorage throughput: parzen vs Optuna 5.0, side by side in one run.

A free objective (the sum of five floats) sampled by RandomSampler, so that the storage is
all that is measured. Reported: trials per second of each library on SQLite and PostgreSQL,
their ratio (targets: >= 10x on SQLite and on PostgreSQL with 1 and with 4 processes), and
parzen with two processes on one SQLite file against one process (target: not slower).

Run:
    python benchmarks/bench_storage_rdb.py [--trials N] [--repeats R] [--skip-postgresql]

PostgreSQL is reached at $PARZEN_TEST_POSTGRESQL_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/test); each library gets a fresh schema there,
dropped afterwards. Each figure is the best of ``--repeats`` runs (the machine is shared).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

N_PARAMS = 5


def objective(trial: Any) -> float:
    return sum(trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(N_PARAMS))


def run_parzen(url: str, n_trials: int, study_name: str | None = None) -> float:
    """Trials per second of parzen's RDBStorage on ``url``."""
    import parzen

    parzen.logging.set_verbosity(parzen.logging.WARNING)
    storage = parzen.storages.get_storage(url)
    study = parzen.create_study(
        storage=storage,
        study_name=study_name or f"bench-{uuid.uuid4().hex}",
        sampler=parzen.samplers.RandomSampler(seed=0),
        load_if_exists=study_name is not None,
    )
    study.optimize(objective, n_trials=3)  # warm-up: connections, compiled statements
    start = time.perf_counter()
    study.optimize(objective, n_trials=n_trials)
    return n_trials / (time.perf_counter() - start)


def run_optuna(url: str, n_trials: int) -> float:
    """Trials per second of Optuna's RDBStorage on ``url``."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        storage=url,
        study_name=f"bench-{uuid.uuid4().hex}",
        sampler=optuna.samplers.RandomSampler(seed=0),
    )
    study.optimize(objective, n_trials=3)
    start = time.perf_counter()
    study.optimize(objective, n_trials=n_trials)
    return n_trials / (time.perf_counter() - start)


def _worker(
    lib_name: str, url: str, study_name: str, n_trials: int, ready: Any, go: Any, times: Any
) -> None:
    if hasattr(os, "setsid"):
        # Linux groups the CPU share of all processes of one session ("autogroup"): on a
        # busy machine, workers started from one shell would split one share instead of
        # getting one each, as independently started workers do.
        os.setsid()
    if lib_name == "parzen":
        import parzen as lib
    else:
        import optuna as lib
    lib.logging.set_verbosity(lib.logging.WARNING)
    study = lib.load_study(
        study_name=study_name,
        storage=url,
        sampler=lib.samplers.RandomSampler(seed=os.getpid()),
    )
    study.optimize(objective, n_trials=2)  # warm-up
    ready.release()
    go.wait()
    # perf_counter is CLOCK_MONOTONIC on Linux: comparable between processes.
    start = time.perf_counter()
    study.optimize(objective, n_trials=n_trials)
    times.put((start, time.perf_counter()))


def run_parzen_processes(url: str, n_trials: int, n_processes: int) -> float:
    """Trials per second of ``n_processes`` parzen workers sharing one study on ``url``."""
    return run_processes("parzen", url, n_trials, n_processes)


def run_processes(lib_name: str, url: str, n_trials: int, n_processes: int) -> float:
    """Trials per second of ``n_processes`` workers of ``lib_name`` sharing one study."""
    if lib_name == "parzen":
        import parzen as lib
    else:
        import optuna as lib
    lib.logging.set_verbosity(lib.logging.WARNING)
    study_name = f"bench-mp-{uuid.uuid4().hex}"
    lib.create_study(storage=url, study_name=study_name)
    ctx = multiprocessing.get_context("spawn")
    ready, go, times = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
    per_process = n_trials // n_processes
    procs = [
        ctx.Process(
            target=_worker, args=(lib_name, url, study_name, per_process, ready, go, times)
        )
        for _ in range(n_processes)
    ]
    for p in procs:
        p.start()
    for _ in procs:
        ready.acquire()
    go.set()
    spans = [times.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
    if any(p.exitcode != 0 for p in procs):
        raise RuntimeError("a benchmark worker failed")
    # The window in which the workers ran trials: process start-up and exit are not storage
    # work, and on a loaded machine they would dominate.
    elapsed = max(end for _, end in spans) - min(start for start, _ in spans)
    return per_process * n_processes / elapsed


def best_of(repeats: int, fn: Callable[[], float]) -> float:
    return max(fn() for _ in range(repeats))


@contextmanager
def postgresql_schema(base_url: str) -> Iterator[str]:
    """A URL whose connections use a fresh schema, dropped afterwards."""
    import sqlalchemy as sa

    url = sa.make_url(base_url)
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _postgresql_reachable(url: str) -> bool:
    import socket

    import sqlalchemy as sa

    parsed = sa.make_url(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 5432), 1):
            return True
    except OSError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=300, help="parzen trials per run")
    parser.add_argument(
        "--optuna-trials", type=int, default=100, help="Optuna trials per run (it is slower)"
    )
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--skip-postgresql", action="store_true")
    args = parser.parse_args()

    rows: list[tuple[str, float, float | None, str]] = []
    with tempfile.TemporaryDirectory() as tmp:

        def sqlite_url(name: str) -> str:
            return f"sqlite:///{os.path.join(tmp, name)}"

        parzen_sqlite = best_of(
            args.repeats, lambda: run_parzen(sqlite_url(f"p-{uuid.uuid4().hex}.db"), args.trials)
        )
        optuna_sqlite = best_of(
            args.repeats,
            lambda: run_optuna(sqlite_url(f"o-{uuid.uuid4().hex}.db"), args.optuna_trials),
        )
        rows.append(("SQLite, 1 process", parzen_sqlite, optuna_sqlite, ">= 10x"))

        # Interleaved, so that both see the same (shared, varying) machine load.
        one = two = 0.0
        for _ in range(args.repeats):
            for n_processes in (1, 2):
                rate = run_parzen_processes(
                    sqlite_url(f"m{n_processes}-{uuid.uuid4().hex}.db"), args.trials, n_processes
                )
                if n_processes == 1:
                    one = max(one, rate)
                else:
                    two = max(two, rate)
        rows.append(("SQLite, parzen 2 processes vs 1", two, one, ">= 1x"))

    pg_url = os.environ.get(
        "PARZEN_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    if args.skip_postgresql:
        print("PostgreSQL: skipped (--skip-postgresql)")
    elif not _postgresql_reachable(pg_url):
        print(f"PostgreSQL: skipped, not reachable at {pg_url}")
    else:

        def pg(fn: Callable[[str, int], float], n: int) -> float:
            with postgresql_schema(pg_url) as url:
                return fn(url, n)

        parzen_pg = best_of(args.repeats, lambda: pg(run_parzen, args.trials))
        optuna_pg = best_of(args.repeats, lambda: pg(run_optuna, args.optuna_trials))
        rows.append(("PostgreSQL, 1 process", parzen_pg, optuna_pg, ">= 10x"))
        parzen_pg4 = best_of(
            args.repeats,
            lambda: pg(lambda url, n: run_processes("parzen", url, n, 4), args.trials),
        )
        optuna_pg4 = best_of(
            args.repeats,
            lambda: pg(lambda url, n: run_processes("optuna", url, n, 4), args.optuna_trials),
        )
        rows.append(("PostgreSQL, 4 processes", parzen_pg4, optuna_pg4, ">= 10x"))

    print(
        f"\n{N_PARAMS} float params, RandomSampler, free objective; trials/s, best of "
        f"{args.repeats}"
    )
    print(f"{'case':34} {'parzen':>10} {'baseline':>10} {'ratio':>8}  target")
    for name, ours, theirs, target in rows:
        ratio = f"{ours / theirs:7.1f}x" if theirs else "-"
        baseline = f"{theirs:10.1f}" if theirs else "-"
        print(f"{name:34} {ours:10.1f} {baseline:>10} {ratio:>8}  {target}")
    print(
        "(baseline: Optuna 5.0, same number of processes; for the SQLite 2-vs-1 row, parzen "
        "with 1 process)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
