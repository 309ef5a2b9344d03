"""Benchmark the people and measurement queries over a large store, and draw the sample chart.

    python benchmarks/bench_people.py [--mentions 100000] [--sample-png docs/report-sample.png]

Seeds a SQLite store with N mentions (all inside the last 30 days, so every query sees all of
them: the worst case) from ~8,000 authors on four networks, three in five answered, then times
what a person waits for: `/mentions report 30d` (query and figures, then the PNG), the
advocates list over 90 days, the CSV export, and one card's author line. Targets are printed
beside each figure; the script reports a miss, it does not fail on one.

With --sample-png it also seeds a small, realistic month and writes its chart (the README's
sample) and prints the first lines of its CSV.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from bot.charts import render_png  # noqa: E402
from bot.export import write_csv  # noqa: E402
from bot.people import PEOPLE_WINDOWS  # noqa: E402
from bot.reporting import window_start  # noqa: E402
from bot.store import Store, make_engine  # noqa: E402
from bot.store.activity import export_rows, load_report  # noqa: E402
from bot.store.models import MentionRow  # noqa: E402
from bot.store.people import PeopleQueries  # noqa: E402

NETWORKS = [("x", 0.55), ("bluesky", 0.2), ("mastodon", 0.1), ("reddit", 0.15)]
INTENTS = [("question", 0.4), ("complaint", 0.25), ("praise", 0.2), ("other", 0.1),
           ("spam", 0.04), ("abuse", 0.01)]  # fmt: skip
SENTIMENT = {"question": 0.0, "complaint": -0.55, "praise": 0.7, "other": 0.05, "spam": 0.0,
             "abuse": -0.8}  # fmt: skip


def target(value: float, limit: float) -> str:
    return f"(target ≤ {limit:g} s: {'met' if value <= limit else 'MISSED'})"


def pick(rnd: random.Random, weighted: list[tuple[str, float]]) -> str:
    return rnd.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


def mention_rows(count: int, now: datetime, days: int, seed: int = 7) -> list[dict]:
    """Synthetic mentions: a weekly rhythm, a Zipf-like author mix, log-normal reach."""
    rnd = random.Random(seed)
    authors = [f"user{i}" for i in range(max(50, count // 12))]
    rows = []
    for i in range(count):
        day = rnd.random() * days
        # quieter weekends: thin out Saturdays and Sundays
        while (now - timedelta(days=day)).weekday() >= 5 and rnd.random() < 0.45:
            day = rnd.random() * days
        posted = now - timedelta(days=day)
        author = authors[min(len(authors) - 1, int(rnd.paretovariate(1.2)) - 1)]
        if rnd.random() < 0.7:
            author = rnd.choice(authors)
        intent = pick(rnd, INTENTS)
        sentiment = max(-1.0, min(1.0, SENTIMENT[intent] + rnd.gauss(0, 0.2)))
        answered = intent in ("question", "complaint", "praise") and rnd.random() < 0.8
        minutes = rnd.lognormvariate(math.log(35), 0.8)
        replied = posted + timedelta(minutes=minutes) if answered else None
        if replied is not None and replied > now:
            replied = None
        status = "posted" if replied else rnd.choice(
            ["drafted", "rejected", "escalated"] if intent != "spam" else ["no_reply"]
        )  # fmt: skip
        network = pick(rnd, NETWORKS)
        rows.append(
            {
                "network": network,
                "external_id": f"b{i}",
                "text": f"synthetic mention {i}",
                "author": author,
                "followers": int(rnd.lognormvariate(math.log(400), 1.6)),
                "url": f"https://example.social/{author}/{i}",
                "created_at": posted,
                "received_at": posted + timedelta(seconds=rnd.randint(5, 120)),
                "status": status,
                "intent": intent,
                "sentiment": round(sentiment, 3),
                "priority": "high" if intent == "complaint" and rnd.random() < 0.2 else "normal",
                "flags": ["high_reach"] if rnd.random() < 0.03 else [],
                "approved_by": "UAPPROVER" if replied else None,
                "posted_at": replied,
                "final_text": "thanks!" if replied else None,
            }
        )
    return rows


def seed(store: Store, rows: list[dict]) -> None:
    with store.engine.begin() as conn:
        for begin in range(0, len(rows), 10_000):
            conn.execute(insert(MentionRow), rows[begin : begin + 10_000])


def best_of(runs: int, work) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def bench(count: int, work_dir: Path) -> None:
    now = datetime.now(UTC)
    store = Store(make_engine(f"sqlite:///{work_dir / 'bench.sqlite3'}"))
    start = time.perf_counter()
    seed(store, mention_rows(count, now, days=30))
    print(f"seeded {count:,} mentions in {time.perf_counter() - start:.1f} s (SQLite)")

    took, report = best_of(3, lambda: load_report(store.engine, 30, now, 60.0))
    print(f"/mentions report 30d, query and figures: {took:.2f} s {target(took, 1)}")
    png_took, png = best_of(3, lambda: render_png(report))  # type: ignore[arg-type]
    print(f"  the chart (PNG, {len(png):,} bytes): {png_took:.2f} s; "  # type: ignore[arg-type]
          f"report in all {took + png_took:.2f} s {target(took + png_took, 1)}")  # fmt: skip

    people = PeopleQueries(store.engine, clock=lambda: now)
    took, _ = best_of(3, lambda: people.rankings(PEOPLE_WINDOWS["90d"]))
    print(f"/mentions advocates 90d over {count:,} mentions: {took:.2f} s {target(took, 1)}")

    took, rows = best_of(1, lambda: export_rows(store.engine, window_start(30, now)))
    sink = io.StringIO()
    start = time.perf_counter()
    write_csv(rows, sink)  # type: ignore[arg-type]
    took += time.perf_counter() - start
    print(f"bot report --csv, 30 days ({len(rows):,} rows): {took:.2f} s")  # type: ignore[arg-type]

    record = store.get(count)  # the newest mention: its author has a history
    cold, _ = best_of(1, lambda: people.history(record))
    warm, line = best_of(5, lambda: people.history(record))
    print(f"a card's author line: {cold * 1000:.0f} ms with the 90-day ranking, "
          f"{warm * 1000:.0f} ms once it is cached")  # fmt: skip
    print(f"  e.g. {line}")


def sample(png_path: Path, work_dir: Path) -> None:
    """A small month, as a team of two would see it, for the README's chart and CSV sample."""
    now = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    store = Store(make_engine(f"sqlite:///{work_dir / 'sample.sqlite3'}"))
    seed(store, mention_rows(1_400, now, days=30, seed=20))
    report = load_report(store.engine, 30, now, 60.0)
    png_path.parent.mkdir(parents=True, exist_ok=True)
    png_path.write_bytes(render_png(report, "Ampwell"))
    print(f"wrote {png_path} ({png_path.stat().st_size:,} bytes)")
    sink = io.StringIO()
    write_csv(export_rows(store.engine, window_start(30, now)), sink)
    print("".join(sink.getvalue().splitlines(keepends=True)[:4]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=100_000, help="stored mentions")
    parser.add_argument("--sample-png", type=Path, help="also write the README's sample chart")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        bench(args.mentions, Path(tmp))
        if args.sample_png:
            sample(args.sample_png, Path(tmp))


if __name__ == "__main__":
    main()
