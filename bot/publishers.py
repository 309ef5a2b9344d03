"""Reply publishers. The outbox is the default: with no network credentials an approved reply
is appended to `outbox.jsonl` in the data directory, one line per post, exactly once per key."""

from __future__ import annotations

import fcntl
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from bot.domain import Mention
from bot.review import PostResult, PublishError, ReplyPublisher


class OutboxPublisher:
    """Appends approved replies to a JSON Lines file (idempotent by key, safe across processes)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def publish(self, mention: Mention, text: str, key: str, approver: str) -> PostResult:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a+", encoding="utf-8") as handle:
                # One writer at a time, across threads and processes; the check and the append
                # happen under the same lock, so a key is written once.
                fcntl.flock(handle, fcntl.LOCK_EX)
                handle.seek(0)
                lines = handle.read().splitlines()
                earlier = _line_of(lines, key)
                if earlier is not None:
                    return self._result(earlier)
                entry = {
                    "key": key,
                    "mention_id": mention.id,
                    "network": mention.network,
                    "in_reply_to": mention.url,
                    "text": text,
                    "approver": approver,
                    "posted_at": datetime.now(UTC).isoformat(timespec="seconds"),
                }
                handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
                return self._result(len(lines) + 1)
        except OSError as exc:
            raise PublishError(f"could not write the outbox: {exc.strerror}") from exc

    def find(self, key: str) -> PostResult | None:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return None
        number = _line_of(lines, key)
        return self._result(number) if number is not None else None

    def _result(self, line: int) -> PostResult:
        return PostResult(id=f"outbox:{line}", where=f"{self.path.name} line {line}")


def _line_of(lines: list[str], key: str) -> int | None:
    """Return the 1-based line number of the outbox entry posted under `key`, if any."""
    for number, line in enumerate(lines, start=1):
        if json.loads(line).get("key") == key:
            return number
    return None


class RoutingPublisher:
    """Sends each reply to its mention's network; anything without an adapter to the outbox."""

    def __init__(self, routes: dict[str, ReplyPublisher], default: ReplyPublisher) -> None:
        self.routes = routes
        self.default = default

    def publish(self, mention: Mention, text: str, key: str, approver: str) -> PostResult:
        return self.routes.get(mention.network, self.default).publish(mention, text, key, approver)

    def find(self, key: str) -> PostResult | None:
        network = key.partition(":")[0]
        return self.routes.get(network, self.default).find(key)
