"""network threads: mentions.reply_ref; cursors hold login sessions

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mentions") as batch:
        batch.add_column(sa.Column("reply_ref", sa.JSON(), nullable=True))
    with op.batch_alter_table("cursors") as batch:
        batch.alter_column(
            "value", existing_type=sa.String(length=200), type_=sa.Text(), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("cursors") as batch:
        batch.alter_column(
            "value", existing_type=sa.Text(), type_=sa.String(length=200), existing_nullable=False
        )
    with op.batch_alter_table("mentions") as batch:
        batch.drop_column("reply_ref")
