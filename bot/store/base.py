"""What the store's repositories share: the session factory and turning rows into records."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, select, update
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.domain import (
    DraftVersion,
    Flag,
    Intent,
    MentionRecord,
    Priority,
    Source,
    SourceKind,
    Status,
    Triage,
)
from bot.store.models import (
    DraftRow,
    MentionRow,
)


def _rowcount(session: Session, statement: Any) -> int:
    """Execute an UPDATE and return how many rows it changed."""
    result: CursorResult[Any] = session.execute(statement)  # type: ignore[assignment]
    return result.rowcount


def _source(data: dict[str, Any]) -> Source:
    return Source(
        doc=data["doc"],
        kind=SourceKind(data["kind"]),
        ref=data["ref"],
        text=data["text"],
        score=float(data.get("score", 0.0)),
    )


def _cited_first(cited: Sequence[Source], retrieved: Sequence[Source]) -> list[dict[str, Any]]:
    """Keep every retrieved passage (Regenerate may need them), the ones the draft cites first."""
    seen = {(s.doc, s.ref) for s in cited}
    return [s.as_dict() for s in [*cited, *(s for s in retrieved if (s.doc, s.ref) not in seen)]]


def make_engine(url: str) -> Engine:
    """Create an engine; for SQLite, make the folder and enable WAL for concurrent readers."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(conn: Any, _record: Any) -> None:
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


class Repository:
    """A repository over the store's engine; `Store` composes the concerns."""

    engine: Engine
    _session: sessionmaker[Session]

    # -- internals ---------------------------------------------------------------------------

    def _set(self, row_id: int, **values: Any) -> None:
        with self._session() as session, session.begin():
            session.execute(update(MentionRow).where(MentionRow.id == row_id).values(**values))

    @staticmethod
    def _latest(session: Session, row_id: int) -> DraftRow | None:
        return session.scalars(
            select(DraftRow)
            .where(DraftRow.mention_id == row_id)
            .order_by(DraftRow.id.desc())
            .limit(1)
        ).first()

    def _record(
        self, session: Session, row: MentionRow, latest: DraftRow | bool | None = False
    ) -> MentionRecord:
        """Build a record; `latest` is its newest draft when the caller already read it."""
        if latest is False:
            latest = self._latest(session, row.id)
        assert latest is None or isinstance(latest, DraftRow)
        triage = Triage(
            intent=Intent(row.intent or "other"),
            sentiment=row.sentiment or 0.0,
            priority=Priority(row.priority or "normal"),
            escalate=row.escalate,
            escalate_reason=row.escalate_reason,
            flags=frozenset(Flag(f) for f in row.flags or []),
            language=row.language or "en",
            rationale=row.rationale or "",
            needs_dm=row.needs_dm,
        )
        draft = (
            DraftVersion(
                id=latest.id,
                text=latest.text,
                origin=latest.origin,
                note=latest.note,
                author=latest.author,
                sources=tuple(_source(s) for s in latest.sources or []),
            )
            if latest
            else None
        )
        return MentionRecord(
            row_id=row.id,
            mention=row.to_mention(),
            status=Status(row.status),
            triage=triage,
            received_at=row.received_at,
            draft=draft,
            card_channel=row.card_channel,
            card_ts=row.card_ts,
            expert_channel=row.expert_channel,
            expert_ts=row.expert_ts,
            escalated_by=row.escalated_by,
            approved_by=row.approved_by,
            approved_at=row.approved_at,
            final_text=row.final_text,
            posted_url=row.posted_url,
            posted_at=row.posted_at,
            post_error=row.post_error,
            rejected_by=row.rejected_by,
            rejected_reason=row.rejected_reason,
            problem=row.problem,
            incident_id=row.incident_id,
            grouped_into=row.grouped_into,
            posted_id=row.posted_id,
        )
