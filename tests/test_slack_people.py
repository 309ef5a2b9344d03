"""People and reports through Slack's real edges: signed requests into the Bolt app, the real
WebClient against the local Slack stub, answers read from what the stub received."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest

from tests.seeding import NOW, add
from tests.test_slack_app import Env, make_env

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def env(tmp_path: Path, embedder):
    env = make_env(tmp_path, embedder)
    yield env
    env.close()


def command(env: Env, text: str, channel: str = "CREVIEW") -> tuple[int, str, float]:
    fields = {
        "command": "/mentions",
        "text": text,
        "user_id": "UANY",
        "channel_id": channel,
        "team_id": "T1",
        "response_url": env.stub.response_url,
        "trigger_id": "t1",
    }
    start = time.perf_counter()
    status, body = env.send.command(fields)
    return status, body, time.perf_counter() - start


def test_a_new_card_carries_the_authors_history(env: Env) -> None:
    add(env.store, author="ann", intent="complaint", posted=NOW - timedelta(days=5),
        reply_after=timedelta(minutes=15))  # fmt: skip
    env.ingest("how long do I have to return my Pocket 20?", author="ann")
    [card] = env.stub.wait_for("chat.postMessage")
    history = card.params["blocks"][1]
    assert history["type"] == "context"
    assert history["elements"][0]["text"] == (
        "👤 @ann on X: 2 mentions in 30 days, 2 in all · last before this: complaint 5d ago"
        " · 1 reply from us · ⚠️ detractor (top 5, 90 days)"
    )


def test_mentions_author_lists_their_mentions_and_our_replies(env: Env) -> None:
    add(env.store, author="ana.bsky.social", network="bluesky", intent="praise",
        posted=NOW - timedelta(days=1), reply_after=timedelta(minutes=9),
        text="the Volta saved our camping trip <!channel>")  # fmt: skip
    add(env.store, author="ana.bsky.social", network="bluesky", posted=NOW, text="does it float?")
    add(env.store, author="ana", network="reddit", posted=NOW, text="not the same person")
    status, body, took = command(env, "author bluesky:@ana.bsky.social")
    assert status == 200 and body == "" and took < 3
    [answer] = env.stub.wait_for("response_url")
    blob = json.dumps(answer.params["blocks"])
    assert "*@ana.bsky.social*: 2 mention(s) stored" in blob and "1 answered by us" in blob
    assert blob.index("does it float?") < blob.index("the Volta saved")  # latest first
    assert "https://example.social/brand/reply" in blob and "our reply" in blob
    assert "&lt;!channel&gt;" in blob and "<!channel>" not in blob
    assert "not the same person" not in blob

    command(env, "author u/ana")
    reddit = env.stub.wait_for("response_url", 2)[-1]
    assert "not the same person" in json.dumps(reddit.params["blocks"])
    command(env, "author @nobody")
    assert "No stored mentions" in json.dumps(env.stub.wait_for("response_url", 3)[-1].params)


def test_mentions_advocates_lists_advocates_before_detractors(env: Env) -> None:
    add(env.store, author="fan", intent="praise", followers=50_000, posted=NOW - timedelta(days=2))
    add(env.store, author="fan", intent="praise", followers=50_000, posted=NOW)
    add(env.store, author="critic", network="reddit", intent="complaint", followers=300,
        posted=NOW - timedelta(days=1))  # fmt: skip
    add(env.store, author="longago", intent="praise", posted=NOW - timedelta(days=20))
    command(env, "advocates 7d")
    [answer] = env.stub.wait_for("response_url")
    advocates, detractors = (b["text"]["text"] for b in answer.params["blocks"][:2])
    assert advocates.startswith("*Top advocates, last 7d*")
    assert "1. *@fan* (X) · score +11.1 · 50,000 followers · 2 mention(s)" in advocates
    assert "|latest post>" in advocates and "longago" not in advocates
    assert detractors.startswith("*Top detractors, last 7d*")
    assert "1. *u/critic* (Reddit) · score -3.4 · 300 karma · 1 mention(s)" in detractors
    command(env, "advocates 30d")
    assert "@longago" in json.dumps(env.stub.wait_for("response_url", 2)[-1].params["blocks"])
    command(env, "advocates 1y")
    assert "use 7d, 30d or 90d" in env.stub.wait_for("response_url", 3)[-1].params["text"]


def test_app_home_shows_the_advocates_and_detractors(env: Env) -> None:
    from tests.slack_http import event_envelope

    add(env.store, author="fan", intent="praise", posted=NOW)
    add(env.store, author="critic", intent="complaint", posted=NOW)
    event = {"type": "app_home_opened", "user": "UANY", "channel": "D1", "tab": "home"}
    env.send.event(event_envelope(event, "Ev-home-people"))
    [published] = env.stub.wait_for("views.publish")
    blob = json.dumps(published.params["view"]["blocks"])
    assert blob.index("Top advocates, last 90d") < blob.index("Top detractors, last 90d")
    assert "*@fan*" in blob and "*@critic*" in blob


def test_mentions_report_uploads_a_real_png_with_the_key_numbers(env: Env) -> None:
    for hours, minutes in ((30, 20), (50, 75), (4, 10)):
        add(env.store, intent="complaint", sentiment=-0.5, posted=NOW - timedelta(hours=hours),
            reply_after=timedelta(minutes=minutes))  # fmt: skip
    add(env.store, network="reddit", intent="praise", sentiment=0.9, posted=NOW, status="rejected")
    status, body, took = command(env, "report 7d")
    assert status == 200 and body == "" and took < 3
    [done] = env.stub.wait_for("files.completeUploadExternal")
    [asked] = env.stub.of("files.getUploadURLExternal")
    chart = env.stub.uploads[json.loads(done.params["files"])[0]["id"]]
    assert chart.startswith(PNG) and int(asked.params["length"]) == len(chart) > 10_000
    assert done.params["channel_id"] == "CREVIEW"
    comment = done.params["initial_comment"]
    assert "Mentions report, last 7d" in comment and "4 mentions" in comment
    assert "67% answered within the SLA of 60 min (2 of 3)" in comment
    assert "rejected 1" in comment and "by network: X 3, Reddit 1" in comment
    assert done.headers["Authorization"] == "Bearer xoxb-test-token"
    assert not env.stub.of("response_url")  # nothing else to say


def test_mentions_report_where_the_bot_is_not_a_member_says_so_privately(env: Env) -> None:
    env.stub.not_member_of.add("COUTSIDE")
    command(env, "report 30d", channel="COUTSIDE")
    [answer] = env.stub.wait_for("response_url")
    assert answer.params["response_type"] == "ephemeral"
    assert "not a member of this channel" in answer.params["text"]
    assert "0 mentions" in answer.params["text"]  # the figures still arrive, as text
    command(env, "report 90d")
    assert "use 7d or 30d" in env.stub.wait_for("response_url", 2)[-1].params["text"]


def test_help_lists_the_new_commands(env: Env) -> None:
    command(env, "help")
    text = env.stub.wait_for("response_url")[-1].params["text"]
    for usage in ("/mentions author <handle>", "/mentions advocates [7d|30d|90d]",
                  "/mentions report [7d|30d]"):  # fmt: skip
        assert usage in text
