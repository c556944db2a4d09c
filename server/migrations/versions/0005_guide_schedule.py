"""guide schedule: publish_at (+ message, author) for scheduled publishing

Revision ID: 0005_guide_schedule
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import server.models.types

revision = "0005_guide_schedule"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("guide", schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            "publish_at", server.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column(
            "publish_message", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
        batch_op.add_column(sa.Column(
            "publish_author", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("guide", schema=None) as batch_op:
        batch_op.drop_column("publish_author")
        batch_op.drop_column("publish_message")
        batch_op.drop_column("publish_at")
