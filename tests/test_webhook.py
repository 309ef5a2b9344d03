"""The signed webhook over real HTTP: valid, forged, stale and malformed requests."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.store import Store, make_engine
from bot.webhook import MentionWebhook, signature, wsgi_handler
from tests.slack_http import WsgiServer

SECRET = "a-long-random-webhook-secret"


@pytest.fixture
def served(tmp_path: Path):
    store = Store(make_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}"))
    server = WsgiServer(wsgi_handler(MentionWebhook(store, SECRET)))
    yield store, server.url + "/mentions"
    server.close()


def post(url: str, body: bytes, timestamp: str | None = None, sig: str | None = None):
    ts = timestamp if timestamp is not None else str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Timestamp": ts,
        "X-Signature": sig if sig is not None else signature(SECRET, ts, body),
    }
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_one_mention_is_accepted_and_stored(served) -> None:
    store, url = served
    body = json.dumps({"id": "z1", "text": "do you ship to Austria?", "author": "kim"}).encode()
    status, answer = post(url, body)
    assert status == 202 and answer == {"stored": ["z1"], "already_stored": []}
    assert store.new_mentions()[0][1].network == "webhook"


def test_a_batch_is_accepted_and_repeats_are_reported(served) -> None:
    _, url = served
    batch = [{"id": "b1", "text": "hi"}, {"id": "b2", "text": "hello", "network": "x"}]
    assert post(url, json.dumps(batch).encode())[1]["stored"] == ["b1", "b2"]
    status, answer = post(url, json.dumps(batch).encode())
    assert status == 202 and answer == {"stored": [], "already_stored": ["b1", "b2"]}


@pytest.mark.parametrize(
    ("timestamp", "sig", "why"),
    [
        (None, "sha256=" + "0" * 64, "bad X-Signature"),
        (str(int(time.time()) - 301), None, "stale"),
        ("not-a-number", None, "stale"),
        (None, "", "bad X-Signature"),
    ],
)
def test_forged_and_stale_requests_are_refused(served, timestamp, sig, why) -> None:
    store, url = served
    status, answer = post(url, json.dumps({"id": "f", "text": "x"}).encode(), timestamp, sig)
    assert status == 401 and why in answer["error"]
    assert store.new_mentions() == []


def test_a_body_changed_after_signing_is_refused(served) -> None:
    _, url = served
    ts = str(int(time.time()))
    signed = signature(SECRET, ts, b'{"id": "1", "text": "a"}')
    status, _ = post(url, b'{"id": "1", "text": "b"}', ts, signed)
    assert status == 401


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"text": "no id"}, "id"),
        ({"id": "1", "text": ""}, "text"),
        ({"id": "1", "text": "x", "followers": -3}, "followers"),
        ([{"id": "1", "text": "ok"}, {"id": "2"}], "item 1: text"),
    ],
)
def test_valid_json_with_a_bad_field_names_the_field(served, payload, field) -> None:
    store, url = served
    status, answer = post(url, json.dumps(payload).encode())
    assert status == 400 and field in answer["error"]
    assert store.new_mentions() == []


def test_invalid_json_is_a_400(served) -> None:
    _, url = served
    status, answer = post(url, b"{not json")
    assert status == 400 and "not valid JSON" in answer["error"]
