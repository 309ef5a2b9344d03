"""Seed a real store with mentions as they would stand after triage, review and posting.

Rows go straight into the tables (`MentionRow`, `DraftRow`) so a test can place a mention at
any time in the past and give it any outcome; everything is read back through the code under
test, on SQLite or Postgres.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from bot.store import Store
from bot.store.models import DraftRow, MentionRow

NOW = datetime.now(UTC).replace(microsecond=0)
_ids = itertools.count(1)


def add(
    store: Store,
    *,
    author: str | None = "ann",
    network: str = "x",
    intent: str | None = "question",
    sentiment: float | None = 0.0,
    followers: int | None = 100,
    posted: datetime | None = None,
    received: datetime | None = None,
    status: str = "drafted",
    reply_after: timedelta | None = None,
    approver: str | None = None,
    priority: str | None = "normal",
    flags: tuple[str, ...] = (),
    edited: bool = False,
    text: str = "a mention",
    url: str | None = "",
) -> int:
    """Store one mention and return its row id; `reply_after` posts our reply that long after."""
    number = next(_ids)
    received = received or posted or NOW
    replied = (posted or received) + reply_after if reply_after is not None else None
    row = MentionRow(
        network=network,
        external_id=f"seed{number}",
        text=text,
        author=author,
        followers=followers,
        url=f"https://example.social/{author}/{number}" if url == "" else url,
        created_at=posted,
        received_at=received,
        status=status if replied is None else "posted",
        intent=intent,
        sentiment=sentiment,
        priority=priority,
        flags=list(flags),
        approved_by=approver or ("UAPPROVER" if replied else None),
        posted_at=replied,
        final_text=f"@{author} thanks for reaching out" if replied else None,
        posted_url=f"https://example.social/brand/reply{number}" if replied else None,
    )
    with Session(store.engine) as session, session.begin():
        session.add(row)
        session.flush()
        session.add(DraftRow(mention_id=row.id, text="a draft", origin="offline"))
        if edited:
            session.add(DraftRow(mention_id=row.id, text="edited", origin="edited", author="U1"))
        return row.id
