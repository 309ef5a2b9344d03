"""Mention summaries for `/mentions summary` and the App Home: pure computations over records."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.domain import Intent, Status
from bot.networks.rules import RULES
from bot.store import MentionRecord

WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}


@dataclass
class MentionSummary:
    window: str
    total: int = 0
    by_network: Counter[str] = field(default_factory=Counter)  # by label: "X", "Bluesky"
    by_intent: Counter[str] = field(default_factory=Counter)
    by_priority: Counter[str] = field(default_factory=Counter)
    by_sentiment: Counter[str] = field(default_factory=Counter)
    topics: list[tuple[str, int]] = field(default_factory=list)
    pending: int = 0
    open_escalations: int = 0
    median_first_response: timedelta | None = None
    approved: int = 0
    edited: int = 0
    rejected: int = 0
    advocates: list[tuple[str, int]] = field(default_factory=list)
    detractors: list[tuple[str, int]] = field(default_factory=list)
    llm_drafts: int = 0
    llm_tokens: int = 0
    llm_cost_usd: float = 0.0

    def rate(self, count: int) -> float:
        decided = self.approved + self.rejected
        return count / decided if decided else 0.0


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sentiment_bucket(score: float) -> str:
    return "positive" if score >= 0.25 else "negative" if score <= -0.25 else "neutral"


def summarise(
    window: str,
    records: Sequence[MentionRecord],
    edited_ids: set[int],
) -> MentionSummary:
    """Summarise mentions received in a window; `edited_ids` are mentions a human edited."""
    out = MentionSummary(window=window, total=len(records))
    topics: Counter[str] = Counter()
    response_times = []
    reach_fans: dict[str, int] = {}
    reach_critics: dict[str, int] = {}
    for record in records:
        t = record.triage
        out.by_network[RULES.for_network(record.mention.network).label] += 1
        out.by_intent[t.intent.value] += 1
        out.by_priority[t.priority.value] += 1
        out.by_sentiment[sentiment_bucket(t.sentiment)] += 1
        if t.intent not in (Intent.SPAM, Intent.INJECTION):
            topics.update(list(dict.fromkeys(s.doc for s in record.sources[:2])))
        if record.status in (Status.DRAFTED, Status.POST_FAILED):
            out.pending += 1
        if record.status is Status.ESCALATED:
            out.open_escalations += 1
        if record.status in (Status.POSTED, Status.APPROVED):
            out.approved += 1
            if record.row_id in edited_ids:
                out.edited += 1
        if record.status is Status.REJECTED:
            out.rejected += 1
        if record.posted_at is not None:
            start = _aware(record.mention.created_at or record.received_at)
            response_times.append((_aware(record.posted_at) - start).total_seconds())
        # People as their network writes them: "@ana.bsky.social" and "u/ana" are not one person.
        author = RULES.handle(record.mention.network, record.mention.author)
        followers = record.mention.followers or 0
        if author and t.intent is Intent.PRAISE:
            reach_fans[author] = max(reach_fans.get(author, 0), followers)
        if author and (t.intent is Intent.COMPLAINT or t.sentiment <= -0.3):
            reach_critics[author] = max(reach_critics.get(author, 0), followers)
    out.topics = topics.most_common(5)
    if response_times:
        out.median_first_response = timedelta(seconds=statistics.median(response_times))
    out.advocates = sorted(reach_fans.items(), key=lambda kv: -kv[1])[:3]
    out.detractors = sorted(reach_critics.items(), key=lambda kv: -kv[1])[:3]
    return out


def parse_window(text: str) -> str | None:
    """Return a known window ("24h", "7d", "30d") from user text, or None."""
    text = text.strip().lower()
    return text if text in WINDOWS else None
