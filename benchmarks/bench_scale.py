"""Cost at scale: parzen vs Optuna 5.0, side by side in one run (issue 20's scale targets).

Prints the targets of the scale table that no other script in ``benchmarks/`` prints:

``memory``
    RandomSampler, in-memory storage, 100,000 trials of 10 floats (free objective): trials/s
    and peak RSS of each library, each in its own fresh subprocess so that the RSS is clean
    (targets: >= 10x Optuna's trials/s, <= 1/4 of its peak RSS).
``million``
    parzen alone: the same study grown to 1,000,000 trials through ``optimize``
    (target: completes, peak RSS under 2 GB).
``load``
    ``load_study(...).trials`` of a 100,000-trial study on SQLite, PostgreSQL and the journal
    file, timed in a fresh subprocess (includes building the storage object; target: >= 10x
    faster than Optuna and under 2 s).
``growth``
    trials/s of ``optimize`` (RandomSampler, 10 floats) on a study that already holds 1,000
    trials and on one that holds 50,000, on SQLite and the journal file, each window timed in
    a fresh subprocess after 3 warm-up trials (target: parzen's two rates within 1.5x).

How the stored studies are built (set-up, never timed): each library adds one trial through
its own API, then that trial's rows are replicated with fresh random parameter and objective
values by a bulk ``INSERT`` into the library's own tables (SQLite, PostgreSQL), because
``add_trials`` writes one transaction per trial and would take most of an hour per
100,000-trial database on PostgreSQL. On the journal file, parzen's study is written by
``Study.add_trials`` (its records carry checksums) and Optuna's by re-emitting its one
create-trial record with fresh values. Every load checks that all trials come back whole.

PostgreSQL is reached at $PARZEN_TEST_POSTGRESQL_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/test); each database gets a fresh schema, dropped
afterwards; the PostgreSQL rows are skipped if it is unreachable.

Usage:
    python benchmarks/bench_scale.py [--only memory million load growth]
        [--trials 100000] [--million 1000000] [--load-trials 100000]
        [--growth-small 1000] [--growth-large 50000] [--window 500] [--optuna-window 100]
        [--backends sqlite postgresql journal] [--skip-optuna]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

N_PARAMS = 10
LOW, HIGH = -5.0, 5.0
STUDY_NAME = "bench-scale"
PG_URL = os.environ.get(
    "PARZEN_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def objective(trial: Any) -> float:
    return sum(trial.suggest_float(f"x{i}", LOW, HIGH) for i in range(N_PARAMS))


# -- helpers that run in either library -----------------------------------------------------


def _lib(name: str) -> Any:
    if name == "parzen":
        import parzen as lib
    else:
        import optuna as lib
    lib.logging.set_verbosity(lib.logging.WARNING)
    return lib


def _storage(lib: Any, spec: dict[str, str]) -> Any:
    if spec["kind"] == "journal":
        return lib.storages.JournalStorage(lib.storages.journal.JournalFileBackend(spec["path"]))
    return spec["url"]


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# -- jobs, each run in a fresh subprocess ---------------------------------------------------


def job_random_memory(lib_name: str, n_trials: int) -> dict[str, float]:
    lib = _lib(lib_name)
    study = lib.create_study(sampler=lib.samplers.RandomSampler(seed=0))
    before = _peak_rss_mib()
    start = time.perf_counter()
    study.optimize(objective, n_trials=n_trials)
    elapsed = time.perf_counter() - start
    n = len(study.get_trials(deepcopy=False))
    if n != n_trials:
        raise RuntimeError(f"expected {n_trials} trials, the study has {n}")
    return {
        "rate": n_trials / elapsed,
        "seconds": elapsed,
        "rss_before": before,
        "rss_peak": _peak_rss_mib(),
    }


def job_load(lib_name: str, spec: dict[str, str], n_trials: int) -> dict[str, float]:
    lib = _lib(lib_name)
    start = time.perf_counter()
    trials = lib.load_study(study_name=STUDY_NAME, storage=_storage(lib, spec)).trials
    elapsed = time.perf_counter() - start
    if len(trials) != n_trials or trials[-1].number != n_trials - 1:
        raise RuntimeError(f"expected {n_trials} trials, loaded {len(trials)}")
    if len(trials[-1].params) != N_PARAMS or trials[-1].value is None:
        raise RuntimeError(f"a loaded trial is incomplete: {trials[-1]!r}")
    return {"seconds": elapsed}


def job_window(lib_name: str, spec: dict[str, str], n_trials: int) -> dict[str, float]:
    lib = _lib(lib_name)
    study = lib.load_study(
        study_name=STUDY_NAME,
        storage=_storage(lib, spec),
        sampler=lib.samplers.RandomSampler(seed=1),
    )
    study.optimize(objective, n_trials=3)  # warm-up: connections, caches
    start = time.perf_counter()
    study.optimize(objective, n_trials=n_trials)
    return {"rate": n_trials / (time.perf_counter() - start)}


JOBS = {"random_memory": job_random_memory, "load": job_load, "window": job_window}


def run_job(name: str, **kwargs: Any) -> dict[str, float]:
    """Run one job in a fresh interpreter and return what it printed (one JSON object)."""
    command = [sys.executable, __file__, "--job", json.dumps({"name": name, "kwargs": kwargs})]
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"job {name} {kwargs} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- building stored studies (set-up, not timed) --------------------------------------------


def _random_params(rng: random.Random) -> dict[str, float]:
    return {f"x{i}": rng.uniform(LOW, HIGH) for i in range(N_PARAMS)}


def build_parzen(spec: dict[str, str], n_trials: int) -> None:
    import parzen

    parzen.logging.set_verbosity(parzen.logging.WARNING)
    dist = parzen.distributions.FloatDistribution(LOW, HIGH)
    distributions = {f"x{i}": dist for i in range(N_PARAMS)}
    rng = random.Random(0)
    study = parzen.create_study(storage=_storage(parzen, spec), study_name=STUDY_NAME)

    def trial() -> Any:
        params = _random_params(rng)
        return parzen.trial.create_trial(
            params=params, distributions=distributions, value=sum(params.values())
        )

    if spec["kind"] == "journal":
        study.add_trials(trial() for _ in range(n_trials))
    else:
        study.add_trial(trial())
        _replicate_rdb(spec["url"], "parzen_", n_trials, rng)


def build_optuna(spec: dict[str, str], n_trials: int) -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    dist = optuna.distributions.FloatDistribution(LOW, HIGH)
    distributions = {f"x{i}": dist for i in range(N_PARAMS)}
    rng = random.Random(0)
    study = optuna.create_study(storage=_storage(optuna, spec), study_name=STUDY_NAME)
    params = _random_params(rng)
    study.add_trial(
        optuna.trial.create_trial(
            params=params, distributions=distributions, value=sum(params.values())
        )
    )
    if spec["kind"] == "journal":
        _replicate_optuna_journal(spec["path"], n_trials, rng)
    else:
        _replicate_rdb(spec["url"], "", n_trials, rng)


def _replicate_optuna_journal(path: str, n_trials: int, rng: random.Random) -> None:
    with open(path) as f:
        lines = f.read().splitlines()
    template = json.loads(lines[-1])  # the create-trial record of the one trial
    with open(path, "a") as f:
        for _ in range(n_trials - 1):
            params = _random_params(rng)
            template["params"] = params
            template["value"] = sum(params.values())
            f.write(json.dumps(template, separators=(",", ":")) + "\n")


def _replicate_rdb(url: str, prefix: str, n_trials: int, rng: random.Random) -> None:
    """Copy the study's one trial n_trials - 1 times, with fresh parameters and values.

    ``prefix`` is the library's table prefix ("parzen_" or Optuna's ""). Surrogate keys
    (Optuna's param_id, trial_value_id) are left to the database; parzen's finish order
    (``finish_seq``, the study's ``finish_counter``) continues the template's.
    """
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    meta = sa.MetaData()
    meta.reflect(engine)
    trials, params_t, values_t = (
        meta.tables[prefix + n] for n in ("trials", "trial_params", "trial_values")
    )

    def without_surrogate_key(table: sa.Table, row: Any) -> dict[str, Any]:
        keys = [c.name for c in table.primary_key]
        drop = keys[0] if len(keys) == 1 else None
        return {k: v for k, v in row.items() if k != drop}

    with engine.begin() as conn:
        (template,) = conn.execute(sa.select(trials)).mappings().all()
        template_params = conn.execute(sa.select(params_t)).mappings().all()
        (template_value,) = conn.execute(sa.select(values_t)).mappings().all()
        chunk = 5000
        for first in range(1, n_trials, chunk):
            rows = []
            for number in range(first, min(first + chunk, n_trials)):
                row = without_surrogate_key(trials, template) | {"number": number}
                if "finish_seq" in row:
                    row["finish_seq"] = number + 1
                rows.append(row)
            ids = (
                conn.execute(
                    trials.insert().returning(trials.c.trial_id, sort_by_parameter_order=True),
                    rows,
                )
                .scalars()
                .all()
            )
            param_rows, value_rows = [], []
            for trial_id in ids:
                p = _random_params(rng)
                for row in template_params:
                    param_rows.append(
                        without_surrogate_key(params_t, row)
                        | {"trial_id": trial_id, "param_value": p[row["param_name"]]}
                    )
                value_rows.append(
                    without_surrogate_key(values_t, template_value)
                    | {"trial_id": trial_id, "value": sum(p.values())}
                )
            conn.execute(params_t.insert(), param_rows)
            conn.execute(values_t.insert(), value_rows)
        if prefix == "parzen_":
            studies = meta.tables["parzen_studies"]
            conn.execute(studies.update().values(finish_counter=n_trials))
    engine.dispose()


@contextmanager
def storage_spec(kind: str, directory: str) -> Iterator[dict[str, str]]:
    """A fresh, empty storage of ``kind``: a file in ``directory`` or a PostgreSQL schema."""
    name = uuid.uuid4().hex[:12]
    if kind == "sqlite":
        yield {"kind": kind, "url": f"sqlite:///{os.path.join(directory, name + '.db')}"}
    elif kind == "journal":
        yield {"kind": kind, "path": os.path.join(directory, name + ".log")}
    else:
        import sqlalchemy as sa

        url = sa.make_url(PG_URL)
        schema = f"bench_{name}"
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        try:
            yield {
                "kind": kind,
                "url": url.update_query_dict(
                    {"options": f"-csearch_path={schema}"}
                ).render_as_string(hide_password=False),
            }
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def _postgresql_reachable() -> bool:
    import socket

    import sqlalchemy as sa

    parsed = sa.make_url(PG_URL)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 5432), 1):
            return True
    except OSError:
        return False


def built(lib: str, kind: str, directory: str, n_trials: int) -> Any:
    """A context manager yielding the spec of a storage holding an n_trials study of ``lib``."""

    @contextmanager
    def manager() -> Iterator[dict[str, str]]:
        with storage_spec(kind, directory) as spec:
            start = time.perf_counter()
            (build_parzen if lib == "parzen" else build_optuna)(spec, n_trials)
            print(
                f"  (built {lib}'s {n_trials}-trial study on {kind} in "
                f"{time.perf_counter() - start:.0f} s)",
                flush=True,
            )
            yield spec

    return manager()


# -- the sections of the report -------------------------------------------------------------


def _ratio(a: float, b: float | None) -> str:
    return f"{a / b:.1f}x" if b else "-"


def section_memory(args: argparse.Namespace) -> None:
    print(f"\n[memory] RandomSampler, in memory, {args.trials} trials x {N_PARAMS} floats")
    ours = run_job("random_memory", lib_name="parzen", n_trials=args.trials)
    theirs = (
        None
        if args.skip_optuna
        else run_job("random_memory", lib_name="optuna", n_trials=args.trials)
    )
    print(f"{'':10} {'parzen':>10} {'optuna':>10} {'ratio':>8}  target")
    t_rate = theirs["rate"] if theirs else None
    t_rss = theirs["rss_peak"] if theirs else None
    print(
        f"{'trials/s':10} {ours['rate']:10.0f} {t_rate or 0:10.0f} "
        f"{_ratio(ours['rate'], t_rate):>8}  >= 10x"
    )
    rss_ratio = f"{ours['rss_peak'] / t_rss:.2f}" if t_rss else "-"
    print(f"{'peak MiB':10} {ours['rss_peak']:10.0f} {t_rss or 0:10.0f} {rss_ratio:>8}  <= 0.25")
    before = f"{theirs['rss_before']:.0f}" if theirs else "-"
    print(f"  (RSS before optimize: parzen {ours['rss_before']:.0f} MiB, optuna {before} MiB)")


def section_million(args: argparse.Namespace) -> None:
    print(
        f"\n[million] parzen, RandomSampler, in memory, {args.million} trials x {N_PARAMS} floats"
    )
    ours = run_job("random_memory", lib_name="parzen", n_trials=args.million)
    verdict = "met" if ours["rss_peak"] < 2048 else "NOT met"
    print(
        f"completed in {ours['seconds']:.0f} s ({ours['rate']:.0f} trials/s); "
        f"peak RSS {ours['rss_peak']:.0f} MiB (target < 2048 MiB: {verdict})"
    )


def section_load(args: argparse.Namespace, directory: str) -> None:
    print(f"\n[load] load_study(...).trials of a {args.load_trials}-trial study, fresh process")
    rows = []
    for kind in args.backends:
        if kind == "postgresql" and not _postgresql_reachable():
            print(f"  postgresql skipped: not reachable at {PG_URL}")
            continue
        times: dict[str, float] = {}
        for lib in ("parzen",) if args.skip_optuna else ("parzen", "optuna"):
            with built(lib, kind, directory, args.load_trials) as spec:
                times[lib] = min(
                    run_job("load", lib_name=lib, spec=spec, n_trials=args.load_trials)["seconds"]
                    for _ in range(args.repeats)
                )
        rows.append((kind, times["parzen"], times.get("optuna")))
    print(f"{'backend':10} {'parzen s':>9} {'optuna s':>9} {'speed-up':>9}  target")
    for kind, ours, theirs in rows:
        print(
            f"{kind:10} {ours:9.2f} {theirs or 0:9.2f} {_ratio(theirs or 0, ours):>9}  "
            ">= 10x and < 2 s"
        )
    print(f"  (best of {args.repeats} loads each)")


def section_growth(args: argparse.Namespace, directory: str) -> None:
    print(
        f"\n[growth] optimize trials/s on a study holding {args.growth_small} vs "
        f"{args.growth_large} trials (RandomSampler, {N_PARAMS} floats, fresh process)"
    )
    print(
        f"{'backend':8} {'library':7} {'@' + str(args.growth_small):>10} "
        f"{'@' + str(args.growth_large):>10} {'small/large':>12}  target (parzen)"
    )
    for kind in [k for k in args.backends if k != "postgresql"]:
        for lib in ("parzen",) if args.skip_optuna else ("parzen", "optuna"):
            window = args.window if lib == "parzen" else args.optuna_window
            rates = []
            for size in (args.growth_small, args.growth_large):
                with built(lib, kind, directory, size) as spec:
                    rates.append(
                        max(
                            run_job("window", lib_name=lib, spec=spec, n_trials=window)["rate"]
                            for _ in range(args.repeats)
                        )
                    )
            print(
                f"{kind:8} {lib:7} {rates[0]:10.0f} {rates[1]:10.0f} "
                f"{rates[0] / rates[1]:11.2f}x  {'<= 1.5x' if lib == 'parzen' else ''}",
                flush=True,
            )
    print(
        f"  (windows of {args.window} parzen / {args.optuna_window} Optuna trials after 3 "
        f"warm-up trials, best of {args.repeats}; windows at different sizes run in turn)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--job", help=argparse.SUPPRESS)
    parser.add_argument(
        "--only",
        nargs="+",
        choices=("memory", "million", "load", "growth"),
        default=("memory", "million", "load", "growth"),
    )
    parser.add_argument("--trials", type=int, default=100_000, help="[memory] trials")
    parser.add_argument("--million", type=int, default=1_000_000, help="[million] trials")
    parser.add_argument("--load-trials", type=int, default=100_000, help="[load] trials")
    parser.add_argument("--growth-small", type=int, default=1_000)
    parser.add_argument("--growth-large", type=int, default=50_000)
    parser.add_argument("--window", type=int, default=500, help="[growth] parzen trials timed")
    parser.add_argument("--optuna-window", type=int, default=100, help="[growth] Optuna's")
    parser.add_argument(
        "--backends",
        nargs="+",
        choices=("sqlite", "postgresql", "journal"),
        default=("sqlite", "postgresql", "journal"),
    )
    parser.add_argument("--repeats", type=int, default=1, help="[load, growth] best of")
    parser.add_argument("--skip-optuna", action="store_true")
    parser.add_argument("--dir", default=None, help="where database and journal files go")
    args = parser.parse_args()

    if args.job:
        job = json.loads(args.job)
        print(json.dumps(JOBS[job["name"]](**job["kwargs"])))
        return 0

    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="bench-scale-") as directory:
        for section in args.only:
            if section == "memory":
                section_memory(args)
            elif section == "million":
                section_million(args)
            elif section == "load":
                section_load(args, directory)
            else:
                section_growth(args, directory)
    print(f"\nload average at end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
