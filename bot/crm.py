"""The CRM hand-off: signed JSON events for what happened to a mention, delivered at least once.

Events: `mention.escalated`, `reply.posted`, `mention.rejected`, `incident.opened`,
`spike.alert`. Each is written to the store's outbox (`crm_events`) when it happens, with a
stable `event_id` and its body fixed then; whichever `bot serve` or `bot worker` process claims
it (one at a time per event: a lease, like mentions) POSTs it to `CRM_WEBHOOK_URL`, signed afresh
at each attempt exactly as the inbound webhook checks signatures:

    X-Timestamp: <unix seconds>
    X-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>"> keyed with CRM_WEBHOOK_SECRET

A 2xx delivers it. A 5xx, a timeout or a refused connection is retried: the first retry within
10 s, then with exponential backoff up to 10 minutes, for as long as it takes (a CRM down for an
hour loses nothing; a restarted worker picks the event up when its lease runs out). A 4xx is the
CRM refusing this event for good: it is kept, marked failed, and shown in `/mentions status`.
Delivery runs in the runner's background rounds, never inside a Slack request.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import sessionmaker

from bot.store import MentionRecord, Store
from bot.store.models import CrmEventRow
from bot.webhook import signature

log = logging.getLogger(__name__)

EVENTS = ("mention.escalated", "reply.posted", "mention.rejected", "incident.opened", "spike.alert")
FIRST_RETRY = timedelta(seconds=5)  # within 10 s
LONGEST_WAIT = timedelta(minutes=10)
LEASE = timedelta(seconds=60)


def mention_payload(record: MentionRecord) -> dict[str, Any]:
    """The mention as the `bot draft` contract writes it, plus who, where and the text."""
    t, m = record.triage, record.mention
    return {
        "id": m.id,
        "network": m.network,
        "url": m.url,
        "author": m.author,
        "followers": m.followers,
        "text": m.text,
        "created_at": m.created_at.isoformat() if m.created_at else None,
        "intent": str(t.intent),
        "sentiment": round(t.sentiment, 3),
        "priority": str(t.priority),
        "escalate": t.escalate,
        "escalate_reason": t.escalate_reason,
        "reply": t.should_reply,
        "draft": record.draft.text if record.draft else None,
        "sources": [s.as_dict() for s in record.sources[:3]],
        "flags": t.sorted_flags(),
        "status": record.status.value,
    }


def payload(
    event: str,
    record: MentionRecord,
    at: datetime,
    actor: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    if event not in EVENTS:
        raise ValueError(f"unknown CRM event {event!r}")
    body: dict[str, Any] = {
        "event": event,
        "event_id": uuid.uuid4().hex,
        "at": at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "mention": mention_payload(record),
    }
    if event == "reply.posted":
        body["reply"] = {
            "text": record.final_text,
            "id": record.posted_id,
            "url": record.posted_url,
            "approved_by": record.approved_by,
            "posted_at": record.posted_at.isoformat() if record.posted_at else None,
        }
    if actor:
        body["actor"] = actor
    body.update(extra or {})
    return body


@dataclass(frozen=True)
class Backlog:
    waiting: int
    failed: int
    oldest: datetime | None

    def line(self, now_: datetime) -> str:
        if not self.waiting and not self.failed:
            return "CRM: up to date"
        age = ""
        if self.oldest is not None:
            minutes = max(0, int((now_ - self.oldest).total_seconds() // 60))
            age = f", the oldest {minutes} min"
        failed = f"; {self.failed} refused by the CRM (kept)" if self.failed else ""
        return f"CRM: {self.waiting} events waiting{age}{failed}"


class CrmOutbox:
    """The outbox table: events in, due events claimed, outcomes recorded."""

    def __init__(
        self, store: Store, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._session = sessionmaker(store.engine, expire_on_commit=False)
        self.clock = clock

    def emit(
        self,
        event: str,
        record: MentionRecord,
        actor: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        body = payload(event, record, self.clock(), actor, extra)
        with self._session() as session, session.begin():
            session.add(
                CrmEventRow(
                    event_id=body["event_id"],
                    event=event,
                    body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                    next_at=self.clock(),
                )
            )

    def claim(self, worker: str, limit: int = 20) -> list[tuple[int, str, int]]:
        """Lease up to `limit` due events to `worker`: (row id, body, attempts so far)."""
        moment = self.clock()
        with self._session() as session, session.begin():
            due = (
                select(CrmEventRow.id)
                .where(
                    CrmEventRow.delivered_at.is_(None),
                    CrmEventRow.failed_at.is_(None),
                    CrmEventRow.next_at <= moment,
                    or_(CrmEventRow.claimed_until.is_(None), CrmEventRow.claimed_until < moment),
                )
                .order_by(CrmEventRow.id)
                .limit(limit)
            )
            ids = list(session.scalars(due).all())
            claimed = []
            for row_id in ids:  # one compare-and-set each: two processes never share an event
                taken = session.execute(
                    update(CrmEventRow)
                    .where(
                        CrmEventRow.id == row_id,
                        or_(
                            CrmEventRow.claimed_until.is_(None),
                            CrmEventRow.claimed_until < moment,
                        ),
                    )
                    .values(claimed_by=worker, claimed_until=moment + LEASE)
                )
                if taken.rowcount:  # type: ignore[attr-defined]
                    claimed.append(row_id)
            rows = session.execute(
                select(CrmEventRow.id, CrmEventRow.body, CrmEventRow.attempts).where(
                    CrmEventRow.id.in_(claimed)
                )
            ).all()
        return [(r[0], r[1], r[2]) for r in rows]

    def delivered(self, row_id: int) -> None:
        self._set(row_id, delivered_at=self.clock(), claimed_by=None, claimed_until=None)

    def retry(self, row_id: int, attempts: int, error: str) -> None:
        wait = min(LONGEST_WAIT, FIRST_RETRY * (2 ** max(0, attempts - 1)))
        self._set(
            row_id,
            attempts=attempts,
            next_at=self.clock() + wait,
            last_error=error[:500],
            claimed_by=None,
            claimed_until=None,
        )

    def refused(self, row_id: int, attempts: int, error: str) -> None:
        self._set(
            row_id,
            attempts=attempts,
            failed_at=self.clock(),
            last_error=error[:500],
            claimed_by=None,
            claimed_until=None,
        )

    def backlog(self) -> Backlog:
        with self._session() as session:
            waiting, oldest = session.execute(
                select(func.count(CrmEventRow.id), func.min(CrmEventRow.created_at)).where(
                    CrmEventRow.delivered_at.is_(None), CrmEventRow.failed_at.is_(None)
                )
            ).one()
            failed = session.scalar(
                select(func.count(CrmEventRow.id)).where(CrmEventRow.failed_at.is_not(None))
            )
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        return Backlog(int(waiting or 0), int(failed or 0), oldest)

    def _set(self, row_id: int, **values: Any) -> None:
        with self._session() as session, session.begin():
            session.execute(update(CrmEventRow).where(CrmEventRow.id == row_id).values(**values))


class CrmSender:
    """Delivers due events: signed POSTs, retried with backoff, one process per event."""

    def __init__(
        self,
        outbox: CrmOutbox,
        url: str,
        secret: str,
        worker: str,
        timeout: float = 10.0,
        session: requests.Session | None = None,
    ) -> None:
        self.outbox = outbox
        self.url = url
        self.secret = secret
        self.worker = worker
        self.timeout = timeout
        self.http = session or requests.Session()

    def deliver_due(self, limit: int = 20) -> int:
        """Send what is due; return how many the CRM took."""
        sent = 0
        for row_id, body, attempts in self.outbox.claim(self.worker, limit):
            tried = attempts + 1
            raw = body.encode()
            stamp = str(int(datetime.now(UTC).timestamp()))
            headers = {
                "Content-Type": "application/json",
                "X-Timestamp": stamp,
                "X-Signature": signature(self.secret, stamp, raw),
            }
            try:
                answer = self.http.post(self.url, data=raw, headers=headers, timeout=self.timeout)
            except requests.RequestException as exc:
                log.warning("CRM delivery failed (attempt %d): %s", tried, type(exc).__name__)
                self.outbox.retry(row_id, tried, f"no answer: {type(exc).__name__}")
                continue
            if 200 <= answer.status_code < 300:
                self.outbox.delivered(row_id)
                sent += 1
            elif answer.status_code >= 500 or answer.status_code == 429:
                self.outbox.retry(row_id, tried, f"the CRM answered {answer.status_code}")
            else:
                log.error("the CRM refused an event (%d); kept, not retried", answer.status_code)
                self.outbox.refused(row_id, tried, f"the CRM answered {answer.status_code}")
        return sent
