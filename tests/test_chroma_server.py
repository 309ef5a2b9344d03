"""Several hosts on one Chroma server (`chroma run`) and one Postgres store (issue 21).

Each test starts its own Chroma server on a temporary path and a free port on 127.0.0.1, and gets
a Postgres database of its own (tests/test_postgres.py). "Hosts" are processes with their own
data directories: nothing is shared but the server and the store, as on separate machines.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import container
from bot.domain import Mention
from bot.knowledge.index import KnowledgeIndexError
from bot.knowledge.retriever import HybridRetriever
from bot.settings import Settings, load_settings
from bot.store.models import DraftRow
from tests.conftest import SAMPLE_KB
from tests.fakes import HashEmbedder
from tests.test_kb_editors import click_save, expert_answered
from tests.test_postgres import database_url  # noqa: F401 - a fixture: a database per test
from tests.test_slack_app import make_env

pytestmark = pytest.mark.postgres
BOT = Path(sys.executable).with_name("bot")
CHROMA = Path(sys.executable).with_name("chroma")
ANSWER_WORDS = "65 W USB-C port powers the Switch dock"
SYNCED = r"(\d+) chunks; added (\d+), updated (\d+), removed (\d+), unchanged (\d+)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[int]:
    """A real Chroma server (`chroma run`); yields its port."""
    if not CHROMA.exists():
        pytest.skip(f"no chroma binary at {CHROMA} (the chromadb package installs it)")
    port = free_port()
    log = (tmp_path / "chroma.log").open("w")
    proc = subprocess.Popen(
        [CHROMA, "run", "--path", tmp_path / "chroma", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            pytest.skip(f"`chroma run` could not start: {(tmp_path / 'chroma.log').read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                pytest.skip("`chroma run` did not listen within 30 s")
            time.sleep(0.05)
    yield port
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def host_settings(tmp_path: Path, name: str, url: str, port: int, kb: Path, **extra) -> Settings:
    return load_settings(
        knowledge_dir=kb,
        data_dir=tmp_path / name,
        database_url=url,
        chroma_host="127.0.0.1",
        chroma_port=port,
        **extra,
    )


def host_env(tmp_path: Path, name: str, url: str, port: int, kb: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_", "BOT_"))}
    return {
        **env,
        "DATABASE_URL": url,
        "CHROMA_HOST": "127.0.0.1",
        "CHROMA_PORT": str(port),
        "BOT_DATA_DIR": str(tmp_path / name),
        "BOT_KNOWLEDGE_DIR": str(kb),
        "BOT_LOG_LEVEL": "INFO",
    }


def test_two_hosts_starting_at_once_index_the_sample_kb_once(database_url, chroma, tmp_path):  # noqa: F811
    start = [
        subprocess.Popen(
            [BOT, "index"],
            env=host_env(tmp_path, f"host{n}", database_url, chroma, SAMPLE_KB),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in (1, 2)
    ]
    results = [proc.communicate(timeout=120) for proc in start]
    assert all(proc.returncode == 0 for proc in start), [err[-1500:] for _, err in results]
    counts = []
    for stdout, _ in results:
        found = re.search(SYNCED, stdout)
        assert found, stdout
        counts.append(tuple(int(g) for g in found.groups()))
    files = len(list(SAMPLE_KB.rglob("*.md"))) + len(list(SAMPLE_KB.rglob("*.csv")))
    chunks = counts[0][0]
    assert chunks > 0 and counts[1][0] == chunks
    # One host indexed every file; the other waited on the lock in the store and found it done.
    assert sorted(counts) == [(chunks, 0, 0, 0, files), (chunks, files, 0, 0, 0)]


def test_a_reindex_after_a_file_changes_keeps_the_saved_answers(database_url, chroma, tmp_path):  # noqa: F811
    kb = tmp_path / "kb"
    shutil.copytree(SAMPLE_KB, kb)
    embedder = HashEmbedder()
    first = host_settings(tmp_path, "web", database_url, chroma, kb)
    entries = container.build_entries(first)
    answer = f"Yes: the Pocket 20's {ANSWER_WORDS}."
    entry = entries.save(answer, "UEXPERT", "UEDITOR", datetime.now(UTC), None)
    report = container.build_index(first, embedder, entries).sync(kb)
    assert entry.source_key in report.added

    policy = kb / "policies" / "returns.md"
    policy.write_text(policy.read_text() + "\n## Gift returns\nGifts can be returned too.\n")
    other = host_settings(tmp_path, "worker", database_url, chroma, kb)
    index = container.build_index(other, embedder)  # another host: its own data directory
    again = index.sync(kb)
    assert again.updated == ["policies/returns.md"] and not again.added and not again.removed
    docs = {c.doc for c in index.chunks()}
    assert "expert-answers" in docs
    top = HybridRetriever(index, embedder).search("does the Pocket 20 power a Switch dock", 3)
    assert any(s.doc == "expert-answers" and ANSWER_WORDS in s.text for s in top)

    # Withdrawn on one host, gone from the shared index for all.
    assert entries.remove(entry.id, "UEDITOR")
    removed = container.build_index(first, embedder).sync(kb)
    assert removed.removed == [entry.source_key]
    assert "expert-answers" not in {c.doc for c in container.build_index(other, embedder).chunks()}


def test_a_host_with_another_embedding_model_is_refused(database_url, chroma, tmp_path):  # noqa: F811
    settings = host_settings(tmp_path, "one", database_url, chroma, SAMPLE_KB)
    index = container.build_index(settings, HashEmbedder(name="hash-64"))
    chunks = index.sync(SAMPLE_KB).chunks
    other = host_settings(tmp_path, "two", database_url, chroma, SAMPLE_KB)
    with pytest.raises(KnowledgeIndexError) as refused:
        container.build_index(other, HashEmbedder(dim=32, name="hash-32")).sync(SAMPLE_KB)
    message = str(refused.value)
    assert "built with the embedding model 'hash-64'" in message
    assert "this process embeds with 'hash-32'" in message and "will not write" in message
    assert index.collection.count() == chunks  # nothing was rebuilt or written


def test_an_answer_saved_through_the_web_process_reaches_a_worker_elsewhere(
    database_url,  # noqa: F811
    chroma,
    tmp_path,
    embedder,
):
    kb = tmp_path / "kb"  # make_env copies the sample knowledge here; the worker reads it too
    worker_env = host_env(tmp_path, "worker", database_url, chroma, kb)
    shared = {"database_url": database_url, "chroma_host": "127.0.0.1", "chroma_port": chroma}
    web = make_env(tmp_path, embedder, slack_kb_editors="UEDITOR", **shared)
    worker = subprocess.Popen(
        [BOT, "worker"],
        env=worker_env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    refreshed = threading.Event()

    def watch_logs() -> None:
        assert worker.stderr is not None
        for line in worker.stderr:
            if "knowledge refreshed from the shared index" in line:
                refreshed.set()

    threading.Thread(target=watch_logs, daemon=True).start()
    try:
        assert worker.stdout is not None and "worker running" in worker.stdout.readline()
        _, value = expert_answered(web)
        click_save(web, value, "UEDITOR")
        assert refreshed.wait(30), "the worker never picked up the saved answer"
        later = Mention(
            "m-later", "does the Pocket 20 work with a Nintendo Switch dock?", "x", "bea"
        )
        [(_, row)] = web.store.add_mentions([later])

        def sources() -> list[dict]:
            with web.store.engine.connect() as conn:
                found = conn.execute(select(DraftRow.sources).where(DraftRow.mention_id == row))
                return [s for (batch,) in found for s in batch]

        deadline = time.monotonic() + 30
        while not sources() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert any(s["doc"] == "expert-answers" and ANSWER_WORDS in s["text"] for s in sources())
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
        web.core.stop_watching()
        web.close()
