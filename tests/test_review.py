"""The review service with the real store and outbox: exactly-once posting, even across crashes."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain import Draft, Intent, Mention, Outcome, Priority, Status, Triage
from bot.publishers import OutboxPublisher
from bot.review import ReviewService, post_key
from bot.store import Store, make_engine
from tests.fakes import MemoryRecords


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(make_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}"))


def drafted(store: Store, mid: str = "1") -> int:
    [(mention, row)] = store.add_mentions([Mention(mid, "q?", "x", author="ann")])
    triage = Triage(Intent.QUESTION, 0.0, Priority.NORMAL, False, None)
    store.save_outcome(row, Outcome(mention, triage, (), Draft("@ann Within 30 days.")))
    return row


def claim(store: Store, row: int, minutes_ago: int) -> None:
    """Put a mention where a crashed approval leaves it: claimed for posting, not recorded."""
    store.move(
        row,
        [Status.DRAFTED],
        Status.APPROVED,
        actor="U1",
        approved_by="U1",
        approved_at=datetime.now(UTC) - timedelta(minutes=minutes_ago),
        final_text="@ann Within 30 days.",
    )


def test_outbox_writes_a_key_once_across_threads(tmp_path: Path) -> None:
    outbox = OutboxPublisher(tmp_path / "outbox.jsonl")
    mention = Mention("9", "q", "x")
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda _: outbox.publish(mention, "hi", "x:9", "U1"), range(40)))
    assert len(set(results)) == 1
    lines = (tmp_path / "outbox.jsonl").read_text().splitlines()
    assert len(lines) == 1
    assert {"key", "mention_id", "text", "approver", "posted_at"} <= set(json.loads(lines[0]))


def test_a_crash_between_posting_and_recording_never_posts_twice(
    store: Store, tmp_path: Path
) -> None:
    outbox = OutboxPublisher(tmp_path / "outbox.jsonl")
    row = drafted(store)
    # The process claimed the post and wrote the outbox, then died before recording it.
    claim(store, row, minutes_ago=10)
    mention = store.get(row).mention
    outbox.publish(mention, "@ann Within 30 days.", post_key(mention), "U1")
    later = ReviewService(store, outbox)
    assert later.approve(row, "U2").ok is False  # still claimed: nobody can approve again
    assert later.settle_unknown() == [row]
    record = store.get(row)
    assert record.status is Status.POSTED and record.posted_url == "outbox.jsonl line 1"
    assert len((tmp_path / "outbox.jsonl").read_text().splitlines()) == 1


def test_an_interrupted_post_that_never_happened_becomes_visible(
    store: Store, tmp_path: Path
) -> None:
    row = drafted(store)
    claim(store, row, minutes_ago=10)
    service = ReviewService(store, OutboxPublisher(tmp_path / "outbox.jsonl"))
    service.settle_unknown()
    record = store.get(row)
    assert record.status is Status.POST_FAILED and "retry" in (record.post_error or "")
    assert service.approve(row, "U1").ok  # a human retries; it posts once
    assert store.get(row).status is Status.POSTED


def test_a_fresh_approval_is_left_alone_by_recovery(store: Store, tmp_path: Path) -> None:
    row = drafted(store)
    store.move(row, [Status.DRAFTED], Status.APPROVED, actor="U1", approved_at=datetime.now(UTC))
    assert ReviewService(store, OutboxPublisher(tmp_path / "o.jsonl")).settle_unknown() == []


def test_edit_validates_and_audits(store: Store, tmp_path: Path) -> None:
    service = ReviewService(store, OutboxPublisher(tmp_path / "o.jsonl"))
    row = drafted(store)
    assert "280" in (service.edit(row, "U1", "x" * 281).message or "")
    assert "empty" in (service.edit(row, "U1", "   ").message or "")
    assert service.edit(row, "U1", "@ann Thirty days!").ok
    assert ("U1", "draft:edited") in {
        (a, b) for _, a, b in store.audit_actions(datetime(2000, 1, 1))
    }


def test_expert_answers_are_addressed_to_the_author(store: Store, tmp_path: Path) -> None:
    service = ReviewService(store, OutboxPublisher(tmp_path / "o.jsonl"))
    row = drafted(store)
    service.escalate(row, "U1")
    result = service.expert_answer(row, "UEXP", "Yes, it works with the dock.")
    assert result.ok and result.record.status is Status.DRAFTED
    assert result.record.draft.text == "@ann Yes, it works with the dock."


def test_the_review_service_runs_on_its_port_alone(tmp_path: Path) -> None:
    """The service needs only bot.ports.ReviewRecords: the in-memory one behaves like the store
    (compare-and-set from the domain's table), so a double approval still posts once."""
    records = MemoryRecords()
    triage = Triage(Intent.QUESTION, 0.0, Priority.NORMAL, False, None)
    row = records.put(Mention("m1", "q?", "x", author="ann"), triage, "@ann Within 30 days.")
    outbox = OutboxPublisher(tmp_path / "outbox.jsonl")
    service = ReviewService(records, outbox)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: service.approve(row, "U1"), range(8)))
    assert sum(r.ok for r in results) == 1
    assert records.get(row).status is Status.POSTED
    assert len((tmp_path / "outbox.jsonl").read_text().splitlines()) == 1
    assert not service.edit(row, "U1", "@ann too late").ok  # the table says: posted is final
    assert not service.escalate(row, "U1").ok
