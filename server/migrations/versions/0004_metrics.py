"""metrics: daily rollups and event-log indexes for the metrics layer

Revision ID: 0004_metrics
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import server.models.types

revision = "0004_metrics"
down_revision = "0001"
branch_labels = None
depends_on = None

_STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "metric_activity_day",
        sa.Column("environment_id", sa.Integer(), nullable=False),
        sa.Column("kind", _STR(length=1), nullable=False),
        sa.Column("subject_id", _STR(length=255), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["environment_id"], ["environment.id"],
                                name=op.f("fk_metric_activity_day_environment_id_environment")),
        sa.PrimaryKeyConstraint("environment_id", "kind", "subject_id", "day",
                                name=op.f("pk_metric_activity_day")),
    )
    with op.batch_alter_table("metric_activity_day", schema=None) as batch_op:
        batch_op.create_index("ix_metric_activity_day_env_day",
                              ["environment_id", "kind", "day", "subject_id"], unique=False)
    op.create_table(
        "metric_first_seen",
        sa.Column("environment_id", sa.Integer(), nullable=False),
        sa.Column("kind", _STR(length=1), nullable=False),
        sa.Column("subject_id", _STR(length=255), nullable=False),
        sa.Column("first_at", server.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("first_day", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["environment_id"], ["environment.id"],
                                name=op.f("fk_metric_first_seen_environment_id_environment")),
        sa.PrimaryKeyConstraint("environment_id", "kind", "subject_id",
                                name=op.f("pk_metric_first_seen")),
    )
    op.create_table(
        "metric_feature_day",
        sa.Column("environment_id", sa.Integer(), nullable=False),
        sa.Column("feature", _STR(length=200), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("user_id", _STR(length=255), nullable=False),
        sa.Column("account_id", _STR(length=255), nullable=False),
        sa.ForeignKeyConstraint(["environment_id"], ["environment.id"],
                                name=op.f("fk_metric_feature_day_environment_id_environment")),
        sa.PrimaryKeyConstraint("environment_id", "feature", "day", "user_id", "account_id",
                                name=op.f("pk_metric_feature_day")),
    )
    with op.batch_alter_table("metric_feature_day", schema=None) as batch_op:
        batch_op.create_index("ix_metric_feature_day_env_day",
                              ["environment_id", "day", "feature"], unique=False)
    op.create_table(
        "metric_rollup_state",
        sa.Column("environment_id", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["environment_id"], ["environment.id"],
                                name=op.f("fk_metric_rollup_state_environment_id_environment")),
        sa.PrimaryKeyConstraint("environment_id", name=op.f("pk_metric_rollup_state")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index("ix_event_env_guide_time",
                              ["environment_id", "guide_key", "timestamp"], unique=False)
        batch_op.create_index("ix_event_env_name_time",
                              ["environment_id", "name", "timestamp"], unique=False)
        batch_op.create_index("ix_event_env_type_time",
                              ["environment_id", "type", "timestamp"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index("ix_event_env_type_time")
        batch_op.drop_index("ix_event_env_name_time")
        batch_op.drop_index("ix_event_env_guide_time")
    op.drop_table("metric_rollup_state")
    with op.batch_alter_table("metric_feature_day", schema=None) as batch_op:
        batch_op.drop_index("ix_metric_feature_day_env_day")
    op.drop_table("metric_feature_day")
    op.drop_table("metric_first_seen")
    with op.batch_alter_table("metric_activity_day", schema=None) as batch_op:
        batch_op.drop_index("ix_metric_activity_day_env_day")
    op.drop_table("metric_activity_day")
