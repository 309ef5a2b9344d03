"""The CRM hand-off through the real edges: reviewer actions in the Bolt app, the runner's
rounds delivering the outbox to a local CRM receiver that checks every signature and fails its
first deliveries, and a restarted process finishing what another began."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from bot.crm import CrmOutbox, CrmSender
from bot.domain import Mention, Status
from bot.slack import ids
from bot.store.cases import CaseStore
from bot.webhook import signature
from tests.slack_stub import wait_until
from tests.stub_http import LoopbackServer
from tests.test_cases import Env, make_env, outage

CRM_SECRET = "a-long-random-crm-secret-value"


class CrmReceiver:
    """A CRM that checks each signature, answers 500 to its first `failures` deliveries and
    keeps what it took (a receiver drops duplicates by event_id)."""

    def __init__(self, failures: int = 3, status: int = 500) -> None:
        self.failures, self.status = failures, status
        self.events: dict[str, dict[str, Any]] = {}
        self.deliveries: list[tuple[int, str]] = []  # (answer, event_id)
        self.bad_signatures = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                stamp = self.headers.get("X-Timestamp", "")
                good = self.headers.get("X-Signature") == signature(CRM_SECRET, stamp, raw)
                fresh = abs(time.time() - int(stamp or 0)) < 300
                body = json.loads(raw)
                with receiver._lock:
                    if not (good and fresh):
                        receiver.bad_signatures += 1
                        answer = 401
                    elif receiver.failures > 0:
                        receiver.failures -= 1
                        answer = receiver.status
                    else:
                        receiver.events.setdefault(body["event_id"], body)
                        answer = 200
                    receiver.deliveries.append((answer, body["event_id"]))
                self.send_response(answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = LoopbackServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def crm():
    receiver = CrmReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def env(tmp_path: Path, embedder, crm: CrmReceiver):
    env = make_env(
        tmp_path, embedder, crm_webhook_url=crm.url, crm_webhook_secret=CRM_SECRET, spike_min=2
    )
    yield env
    env.close()


def deliver(
    env: Env, sender: CrmSender, rounds: int = 12, start: datetime | None = None
) -> datetime:
    """Run delivery rounds, moving the sender's clock past each backoff (5 s, 10 s, 20 s …);
    return the clock's last reading."""
    moment = start or datetime.now(UTC)
    for _ in range(rounds):
        moment += timedelta(minutes=11)  # longer than the longest wait
        sender.outbox.clock = lambda at=moment: at
        sender.deliver_due()
    return moment


def test_every_event_reaches_the_crm_once_by_event_id_though_it_fails_at_first(
    env: Env, crm: CrmReceiver
) -> None:
    for mid, text in [("q1", "@ampwell how long do I have to return my Pocket 20?"),
                      ("q2", "@ampwell do you ship to Belgium?"),
                      ("q3", "@ampwell what is the warranty on the Pocket 20?")]:  # fmt: skip
        env.store.add_mentions([Mention(mid, text, "webhook", f"asker_{mid}")])
    env.parts.runner.run_once()
    rows = {r.mention.id: r.row_id for r in env.store.records([Status.DRAFTED])}
    env.click(ids.APPROVE, rows["q1"])
    env.click(ids.ESCALATE, rows["q3"])
    wait_until(lambda: env.store.get(rows["q1"]).status is Status.POSTED, what="posted")
    review = env.parts.runner.review
    review.reject(rows["q2"], "UAPPROVER", "not for us")
    wait_until(lambda: env.store.get(rows["q3"]).status is Status.ESCALATED, what="escalated")
    env.webhook(*outage(3))  # three people, one problem: an incident, and a spike (over 2)
    env.parts.runner.run_once()
    assert CaseStore(env.store).open_incidents()

    sender = env.parts.runner.crm
    assert sender is not None
    # the runner's own round may have delivered some already
    wait_until(
        lambda: len(crm.events) + sender.outbox.backlog().waiting == 5, what="five events written"
    )
    deliver(env, sender)
    kinds = sorted(e["event"] for e in crm.events.values())
    assert kinds == sorted(
        ["reply.posted", "mention.rejected", "mention.escalated", "incident.opened", "spike.alert"]
    )
    assert crm.bad_signatures == 0
    failed = [eid for answer, eid in crm.deliveries if answer == 500]
    assert len(failed) == 3 and all(eid in crm.events for eid in failed)  # retried, then taken
    taken = [eid for answer, eid in crm.deliveries if answer == 200]
    assert len(taken) == len(set(taken)) == 5  # each event once
    posted = next(e for e in crm.events.values() if e["event"] == "reply.posted")
    assert posted["mention"]["id"] == "q1" and posted["actor"] == "UAPPROVER"
    assert posted["reply"]["text"].startswith("@asker_q1 ")
    assert posted["reply"]["id"] == env.store.get(rows["q1"]).posted_id
    assert {"id", "network", "url", "author", "text", "intent", "sentiment", "priority"} <= set(
        posted["mention"]
    )
    assert posted["at"].endswith("Z")


def test_a_crm_down_for_an_hour_and_a_restarted_worker_lose_nothing(
    env: Env, crm: CrmReceiver
) -> None:
    crm.failures = 1_000  # down
    env.store.add_mentions([Mention("r1", "@ampwell do you ship to Belgium?", "webhook", "kim")])
    env.parts.runner.run_once()
    [row] = [r.row_id for r in env.store.records([Status.DRAFTED])]
    env.click(ids.APPROVE, row)
    wait_until(lambda: env.store.get(row).status is Status.POSTED, what="posted")
    first = env.parts.runner.crm
    assert first is not None
    wait_until(lambda: first.outbox.backlog().waiting == 1, what="the event written")
    later = deliver(env, first, rounds=6)  # an hour of retries, every one refused
    assert not crm.events
    assert "CRM: 1 events waiting" in env.parts.runner.review.events.backlog().line(  # type: ignore[attr-defined]
        datetime.now(UTC)
    )
    crm.failures = 0  # back up; this process is gone, another one delivers
    restarted = CrmSender(CrmOutbox(env.store), crm.url, CRM_SECRET, worker="another-host:1")
    deliver(env, restarted, rounds=2, start=later)
    assert [e["event"] for e in crm.events.values()] == ["reply.posted"]


def test_an_event_the_crm_refuses_for_good_is_kept_and_shown(tmp_path: Path, embedder) -> None:
    refusing = CrmReceiver(failures=1_000, status=422)
    env = make_env(tmp_path, embedder, crm_webhook_url=refusing.url, crm_webhook_secret=CRM_SECRET)
    try:
        env.store.add_mentions(
            [Mention("x1", "@ampwell do you ship to Belgium?", "webhook", "kim")]
        )
        env.parts.runner.run_once()
        [row] = [r.row_id for r in env.store.records([Status.DRAFTED])]
        env.parts.runner.review.reject(row, "UAPPROVER", None)
        sender = env.parts.runner.crm
        assert sender is not None
        deliver(env, sender, rounds=3)
        assert [answer for answer, _ in refusing.deliveries] == [422]  # not retried
        backlog = sender.outbox.backlog()
        assert backlog.failed == 1 and "refused by the CRM" in backlog.line(datetime.now(UTC))
    finally:
        env.close()
        refusing.close()


def test_mentions_status_shows_the_crm_backlog(env: Env, crm: CrmReceiver) -> None:
    env.store.add_mentions([Mention("s1", "@ampwell do you ship to Belgium?", "webhook", "kim")])
    env.parts.runner.run_once()
    [row] = [r.row_id for r in env.store.records([Status.DRAFTED])]
    env.parts.runner.review.reject(row, "UAPPROVER", None)
    fields = {"command": "/mentions", "text": "status", "user_id": "UANY",
              "channel_id": "CREVIEW", "team_id": "T1", "trigger_id": "t",
              "response_url": env.stub.response_url}  # fmt: skip
    env.send.command(fields)
    [answer] = env.stub.wait_for("response_url")
    assert "CRM: 1 events waiting" in answer.params["text"]
