"""Benchmark: placing mentions into conversations and incidents, incrementally.

    python benchmarks/bench_cases.py [--mentions 10000] [--incidents 20] [--share 0.3]

10,000 drafted mentions arrive over two days (SQLite, as a single host runs it); 30 % of them are
reports of 20 different problems, each burst inside its own hour, the rest ordinary mentions of
every kind. The placer sees them in arrival order, in batches of 50 as the runner hands them
over, with its clock at the batch's time, so the window holds only the last hour. Setup (storing
and triage) is not timed; placing is. Target: at least 500 mentions/s on 2 cores.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import update  # noqa: E402

from bot.cases.placer import CasePlacer  # noqa: E402
from bot.domain import (  # noqa: E402
    Draft,
    Intent,
    Mention,
    Outcome,
    Priority,
    Source,
    SourceKind,
    Triage,
)
from bot.store import Store, make_engine  # noqa: E402
from bot.store.cases import CaseStore  # noqa: E402
from bot.store.models import MentionRow  # noqa: E402

WORDS = (
    *("app", "charger", "cable", "battery", "screen", "order", "parcel", "refund", "invoice"),
    *("login", "account", "update", "delivery", "warranty", "colour", "size", "strap", "lid"),
    *("handle", "button", "light", "sound", "fan", "motor"),
)
VERBS = ("broke", "stopped", "failed", "crashed", "froze", "leaks", "rattles", "vanished")
FILLER = (
    *("really", "quite", "honestly", "somehow", "already", "basically", "literally", "totally"),
    *("weekend", "birthday", "holiday", "kitchen", "garden", "office", "camping", "travel"),
)


def problem(k: int, rng: random.Random) -> str:
    """A complaint about problem k, in one person's words (its core phrase, their own extras)."""
    thing, other = WORDS[k % len(WORDS)], WORDS[(k * 7 + 3) % len(WORDS)]
    verb = VERBS[k % len(VERBS)]
    tail = rng.choice(["again", "today", "this morning", "after the update", "since yesterday"])
    extra = rng.choice(FILLER)
    order = rng.randint(1000, 99999)
    return rng.choice(
        [
            f"@brand my {thing} {verb} with the {other} {tail}, order {order}",
            f"{extra} my {thing} {verb} with the {other} {tail} @brand #{order}",
            f"@brand the {thing} {verb} with the {other} {tail}?? ticket {order}",
        ]
    )


def ordinary(rng: random.Random) -> tuple[str, Intent, float]:
    a, b = rng.sample(WORDS, 2)
    c, d, e = rng.sample(FILLER, 3)
    return rng.choice(
        [
            (f"@brand how does the {a} work with the {b}?", Intent.QUESTION, 0.0),
            (f"@brand love the new {a}, and the {b} is great", Intent.PRAISE, 0.8),
            (f"@brand {c} my {a} {d} and the {b}, {e}", Intent.COMPLAINT, -0.5),
            (f"saw the {a} ad, nice {b}", Intent.OTHER, 0.1),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mentions", type=int, default=10_000)
    parser.add_argument("--incidents", type=int, default=20)
    parser.add_argument("--share", type=float, default=0.3)
    args = parser.parse_args()
    rng = random.Random(7)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    span = timedelta(days=2)
    planned: list[tuple[datetime, str, Intent, float, str]] = []
    in_incidents = int(args.mentions * args.share)
    for i in range(in_incidents):
        k = i % args.incidents
        hour = start + span * (k / args.incidents)
        planned.append(
            (hour + timedelta(minutes=rng.uniform(0, 50)), problem(k, rng), Intent.COMPLAINT,
             -0.6, f"topic{k}")
        )  # fmt: skip
    for _ in range(args.mentions - in_incidents):
        text, intent, sentiment = ordinary(rng)
        topic = f"page{rng.randrange(8)}"  # the knowledge base's other pages
        planned.append((start + span * rng.random(), text, intent, sentiment, topic))
    planned.sort(key=lambda p: p[0])

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(make_engine(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"))
        rows: list[tuple[int, datetime]] = []
        for n, (at, text, intent, sentiment, topic) in enumerate(planned):
            mention = Mention(f"m{n}", text, "webhook", f"author{n}", followers=100)
            [(_, row)] = store.add_mentions([mention])
            triage = Triage(intent, sentiment, Priority.NORMAL, False, None)
            source = Source(topic, SourceKind.POLICY, "§1", "text", 0.5)
            store.save_outcome(row, Outcome(mention, triage, (source,), Draft("@a ok", (source,))))
            rows.append((row, at))
        with store._session() as session, session.begin():
            for row, at in rows:
                session.execute(
                    update(MentionRow).where(MentionRow.id == row).values(received_at=at)
                )
        now = [start]
        cases = CaseStore(store)
        placer = CasePlacer(store, cases, clock=lambda: now[0])
        began = time.perf_counter()
        for first in range(0, len(rows), 50):
            batch = rows[first : first + 50]
            now[0] = batch[-1][1]
            placer.place([row for row, _ in batch])
        took = time.perf_counter() - began
        found = cases.open_incidents()
        members = sum(len(cases.members(i.id)) for i in found)
        print(
            f"placed {len(rows):,} mentions in {took:.2f} s: {len(rows) / took:,.0f} mentions/s "
            f"(target ≥ 500); {len(found)} incidents holding {members:,} mentions "
            f"(planned {args.incidents} holding {in_incidents:,})"
        )


if __name__ == "__main__":
    main()
