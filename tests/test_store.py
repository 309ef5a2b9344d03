"""The SQLite store: idempotent ingestion, compare-and-set status changes, cards, drafts."""

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.domain import (
    Draft,
    IllegalTransition,
    Intent,
    Mention,
    Outcome,
    Priority,
    Source,
    SourceKind,
    Status,
    Triage,
)
from bot.store import Store, StoreError, make_engine


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(make_engine(f"sqlite:///{tmp_path / 'db' / 'bot.sqlite3'}"))


def triage() -> Triage:
    return Triage(Intent.QUESTION, 0.1, Priority.NORMAL, False, None)


def drafted(store: Store, text: str = "@a hi") -> int:
    [(mention, row)] = store.add_mentions([Mention("1", "q?", "x", author="a")])
    source = Source("returns", SourceKind.POLICY, "Return period", "30 days.", 0.9)
    store.save_outcome(row, Outcome(mention, triage(), (source,), Draft(text, (source,))))
    return row


def test_mentions_are_keyed_by_network_and_id(store: Store) -> None:
    first = store.add_mentions([Mention("1", "a", "x"), Mention("1", "a", "jsonl")])
    again = store.add_mentions([Mention("1", "changed", "x"), Mention("2", "b", "x")])
    assert len(first) == 2
    assert [m.id for m, _ in again] == ["2"]


def test_outcome_moves_a_new_mention_once(store: Store) -> None:
    [(mention, row)] = store.add_mentions([Mention("1", "buy followers", "x", author="a")])
    spam = Triage(Intent.SPAM, 0.0, Priority.LOW, False, None)
    assert store.save_outcome(row, Outcome(mention, spam, ())) is Status.NO_REPLY
    with pytest.raises(LookupError):
        store.save_outcome(row, Outcome(mention, spam, ()))


def test_a_failed_draft_still_waits_for_review_with_its_problem(store: Store) -> None:
    [(mention, row)] = store.add_mentions([Mention("1", "q?", "x", author="a")])
    outcome = Outcome(mention, triage(), (), None, "drafting failed (TimeoutError)")
    assert store.save_outcome(row, outcome) is Status.DRAFTED
    assert store.get(row).problem == "drafting failed (TimeoutError)"
    assert store.cards_to_post() == [row]


def test_record_round_trips_triage_draft_and_sources(store: Store) -> None:
    record = store.get(drafted(store))
    assert record.status is Status.DRAFTED
    assert record.triage.intent is Intent.QUESTION
    assert record.draft is not None and record.draft.text == "@a hi"
    assert record.sources[0].ref == "Return period"
    assert record.outcome().draft is not None


def test_compare_and_set_lets_only_one_caller_win(store: Store) -> None:
    row = drafted(store)
    with ThreadPoolExecutor(8) as pool:
        wins = list(
            pool.map(
                lambda user: store.move(row, [Status.DRAFTED], Status.APPROVED, actor=user),
                [f"U{i}" for i in range(20)],
            )
        )
    assert wins.count(True) == 1
    with pytest.raises(IllegalTransition):
        store.move(row, [Status.APPROVED], Status.DRAFTED, actor="U1")
    assert store.counts() == {"approved": 1}


def test_card_claim_is_exclusive_and_retryable_after_failure(store: Store) -> None:
    row = drafted(store)
    assert store.cards_to_post() == [row]
    assert store.claim_card(row)
    assert not store.claim_card(row)
    assert store.cards_to_post() == []
    store.card_failed(row, "slack down")
    assert store.cards_to_post() == [row]
    assert store.claim_card(row)
    store.card_posted(row, "C1", "1.0")
    assert store.get(row).card_ts == "1.0"
    assert store.cards_to_post() == []


def test_new_draft_versions_are_audited(store: Store) -> None:
    row = drafted(store)
    assert store.add_draft(row, Draft("@a edited", origin="edited"), "U9", [Status.DRAFTED])
    assert store.get(row).draft.text == "@a edited"
    assert store.get(row).draft.author == "U9"
    store.move(row, [Status.DRAFTED], Status.REJECTED, actor="U9")
    assert not store.add_draft(row, Draft("@a late"), "U8", [Status.DRAFTED])


def test_slack_event_ids_are_seen_once(store: Store) -> None:
    assert store.seen_event("Ev1") is False
    assert store.seen_event("Ev1") is True


def test_an_older_schema_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE mentions (id INTEGER PRIMARY KEY, network TEXT)")
    with pytest.raises(StoreError, match="older version"):
        Store(make_engine(f"sqlite:///{path}"))
