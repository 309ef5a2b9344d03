"""The CSV export (`bot report --csv`): one row per mention, for a spreadsheet or a BI tool.

Columns, exactly: network,id,url,author,received_at,first_response_at,response_minutes,
approver,intent,sentiment,priority,flags,outcome,edited. Times are ISO 8601 UTC with a `Z`;
`sentiment` is the number of the `bot draft` contract (three places); `response_minutes` runs
from when the post was made (or received) to our reply, one decimal, empty like
`first_response_at` when nothing was posted; `flags` are joined with `|`; `edited` is `true`
when a person edited the draft. `author` is the handle as its network writes it ("@ann",
"u/ann").
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO

from bot.networks.rules import RULES, ReplyRules
from bot.people import aware
from bot.reporting import outcome_of
from bot.store.activity import ExportRow

COLUMNS = (
    "network", "id", "url", "author", "received_at", "first_response_at", "response_minutes",
    "approver", "intent", "sentiment", "priority", "flags", "outcome", "edited",
)  # fmt: skip


def iso(moment: datetime | None) -> str:
    """Return a time as ISO 8601 UTC with a `Z` (seconds), or "" for none."""
    if moment is None:
        return ""
    return aware(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def csv_record(row: ExportRow, rules: ReplyRules = RULES) -> dict[str, str]:
    """Return one mention's CSV row."""
    posted = row.created_at or row.received_at
    minutes = ""
    if row.posted_at is not None:
        seconds = (aware(row.posted_at) - aware(posted)).total_seconds()
        minutes = f"{max(0.0, seconds) / 60:.1f}"
    return {
        "network": row.network,
        "id": row.external_id,
        "url": row.url or "",
        "author": rules.handle(row.network, row.author),
        "received_at": iso(row.received_at),
        "first_response_at": iso(row.posted_at),
        "response_minutes": minutes,
        "approver": row.approved_by or "",
        "intent": row.intent or "",
        "sentiment": "" if row.sentiment is None else str(round(row.sentiment, 3)),
        "priority": row.priority or "",
        "flags": "|".join(sorted(row.flags)),
        "outcome": outcome_of(row.status),
        "edited": "true" if row.edited else "false",
    }


def write_csv(rows: Iterable[ExportRow], sink: TextIO, rules: ReplyRules = RULES) -> int:
    """Write the header and one line per mention; return how many lines."""
    writer = csv.DictWriter(sink, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(csv_record(row, rules))
        count += 1
    return count
