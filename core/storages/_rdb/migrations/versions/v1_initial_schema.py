"""v1: the initial schema.

Revision ID: v1
Revises:
Create Date: 2026-11-29

The table definitions are written out here rather than imported from ``models``: a migration
is a fixed snapshot, while the models follow the newest schema.
"""

from __future__ import annotations

import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "v1"
down_revision = None
branch_labels = None
depends_on = None

_NAME = 512
_Double: sa.types.TypeEngine[float] = sa.Double().with_variant(
    mysql.DOUBLE(asdecimal=False), "mysql", "mariadb"
)
_DateTime: sa.types.TypeEngine[datetime.datetime] = sa.DateTime().with_variant(
    mysql.DATETIME(fsp=6), "mysql", "mariadb"
)


def _trial_fk() -> sa.Column[int]:
    return sa.Column(
        "trial_id",
        sa.Integer,
        sa.ForeignKey("parzen_trials.trial_id", ondelete="CASCADE"),
        primary_key=True,
    )


def upgrade() -> None:
    op.create_table(
        "parzen_studies",
        sa.Column("study_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("study_name", sa.String(_NAME), nullable=False, unique=True),
        sa.Column("finish_counter", sa.BigInteger, nullable=False, server_default="0"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "parzen_study_directions",
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
    op.create_table(
        "parzen_study_attrs",
        sa.Column(
            "study_id",
            sa.Integer,
            sa.ForeignKey("parzen_studies.study_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("kind", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("attr_key", sa.String(_NAME), primary_key=True),
        sa.Column("value_json", sa.Text, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "parzen_trials",
        sa.Column("trial_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "study_id",
            sa.Integer,
            sa.ForeignKey("parzen_studies.study_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("state", sa.SmallInteger, nullable=False),
        sa.Column("datetime_start", _DateTime, nullable=True),
        sa.Column("datetime_complete", _DateTime, nullable=True),
        sa.Column("finish_seq", sa.BigInteger, nullable=True),
        sa.UniqueConstraint("study_id", "number", name="uq_parzen_trials_study_number"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_parzen_trials_study_finish_seq", "parzen_trials", ["study_id", "finish_seq"]
    )
    op.create_table(
        "parzen_trial_values",
        _trial_fk(),
        sa.Column("objective", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("value", _Double, nullable=True),
        sa.Column("value_kind", sa.SmallInteger, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "parzen_trial_params",
        _trial_fk(),
        sa.Column("param_name", sa.String(_NAME), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("param_value", _Double, nullable=True),
        sa.Column("value_kind", sa.SmallInteger, nullable=False),
        sa.Column("distribution_json", sa.Text, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "parzen_trial_intermediate_values",
        _trial_fk(),
        sa.Column("step", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("value", _Double, nullable=True),
        sa.Column("value_kind", sa.SmallInteger, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "parzen_trial_attrs",
        _trial_fk(),
        sa.Column("kind", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("attr_key", sa.String(_NAME), primary_key=True),
        sa.Column("value_json", sa.Text, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "parzen_trial_heartbeats",
        _trial_fk(),
        sa.Column("heartbeat", _DateTime, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "parzen_trial_heartbeats",
        "parzen_trial_attrs",
        "parzen_trial_intermediate_values",
        "parzen_trial_params",
        "parzen_trial_values",
        "parzen_trials",
        "parzen_study_attrs",
        "parzen_study_directions",
        "parzen_studies",
    ):
        op.drop_table(table)
