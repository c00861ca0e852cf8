"""Watch studies run in the live dashboard.

Starts two studies that write to a journal file (or an SQLite database with ``--sqlite``):
a single-objective one whose trials report learning curves and get pruned, and a
two-objective one; then serves the dashboard on them while they run. Open the printed address
in a browser and watch new trials appear. Stop with Ctrl-C.

    python examples/dashboard_demo.py                 # journal file in a temporary directory
    python examples/dashboard_demo.py --sqlite        # SQLite database instead
    python examples/dashboard_demo.py --seconds 20    # stop by itself after 20 s

The same dashboard serves any storage from a shell: ``parzen dashboard sqlite:///example.db``.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import threading
import time
from typing import Any

import parzen
from parzen.dashboard import start_server
from parzen.storages import BaseStorage
from parzen.storages.journal import JournalFileBackend, JournalStorage


def training_objective(trial: parzen.Trial) -> float:
    """A pretend training run: a learning curve per trial, reported epoch by epoch."""
    lr = trial.suggest_float("learning_rate", 1e-4, 1e-1, log=True)
    layers = trial.suggest_int("n_layers", 1, 6)
    optimizer = trial.suggest_categorical("optimizer", ["adam", "sgd", "rmsprop"])
    dropout = trial.suggest_float("dropout", 0.0, 0.5)
    floor = 0.05 + abs(math.log10(lr) + 2.3) * 0.08 + abs(layers - 3) * 0.02 + dropout * 0.1
    floor += {"adam": 0.0, "sgd": 0.08, "rmsprop": 0.03}[optimizer]
    loss = 1.0
    for epoch in range(20):
        loss = floor + (1.0 - floor) * math.exp(-0.25 * (epoch + 1))
        trial.report(loss, epoch)
        time.sleep(0.02)
        if trial.should_prune():
            raise parzen.TrialPruned()
    trial.set_user_attr("epochs", 20)
    trial.set_user_attr("note", "converged" if loss < 0.2 else "slow")
    return loss


def two_objectives(trial: parzen.Trial) -> tuple[float, float]:
    """Accuracy against latency: a trade-off with a Pareto front."""
    width = trial.suggest_int("width", 8, 512, log=True)
    depth = trial.suggest_int("depth", 1, 12)
    time.sleep(0.05)
    accuracy = 1.0 - 0.5 / math.sqrt(width * depth) - 0.01 * (depth > 8)
    latency = 0.01 * width * depth / 64 + 0.002 * depth
    return accuracy, latency


def open_storage(directory: str, sqlite: bool) -> tuple[BaseStorage, str]:
    if sqlite:
        path = os.path.join(directory, "dashboard_demo.db")
        return parzen.storages.get_storage(f"sqlite:///{path}"), f"sqlite:///{path}"
    path = os.path.join(directory, "dashboard_demo.log")
    return JournalStorage(JournalFileBackend(path)), path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="use SQLite instead of a journal")
    parser.add_argument("--port", type=int, default=8080, help="dashboard port (default 8080)")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this long")
    parser.add_argument("--dir", default=None, help="where to write the storage (default: tmp)")
    args = parser.parse_args()
    parzen.logging.set_verbosity(parzen.logging.WARNING)

    directory = args.dir or tempfile.mkdtemp(prefix="parzen-dashboard-")
    os.makedirs(directory, exist_ok=True)
    storage, where = open_storage(directory, args.sqlite)
    training = parzen.create_study(
        storage=storage,
        study_name="training",
        pruner=parzen.pruners.MedianPruner(n_warmup_steps=5),
        load_if_exists=True,
    )
    tradeoff = parzen.create_study(
        storage=storage,
        study_name="accuracy-vs-latency",
        directions=["maximize", "minimize"],
        load_if_exists=True,
    )
    tradeoff.set_metric_names(["accuracy", "latency"])

    stop = threading.Event()
    deadline = None if args.seconds is None else time.monotonic() + args.seconds

    def keep_running(study: parzen.Study, objective: Any) -> None:
        def callback(study: parzen.Study, trial: object) -> None:
            if stop.is_set():
                study.stop()

        study.optimize(objective, n_jobs=2, callbacks=[callback])

    workers = [
        threading.Thread(target=keep_running, args=(training, training_objective), daemon=True),
        threading.Thread(target=keep_running, args=(tradeoff, two_objectives), daemon=True),
    ]
    for worker in workers:
        worker.start()

    server = start_server(storage, port=args.port)
    print(f"Studies are written to {where}")
    print(f"Dashboard: {server.url}  (Ctrl-C to stop)")
    try:
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=10)
        server.stop()
    print(f"{len(training.trials)} + {len(tradeoff.trials)} trials ran.")


if __name__ == "__main__":
    main()
