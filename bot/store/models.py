"""Database tables (SQLAlchemy 2 declarative models)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.domain import Mention, Status


def now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class MentionRow(Base):
    """One mention, its triage, where its card lives and what happened to its reply."""

    __tablename__ = "mentions"
    __table_args__ = (UniqueConstraint("network", "external_id", name="uq_mention_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    network: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(200))
    followers: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(String(2000))
    reply_ref: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    thread_id: Mapped[str | None] = mapped_column(String(200), index=True)
    # cases: the incident it belongs to; the newer message of its conversation holding the card
    incident_id: Mapped[int | None] = mapped_column(Integer, index=True)
    grouped_into: Mapped[int | None] = mapped_column(Integer)
    topic: Mapped[str | None] = mapped_column(String(200))  # the document its draft cites first
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    status: Mapped[str] = mapped_column(String(20), default=Status.NEW.value, index=True)
    # triage
    intent: Mapped[str | None] = mapped_column(String(20))
    sentiment: Mapped[float | None] = mapped_column(Float)
    priority: Mapped[str | None] = mapped_column(String(10))
    escalate: Mapped[bool] = mapped_column(Boolean, default=False)
    escalate_reason: Mapped[str | None] = mapped_column(Text)
    flags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    language: Mapped[str | None] = mapped_column(String(8))
    rationale: Mapped[str | None] = mapped_column(Text)
    needs_dm: Mapped[bool] = mapped_column(Boolean, default=False)
    problem: Mapped[str | None] = mapped_column(Text)  # what failed while processing it
    # a worker's lease on a NEW mention; a killed worker's lease expires and another takes it
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the review card in Slack: claimed ("posting") before it is sent, so it is sent once
    card_state: Mapped[str | None] = mapped_column(String(10), index=True)
    card_channel: Mapped[str | None] = mapped_column(String(40))
    card_ts: Mapped[str | None] = mapped_column(String(40))
    card_error: Mapped[str | None] = mapped_column(Text)
    # expert thread
    expert_channel: Mapped[str | None] = mapped_column(String(40))
    expert_ts: Mapped[str | None] = mapped_column(String(40), index=True)
    escalated_by: Mapped[str | None] = mapped_column(String(40))
    # decision and posting
    approved_by: Mapped[str | None] = mapped_column(String(40))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    final_text: Mapped[str | None] = mapped_column(Text)
    posted_id: Mapped[str | None] = mapped_column(String(100))
    posted_url: Mapped[str | None] = mapped_column(String(2000))
    posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    post_error: Mapped[str | None] = mapped_column(Text)
    rejected_by: Mapped[str | None] = mapped_column(String(40))
    rejected_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    def to_mention(self) -> Mention:
        return Mention(
            id=self.external_id,
            text=self.text,
            network=self.network,
            author=self.author,
            followers=self.followers,
            created_at=self.created_at,
            url=self.url,
            reply_ref=dict(self.reply_ref or {}),
            thread_id=self.thread_id,
        )


class DraftRow(Base):
    """A version of the reply: from a drafter, an editor or an expert."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(20))  # offline | llm | edited | expert
    note: Mapped[str | None] = mapped_column(Text)
    sources: Mapped[list[Any]] = mapped_column(JSON, default=list)
    author: Mapped[str | None] = mapped_column(String(100))  # None: written by the bot
    tokens_in: Mapped[int] = mapped_column(Integer, default=0)
    tokens_out: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class AuditRow(Base):
    """Who did what to which mention, with the text before and after."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mention_id: Mapped[int | None] = mapped_column(ForeignKey("mentions.id"), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class IncidentRow(Base):
    """Several people reporting the same problem: one card for all of them."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)  # open|split|closed
    topic: Mapped[str | None] = mapped_column(String(200))  # the cited document they share
    signature: Mapped[str] = mapped_column(Text)  # the first report, normalised
    lead_row: Mapped[int] = mapped_column(Integer)  # the member whose draft is the shared one
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    card_state: Mapped[str | None] = mapped_column(String(10))
    card_channel: Mapped[str | None] = mapped_column(String(40))
    card_ts: Mapped[str | None] = mapped_column(String(40))
    closed_by: Mapped[str | None] = mapped_column(String(40))


class SpikeAlertRow(Base):
    """A spike alert posted to Slack, per topic; closed when the rate falls back."""

    __tablename__ = "spike_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(200), index=True)
    count: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[float] = mapped_column(Float)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    channel: Mapped[str | None] = mapped_column(String(40))
    ts: Mapped[str | None] = mapped_column(String(40))


class LockRow(Base):
    """A named lease several processes compete for (the spike decision): one holder at a time."""

    __tablename__ = "locks"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(100))
    until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CrmEventRow(Base):
    """An event for the CRM, kept until the CRM has it (the outbox of the hand-off)."""

    __tablename__ = "crm_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)  # stable: receivers dedupe
    event: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)  # the JSON sent, fixed when the event happened
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)


class CursorRow(Base):
    """Where a source stopped reading (X's since_id), so a restart resumes there."""

    __tablename__ = "cursors"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)  # a since_id, or a login session (JSON)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class SeenEventRow(Base):
    """Slack event ids already handled: Slack retries deliveries, we act once."""

    __tablename__ = "seen_events"

    event_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class KnowledgeEntryRow(Base):
    """An expert's answer saved from Slack: knowledge every host indexes beside the files."""

    __tablename__ = "knowledge_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    heading: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)  # the expert's words only, never the mention
    expert: Mapped[str] = mapped_column(String(100))  # who wrote it
    saved_by: Mapped[str] = mapped_column(String(100))
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    mention_id: Mapped[int | None] = mapped_column(ForeignKey("mentions.id"), index=True)
    # withdrawn by an editor (`bot knowledge remove`): kept for the record, no longer indexed
    removed_by: Mapped[str | None] = mapped_column(String(100))
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
