"""`bot worker` as deployed: a separate process drafts stored mentions and posts their cards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from bot.domain import Mention, Status
from bot.store import Store, make_engine
from tests.conftest import SAMPLE_KB
from tests.slack_stub import SlackStub, wait_until


def test_worker_drafts_cards_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    stub = SlackStub()
    store = Store(make_engine(f"sqlite:///{tmp_path / 'data' / 'bot.sqlite3'}"))
    store.add_mentions([Mention("w1", "what does shipping to Belgium cost?", "webhook", "kim")])
    env = {
        **os.environ,
        "BOT_DATA_DIR": str(tmp_path / "data"),
        "BOT_KNOWLEDGE_DIR": str(SAMPLE_KB),
        "SLACK_BOT_TOKEN": "xoxb-worker",
        "SLACK_REVIEW_CHANNEL": "CREVIEW",
        "SLACK_API_URL": stub.url,
    }
    bot = Path(sys.executable).with_name("bot")
    proc = subprocess.Popen(
        [bot, "worker"], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        [card] = stub.wait_for("chat.postMessage", timeout=60)
        assert card.params["channel"] == "CREVIEW"
        wait_until(lambda: store.records([Status.DRAFTED])[0].card_ts is not None, 10, "card ts")
        store.add_mentions([Mention("w2", "love it!", "webhook", "bo")])
        stub.wait_for("chat.postMessage", 2, timeout=10)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
        stub.close()
    assert proc.returncode == 0
    assert len(stub.of("chat.postMessage")) == 2
