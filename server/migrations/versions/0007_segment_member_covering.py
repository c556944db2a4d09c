"""segment_member: the (environment_id, user_id) index also holds segment_key

Bootstrap reads a user's memberships with its snapshot statement. With the two-column
index, SQLite's planner preferred the primary key (environment_id, segment_key, user_id),
which covers the query but is searched on environment_id alone: every member of every
segment of the environment was read per bootstrap. The three-column index covers the
query and is searched on both columns.

Revision ID: 0007_segment_member_covering
Revises: 0006_segments_webhooks
"""
from __future__ import annotations

from alembic import op

revision = "0007_segment_member_covering"
down_revision = "0006_segments_webhooks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("segment_member", schema=None) as batch_op:
        batch_op.drop_index("ix_segment_member_env_user")
        batch_op.create_index(
            "ix_segment_member_env_user_key", ["environment_id", "user_id", "segment_key"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("segment_member", schema=None) as batch_op:
        batch_op.drop_index("ix_segment_member_env_user_key")
        batch_op.create_index(
            "ix_segment_member_env_user", ["environment_id", "user_id"], unique=False
        )
