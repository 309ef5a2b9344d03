"""Store queries about people: an author's history, their mentions and replies, the rankings.

Read-only SQL over the store's engine and its tables, the same on SQLite and Postgres. Authors
are matched without case, and X keyword matches count as X (`bot.people.account`); the scoring
and the wording are in `bot.people`. The 90-day rankings behind the card badges are cached for a
few minutes, so a burst of cards costs one ranking, not one each.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.engine import Engine

from bot.domain import Status
from bot.networks.rules import RULES, ReplyRules
from bot.people import (
    BADGE_WINDOW,
    AuthorFacts,
    PeopleRow,
    Rankings,
    aware,
    history_line,
    networks_of,
    rank,
    score_authors,
)
from bot.store.models import MentionRow
from bot.store.repository import MentionRecord

log = logging.getLogger(__name__)


def posted_time() -> Any:
    """When a mention was posted: created_at, or received_at when the network gave no time."""
    return func.coalesce(MentionRow.created_at, MentionRow.received_at)


@dataclass(frozen=True, slots=True)
class AuthorMention:
    """One of an author's mentions, with the brand's reply when one was posted."""

    row_id: int
    network: str
    author: str
    text: str
    url: str | None
    posted: datetime
    intent: str | None
    status: Status
    reply_text: str | None
    reply_url: str | None
    replied_at: datetime | None


def _same_author(network: str | None, author: str) -> list[Any]:
    where = [func.lower(MentionRow.author) == author.strip().lower()]
    if network is not None:
        where.append(MentionRow.network.in_(networks_of(network)))
    return where


class PeopleQueries:
    """The people side of the store: facts for a card, an author's mentions, the rankings."""

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        cache_for: timedelta = timedelta(minutes=5),
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.cache_for = cache_for
        self._badges: tuple[datetime, Rankings] | None = None
        self._lock = threading.Lock()

    # -- rankings ----------------------------------------------------------------------------

    def rows(self, since: datetime) -> list[PeopleRow]:
        """Return every triaged mention with an author posted since `since`."""
        query = select(
            MentionRow.network,
            MentionRow.author,
            MentionRow.followers,
            MentionRow.intent,
            MentionRow.sentiment,
            posted_time(),
            MentionRow.url,
        ).where(MentionRow.author.is_not(None), posted_time() >= since)
        with self.engine.connect() as conn:
            return [PeopleRow._make(row) for row in conn.execute(query).all()]

    def rankings(self, window: timedelta) -> Rankings:
        """Return the top advocates and detractors of the last `window`."""
        now = self.clock()
        return rank(score_authors(self.rows(now - window), now))

    def badges(self) -> Rankings:
        """Return the 90-day rankings that decide card badges (cached for `cache_for`)."""
        now = self.clock()
        with self._lock:
            if self._badges and now - self._badges[0] < self.cache_for:
                return self._badges[1]
        found = self.rankings(BADGE_WINDOW)
        with self._lock:
            self._badges = (now, found)
        return found

    # -- one author --------------------------------------------------------------------------

    def facts(self, record: MentionRecord, rules: ReplyRules = RULES) -> AuthorFacts | None:
        """Return what the store knows about the author of `record` on its network."""
        mention = record.mention
        if not mention.author:
            return None
        now = self.clock()
        same = _same_author(mention.network, mention.author)
        this_posted = mention.created_at or record.received_at
        counts = select(
            func.count(MentionRow.id),
            func.coalesce(
                func.sum(case((posted_time() >= now - timedelta(days=30), 1), else_=0)), 0
            ),
            func.coalesce(
                func.sum(case((MentionRow.status == Status.POSTED.value, 1), else_=0)), 0
            ),
        ).where(*same)
        previous = (
            select(MentionRow.intent, posted_time())
            .where(
                *same,
                MentionRow.id != record.row_id,
                MentionRow.intent.is_not(None),
                posted_time() <= this_posted,
            )
            .order_by(posted_time().desc(), MentionRow.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            total, recent, replies = conn.execute(counts).one()
            last = conn.execute(previous).first()
        return AuthorFacts(
            handle=rules.handle(mention.network, mention.author),
            label=rules.for_network(mention.network).label,
            mentions_30d=int(recent),
            mentions_total=int(total),
            last_intent=last[0] if last else None,
            last_at=aware(last[1]) if last else None,
            replies=int(replies),
            standing=self.badges().standing(mention.network, mention.author),
        )

    def history(self, record: MentionRecord, rules: ReplyRules = RULES) -> str | None:
        """Return the card's author line, or None (a failed look-up never stops a card)."""
        try:
            facts = self.facts(record, rules)
        except Exception:  # the card matters more than its history line
            log.exception("author history for mention %s failed", record.row_id)
            return None
        return history_line(facts, self.clock()) if facts else None

    def mentions_by(
        self, network: str | None, author: str, limit: int = 15
    ) -> tuple[int, list[AuthorMention]]:
        """Return how many mentions an author has, and their latest `limit` with our replies."""
        same = _same_author(network, author)
        query = (
            select(
                MentionRow.id,
                MentionRow.network,
                MentionRow.author,
                MentionRow.text,
                MentionRow.url,
                posted_time(),
                MentionRow.intent,
                MentionRow.status,
                MentionRow.final_text,
                MentionRow.posted_url,
                MentionRow.posted_at,
            )
            .where(*same)
            .order_by(posted_time().desc(), MentionRow.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count(MentionRow.id)).where(*same)).scalar_one()
            rows = conn.execute(query).all()
        found = [
            AuthorMention(
                row_id=r[0],
                network=r[1],
                author=r[2],
                text=r[3],
                url=r[4],
                posted=aware(r[5]),
                intent=r[6],
                status=Status(r[7]),
                reply_text=r[8] if r[7] == Status.POSTED.value else None,
                reply_url=r[9] if r[7] == Status.POSTED.value else None,
                replied_at=aware(r[10]) if r[10] and r[7] == Status.POSTED.value else None,
            )
            for r in rows
        ]
        return int(total), found

    def networks(self) -> Sequence[str]:
        """Return the networks mentions are stored under (for `network:` prefixes)."""
        with self.engine.connect() as conn:
            return list(conn.execute(select(MentionRow.network).distinct()).scalars())
