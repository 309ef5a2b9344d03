"""Signed HTTP requests into the running WSGI app, built the way Slack builds them."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_sdk.signature import SignatureVerifier


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # The default backlog (5) drops connections when tests fire 20 requests at once on a busy
    # machine ("connection reset by peer"); a real deployment runs gunicorn, not this server.
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


class WsgiServer:
    """Serves a WSGI app on 127.0.0.1 (port chosen by the OS) in a background thread."""

    def __init__(self, app: Any) -> None:
        self.server = make_server(
            "127.0.0.1", 0, app, server_class=_ThreadingServer, handler_class=_QuietHandler
        )
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SlackSender:
    """Sends Slack-shaped, signed requests to /slack/events."""

    def __init__(self, base_url: str, signing_secret: str) -> None:
        self.url = base_url + "/slack/events"
        self.verifier = SignatureVerifier(signing_secret)

    def post(
        self,
        body: str,
        content_type: str,
        timestamp: int | None = None,
        signature: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        sig = signature or self.verifier.generate_signature(timestamp=ts, body=body)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sig,
            **(extra_headers or {}),
        }
        request = urllib.request.Request(self.url, data=body.encode(), headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def interactive(self, payload: dict[str, Any], **kwargs: Any) -> tuple[int, str]:
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded", **kwargs)

    def command(self, fields: dict[str, str], **kwargs: Any) -> tuple[int, str]:
        return self.post(urlencode(fields), "application/x-www-form-urlencoded", **kwargs)

    def event(self, envelope: dict[str, Any], **kwargs: Any) -> tuple[int, str]:
        return self.post(json.dumps(envelope), "application/json", **kwargs)


def block_action(action_id: str, value: str, user: str, channel: str = "CREVIEW") -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": "T1", "domain": "example"},
        "user": {"id": user, "username": user.lower(), "team_id": "T1"},
        "api_app_id": "A1",
        "token": "legacy",
        "trigger_id": f"trigger-{action_id}-{user}",
        "container": {"type": "message", "message_ts": "1.1", "channel_id": channel},
        "channel": {"id": channel, "name": "social-review"},
        "message": {"ts": "1.1", "text": "card"},
        "response_url": "http://127.0.0.1:9/unused",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "review",
                "value": value,
                "action_ts": str(time.time()),
            }
        ],
    }


def view_submission(
    callback_id: str, metadata: str, values: dict[str, Any], user: str
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": "T1", "domain": "example"},
        "user": {"id": user, "username": user.lower(), "team_id": "T1"},
        "api_app_id": "A1",
        "token": "legacy",
        "trigger_id": "trigger-view",
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": metadata,
            "state": {"values": values},
            "hash": "h",
        },
    }


def event_envelope(event: dict[str, Any], event_id: str) -> dict[str, Any]:
    return {
        "token": "legacy",
        "team_id": "T1",
        "api_app_id": "A1",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
    }
