"""Following a JSONL feed: growth, half-written lines, rotation, and the real `--follow` command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from bot.domain import Status
from bot.feeds import follow_lines
from bot.store import Store, make_engine
from tests.conftest import SAMPLE_KB
from tests.slack_stub import wait_until


def collect(path: Path, stop: threading.Event, into: list) -> threading.Thread:
    def run() -> None:
        for batch in follow_lines(path, stop, poll=0.05):
            into.extend(batch)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_follow_reads_growth_waits_for_whole_lines_and_survives_rotation(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    seen: list[tuple[int, str]] = []
    stop = threading.Event()
    thread = collect(path, stop, seen)
    path.write_text("one\ntwo\n")
    wait_until(lambda: len(seen) == 2, 5, "first lines")
    with path.open("a") as handle:
        handle.write("thr")
        handle.flush()
        time.sleep(0.2)
        assert len(seen) == 2  # a half-written line is not read yet
        handle.write("ee\n")
    wait_until(lambda: len(seen) == 3, 5, "completed line")
    path.rename(tmp_path / "feed.jsonl.1")  # rotation: a new file appears at the same path
    path.write_text("four\n")
    wait_until(lambda: len(seen) == 4, 5, "line after rotation")
    stop.set()
    thread.join(2)
    assert seen == [(1, "one"), (2, "two"), (3, "three"), (1, "four")]


def test_ingest_follow_command_stores_as_the_file_grows(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "a", "text": "how long do returns take?"}) + "\n")
    bot = Path(sys.executable).with_name("bot")
    env = {
        **os.environ,
        "BOT_DATA_DIR": str(tmp_path / "data"),
        "BOT_KNOWLEDGE_DIR": str(SAMPLE_KB),
    }
    proc = subprocess.Popen(
        [bot, "ingest", str(feed), "--follow"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    store = Store(make_engine(f"sqlite:///{tmp_path / 'data' / 'bot.sqlite3'}"))

    def stored() -> set[str]:
        return {r.mention.id for r in store.records(list(Status))}

    try:
        wait_until(
            lambda: (tmp_path / "data" / "bot.sqlite3").exists() and stored() == {"a"}, 60, "a"
        )
        with feed.open("a") as handle:
            handle.write("not json\n" + json.dumps({"id": "b", "text": "thanks!"}) + "\n")
        wait_until(lambda: stored() == {"a", "b"}, 30, "b")
        feed.rename(tmp_path / "feed.jsonl.1")
        feed.write_text(json.dumps({"id": "c", "text": "do you ship to Austria?"}) + "\n")
        wait_until(lambda: stored() == {"a", "b", "c"}, 30, "c after rotation")
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "feed.jsonl:2:" in err and "not valid JSON" in err
    assert {r.status.value for r in store.records(list(Status))} == {"drafted"}
