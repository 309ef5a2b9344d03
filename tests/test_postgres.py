"""Several `bot worker` processes on one Postgres database (the server on 127.0.0.1:5432).

Each test gets a database of its own, created and dropped here. `.ci/run` makes sure the server
is up; on a machine without it these tests are skipped with the reason.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.domain import Mention, Status
from bot.store import Store, make_engine
from bot.store.models import AuditRow
from tests.conftest import SAMPLE_KB
from tests.openai_stub import OpenAIStub, Reply
from tests.slack_stub import SlackStub, wait_until

pytestmark = pytest.mark.postgres
ADMIN_DSN = "host=127.0.0.1 port=5432 dbname=test user=postgres"


@pytest.fixture
def database_url():
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(ADMIN_DSN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 is not reachable: {exc}")
    name = f"bot_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def store_for(url: str) -> Store:
    return Store(make_engine(url.replace("postgresql://", "postgresql+psycopg://")))


def start_workers(count: int, env: dict[str, str], cwd: Path) -> list[subprocess.Popen]:
    """Start workers and wait until each says it is running (so they all compete)."""
    bot = Path(sys.executable).with_name("bot")
    workers = [
        subprocess.Popen(
            [bot, "worker"],
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(count)
    ]
    for proc in workers:
        assert "worker running" in (proc.stdout.readline() if proc.stdout else "")
    return workers


def stop(workers: list[subprocess.Popen]) -> None:
    for proc in workers:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in workers:
        proc.wait(timeout=60)


def triaged_counts(store: Store) -> Counter[int]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(AuditRow.mention_id, AuditRow.actor).where(AuditRow.action.like("triaged:%"))
        ).all()
    return Counter(row[0] for row in rows), Counter(row[1] for row in rows)  # type: ignore[return-value]


def base_env(url: str, tmp_path: Path, slack: SlackStub) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "BOT_DATA_DIR": str(tmp_path / "data"),
        "BOT_KNOWLEDGE_DIR": str(SAMPLE_KB),
        "SLACK_BOT_TOKEN": "xoxb-pg",
        "SLACK_REVIEW_CHANNEL": "CREVIEW",
        "SLACK_API_URL": slack.url,
        "BOT_LOG_LEVEL": "WARNING",
    }


def mention_cards(slack: SlackStub) -> list:
    """The cards of single mentions (not an incident's card, not a spike alert)."""
    return [
        c
        for c in slack.of("chat.postMessage")
        if not str(c.params.get("text")).startswith(("Incident #", "Spike"))
    ]


def test_four_workers_process_five_hundred_mentions_once_each(database_url, tmp_path) -> None:
    slack = SlackStub()
    store = store_for(database_url)
    texts = ["how long do I have to return it?", "thanks, love it!", "where is my order??",
             "buy cheap followers now, DM me for rates", "does it work in the rain?"]  # fmt: skip
    env = {**base_env(database_url, tmp_path, slack), "BOT_CLAIM_BATCH": "10"}
    workers = start_workers(4, env, tmp_path)
    store.add_mentions(
        Mention(str(i), texts[i % len(texts)], "webhook", f"user{i}", 10) for i in range(500)
    )
    try:
        wait_until(lambda: not store.new_mentions(limit=1), 180, "all 500 processed")
        drafted = len(store.records([Status.DRAFTED], limit=1000))
        wait_until(lambda: len(mention_cards(slack)) >= drafted, 60, "every card")
        time.sleep(1.5)  # a worker that would double-post would do it now
    finally:
        stop(workers)
        slack.close()
    per_mention, per_worker = triaged_counts(store)
    assert len(per_mention) == 500 and set(per_mention.values()) == {1}
    assert len(per_worker) >= 2, f"the work was not shared: {per_worker}"
    # a hundred people asking where their order is: one incident card, not a hundred
    texts = [c.params["text"] for c in slack.of("chat.postMessage")]
    assert sum(1 for t in texts if t.startswith("Incident #")) == 1
    assert sum(1 for t in texts if t.startswith("Spike")) <= 1  # and one alert at most
    carded = [r for r in store.records(list(Status), limit=1000) if r.card_ts]
    assert len(mention_cards(slack)) == len(carded)  # one card per carded mention, none twice
    assert len({r.card_ts for r in carded}) == len(carded)
    placed = store.records([Status.DRAFTED, Status.NO_REPLY, Status.GROUPED], limit=1000)
    assert len(placed) == 500
    assert all(proc.returncode == 0 for proc in workers)


def test_a_killed_worker_loses_nothing_and_nothing_is_done_twice(database_url, tmp_path) -> None:
    slack = SlackStub()
    model = OpenAIStub()  # a slow model keeps each worker busy with leased mentions
    model.script("TriageOut", *[Reply(delay=0.02) for _ in range(2000)])
    model.defaults["DraftOut"] = {
        "answer": "answered",
        "text": "@u Thanks for asking!",
        "source_ids": [],
        "rationale": "r",
    }
    store = store_for(database_url)
    env = {
        **base_env(database_url, tmp_path, slack),
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": model.url,
        "BOT_CLAIM_SECONDS": "3",
        "BOT_CLAIM_BATCH": "20",
    }
    first = start_workers(2, env, tmp_path)
    store.add_mentions(
        Mention(str(i), "how long is the warranty?", "webhook", "u") for i in range(200)
    )
    try:
        wait_until(lambda: len(store.new_mentions(limit=500)) < 190, 120, "a burst under way")
        first[0].send_signal(signal.SIGKILL)  # mid-batch: it holds leased mentions
        first[0].wait(timeout=30)
        replacement = start_workers(1, env, tmp_path)
        wait_until(lambda: not store.new_mentions(limit=1), 240, "every mention processed")
        drafted = len(store.records([Status.DRAFTED], limit=1000))
        wait_until(lambda: len(slack.of("chat.postMessage")) >= drafted, 60, "every card")
        time.sleep(1.5)
    finally:
        stop(first[1:] + (replacement if "replacement" in locals() else []))
        slack.close()
        model.close()
    per_mention, _per_worker = triaged_counts(store)
    assert len(per_mention) == 200 and set(per_mention.values()) == {1}
    assert drafted == 200
    assert len(slack.of("chat.postMessage")) == 200
