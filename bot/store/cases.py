"""Persistence for cases: conversations, incidents, spike alerts and named locks.

Beside the `Store` (which owns mentions, drafts and the audit), over the same engine. Every
query here reads only the open window (the last hour of mentions, the open incidents), so the cost
of placing a mention does not grow with the history.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.domain import OPEN_STATUSES, Flag, Intent, Priority, Status, Triage, transition
from bot.store.models import AuditRow, IncidentRow, LockRow, MentionRow, SpikeAlertRow, now
from bot.store.repository import MentionRecord, Store

_OPEN = [s.value for s in OPEN_STATUSES]


class LockTimeout(RuntimeError):
    """Another process held the lock for longer than we were willing to wait."""


@dataclass(frozen=True)
class Candidate:
    """An open mention of the window, as the incident comparison reads it."""

    row_id: int
    author: str | None
    text: str
    intent: str | None
    sentiment: float | None
    flags: list[str] | None
    topic: str | None

    @property
    def triage(self) -> Triage:
        return Triage(
            Intent(self.intent or "other"),
            self.sentiment or 0.0,
            Priority.NORMAL,
            False,
            None,
            frozenset(Flag(f) for f in self.flags or []),
        )


@dataclass(frozen=True)
class Incident:
    id: int
    status: str
    topic: str | None
    signature: str
    lead_row: int
    opened_at: datetime
    last_seen: datetime
    card_channel: str | None
    card_ts: str | None
    closed_by: str | None


@dataclass(frozen=True)
class SpikeAlert:
    id: int
    topic: str
    count: int
    threshold: float
    opened_at: datetime
    closed_at: datetime | None
    channel: str | None
    ts: str | None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _incident(row: IncidentRow) -> Incident:
    return Incident(
        row.id,
        row.status,
        row.topic,
        row.signature,
        row.lead_row,
        _aware(row.opened_at),
        _aware(row.last_seen),
        row.card_channel,
        row.card_ts,
        row.closed_by,
    )


def _alert(row: SpikeAlertRow) -> SpikeAlert:
    return SpikeAlert(
        row.id,
        row.topic,
        row.count,
        row.threshold,
        _aware(row.opened_at),
        _aware(row.closed_at) if row.closed_at else None,
        row.channel,
        row.ts,
    )


class CaseStore:
    """Conversations, incidents, spike alerts and locks, over the store's database."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._session = sessionmaker(store.engine, expire_on_commit=False)

    # -- locks -------------------------------------------------------------------------------

    @contextmanager
    def lock(
        self, name: str, holder: str, lease: timedelta = timedelta(seconds=30), wait: float = 30.0
    ) -> Iterator[None]:
        """Hold the named lock (a row in `locks`): one holder at a time across processes, on
        Postgres and SQLite alike. A holder that dies loses it when its lease runs out."""
        deadline = time.monotonic() + wait
        while not self._take(name, holder, lease):
            if time.monotonic() > deadline:
                raise LockTimeout(f"the {name} lock stayed taken for {wait:.0f} s")
            time.sleep(0.02)
        try:
            yield
        finally:
            with self._session() as session, session.begin():
                session.execute(
                    update(LockRow)
                    .where(LockRow.name == name, LockRow.holder == holder)
                    .values(holder=None, until=None)
                )

    def _take(self, name: str, holder: str, lease: timedelta) -> bool:
        moment = now()
        with self._session() as session, session.begin():
            taken = session.execute(
                update(LockRow)
                .where(
                    LockRow.name == name,
                    or_(LockRow.holder.is_(None), LockRow.until < moment),
                )
                .values(holder=holder, until=moment + lease)
            )
            if taken.rowcount:  # type: ignore[attr-defined]
                return True
            if session.get(LockRow, name) is not None:
                return False
        try:  # the first use of this lock: create it, held
            with self._session() as session, session.begin():
                session.add(LockRow(name=name, holder=holder, until=moment + lease))
            return True
        except IntegrityError:
            return False

    # -- conversations -----------------------------------------------------------------------

    def resolve_thread(self, record: MentionRecord) -> str | None:
        """Return the mention's conversation key. A mention that names only the post it answers
        (a Mastodon reply chain) joins that post's thread, found among the stored mentions and
        the brand's posted replies, or starts its own when we have neither; the key is kept."""
        mention = record.mention
        if mention.thread_id:
            return mention.thread_id
        parent = mention.reply_ref.get("in_reply_to_id")
        if not parent:
            return None
        with self._session() as session, session.begin():
            found = session.execute(
                select(MentionRow.thread_id, MentionRow.external_id)
                .where(
                    MentionRow.network == mention.network,
                    or_(MentionRow.external_id == parent, MentionRow.posted_id == parent),
                )
                .limit(1)
            ).first()
            thread = (found[0] or found[1]) if found is not None else mention.id
            session.execute(
                update(MentionRow).where(MentionRow.id == record.row_id).values(thread_id=thread)
            )
        return thread

    def conversation(self, network: str, thread_id: str, author: str) -> list[int]:
        """Return the row ids of one author's posts in one conversation, oldest first."""
        with self._session() as session:
            return list(
                session.scalars(
                    select(MentionRow.id)
                    .where(
                        MentionRow.network == network,
                        MentionRow.thread_id == thread_id,
                        MentionRow.author == author,
                    )
                    .order_by(MentionRow.id)
                ).all()
            )

    def join_conversation(self, earlier: int, newer: int) -> bool:
        """Fold the open earlier message into the newer one: the newer holds the card now (the
        same Slack message, updated in place), the earlier is answered with it."""
        with self._session() as session, session.begin():
            old = session.get(MentionRow, earlier, with_for_update=True)
            new = session.get(MentionRow, newer, with_for_update=True)
            if old is None or new is None or old.status not in _OPEN or old.incident_id:
                return False
            transition(Status(old.status), Status.GROUPED)
            if old.card_ts and not new.card_ts:
                new.card_state, new.card_channel, new.card_ts = (
                    "posted",
                    old.card_channel,
                    old.card_ts,
                )
                old.card_state, old.card_channel, old.card_ts = "moved", None, None
            old.status, old.grouped_into, old.updated_at = Status.GROUPED.value, newer, now()
            session.add(
                AuditRow(
                    mention_id=earlier, actor="bot", action="joined_conversation", after=str(newer)
                )
            )
            return True

    # -- incidents ---------------------------------------------------------------------------

    def window(
        self, since: datetime, exclude: int, until: datetime | None = None
    ) -> list[Candidate]:
        """Mentions received since `since` that could still join an incident (open, in none),
        with what the comparison needs, in one query."""
        with self._session() as session:
            rows = session.execute(
                select(
                    MentionRow.id,
                    MentionRow.author,
                    MentionRow.text,
                    MentionRow.intent,
                    MentionRow.sentiment,
                    MentionRow.flags,
                    MentionRow.topic,
                ).where(
                    MentionRow.received_at >= since,
                    MentionRow.received_at <= (until or now()),
                    MentionRow.id != exclude,
                    MentionRow.incident_id.is_(None),
                    MentionRow.status.in_(_OPEN),
                )
            ).all()
        return [Candidate(*row) for row in rows]

    def set_topics(self, topics: dict[int, str | None]) -> None:
        """Record each mention's topic (the document its draft cites first), in one go."""
        if not topics:
            return
        with self._session() as session, session.begin():
            for row_id, topic in topics.items():
                session.execute(
                    update(MentionRow).where(MentionRow.id == row_id).values(topic=topic)
                )

    def open_incidents(self, since: datetime | None = None) -> list[Incident]:
        with self._session() as session:
            query = select(IncidentRow).where(IncidentRow.status == "open")
            if since is not None:
                query = query.where(IncidentRow.last_seen >= since)
            return [_incident(r) for r in session.scalars(query.order_by(IncidentRow.id)).all()]

    def incident(self, incident_id: int) -> Incident:
        with self._session() as session:
            row = session.get(IncidentRow, incident_id)
            if row is None:
                raise LookupError(f"no incident {incident_id}")
            return _incident(row)

    def members(self, incident_id: int) -> list[int]:
        with self._session() as session:
            return list(
                session.scalars(
                    select(MentionRow.id)
                    .where(MentionRow.incident_id == incident_id)
                    .order_by(MentionRow.id)
                ).all()
            )

    def open_incident(self, signature: str, topic: str | None, lead: int) -> int:
        with self._session() as session, session.begin():
            row = IncidentRow(signature=signature, topic=topic, lead_row=lead)
            session.add(row)
            session.flush()
            return row.id

    def add_member(self, incident_id: int, row_id: int, grouped: bool) -> bool:
        """Make the mention a member; `grouped` ones leave the queue (answered from the incident
        card), the others keep their own card. Returns False if it was no longer open."""
        with self._session() as session, session.begin():
            row = session.get(MentionRow, row_id, with_for_update=True)
            if row is None or row.status not in _OPEN or row.incident_id is not None:
                return False
            row.incident_id = incident_id
            if grouped:
                transition(Status(row.status), Status.GROUPED)
                row.status = Status.GROUPED.value
            row.updated_at = now()
            session.execute(
                update(IncidentRow).where(IncidentRow.id == incident_id).values(last_seen=now())
            )
            session.add(
                AuditRow(
                    mention_id=row_id, actor="bot", action="incident_member", after=str(incident_id)
                )
            )
            return True

    def close_incident(self, incident_id: int, status: str, actor: str) -> bool:
        with self._session() as session, session.begin():
            changed = session.execute(
                update(IncidentRow)
                .where(IncidentRow.id == incident_id, IncidentRow.status == "open")
                .values(status=status, closed_by=actor)
            )
            return bool(changed.rowcount)  # type: ignore[attr-defined]

    def claim_incident_card(self, incident_id: int) -> bool:
        with self._session() as session, session.begin():
            changed = session.execute(
                update(IncidentRow)
                .where(
                    IncidentRow.id == incident_id,
                    or_(IncidentRow.card_state.is_(None), IncidentRow.card_state == "failed"),
                )
                .values(card_state="posting")
            )
            return bool(changed.rowcount)  # type: ignore[attr-defined]

    def incident_card(
        self, incident_id: int, state: str, channel: str | None, ts: str | None
    ) -> None:
        values: dict[str, Any] = {"card_state": state}
        if channel and ts:
            values |= {"card_channel": channel, "card_ts": ts}
        with self._session() as session, session.begin():
            session.execute(
                update(IncidentRow).where(IncidentRow.id == incident_id).values(**values)
            )

    def incidents_to_card(self) -> list[int]:
        with self._session() as session:
            return list(
                session.scalars(
                    select(IncidentRow.id).where(
                        IncidentRow.status == "open",
                        or_(IncidentRow.card_state.is_(None), IncidentRow.card_state == "failed"),
                    )
                ).all()
            )

    # -- spikes ------------------------------------------------------------------------------

    def negative_count(self, since: datetime, until: datetime) -> int:
        """Mentions received in [since, until) that are negative: a negative sentiment, intent
        complaint or abuse, or a safety flag."""
        with self._session() as session:
            return int(
                session.scalar(
                    select(func.count(MentionRow.id)).where(
                        MentionRow.received_at >= since,
                        MentionRow.received_at < until,
                        MentionRow.intent.is_not(None),
                        _NEGATIVE,
                    )
                )
                or 0
            )

    def negative_rows(self, since: datetime, limit: int = 500) -> list[int]:
        with self._session() as session:
            return list(
                session.scalars(
                    select(MentionRow.id)
                    .where(
                        MentionRow.received_at >= since,
                        MentionRow.intent.is_not(None),
                        _NEGATIVE,
                    )
                    .order_by(MentionRow.id.desc())
                    .limit(limit)
                ).all()
            )

    def first_received(self) -> datetime | None:
        with self._session() as session:
            first = session.scalar(select(func.min(MentionRow.received_at)))
        return _aware(first) if first else None

    def open_alerts(self) -> list[SpikeAlert]:
        with self._session() as session:
            rows = session.scalars(
                select(SpikeAlertRow)
                .where(SpikeAlertRow.closed_at.is_(None))
                .order_by(SpikeAlertRow.id)
            ).all()
            return [_alert(r) for r in rows]

    def last_alert(self, topic: str) -> SpikeAlert | None:
        with self._session() as session:
            row = session.scalars(
                select(SpikeAlertRow)
                .where(SpikeAlertRow.topic == topic)
                .order_by(SpikeAlertRow.id.desc())
                .limit(1)
            ).first()
            return _alert(row) if row else None

    def add_alert(self, topic: str, count: int, threshold: float) -> SpikeAlert:
        with self._session() as session, session.begin():
            row = SpikeAlertRow(topic=topic, count=count, threshold=threshold, opened_at=now())
            session.add(row)
            session.flush()
            return _alert(row)

    def alert_posted(self, alert_id: int, channel: str, ts: str) -> None:
        with self._session() as session, session.begin():
            session.execute(
                update(SpikeAlertRow)
                .where(SpikeAlertRow.id == alert_id)
                .values(channel=channel, ts=ts)
            )

    def close_alert(self, alert_id: int) -> None:
        with self._session() as session, session.begin():
            session.execute(
                update(SpikeAlertRow).where(SpikeAlertRow.id == alert_id).values(closed_at=now())
            )


NEGATIVE = -0.25  # a sentiment at or below this is negative (the summary's bucket)
# Negative: a negative sentiment, intent complaint or abuse, or a safety flag (the JSON list of
# flags compared as text, which SQLite and Postgres both read).
_NEGATIVE = or_(
    MentionRow.sentiment <= NEGATIVE,
    MentionRow.intent.in_(["complaint", "abuse"]),
    cast(MentionRow.flags, String).contains('"safety"'),
)
