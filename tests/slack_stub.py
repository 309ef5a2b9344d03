"""A local stand-in for the Slack Web API (and response_url), driven by the real slack_sdk.

It listens on 127.0.0.1 with a port the OS picks, records every call, and answers the methods
the bot uses with realistic payloads. Tests script failures (`fail_next`) to exercise Slack's
429 with Retry-After and API errors.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from tests.stub_http import QuietHandler, Served


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class SlackStub(Served):
    """Records Web API calls; answers auth.test, chat.*, views.*, usergroups.users.list and the
    three steps of files_upload_v2 (upload URL, the upload itself, completeUploadExternal)."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.group_members: dict[str, list[str]] = {}
        # files: the bytes each upload URL received, and channels the bot is not a member of
        # (files.completeUploadExternal answers not_in_channel there, as Slack does)
        self.uploads: dict[str, bytes] = {}
        self.not_member_of: set[str] = set()
        self._failures: dict[str, list[Failure]] = {}
        self._ts = 1_700_000_000.000100
        self._lock = threading.Lock()
        stub = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                payload = self.rfile.read(length)
                path, _, query = self.path.partition("?")
                if path.startswith("/upload/"):  # the upload URL files.getUploadURLExternal gave
                    stub._receive_upload(path.rsplit("/", 1)[-1], payload)
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"OK")
                    return
                raw = payload.decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    params = json.loads(raw or "{}")
                else:
                    params = dict(parse_qsl(raw))
                    for key in ("blocks", "view"):
                        if isinstance(params.get(key), str):
                            params[key] = json.loads(params[key])
                params.update(parse_qsl(query))  # slack_sdk sends some methods' arguments here
                api = path.startswith("/api/")
                method = path.rsplit("/", 1)[-1] if api else "response_url"
                status, body, headers = stub._answer(method, params, dict(self.headers))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        self.serve(Handler)
        self.url = self.base + "/api/"
        self.response_url = self.base + "/response/1"

    # -- scripting -------------------------------------------------------------------------

    def fail_next(self, method: str, status: int, body: dict[str, Any], **headers: str) -> None:
        with self._lock:
            self._failures.setdefault(method, []).append(Failure(status, body, headers))

    def _receive_upload(self, file_id: str, data: bytes) -> None:
        with self._lock:
            self.uploads[file_id] = data

    # -- inspection ------------------------------------------------------------------------

    def of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        wait_until(lambda: len(self.of(method)) >= count, timeout, f"{count}× {method}")
        return self.of(method)

    # -- answers ---------------------------------------------------------------------------

    def _answer(
        self, method: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self._lock:
            self.calls.append(Call(method, params, headers))
            queued = self._failures.get(method)
            if queued:
                failure = queued.pop(0)
                return failure.status, failure.body, failure.headers
            self._ts += 1
            ts = f"{self._ts:.6f}"
        if method == "auth.test":
            identity = {"team": "Team", "user": "bot", "team_id": "T1", "user_id": "UBOT"}
            return 200, {"ok": True, "url": "https://example.slack.com/", **identity}, {}
        if method == "chat.postMessage":
            message = {"text": params.get("text"), "ts": ts, "bot_id": "B1"}
            return (
                200,
                {"ok": True, "channel": params.get("channel"), "ts": ts, "message": message},
                {},
            )
        if method == "chat.update":
            return 200, {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}, {}
        if method == "chat.getPermalink":
            stamp = str(params.get("message_ts")).replace(".", "")
            link = f"https://example.slack.com/archives/{params.get('channel')}/p{stamp}"
            return 200, {"ok": True, "channel": params.get("channel"), "permalink": link}, {}
        if method == "files.getUploadURLExternal":
            file_id = f"F{ts.replace('.', '')}"
            upload_url = f"http://127.0.0.1:{self.port}/upload/{file_id}"
            return 200, {"ok": True, "upload_url": upload_url, "file_id": file_id}, {}
        if method == "files.completeUploadExternal":
            channel = params.get("channel_id")
            if channel in self.not_member_of:
                return 200, {"ok": False, "error": "not_in_channel"}, {}
            files = [
                {"id": f["id"], "title": f.get("title"), "channels": [channel] if channel else []}
                for f in json.loads(params.get("files") or "[]")
            ]
            return 200, {"ok": True, "files": files}, {}
        if method == "usergroups.users.list":
            members = self.group_members.get(params.get("usergroup", ""), [])
            return 200, {"ok": True, "users": members}, {}
        if method in ("chat.postEphemeral", "views.open", "views.publish", "response_url"):
            return 200, {"ok": True, "message_ts": ts, "view": {"id": "V1"}}, {}
        return 200, {"ok": True}, {}


def wait_until(
    predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition"
) -> bool:
    """Poll until `predicate()` holds; Bolt runs listeners after acking, so effects lag a bit."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")
