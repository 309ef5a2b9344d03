"""A local X API v2 stand-in (port 0) for the real tweepy client: users, mentions with
`includes.users` and pagination, recent search, posting, the account's recent replies, 429s."""

from __future__ import annotations

import json
import threading
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.stub_http import QuietHandler, Served, send_json

ME = {"id": "1000", "username": "ampwell", "name": "Ampwell"}


def tweet(tid: str, text: str, author: str, followers: int) -> tuple[dict, dict]:
    user = {
        "id": f"u{author}",
        "username": author,
        "public_metrics": {"followers_count": followers},
    }
    data = {
        "id": tid,
        "text": text,
        "author_id": user["id"],
        "created_at": "2026-11-23T10:00:00.000Z",
    }
    return data, user


class XStub(Served):
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.mentions: list[tuple[dict, dict]] = []  # newest first, as X serves them
        self.search: list[tuple[dict, dict]] = []
        self.posted: list[dict[str, Any]] = []
        self.page_size = 2
        self.fail: dict[str, list[tuple[int, dict, dict]]] = {}
        self.post_delay = 0.0
        self._next_id = 9000
        self._lock = threading.Lock()
        stub = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                self._route("GET", None)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._route("POST", json.loads(self.rfile.read(length) or b"{}"))

            def _route(self, method: str, body: Any) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                with stub._lock:
                    stub.requests.append(
                        {
                            "method": method,
                            "path": url.path,
                            "query": query,
                            "body": body,
                            "auth": self.headers.get("Authorization", ""),
                        }
                    )
                    scripted = stub.fail.get(url.path)
                    failure = scripted.pop(0) if scripted else None
                if failure:
                    return self._send(*failure)
                status, payload = stub._answer(method, url.path, query, body)
                if method == "POST" and stub.post_delay:
                    time.sleep(stub.post_delay)
                reset = str(int(time.time()) + 900)
                limits = {"x-rate-limit-remaining": "14", "x-rate-limit-reset": reset}
                self._send(status, payload, limits)

            def _send(self, status: int, payload: dict, headers: dict | None = None) -> None:
                send_json(self, status, payload, headers)

        self.serve(Handler)
        self.url = self.base

    def script_failure(
        self, path: str, status: int, payload: dict, headers: dict | None = None
    ) -> None:
        with self._lock:
            self.fail.setdefault(path, []).append((status, payload, headers or {}))

    def calls(self, path: str) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self.requests if r["path"] == path]

    def _answer(self, method: str, path: str, query: dict, body: Any) -> tuple[int, dict]:
        if path in ("/2/users/me", f"/2/users/by/username/{ME['username']}"):
            return 200, {"data": ME}
        if path == f"/2/users/{ME['id']}/mentions":
            return 200, self._page(self.mentions, query, "pagination_token")
        if path == "/2/tweets/search/recent":
            return 200, self._page(self.search, query, "next_token")
        if path == "/2/tweets" and method == "POST":
            with self._lock:
                self._next_id += 1
                target = body["reply"]["in_reply_to_tweet_id"]
                new = {
                    "id": str(self._next_id),
                    "text": body["text"],
                    "referenced_tweets": [{"type": "replied_to", "id": target}],
                }
                self.posted.append(new)
            return 201, {"data": {"id": new["id"], "text": new["text"]}}
        if path == f"/2/users/{ME['id']}/tweets":
            with self._lock:
                return 200, {
                    "data": list(reversed(self.posted)),
                    "meta": {"result_count": len(self.posted)},
                }
        return 404, {"title": "Not Found", "detail": path}

    def _page(self, items: list[tuple[dict, dict]], query: dict, token_name: str) -> dict:
        since = int(query.get("since_id", 0))
        fresh = [(t, u) for t, u in items if int(t["id"]) > since]
        start = int(query.get(token_name, 0) or 0)
        page = fresh[start : start + self.page_size]
        meta: dict[str, Any] = {"result_count": len(page)}
        if fresh:
            meta["newest_id"], meta["oldest_id"] = fresh[0][0]["id"], fresh[-1][0]["id"]
        if start + self.page_size < len(fresh):
            meta["next_token"] = str(start + self.page_size)
        payload: dict[str, Any] = {"meta": meta}
        if page:
            payload["data"] = [t for t, _ in page]
            payload["includes"] = {"users": [u for _, u in page]}
        return payload
