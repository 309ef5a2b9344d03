"""What every network adapter shares: the fetch result, the source port, rate limits, state.

A network adapter is one class per network that is both a mention source (`poll`) and a reply
publisher (`publish` / `find`, the `ReplyPublisher` port of `bot.review`). The generic
`NetworkPoller` (bot/networks/poller.py) drives every source the same way: it hands the source
the cursors it saved last time and a way to ask which ids are already stored, stores what comes
back, and only then saves the new cursors, so a crash re-reads and never skips.

Client-library errors never leave an adapter: they become `PublishError` (bot.review) when
posting and `RateLimited` or a logged failure when reading.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from bot.domain import Mention
from bot.review import ReplyPublisher

# Given a network and ids on it, return the ids already stored (Bluesky stops paging at one).
KnownIds = Callable[[str, Collection[str]], set[str]]


class RateLimited(Exception):
    """The network said "too many requests"; nothing more should be asked before `reset_at`."""

    def __init__(self, reset_at: datetime) -> None:
        super().__init__(f"rate-limited until {reset_at:%H:%M:%S} UTC")
        self.reset_at = reset_at


@dataclass
class Fetched:
    """One poll's result: new mentions, the cursors to save once they are stored, limits."""

    mentions: list[Mention] = field(default_factory=list)
    cursors: dict[str, str] = field(default_factory=dict)
    rate_limited_until: datetime | None = None
    remaining: int | None = None  # requests left in the window, when the network says
    problem: str | None = None  # why nothing could be read (a refused login), for the status


class MentionSource(Protocol):
    """A network the poller reads mentions from."""

    @property
    def label(self) -> str:
        """The network's name as people write it ("Bluesky"), for logs and `/mentions status`."""
        ...

    @property
    def cursor_names(self) -> tuple[str, ...]:
        """The store cursors this source reads and advances (e.g. "mastodon:notifications")."""
        ...

    def poll(self, cursors: Mapping[str, str | None], known: KnownIds) -> Fetched:
        """Return mentions newer than `cursors` (a 429 sets `rate_limited_until`, never raises)."""
        ...


class NetworkAdapter(MentionSource, ReplyPublisher, Protocol):
    """One network's adapter: where its mentions come from and where its replies go."""


class KeyValue(Protocol):
    """A small persistent value (a login session), kept in the store under one name."""

    def load(self) -> str | None: ...

    def save(self, value: str) -> None: ...


class StoredValue:
    """A `KeyValue` over the store's cursor table."""

    def __init__(self, store: _CursorStore, name: str) -> None:
        self.store = store
        self.name = name

    def load(self) -> str | None:
        return self.store.cursor(self.name)

    def save(self, value: str) -> None:
        self.store.set_cursor(self.name, value)


class _CursorStore(Protocol):
    def cursor(self, name: str) -> str | None: ...

    def set_cursor(self, name: str, value: str) -> None: ...


def reset_time(
    headers: Mapping[str, str], remaining: str, reset: str, now: datetime | None = None
) -> tuple[int | None, datetime | None]:
    """Read a rate-limit pair from response headers (names compared without case).

    `reset` may be epoch seconds (Bluesky, Mastodon's older servers), seconds from now
    (Reddit) or an ISO time (Mastodon): a value below 10⁸ is taken as seconds from `now`.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    left = _int(lowered.get(remaining.lower()))
    raw = lowered.get(reset.lower())
    if raw is None:
        return left, None
    moment: datetime | None
    try:
        number = float(raw)
    except ValueError:
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return left, None
        return left, moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    base = now or datetime.now(UTC)
    if number < 1e8:
        return left, datetime.fromtimestamp(base.timestamp() + number, UTC)
    return left, datetime.fromtimestamp(number, UTC)


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None
