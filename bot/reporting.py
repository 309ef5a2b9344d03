"""The manager's report: pure computations over stored mentions, for the chart and the text.

Honest by construction: every day of the window is present (a quiet day counts zero), the time
to first response runs from when the post was made (or received, when the network gave no time)
to when our reply was posted, and rejected and no-reply mentions are counted in the outcomes,
not dropped. The share answered within the SLA is over the mentions that were answered plus
those still waiting (pending or escalated) for longer than the SLA; a mention still inside its
SLA, or one the team decided not to answer (rejected, no reply), is in neither part.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from bot.domain import Status
from bot.networks.rules import RULES, ReplyRules
from bot.people import aware, utc

SENTIMENTS = ("positive", "neutral", "negative")
OUTCOMES = ("posted", "rejected", "escalated", "no_reply", "pending")
# Decided outcomes by status; new, drafted, approved (posting) and post_failed are `pending`.
_OUTCOME = {
    Status.POSTED.value: "posted",
    Status.REJECTED.value: "rejected",
    Status.ESCALATED.value: "escalated",
    Status.NO_REPLY.value: "no_reply",
}


def outcome_of(status: str) -> str:
    """Return a stored status as a report outcome; everything undecided is `pending`."""
    return _OUTCOME.get(status, "pending")


def sentiment_bucket(score: float | None) -> str:
    value = score or 0.0
    return "positive" if value >= 0.25 else "negative" if value <= -0.25 else "neutral"


def percentile(values: Sequence[float], share: float) -> float | None:
    """Return the nearest-rank percentile (`share` 0.9 for p90), None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def parse_days(text: str, allowed: Iterable[int] | None = None) -> int | None:
    """Return the days in a period such as "7d" or "30d", or None if it is not one."""
    text = text.strip().lower()
    if not (text.endswith("d") and text[:-1].isdigit()) or int(text[:-1]) < 1:
        return None
    days = int(text[:-1])
    return days if allowed is None or days in set(allowed) else None


class ReportRow(NamedTuple):
    """One stored mention, as much of it as the report needs (a tuple: 100,000 are cheap)."""

    network: str
    intent: str | None
    sentiment: float | None
    status: str
    posted: datetime  # created_at, or received_at when the network gave no time
    answered_at: datetime | None  # when our reply was posted

    @property
    def response_minutes(self) -> float | None:
        if self.answered_at is None:
            return None
        return max(0.0, (utc(self.answered_at) - utc(self.posted)).total_seconds() / 60)


@dataclass(slots=True)
class Day:
    day: date
    sentiment: Counter[str] = field(default_factory=Counter)
    median_minutes: float | None = None
    p90_minutes: float | None = None
    answered: int = 0


@dataclass(slots=True)
class Report:
    days: list[Day]
    since: datetime
    until: datetime
    sla_minutes: float
    total: int = 0
    by_network: Counter[str] = field(default_factory=Counter)  # by label: "X", "Bluesky"
    by_intent: Counter[str] = field(default_factory=Counter)
    by_sentiment: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    answered: int = 0
    within_sla: int = 0
    sla_due: int = 0  # answered, plus waiting longer than the SLA
    median_minutes: float | None = None
    p90_minutes: float | None = None

    @property
    def window(self) -> str:
        return f"{len(self.days)}d"

    @property
    def sla_share(self) -> float | None:
        return self.within_sla / self.sla_due if self.sla_due else None


def window_start(days: int, now: datetime) -> datetime:
    """Return midnight UTC of the first of the last `days` calendar days (today included)."""
    first = aware(now).astimezone(UTC).date() - timedelta(days=days - 1)
    return datetime.combine(first, time(0), tzinfo=UTC)


def build_report(
    rows: Iterable[ReportRow],
    now: datetime,
    days: int,
    sla_minutes: float,
    rules: ReplyRules = RULES,
) -> Report:
    """Return the report over the last `days` calendar days (UTC) of `rows`."""
    now = aware(now).astimezone(UTC)
    since = window_start(days, now)
    first = since.date()
    report = Report([Day(first + timedelta(days=i)) for i in range(days)], since, now, sla_minutes)
    by_day = {d.day: d for d in report.days}
    naive_now = now.replace(tzinfo=None)
    # One pass into plain counters keyed by everything at once: 100,000 rows stay well under a
    # second; the per-figure totals are summed from these few hundred cells afterwards.
    cells: Counter[tuple[date, str, str, str | None, str]] = Counter()
    minutes_by_day: dict[date, list[float]] = {d: [] for d in by_day}
    overdue = 0
    for network, intent, sentiment, status, posted, answered_at in rows:
        posted = utc(posted)
        day = posted.date()
        if day not in by_day:
            continue  # outside the window
        outcome = outcome_of(status)
        cells[(day, sentiment_bucket(sentiment), network, intent, outcome)] += 1
        if answered_at is not None:
            minutes_by_day[day].append(max(0.0, (utc(answered_at) - posted).total_seconds() / 60))
        elif outcome in ("pending", "escalated"):
            overdue += (naive_now - posted).total_seconds() > sla_minutes * 60
    labels = {network: rules.for_network(network).label for _, _, network, _, _ in cells}
    for (day, bucket, network, intent, outcome), count in cells.items():
        report.total += count
        by_day[day].sentiment[bucket] += count
        report.by_sentiment[bucket] += count
        report.by_network[labels[network]] += count
        report.by_intent[intent or "untriaged"] += count
        report.outcomes[outcome] += count
    all_minutes = [m for values in minutes_by_day.values() for m in values]
    report.answered = len(all_minutes)
    report.within_sla = sum(1 for m in all_minutes if m <= sla_minutes)
    report.sla_due = report.answered + overdue
    for entry in report.days:
        values = minutes_by_day[entry.day]
        entry.answered = len(values)
        if values:
            entry.median_minutes = statistics.median(values)
            entry.p90_minutes = percentile(values, 0.9)
    if all_minutes:
        report.median_minutes = statistics.median(all_minutes)
        report.p90_minutes = percentile(all_minutes, 0.9)
    return report


def minutes_text(minutes: float | None) -> str:
    if minutes is None:
        return "–"
    return f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def _counts(counter: Counter[str], order: Sequence[str] | None = None) -> str:
    keys = order or [k for k, _ in counter.most_common()]
    return ", ".join(f"{k} {counter[k]}" for k in keys if counter.get(k)) or "none"


def key_numbers(report: Report) -> list[str]:
    """Return the report's figures as plain lines (the chart's text twin)."""
    share = report.sla_share
    sla = f"{report.sla_minutes:g} min"
    within = (
        f"{share:.0%} answered within the SLA of {sla} ({report.within_sla} of {report.sla_due})"
        if share is not None
        else f"nothing due within the SLA of {sla} yet"
    )
    return [
        f"{report.total} mentions, {report.since:%Y-%m-%d} to {report.until:%Y-%m-%d} (UTC)",
        f"sentiment: {_counts(report.by_sentiment, SENTIMENTS)}",
        f"time to first response: median {minutes_text(report.median_minutes)}, "
        f"p90 {minutes_text(report.p90_minutes)} over {report.answered} replies; {within}",
        f"outcomes: {_counts(report.outcomes, OUTCOMES)}",
        f"by network: {_counts(report.by_network)}",
        f"by intent: {_counts(report.by_intent)}",
    ]
