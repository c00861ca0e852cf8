"""The live web dashboard: a read-only page that follows a storage's studies as they run.

``parzen dashboard sqlite:///example.db`` (or :func:`run_server` from Python) serves, on
http://127.0.0.1:8080/, the study list and a page per study with its optimization history,
learning curves, parallel coordinates, slice plots, parameter importances, the Pareto front
of multi-objective studies and a sortable, filterable trial table. New and finished trials
appear within a few seconds, without reloading. Charts need plotly
(``pip install "parzen[plotly]"``), whose bundled plotly.js the server serves itself: the
page works offline and loads nothing from elsewhere.

The server uses only the standard library. It reads each study incrementally (only the trials
that finished since its last read, plus the running ones) and does the heavy work (sorting,
filtering, reducing 10,000 trials to what a chart can show) itself.

Examples:
    >>> import parzen
    >>> from parzen.dashboard import start_server
    >>> storage = parzen.storages.InMemoryStorage()
    >>> study = parzen.create_study(storage=storage, study_name="demo")
    >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=5)
    >>> with start_server(storage) as server:  # serves in a background thread
    ...     server.url.startswith("http://127.0.0.1:")
    True
"""

from __future__ import annotations

from parzen.dashboard._cli import main
from parzen.dashboard._server import DashboardServer, run_server, start_server

__all__ = ["DashboardServer", "main", "run_server", "start_server"]
