"""People: who an author is to the brand, from their stored mentions. Pure, no SDK, no SQL.

Three things live here: which stored `(network, author)` pairs are one person (`account`), the
advocate score and the rankings built on it (`score_authors`, `rank`), and the one history line
a review card shows about its author (`history_line`). The store module `bot.store.people` reads
the rows; everything computed from them is here, so it is tested without a database.

The score of an author over a window is

    score = Σ (over their mentions in the window)  p · (1 + log10(1 + reach)) · 0.5 ** (age / 30 d)

where `p` is +1 for a positive mention (intent praise, or sentiment ≥ 0.25 when the intent is
neither a complaint nor abuse), −1 for a negative one (intent complaint or abuse, or sentiment
≤ −0.25) and 0 otherwise (spam and injection attempts count 0), `reach` is the followers (karma on
Reddit) the mention arrived with, and `age` is how long ago it was posted. Reach is damped by the
logarithm, so a 100,000-follower account weighs 6 against a newcomer's 1, not 100,000 to 1;
recency halves a mention's weight every 30 days. Advocates are the authors with the highest
positive scores, detractors those with the lowest negative ones.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

HALF_LIFE = timedelta(days=30)
POSITIVE, NEGATIVE = 0.25, -0.25
ADVOCATES, DETRACTORS = 10, 5  # the lists' lengths, and who gets a badge on their cards
BADGE_WINDOW = timedelta(days=90)
PEOPLE_WINDOWS = {"7d": timedelta(days=7), "30d": timedelta(days=30), "90d": timedelta(days=90)}

# Networks that are one account space: a post found by X keyword search is by an X account.
_SAME_ACCOUNTS = {"x_search": "x"}


class Standing(StrEnum):
    ADVOCATE = "advocate"
    DETRACTOR = "detractor"


def account(network: str, author: str) -> tuple[str, str]:
    """Return who a stored (network, author) is: handles compare without case, as networks do."""
    return (_SAME_ACCOUNTS.get(network, network), author.strip().lower())


def networks_of(network: str) -> list[str]:
    """Return every stored network value that shares `network`'s accounts ("x" → x, x_search)."""
    home = _SAME_ACCOUNTS.get(network, network)
    return [home, *(n for n, same in _SAME_ACCOUNTS.items() if same == home)]


def aware(moment: datetime) -> datetime:
    """Read a stored time as UTC (SQLite gives them back without a zone)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def polarity(intent: str | None, sentiment: float | None) -> int:
    """Return +1 for a positive mention, −1 for a negative one, 0 otherwise (see the module)."""
    if intent in (None, "spam", "injection"):
        return 0
    if intent == "praise":
        return 1
    if intent in ("complaint", "abuse"):
        return -1
    score = sentiment or 0.0
    return 1 if score >= POSITIVE else -1 if score <= NEGATIVE else 0


def utc(moment: datetime) -> datetime:
    """Return a stored time as naive UTC (SQLite gives naive UTC, Postgres its session zone)."""
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


_HALF_LIFE_SECONDS = HALF_LIFE.total_seconds()


def _weight(reach: int | None, age_seconds: float) -> float:
    return (1 + math.log10(1 + max(0, reach or 0))) * 0.5 ** (
        max(0.0, age_seconds) / _HALF_LIFE_SECONDS
    )


def weight(reach: int | None, posted: datetime, now: datetime) -> float:
    """Return a mention's weight: log-damped reach times a 30-day half-life."""
    return _weight(reach, (utc(now) - utc(posted)).total_seconds())


class PeopleRow(NamedTuple):
    """One stored mention, as much of it as scoring needs (a tuple: 100,000 are cheap)."""

    network: str
    author: str
    followers: int | None
    intent: str | None
    sentiment: float | None
    posted: datetime  # created_at, or received_at when the network gave no time
    url: str | None


@dataclass(slots=True)
class AuthorScore:
    """An author's standing over a window."""

    network: str  # as stored on their latest mention
    author: str
    score: float = 0.0
    reach: int = 0  # the highest reach they posted with
    mentions: int = 0
    latest_url: str | None = None
    latest_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Rankings:
    advocates: list[AuthorScore] = field(default_factory=list)
    detractors: list[AuthorScore] = field(default_factory=list)

    def standing(self, network: str, author: str | None) -> Standing | None:
        """Return whether this author is on either list."""
        if not author:
            return None
        who = account(network, author)
        if any(account(a.network, a.author) == who for a in self.advocates):
            return Standing.ADVOCATE
        if any(account(d.network, d.author) == who for d in self.detractors):
            return Standing.DETRACTOR
        return None


def score_authors(rows: Iterable[PeopleRow], now: datetime) -> list[AuthorScore]:
    """Return every author's score over the rows given (one window of mentions)."""
    scores: dict[tuple[str, str], AuthorScore] = {}
    latest: dict[tuple[str, str], datetime] = {}  # naive UTC, compared cheaply
    naive_now = utc(now)
    for network, author, followers, intent, sentiment, posted, url in rows:
        key = account(network, author)
        entry = scores.get(key)
        if entry is None:
            entry = scores[key] = AuthorScore(network, author)
        entry.mentions += 1
        if followers and followers > entry.reach:
            entry.reach = followers
        posted = utc(posted)
        p = polarity(intent, sentiment)
        if p:
            entry.score += p * _weight(followers, (naive_now - posted).total_seconds())
        if key not in latest or posted >= latest[key]:
            latest[key], entry.latest_url = posted, url
            entry.network, entry.author = network, author
    for key, entry in scores.items():
        entry.latest_at = latest[key].replace(tzinfo=UTC)
    return list(scores.values())


def rank(scores: Sequence[AuthorScore]) -> Rankings:
    """Return the top advocates (highest positive scores) and detractors (lowest negative)."""
    by_score = sorted(scores, key=lambda s: (-s.score, -s.reach, s.author))
    advocates = [s for s in by_score if s.score > 0][:ADVOCATES]
    detractors = [s for s in reversed(by_score) if s.score < 0][:DETRACTORS]
    return Rankings(advocates, detractors)


@dataclass(frozen=True, slots=True)
class AuthorFacts:
    """What the store knows about one author on one network, for their cards."""

    handle: str  # as the network writes it: "@ann", "u/ann"
    label: str  # the network: "X", "Reddit"
    mentions_30d: int
    mentions_total: int
    last_intent: str | None  # their previous mention's, not this card's
    last_at: datetime | None
    replies: int  # replies the brand posted to them
    standing: Standing | None = None


def ago(moment: datetime, now: datetime) -> str:
    """Return a compact age: "5m", "3h", "12d"."""
    minutes = max(0, int((now - aware(moment)).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 48 * 60:
        return f"{minutes // 60}h"
    return f"{minutes // (24 * 60)}d"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def history_line(facts: AuthorFacts, now: datetime) -> str:
    """Return the card's one line about the author (plain text; the card escapes it)."""
    recent = _plural(facts.mentions_30d, "mention", "mentions")
    parts = [
        f"👤 {facts.handle} on {facts.label}: {recent} in 30 days, {facts.mentions_total} in all"
    ]
    if facts.last_intent and facts.last_at:
        parts.append(f"last before this: {facts.last_intent} {ago(facts.last_at, now)} ago")
    else:
        parts.append("first mention")
    parts.append(f"{_plural(facts.replies, 'reply', 'replies')} from us")
    if facts.standing is Standing.ADVOCATE:
        parts.append("⭐ advocate (top 10, 90 days)")
    elif facts.standing is Standing.DETRACTOR:
        parts.append("⚠️ detractor (top 5, 90 days)")
    return " · ".join(parts)


def parse_author(text: str, known_networks: Iterable[str]) -> tuple[str | None, str]:
    """Split `/mentions author` input into (network or None, bare handle).

    Accepts the handle as its network writes it ("@ann", "u/ann", "@user@instance",
    "ana.bsky.social"), with an optional "network:" prefix ("bluesky:ana.bsky.social").
    """
    text = text.strip()
    network: str | None = None
    head, sep, rest = text.partition(":")
    if sep and head.lower() in {n.lower() for n in known_networks}:
        network, text = head.lower(), rest.strip()
    lowered = text.lower()
    if lowered.startswith("/u/"):
        text, network = text[3:], network or "reddit"
    elif lowered.startswith("u/"):
        text, network = text[2:], network or "reddit"
    elif text.startswith("@"):
        text = text[1:]
    return network, text
