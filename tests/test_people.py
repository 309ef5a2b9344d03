"""People: the advocate score, the card's author line and `/mentions author` on a seeded store.

The pure parts (score, ranking, wording, handle parsing) are tested on their own; the store
queries on a real SQLite store (and on Postgres, with the `postgres` marker); the card through
`CardDesk.render` and `blocks.card`.
"""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain import Status
from bot.people import (
    AuthorFacts,
    AuthorScore,
    PeopleRow,
    Standing,
    history_line,
    parse_author,
    polarity,
    rank,
    score_authors,
    weight,
)
from bot.slack import blocks
from bot.slack.cards import CardDesk
from bot.store import Store, make_engine
from bot.store.people import PeopleQueries
from tests.seeding import NOW, add
from tests.test_postgres import database_url  # noqa: F401  (the fixture)
from tests.test_slack_blocks import record

NETWORKS = ("x", "x_search", "bluesky", "mastodon", "reddit")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(make_engine(f"sqlite:///{tmp_path / 'people.sqlite3'}"))


# -- the score ------------------------------------------------------------------------------


def test_polarity_follows_intent_then_sentiment() -> None:
    assert polarity("praise", -0.9) == 1  # the intent decides first
    assert polarity("complaint", 0.9) == -1 and polarity("abuse", None) == -1
    assert polarity("question", 0.4) == 1 and polarity("question", -0.4) == -1
    assert polarity("question", 0.1) == 0 and polarity("other", None) == 0
    assert (
        polarity("spam", 0.9) == 0 and polarity("injection", -0.9) == 0 and polarity(None, 1) == 0
    )


def test_weight_is_log_reach_halved_every_thirty_days() -> None:
    assert weight(0, NOW, NOW) == pytest.approx(1.0)
    assert weight(99, NOW, NOW) == pytest.approx(3.0)  # 1 + log10(100)
    assert weight(99, NOW - timedelta(days=30), NOW) == pytest.approx(1.5)
    assert weight(None, NOW - timedelta(days=60), NOW) == pytest.approx(0.25)


def test_scores_sum_signed_weights_per_person_across_case_and_x_search() -> None:
    rows = [
        PeopleRow("x", "Ann", 999, "praise", 0.8, NOW - timedelta(days=30), "u1"),
        PeopleRow("x_search", "ann", 9, "question", 0.5, NOW, "u2"),
        PeopleRow("x", "ann", 9, "complaint", -0.5, NOW - timedelta(days=60), "u0"),
        PeopleRow("bluesky", "ann", 0, "praise", 0.5, NOW, "u3"),  # another network: another person
    ]
    scores = {(s.network, s.author): s for s in score_authors(rows, NOW)}
    ann_on_x = scores[("x_search", "ann")]  # named after her latest mention
    expected = 4 * 0.5 + 2 * 1 - 2 * 0.25
    assert ann_on_x.score == pytest.approx(expected)
    assert ann_on_x.mentions == 3 and ann_on_x.reach == 999 and ann_on_x.latest_url == "u2"
    assert scores[("bluesky", "ann")].score == pytest.approx(1.0)


def test_rank_keeps_ten_advocates_and_five_detractors_in_order() -> None:
    people = [AuthorScore("x", f"fan{i}", score=float(i)) for i in range(1, 15)]
    people += [AuthorScore("x", f"critic{i}", score=-float(i)) for i in range(1, 9)]
    people.append(AuthorScore("x", "neutral", score=0.0))
    rankings = rank(people)
    assert [a.author for a in rankings.advocates] == [f"fan{i}" for i in range(14, 4, -1)]
    assert [d.author for d in rankings.detractors] == [f"critic{i}" for i in range(8, 3, -1)]
    assert rankings.standing("x_search", "FAN14") is Standing.ADVOCATE
    assert rankings.standing("x", "critic4") is Standing.DETRACTOR
    assert rankings.standing("x", "fan1") is None and rankings.standing("x", None) is None


# -- the author line ------------------------------------------------------------------------


def test_history_line_says_counts_last_intent_replies_and_badge() -> None:
    facts = AuthorFacts(
        "@ann", "X", 3, 7, "complaint", NOW - timedelta(days=2), 2, Standing.ADVOCATE
    )
    assert history_line(facts, NOW) == (
        "👤 @ann on X: 3 mentions in 30 days, 7 in all · last before this: complaint 2d ago"
        " · 2 replies from us · ⭐ advocate (top 10, 90 days)"
    )
    first = AuthorFacts("u/bo", "Reddit", 1, 1, None, None, 1, Standing.DETRACTOR)
    assert history_line(first, NOW) == (
        "👤 u/bo on Reddit: 1 mention in 30 days, 1 in all · first mention · 1 reply from us"
        " · ⚠️ detractor (top 5, 90 days)"
    )


def test_the_card_shows_the_history_escaped_right_under_the_author() -> None:
    message = blocks.card(record(), NOW, history="👤 @ann <!channel> & <@U1>: 3 mentions")
    second = message["blocks"][1]
    assert second["type"] == "context"
    assert second["elements"][0]["text"] == "👤 @ann &lt;!channel&gt; &amp; &lt;@U1&gt;: 3 mentions"
    assert blocks.card(record(), NOW)["blocks"][1]["type"] == "section"  # no line, no block


def test_card_desk_fills_the_line_from_the_store(store: Store) -> None:
    add(store, author="Ann", intent="complaint", posted=NOW - timedelta(days=40))
    add(store, author="ann", intent="praise", sentiment=0.8, posted=NOW - timedelta(days=3),
        reply_after=timedelta(minutes=20))  # fmt: skip
    row = add(store, author="ann", intent="question", posted=NOW - timedelta(hours=1))
    add(store, author="ann", network="bluesky", intent="praise", posted=NOW)  # someone else
    desk = CardDesk(client=None, store=store, review_channel="C1", clock=lambda: NOW)
    context = desk.render(store.get(row))["blocks"][1]
    assert context["elements"][0]["text"] == (
        "👤 @ann on X: 2 mentions in 30 days, 3 in all · last before this: praise 3d ago"
        " · 1 reply from us · ⭐ advocate (top 10, 90 days)"
    )


def test_the_badge_goes_to_the_top_ten_of_ninety_days(store: Store) -> None:
    for i in range(11):  # eleven fans; the one with the least reach is eleventh
        add(store, author=f"fan{i}", intent="praise", followers=10 ** (i % 11), posted=NOW)
    add(store, author="old_fan", intent="praise", followers=10**6, posted=NOW - timedelta(days=91))
    for i in range(6):
        add(store, author=f"critic{i}", intent="complaint", followers=10 ** (i + 1), posted=NOW)
    people = PeopleQueries(store.engine, clock=lambda: NOW)
    badges = people.badges()
    assert [a.author for a in badges.advocates][:2] == ["fan10", "fan9"]
    assert badges.standing("x", "fan0") is None  # eleventh
    assert badges.standing("x", "old_fan") is None  # outside the 90 days
    assert badges.standing("x", "critic5") is Standing.DETRACTOR
    assert badges.standing("x", "critic0") is None  # sixth detractor
    assert people.badges() is badges  # cached: a burst of cards ranks once


# -- /mentions author -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("@ann", (None, "ann")),
        ("ann", (None, "ann")),
        ("bluesky:ana.bsky.social", ("bluesky", "ana.bsky.social")),
        ("Bluesky:@ana.bsky.social", ("bluesky", "ana.bsky.social")),
        ("reddit:u/ana", ("reddit", "ana")),
        ("u/ana", ("reddit", "ana")),
        ("/u/ana", ("reddit", "ana")),
        ("@user@mastodon.social", (None, "user@mastodon.social")),
        ("mastodon:@user@mastodon.social", ("mastodon", "user@mastodon.social")),
        ("nonsense:ann", (None, "nonsense:ann")),
    ],
)
def test_parse_author_takes_handles_as_networks_write_them(typed: str, expected: tuple) -> None:
    assert parse_author(typed, NETWORKS) == expected


def test_mentions_by_lists_the_latest_first_with_our_replies(store: Store) -> None:
    add(store, author="Ann", intent="praise", posted=NOW - timedelta(days=2),
        reply_after=timedelta(minutes=5), text="love it")  # fmt: skip
    add(store, author="ann", network="x_search", intent="complaint", posted=NOW, text="broken")
    add(store, author="ann", network="reddit", posted=NOW, text="someone else")
    people = PeopleQueries(store.engine, clock=lambda: NOW)
    total, found = people.mentions_by("x", "ANN")
    assert total == 2 and [m.text for m in found] == ["broken", "love it"]
    assert found[0].status is Status.DRAFTED and found[0].reply_text is None
    assert found[1].reply_text == "@Ann thanks for reaching out"
    assert found[1].reply_url and found[1].reply_url.startswith("https://example.social/brand/")
    assert people.mentions_by(None, "ann")[0] == 3
    assert people.mentions_by("reddit", "ann")[1][0].text == "someone else"


@pytest.mark.postgres
def test_the_people_queries_on_postgres(database_url: str) -> None:  # noqa: F811
    store = Store(make_engine(database_url.replace("postgresql://", "postgresql+psycopg://")))
    try:
        add(store, author="Ann", intent="praise", followers=999, posted=NOW - timedelta(days=1),
            reply_after=timedelta(minutes=30))  # fmt: skip
        row = add(store, author="ann", intent="complaint", posted=NOW)
        add(store, author="bo", intent="complaint", sentiment=-0.8, posted=NOW)
        people = PeopleQueries(store.engine, clock=lambda: NOW)
        line = people.history(store.get(row))
        assert line is not None
        assert "2 mentions in 30 days, 2 in all" in line and "praise 24h ago" in line
        assert "1 reply from us" in line
        rankings = people.rankings(timedelta(days=30))
        assert [d.author for d in rankings.detractors] == ["bo"]
        expected = 4 * 0.5 ** (1 / 30) - (1 + math.log10(101))
        assert math.isclose(rankings.advocates[0].score, expected, rel_tol=1e-3)
        assert people.mentions_by(None, "ANN")[0] == 2
    finally:
        store.engine.dispose()
