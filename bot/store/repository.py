"""The store: mentions keyed by (network, id), their drafts, cards, decisions and an audit log.

SQLite by default, any SQLAlchemy URL (Postgres for several workers) by `DATABASE_URL`. Every
status change is a compare-and-set update (`WHERE status IN (:expected)`) checked against the
domain's transition table, so two clicks, two approvers or two workers cannot both move a
mention forward; the loser learns it and the caller tells the user.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, func, inspect, or_, select, update
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.domain import (
    Draft,
    Flag,
    Intent,
    Mention,
    Outcome,
    Priority,
    Source,
    SourceKind,
    Status,
    Triage,
    transition,
)
from bot.store.migrate import upgrade
from bot.store.models import (
    AuditRow,
    Base,
    CursorRow,
    DraftRow,
    MentionRow,
    SeenEventRow,
    now,
)


class StoreError(RuntimeError):
    """The database cannot be used as it is (for example, an older schema)."""


@dataclass(frozen=True)
class DraftVersion:
    id: int
    text: str
    origin: str
    note: str | None
    author: str | None
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class MentionRecord:
    """Everything a card or a command needs to know about one mention."""

    row_id: int
    mention: Mention
    status: Status
    triage: Triage
    received_at: datetime
    draft: DraftVersion | None
    card_channel: str | None
    card_ts: str | None
    expert_channel: str | None
    expert_ts: str | None
    escalated_by: str | None
    approved_by: str | None
    approved_at: datetime | None
    final_text: str | None
    posted_url: str | None
    posted_at: datetime | None
    post_error: str | None
    rejected_by: str | None
    rejected_reason: str | None
    problem: str | None = None
    incident_id: int | None = None  # the incident it belongs to
    grouped_into: int | None = None  # the newer message of its conversation that holds the card

    @property
    def sources(self) -> tuple[Source, ...]:
        return self.draft.sources if self.draft else ()

    def outcome(self) -> Outcome:
        draft = Draft(self.draft.text, self.sources, self.draft.origin) if self.draft else None
        return Outcome(self.mention, self.triage, self.sources, draft)


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


class Store:
    """Persistence for mentions, drafts, cards, decisions and the audit log."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._session = sessionmaker(engine, expire_on_commit=False)
        tables = set(inspect(engine).get_table_names())
        if "mentions" in tables and "alembic_version" not in tables:
            raise StoreError(
                f"the database at {engine.url.render_as_string(hide_password=True)} was created "
                "by an older version, before migrations; move it aside and run again"
            )
        upgrade(engine)
        self._check_schema()

    def _check_schema(self) -> None:
        inspector = inspect(self.engine)
        missing = {
            f"{table.name}.{column}"
            for table in Base.metadata.sorted_tables
            for column in set(table.columns.keys())
            - {c["name"] for c in inspector.get_columns(table.name)}
        }
        if missing:
            raise StoreError(
                f"the database at {self.engine.url.render_as_string(hide_password=True)} was "
                f"created by an older version (no column(s) {', '.join(sorted(missing))}); "
                "move it aside and run again"
            )

    # -- ingestion ---------------------------------------------------------------------------

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
                reply_ref=dict(mention.reply_ref) or None,
                thread_id=mention.thread_id,
                created_at=mention.created_at,
            )
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                return None
            return row.id

    def known_ids(self, network: str, ids: Collection[str]) -> set[str]:
        """Return which of `ids` on `network` are stored already."""
        if not ids:
            return set()
        with self._session() as session:
            query = select(MentionRow.external_id).where(
                MentionRow.network == network, MentionRow.external_id.in_(list(ids))
            )
            return set(session.scalars(query).all())

    def add_mentions(self, mentions: Iterable[Mention]) -> list[tuple[Mention, int]]:
        """Store the mentions not stored yet; return those with their new row ids."""
        added = []
        for mention in mentions:
            row_id = self.add_mention(mention)
            if row_id is not None:
                added.append((mention, row_id))
        return added

    def claim_new(
        self, worker: str, limit: int = 50, lease: timedelta = timedelta(minutes=2)
    ) -> list[tuple[int, Mention]]:
        """Lease up to `limit` NEW mentions to `worker`: each goes to exactly one worker, and a
        lease that runs out (the worker was killed) lets another worker take the mention.

        On Postgres, `FOR UPDATE SKIP LOCKED` lets workers claim side by side without waiting;
        SQLite serialises writers, so the same statement is atomic there too.
        """
        moment = now()
        with self._session() as session, session.begin():
            candidates = (
                select(MentionRow.id)
                .where(
                    MentionRow.status == Status.NEW.value,
                    or_(MentionRow.claimed_until.is_(None), MentionRow.claimed_until < moment),
                )
                .order_by(MentionRow.id)
                .limit(limit)
            )
            claim = update(MentionRow).values(claimed_by=worker, claimed_until=moment + lease)
            if session.get_bind().dialect.name == "postgresql":
                ids = list(session.scalars(candidates.with_for_update(skip_locked=True)).all())
                if ids:
                    session.execute(claim.where(MentionRow.id.in_(ids)))
            else:  # one UPDATE … RETURNING statement: atomic under SQLite's single writer
                ids = list(
                    session.scalars(
                        claim.where(MentionRow.id.in_(candidates.scalar_subquery())).returning(
                            MentionRow.id
                        )
                    ).all()
                )
            if not ids:
                return []
            rows = session.scalars(select(MentionRow).where(MentionRow.id.in_(ids))).all()
            return sorted((r.id, r.to_mention()) for r in rows)

    def new_mentions(self, limit: int = 500) -> list[tuple[int, Mention]]:
        with self._session() as session:
            rows = session.scalars(
                select(MentionRow)
                .where(MentionRow.status == Status.NEW.value)
                .order_by(MentionRow.id)
                .limit(limit)
            ).all()
            return [(r.id, r.to_mention()) for r in rows]

    def save_outcome(self, row_id: int, outcome: Outcome, actor: str = "bot") -> Status:
        """Record triage and draft for a NEW mention and move it to its review status."""
        t = outcome.triage
        target = Status.DRAFTED if t.should_reply else Status.NO_REPLY
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
                    needs_dm=t.needs_dm,
                    problem=outcome.problem,
                    claimed_by=None,
                    claimed_until=None,
                    updated_at=now(),
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
                        sources=_cited_first(outcome.draft.sources, outcome.sources),
                        tokens_in=outcome.draft.tokens_in,
                        tokens_out=outcome.draft.tokens_out,
                        cost_usd=outcome.draft.cost_usd,
                    )
                )
            session.add(AuditRow(mention_id=row_id, actor=actor, action=f"triaged:{target.value}"))
        return target

    # -- reading -----------------------------------------------------------------------------

    def get(self, row_id: int) -> MentionRecord:
        with self._session() as session:
            row = session.get(MentionRow, row_id)
            if row is None:
                raise LookupError(f"no mention with id {row_id}")
            return self._record(session, row)

    def get_many(self, row_ids: Sequence[int]) -> list[MentionRecord]:
        """Return the records of `row_ids`, in that order, in two queries (a batch's worth)."""
        if not row_ids:
            return []
        with self._session() as session:
            rows = {
                r.id: r
                for r in session.scalars(select(MentionRow).where(MentionRow.id.in_(row_ids)))
            }
            latest: dict[int, DraftRow] = {}
            drafts = select(DraftRow).where(DraftRow.mention_id.in_(row_ids)).order_by(DraftRow.id)
            for draft in session.scalars(drafts):
                latest[draft.mention_id] = draft
            return [self._record(session, rows[i], latest.get(i)) for i in row_ids if i in rows]

    def find_by_expert_thread(self, channel: str, thread_ts: str) -> int | None:
        with self._session() as session:
            return session.scalars(
                select(MentionRow.id).where(
                    MentionRow.expert_channel == channel, MentionRow.expert_ts == thread_ts
                )
            ).first()

    def records(
        self, statuses: Sequence[Status], since: datetime | None = None, limit: int = 1000
    ) -> list[MentionRecord]:
        """Return mentions in the given statuses, most pressing and then oldest first."""
        with self._session() as session:
            query = select(MentionRow).where(MentionRow.status.in_([s.value for s in statuses]))
            if since is not None:
                query = query.where(MentionRow.received_at >= since)
            rows = session.scalars(query.order_by(MentionRow.id).limit(limit)).all()
            records = [self._record(session, row) for row in rows]
        records.sort(key=lambda r: (r.triage.priority.rank, r.row_id))
        return records

    def since(self, moment: datetime) -> list[MentionRecord]:
        """Return every mention received since `moment` (for summaries)."""
        return self.records(list(Status), since=moment, limit=100_000)

    def counts(self) -> dict[str, int]:
        """Return the number of mentions per status."""
        with self._session() as session:
            rows = session.execute(select(MentionRow.status)).scalars().all()
        out: dict[str, int] = {}
        for status in rows:
            out[status] = out.get(status, 0) + 1
        return out

    def llm_spend(self, since: datetime) -> tuple[int, int, float]:
        """Return (model drafts, tokens, cost in USD) for drafts written since `since`."""
        with self._session() as session:
            row = session.execute(
                select(
                    func.count(DraftRow.id),
                    func.coalesce(func.sum(DraftRow.tokens_in + DraftRow.tokens_out), 0),
                    func.coalesce(func.sum(DraftRow.cost_usd), 0.0),
                ).where(DraftRow.created_at >= since, DraftRow.origin == "llm")
            ).one()
        return int(row[0]), int(row[1]), float(row[2])

    def audit_actions(self, since: datetime) -> list[tuple[int | None, str, str]]:
        """Return (mention id, actor, action) for every audit entry since `since`."""
        with self._session() as session:
            rows = session.execute(
                select(AuditRow.mention_id, AuditRow.actor, AuditRow.action).where(
                    AuditRow.at >= since
                )
            ).all()
        return [(r[0], r[1], r[2]) for r in rows]

    # -- cards -------------------------------------------------------------------------------

    def cards_to_post(self, limit: int = 50) -> list[int]:
        """Return mentions waiting for a review card (drafted and never carded)."""
        with self._session() as session:
            return list(
                session.scalars(
                    select(MentionRow.id)
                    .where(
                        # a failed post of an incident member that never had its own card
                        MentionRow.status.in_(
                            [Status.DRAFTED.value, Status.ESCALATED.value, Status.POST_FAILED.value]
                        ),
                        or_(MentionRow.card_state.is_(None), MentionRow.card_state == "failed"),
                    )
                    .order_by(MentionRow.id)
                    .limit(limit)
                ).all()
            )

    def claim_card(self, row_id: int) -> bool:
        """Claim the right to post this mention's card; only one caller ever wins."""
        with self._session() as session, session.begin():
            return bool(
                _rowcount(
                    session,
                    update(MentionRow)
                    .where(
                        MentionRow.id == row_id,
                        or_(MentionRow.card_state.is_(None), MentionRow.card_state == "failed"),
                    )
                    .values(card_state="posting"),
                )
            )

    def card_posted(self, row_id: int, channel: str, ts: str) -> None:
        self._set(row_id, card_state="posted", card_channel=channel, card_ts=ts, card_error=None)

    def card_failed(self, row_id: int, error: str) -> None:
        self._set(row_id, card_state="failed", card_error=error)

    # -- decisions ---------------------------------------------------------------------------

    def add_draft(
        self,
        row_id: int,
        draft: Draft,
        author: str | None,
        expect: Sequence[Status],
        target: Status = Status.DRAFTED,
    ) -> bool:
        """Add a new draft version and move the mention to `target` if it is in `expect`."""
        for status in expect:
            transition(status, target)
        with self._session() as session, session.begin():
            row = session.get(MentionRow, row_id, with_for_update=True)
            if row is None or Status(row.status) not in expect:
                return False
            before = self._latest(session, row_id)
            session.add(
                DraftRow(
                    mention_id=row_id,
                    text=draft.text,
                    origin=draft.origin,
                    note=draft.note,
                    sources=[s.as_dict() for s in draft.sources],
                    author=author,
                    tokens_in=draft.tokens_in,
                    tokens_out=draft.tokens_out,
                    cost_usd=draft.cost_usd,
                )
            )
            row.status = target.value
            row.updated_at = now()
            session.add(
                AuditRow(
                    mention_id=row_id,
                    actor=author or "bot",
                    action=f"draft:{draft.origin}",
                    before=before.text if before else None,
                    after=draft.text,
                )
            )
            return True

    def move(
        self,
        row_id: int,
        expected: Sequence[Status],
        target: Status,
        actor: str,
        action: str = "status",
        **values: Any,
    ) -> bool:
        """Compare-and-set a mention's status; return False if someone else moved it first."""
        for status in expected:
            transition(status, target)
        with self._session() as session, session.begin():
            changed = _rowcount(
                session,
                update(MentionRow)
                .where(
                    MentionRow.id == row_id,
                    MentionRow.status.in_([s.value for s in expected]),
                )
                .values(status=target.value, updated_at=now(), **values),
            )
            if changed:
                session.add(
                    AuditRow(
                        mention_id=row_id,
                        actor=actor,
                        action=action,
                        before=",".join(s.value for s in expected),
                        after=values.get("final_text") or target.value,
                    )
                )
            return bool(changed)

    def set_expert_thread(self, row_id: int, channel: str, ts: str) -> None:
        self._set(row_id, expert_channel=channel, expert_ts=ts)

    def cursor(self, name: str) -> str | None:
        with self._session() as session:
            row = session.get(CursorRow, name)
            return row.value if row else None

    def set_cursor(self, name: str, value: str) -> None:
        with self._session() as session, session.begin():
            row = session.get(CursorRow, name)
            if row is None:
                session.add(CursorRow(name=name, value=value))
            else:
                row.value, row.at = value, now()

    def seen_event(self, event_id: str) -> bool:
        """Record a Slack event id; return True if it had been seen before."""
        with self._session() as session:
            session.add(SeenEventRow(event_id=event_id))
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                return True
            return False

    def audit(
        self, row_id: int | None, actor: str, action: str, before: str | None, after: str | None
    ) -> None:
        with self._session() as session, session.begin():
            session.add(
                AuditRow(mention_id=row_id, actor=actor, action=action, before=before, after=after)
            )

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
        )
