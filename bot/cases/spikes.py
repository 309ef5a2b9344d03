"""Spike alerts: negative volume well above its usual level, told once, then "back to normal".

Negative means a negative sentiment (≤ −0.25), intent complaint or abuse, or a safety flag,
counted over all topics. The threshold is `max(spike_min, factor × the hourly average over the
previous 7 days)`; the average is over the hours the store actually covers in those 7 days (at
least one), so a fresh install is not measured against empty days it never saw.

The decision is taken under the store's `spikes` lock, never in process memory: with several
workers exactly one posts. An alert's topic is the largest open incident, or else the document
most cited by the hour's negative mentions; there is at most one alert per topic per cooldown,
none while that topic's alert is still open, and the open alert gets a message in its thread
when the rate falls back under the threshold.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.cases.similarity import problem_words
from bot.events import Events, NoEvents
from bot.networks.rules import RULES
from bot.store import MentionRecord, Store
from bot.store.cases import CaseStore, SpikeAlert

log = logging.getLogger(__name__)
HOUR = timedelta(hours=1)
WEEK = timedelta(days=7)
ALL_TOPICS = "all topics"


@dataclass(frozen=True)
class Spike:
    """What an alert says."""

    alert: SpikeAlert
    baseline: float
    terms: list[str]
    docs: list[str]
    networks: list[str]
    samples: list[MentionRecord]
    incidents: list[int]


class Notifier(Protocol):
    """Where alerts go (Slack): post one, and answer in its thread."""

    def post_alert(self, spike: Spike) -> tuple[str, str] | None: ...

    def back_to_normal(self, alert: SpikeAlert, count: int) -> None: ...


class SpikeWatch:
    def __init__(
        self,
        store: Store,
        cases: CaseStore,
        notifier: Notifier,
        spike_min: int = 10,
        factor: float = 3.0,
        cooldown: timedelta = timedelta(minutes=60),
        stop_words: frozenset[str] = frozenset(),
        holder: str = "spikes",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        every: timedelta = timedelta(seconds=30),
        events: Events | None = None,
    ) -> None:
        self.events: Events = events or NoEvents()
        self.store = store
        self.cases = cases
        self.notifier = notifier
        self.spike_min = spike_min
        self.factor = factor
        self.cooldown = cooldown
        self.stop_words = stop_words
        self.holder = holder
        self.clock = clock
        self.every = every
        self._last: datetime | None = None

    def threshold(self, now: datetime) -> tuple[float, float]:
        """Return (threshold, hourly baseline) at `now`."""
        start = now - HOUR - WEEK
        first = self.cases.first_received()
        covered = WEEK if first is None else min(WEEK, max(HOUR, now - HOUR - first))
        earlier = self.cases.negative_count(max(start, now - HOUR - covered), now - HOUR)
        baseline = earlier / (covered / HOUR)
        return max(float(self.spike_min), self.factor * baseline), baseline

    def check(self, force: bool = False) -> Spike | None:
        """Decide, under the store's lock; `force` after new mentions, else at most every
        `every` (the runner calls this on each round, so at least once a minute)."""
        now = self.clock()
        if not force and self._last is not None and now - self._last < self.every:
            return None
        self._last = now
        with self.cases.lock("spikes", self.holder):
            count = self.cases.negative_count(now - HOUR, now + timedelta(seconds=1))
            threshold, baseline = self.threshold(now)
            for alert in self.cases.open_alerts():
                if count <= threshold:
                    self.notifier.back_to_normal(alert, count)
                    self.cases.close_alert(alert.id)
            if count <= threshold:
                return None
            rows = [self.store.get(i) for i in self.cases.negative_rows(now - HOUR, limit=200)]
            topic, incidents = self._topic(rows)
            last = self.cases.last_alert(topic)
            if last is not None and (
                last.closed_at is None or now - last.opened_at < self.cooldown
            ):
                return None
            alert = self.cases.add_alert(topic, count, threshold)
            spike = self._spike(alert, baseline, rows, incidents)
            log.warning(
                "spike: %d negative mentions in the last hour (threshold %.0f)", count, threshold
            )
            where = self.notifier.post_alert(spike)
            if where is not None:
                self.cases.alert_posted(alert.id, *where)
            about = {
                "spike": {
                    "count": count,
                    "threshold": threshold,
                    "baseline": round(baseline, 2),
                    "topic": topic,
                    "terms": spike.terms,
                }
            }
            if rows:  # the event carries the latest negative mention as its example
                self.events.emit("spike.alert", rows[0], extra=about)
            return spike

    def _topic(self, rows: list[MentionRecord]) -> tuple[str, list[int]]:
        incidents = sorted(
            ((len(self.cases.members(i.id)), i) for i in self.cases.open_incidents()),
            key=lambda pair: -pair[0],
        )
        if incidents:
            largest = incidents[0][1]
            return f"incident #{largest.id}: {largest.topic or largest.signature[:80]}", [
                i.id for _, i in incidents
            ]
        docs = Counter(s.doc for r in rows for s in r.sources[:1])
        return (docs.most_common(1)[0][0] if docs else ALL_TOPICS), []

    def _spike(
        self, alert: SpikeAlert, baseline: float, rows: list[MentionRecord], incidents: list[int]
    ) -> Spike:
        words = Counter(
            w for r in rows for w in set(problem_words(r.mention.text, self.stop_words).split())
        )
        docs = Counter(s.doc for r in rows for s in r.sources[:1])
        networks = sorted({RULES.for_network(r.mention.network).label for r in rows})
        return Spike(
            alert,
            baseline,
            [w for w, _ in words.most_common(8)],
            [d for d, _ in docs.most_common(3)],
            networks,
            rows[:3],
            incidents,
        )
