"""Store queries for the report and the CSV export: narrow, read-only selects over `mentions`.

The same on SQLite and Postgres. A mention's time is when it was posted, or received when the
network gave no time; the window filters on that time, so a report and an export over the same
period see the same mentions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.engine import Engine

from bot.networks.rules import RULES, ReplyRules
from bot.reporting import Report, ReportRow, build_report, window_start
from bot.store.models import DraftRow, MentionRow
from bot.store.people import posted_time


def report_rows(engine: Engine, since: datetime) -> list[ReportRow]:
    """Return what the report needs of every mention posted since `since`."""
    query = select(
        MentionRow.network,
        MentionRow.intent,
        MentionRow.sentiment,
        MentionRow.status,
        posted_time(),
        MentionRow.posted_at,
    ).where(posted_time() >= since)
    with engine.connect() as conn:
        return [ReportRow._make(row) for row in conn.execute(query).all()]


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One mention as the CSV export needs it."""

    network: str
    external_id: str
    url: str | None
    author: str | None
    created_at: datetime | None
    received_at: datetime
    posted_at: datetime | None
    approved_by: str | None
    intent: str | None
    sentiment: float | None
    priority: str | None
    flags: list[str]
    status: str
    edited: bool


def export_rows(engine: Engine, since: datetime) -> list[ExportRow]:
    """Return every mention posted since `since`, oldest first, with whether a person edited
    its draft."""
    edited = exists().where(DraftRow.mention_id == MentionRow.id, DraftRow.origin == "edited")
    query = (
        select(
            MentionRow.network,
            MentionRow.external_id,
            MentionRow.url,
            MentionRow.author,
            MentionRow.created_at,
            MentionRow.received_at,
            MentionRow.posted_at,
            MentionRow.approved_by,
            MentionRow.intent,
            MentionRow.sentiment,
            MentionRow.priority,
            MentionRow.flags,
            MentionRow.status,
            edited.label("edited"),
        )
        .where(posted_time() >= since)
        .order_by(posted_time(), MentionRow.id)
    )
    with engine.connect() as conn:
        return [
            ExportRow(
                network=r.network,
                external_id=r.external_id,
                url=r.url,
                author=r.author,
                created_at=r.created_at,
                received_at=r.received_at,
                posted_at=r.posted_at,
                approved_by=r.approved_by,
                intent=r.intent,
                sentiment=r.sentiment,
                priority=r.priority,
                flags=[str(f) for f in r.flags or []],
                status=r.status,
                edited=bool(r.edited),
            )
            for r in conn.execute(query)
        ]


def load_report(
    engine: Engine, days: int, now: datetime, sla_minutes: float, rules: ReplyRules = RULES
) -> Report:
    """Return the report over the last `days` calendar days (UTC), read from the store."""
    rows = report_rows(engine, window_start(days, now))
    return build_report(rows, now, days, sla_minutes, rules)
