"""The SQLite store: idempotent ingestion and compare-and-set status changes."""

from pathlib import Path

import pytest

from bot.domain import IllegalTransition, Intent, Mention, Outcome, Priority, Status, Triage
from bot.store import Store, make_engine


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(make_engine(f"sqlite:///{tmp_path / 'db' / 'bot.sqlite3'}"))


def triage() -> Triage:
    return Triage(Intent.QUESTION, 0.1, Priority.NORMAL, False, None)


def test_mentions_are_keyed_by_network_and_id(store: Store) -> None:
    first = store.add_mentions([Mention("1", "a", "x"), Mention("1", "a", "jsonl")])
    again = store.add_mentions([Mention("1", "changed", "x"), Mention("2", "b", "x")])
    assert len(first) == 2
    assert [m.id for m, _ in again] == ["2"]


def test_outcome_moves_a_new_mention_once(store: Store) -> None:
    [(mention, row)] = store.add_mentions([Mention("1", "q?", "x", author="a")])
    assert store.save_outcome(row, Outcome(mention, triage(), ())) is Status.NO_REPLY
    with pytest.raises(LookupError):
        store.save_outcome(row, Outcome(mention, triage(), ()))


def test_compare_and_set_lets_only_one_caller_win(store: Store) -> None:
    from bot.domain import Draft

    [(mention, row)] = store.add_mentions([Mention("1", "q?", "x")])
    store.save_outcome(row, Outcome(mention, triage(), (), Draft("@a hi")))
    assert store.move(row, Status.DRAFTED, Status.APPROVED, actor="U1")
    assert not store.move(row, Status.DRAFTED, Status.APPROVED, actor="U2")
    with pytest.raises(IllegalTransition):
        store.move(row, Status.APPROVED, Status.DRAFTED, actor="U1")
    [item] = store.queue([Status.APPROVED])
    assert item.draft == "@a hi"
    assert store.counts() == {"approved": 1}
