"""Benchmark the several-host shape: Postgres, a Chroma server, `bot serve` and N `bot worker`.

    python benchmarks/bench_scale.py [--rate 4] [--duration 30] [--workers 1,2,4]
                                     [--latency 1.0] [--batch 4] [--concurrency 4]
                                     [--sizes 1000,10000,100000] [--skip-load] [--skip-retrieval]

Load: one `chroma run` server (a temporary path, a free port) shared by every process through
CHROMA_HOST/CHROMA_PORT; for each worker count a fresh Postgres database on 127.0.0.1:5432, one
`bot serve` (gunicorn) taking signed webhook posts at `/mentions`, and N `bot worker` processes
whose model is a local OpenAI-compatible stub answering every call after `--latency` seconds
(two calls per mention: triage and draft), with Slack pointed at a local Slack API stub. A client
posts one mention at a time at `--rate` per second for `--duration` seconds, then waits for the
cards. Reported per worker count: the mentions per second sustained (cards / time from the first
accepted webhook to the last card), p50/p95 from the webhook's 202 to the card's
`chat.postMessage` reaching the stub, and mentions lost (accepted, no card) or carded twice,
checked both on the stub's calls and in the store. Each mention carries a unique `ref:` word by
which its card is found; the texts are varied neutral questions from distinct authors, so none
groups into an incident or counts towards a spike alert (messages starting "Incident #" or
"Spike" are not counted as cards anyway).

Note: `bot serve` runs the runner in-process too (it drafts and cards like a worker, with its
own batch of 50), so "N workers" is N worker processes plus the web process; the table says
which process drafted how many mentions.

Retrieval: on the same Chroma server, one collection with the bot's HNSW settings grows from
1,000 to 100,000 synthetic review chunks embedded with WordLlama in batches; at each size the
dense query the bot sends (`n_results` = the retriever's 30 candidates, and top 5) is timed
over HTTP, p50/p95 over `--queries` queries (the query vectors are embedded beforehand).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import logging
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import psycopg  # noqa: E402

from tests.openai_stub import OpenAIStub, Reply  # noqa: E402
from tests.slack_stub import SlackStub  # noqa: E402

ADMIN = "host=127.0.0.1 port=5432 dbname=test user=postgres"
BIN = Path(sys.executable).parent
SECRET = "bench-webhook-secret"
SIGNING = "bench-signing-secret"
NOT_CARDS = ("Incident #", "Spike")

PRODUCTS = ["Volta 300", "Volta 600", "Volta 1200", "Pocket 10", "Pocket 20", "SunFold 100",
            "SunFold 200", "the Extra Battery", "the car cable", "the MC4 adapter"]  # fmt: skip
ASKS = ["how long is the warranty on", "can I charge a laptop with", "what does shipping cost for",
        "which payment methods can I use for", "is there a carry bag for",
        "how many ports does", "can I take on a plane", "what colour options exist for",
        "is there a manual in German for", "how heavy is", "can I pair the app with",
        "does the price include VAT for", "when will you restock",
        "can I pick up in store"]  # fmt: skip
CONTEXTS = ["for camping", "for our van", "before summer", "for my dad", "for a festival",
            "for the allotment", "for remote work", "for the caravan", "for a boat trip",
            "as a gift", "for the office", "for fishing weekends"]  # fmt: skip
OPENERS = ["Hi!", "Hello team,", "Quick question:", "Hey,", "Good morning,", "Curious:", ""]
USES = ["camping", "van life", "power cuts", "a CPAP", "festivals", "the allotment",
        "boat trips", "home office", "fishing", "a food truck", "remote work", "the caravan",
        "a film shoot", "tailgating", "a workshop", "stargazing"]  # fmt: skip
OPINIONS = ["works great", "charges fast", "is heavier than expected", "has a loud fan",
            "pairs easily with the app", "lost the Wi-Fi connection twice", "is solid and quiet",
            "arrived a day late", "kept the fridge running", "has plenty of ports",
            "got warm in the sun", "is worth every euro", "needs a better handle",
            "lasted the whole weekend", "folds up small", "has a clear display"]  # fmt: skip
QUERIES = ["how long does the battery last for camping", "is the fan loud at night",
           "does it keep a fridge running during a power cut", "app keeps losing wifi",
           "good for a CPAP machine", "how heavy is it to carry", "charges quickly from solar",
           "return policy for used products", "which payment methods",
           "ship to Austria"]  # fmt: skip


# -- processes and stubs -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(
    predicate: Any, timeout: float, what: str, proc: subprocess.Popen | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with {proc.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def start_chroma(work: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    log = (work / "chroma.log").open("w")
    args = ["run", "--path", str(work / "chroma"), "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen([BIN / "chroma", *args], stdout=log, stderr=subprocess.STDOUT)
    started = time.perf_counter()
    wait_for(lambda: listening(port), 60, "`chroma run` to listen", proc)
    print(f"chroma server on port {port} in {time.perf_counter() - started:.1f} s")
    return proc, port


class TimedSlackStub(SlackStub):
    """The Slack stub, with the moment (time.monotonic) each call arrived."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, str, dict[str, Any]]] = []
        super().__init__()

    def _answer(
        self, method: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        moment = time.monotonic()
        answer = super()._answer(method, params, headers)
        with self._lock:
            self.arrivals.append((moment, method, params))
        return answer

    def posts(self) -> list[tuple[float, dict[str, Any]]]:
        with self._lock:
            return [(t, p) for t, m, p in self.arrivals if m == "chat.postMessage"]


class SlowModel(OpenAIStub):
    """The OpenAI stub: every chat call answers after `latency` seconds, for ever."""

    def __init__(self, latency: float) -> None:
        super().__init__()
        self.latency = latency
        self.defaults["DraftOut"] = {
            "answer": "holding",  # no facts, so it is valid whatever the passages say
            "text": "Thanks for asking! Let me check with the team and get back to you.",
            "source_ids": [],
            "rationale": "bench",
        }

    def _next(self, schema: str) -> Reply:
        with self._lock:
            queue = self._script.get(schema)
            return queue.pop(0) if queue else Reply(delay=self.latency)


# -- the load run --------------------------------------------------------------------------


@dataclass
class Sent:
    ref: str
    accepted: float | None = None  # time.monotonic() of the 202
    status: int | None = None


@dataclass
class LoadResult:
    workers: int
    offered: float
    sent: int
    accepted: int
    carded: int
    lost: int
    duplicated: int
    sustained: float
    p50: float
    p95: float
    drain: float
    store: dict[str, Any] = field(default_factory=dict)
    drafted_by: dict[str, int] = field(default_factory=dict)
    other_posts: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)  # webhook answers other than 202 stored


def mention_text(rnd: random.Random, ref: str) -> str:
    opener = rnd.choice(OPENERS)
    ask = f"{rnd.choice(ASKS)} {rnd.choice(PRODUCTS)} {rnd.choice(CONTEXTS)}?"
    return f"{opener} {ask} ref:{ref}".strip()


def sign(body: bytes) -> dict[str, str]:
    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Timestamp": stamp,
        "X-Signature": f"sha256={digest}",
    }


def post_mention(url: str, payload: dict[str, Any], sent: Sent) -> None:
    body = json.dumps(payload).encode()
    request = urllib.request.Request(url, data=body, headers=sign(body), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            sent.status = response.status
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        sent.status = exc.code
        return
    except OSError:
        sent.status = -1
        return
    if sent.status == 202 and payload["id"] in answer.get("stored", []):
        sent.accepted = time.monotonic()


def send_load(
    url: str, rate: float, duration: float, tag: str, seed: int
) -> tuple[list[Sent], float]:
    """Post one mention every 1/rate seconds for `duration` seconds; return them and the span."""
    rnd = random.Random(seed)
    count = max(1, round(rate * duration))
    sent = [Sent(f"{tag}m{i:05d}") for i in range(count)]
    start = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        for i, item in enumerate(sent):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            payload = {
                "id": item.ref,
                "text": mention_text(rnd, item.ref),
                "author": f"{tag}fan{i}",
                "followers": rnd.randint(10, 900),
                "network": "webhook",
            }
            pool.submit(post_mention, url, payload, item)
    return sent, time.monotonic() - start


def card_refs(params: dict[str, Any], refs: set[str]) -> list[str]:
    """The mention refs a posted message is a card of (its text and blocks)."""
    blob = json.dumps(params, ensure_ascii=False)
    found = []
    start = blob.find("ref:")
    while start != -1:
        end = start + 4
        while end < len(blob) and blob[end].isalnum():
            end += 1
        word = blob[start + 4 : end]
        if word in refs and word not in found:
            found.append(word)
        start = blob.find("ref:", end)
    return found


def store_figures(url: str, refs: list[str]) -> tuple[dict[str, Any], Counter, set[str]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT external_id, status, card_state, card_ts, incident_id FROM mentions"
        ).fetchall()
        origins = dict(
            conn.execute(
                "SELECT d.origin, count(*) FROM drafts d JOIN mentions m ON m.id = d.mention_id "
                "WHERE m.external_id = ANY(%s) GROUP BY d.origin",
                (refs,),
            ).fetchall()
        )
        # save_outcome writes one "triaged:<status>" audit line per mention, naming the process
        triaged = conn.execute(
            "SELECT m.external_id, a.actor FROM audit a JOIN mentions m ON m.id = a.mention_id "
            "WHERE a.action LIKE 'triaged:%%' AND m.external_id = ANY(%s)",
            (refs,),
        ).fetchall()
    actors = Counter(actor for _, actor in triaged)
    times = Counter(ref for ref, _ in triaged)
    mine = [r for r in rows if r[0] in set(refs)]
    stamps = Counter(r[3] for r in mine if r[3])
    figures = {
        "rows": len(mine),
        "statuses": dict(Counter(r[1] for r in mine)),
        "card_states": dict(Counter(str(r[2]) for r in mine)),
        "with_card_ts": sum(1 for r in mine if r[3]),
        "shared_card_ts": sum(n - 1 for n in stamps.values() if n > 1),
        "in_incidents": sum(1 for r in mine if r[4] is not None),
        "drafted_twice": sum(1 for n in times.values() if n > 1),
        "draft_origins": origins,
    }
    posted = {r[0] for r in mine if r[2] == "posted" and r[3]}
    return figures, actors, posted


def run_load(workers: int, args: argparse.Namespace, work: Path, chroma_port: int) -> LoadResult:
    name = f"bot_scale_{uuid.uuid4().hex[:10]}"
    tag = f"w{workers}"
    admin = psycopg.connect(ADMIN, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    slack = TimedSlackStub()
    model = SlowModel(args.latency)
    run_dir = work / f"run-{workers}"
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CHROMA_HOST": "127.0.0.1",
        "CHROMA_PORT": str(chroma_port),
        "BOT_KNOWLEDGE_DIR": str(work / "kb"),
        "OPENAI_API_KEY": "sk-bench",
        "OPENAI_BASE_URL": model.url,
        "BOT_LLM_CONCURRENCY": str(args.concurrency),
        "BOT_CLAIM_BATCH": str(args.batch),
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SIGNING,
        "SLACK_REVIEW_CHANNEL": "CREVIEW",
        "SLACK_API_URL": slack.url,
        "WEBHOOK_SECRET": SECRET,
        "PORT": str(port),
        "BOT_LOG_LEVEL": "WARNING",
    }
    procs: list[subprocess.Popen] = []
    roles: dict[int, str] = {}

    def launch(role: str, command: str) -> subprocess.Popen:
        data = run_dir / role
        data.mkdir(parents=True)
        log = (run_dir / f"{role}.log").open("w")
        proc = subprocess.Popen(
            [BIN / "bot", command],
            env={**env, "BOT_DATA_DIR": str(data)},
            cwd=data,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        procs.append(proc)
        roles[proc.pid] = role
        return proc

    try:
        started = time.perf_counter()
        web = launch("web", "serve")  # migrates the fresh database first
        wait_for(lambda: healthy(port), 120, "`bot serve` to answer /healthz", web)
        for i in range(workers):
            launch(f"worker{i + 1}", "worker")
        for proc in procs[1:]:
            log = run_dir / f"{roles[proc.pid]}.log"
            wait_for(lambda log=log: "worker running" in log.read_text(), 180, "a worker", proc)
        print(f"{workers} worker(s): processes up in {time.perf_counter() - started:.1f} s")
        sent, span = send_load(
            f"http://127.0.0.1:{port}/mentions", args.rate, args.duration, tag, seed=workers
        )
        accepted = {s.ref: s.accepted for s in sent if s.accepted is not None}
        refs = set(accepted)
        cards: dict[str, list[float]] = {}

        def collect() -> None:
            cards.clear()
            for moment, params in slack.posts():
                if str(params.get("text") or "").startswith(NOT_CARDS):
                    continue
                for ref in card_refs(params, refs):
                    cards.setdefault(ref, []).append(moment)

        deadline = time.monotonic() + args.drain
        while time.monotonic() < deadline:
            collect()
            if len(cards) >= len(refs):
                break
            time.sleep(0.2)
        drained = time.monotonic()
        time.sleep(2)  # a second card would come right after the first
        collect()
        other = Counter(
            str(p.get("text") or "").split(" ")[0]
            for _, p in slack.posts()
            if str(p.get("text") or "").startswith(NOT_CARDS)
        )
        latencies = [(min(times) - accepted[ref]) * 1000 for ref, times in cards.items()]
        arrivals = sorted(min(t) for t in cards.values())
        figures, actors, posted = store_figures(url, [s.ref for s in sent])
        drafted_by: dict[str, int] = {}
        for actor, count in actors.items():
            pid = int(actor.rsplit(":", 1)[-1]) if actor.rsplit(":", 1)[-1].isdigit() else -1
            role = roles.get(pid, "web")  # gunicorn's worker is a child of the `bot serve` pid
            drafted_by[role] = drafted_by.get(role, 0) + count
        return LoadResult(
            workers=workers,
            offered=(len(sent) - 1) / span if span else 0.0,
            sent=len(sent),
            accepted=len(accepted),
            carded=len(cards),
            # lost: accepted, but no card at the stub or no posted card in the store
            lost=len((refs - set(cards)) | (refs - posted)),
            # carded twice: two card posts at the stub, two mentions on one Slack message, or
            # one mention drafted twice (two "triaged:" audit lines)
            duplicated=sum(1 for times in cards.values() if len(times) > 1)
            + figures["shared_card_ts"]
            + figures["drafted_twice"],
            # cards per second while they came out: the first card to the last
            sustained=(len(arrivals) - 1) / (arrivals[-1] - arrivals[0])
            if len(arrivals) > 1 and arrivals[-1] > arrivals[0]
            else 0.0,
            p50=statistics.median(latencies) if latencies else float("nan"),
            p95=float(np.percentile(latencies, 95)) if latencies else float("nan"),
            drain=drained - min(accepted.values()) - span if accepted else 0.0,
            store=figures,
            drafted_by=drafted_by,
            other_posts=other,
            refused=Counter(s.status for s in sent if s.accepted is None),
        )
    finally:
        stop(procs)
        slack.close()
        model.close()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


# -- retrieval on the server ---------------------------------------------------------------


def review_texts(rnd: random.Random, start: int, count: int) -> list[str]:
    return [
        f"Used the {rnd.choice(PRODUCTS)} for {rnd.choice(USES)}: it {rnd.choice(OPINIONS)} "
        f"and {rnd.choice(OPINIONS)}. Review {i}."
        for i in range(start, start + count)
    ]


def bench_retrieval(chroma_port: int, sizes: list[int], queries: int, batch: int) -> list[str]:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from bot.knowledge.embeddings import WordLlamaEmbedder
    from bot.knowledge.index import HnswParams
    from bot.knowledge.retriever import HybridRetriever

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    embedder = WordLlamaEmbedder()
    client = chromadb.HttpClient(
        host="127.0.0.1", port=chroma_port, settings=ChromaSettings(anonymized_telemetry=False)
    )
    collection = client.create_collection(
        name=f"bench-scale-{uuid.uuid4().hex[:8]}",
        configuration=HnswParams().configuration(),
        metadata={"embedder": embedder.name},
        embedding_function=None,
    )
    batch = min(batch, int(client.get_max_batch_size()))
    rnd = random.Random(21)
    asks = [f"{q} {p}" for q in QUERIES for p in PRODUCTS]
    vectors = embedder.embed([asks[i % len(asks)] for i in range(queries)]).astype(np.float64)
    candidates = HybridRetriever.candidates
    lines = []
    have = 0
    embed_s = add_s = 0.0
    for size in sorted(sizes):
        while have < size:
            count = min(batch, size - have)
            texts = review_texts(rnd, have, count)
            started = time.perf_counter()
            embedded = embedder.embed(texts)
            embed_s += time.perf_counter() - started
            started = time.perf_counter()
            collection.add(
                ids=[f"r{i}" for i in range(have, have + count)],
                embeddings=embedded.astype(np.float64).tolist(),
                documents=texts,
                metadatas=[{"file": "reviews/synthetic.csv"}] * count,
            )
            add_s += time.perf_counter() - started
            have += count
        for k in (5, candidates):
            for vector in vectors[:5]:  # warm the server's loaded index
                collection.query(query_embeddings=[vector.tolist()], n_results=k)
            timings = []
            for vector in vectors:
                started = time.perf_counter()
                collection.query(
                    query_embeddings=[vector.tolist()], n_results=k, include=["distances"]
                )
                timings.append((time.perf_counter() - started) * 1000)
            p50, p95 = statistics.median(timings), float(np.percentile(timings, 95))
            line = (f"| {size:>7,} | top {k:>2} | {p50:6.1f} ms | {p95:6.1f} ms | "
                    f"embed {embed_s:5.1f} s, add {add_s:6.1f} s so far |")  # fmt: skip
            print(line, flush=True)
            lines.append(line)
    client.delete_collection(collection.name)
    return lines


# -- main ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=4.0, help="mentions per second offered")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of sending")
    parser.add_argument("--drain", type=float, default=120.0, help="max seconds to wait for cards")
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    parser.add_argument("--latency", type=float, default=1.0, help="seconds per model call")
    parser.add_argument("--batch", type=int, default=4, help="BOT_CLAIM_BATCH of the workers")
    parser.add_argument("--concurrency", type=int, default=4, help="BOT_LLM_CONCURRENCY")
    parser.add_argument("--sizes", default="1000,10000,100000", help="chunk counts to time")
    parser.add_argument("--queries", type=int, default=200, help="queries timed per size")
    parser.add_argument("--embed-batch", type=int, default=5000, help="chunks per add()")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--skip-retrieval", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    shutil.copytree(ROOT / "knowledge", work / "kb")
    chroma, chroma_port = start_chroma(work)
    results: list[LoadResult] = []
    try:
        if not args.skip_load:
            for workers in (int(w) for w in args.workers.split(",")):
                result = run_load(workers, args, work, chroma_port)
                results.append(result)
                print(f"  offered {result.offered:.2f}/s, sent {result.sent}, accepted "
                      f"{result.accepted}, carded {result.carded}, lost {result.lost}, "
                      f"carded twice {result.duplicated}; last card {result.drain:.1f} s "
                      f"after the last send; store {result.store}; drafted by "
                      f"{result.drafted_by}; other posts {dict(result.other_posts)}; webhook "
                      f"refusals {dict(result.refused)}",
                      flush=True)  # fmt: skip
            print()
            print(f"Load: {args.rate:g} mentions/s offered for {args.duration:g} s, "
                  f"{args.latency:g} s per model call (2 calls per mention), worker batch "
                  f"{args.batch}, {args.concurrency} calls at a time; the web process drafts "
                  f"too")  # fmt: skip
            print("| workers | sustained | webhook → card p50 | p95 | lost | carded twice "
                  "| drafted by |")  # fmt: skip
            print("|---|---|---|---|---|---|---|")
            for r in results:
                by = ", ".join(f"{role} {n}" for role, n in sorted(r.drafted_by.items()))
                print(f"| {r.workers} | {r.sustained:.2f} mentions/s | {r.p50 / 1000:.2f} s | "
                      f"{r.p95 / 1000:.2f} s | {r.lost} of {r.accepted} | {r.duplicated} "
                      f"| {by} |")  # fmt: skip
        if not args.skip_retrieval:
            print()
            print("Retrieval on the Chroma server (HTTP, WordLlama 256-d, M=32, ef_search=200):")
            print("| chunks | n_results | p50 | p95 | build |")
            print("|---|---|---|---|---|")
            sizes = [int(s) for s in args.sizes.split(",")]
            bench_retrieval(chroma_port, sizes, args.queries, args.embed_batch)
    finally:
        stop([chroma])
        if args.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
