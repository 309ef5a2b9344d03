"""One owner of reply rules: each network's limit and count, handles, and every path obeying it."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.domain import Draft, Intent, Mention, Outcome, Priority, Status, Triage
from bot.jsonl import parse_mention, read_lines
from bot.networks.rules import RULES, ReplyRules
from bot.publishers import OutboxPublisher
from bot.review import ReviewService
from bot.slack import blocks
from bot.store import Store, make_engine
from bot.summary import summarise

FAMILY = "👨‍👩‍👧"  # five code points, one grapheme
LINK = "https://example.org/a/very/long/path/that/is/much/longer/than/twenty-three"


def test_x_counts_a_link_as_23_and_wide_characters_twice() -> None:
    x = RULES.for_network("x")
    assert x.length(f"see {LINK}") == 4 + 23
    assert x.length("日本") == 4
    assert x.length(FAMILY) == 2
    assert x.length("é" * 280) == 280
    assert x.check("a" * 280) is None
    assert "281 characters by X's count; the limit there is 280" in (x.check("a" * 281) or "")
    assert x.check("漢" * 141) is not None  # 282 by weight, 141 by len()


def test_bluesky_counts_graphemes_and_mastodon_counts_links_and_remote_mentions_short() -> None:
    bluesky = RULES.for_network("bluesky")
    assert bluesky.length(FAMILY * 300) == 300 and len(FAMILY * 300) == 1500
    assert bluesky.check(FAMILY * 300) is None
    assert "301 graphemes" in (bluesky.check("a" * 301) or "")
    mastodon = RULES.for_network("mastodon")
    assert mastodon.length(f"@ana@social.example.org hi {LINK}") == len("@ana hi ") + 23
    assert mastodon.limit == 500
    assert ReplyRules({"mastodon": 1000}).for_network("mastodon").check("a" * 900) is None
    assert RULES.for_network("reddit").check("a" * 10_000) is None


def test_handles_are_written_as_each_network_writes_them() -> None:
    assert RULES.handle("x", "ana") == "@ana"
    assert RULES.handle("bluesky", "ana.bsky.social") == "@ana.bsky.social"
    assert RULES.handle("mastodon", "ana@social.example") == "@ana@social.example"
    assert RULES.handle("mastodon", "ana") == "@ana"  # a local account
    assert RULES.handle("reddit", "ana_b") == "u/ana_b"
    assert RULES.for_network("reddit").reach_unit == "karma"
    assert RULES.for_network("bluesky").valid_handle("ana.bsky.social")
    assert not RULES.for_network("bluesky").valid_handle("ana")
    assert not RULES.for_network("x").valid_handle("far_too_long_for_x_handles")
    assert RULES.for_network("mastodon").valid_handle("ana@social.example")


def test_a_feed_line_refuses_a_handle_that_could_be_markup_and_names_the_field() -> None:
    lines = [
        '{"id": "1", "text": "hello", "author": "<!channel>"}',
        '{"id": "2", "text": "hello", "author": "two words"}',
        '{"id": "3", "text": "hello", "author": "*bold*"}',
        '{"id": "4", "text": "hello", "author": "u/ana_b", "network": "reddit"}',
        '{"id": "5", "text": "hello", "author": "@ana@social.example", "network": "mastodon"}',
        '{"id": "6", "text": "hello", "author": "@ana.bsky.social", "network": "bluesky"}',
    ]
    items = list(read_lines(lines))
    errors = [str(item) for item in items[:3]]
    assert all(e.startswith(f"line {n}: author: ") for n, e in enumerate(errors, 1)), errors
    authors = [item.mention.author for item in items[3:]]  # type: ignore[union-attr]
    assert authors == ["ana_b", "ana@social.example", "ana.bsky.social"]
    with pytest.raises(ValidationError, match="author"):
        parse_mention({"id": "7", "text": "x", "author": "<@U123>"}, default_network="webhook")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(make_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}"))


def drafted(store: Store, network: str, author: str, text: str, mid: str = "1") -> int:
    [(mention, row)] = store.add_mentions([Mention(mid, "q?", network, author=author)])
    triage = Triage(Intent.QUESTION, 0.0, Priority.NORMAL, True, "needs an expert")
    store.save_outcome(row, Outcome(mention, triage, (), Draft(text)))
    return row


def test_approve_edit_and_regenerate_refuse_a_text_over_the_networks_limit(
    store: Store, tmp_path: Path
) -> None:
    outbox = tmp_path / "outbox.jsonl"
    long = "@ana " + "word " * 60  # 305 characters: over X's limit, inside Mastodon's
    service = ReviewService(
        store, OutboxPublisher(outbox), redraft=lambda record, instruction: Draft(long)
    )
    on_x = drafted(store, "x", "ana", long)
    refused = service.approve(on_x, "U1")
    assert not refused.ok and "limit there is 280" in (refused.message or "")
    assert store.get(on_x).status is Status.DRAFTED and not outbox.exists()  # nothing posted
    edited = service.edit(on_x, "U1", long)
    assert not edited.ok and "X's count" in (edited.message or "")
    again = service.regenerate(on_x, "U1", "longer")
    assert not again.ok and store.get(on_x).draft.text == long  # type: ignore[union-attr]
    on_mastodon = drafted(store, "mastodon", "ana@social.example", long, mid="2")
    assert service.approve(on_mastodon, "U1").ok
    assert store.get(on_mastodon).status is Status.POSTED


def test_an_expert_answer_is_checked_before_it_is_stored_and_addressed_by_network(
    store: Store, tmp_path: Path
) -> None:
    service = ReviewService(store, OutboxPublisher(tmp_path / "outbox.jsonl"))
    row = drafted(store, "reddit", "ana_b", "u/ana_b Let me check.")
    store.move(row, [Status.DRAFTED], Status.ESCALATED, actor="U1")
    too_long = service.expert_answer(row, "UEXP", "x" * 10_001)
    assert not too_long.ok and "shorter" in (too_long.message or "")
    assert store.get(row).draft.text == "u/ana_b Let me check."  # type: ignore[union-attr]
    answered = service.expert_answer(row, "UEXP", "It takes three days.")
    assert answered.ok
    assert answered.record.draft.text == "u/ana_b It takes three days."  # type: ignore[union-attr]


def test_the_card_names_the_network_and_the_reach_unit_and_warns_over_the_limit(
    store: Store,
) -> None:
    row = drafted(store, "reddit", "ana_b", "u/ana_b Hi.")
    record = replace(
        store.get(row),
        mention=Mention("t1_a", "q?", "reddit", author="ana_b", followers=4200, url="https://r/x"),
    )
    text = str(blocks.card(record, datetime.now(UTC))["blocks"])
    assert "u/ana_b" in text and "4,200 karma" in text and "view post on Reddit" in text
    over = drafted(store, "bluesky", "ana.bsky.social", "a" * 301, mid="2")
    card = str(blocks.card(store.get(over), datetime.now(UTC))["blocks"])
    assert "301/300 graphemes on Bluesky" in card and "Edit it before approving" in card


def test_the_summary_counts_by_network_and_keeps_people_apart_by_network(store: Store) -> None:
    for mid, network, author in [
        ("1", "x", "ana"),
        ("2", "x", "bo"),
        ("3", "bluesky", "ana.bsky.social"),
        ("4", "reddit", "ana"),
    ]:
        drafted(store, network, author, "hi", mid=mid)
    records = store.since(datetime.now(UTC) - timedelta(hours=1))
    summary = summarise("24h", records, set())
    assert summary.by_network == Counter({"X": 2, "Bluesky": 1, "Reddit": 1})
