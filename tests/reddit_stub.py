"""A local Reddit API stand-in (port 0) for the real praw client: the script app's password
grant, the inbox's mentions and comment replies (Listings of t1 things with `context`, paged with
`after` / `before`), subreddit search, users' karma and comments, posting a comment (form-encoded,
`api_type=json`), /api/info, rate-limit headers, and scripted failures and delays."""

from __future__ import annotations

import base64
import re
import threading
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.stub_http import QuietHandler, Served, send_json

ME = "ampwell"
CLIENT_ID, CLIENT_SECRET, PASSWORD = "app-id", "app-secret", "hunter2-pass"
TOKEN = "token-1"
T0 = 1_795_000_000.0  # 2026-11-18, a created_utc


class RedditStub(Served):
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.things: dict[str, dict[str, Any]] = {}  # fullname -> data, every comment and post
        self.mentions: list[str] = []  # inbox fullnames, newest first, as Reddit serves them
        self.replies: list[str] = []
        self.karma: dict[str, tuple[int, int]] = {}  # name -> (link, comment)
        self.posted: list[dict[str, Any]] = []  # comments made through /api/comment
        self.page_size = 100
        self.remaining = 590.0
        self.reset = 300
        self.comment_errors: list[list[str]] = []  # [type, message, field] per scripted refusal
        self.post_delay = 0.0
        self.fail: dict[str, list[tuple[int, Any, dict[str, str]]]] = {}
        self._next = 1000
        self._lock = threading.Lock()
        stub = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                self._route("GET", {})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                self._route("POST", {k: v[0] for k, v in parse_qs(raw).items()})

            def _route(self, method: str, form: dict[str, str]) -> None:
                url = urlparse(self.path)
                path = url.path.rstrip("/") or "/"
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                with stub._lock:
                    stub.requests.append(
                        {
                            "method": method,
                            "path": path,
                            "query": query,
                            "form": form,
                            "auth": self.headers.get("Authorization", ""),
                            "agent": self.headers.get("User-Agent", ""),
                        }
                    )
                    scripted = stub.fail.get(path)
                    failure = scripted.pop(0) if scripted else None
                if failure:
                    return send_json(self, *failure)
                if path == "/api/v1/access_token":
                    return send_json(self, *stub._token(self.headers.get("Authorization"), form))
                if self.headers.get("Authorization") != f"bearer {TOKEN}":
                    header = {"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'}
                    return send_json(self, 401, {"message": "Unauthorized", "error": 401}, header)
                status, payload = stub._answer(method, path, query, form)
                if path == "/api/comment" and stub.post_delay:
                    time.sleep(stub.post_delay)  # the comment exists; the answer comes too late
                send_json(self, status, payload, stub._limits())

        self.serve(Handler)
        self.url = self.base

    # -- scripting ---------------------------------------------------------------------------

    def post(
        self, pid: str, title: str, author: str, sub: str = "ampwell", selftext: str = "", at=0.0
    ) -> str:
        name = f"t3_{pid}"
        self.things[name] = {
            "id": pid,
            "name": name,
            "title": title,
            "selftext": selftext,
            "author": author,
            "subreddit": sub,
            "created_utc": T0 + at,
            "permalink": f"/r/{sub}/comments/{pid}/{_slug(title)}/",
            "num_comments": 0,
            "is_self": True,
        }
        return name

    def comment(self, cid: str, body: str, author: str, parent: str, at: float = 0.0) -> str:
        parent_data = self.things[parent]
        link = parent if parent.startswith("t3_") else parent_data["link_id"]
        post = self.things[link]
        name = f"t1_{cid}"
        self.things[name] = {
            "id": cid,
            "name": name,
            "body": body,
            "author": author,
            "parent_id": parent,
            "link_id": link,
            "subreddit": post["subreddit"],
            "created_utc": T0 + at,
            "permalink": f"{post['permalink']}{cid}/",
            "link_title": post["title"],
        }
        return name

    def script_failure(self, path: str, status: int, payload: Any, headers=None) -> None:
        with self._lock:
            self.fail.setdefault(path, []).append((status, payload, headers or {}))

    def calls(self, path: str, method: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self.requests if r["path"] == path and method in (None, r["method"])]

    def children_of(self, parent: str) -> list[dict[str, Any]]:
        with self._lock:
            return [c for c in self.posted if c["parent_id"] == parent]

    # -- answering ---------------------------------------------------------------------------

    def _limits(self) -> dict[str, str]:
        return {
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-used": "10",
            "x-ratelimit-reset": str(self.reset),
        }

    def _token(self, auth: str | None, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if auth != f"Basic {expected}":
            return 401, {"message": "Unauthorized", "error": 401}
        if form.get("grant_type") != "password" or (form.get("username"), form.get("password")) != (
            ME,
            PASSWORD,
        ):
            return 200, {"error": "invalid_grant"}
        return 200, {
            "access_token": TOKEN,
            "token_type": "bearer",
            "expires_in": 86400,
            "scope": "*",
        }

    def _answer(
        self, method: str, path: str, query: dict[str, str], form: dict[str, str]
    ) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if path == "/api/v1/me":
            return 200, {"name": ME, "id": "brand1", "link_karma": 5, "comment_karma": 50}
        if path == "/message/mentions":
            return 200, self._listing(
                [self._inbox(n, "username_mention") for n in self.mentions], query
            )
        if path == "/message/comments":
            return 200, self._listing(
                [self._inbox(n, "comment_reply") for n in self.replies], query
            )
        if len(parts) == 3 and parts[0] == "r" and parts[2] == "search":
            return 200, self._search(parts[1].split("+"), query)
        if len(parts) == 3 and parts[0] == "user" and parts[2] == "about":
            if parts[1] not in self.karma:
                return 404, {"message": "Not Found", "error": 404}
            link, comment = self.karma[parts[1]]
            return 200, {
                "kind": "t2",
                "data": {"name": parts[1], "link_karma": link, "comment_karma": comment},
            }
        if len(parts) == 3 and parts[0] == "user" and parts[2] == "comments":
            with self._lock:
                mine = [c for c in reversed(self.posted) if c["author"] == parts[1]]
            return 200, self._listing([{"kind": "t1", "data": c} for c in mine], query)
        if path == "/api/info":
            names = query.get("id", "").split(",")
            found = [self._thing(n) for n in names if n in self.things]
            return 200, {"kind": "Listing", "data": {"children": found, "after": None}}
        if path == "/api/comment" and method == "POST":
            return 200, self._create(form)
        return 404, {"message": "Not Found", "error": 404}

    def _create(self, form: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            if self.comment_errors:
                return {"json": {"errors": [self.comment_errors.pop(0)]}}
            parent = form.get("thing_id", "")
            if parent not in self.things or form.get("api_type") != "json":
                return {
                    "json": {"errors": [["INVALID_THING", "that item does not exist", "parent"]]}
                }
            self._next += 1
            cid = f"b{self._next}"
        name = self.comment(cid, form["text"], ME, parent, at=float(self._next))
        data = self.things[name]
        with self._lock:
            self.posted.append(data)
        return {"json": {"errors": [], "data": {"things": [{"kind": "t1", "data": data}]}}}

    def _thing(self, name: str) -> dict[str, Any]:
        return {"kind": name[:2], "data": self.things[name]}

    def _inbox(self, name: str, kind: str) -> dict[str, Any]:
        """An inbox item: a t1 thing with `context` where a comment listing has `permalink`."""
        data = {k: v for k, v in self.things[name].items() if k != "permalink"}
        data.update(
            context=f"{self.things[name]['permalink']}?context=3",
            type=kind,
            subject="username mention" if kind == "username_mention" else "comment reply",
            was_comment=True,
            new=True,
        )
        return {"kind": "t1", "data": data}

    def _search(self, subs: list[str], query: dict[str, str]) -> dict[str, Any]:
        words = query.get("q", "").lower()
        wanted = {s.lower() for s in subs}
        posts = [
            t
            for n, t in self.things.items()
            if n.startswith("t3_")
            and t["subreddit"].lower() in wanted
            and words in (t["title"] + " " + t["selftext"]).lower()
        ]
        posts.sort(key=lambda t: t["created_utc"], reverse=True)
        return self._listing([{"kind": "t3", "data": p} for p in posts], query)

    def _listing(self, children: list[dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
        """Page `children` (newest first) as Reddit does: `limit`, then `after` or `before`."""
        size = min(int(query.get("limit", 25)), 100, self.page_size)
        names = [c["data"]["name"] for c in children]
        if query.get("after") in names:
            start = names.index(query["after"]) + 1
        elif query.get("before") in names:
            start = max(0, names.index(query["before"]) - size)
            children = children[: names.index(query["before"])]
        else:
            start = 0
        page = children[start : start + size]
        after = page[-1]["data"]["name"] if page and start + size < len(children) else None
        before = page[0]["data"]["name"] if page and start > 0 else None
        return {
            "kind": "Listing",
            "data": {"after": after, "before": before, "dist": len(page), "children": page},
        }


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:20]
