"""surveys and features: survey_response, feature

Revision ID: 0003_surveys_features
Revises: 0001
Create Date: 2026-11-23 12:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import server.models.types

revision = "0003_surveys_features"
down_revision = "0001"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_TS = server.models.types.UTCDateTime(timezone=True)


def _str(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "survey_response",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("environment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", _str(255), nullable=False),
        sa.Column("survey_key", _str(100), nullable=False),
        sa.Column("asked_at", _TS, nullable=False),
        sa.Column("answered_at", _TS, nullable=False),
        sa.Column("kind", _str(10), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("scale", sa.Integer(), nullable=True),
        sa.Column("category", _str(10), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("followup", _JSON, nullable=False),
        sa.Column("locale", _str(35), nullable=True),
        sa.Column("url", _str(2000), nullable=True),
        sa.Column("account_id", _str(255), nullable=True),
        sa.Column("event_uuid", _str(36), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["environment_id"], ["environment.id"],
            name=op.f("fk_survey_response_environment_id_environment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_response")),
        sa.UniqueConstraint(
            "environment_id", "user_id", "survey_key", "asked_at", name="uq_survey_response_ask"
        ),
    )
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.create_index(
            "ix_survey_response_env_survey_time",
            ["environment_id", "survey_key", "answered_at"], unique=False,
        )
        batch_op.create_index(
            "ix_survey_response_env_kind_time", ["environment_id", "kind", "answered_at"],
            unique=False,
        )
    op.create_table(
        "feature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("environment_id", sa.Integer(), nullable=False),
        sa.Column("key", _str(100), nullable=False),
        sa.Column("name", _str(200), nullable=False),
        sa.Column("rules", _JSON, nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["environment_id"], ["environment.id"],
            name=op.f("fk_feature_environment_id_environment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feature")),
        sa.UniqueConstraint("environment_id", "key", name="uq_feature_env_key"),
    )


def downgrade() -> None:
    op.drop_table("feature")
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_response_env_kind_time")
        batch_op.drop_index("ix_survey_response_env_survey_time")
    op.drop_table("survey_response")
