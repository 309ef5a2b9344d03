"""Every network in one review queue, as deployed: only the three networks' settings, pointed at
their local stubs; the runner polls each, drafts and cards the mentions in Slack, and a signed
Approve click posts exactly one reply on the right network, in the right thread."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot import container
from bot.domain import Status
from bot.settings import load_settings
from bot.slack import ids
from bot.store import MentionRecord, Store
from bot.web import create_wsgi
from tests import bluesky_stub, mastodon_stub, reddit_stub
from tests.conftest import SAMPLE_KB
from tests.slack_http import SlackSender, WsgiServer, block_action
from tests.slack_stub import SlackStub, wait_until

SECRET = "test-signing-secret"
APPROVER = "UAPPROVER"
QUESTION = "how long do I have to return my Pocket 20?"


@dataclass
class World:
    sky: bluesky_stub.BlueskyStub
    toot: mastodon_stub.MastodonStub
    red: reddit_stub.RedditStub
    slack: SlackStub
    store: Store
    parts: container.SlackParts
    send: SlackSender


@pytest.fixture
def world(tmp_path: Path, embedder):
    sky, toot, red, slack = (
        bluesky_stub.BlueskyStub(),
        mastodon_stub.MastodonStub(),
        reddit_stub.RedditStub(),
        SlackStub(),
    )
    kb = tmp_path / "kb"
    shutil.copytree(SAMPLE_KB, kb)
    settings = load_settings(
        knowledge_dir=kb,
        data_dir=tmp_path / "data",
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SECRET,
        slack_review_channel="CREVIEW",
        slack_approvers=APPROVER,
        slack_api_url=slack.url,
        bluesky_handle=bluesky_stub.BRAND,
        bluesky_app_password=bluesky_stub.PASSWORD,
        bluesky_service_url=sky.url,
        mastodon_api_base_url=toot.url,
        mastodon_access_token=mastodon_stub.TOKEN,
        reddit_client_id=reddit_stub.CLIENT_ID,
        reddit_client_secret=reddit_stub.CLIENT_SECRET,
        reddit_username=reddit_stub.ME,
        reddit_password=reddit_stub.PASSWORD,
        reddit_oauth_url=red.url,
        reddit_url=red.url,
    )
    core = container.build_core(settings, embedder=embedder)
    store = container.build_store(settings)
    parts = container.build_slack(core, store, socket_mode=False)  # the real publishers
    server = WsgiServer(create_wsgi(parts.app))
    yield World(sky, toot, red, slack, store, parts, SlackSender(server.url, SECRET))
    server.close()
    for stub in (sky, toot, red, slack):
        stub.close()


def by_network(records: list[MentionRecord]) -> dict[str, MentionRecord]:
    return {r.mention.network: r for r in records}


def test_three_networks_are_polled_carded_and_answered_once_in_their_threads(world: World) -> None:
    sky, toot, red, slack, store = world.sky, world.toot, world.red, world.slack, world.store
    # Bluesky: a question asked as a reply deep in someone else's thread.
    top = sky.post("ana.bsky.social", "new power station day")
    middle = sky.post("bo.bsky.social", "nice!", reply_to=top)
    sky.notify("reply", "kim.bsky.social", f"@ampwell.bsky.social {QUESTION}", reply_to=middle)
    # Mastodon: a followers-only mention from another instance.
    kim = mastodon_stub.account("20", "kim@mastodon.social", 120)
    post = mastodon_stub.status("600", f"<p>@ampwell {QUESTION}</p>", kim, visibility="private")
    toot.notifications.append(mastodon_stub.notification("100", "mention", kim, post))
    # Reddit: a username mention in a comment under a post.
    red.karma["kim"] = (300, 1200)
    thread = red.post("p1", "Power stations for camping", "someone")
    red.mentions = [red.comment("c1", f"u/ampwell {QUESTION}", "kim", thread, at=10)]

    world.parts.runner.run_once()
    records = by_network(store.records(list(Status)))
    assert set(records) == {"bluesky", "mastodon", "reddit"}
    assert records["reddit"].mention.followers == 1500  # karma stands in for reach
    wait_until(lambda: len(slack.of("chat.postMessage")) == 3, what="three cards")
    cards = " ".join(json.dumps(c.params["blocks"]) for c in slack.of("chat.postMessage"))
    for label in ("Bluesky", "Mastodon", "Reddit"):
        assert f"view post on {label}" in cards
    assert "1,500 karma" in cards and "u/kim" in cards and "@kim@mastodon.social" in cards

    for record in records.values():
        if record.status is Status.NO_REPLY:
            pytest.fail(f"{record.mention.network}: no draft for a plain question")
        action = block_action(ids.APPROVE, ids.Ref(record.row_id).dump(), APPROVER)
        with ThreadPoolExecutor(10) as pool:  # impatient approvers click many times
            clicks = pool.map(world.send.interactive, [action] * 10)
            assert {status for status, _ in clicks} == {200}
    wait_until(
        lambda: all(store.get(r.row_id).status is Status.POSTED for r in records.values()),
        what="three posts",
    )

    [reply] = sky.replies()
    assert reply["value"]["reply"]["root"]["uri"] == top.uri
    assert reply["value"]["reply"]["parent"]["uri"] == records["bluesky"].mention.id
    assert reply["value"]["text"].startswith("@kim.bsky.social ")
    [status] = toot.posted
    assert status["in_reply_to_id"] == "600" and status["visibility"] == "private"
    assert status["content"].startswith("<p>@kim@mastodon.social ")
    [comment] = red.children_of("t1_c1")
    assert comment["body"].startswith("u/kim ")
    for record in records.values():
        assert (store.get(record.row_id).posted_url or "").startswith("http")


def test_mentions_status_has_one_line_per_network(world: World) -> None:
    world.parts.runner.run_once()
    fields = {"command": "/mentions", "text": "status", "user_id": "UANY",
              "channel_id": "CREVIEW", "team_id": "T1", "trigger_id": "t",
              "response_url": world.slack.response_url}  # fmt: skip
    world.send.command(fields)
    [answer] = world.slack.wait_for("response_url")
    lines = answer.params["text"].splitlines()
    assert lines[:4] == [
        "X: off (no credentials set)",
        "Bluesky: polling",
        "Mastodon: polling",
        "Reddit: polling",
    ]


def test_bot_worker_polls_the_three_networks_and_cards_their_mentions(tmp_path: Path) -> None:
    """`bot worker` as deployed, a separate process with only the networks' settings."""
    sky, toot, red, slack = (
        bluesky_stub.BlueskyStub(),
        mastodon_stub.MastodonStub(),
        reddit_stub.RedditStub(),
        SlackStub(),
    )
    sky.notify("mention", "kim.bsky.social", f"@ampwell.bsky.social {QUESTION}")
    kim = mastodon_stub.account("20", "kim@mastodon.social", 120)
    post = mastodon_stub.status("600", f"<p>@ampwell {QUESTION}</p>", kim)
    toot.notifications.append(mastodon_stub.notification("100", "mention", kim, post))
    thread = red.post("p1", "Power stations for camping", "someone")
    red.mentions = [red.comment("c1", f"u/ampwell {QUESTION}", "kim", thread, at=10)]
    env = {
        **os.environ,
        "BOT_DATA_DIR": str(tmp_path / "data"),
        "BOT_KNOWLEDGE_DIR": str(SAMPLE_KB),
        "SLACK_BOT_TOKEN": "xoxb-worker",
        "SLACK_REVIEW_CHANNEL": "CREVIEW",
        "SLACK_API_URL": slack.url,
        "BLUESKY_HANDLE": bluesky_stub.BRAND,
        "BLUESKY_APP_PASSWORD": bluesky_stub.PASSWORD,
        "BLUESKY_SERVICE_URL": sky.url,
        "MASTODON_API_BASE_URL": toot.url,
        "MASTODON_ACCESS_TOKEN": mastodon_stub.TOKEN,
        "REDDIT_CLIENT_ID": reddit_stub.CLIENT_ID,
        "REDDIT_CLIENT_SECRET": reddit_stub.CLIENT_SECRET,
        "REDDIT_USERNAME": reddit_stub.ME,
        "REDDIT_PASSWORD": reddit_stub.PASSWORD,
        "REDDIT_OAUTH_URL": red.url,
        "REDDIT_URL": red.url,
    }
    bot = Path(sys.executable).with_name("bot")
    proc = subprocess.Popen(
        [bot, "worker"], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        cards = slack.wait_for("chat.postMessage", 3, timeout=90)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
        for stub in (sky, toot, red, slack):
            stub.close()
    assert proc.returncode == 0, stderr.decode()[-2000:]
    texts = " ".join(json.dumps(card.params["blocks"]) for card in cards)
    assert all(f"view post on {label}" in texts for label in ("Bluesky", "Mastodon", "Reddit"))
    for secret in (bluesky_stub.PASSWORD, mastodon_stub.TOKEN, reddit_stub.PASSWORD):
        assert secret not in stderr.decode()  # secrets never reach the logs
