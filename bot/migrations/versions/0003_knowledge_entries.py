"""knowledge entries: expert answers saved from Slack, indexed beside the knowledge files

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "knowledge_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("heading", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("expert", sa.String(length=100), nullable=False),
        sa.Column("saved_by", sa.String(length=100), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mention_id", sa.Integer(), nullable=True),
        sa.Column("removed_by", sa.String(length=100), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["mention_id"], ["mentions.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("knowledge_entries") as batch:
        batch.create_index(batch.f("ix_knowledge_entries_mention_id"), ["mention_id"], unique=False)
        batch.create_index(batch.f("ix_knowledge_entries_removed_at"), ["removed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("knowledge_entries") as batch:
        batch.drop_index(batch.f("ix_knowledge_entries_removed_at"))
        batch.drop_index(batch.f("ix_knowledge_entries_mention_id"))
    op.drop_table("knowledge_entries")
