"""The signed webhook: other tools push mentions with `POST /mentions`.

Authentication, exactly: header `X-Timestamp` (unix seconds, at most 5 minutes old) and header
`X-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" keyed with WEBHOOK_SECRET>`.
Forged or stale → 401; valid JSON with a bad field → 400 naming the field; accepted → 202 with
the ids stored (and those already stored). The body is one mention object or an array of them,
in the same line format as `bot ingest`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from bot.jsonl import describe, parse_mention
from bot.store import Store

MAX_AGE = 300  # seconds
MAX_BODY = 1_000_000  # bytes
MAX_BATCH = 500


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Return the `X-Signature` value a sender computes."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


class MentionWebhook:
    """Verifies and stores pushed mentions; the runner drafts and cards them."""

    def __init__(self, store: Store, secret: str, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.secret = secret
        self.clock = clock

    def handle(self, headers: dict[str, str], body: bytes) -> Answer:
        timestamp = headers.get("x-timestamp", "")
        given = headers.get("x-signature", "")
        if not timestamp.isdigit() or abs(self.clock() - int(timestamp)) > MAX_AGE:
            return Answer(401, {"error": "missing or stale X-Timestamp (at most 5 minutes old)"})
        if not hmac.compare_digest(given, signature(self.secret, timestamp, body)):
            return Answer(401, {"error": "bad X-Signature"})
        try:
            data = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            return Answer(400, {"error": f"body is not valid JSON: {exc}"})
        items = data if isinstance(data, list) else [data]
        if not items or len(items) > MAX_BATCH:
            return Answer(400, {"error": f"send 1 to {MAX_BATCH} mentions"})
        mentions = []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                return Answer(400, {"error": f"item {index}: expected a JSON object"})
            try:
                mentions.append(parse_mention(item, default_network="webhook"))
            except ValidationError as exc:
                where = f"item {index}: " if isinstance(data, list) else ""
                return Answer(400, {"error": where + describe(exc)})
        stored = {m.id for m, _ in self.store.add_mentions(mentions)}
        return Answer(
            202,
            {
                "stored": [m.id for m in mentions if m.id in stored],
                "already_stored": [m.id for m in mentions if m.id not in stored],
            },
        )


def wsgi_handler(
    webhook: MentionWebhook,
) -> Callable[[dict[str, Any], Callable[..., Any]], list[bytes]]:
    """Adapt the webhook to WSGI."""

    def handle(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return _send(start_response, Answer(405, {"error": "use POST"}))
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY:
            return _send(start_response, Answer(413, {"error": "body too large"}))
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        return _send(start_response, webhook.handle(headers, body))

    return handle


def _send(start_response: Callable[..., Any], answer: Answer) -> list[bytes]:
    reasons = {202: "Accepted", 400: "Bad Request", 401: "Unauthorized", 405: "Method Not Allowed",
               413: "Payload Too Large"}  # fmt: skip
    data = json.dumps(answer.body).encode()
    start_response(
        f"{answer.status} {reasons.get(answer.status, 'OK')}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
    )
    return [data]
