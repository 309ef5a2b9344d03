"""cases: conversations, incidents, spike alerts and named locks

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mentions") as batch:
        batch.add_column(sa.Column("thread_id", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("incident_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("grouped_into", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("topic", sa.String(length=200), nullable=True))
        batch.create_index("ix_mentions_thread_id", ["thread_id"])
        batch.create_index("ix_mentions_incident_id", ["incident_id"])
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=True),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("lead_row", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("card_state", sa.String(length=10), nullable=True),
        sa.Column("card_channel", sa.String(length=40), nullable=True),
        sa.Column("card_ts", sa.String(length=40), nullable=True),
        sa.Column("closed_by", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_incidents_status", "incidents", ["status"])
    op.create_table(
        "spike_alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel", sa.String(length=40), nullable=True),
        sa.Column("ts", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_spike_alerts_topic", "spike_alerts", ["topic"])
    op.create_table(
        "locks",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=True),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("locks")
    op.drop_index("ix_spike_alerts_topic", table_name="spike_alerts")
    op.drop_table("spike_alerts")
    op.drop_index("ix_incidents_status", table_name="incidents")
    op.drop_table("incidents")
    with op.batch_alter_table("mentions") as batch:
        batch.drop_index("ix_mentions_incident_id")
        batch.drop_index("ix_mentions_thread_id")
        batch.drop_column("topic")
        batch.drop_column("grouped_into")
        batch.drop_column("incident_id")
        batch.drop_column("thread_id")
