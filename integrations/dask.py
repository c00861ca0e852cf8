"""Run a study's trials on a ``dask.distributed`` cluster (``pip install "parzen[dask]"``).

Two ways to share the study with the workers:

- :class:`DaskStorage`: the storage lives on the Dask scheduler, so workers share an
  in-memory study without a database. Data crosses the wire as JSON text.
- A storage every worker reaches by itself: a database URL (PostgreSQL, MySQL) or a
  ``JournalStorage`` on a shared disk or Redis, with heartbeats on.

Then :func:`optimize_on_dask` runs the trials, one Dask task each.

Examples:
    >>> import parzen
    >>> from distributed import Client, LocalCluster
    >>> from parzen.integrations.dask import DaskStorage, optimize_on_dask
    >>> with LocalCluster(n_workers=2, processes=False, dashboard_address=None) as cluster:
    ...     with Client(cluster) as client:
    ...         storage = DaskStorage(client=client, heartbeat_interval=10)
    ...         study = parzen.create_study(storage=storage)
    ...         optimize_on_dask(study, lambda t: t.suggest_float("x", -1, 1) ** 2, 20)
    ...         len(study.trials)
    20
"""

from __future__ import annotations

from parzen.integrations._dask._optimize import optimize_on_dask
from parzen.integrations._dask._storage import DaskStorage

__all__ = ["DaskStorage", "optimize_on_dask"]
