"""The SQL statements of the relational storage, built with SQLAlchemy Core.

Every statement that the storage runs more than once per trial is built here, once, and
compiled per database by ``RDBStorage._stmt`` into a :class:`~._engine.Prepared` statement that
runs as driver SQL. The bind parameters below (``study_id``, ``trial_id``, ``cursor``) are shared
by the statements that take them. Nothing here talks to the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from parzen.storages._rdb import models
from parzen.trial import TrialState

if TYPE_CHECKING:
    from parzen.storages._rdb._engine import Database

RUNNING = int(TrialState.RUNNING)
WAITING = int(TrialState.WAITING)
UNFINISHED = (RUNNING, WAITING)

# Row kinds of the one-statement trial query (see trials_query).
K_TRIAL, K_VALUE, K_PARAM, K_INTERMEDIATE, K_ATTR, K_STUDY = range(6)

_t = models.trials
_studies = models.studies

STUDY_ID = sa.bindparam("study_id", type_=sa.Integer)
TRIAL_ID = sa.bindparam("trial_id", type_=sa.Integer)
CURSOR = sa.bindparam("cursor", type_=sa.BigInteger)


def trials_query(
    conditions: Sequence[sa.ColumnElement[bool]], with_study: bool, *, typed_nulls: bool
) -> sa.CompoundSelect:
    """One UNION ALL statement returning trial rows and all their child rows.

    Columns: trial_id, kind, name, n1, n2, n3, f, text, dt1, dt2 — see _load for their use.
    PostgreSQL types a UNION pairwise from the left, so there (``typed_nulls``) the first
    branch's NULL columns carry the types of the columns below them.
    """
    null = sa.null()
    null_name: sa.ColumnElement[Any] = null
    null_f: sa.ColumnElement[Any] = null
    null_text: sa.ColumnElement[Any] = null
    if typed_nulls:
        null_name = sa.cast(null, sa.String(models.MAX_NAME_LENGTH))
        null_f = sa.cast(null, sa.Double)
        null_text = sa.cast(null, sa.Text)
    v = models.trial_values
    p = models.trial_params
    i = models.trial_intermediate_values
    a = models.trial_attrs

    def kind(k: int) -> sa.ColumnElement[int]:
        return sa.literal_column(str(k), sa.Integer)

    selects = []
    for cond in conditions:
        selects.append(
            sa.select(
                _t.c.trial_id.label("trial_id"),
                kind(K_TRIAL).label("kind"),
                null_name.label("name"),
                _t.c.number.label("n1"),
                _t.c.state.label("n2"),
                _t.c.finish_seq.label("n3"),
                null_f.label("f"),
                null_text.label("text"),
                _t.c.datetime_start.label("dt1"),
                _t.c.datetime_complete.label("dt2"),
            ).where(cond)
        )
    for cond in conditions:
        selects.append(
            sa.select(
                v.c.trial_id,
                kind(K_VALUE),
                null,
                v.c.objective,
                v.c.value_kind,
                null,
                v.c.value,
                null,
                null,
                null,
            )
            .select_from(v.join(_t, _t.c.trial_id == v.c.trial_id))
            .where(cond)
        )
        selects.append(
            sa.select(
                p.c.trial_id,
                kind(K_PARAM),
                p.c.param_name,
                p.c.position,
                p.c.value_kind,
                null,
                p.c.param_value,
                p.c.distribution_json,
                null,
                null,
            )
            .select_from(p.join(_t, _t.c.trial_id == p.c.trial_id))
            .where(cond)
        )
        selects.append(
            sa.select(
                i.c.trial_id,
                kind(K_INTERMEDIATE),
                null,
                i.c.step,
                i.c.value_kind,
                null,
                i.c.value,
                null,
                null,
                null,
            )
            .select_from(i.join(_t, _t.c.trial_id == i.c.trial_id))
            .where(cond)
        )
        selects.append(
            sa.select(
                a.c.trial_id,
                kind(K_ATTR),
                a.c.attr_key,
                null,
                a.c.kind,
                null,
                null,
                a.c.value_json,
                null,
                null,
            )
            .select_from(a.join(_t, _t.c.trial_id == a.c.trial_id))
            .where(cond)
        )
    if with_study:
        selects.append(
            sa.select(
                _studies.c.study_id,
                kind(K_STUDY),
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
            ).where(_studies.c.study_id == STUDY_ID)
        )
    return sa.union_all(*selects)


# -- prepared statements ----------------------------------------------------------------------


def _literal_states(states: Sequence[int]) -> list[sa.ColumnElement[int]]:
    return [sa.literal_column(str(s), sa.SmallInteger) for s in states]


def _trial_row_params() -> list[sa.ColumnElement[Any]]:
    return [
        sa.bindparam("state", type_=sa.SmallInteger),
        sa.bindparam("start", type_=models.DateTime),
        sa.bindparam("complete", type_=models.DateTime),
        sa.bindparam("seq", type_=sa.BigInteger),
    ]


_TRIAL_ROW_COLUMNS = ["state", "datetime_start", "datetime_complete", "finish_seq"]


def insert_next_trial(returning: bool) -> sa.Insert:
    """Insert a trial numbered one past the study's last, in one statement."""
    inner = sa.select(
        STUDY_ID,
        sa.func.coalesce(sa.func.max(_t.c.number), -1) + 1,
        *_trial_row_params(),
    ).where(_t.c.study_id == STUDY_ID)
    insert = sa.insert(_t).from_select(["study_id", "number", *_TRIAL_ROW_COLUMNS], inner)
    return insert.returning(_t.c.trial_id, _t.c.number) if returning else insert


def next_number_locked() -> sa.Select[Any]:
    """The study's next trial number, locking the study row (MySQL/MariaDB)."""
    next_number = (
        sa.select(sa.func.coalesce(sa.func.max(_t.c.number), -1) + 1)
        .where(_t.c.study_id == STUDY_ID)
        .scalar_subquery()
    )
    return (
        sa.select(next_number)
        .select_from(_studies)
        .where(_studies.c.study_id == STUDY_ID)
        .with_for_update()
    )


def insert_trial() -> sa.Insert:
    values = dict(zip(_TRIAL_ROW_COLUMNS, _trial_row_params()))
    return sa.insert(_t).values(
        study_id=STUDY_ID, number=sa.bindparam("number", type_=sa.Integer), **values
    )


def insert_child(table: sa.Table) -> sa.Insert:
    """Insert a row of ``table`` only if its trial is unfinished, in one statement.

    The trial row is share-locked, so a concurrent finish waits for this insert or makes it
    insert nothing: a finished trial never gains a row afterwards.
    """
    columns = [c.name for c in table.columns if c.name not in ("trial_id", "position")]
    selected: list[sa.ColumnElement[Any]] = [
        _t.c.trial_id,
        *(sa.bindparam(c, type_=table.c[c].type) for c in columns),
    ]
    if "position" in table.c:
        # Parameters keep the order they were suggested in.
        selected.append(
            sa.select(sa.func.count()).where(table.c.trial_id == TRIAL_ID).scalar_subquery()
        )
        columns.append("position")
    guard = (
        sa.select(*selected)
        .where(_t.c.trial_id == TRIAL_ID, _t.c.state.in_(_literal_states(UNFINISHED)))
        .with_for_update(read=True)
    )
    return sa.insert(table).from_select(["trial_id", *columns], guard)


def bump_counter(returning: bool) -> sa.Update:
    update = (
        sa.update(_studies)
        .where(_studies.c.study_id == STUDY_ID)
        .values(finish_counter=_studies.c.finish_counter + 1)
    )
    return update.returning(_studies.c.finish_counter) if returning else update


def read_counter() -> sa.Select[Any]:
    return sa.select(_studies.c.finish_counter).where(_studies.c.study_id == STUDY_ID)


def set_state(finished: bool) -> sa.Update:
    changes: dict[str, Any] = {"state": sa.bindparam("state", type_=sa.SmallInteger)}
    if finished:
        changes["finish_seq"] = sa.bindparam("seq", type_=sa.BigInteger)
        changes["datetime_complete"] = sa.bindparam("complete", type_=models.DateTime)
    return (
        sa.update(_t)
        .where(_t.c.trial_id == TRIAL_ID, _t.c.state.in_(_literal_states(UNFINISHED)))
        .values(**changes)
    )


def start_waiting() -> sa.Update:
    return (
        sa.update(_t)
        .where(_t.c.trial_id == TRIAL_ID, _t.c.state == sa.literal_column(str(WAITING)))
        .values(
            state=sa.literal_column(str(RUNNING)),
            datetime_start=sa.bindparam("start", type_=models.DateTime),
        )
    )


def insert_values() -> sa.Insert:
    v = models.trial_values
    return sa.insert(v).values(
        trial_id=TRIAL_ID,
        objective=sa.bindparam("objective", type_=sa.Integer),
        value=sa.bindparam("value", type_=models.Double),
        value_kind=sa.bindparam("value_kind", type_=sa.SmallInteger),
    )


def trial_number() -> sa.Select[Any]:
    return sa.select(_t.c.number).where(_t.c.trial_id == TRIAL_ID)


def insert_rows(table: sa.Table) -> sa.Insert:
    return sa.insert(table).values(
        {c.name: sa.bindparam(c.name, type_=c.type) for c in table.columns}
    )


def delete_values() -> sa.Delete:
    return sa.delete(models.trial_values).where(models.trial_values.c.trial_id == TRIAL_ID)


# -- statements that differ between databases -------------------------------------------------


def upsert(db: Database, table: sa.Table, row: dict[str, Any], update: list[str]) -> Any:
    """Insert ``row`` into ``table``, or set the ``update`` columns of the row it collides with."""
    if db.is_mysql:
        from sqlalchemy.dialects.mysql import insert as mysql_insert

        stmt = mysql_insert(table).values(**row)
        return stmt.on_duplicate_key_update({c: stmt.inserted[c] for c in update})
    if db.is_sqlite:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        lite = sqlite_insert(table).values(**row)
        return lite.on_conflict_do_update(
            index_elements=list(table.primary_key.columns),
            set_={c: lite.excluded[c] for c in update},
        )
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    pg = pg_insert(table).values(**row)
    return pg.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={c: pg.excluded[c] for c in update},
    )


def db_now(db: Database, offset_seconds: float = 0.0) -> sa.ColumnElement[Any]:
    """The database server's current UTC time, shifted by ``offset_seconds``."""
    if db.is_sqlite:
        # The same text format for writing and comparing keeps the comparison exact.
        return sa.func.strftime(
            "%Y-%m-%d %H:%M:%f",
            "now",
            f"{offset_seconds:+.3f} seconds",
            type_=models.DateTime,
        )
    if db.is_mysql:
        return sa.literal_column(
            f"TIMESTAMPADD(MICROSECOND, {int(offset_seconds * 1e6)}, UTC_TIMESTAMP(6))",
            models.DateTime,
        )
    return sa.literal_column(
        f"(now() AT TIME ZONE 'UTC') + make_interval(secs => {offset_seconds!r})",
        models.DateTime,
    )


def heartbeat(db: Database, *, replace: bool) -> Any:
    """Set a trial's heartbeat to the database's now (``replace``: the row may exist)."""
    row = {"trial_id": sa.bindparam("trial_id", type_=sa.Integer), "heartbeat": db_now(db)}
    if replace:
        return upsert(db, models.trial_heartbeats, row, ["heartbeat"])
    return sa.insert(models.trial_heartbeats).values(**row)


# -- the column-wise read of many trials ------------------------------------------------------


def bulk_study() -> sa.Select[Any]:
    """The study's row, if it exists (the bulk read's first statement)."""
    return sa.select(_studies.c.finish_counter).where(_studies.c.study_id == STUDY_ID)


BULK_TABLES = ("trials", "params", "values", "intermediate_values", "attrs")
"""The tables of the bulk read, in the order it reads them (trials first)."""


def bulk_query(table: str, *, finished_only: bool = False) -> sa.Select[Any]:
    """One query of ``table``'s rows for the trials of a study, without ORM objects.

    ``table`` is one of :data:`BULK_TABLES`; the columns come in this order:

    * trials: trial_id, number, state, finish_seq, datetime_start, datetime_complete;
    * params: trial_id, position, param_name, param_value, value_kind, distribution_json;
    * values: trial_id, objective, value, value_kind;
    * intermediate_values: trial_id, step, value, value_kind;
    * attrs: trial_id, kind, attr_key, value_json.

    See ``_rows.trials_from_tables``. ``finished_only``: only the study's finished trials.
    """
    condition = _t.c.study_id == STUDY_ID
    if finished_only:
        condition = sa.and_(condition, _t.c.finish_seq.is_not(None))
    if table == "trials":
        return sa.select(
            _t.c.trial_id,
            _t.c.number,
            _t.c.state,
            _t.c.finish_seq,
            _t.c.datetime_start,
            _t.c.datetime_complete,
        ).where(condition)
    p = models.trial_params
    v = models.trial_values
    i = models.trial_intermediate_values
    a = models.trial_attrs
    child, columns = {
        "params": (
            p,
            [p.c.position, p.c.param_name, p.c.param_value, p.c.value_kind, p.c.distribution_json],
        ),
        "values": (v, [v.c.objective, v.c.value, v.c.value_kind]),
        "intermediate_values": (i, [i.c.step, i.c.value, i.c.value_kind]),
        "attrs": (a, [a.c.kind, a.c.attr_key, a.c.value_json]),
    }[table]
    return (
        sa.select(child.c.trial_id, *columns)
        .select_from(child.join(_t, _t.c.trial_id == child.c.trial_id))
        .where(condition)
    )
