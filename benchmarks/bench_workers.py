"""Benchmark: mentions/s with 1, 2 and 4 `bot worker` processes on Postgres, LLM latency 1 s.

    python benchmarks/bench_workers.py [--mentions 48] [--latency 1.0] [--batch 4] [--concurrency 4]

A local OpenAI-compatible stub answers every call after `--latency` seconds (each mention costs
two calls: triage and draft). Each run gets a fresh database on 127.0.0.1:5432. Throughput should
grow with workers until the model's latency (or a rate limit) is the bound.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import psycopg  # noqa: E402

from bot.domain import Mention  # noqa: E402
from bot.store import Store, make_engine  # noqa: E402
from tests.openai_stub import OpenAIStub, Reply  # noqa: E402

ADMIN = "host=127.0.0.1 port=5432 dbname=test user=postgres"


def run(
    workers: int, mentions: int, latency: float, work: Path, batch: int, concurrency: int
) -> float:
    name = f"bot_bench_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(ADMIN, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    model = OpenAIStub()
    slow = [Reply(delay=latency) for _ in range(mentions * 4)]
    model.script("TriageOut", *slow)
    answer = {
        "answer": "holding",  # states nothing, so the drafter accepts it whatever was asked
        "text": "@u Thanks, we'll look into it!",
        "source_ids": [],
        "rationale": "bench",
    }
    model.script("DraftOut", *[Reply(answer, delay=latency) for _ in range(mentions * 4)])
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    store = Store(make_engine(url.replace("postgresql://", "postgresql+psycopg://")))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "BOT_DATA_DIR": str(work / "data"),
        "BOT_KNOWLEDGE_DIR": str(ROOT / "knowledge"),
        "OPENAI_API_KEY": "sk-bench",
        "OPENAI_BASE_URL": model.url,
        "BOT_CLAIM_BATCH": str(batch),
        "BOT_LLM_CONCURRENCY": str(concurrency),
        "BOT_LOG_LEVEL": "WARNING",
    }
    bot = Path(sys.executable).with_name("bot")
    procs = [
        subprocess.Popen([bot, "worker"], env=env, cwd=work, stdout=subprocess.PIPE, text=True)
        for _ in range(workers)
    ]
    try:
        for proc in procs:
            proc.stdout.readline()  # type: ignore[union-attr]  # "worker running"
        start = time.perf_counter()
        store.add_mentions(
            Mention(str(i), "how long is the warranty on a Volta?", "webhook", "u")
            for i in range(mentions)
        )
        while store.new_mentions(limit=1):
            time.sleep(0.05)
        took = time.perf_counter() - start
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(60)
        model.close()
        store.engine.dispose()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    return mentions / took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=48)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--batch", type=int, default=4, help="BOT_CLAIM_BATCH")
    parser.add_argument("--concurrency", type=int, default=4, help="BOT_LLM_CONCURRENCY")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = None
        for workers in (1, 2, 4):
            rate = run(
                workers, args.mentions, args.latency, Path(tmp), args.batch, args.concurrency
            )
            base = base or rate
            print(f"{workers} worker(s): {rate:.2f} mentions/s ({rate / base:.1f}× one worker) "
                  f"with {args.latency:g} s per model call, 2 calls per mention, "
                  f"batch {args.batch}, {args.concurrency} calls at a time")  # fmt: skip


if __name__ == "__main__":
    main()
