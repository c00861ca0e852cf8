"""The tables of the relational storage, as SQLAlchemy Core tables.

These definitions are what the storage queries at run time. The schema itself is created and
changed only by the Alembic migrations in ``migrations/versions``; a test checks that the two
agree. Every table name starts with ``parzen_`` so that a database shared with other programs
(Optuna's tables included) is never confused with ours.

On SQLite the tables keyed by (parent id, name) are ``WITHOUT ROWID``: one B-tree per table
instead of two, which halves the pages each small write touches.

Floats are stored exactly: ``DOUBLE``/``DOUBLE PRECISION``/``REAL`` columns hold every finite
double bit for bit on SQLite, PostgreSQL and MySQL/MariaDB (MySQL's ``FLOAT`` would round to
single precision, so it is never used), and the values that no SQL double can hold
(``inf``, ``-inf``, ``nan``, and ``-0.0``, whose sign SQLite and MySQL drop) are written as
NULL plus a ``*_kind`` code. Attributes are JSON text; nothing is pickled.
"""

from __future__ import annotations

import datetime
import math

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

SCHEMA_VERSION = "v1"
"""The Alembic revision this version of parzen reads and writes."""

VERSION_TABLE = "parzen_alembic_version"

MAX_NAME_LENGTH = 512
"""Longest study name, parameter name and attribute key (characters)."""

# Float kinds, stored next to every float column.
FINITE = 0
POS_INF = 1
NEG_INF = 2
NAN = 3
NEG_ZERO = 4

# Attribute kinds.
USER_ATTR = 0
SYSTEM_ATTR = 1

metadata = sa.MetaData()

Double: sa.types.TypeEngine[float] = sa.Double().with_variant(
    mysql.DOUBLE(asdecimal=False), "mysql", "mariadb"
)
# MySQL's DATETIME keeps whole seconds unless asked for microseconds.
DateTime: sa.types.TypeEngine[datetime.datetime] = sa.DateTime().with_variant(
    mysql.DATETIME(fsp=6), "mysql", "mariadb"
)

studies = sa.Table(
    "parzen_studies",
    metadata,
    sa.Column("study_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("study_name", sa.String(MAX_NAME_LENGTH), nullable=False, unique=True),
    # Incremented, under the study row's lock, by every transaction that finishes a trial:
    # finish sequence numbers are therefore committed in increasing order, which is what
    # makes ``get_finished_trials_since`` exact.
    sa.Column("finish_counter", sa.BigInteger, nullable=False, server_default="0"),
    sqlite_autoincrement=True,
)

study_directions = sa.Table(
    "parzen_study_directions",
    metadata,
    sa.Column(
        "study_id",
        sa.Integer,
        sa.ForeignKey("parzen_studies.study_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("objective", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("direction", sa.SmallInteger, nullable=False),
    sqlite_with_rowid=False,
)

study_attrs = sa.Table(
    "parzen_study_attrs",
    metadata,
    sa.Column(
        "study_id",
        sa.Integer,
        sa.ForeignKey("parzen_studies.study_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("kind", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("attr_key", sa.String(MAX_NAME_LENGTH), primary_key=True),
    sa.Column("value_json", sa.Text, nullable=False),
    sqlite_with_rowid=False,
)

trials = sa.Table(
    "parzen_trials",
    metadata,
    sa.Column("trial_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "study_id",
        sa.Integer,
        sa.ForeignKey("parzen_studies.study_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("state", sa.SmallInteger, nullable=False),
    sa.Column("datetime_start", DateTime, nullable=True),
    sa.Column("datetime_complete", DateTime, nullable=True),
    sa.Column("finish_seq", sa.BigInteger, nullable=True),
    # Also the index behind "next number" (MAX(number)) and number -> id look-ups.
    sa.UniqueConstraint("study_id", "number", name="uq_parzen_trials_study_number"),
    sa.Index("ix_parzen_trials_study_finish_seq", "study_id", "finish_seq"),
    sqlite_autoincrement=True,
)


def _trial_fk() -> sa.Column[int]:
    return sa.Column(
        "trial_id",
        sa.Integer,
        sa.ForeignKey("parzen_trials.trial_id", ondelete="CASCADE"),
        primary_key=True,
    )


trial_values = sa.Table(
    "parzen_trial_values",
    metadata,
    _trial_fk(),
    sa.Column("objective", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("value", Double, nullable=True),
    sa.Column("value_kind", sa.SmallInteger, nullable=False),
    sqlite_with_rowid=False,
)

trial_params = sa.Table(
    "parzen_trial_params",
    metadata,
    _trial_fk(),
    sa.Column("param_name", sa.String(MAX_NAME_LENGTH), primary_key=True),
    # The order in which the trial's parameters were suggested.
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("param_value", Double, nullable=True),
    sa.Column("value_kind", sa.SmallInteger, nullable=False),
    sa.Column("distribution_json", sa.Text, nullable=False),
    sqlite_with_rowid=False,
)

trial_intermediate_values = sa.Table(
    "parzen_trial_intermediate_values",
    metadata,
    _trial_fk(),
    sa.Column("step", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("value", Double, nullable=True),
    sa.Column("value_kind", sa.SmallInteger, nullable=False),
    sqlite_with_rowid=False,
)

trial_attrs = sa.Table(
    "parzen_trial_attrs",
    metadata,
    _trial_fk(),
    sa.Column("kind", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("attr_key", sa.String(MAX_NAME_LENGTH), primary_key=True),
    sa.Column("value_json", sa.Text, nullable=False),
    sqlite_with_rowid=False,
)

trial_heartbeats = sa.Table(
    "parzen_trial_heartbeats",
    metadata,
    _trial_fk(),
    # Written with the database's clock (UTC), never the workers': clocks of machines differ.
    sa.Column("heartbeat", DateTime, nullable=False),
)


def encode_float(value: float) -> tuple[float | None, int]:
    """Split a float into what a SQL double column can hold exactly and a kind code."""
    if value == 0.0:
        return (0.0, NEG_ZERO) if math.copysign(1.0, value) < 0 else (0.0, FINITE)
    if math.isfinite(value):
        return float(value), FINITE
    if math.isnan(value):
        return None, NAN
    return None, POS_INF if value > 0 else NEG_INF


_SPECIAL = {POS_INF: math.inf, NEG_INF: -math.inf, NAN: math.nan, NEG_ZERO: -0.0}


def decode_float(value: float | None, kind: int) -> float:
    """Invert :func:`encode_float`."""
    if kind == FINITE:
        assert value is not None
        return value
    return _SPECIAL[kind]
