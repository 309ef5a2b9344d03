"""Cases through the real edges: mentions arriving through the signed webhook and the JSONL
reader, the runner placing them, the Slack stub recording cards, signed clicks into the Bolt app.

The texts are the tests' own: an invented outage of the sample brand's app and charger.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import container
from bot.cases.similarity import report, same_problem
from bot.domain import Mention, Status
from bot.jsonl import read_lines
from bot.rules import load_rules
from bot.settings import load_settings
from bot.slack import ids
from bot.store import Store
from bot.store.cases import CaseStore
from bot.webhook import signature
from tests.slack_env import SIGNING_SECRET, review_settings, serve_review
from tests.slack_http import SlackSender, WsgiServer, block_action, view_submission
from tests.slack_stub import SlackStub, wait_until

ROOT = Path(__file__).resolve().parent.parent
SECRET = SIGNING_SECRET
HOOK_SECRET = "a-long-random-webhook-secret"
APPROVER = "UAPPROVER"

# Twelve people, one problem: the same complaint in their own words, numbers and handles.
OUTAGE = [
    "@ampwell the app won't connect to my Volta 1200 since this morning's update, useless",
    "since the update this morning the app will not connect to my Volta anymore @ampwell",
    "@ampwell app stopped connecting to the Volta 1200 after today's update. fix it please",
    "after the update this morning my app won't connect to the Volta at all @ampwell #fail",
    "@ampwell the app won't connect to the Volta since the update, order 48812",
    "app not connecting to my Volta 1200 since this morning's update?? @ampwell",
    "@ampwell since today's update the app won't connect to my Volta, so annoying",
    "my Volta 1200 won't connect to the app since the update this morning @ampwell",
    "@ampwell the update broke it: the app won't connect to my Volta since this morning",
    "since the update the app won't connect to the Volta 1200 anymore, @ampwell what happened",
    "@ampwell app will not connect to Volta after this morning's update, 3rd time trying",
    "@ampwell app won't connect to my Volta since the update this morning, very disappointed",
]
UNRELATED = [
    "@ampwell how long do I have to return my Pocket 20?",
    "@ampwell love my new Volta 1200, camping was great",
    "@ampwell do you ship to Belgium?",
    "@ampwell what is the warranty on the Pocket 20?",
    "@ampwell my parcel arrived with a dented corner, can I get a replacement?",
]


@dataclass
class Env:
    stub: SlackStub
    store: Store
    parts: container.SlackParts
    send: SlackSender
    hook: str
    outbox: Path
    server: WsgiServer | None = None  # the HTTP server the app is served on

    def close(self) -> None:
        """Stop the app's HTTP server and the Slack stub."""
        if self.server is not None:
            self.server.close()
        self.stub.close()

    def webhook(self, *items: dict) -> dict:
        body = json.dumps(list(items)).encode()
        ts = str(int(time.time()))
        request = urllib.request.Request(
            self.hook,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Timestamp": ts,
                "X-Signature": signature(HOOK_SECRET, ts, body),
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 202
            return json.loads(response.read())

    def click(self, action_id: str, row: int, user: str = APPROVER) -> int:
        return self.send.interactive(block_action(action_id, ids.Ref(row).dump(), user))[0]

    def cards(self) -> list:
        return [c for c in self.stub.of("chat.postMessage") if c.params.get("channel") == "CREVIEW"]

    def outbox_lines(self) -> list[dict]:
        if not self.outbox.exists():
            return []
        return [json.loads(line) for line in self.outbox.read_text().splitlines()]


def make_env(tmp_path: Path, embedder, **extra) -> Env:
    extra.setdefault("spike_min", 1000)  # spikes have their own test
    stub = SlackStub()
    settings = review_settings(tmp_path, stub.url, APPROVER, webhook_secret=HOOK_SECRET, **extra)
    served = serve_review(settings, embedder, webhook_secret=HOOK_SECRET)
    url = served.server.url
    env = Env(
        stub, served.store, served.parts, SlackSender(url, SECRET), url + "/mentions", served.outbox
    )
    env.server = served.server
    return env


@pytest.fixture
def env(tmp_path: Path, embedder):
    env = make_env(tmp_path, embedder)
    yield env
    env.close()


def outage(count: int = 12, start: int = 0) -> list[dict]:
    return [
        {"id": f"o{start + i}", "text": OUTAGE[(start + i) % len(OUTAGE)],
         "author": f"user{start + i}",
         "followers": 100 + i, "network": "webhook"}
        for i in range(count)
    ]  # fmt: skip


def test_same_problem_reads_past_handles_numbers_and_word_order() -> None:
    a = report("@ampwell order 1182 still not delivered, where is it?", ["shipping.md"])
    b = report("where is my order 77?? still not delivered @ampwell #fail", ["shipping.md"])
    assert same_problem(a, b)
    # each of the twelve outage reports matches one of the reports before it (as the placer
    # compares them: without the shipped stop words)
    rules = load_rules(ROOT / "prompts" / "triage_rules.toml")
    stop_words = frozenset().union(*rules.stop_words.values())
    reports = [report(text, ["app.md"], stop_words) for text in OUTAGE]
    assert all(any(same_problem(r, e) for e in reports[:i]) for i, r in enumerate(reports) if i)
    assert not any(same_problem(reports[0], report(text, ["returns.md"])) for text in UNRELATED)
    # a different problem about the same product shares its page but not its words
    broken = report("@ampwell the handle of my Volta 1200 snapped off on day two", ["volta.md"])
    assert not same_problem(report(OUTAGE[1], ["volta.md"]), broken)


def test_a_thread_of_three_posts_from_one_author_is_one_card_updated_twice(env: Env) -> None:
    texts = [
        "@ampwell my Pocket 20 stopped charging",
        "@ampwell it was bought in March, is it still under warranty?",
        "@ampwell hello? still waiting on this",
    ]
    lines = [
        json.dumps({"id": f"t{i}", "text": text, "author": "kim", "thread_id": "conv-1"})
        for i, text in enumerate(texts)
    ]
    for line in read_lines(lines, default_network="webhook"):
        env.store.add_mentions([line.mention])  # type: ignore[union-attr]
        env.parts.runner.run_once()
    assert len(env.cards()) == 1
    newest = env.store.records([Status.DRAFTED])
    assert [r.mention.id for r in newest] == ["t2"]  # the newest holds the card
    updates = [u for u in env.stub.of("chat.update") if u.params["ts"] == newest[0].card_ts]
    assert len(updates) >= 2
    last = json.dumps(updates[-1].params["blocks"])
    assert "Earlier in this conversation" in last and "stopped charging" in last
    assert "still waiting" in last
    grouped = env.store.records([Status.GROUPED])
    assert {r.mention.id for r in grouped} == {"t0", "t1"}
    # every post stays counted one by one
    assert len(env.store.since(datetime.now(UTC) - timedelta(hours=1))) == 3


def test_a_conversation_already_answered_opens_a_new_card_quoting_the_exchange(env: Env) -> None:
    first = Mention("a1", "@ampwell do you ship to Belgium?", "webhook", "kim", thread_id="c9")
    env.store.add_mentions([first])
    env.parts.runner.run_once()
    [row] = [r.row_id for r in env.store.records([Status.DRAFTED])]
    env.click(ids.APPROVE, row)
    wait_until(lambda: env.store.get(row).status is Status.POSTED, what="posted")
    follow = Mention(
        "a2", "@ampwell great, and how long does it take?", "webhook", "kim", thread_id="c9"
    )
    env.store.add_mentions([follow])
    env.parts.runner.run_once()
    cards = env.cards()
    assert len(cards) == 2
    text = json.dumps(cards[-1].params["blocks"])
    assert "Earlier in this conversation" in text and "the brand replied" in text


def test_twelve_authors_one_problem_become_one_incident_card_beside_five_ordinary_ones(
    env: Env,
) -> None:
    env.webhook(*outage(2))  # the first two arrive before anyone knows it is an incident
    env.parts.runner.run_once()
    assert len(env.cards()) == 2
    env.webhook(*outage(10, start=2))
    env.webhook(
        *[{"id": f"u{i}", "text": t, "author": f"other{i}"} for i, t in enumerate(UNRELATED)]
    )
    env.parts.runner.run_once()
    cases = CaseStore(env.store)
    [incident] = cases.open_incidents()
    assert len(cases.members(incident.id)) == 12
    cards = env.cards()
    incident_cards = [c for c in cards if "Incident #" in c.params["text"]]
    assert len(incident_cards) == 1
    assert len(cards) == 2 + 1 + len(UNRELATED)  # no new card per member
    live = [json.dumps(u.params["blocks"]) for u in env.stub.of("chat.update")]
    assert any("12 mentions" in blob for blob in live)
    # the first two members' cards say so, and no longer ask for approval one by one
    early = [env.store.get(r) for r in cases.members(incident.id)[:2]]
    for member in early:
        update = [u for u in env.stub.of("chat.update") if u.params["ts"] == member.card_ts][-1]
        blob = json.dumps(update.params["blocks"])
        assert "Part of incident" in blob and ids.APPROVE not in blob

    # Approve for all: twenty impatient clicks, twelve posts, one per author, none twice
    lead = incident.lead_row
    with ThreadPoolExecutor(20) as pool:
        assert set(pool.map(lambda _: env.click(ids.APPROVE_ALL, lead), range(20))) == {200}
    wait_until(lambda: len(env.outbox_lines()) == 12, what="twelve posts")
    # A post is written to the network before its record is marked posted: wait for both.
    wait_until(lambda: len(env.store.records([Status.POSTED])) >= 12, what="twelve posted")
    time.sleep(0.3)  # time for a thirteenth post, were one to come
    lines = env.outbox_lines()
    assert len(lines) == 12 and len({line["mention_id"] for line in lines}) == 12
    for line in lines:
        author = next(
            r for r in env.store.records([Status.POSTED]) if r.mention.id == line["mention_id"]
        )
        assert line["text"].startswith(f"@{author.mention.author} ")
    audit = env.store.audit_actions(datetime.now(UTC) - timedelta(hours=1))
    assert sum(1 for _, actor, action in audit if action == "approve_all") == 12
    assert {actor for _, actor, action in audit if action == "approve_all"} == {APPROVER}


def test_a_safety_flagged_member_is_kept_out_of_approve_for_all(env: Env) -> None:
    items = outage(4)
    items[3]["text"] = (
        "@ampwell since the update this morning the app won't connect to my Volta and now the "
        "Volta is smoking and smells of burning plastic"
    )
    env.webhook(*items)
    env.parts.runner.run_once()
    cases = CaseStore(env.store)
    [incident] = cases.open_incidents()
    members = [env.store.get(r) for r in cases.members(incident.id)]
    kept = [m for m in members if m.status is not Status.GROUPED]
    assert [m.mention.id for m in kept] == ["o3"]
    env.click(ids.APPROVE_ALL, incident.lead_row)
    wait_until(lambda: len(env.outbox_lines()) == 3, what="three posts")
    assert env.store.get(kept[0].row_id).status is not Status.POSTED
    assert {line["mention_id"] for line in env.outbox_lines()} == {"o0", "o1", "o2"}


def test_split_gives_every_member_its_own_card_back(env: Env) -> None:
    env.webhook(*outage(3))
    env.parts.runner.run_once()
    cases = CaseStore(env.store)
    [incident] = cases.open_incidents()
    env.click(ids.SPLIT_INCIDENT, incident.lead_row)
    members = cases.members(incident.id)
    wait_until(lambda: {env.store.get(r).status for r in members} == {Status.DRAFTED}, what="split")
    assert not cases.open_incidents()
    env.parts.runner.run_once()
    carded = [env.store.get(r).card_ts for r in cases.members(incident.id)]
    assert all(carded)  # each can be acted on again, one by one


def test_mentions_incidents_lists_the_open_ones(env: Env) -> None:
    env.webhook(*outage(3))
    env.parts.runner.run_once()
    fields = {"command": "/mentions", "text": "incidents", "user_id": "UANY",
              "channel_id": "CREVIEW", "team_id": "T1", "trigger_id": "t",
              "response_url": env.stub.response_url}  # fmt: skip
    env.send.command(fields)
    [answer] = env.stub.wait_for("response_url")
    assert "1 open incidents" in answer.params["text"]
    assert "3 mentions" in json.dumps(answer.params["blocks"])


def negative_burst(count: int, start: int = 0) -> list[dict]:
    return [
        {"id": f"n{start + i}", "text": f"@ampwell worst service ever, still no refund {i}",
         "author": f"angry{start + i}", "network": "webhook"}
        for i in range(count)
    ]  # fmt: skip


def test_a_spike_gives_exactly_one_alert_with_two_workers_then_back_to_normal(
    tmp_path: Path, embedder
) -> None:
    env = make_env(tmp_path, embedder, slack_alert_channel="CALERTS", spike_min=5)
    try:
        env.webhook(*negative_burst(8))
        # a second worker on the same store: its own placer, spike watch and lock holder
        runners = [env.parts.runner, second_runner(env, tmp_path, embedder)]
        threads = [threading.Thread(target=r.run_once) for r in runners]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        for runner in runners:
            runner.run_once()
        alerts = [
            c for c in env.stub.of("chat.postMessage") if c.params.get("channel") == "CALERTS"
        ]
        assert len(alerts) == 1
        blob = json.dumps(alerts[0].params["blocks"])
        assert "<!subteam^SONCALL>" in blob and "Spike in negative mentions" in blob
        # the cooldown: more negatives, still one alert
        env.webhook(*negative_burst(3, start=8))
        for runner in runners:
            runner.run_once()
        alerts = [
            c for c in env.stub.of("chat.postMessage") if c.params.get("channel") == "CALERTS"
        ]
        assert len(alerts) == 1
        # an hour later the rate is back under the threshold: one message in the alert's thread
        later = datetime.now(UTC) + timedelta(hours=2)
        for runner in runners:
            runner.cases.spikes.clock = lambda: later  # type: ignore[union-attr]
            runner.cases.spikes.check(force=True)  # type: ignore[union-attr]
        replies = [c for c in env.stub.of("chat.postMessage") if c.params.get("thread_ts")]
        assert len(replies) == 1 and "Back to normal" in replies[0].params["text"]
    finally:
        env.close()


def alerts_in(env: Env) -> list:
    return [c for c in env.stub.of("chat.postMessage") if c.params.get("channel") == "CALERTS"]


def second_runner(env: Env, tmp_path: Path, embedder):
    settings = load_settings(
        knowledge_dir=tmp_path / "kb",
        data_dir=tmp_path / "data2",
        database_url=str(env.store.engine.url),
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SECRET,
        slack_review_channel="CREVIEW",
        slack_oncall_group="SONCALL",
        slack_alert_channel="CALERTS",
        slack_api_url=env.stub.url,
        spike_min=5,
    )
    core = container.build_core(settings, embedder=embedder)
    return container.build_worker(core, env.store)


def test_the_shared_draft_is_edited_on_the_incident_card_and_sent_to_each_member(env: Env) -> None:
    env.webhook(*outage(3))
    env.parts.runner.run_once()
    cases = CaseStore(env.store)
    [incident] = cases.open_incidents()
    lead = env.store.get(incident.lead_row)
    env.click(ids.EDIT, lead.row_id)
    [opened] = env.stub.wait_for("views.open")
    view = opened.params["view"]
    text = (
        f"@{lead.mention.author} We broke the app's connection with today's update; a fix is out."
    )
    values = {ids.EDIT_BLOCK: {ids.EDIT_INPUT: {"type": "plain_text_input", "value": text}}}
    status, _ = env.send.interactive(
        view_submission(ids.EDIT_VIEW, view["private_metadata"], values, APPROVER)
    )
    assert status == 200
    wait_until(lambda: env.store.get(lead.row_id).draft.origin == "edited", what="edited")
    assert env.store.get(lead.row_id).status is Status.GROUPED  # still answered with the rest
    env.click(ids.APPROVE_ALL, lead.row_id)
    wait_until(lambda: len(env.outbox_lines()) == 3, what="three posts")
    for line in env.outbox_lines():
        assert line["text"].endswith(
            "We broke the app's connection with today's update; a fix is out."
        )
    assert {line["text"].split()[0] for line in env.outbox_lines()} == {
        "@user0",
        "@user1",
        "@user2",
    }


def test_a_member_with_a_strangers_markup_is_an_ordinary_member_shown_escaped(env: Env) -> None:
    items = outage(3)
    items[1]["text"] += " <!channel> <https://evil.example|click here>"
    env.webhook(*items)
    env.parts.runner.run_once()
    cases = CaseStore(env.store)
    [incident] = cases.open_incidents()
    assert len(cases.members(incident.id)) == 3
    [card] = [c for c in env.cards() if c.params["text"].startswith("Incident #")]
    blob = json.dumps(card.params["blocks"])
    assert "<!channel>" not in blob and "&lt;!channel&gt;" in blob
    assert "<https://evil.example|" not in blob


def test_a_reply_chain_that_names_only_the_post_it_answers_joins_that_posts_card(
    env: Env,
) -> None:
    """Mastodon gives no thread key: a reply names the status it answers, and the case follows
    that status (stored here) to its thread."""
    first = Mention("900", "@ampwell my Pocket 20 stopped charging", "mastodon", "kim@x.social",
                    thread_id="900")  # fmt: skip
    env.store.add_mentions([first])
    env.parts.runner.run_once()
    follow = Mention("901", "@ampwell any news? still dead", "mastodon", "kim@x.social",
                     reply_ref={"in_reply_to_id": "900"})  # fmt: skip
    env.store.add_mentions([follow])
    env.parts.runner.run_once()
    assert len(env.cards()) == 1
    [holder] = env.store.records([Status.DRAFTED])
    assert holder.mention.id == "901"
    assert {r.mention.id for r in env.store.records([Status.GROUPED])} == {"900"}
