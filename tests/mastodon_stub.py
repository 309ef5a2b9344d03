"""A local Mastodon API stand-in (port 0) for the real Mastodon.py client: notifications with
`types[]` / `min_id` / `since_id` / `max_id` / `limit` and Link headers as a real server sends
them, the brand's account and statuses, posting with `Idempotency-Key`, `/api/v2/instance`,
rate-limit headers on every answer, and scripted failures, 429s and slow answers."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from tests.stub_http import QuietHandler, Served, send_json

TOKEN = "mastodon-test-token"
DOMAIN = "brand.example"
ME = {
    "id": "1",
    "username": "ampwell",
    "acct": "ampwell",
    "url": f"https://{DOMAIN}/@ampwell",
    "followers_count": 3_100,
}


def account(aid: str, acct: str, followers: int = 10) -> dict[str, Any]:
    """An account as Mastodon serves it: `acct` is "user" when local, "user@host" when remote."""
    username, _, host = acct.partition("@")
    return {
        "id": aid,
        "username": username,
        "acct": acct,
        "display_name": username.title(),
        "url": f"https://{host or DOMAIN}/@{username}",
        "followers_count": followers,
        "following_count": 1,
        "statuses_count": 1,
        "created_at": "2024-01-01T00:00:00.000Z",
        "bot": False,
        "locked": False,
    }


def status(
    sid: str,
    content: str,
    author: dict[str, Any],
    visibility: str = "public",
    spoiler_text: str = "",
    mentions: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    username, _, host = author["acct"].partition("@")
    return {
        "id": sid,
        "uri": f"https://{host or DOMAIN}/users/{username}/statuses/{sid}",
        "url": f"https://{host or DOMAIN}/@{username}/{sid}",
        "created_at": "2026-11-23T10:00:00.000Z",
        "account": author,
        "content": content,
        "visibility": visibility,
        "sensitive": bool(spoiler_text),
        "spoiler_text": spoiler_text,
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "mentions": mentions if mentions is not None else [_mention_of(ME)],
        "tags": [],
        "emojis": [],
        "media_attachments": [],
        "reblog": None,
        "language": "en",
    }


def notification(nid: str, kind: str, author: dict[str, Any], post: dict | None) -> dict:
    return {
        "id": nid,
        "type": kind,
        "created_at": "2026-11-23T10:00:00.000Z",
        "account": author,
        "status": post,
    }


def _mention_of(who: dict[str, Any]) -> dict[str, str]:
    return {"id": who["id"], "username": who["username"], "acct": who["acct"], "url": who["url"]}


_URL = re.compile(r"https?://\S+")
_REMOTE = re.compile(r"(@[\w.-]+)@[\w.-]+\.[A-Za-z]{2,}")


def _countable(text: str) -> int:
    """Mastodon's StatusLengthValidator: a URL is 23, a remote mention its local part."""
    return len(_URL.sub("x" * 23, _REMOTE.sub(r"\1", text)))


class MastodonStub(Served):
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.notifications: list[dict[str, Any]] = []
        self.posted: list[dict[str, Any]] = []  # the brand's statuses, oldest first
        self.max_characters: int | None = 500  # None: the instance has no statuses config
        self.page_cap = 80  # the most notifications a page holds, whatever `limit` asks
        self.honour_types = True  # False: an older server that ignores types[]
        self.remaining = 287
        self.reset_at = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
        self.post_delays: list[float] = []  # one per POST, after the status is stored
        self._fail: dict[tuple[str, str], list[list[Any]]] = {}  # [requests to let by, answer]
        self._idempotent: dict[str, dict[str, Any]] = {}
        self._next_id = 110_000
        self._lock = threading.Lock()
        stub = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                self._route("GET", {})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                self._route("POST", {k: v for k, v in parse_qs(raw).items()})

            def _route(self, method: str, form: dict[str, list[str]]) -> None:
                url = urlparse(self.path)
                path = url.path.rstrip("/")
                query = parse_qs(url.query)
                with stub._lock:
                    stub.requests.append(
                        {
                            "method": method,
                            "path": path,
                            "query": query,
                            "form": form,
                            "headers": dict(self.headers),
                        }
                    )
                    failure = stub._next_failure(method, path)
                headers = stub._limit_headers()
                if failure:
                    code, payload, extra = failure
                    return send_json(self, code, payload, {**headers, **extra})
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return send_json(self, 401, {"error": "The access token is invalid"}, headers)
                code, payload, extra = stub._answer(method, path, query, form, self.headers)
                send_json(self, code, payload, {**headers, **extra})

        self.serve(Handler)
        self.url = self.base

    # -- scripting ---------------------------------------------------------------------------

    def script_failure(
        self,
        method: str,
        path: str,
        status_code: int,
        payload: Any,
        headers: dict[str, str] | None = None,
        after: int = 0,
    ) -> None:
        """Answer a `method path` request with this status and payload instead: the next one,
        or the one after `after` more have been answered normally."""
        with self._lock:
            self._fail.setdefault((method, path), []).append(
                [after, (status_code, payload, headers or {})]
            )

    def _next_failure(self, method: str, path: str) -> tuple[int, Any, dict[str, str]] | None:
        scripted = self._fail.get((method, path))
        if not scripted:
            return None
        if scripted[0][0] > 0:
            scripted[0][0] -= 1
            return None
        return scripted.pop(0)[1]

    def calls(self, path: str, method: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [
                r
                for r in self.requests
                if r["path"] == path and (method is None or r["method"] == method)
            ]

    # -- answers -----------------------------------------------------------------------------

    def _limit_headers(self) -> dict[str, str]:
        reset = self.reset_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return {
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": reset,
        }

    def _answer(
        self, method: str, path: str, query: dict, form: dict, headers: Any
    ) -> tuple[int, Any, dict[str, str]]:
        if method == "GET" and path == "/api/v1/accounts/verify_credentials":
            return 200, ME, {}
        if method == "GET" and path == "/api/v1/notifications":
            return self._notifications(query)
        if method == "GET" and path == f"/api/v1/accounts/{ME['id']}/statuses":
            limit = min(int(query.get("limit", ["20"])[0]), 40)
            with self._lock:
                return 200, list(reversed(self.posted))[:limit], {}
        if method == "GET" and path.startswith("/api/v1/statuses/"):
            wanted = path.rsplit("/", 1)[1]
            with self._lock:
                every = [n["status"] for n in self.notifications if n["status"]] + self.posted
            found = [s for s in every if s["id"] == wanted]
            return (200, found[0], {}) if found else (404, {"error": "Record not found"}, {})
        if method == "POST" and path == "/api/v1/statuses":
            return self._post(form, headers.get("Idempotency-Key"))
        if method == "GET" and path == "/api/v2/instance":
            config: dict[str, Any] = {"urls": {"streaming": "wss://brand.example"}}
            if self.max_characters is not None:
                config["statuses"] = {
                    "max_characters": self.max_characters,
                    "max_media_attachments": 4,
                    "characters_reserved_per_url": 23,
                }
            return (
                200,
                {"domain": DOMAIN, "title": "Brand", "version": "4.3.2", "configuration": config},
                {},
            )
        return 404, {"error": "Record not found"}, {}

    def _notifications(self, query: dict[str, list[str]]) -> tuple[int, Any, dict[str, str]]:
        """Like Mastodon: newest first; with min_id, the page just above it; Link next/prev."""
        types = query.get("types[]") if self.honour_types else None
        limit = min(int(query.get("limit", ["40"])[0]), self.page_cap)
        one = {k: int(v[0]) for k, v in query.items() if k in ("min_id", "since_id", "max_id")}
        with self._lock:
            items = sorted(self.notifications, key=lambda n: int(n["id"]), reverse=True)
        items = [n for n in items if not types or n["type"] in types]
        if "max_id" in one:
            items = [n for n in items if int(n["id"]) < one["max_id"]]
        if "since_id" in one:
            items = [n for n in items if int(n["id"]) > one["since_id"]]
        if "min_id" in one:
            items = [n for n in items if int(n["id"]) > one["min_id"]]
            page = list(reversed(list(reversed(items))[:limit]))
        else:
            page = items[:limit]
        links = []
        base = f"{self.url}/api/v1/notifications"
        kept = [("types[]", t) for t in types or []]
        if len(page) == limit:
            next_query = urlencode([*kept, ("max_id", page[-1]["id"])])
            links.append(f'<{base}?{next_query}>; rel="next"')
        if page:
            prev_query = urlencode([*kept, ("min_id", page[0]["id"])])
            links.append(f'<{base}?{prev_query}>; rel="prev"')
        return 200, page, {"Link": ", ".join(links)} if links else {}

    def _post(self, form: dict[str, list[str]], key: str | None) -> tuple[int, Any, dict[str, str]]:
        text = form.get("status", [""])[0]
        spoiler = form.get("spoiler_text", [""])[0]
        with self._lock:
            if key and key in self._idempotent:
                return 200, self._idempotent[key], {}  # Mastodon answers the first status again
            limit = self.max_characters or 500
            if len(spoiler) + _countable(text) > limit:
                error = f"Validation failed: Text character limit of {limit} exceeded"
                return 422, {"error": error}, {}
            self._next_id += 1
            new = status(
                str(self._next_id),
                f"<p>{text}</p>",
                ME,
                visibility=form.get("visibility", ["public"])[0],
                spoiler_text=spoiler,
                mentions=[],
            )
            new["text"] = text  # kept for assertions; a real server keeps only the HTML
            new["in_reply_to_id"] = form.get("in_reply_to_id", [None])[0]
            self.posted.append(new)
            if key:
                self._idempotent[key] = new
            delay = self.post_delays.pop(0) if self.post_delays else 0.0
        if delay:
            time.sleep(delay)  # stored already: the client may give up, the status exists
        return 200, new, {}
