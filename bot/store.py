"""The store (SQLAlchemy): mentions keyed by (network, id), their triage, drafts and an audit log.

SQLite by default, any SQLAlchemy URL (Postgres for several workers) by `DATABASE_URL`. Status
changes are compare-and-set updates (`WHERE status = :expected`) checked against the domain's
transition table, so two clicks or two workers cannot both move a mention forward.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
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
    create_engine,
    event,
    select,
    update,
)
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from bot.domain import Mention, Outcome, Status, transition


def _now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class MentionRow(Base):
    __tablename__ = "mentions"
    __table_args__ = (UniqueConstraint("network", "external_id", name="uq_mention_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    network: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(200))
    followers: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    status: Mapped[str] = mapped_column(String(20), default=Status.NEW.value, index=True)
    intent: Mapped[str | None] = mapped_column(String(20))
    sentiment: Mapped[float | None] = mapped_column(Float)
    priority: Mapped[str | None] = mapped_column(String(10))
    escalate: Mapped[bool] = mapped_column(Boolean, default=False)
    escalate_reason: Mapped[str | None] = mapped_column(Text)
    flags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    language: Mapped[str | None] = mapped_column(String(8))
    rationale: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    def to_mention(self) -> Mention:
        return Mention(
            id=self.external_id,
            text=self.text,
            network=self.network,
            author=self.author,
            followers=self.followers,
            created_at=self.created_at,
            url=self.url,
        )


class DraftRow(Base):
    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    sources: Mapped[list[Any]] = mapped_column(JSON, default=list)
    author: Mapped[str | None] = mapped_column(String(100))  # None: written by the bot
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class AuditRow(Base):
    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mention_id: Mapped[int | None] = mapped_column(ForeignKey("mentions.id"), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


@dataclass(frozen=True)
class QueueItem:
    row_id: int
    mention: Mention
    status: str
    intent: str | None
    priority: str | None
    escalate: bool
    escalate_reason: str | None
    flags: list[str]
    draft: str | None
    cited: list[str]


def _rowcount(session: Session, statement: Any) -> int:
    """Execute an UPDATE and return how many rows it changed."""
    result: CursorResult[Any] = session.execute(statement)  # type: ignore[assignment]
    return result.rowcount


def make_engine(url: str) -> Engine:
    """Create an engine; for SQLite, make the folder and enable WAL for concurrent readers."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(conn: Any, _record: Any) -> None:
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


class Store:
    """Persistence for mentions, drafts and the audit log."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._session = sessionmaker(engine, expire_on_commit=False)
        Base.metadata.create_all(engine)

    def add_mention(self, mention: Mention) -> int | None:
        """Store a new mention and return its row id; None if (network, id) is already stored."""
        with self._session() as session:
            row = MentionRow(
                network=mention.network,
                external_id=mention.id,
                text=mention.text,
                author=mention.author,
                followers=mention.followers,
                url=mention.url,
                created_at=mention.created_at,
            )
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                return None
            return row.id

    def add_mentions(self, mentions: Iterable[Mention]) -> list[tuple[Mention, int]]:
        """Store the mentions not stored yet; return those with their new row ids."""
        added = []
        for mention in mentions:
            row_id = self.add_mention(mention)
            if row_id is not None:
                added.append((mention, row_id))
        return added

    def new_mentions(self, limit: int = 500) -> list[tuple[int, Mention]]:
        with self._session() as session:
            rows = session.scalars(
                select(MentionRow)
                .where(MentionRow.status == Status.NEW.value)
                .order_by(MentionRow.id)
                .limit(limit)
            ).all()
            return [(r.id, r.to_mention()) for r in rows]

    def save_outcome(self, row_id: int, outcome: Outcome) -> Status:
        """Record triage and draft for a NEW mention and move it to its review status."""
        t = outcome.triage
        target = Status.NO_REPLY if outcome.draft is None else Status.DRAFTED
        transition(Status.NEW, target)
        with self._session() as session, session.begin():
            changed = _rowcount(
                session,
                update(MentionRow)
                .where(MentionRow.id == row_id, MentionRow.status == Status.NEW.value)
                .values(
                    status=target.value,
                    intent=t.intent.value,
                    sentiment=t.sentiment,
                    priority=t.priority.value,
                    escalate=t.escalate,
                    escalate_reason=t.escalate_reason,
                    flags=t.sorted_flags(),
                    language=t.language,
                    rationale=t.rationale,
                    updated_at=_now(),
                ),
            )
            if not changed:
                raise LookupError(f"mention {row_id} is not new any more")
            if outcome.draft is not None:
                session.add(
                    DraftRow(
                        mention_id=row_id,
                        text=outcome.draft.text,
                        origin=outcome.draft.origin,
                        note=outcome.draft.note,
                        sources=[s.as_dict() for s in outcome.sources],
                    )
                )
            session.add(AuditRow(mention_id=row_id, actor="bot", action=f"triaged:{target.value}"))
        return target

    def move(self, row_id: int, expected: Status, target: Status, actor: str) -> bool:
        """Compare-and-set a mention's status; return False if someone else moved it first."""
        transition(expected, target)
        with self._session() as session, session.begin():
            changed = _rowcount(
                session,
                update(MentionRow)
                .where(MentionRow.id == row_id, MentionRow.status == expected.value)
                .values(status=target.value, updated_at=_now()),
            )
            if changed:
                session.add(
                    AuditRow(
                        mention_id=row_id,
                        actor=actor,
                        action="status",
                        before=expected.value,
                        after=target.value,
                    )
                )
            return bool(changed)

    def queue(
        self, statuses: Sequence[Status] = (Status.DRAFTED,), limit: int = 200
    ) -> list[QueueItem]:
        """Return mentions in the given statuses with their latest draft, most pressing first."""
        order = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
        with self._session() as session:
            rows = session.scalars(
                select(MentionRow).where(MentionRow.status.in_([s.value for s in statuses]))
            ).all()
            items = []
            for row in rows:
                draft = session.scalars(
                    select(DraftRow)
                    .where(DraftRow.mention_id == row.id)
                    .order_by(DraftRow.id.desc())
                    .limit(1)
                ).first()
                items.append(
                    QueueItem(
                        row_id=row.id,
                        mention=row.to_mention(),
                        status=row.status,
                        intent=row.intent,
                        priority=row.priority,
                        escalate=row.escalate,
                        escalate_reason=row.escalate_reason,
                        flags=list(row.flags or []),
                        draft=draft.text if draft else None,
                        cited=list(
                            dict.fromkeys(s["doc"] for s in (draft.sources if draft else []))
                        ),
                    )
                )
        items.sort(key=lambda i: (order.get(i.priority or "low", 3), i.row_id))
        return items[:limit]

    def counts(self) -> dict[str, int]:
        """Return the number of mentions per status."""
        with self._session() as session:
            rows = session.execute(select(MentionRow.status)).scalars().all()
        out: dict[str, int] = {}
        for status in rows:
            out[status] = out.get(status, 0) + 1
        return out
