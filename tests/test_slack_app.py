"""The Slack app end to end: signed HTTP requests into the real Bolt app (served by a WSGI
server on 127.0.0.1), the real slack_sdk WebClient talking to a local Slack API stub, and
assertions on the calls the stub received and on the store."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot import container
from bot.domain import Mention, Status
from bot.publishers import OutboxPublisher
from bot.review import PostResult, PublishError
from bot.slack import ids
from bot.store import Store
from tests.slack_env import SIGNING_SECRET, review_settings, serve_review
from tests.slack_http import (
    SlackSender,
    WsgiServer,
    block_action,
    event_envelope,
    view_submission,
)
from tests.slack_stub import SlackStub, wait_until

SECRET = SIGNING_SECRET
APPROVER, OUTSIDER, EXPERT = "UAPPROVER", "UOUTSIDER", "UEXPERT"


@dataclass
class Env:
    stub: SlackStub
    store: Store
    parts: container.SlackParts
    send: SlackSender
    outbox: Path
    core: container.Core
    server: WsgiServer | None = None  # the HTTP server the app is served on

    def close(self) -> None:
        """Stop the app's HTTP server and the Slack stub."""
        if self.server is not None:
            self.server.close()
        self.stub.close()

    def ingest(self, text: str, author: str = "ann", followers: int = 120, mid: str = "m1") -> int:
        [(_, row)] = self.store.add_mentions(
            [Mention(id=mid, text=text, network="x", author=author, followers=followers)]
        )
        self.parts.runner.run_once()
        return row

    def click(self, action_id: str, row: int, user: str = APPROVER, **kw) -> tuple[int, str]:
        return self.send.interactive(block_action(action_id, ids.Ref(row).dump(), user), **kw)

    def outbox_lines(self) -> list[dict]:
        if not self.outbox.exists():
            return []
        return [json.loads(line) for line in self.outbox.read_text().splitlines()]

    def status(self, row: int) -> Status:
        return self.store.get(row).status


class FlakyPublisher(OutboxPublisher):
    """The outbox, failing the first `failures` posts like a network that is down."""

    def __init__(self, path: Path, failures: int) -> None:
        super().__init__(path)
        self.failures = failures

    def publish(self, mention: Mention, text: str, key: str, approver: str) -> PostResult:
        if self.failures:
            self.failures -= 1
            raise PublishError("X answered 503 Service Unavailable")
        return super().publish(mention, text, key, approver)


def make_env(tmp_path: Path, embedder, publisher=None, **extra_settings) -> Env:
    stub = SlackStub()
    stub.group_members["SAPPROVERS"] = ["UGROUPIE"]
    settings = review_settings(tmp_path, stub.url, f"{APPROVER},SAPPROVERS", **extra_settings)
    served = serve_review(settings, embedder, publisher)
    send = SlackSender(served.server.url, SECRET)
    env = Env(stub, served.store, served.parts, send, served.outbox, served.core)
    env.server = served.server
    return env


@pytest.fixture
def env(tmp_path: Path, embedder):
    env = make_env(tmp_path, embedder)
    yield env
    env.close()


def test_a_new_mention_gets_one_escaped_card(env: Env) -> None:
    row = env.ingest("@ampwell <!channel> how long do I have to return my Pocket 20? <@U999> & co")
    [post] = env.stub.wait_for("chat.postMessage")
    assert post.params["channel"] == "CREVIEW"
    assert post.headers["Authorization"] == "Bearer xoxb-test-token"
    blob = json.dumps(post.params["blocks"])
    assert "<!channel>" not in blob and "<@U999>" not in blob
    assert "&lt;!channel&gt;" in blob and "&amp; co" in blob
    actions = next(b for b in post.params["blocks"] if b["type"] == "actions")["elements"]
    assert [a["action_id"] for a in actions] == [
        "approve",
        "edit",
        "regenerate",
        "escalate",
        "reject",
    ]
    assert all(json.loads(a["value"]) == {"m": row} for a in actions)
    env.parts.runner.run_once()  # nothing new: no second card
    assert len(env.stub.of("chat.postMessage")) == 1
    assert env.store.get(row).card_channel == "CREVIEW"


def test_approve_posts_once_and_updates_the_card(env: Env) -> None:
    row = env.ingest("how long do I have to return my Pocket 20?")
    status, _ = env.click(ids.APPROVE, row)
    assert status == 200
    wait_until(lambda: env.status(row) is Status.POSTED, what="posted")
    [line] = env.outbox_lines()
    assert line["mention_id"] == "m1" and line["approver"] == APPROVER
    assert line["text"] == env.store.get(row).final_text
    update = env.stub.wait_for("chat.update")[-1]
    blob = json.dumps(update.params["blocks"])
    assert "Posted" in blob and APPROVER in blob and "outbox.jsonl line 1" in blob
    assert not [b for b in update.params["blocks"] if b["type"] == "actions"]


def test_twenty_concurrent_approvals_post_once(env: Env) -> None:
    row = env.ingest("how long do I have to return my Pocket 20?")
    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(lambda _: env.click(ids.APPROVE, row)[0], range(20)))
    assert statuses == [200] * 20
    wait_until(lambda: env.status(row) is Status.POSTED, what="posted")
    wait_until(lambda: len(env.stub.of("chat.postEphemeral")) >= 19, what="19 refusals")
    assert len(env.outbox_lines()) == 1
    refusals = [c.params["text"] for c in env.stub.of("chat.postEphemeral")]
    assert all("already" in text for text in refusals)


def test_a_non_approver_is_refused_and_nothing_changes(env: Env) -> None:
    row = env.ingest("how long do I have to return my Pocket 20?")
    status, _ = env.click(ids.APPROVE, row, user=OUTSIDER)
    assert status == 200
    [refusal] = env.stub.wait_for("chat.postEphemeral")
    assert refusal.params["user"] == OUTSIDER and "Only approvers" in refusal.params["text"]
    time.sleep(0.2)
    assert env.status(row) is Status.DRAFTED and env.outbox_lines() == []


def test_a_user_group_member_may_approve(env: Env) -> None:
    row = env.ingest("how long do I have to return my Pocket 20?")
    env.click(ids.APPROVE, row, user="UGROUPIE")
    wait_until(lambda: env.status(row) is Status.POSTED, what="posted")
    assert env.stub.of("usergroups.users.list")[0].params["usergroup"] == "SAPPROVERS"


@pytest.mark.parametrize("forgery", ["bad-signature", "stale", "unsigned-body-change"])
def test_forged_and_stale_requests_are_refused(env: Env, forgery: str) -> None:
    row = env.ingest("how long do I have to return my Pocket 20?")
    before = len(env.stub.calls)
    payload = block_action(ids.APPROVE, ids.Ref(row).dump(), APPROVER)
    if forgery == "bad-signature":
        status, _ = env.send.interactive(payload, signature="v0=" + "0" * 64)
    elif forgery == "stale":
        status, _ = env.send.interactive(payload, timestamp=int(time.time()) - 600)
    else:
        signed = env.send.verifier.generate_signature(timestamp=str(int(time.time())), body="x")
        status, _ = env.send.interactive(payload, signature=signed)
    assert status == 401
    time.sleep(0.2)
    assert len(env.stub.calls) == before
    assert env.status(row) is Status.DRAFTED


def test_edit_opens_a_prefilled_modal_and_validates_length(env: Env) -> None:
    row = env.ingest("how long do I have to return my Pocket 20?")
    env.click(ids.EDIT, row)
    [opened] = env.stub.wait_for("views.open")
    view = opened.params["view"]
    element = view["blocks"][1]["element"]
    assert element["initial_value"] == env.store.get(row).draft.text
    assert view["callback_id"] == ids.EDIT_VIEW

    def submit(text: str) -> tuple[int, str]:
        values = {ids.EDIT_BLOCK: {ids.EDIT_INPUT: {"type": "plain_text_input", "value": text}}}
        return env.send.interactive(
            view_submission(ids.EDIT_VIEW, view["private_metadata"], values, APPROVER)
        )

    status, body = submit("@ann " + "x" * 300)
    assert status == 200 and json.loads(body)["response_action"] == "errors"
    assert "280" in json.loads(body)["errors"][ids.EDIT_BLOCK]
    status, body = submit("@ann You have 30 days, and returns are free. 😊")
    assert status == 200 and body == ""
    wait_until(lambda: env.store.get(row).draft.origin == "edited", what="edited draft")
    assert env.store.get(row).draft.author == APPROVER
    update = env.stub.wait_for("chat.update")[-1]
    assert "edited by" in json.dumps(update.params["blocks"])


def test_reject_with_a_reason(env: Env) -> None:
    row = env.ingest("how long do I have to return my Pocket 20?")
    values = {
        ids.REASON_BLOCK: {ids.REASON_INPUT: {"type": "plain_text_input", "value": "off topic"}}
    }
    env.send.interactive(view_submission(ids.REJECT_VIEW, ids.Ref(row).dump(), values, APPROVER))
    wait_until(lambda: env.status(row) is Status.REJECTED, what="rejected")
    assert env.store.get(row).rejected_reason == "off topic"
    assert "off topic" in json.dumps(env.stub.wait_for("chat.update")[-1].params["blocks"])


def test_regenerate_with_an_instruction(env: Env) -> None:
    row = env.ingest("how long do I have to return my Pocket 20? and is return shipping free?")
    before = env.store.get(row).draft
    before_time = env.store.get(row).received_at
    values = {
        ids.INSTRUCTION_BLOCK: {
            ids.INSTRUCTION_INPUT: {"type": "plain_text_input", "value": "shorter"}
        }
    }
    env.send.interactive(view_submission(ids.REGENERATE_VIEW, ids.Ref(row).dump(), values, "UANY"))
    wait_until(lambda: env.store.get(row).draft.id != before.id, what="new draft")
    after = env.store.get(row).draft
    assert after.text.startswith("@ann ") and len(after.text) <= 280
    assert not after.text.endswith(("Anything else, just ask!", "Hope that helps!"))
    wait_until(
        lambda: (
            ("UANY", "regenerate") in {(a, b) for _, a, b in env.store.audit_actions(before_time)}
        ),
        what="audit entry",
    )
    env.stub.wait_for("chat.update")


def test_escalation_thread_expert_answer_and_save_to_knowledge_base(env: Env) -> None:
    row = env.ingest("does the Pocket 20 work with a Nintendo Switch dock?")
    env.click(ids.ESCALATE, row, user="UANY")
    thread = next(
        c for c in env.stub.wait_for("chat.postMessage", 2) if c.params["channel"] == "CEXPERT"
    )
    wait_until(lambda: env.store.get(row).expert_ts is not None, what="thread stored")
    record = env.store.get(row)
    assert record.status is Status.ESCALATED
    thread_ts = record.expert_ts

    answer = {
        "type": "message",
        "channel": "CEXPERT",
        "user": EXPERT,
        "text": "Yes: the Pocket 20's 65 W USB-C port powers the Switch dock.",
        "ts": "1700000999.000200",
        "thread_ts": thread_ts,
        "channel_type": "channel",
    }
    status, _ = env.send.event(event_envelope(answer, "Ev-answer-1"))
    assert status == 200
    # Slack retries a delivery it thinks failed: same event id, X-Slack-Retry-Num set.
    env.send.event(
        event_envelope(answer, "Ev-answer-1"),
        extra_headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    wait_until(lambda: env.status(row) is Status.DRAFTED, what="expert draft")
    record = env.store.get(row)
    assert record.draft.origin == "expert" and record.draft.author == EXPERT
    assert record.draft.text.startswith("@ann Yes: the Pocket 20")
    time.sleep(0.3)
    replies = [c for c in env.stub.of("chat.postMessage") if c.params.get("thread_ts") == thread_ts]
    assert len(replies) == 1  # one answer handled once
    save = next(
        e
        for b in replies[0].params["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == ids.SAVE_TO_KB
    )
    assert thread.params["blocks"]

    # SLACK_KB_EDITORS is empty, so the approvers may save (tests/test_kb_editors.py has more).
    env.send.interactive(block_action(ids.SAVE_TO_KB, save["value"], APPROVER, channel="CEXPERT"))
    # The answer goes into the store (every host indexes it), no longer into a knowledge file.
    assert env.core.entries is not None
    wait_until(lambda: bool(env.core.entries.live()), what="knowledge entry")
    [entry] = env.core.entries.live()
    assert "65 W USB-C port powers the Switch dock" in entry.text and "@ann" not in entry.text
    assert not (env.core.settings.knowledge_dir / "policies" / "expert-answers.md").exists()
    wait_until(
        lambda: any(s.doc == "expert-answers" for s in env.core.retriever.search("Switch dock", 3)),
        what="re-indexed",
    )


def test_slash_command_acks_at_once_and_answers_through_response_url(env: Env) -> None:
    env.ingest("how long do I have to return my Pocket 20?")
    env.ingest("Love my Volta, thanks!", author="fan", followers=50_000, mid="m2")
    fields = {
        "command": "/mentions",
        "text": "summary 7d",
        "user_id": "UANY",
        "channel_id": "CREVIEW",
        "team_id": "T1",
        "response_url": env.stub.response_url,
        "trigger_id": "t1",
    }
    start = time.perf_counter()
    status, body = env.send.command(fields)
    took = time.perf_counter() - start
    assert status == 200 and body == "" and took < 3
    [answer] = env.stub.wait_for("response_url")
    blob = json.dumps(answer.params["blocks"])
    assert "Mentions, last 7d" in blob and "2 mentions" in blob
    assert "@fan (50,000)" in blob

    env.send.command({**fields, "text": "pending"})
    pending = env.stub.wait_for("response_url", 2)[-1]
    assert "awaiting approval" in pending.params["text"]
    assert "https://example.slack.com/archives/CREVIEW/p" in json.dumps(pending.params["blocks"])

    env.send.command({**fields, "text": "help"})
    assert "/mentions summary" in env.stub.wait_for("response_url", 3)[-1].params["text"]


def test_app_home_shows_the_summary(env: Env) -> None:
    env.ingest("how long do I have to return my Pocket 20?")
    event = {"type": "app_home_opened", "user": "UANY", "channel": "D1", "tab": "home"}
    env.send.event(event_envelope(event, "Ev-home"))
    [published] = env.stub.wait_for("views.publish")
    assert published.params["user_id"] == "UANY"
    assert published.params["view"]["type"] == "home"


def test_slack_rate_limits_are_waited_out_not_dropped(env: Env) -> None:
    env.stub.fail_next(
        "chat.postMessage", 429, {"ok": False, "error": "ratelimited"}, **{"Retry-After": "1"}
    )
    row = env.ingest("how long do I have to return my Pocket 20?")
    assert len(env.stub.of("chat.postMessage")) == 2  # the 429, then the retry
    assert env.store.get(row).card_ts is not None


def test_a_card_that_cannot_be_posted_is_kept_and_retried(env: Env) -> None:
    env.stub.fail_next("chat.postMessage", 200, {"ok": False, "error": "channel_not_found"})
    row = env.ingest("how long do I have to return my Pocket 20?")
    assert env.store.get(row).card_ts is None
    env.parts.runner.run_once()
    assert env.store.get(row).card_ts is not None


def test_a_failed_post_shows_the_error_and_can_be_retried(tmp_path: Path, embedder) -> None:
    env = make_env(tmp_path, embedder, FlakyPublisher(tmp_path / "data" / "outbox.jsonl", 1))
    try:
        row = env.ingest("how long do I have to return my Pocket 20?")
        env.click(ids.APPROVE, row)
        wait_until(lambda: env.status(row) is Status.POST_FAILED, what="post failed")
        update = env.stub.wait_for("chat.update")[-1]
        blob = json.dumps(update.params["blocks"])
        assert "503 Service Unavailable" in blob and ids.RETRY_POST in blob
        env.click(ids.RETRY_POST, row)
        wait_until(lambda: env.status(row) is Status.POSTED, what="posted")
        assert len(env.outbox_lines()) == 1
    finally:
        env.close()


def test_urgent_mentions_notify_the_oncall_group(env: Env) -> None:
    env.ingest("my power bank is smoking and smells burnt!!")
    [post] = env.stub.wait_for("chat.postMessage")
    assert "<!subteam^SONCALL>" in json.dumps(post.params["blocks"])


def test_the_whole_flow_through_the_language_model(tmp_path: Path, embedder) -> None:
    from tests.openai_stub import OpenAIStub, Reply

    model = OpenAIStub()
    model.script(
        "DraftOut",
        Reply(
            {
                "answer": "answered",
                "text": "@ann You have 30 days to return it.",
                "source_ids": [1],
                "rationale": "return window from the returns policy",
            }
        ),
    )
    env = make_env(tmp_path, embedder, openai_api_key="sk-test", openai_base_url=model.url)
    try:
        row = env.ingest("how long do I have to return my Pocket 20?")
        [card] = env.stub.wait_for("chat.postMessage")
        blob = json.dumps(card.params["blocks"])
        assert "@ann You have 30 days to return it." in blob
        assert "drafted by the language model" in blob
        assert "return window from the returns policy" in blob
        env.click(ids.APPROVE, row)
        wait_until(lambda: env.status(row) is Status.POSTED, what="posted")
        assert env.outbox_lines()[0]["text"] == "@ann You have 30 days to return it."
        assert env.store.llm_spend(env.store.get(row).received_at)[0] == 1
    finally:
        env.close()
        model.close()


def test_mentions_status_shows_x_rate_limits(tmp_path: Path, embedder) -> None:
    from tests.x_stub import ME, XStub

    x = XStub()
    reset = int(time.time()) + 600
    x.script_failure(
        f"/2/users/{ME['id']}/mentions", 429, {"title": "Too Many Requests"},
        {"x-rate-limit-reset": str(reset)},
    )  # fmt: skip
    env = make_env(tmp_path, embedder, x_bearer_token="bearer-test", x_api_url=x.url)
    try:
        env.parts.runner.run_once()
        fields = {"command": "/mentions", "text": "status", "user_id": "UANY",
                  "channel_id": "CREVIEW", "team_id": "T1", "trigger_id": "t",
                  "response_url": env.stub.response_url}  # fmt: skip
        env.send.command(fields)
        [answer] = env.stub.wait_for("response_url")
        assert "X: rate-limited until" in answer.params["text"]
    finally:
        env.close()
        x.close()
