"""Polling a network for mentions: cursors kept in the store, rate limits waited out, no double
storing. One poller per configured network (X, Bluesky, Mastodon, Reddit), each on its own
interval."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.networks.base import MentionSource
from bot.networks.x import MENTIONS_CURSOR, SEARCH_CURSOR
from bot.store import Store

log = logging.getLogger(__name__)

__all__ = ["MENTIONS_CURSOR", "SEARCH_CURSOR", "NetworkPoller", "XPoller"]


class NetworkPoller:
    """Fetches new mentions when due and stores them; the runner drafts and cards them."""

    def __init__(
        self,
        source: MentionSource,
        store: Store,
        interval: float = 60.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.source = source
        self.store = store
        self.interval = timedelta(seconds=interval)
        self.clock = clock
        self.next_at = clock()
        self.rate_limited_until: datetime | None = None
        self.last_error: str | None = None

    @property
    def label(self) -> str:
        return self.source.label

    def poll_if_due(self) -> int:
        """Poll if the interval (or a rate-limit reset) has passed; return mentions stored."""
        now = self.clock()
        if now < self.next_at:
            return 0
        self.next_at = now + self.interval  # a source that raises is asked again next interval
        cursors = {name: self.store.cursor(name) for name in self.source.cursor_names}
        try:
            fetched = self.source.poll(cursors, self.store.known_ids)
        except Exception as exc:
            self.last_error = str(exc) or type(exc).__name__
            raise
        self.last_error = fetched.problem
        added = self.store.add_mentions(fetched.mentions)
        # Cursors move only after the mentions are stored: a crash re-reads, never skips.
        for name, value in fetched.cursors.items():
            self.store.set_cursor(name, value)
        if fetched.rate_limited_until is not None and fetched.rate_limited_until > now:
            self.rate_limited_until = fetched.rate_limited_until
            self.next_at = max(fetched.rate_limited_until, now + timedelta(seconds=1))
            log.warning(
                "%s rate-limited until %s; waiting",
                self.label,
                fetched.rate_limited_until.isoformat(timespec="seconds"),
            )
        else:
            self.rate_limited_until = None
        if added:
            log.info("%s: %d new mentions", self.label, len(added))
        return len(added)

    def status(self) -> str:
        """One line for `/mentions status` ("Bluesky: polling", "X: rate-limited until …")."""
        if self.rate_limited_until and self.rate_limited_until > self.clock():
            return f"{self.label}: rate-limited until {self.rate_limited_until:%H:%M} UTC"
        if self.last_error:
            return f"{self.label}: failing ({self.last_error[:200]})"
        return f"{self.label}: polling"


XPoller = NetworkPoller  # X was the first network; its tests and callers still use the name
