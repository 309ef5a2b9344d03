"""A local Bluesky PDS + AppView stand-in (port 0) that the real atproto `Client` talks XRPC to.

It serves what the adapter uses: sessions (create, refresh, get) with real-looking JWTs whose
`exp` a test controls, notifications paged back in time by an opaque cursor, profiles, handle
resolution, and `createRecord` / `getRecord` on the brand's repo. Like a real PDS it refuses a
second record under the same key with a bare 400, checks that a post's key is a TID and its text
at most 300 graphemes, and sends `RateLimit-*` headers. Failures, 429s and a create that is
stored but answered late (or with an error) can be scripted. It sends no `didDoc`, so atproto
keeps talking to it instead of switching to a PDS named there.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import regex

from tests.stub_http import QuietHandler, Served, send_json

POST = "app.bsky.feed.post"
BRAND = "ampwell.bsky.social"
PASSWORD = "abcd-efgh-ijkl-mnop"
_B32 = "234567abcdefghijklmnopqrstuvwxyz"
_TID = re.compile(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}")
_GRAPHEME = regex.compile(r"\X")
_PUBLIC = {"com.atproto.server.createSession", "com.atproto.server.refreshSession"}
_PUBLIC |= {"com.atproto.identity.resolveHandle", "com.atproto.repo.getRecord"}


@dataclass
class Account:
    did: str
    handle: str
    followers: int
    password: str | None = None


@dataclass
class Ref:
    uri: str
    cid: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(payload: dict[str, Any]) -> str:
    """A syntactically valid JWT (header.payload.signature); nothing checks the signature."""
    header = {"alg": "ES256K", "typ": "at+jwt"}
    return ".".join(
        [_b64(json.dumps(header).encode()), _b64(json.dumps(payload).encode()), _b64(b"sig")]
    )


def cid_of(data: str) -> str:
    """A CIDv1 (dag-cbor, sha-256) in base32, as a PDS would name a record."""
    raw = b"\x01\x71\x12\x20" + hashlib.sha256(data.encode()).digest()
    return "b" + base64.b32encode(raw).decode().lower().rstrip("=")


def tid(micros: int, clock_id: int) -> str:
    value = (micros << 10) | (clock_id & 0x3FF)
    return "".join(_B32[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class BlueskyStub(Served):
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.accounts: dict[str, Account] = {}
        self.brand = self.account(BRAND, followers=1200, password=PASSWORD)
        self.notifications: list[dict[str, Any]] = []  # newest first, as Bluesky serves them
        self.posts: dict[str, dict[str, Any]] = {}  # uri → {"cid", "record"}: everyone's posts
        self.records: dict[tuple[str, str, str], dict[str, Any]] = {}  # the brand's repo writes
        self.page_size = 2
        self.access_ttl = 7200  # seconds; atproto refreshes when under 15 minutes are left
        self.remaining = 2999
        self.reset_in = 300
        self.fail: dict[str, list[tuple[int, dict, dict]]] = {}
        self.after_store: list[tuple[str, Any]] = []  # ("delay", seconds) | ("error", status)
        self._access: dict[str, tuple[str, float]] = {}  # token → (did, exp)
        self._refresh: dict[str, str] = {}  # token → did
        self._now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
        self._serial = itertools.count(1)
        self._lock = threading.RLock()
        stub = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                self._route("GET", None)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._route("POST", json.loads(self.rfile.read(length) or b"{}"))

            def _route(self, method: str, body: Any) -> None:
                url = urlparse(self.path)
                nsid = url.path.removeprefix("/xrpc/")
                query = parse_qs(url.query)
                auth = self.headers.get("Authorization", "").removeprefix("Bearer ")
                with stub._lock:
                    stub.requests.append(
                        {"nsid": nsid, "method": method, "query": query, "body": body, "auth": auth}
                    )
                    scripted = stub.fail.get(nsid)
                    failure = scripted.pop(0) if scripted else None
                if failure:
                    status, payload, headers = failure
                    return send_json(self, status, payload, {**stub._limits(), **headers})
                status, payload, then = stub._answer(nsid, query, body, auth)
                if then and then[0] == "delay":
                    time.sleep(then[1])  # stored, but answered after the client gave up
                elif then and then[0] == "error":
                    status, payload = then[1], {"error": "InternalServerError"}
                send_json(self, status, payload, stub._limits())

        self.serve(Handler)
        self.url = self.base

    # -- what a test sets up -----------------------------------------------------------------

    def account(self, handle: str, followers: int = 0, password: str | None = None) -> Account:
        did = "did:plc:" + hashlib.sha256(handle.encode()).hexdigest()[:24]
        self.accounts[handle] = Account(did, handle, followers, password)
        return self.accounts[handle]

    def post(self, handle: str, text: str, reply_to: Ref | None = None) -> Ref:
        """Publish a post by `handle` (an account made if needed), optionally in reply."""
        author = self.accounts.get(handle) or self.account(handle, followers=len(handle))
        moment = self._tick()
        micros = int(moment.timestamp() * 1_000_000)
        uri = f"at://{author.did}/{POST}/{tid(micros, next(self._serial))}"
        record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": _iso(moment)}
        if reply_to is not None:
            parent = self.posts[reply_to.uri]
            root = parent["record"].get("reply", {}).get("root") or {
                "uri": reply_to.uri,
                "cid": reply_to.cid,
            }
            record["reply"] = {"root": root, "parent": {"uri": reply_to.uri, "cid": reply_to.cid}}
        cid = cid_of(uri + text)
        self.posts[uri] = {"cid": cid, "record": record, "author": author, "at": moment}
        return Ref(uri, cid)

    def notify(self, reason: str, handle: str, text: str = "", reply_to: Ref | None = None) -> Ref:
        """Add a notification for the brand: a post for mention/reply/quote, else a like etc."""
        if reason in ("mention", "reply", "quote"):
            ref = self.post(handle, text, reply_to)
            entry = self.posts[ref.uri]
            author, record, moment = entry["author"], entry["record"], entry["at"]
        else:
            author = self.accounts.get(handle) or self.account(handle, followers=3)
            moment = self._tick()
            kind = {"follow": "app.bsky.graph.follow", "repost": "app.bsky.feed.repost"}
            collection = kind.get(reason, "app.bsky.feed.like")
            uri = f"at://{author.did}/{collection}/{tid(int(moment.timestamp() * 1e6), 1)}"
            record = {"$type": collection, "subject": self.brand.did, "createdAt": _iso(moment)}
            ref = Ref(uri, cid_of(uri))
        with self._lock:
            self.notifications.insert(
                0,
                {
                    "uri": ref.uri,
                    "cid": ref.cid,
                    "author": {"did": author.did, "handle": author.handle},
                    "reason": reason,
                    "record": record,
                    "isRead": False,
                    "indexedAt": _iso(moment),
                    "labels": [],
                },
            )
        return ref

    def script_failure(
        self, nsid: str, status: int, payload: dict, headers: dict | None = None
    ) -> None:
        with self._lock:
            self.fail.setdefault(nsid, []).append((status, payload, headers or {}))

    def revoke_sessions(self) -> None:
        """Forget every token, as a PDS does when the app password is revoked."""
        with self._lock:
            self._access.clear()
            self._refresh.clear()

    def calls(self, nsid: str) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self.requests if r["nsid"] == nsid]

    def replies(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r for (_, collection, _), r in self.records.items() if collection == POST]

    # -- answering ---------------------------------------------------------------------------

    def _tick(self) -> datetime:
        with self._lock:
            self._now += timedelta(seconds=1)
            return self._now

    def _limits(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": "3000",
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(int(time.time()) + self.reset_in),
            "RateLimit-Policy": "3000;w=300",
        }

    def _session(self, account: Account) -> dict[str, Any]:
        now = time.time()
        access = jwt(
            {
                "scope": "com.atproto.appPass",
                "sub": account.did,
                "iat": int(now),
                "exp": int(now + self.access_ttl),
                "jti": str(next(self._serial)),
            }
        )
        refresh = jwt(
            {
                "scope": "com.atproto.refresh",
                "sub": account.did,
                "iat": int(now),
                "exp": int(now + 90 * 86400),
                "jti": str(next(self._serial)),
            }
        )
        self._access[access] = (account.did, now + self.access_ttl)
        self._refresh[refresh] = account.did
        return {
            "did": account.did,
            "handle": account.handle,
            "accessJwt": access,
            "refreshJwt": refresh,
            "active": True,
        }

    def _answer(
        self, nsid: str, query: dict[str, list[str]], body: Any, auth: str
    ) -> tuple[int, dict[str, Any], tuple[str, Any] | None]:
        one = {k: v[0] for k, v in query.items()}
        with self._lock:
            if nsid == "com.atproto.server.createSession":
                account = self.accounts.get(body.get("identifier", "").removeprefix("@"))
                if account is None or account.password != body.get("password"):
                    return (
                        401,
                        _err("AuthenticationRequired", "Invalid identifier or password"),
                        None,
                    )
                return 200, self._session(account), None
            if nsid == "com.atproto.server.refreshSession":
                did = self._refresh.pop(auth, None)  # refresh tokens are single use
                if did is None:
                    return 400, _err("ExpiredToken", "Token has been revoked"), None
                return 200, self._session(self._by_did(did)), None
            if nsid not in _PUBLIC:
                holder = self._access.get(auth)
                if holder is None:
                    return 401, _err("InvalidToken", "Token could not be verified"), None
                if holder[1] < time.time():
                    return 400, _err("ExpiredToken", "Token has expired"), None
            if nsid == "com.atproto.server.getSession":
                return 200, {"did": self.brand.did, "handle": self.brand.handle}, None
            if nsid == "app.bsky.notification.listNotifications":
                return 200, self._page(one), None
            if nsid == "app.bsky.actor.getProfiles":
                found = [a for a in self.accounts.values() if a.did in query.get("actors", [])]
                profiles = [
                    {"did": a.did, "handle": a.handle, "followersCount": a.followers} for a in found
                ]
                return 200, {"profiles": profiles}, None
            if nsid == "com.atproto.identity.resolveHandle":
                account = self.accounts.get(one.get("handle", ""))
                if account is None:
                    return 400, _err("InvalidRequest", "Unable to resolve handle"), None
                return 200, {"did": account.did}, None
            if nsid == "com.atproto.repo.createRecord":
                return self._create(body)
            if nsid == "com.atproto.repo.getRecord":
                repo = self._by_did(one["repo"]) if one["repo"].startswith("did:") else None
                key = (repo.did if repo else "", one["collection"], one["rkey"])
                if key not in self.records:
                    uri = f"at://{one['repo']}/{one['collection']}/{one['rkey']}"
                    return 400, _err("RecordNotFound", f"Could not locate record: {uri}"), None
                return 200, self.records[key], None
        return 404, _err("MethodNotImplemented", f"Method Not Implemented: {nsid}"), None

    def _create(self, body: dict[str, Any]) -> tuple[int, dict[str, Any], tuple[str, Any] | None]:
        repo, collection, rkey = body["repo"], body["collection"], body.get("rkey")
        record = body["record"]
        if repo != self.brand.did:
            return 401, _err("InvalidToken", "Token does not match the repo"), None
        if collection == POST and (not rkey or not _TID.fullmatch(rkey)):
            return 400, _err("InvalidRequest", f"Invalid record key for {POST}: {rkey}"), None
        if len(_GRAPHEME.findall(record.get("text", ""))) > 300:
            return (
                400,
                _err("InvalidRecord", "Record/text must not be longer than 300 graphemes"),
                None,
            )
        key = (repo, collection, rkey)
        if key in self.records:
            return 400, {"error": "InvalidRequest"}, None  # a real PDS says no more than this
        uri = f"at://{repo}/{collection}/{rkey}"
        cid = cid_of(json.dumps(record, sort_keys=True))
        self.records[key] = {"uri": uri, "cid": cid, "value": record}
        then = self.after_store.pop(0) if self.after_store else None
        return 200, {"uri": uri, "cid": cid, "validationStatus": "valid"}, then

    def _page(self, query: dict[str, str]) -> dict[str, Any]:
        items = self.notifications
        if query.get("cursor"):  # older than the last one served
            items = [n for n in items if n["indexedAt"] < query["cursor"]]
        page = items[: min(int(query.get("limit", 50)), self.page_size)]
        payload: dict[str, Any] = {"notifications": page}
        if len(items) > len(page):
            payload["cursor"] = page[-1]["indexedAt"]
        return payload

    def _by_did(self, did: str) -> Account:
        return next(a for a in self.accounts.values() if a.did == did)


def _err(error: str, message: str) -> dict[str, str]:
    return {"error": error, "message": message}
