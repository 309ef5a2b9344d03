"""Polling X for mentions: since_id kept in the store, rate limits waited out, no double storing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.networks.x import XClient
from bot.store import Store

log = logging.getLogger(__name__)

MENTIONS_CURSOR = "x:mentions:since_id"
SEARCH_CURSOR = "x:search:since_id"


class XPoller:
    """Fetches new mentions when due and stores them; the runner drafts and cards them."""

    def __init__(
        self,
        client: XClient,
        store: Store,
        interval: float = 60.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client = client
        self.store = store
        self.interval = timedelta(seconds=interval)
        self.clock = clock
        self.next_at = clock()
        self.rate_limited_until: datetime | None = None

    def poll_if_due(self) -> int:
        """Poll if the interval (or a rate-limit reset) has passed; return mentions stored."""
        now = self.clock()
        if now < self.next_at:
            return 0
        fetched = self.client.fetch(
            self.store.cursor(MENTIONS_CURSOR), self.store.cursor(SEARCH_CURSOR)
        )
        added = self.store.add_mentions(fetched.mentions)
        # Cursors move only after the mentions are stored: a crash re-reads, never skips.
        if fetched.newest_id:
            self.store.set_cursor(MENTIONS_CURSOR, fetched.newest_id)
        if fetched.search_newest_id:
            self.store.set_cursor(SEARCH_CURSOR, fetched.search_newest_id)
        if fetched.rate_limited_until is not None:
            self.rate_limited_until = fetched.rate_limited_until
            self.next_at = max(fetched.rate_limited_until, now + timedelta(seconds=1))
            log.warning("X rate-limited until %s; waiting", fetched.rate_limited_until.isoformat())
        else:
            self.rate_limited_until = None
            self.next_at = now + self.interval
        return len(added)

    def status(self) -> str:
        if self.rate_limited_until and self.rate_limited_until > self.clock():
            return f"X: rate-limited until {self.rate_limited_until:%H:%M} UTC"
        return "X: polling"
