"""Reading the studies of an Optuna relational storage (SQLite, PostgreSQL, MySQL/MariaDB).

Optuna's tables are read with our own SQL (SQLAlchemy Core), never through Optuna, which need
not be installed. Every query is a SELECT; SQLite files are opened read-only, and server
sessions are made read-only, so the source cannot change. One query per table and study keeps
a study of 10,000 trials to a handful of round trips.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from parzen._records.direction import StudyDirection
from parzen.storages._optuna_import._detect import is_optuna_schema, sqlite_read_only_uri
from parzen.storages._optuna_import._source import DistributionDecoder, SourceStudy, local_naive
from parzen.trial import FrozenTrial, TrialState

_SPECIAL_VALUES = {"INF_POS": math.inf, "INF_NEG": -math.inf, "NAN": math.nan}

# The columns this reader needs, by table: what Optuna 3.0 and later write.
_REQUIRED = {
    "studies": ("study_id", "study_name"),
    "study_directions": ("study_id", "objective", "direction"),
    "study_user_attributes": ("study_id", "key", "value_json"),
    "study_system_attributes": ("study_id", "key", "value_json"),
    "trials": ("trial_id", "number", "study_id", "state", "datetime_start", "datetime_complete"),
    "trial_values": ("trial_id", "objective", "value", "value_type"),
    "trial_params": ("param_id", "trial_id", "param_name", "param_value", "distribution_json"),
    "trial_intermediate_values": (
        "trial_id",
        "step",
        "intermediate_value",
        "intermediate_value_type",
    ),
    "trial_user_attributes": ("trial_id", "key", "value_json"),
    "trial_system_attributes": ("trial_id", "key", "value_json"),
}
_HEARTBEATS = "trial_heartbeats"


def _table(name: str) -> sa.TableClause:
    columns = _REQUIRED.get(name, ("trial_id", "heartbeat"))
    return sa.table(name, *(sa.column(c) for c in columns))


def open_engine(url: str) -> Engine:
    """An engine that can only read: SQLite opened read-only, server sessions read-only."""
    parsed = sa.engine.make_url(url)
    backend = parsed.get_backend_name()
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif parsed.drivername in ("mysql", "mariadb"):
        parsed = parsed.set(drivername="mysql+pymysql")
    if backend == "sqlite":
        path = parsed.database or ""
        if not path or path == ":memory:" or not os.path.isfile(path):
            raise ValueError(
                f"No SQLite database at {path!r} (from {url!r}): pass the URL of an existing "
                "Optuna database, e.g. sqlite:///optuna.db."
            )
        # Read-only: SQLite itself refuses every write, journal recovery included.
        uri = sqlite_read_only_uri(path)
        return sa.create_engine("sqlite://", creator=lambda: _sqlite_ro(uri))
    # Every session starts read-only: the server refuses any write.
    connect_args: dict[str, Any] = {"connect_timeout": 10}
    if backend == "postgresql":
        options = parsed.query.get("options", "")
        if not isinstance(options, str):
            options = " ".join(options)
        connect_args["options"] = f"{options} -c default_transaction_read_only=on".strip()
    else:
        connect_args["init_command"] = "SET SESSION TRANSACTION READ ONLY"
    return sa.create_engine(parsed, connect_args=connect_args)


def _sqlite_ro(uri: str) -> Any:
    import sqlite3

    return sqlite3.connect(uri, uri=True, check_same_thread=False)


def check_schema(conn: Connection, url: str) -> None:
    """Raise ValueError unless the database holds an Optuna schema this reader knows."""
    inspector = sa.inspect(conn)
    names = set(inspector.get_table_names())
    if not is_optuna_schema(names):
        parzen_hint = (
            " It is a parzen database already; open it directly."
            if "parzen_studies" in names
            else ""
        )
        raise ValueError(
            f"The database {url} does not hold Optuna's tables (found "
            f"{sorted(names) or 'no tables'}).{parzen_hint} Pass the URL of a database "
            "that Optuna wrote."
        )
    for table, columns in _REQUIRED.items():
        have = {c["name"] for c in inspector.get_columns(table)} if table in names else set()
        missing = [c for c in columns if c not in have]
        if missing:
            raise ValueError(
                f"The Optuna database {url} has an older schema than this import reads (table "
                f"{table!r} lacks {missing}). Upgrade it with Optuna first (back it up, then "
                f"`optuna storage upgrade --storage URL` with Optuna 3.0 or later), and import "
                "again."
            )


def read_studies(
    conn: Connection, names: set[str] | None
) -> Iterator[tuple[str, SourceStudy | None]]:
    """Yield ``(name, study)`` for each study in id order (``None``: not asked for)."""
    studies = _table("studies")
    rows = conn.execute(
        sa.select(studies.c.study_id, studies.c.study_name).order_by(studies.c.study_id)
    ).all()
    has_heartbeats = sa.inspect(conn).has_table(_HEARTBEATS)
    decode = DistributionDecoder()
    for study_id, name in rows:
        if names is not None and name not in names:
            yield name, None
            continue
        yield name, _read_study(conn, int(study_id), name, decode, has_heartbeats)


def _read_study(
    conn: Connection,
    study_id: int,
    name: str,
    decode: DistributionDecoder,
    has_heartbeats: bool,
) -> SourceStudy:
    d = _table("study_directions")
    directions = [
        StudyDirection[r.direction]
        for r in conn.execute(
            sa.select(d.c.direction).where(d.c.study_id == study_id).order_by(d.c.objective)
        )
    ]
    user_attrs = _attrs(conn, _table("study_user_attributes"), study_id)
    system_attrs = _attrs(conn, _table("study_system_attributes"), study_id)

    t = _table("trials")
    trial_rows = conn.execute(
        sa.select(t.c.trial_id, t.c.number, t.c.state, t.c.datetime_start, t.c.datetime_complete)
        .where(t.c.study_id == study_id)
        .order_by(t.c.number, t.c.trial_id)
    ).all()

    def children(table: sa.TableClause, *columns: str, order: str | None = None) -> Any:
        query = (
            sa.select(*(table.c[c] for c in columns))
            .select_from(table.join(t, t.c.trial_id == table.c.trial_id))
            .where(t.c.study_id == study_id)
        )
        if order is not None:
            query = query.order_by(table.c[order])
        return conn.execute(query)

    values: dict[int, dict[int, float]] = {}
    for trial_id, objective, value, kind in children(
        _table("trial_values"), "trial_id", "objective", "value", "value_type"
    ):
        values.setdefault(trial_id, {})[objective] = _float(value, kind)
    params: dict[int, list[tuple[str, float, str]]] = {}
    for trial_id, param_name, value, dist_json in children(
        _table("trial_params"),
        "trial_id",
        "param_name",
        "param_value",
        "distribution_json",
        order="param_id",
    ):
        params.setdefault(trial_id, []).append((param_name, value, dist_json))
    intermediate: dict[int, dict[int, float]] = {}
    for trial_id, step, value, kind in children(
        _table("trial_intermediate_values"),
        "trial_id",
        "step",
        "intermediate_value",
        "intermediate_value_type",
    ):
        intermediate.setdefault(trial_id, {})[int(step)] = _float(value, kind)
    trial_user = _trial_attrs(
        children(_table("trial_user_attributes"), "trial_id", "key", "value_json")
    )
    trial_system = _trial_attrs(
        children(_table("trial_system_attributes"), "trial_id", "key", "value_json")
    )
    beats = _heartbeats(conn, study_id) if has_heartbeats else {}

    trials = []
    heartbeats: dict[int, float] = {}
    for trial_id, number, state, start, complete in trial_rows:
        distributions = {}
        trial_params = {}
        for param_name, value, dist_json in params.get(trial_id, ()):
            dist = decode(dist_json)
            distributions[param_name] = dist
            trial_params[param_name] = dist.to_external_repr(float(value))
        by_objective = values.get(trial_id)
        trials.append(
            FrozenTrial(
                number=int(number),
                state=TrialState[state],
                value=None,
                values=[by_objective[i] for i in sorted(by_objective)] if by_objective else None,
                datetime_start=local_naive(start),
                datetime_complete=local_naive(complete),
                params=trial_params,
                distributions=distributions,
                user_attrs=trial_user.get(trial_id, {}),
                system_attrs=trial_system.get(trial_id, {}),
                intermediate_values=intermediate.get(trial_id, {}),
                trial_id=int(trial_id),
            )
        )
        if trial_id in beats:
            heartbeats[int(number)] = beats[trial_id]
    return SourceStudy(name, directions, user_attrs, system_attrs, trials, heartbeats)


def _float(value: float | None, kind: str) -> float:
    special = _SPECIAL_VALUES.get(kind)
    if special is not None:
        return special
    if value is None:  # FINITE with no value: what Optuna reads as NaN
        return math.nan
    return float(value)


def _attrs(conn: Connection, table: sa.TableClause, study_id: int) -> dict[str, Any]:
    import json

    query = sa.select(table.c.key, table.c.value_json).where(table.c.study_id == study_id)
    return {key: json.loads(value) for key, value in conn.execute(query)}


def _trial_attrs(rows: Any) -> dict[int, dict[str, Any]]:
    import json

    attrs: dict[int, dict[str, Any]] = {}
    for trial_id, key, value in rows:
        attrs.setdefault(trial_id, {})[key] = json.loads(value)
    return attrs


def _heartbeats(conn: Connection, study_id: int) -> dict[int, float]:
    """Each trial's last heartbeat as UTC seconds since the epoch.

    Optuna writes heartbeats with the server's CURRENT_TIMESTAMP: UTC on SQLite, the session's
    time zone on PostgreSQL and MySQL; the server converts them here.
    """
    dialect = conn.dialect.name
    if dialect == "sqlite":
        epoch = "(julianday(h.heartbeat) - 2440587.5) * 86400.0"
    elif dialect == "postgresql":
        epoch = "EXTRACT(EPOCH FROM h.heartbeat AT TIME ZONE current_setting('TimeZone'))"
    else:
        epoch = "UNIX_TIMESTAMP(h.heartbeat)"
    query = sa.text(
        f"SELECT h.trial_id, {epoch} FROM trial_heartbeats h "
        "JOIN trials t ON t.trial_id = h.trial_id WHERE t.study_id = :study_id"
    )
    return {int(r[0]): float(r[1]) for r in conn.execute(query, {"study_id": study_id})}
