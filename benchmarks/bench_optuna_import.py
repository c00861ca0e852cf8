"""Importing an Optuna storage into parzen, against Optuna's own copy_study.

Optuna writes a journal file holding a study of ``--trials`` trials (default 10,000; five
floats, one categorical, five intermediate values and a user attribute each) and a small study
of ``--sqlite-trials`` trials, which ``optuna.copy_study`` then copies into an Optuna SQLite
file: the peer, doing an import's work (read an Optuna storage, write every trial into an
SQLite storage); Optuna writes only ~15 trials/s there, hence the small study. parzen imports
the large study from the journal into a parzen SQLite file and a parzen journal, and the small
one from Optuna's SQLite file, with ``parzen.storages.import_optuna_storage``. Each import's
trials/s is printed with its ratio to copy_study's, and the large imports are checked against
the target: an Optuna file of 10,000 trials imports in under a minute.

Usage:
    python benchmarks/bench_optuna_import.py [--trials 10000] [--sqlite-trials 1000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import tempfile
import time
import warnings
from typing import Any

TARGET_SECONDS = 60.0


def _optuna_trials(n: int) -> list[Any]:
    import optuna
    from optuna.distributions import CategoricalDistribution, FloatDistribution

    distributions: dict[str, Any] = {f"x{i}": FloatDistribution(-1.0, 1.0) for i in range(5)}
    distributions["c"] = CategoricalDistribution(["a", "b", "c"])
    trials = []
    for number in range(n):
        params: dict[str, Any] = {f"x{i}": math.sin(number + i) for i in range(5)}
        params["c"] = "abc"[number % 3]
        trials.append(
            optuna.trial.create_trial(
                params=params,
                distributions=distributions,
                value=sum(params[f"x{i}"] for i in range(5)),
                intermediate_values={step: float(step * number) for step in range(5)},
                user_attrs={"fold": number % 5},
            )
        )
    return trials


def _timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000, help="trials of the journal")
    parser.add_argument(
        "--sqlite-trials",
        type=int,
        default=1_000,
        help="trials Optuna copies into its SQLite file (Optuna writes ~15 trials/s there)",
    )
    parser.add_argument("--dir", default=None, help="where to write (default: a temp dir)")
    args = parser.parse_args()

    import optuna

    from parzen.storages import RDBStorage, import_optuna_storage

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.simplefilter("ignore")
    directory = tempfile.mkdtemp(dir=args.dir, prefix="bench_optuna_import_")
    try:
        journal = os.path.join(directory, "optuna.log")
        optuna_db = f"sqlite:///{os.path.join(directory, 'optuna.db')}"
        source = optuna.storages.JournalStorage(
            optuna.storages.journal.JournalFileBackend(journal)
        )
        for name, n in (("bench", args.trials), ("small", args.sqlite_trials)):
            study = optuna.create_study(storage=source, study_name=name)
            built = _timed(lambda: study.add_trials(_optuna_trials(n)))  # noqa: B023
            print(f"Optuna wrote study {name!r} of {n} trials to its journal in {built:.1f} s.")
        peer = _timed(
            lambda: optuna.copy_study(
                from_study_name="small", from_storage=source, to_storage=optuna_db
            )
        )
        peer_rate = args.sqlite_trials / peer
        print(
            f"optuna.copy_study of {args.sqlite_trials} trials, Optuna journal -> Optuna "
            f"SQLite: {peer:.1f} s ({peer_rate:.0f} trials/s)"
        )

        rows = []
        for label, src, study_name, n, dst in (
            ("Optuna journal -> parzen SQLite", journal, "bench", args.trials, "a.db"),
            ("Optuna journal -> parzen journal", journal, "bench", args.trials, "b.log"),
            ("Optuna SQLite  -> parzen SQLite", optuna_db, "small", args.sqlite_trials, "c.db"),
        ):
            target = os.path.join(directory, dst)
            destination = f"sqlite:///{target}" if dst.endswith(".db") else target
            seconds = _timed(
                lambda: import_optuna_storage(src, destination, [study_name])  # noqa: B023
            )
            if dst.endswith(".db"):
                storage = RDBStorage(destination)
                count = storage.get_n_trials(storage.get_study_id_from_name(study_name))
                assert count == n, count
            rows.append((label, n, seconds))

        print()
        print(f"{'import':34} {'trials':>7} {'seconds':>8} {'trials/s':>9} {'vs copy_study':>14}")
        for label, n, seconds in rows:
            print(
                f"{label:34} {n:7} {seconds:8.1f} {n / seconds:9.0f} "
                f"{n / seconds / peer_rate:13.1f}x"
            )
        journal_worst = max(seconds for _, n, seconds in rows if n == args.trials)
        verdict = "met" if journal_worst < TARGET_SECONDS and args.trials >= 10_000 else "-"
        print(
            f"\nTarget (an Optuna file of 10,000 trials imports in under "
            f"{TARGET_SECONDS:.0f} s): {verdict} (slowest import of the {args.trials}-trial "
            f"journal: {journal_worst:.1f} s)."
        )
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
