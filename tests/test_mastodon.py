"""The Mastodon adapter: the real Mastodon.py client over HTTP against a local Mastodon stub."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain import Draft, Intent, Mention, Outcome, Priority, Status, Triage
from bot.networks.mastodon import CURSOR, MastodonClient, idempotency_key, plain_text
from bot.networks.poller import NetworkPoller
from bot.review import PublishError, ReviewService
from bot.store import Store, make_engine
from tests.mastodon_stub import ME, TOKEN, MastodonStub, account, notification, status

KIM = account("20", "kim@mastodon.social", 120)  # remote: acct is user@instance
BO = account("21", "bo", 52_000)  # local to the brand's instance: acct is the bare name
SELF_MENTION = (
    '<span class="h-card"><a href="https://brand.example/@ampwell" class="u-url mention">'
    "@<span>ampwell</span></a></span>"
)


@pytest.fixture
def stub():
    stub = MastodonStub()
    yield stub
    stub.close()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(make_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}"))


def client(stub: MastodonStub, **kw) -> MastodonClient:
    return MastodonClient(stub.url, TOKEN, **kw)


def mentioned(nid: int, who: dict = KIM, text: str = "hi", **kw) -> dict:
    """A mention notification `nid` of status `nid + 500`."""
    post = status(str(nid + 500), f"<p>{SELF_MENTION} {text}</p>", who, **kw)
    return notification(str(nid), "mention", who, post)


def min_ids(stub: MastodonStub) -> list[str | None]:
    return [(r["query"].get("min_id") or [None])[0] for r in stub.calls("/api/v1/notifications")]


# -- reading -------------------------------------------------------------------------------


def test_the_first_poll_takes_the_newest_page_and_sets_the_cursor(stub, store) -> None:
    stub.page_cap = 2
    stub.notifications = [mentioned(i) for i in range(1, 6)]
    assert NetworkPoller(client(stub), store, interval=0).poll_if_due() == 2
    assert [m.id for _, m in store.new_mentions()] == ["505", "504"]  # no back-fill
    assert store.cursor(CURSOR) == "5"
    [request] = stub.calls("/api/v1/notifications")
    assert request["query"]["types[]"] == ["mention"] and "min_id" not in request["query"]


def test_later_polls_read_every_newer_page_with_min_id_and_store_nothing_twice(stub, store) -> None:
    stub.page_cap = 2  # the server pages in twos: five new mentions take three pages
    stub.notifications = [mentioned(1)]
    NetworkPoller(client(stub), store, interval=0).poll_if_due()
    stub.notifications += [mentioned(i) for i in (2, 3, 5, 7, 8)]
    stub.notifications += [
        notification("4", "favourite", BO, None),
        notification("6", "follow", BO, None),
    ]
    restarted = NetworkPoller(client(stub), store, interval=0)  # a new process, same store
    assert restarted.poll_if_due() == 5
    assert min_ids(stub) == [None, "1", "3", "7", "8"]  # forward, page by page, to an empty one
    assert store.cursor(CURSOR) == "8"
    assert sorted(m.id for _, m in store.new_mentions()) == [
        "501",
        "502",
        "503",
        "505",
        "507",
        "508",
    ]
    assert restarted.poll_if_due() == 0  # nothing newer: one request, nothing stored
    assert min_ids(stub)[-1] == "8"
    store.set_cursor(CURSOR, "0")  # a cursor lost or behind: everything is read again ...
    assert restarted.poll_if_due() == 0  # ... and nothing is stored twice
    assert len(store.new_mentions()) == 6


def test_an_older_server_that_ignores_types_still_yields_only_mentions(stub, store) -> None:
    stub.honour_types = False
    stub.notifications = [
        mentioned(1),
        notification("2", "favourite", BO, status("9", "<p>fav</p>", ME)),
        notification("3", "reblog", BO, status("9", "<p>fav</p>", ME)),
        notification("4", "follow", BO, None),
    ]
    store.set_cursor(CURSOR, "0")
    assert NetworkPoller(client(stub), store, interval=0).poll_if_due() == 1
    assert store.cursor(CURSOR) == "4"  # the cursor passes the others too: never read again


def test_a_mention_carries_author_reach_link_and_thread_data(stub) -> None:
    stub.notifications = [
        mentioned(1, KIM, "where is my order", visibility="private"),
        mentioned(2, BO, "love it", visibility="unlisted"),
    ]
    fetched = client(stub).poll({CURSOR: "0"}, lambda network, ids: set())
    kim, bo = sorted(fetched.mentions, key=lambda m: m.id)
    assert (kim.network, kim.id, kim.author, kim.followers) == (
        "mastodon",
        "501",
        "kim@mastodon.social",
        120,
    )
    assert kim.url == "https://mastodon.social/@kim/501"
    assert kim.created_at == datetime(2026, 11, 23, 10, tzinfo=UTC)
    assert kim.reply_ref == {"visibility": "private"}
    assert (bo.author, bo.followers, bo.reply_ref) == ("bo", 52_000, {"visibility": "unlisted"})
    assert fetched.remaining == 287  # X-RateLimit-Remaining


def test_status_html_is_stored_as_plain_text(stub) -> None:
    html = (
        f"<p>{SELF_MENTION} "
        '<span class="h-card"><a href="https://mastodon.social/@kim" class="u-url mention">'
        "@<span>kim</span></a></span> is the Volta&#39;s case &amp; cable &lt;IP65&gt;?</p>"
        "<p>Bought it here:<br />"
        '<a href="https://shop.example/volta/p/12345?ref=toot" rel="nofollow noopener" '
        'target="_blank"><span class="invisible">https://</span><span class="ellipsis">'
        'shop.example/volta/p/1</span><span class="invisible">2345?ref=toot</span></a><br>'
        '<a href="https://brand.example/tags/volta" class="mention hashtag" rel="tag">'
        "#<span>volta</span></a>   thanks&nbsp;🙏</p>"
    )
    post = status(
        "601",
        html,
        KIM,
        mentions=[
            {
                "id": "1",
                "username": "ampwell",
                "acct": "ampwell",
                "url": "https://brand.example/@ampwell",
            },
            {
                "id": "20",
                "username": "kim",
                "acct": "kim@mastodon.social",
                "url": "https://mastodon.social/@kim",
            },
        ],
    )
    stub.notifications = [notification("1", "mention", KIM, post)]
    [mention] = client(stub).poll({CURSOR: "0"}, lambda network, ids: set()).mentions
    assert mention.text == (
        "@ampwell@brand.example @kim@mastodon.social is the Volta's case & cable <IP65>?\n\n"
        "Bought it here:\n"
        "https://shop.example/volta/p/12345?ref=toot\n"
        "#volta thanks 🙏"
    )


def test_lists_and_unknown_mentions_become_text_too() -> None:
    listed = plain_text("<p>the charger <b>melted</b></p><ul><li>one</li><li>two</li></ul>")
    assert listed == "the charger melted\n\n- one\n- two"
    assert "<" not in plain_text('<p><a href="https://x.example/@zed">@zed</a> hi</p>')
    assert plain_text('<p><a href="https://x.example/@zed">@zed</a> hi</p>') == "@zed@x.example hi"


def test_a_hidden_status_keeps_its_spoiler_text(stub) -> None:
    stub.notifications = [mentioned(1, text="it caught fire", spoiler_text="burn, injury")]
    [mention] = client(stub).poll({CURSOR: "0"}, lambda network, ids: set()).mentions
    assert mention.text == "CW: burn, injury\n\n@ampwell@brand.example it caught fire"
    assert mention.reply_ref["spoiler_text"] == "burn, injury"


# -- rate limits ---------------------------------------------------------------------------


def test_a_429_while_polling_is_waited_out_not_raised(stub, store) -> None:
    reset = datetime(2030, 1, 1, 12, 7, tzinfo=UTC)
    stub.script_failure(
        "GET",
        "/api/v1/notifications",
        429,
        {"error": "Too many requests"},
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2030-01-01T12:07:00.000Z"},
    )
    now = [datetime(2030, 1, 1, 12, 0, tzinfo=UTC)]
    poller = NetworkPoller(
        client(stub, clock=lambda: now[0]), store, interval=60, clock=lambda: now[0]
    )
    assert poller.poll_if_due() == 0
    assert poller.rate_limited_until == reset
    assert "rate-limited until 12:07" in poller.status()
    calls = len(stub.requests)
    now[0] += timedelta(minutes=5)
    assert poller.poll_if_due() == 0 and len(stub.requests) == calls  # still waiting
    now[0] += timedelta(minutes=3)
    stub.notifications = [mentioned(1)]
    assert poller.poll_if_due() == 1


def test_a_429_half_way_keeps_the_pages_read_and_reports_the_limit(stub, store) -> None:
    stub.page_cap = 1
    stub.notifications = [mentioned(1), mentioned(2), mentioned(3)]
    stub.script_failure(
        "GET",
        "/api/v1/notifications",
        429,
        {"error": "Too many requests"},
        {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2030-01-01T12:07:00Z"},
        after=2,
    )
    fetched = client(stub).poll({CURSOR: "0"}, store.known_ids)
    assert [m.id for m in fetched.mentions] == ["501", "502"]  # the two pages before the 429
    assert fetched.cursors == {CURSOR: "2"}  # pages go forward: the next poll asks from 2
    assert fetched.rate_limited_until == datetime(2030, 1, 1, 12, 7, tzinfo=UTC)
    assert fetched.remaining == 0


def test_a_429_while_posting_is_a_retryable_error_saying_until_when(stub) -> None:
    stub.script_failure(
        "POST",
        "/api/v1/statuses",
        429,
        {"error": "Too many requests"},
        {"X-RateLimit-Reset": "2030-01-01T12:07:00.000Z"},
    )
    with pytest.raises(PublishError, match="rate-limited until 12:07:00 UTC") as raised:
        client(stub).publish(
            Mention(
                "501", "q", "mastodon", "kim@mastodon.social", reply_ref={"visibility": "public"}
            ),
            "hi",
            "mastodon:501",
            "U1",
        )
    assert raised.value.retryable
    assert stub.posted == []


# -- posting -------------------------------------------------------------------------------


def drafted(store: Store, mention: Mention, text: str = "Yes, IP65.") -> int:
    row = store.add_mention(mention)
    assert row is not None
    triage = Triage(Intent.QUESTION, 0.0, Priority.NORMAL, False, None)
    store.save_outcome(row, Outcome(mention, triage, (), Draft(text)))
    return row


def kims(visibility: str = "public", mid: str = "501", **ref: str) -> Mention:
    return Mention(
        mid,
        "@ampwell waterproof?",
        "mastodon",
        "kim@mastodon.social",
        120,
        reply_ref={"visibility": visibility, **ref} if visibility else dict(ref),
    )


@pytest.mark.parametrize("visibility", ["public", "unlisted", "private", "direct"])
def test_the_reply_lands_in_the_thread_with_the_mentions_visibility(
    stub, store, visibility
) -> None:
    review = ReviewService(store, client(stub))
    row = drafted(store, kims(visibility))
    assert review.approve(row, "U1").ok
    [post] = stub.calls("/api/v1/statuses", "POST")
    assert post["form"]["in_reply_to_id"] == ["501"]
    assert post["form"]["visibility"] == [visibility]  # followers-only stays followers-only
    assert post["form"]["status"] == ["@kim@mastodon.social Yes, IP65."]
    assert post["headers"]["Idempotency-Key"] == idempotency_key("mastodon:501")
    record = store.get(row)
    assert record.status is Status.POSTED
    assert record.posted_url == f"https://brand.example/@ampwell/{stub.posted[0]['id']}"


def test_a_mention_stored_without_its_visibility_is_looked_up(stub) -> None:
    stub.notifications = [mentioned(1, visibility="direct")]
    client(stub).publish(kims(visibility="", mid="501"), "hi", "mastodon:501", "U1")
    assert stub.posted[0]["visibility"] == "direct"


def test_a_content_warned_mention_gets_its_warning_on_the_reply(stub) -> None:
    client(stub).publish(kims(spoiler_text="burns"), "so sorry", "mastodon:501", "U1")
    assert stub.posted[0]["spoiler_text"] == "burns"


@pytest.mark.parametrize(
    ("author", "draft", "sent"),
    [
        ("kim@mastodon.social", "Yes, IP65.", "@kim@mastodon.social Yes, IP65."),
        ("kim@mastodon.social", "@kim yes!", "@kim@mastodon.social yes!"),
        ("kim@mastodon.social", "@KIM@mastodon.social yes", "@kim@mastodon.social yes"),
        ("kim@mastodon.social", "@kimberly hi", "@kim@mastodon.social @kimberly hi"),
        ("bo", "@bo thanks", "@bo thanks"),
        ("bo", "thanks", "@bo thanks"),
    ],
)
def test_the_reply_starts_with_the_authors_acct(stub, author, draft, sent) -> None:
    mention = Mention("501", "q", "mastodon", author, reply_ref={"visibility": "public"})
    client(stub).publish(mention, draft, "mastodon:501", "U1")
    assert stub.posted[0]["text"] == sent


def test_the_instance_limit_is_the_instances_own_with_urls_counted_as_23(stub) -> None:
    stub.max_characters = 100
    mastodon = client(stub)
    assert mastodon.max_characters() == 100
    url = "https://shop.example/" + "p" * 80  # 101 characters, counted as 23
    text = "a" * 50 + " " + url  # "@kim@mastodon.social " counts as "@kim ": 5 + 51 + 23 = 79
    mastodon.publish(kims(), text, "mastodon:501", "U1")
    assert len(stub.posted) == 1
    with pytest.raises(PublishError, match="limit there is 100") as raised:
        mastodon.publish(kims(mid="502"), "a" * 96, "mastodon:502", "U1")
    assert not raised.value.retryable
    assert len(stub.calls("/api/v1/statuses", "POST")) == 1  # refused before asking Mastodon
    assert len(stub.calls("/api/v2/instance")) == 1  # asked once, then cached


def test_an_instance_that_does_not_say_gets_the_default_500(stub) -> None:
    stub.max_characters = None
    mastodon = client(stub)
    assert mastodon.max_characters() == 500
    with pytest.raises(PublishError, match="limit there is 500"):
        mastodon.publish(kims(), "a" * 496, "mastodon:501", "U1")  # 5 + 1 + 496
    mastodon.publish(kims(), "a" * 494, "mastodon:501", "U1")
    assert len(stub.posted) == 1


def test_an_unreachable_instance_endpoint_means_500(stub) -> None:
    stub.script_failure("GET", "/api/v2/instance", 503, {"error": "down"})
    assert client(stub).max_characters() == 500


def test_a_refused_post_shows_mastodons_own_error(stub, store) -> None:
    review = ReviewService(store, client(stub))
    row = drafted(store, kims())
    stub.script_failure(
        "POST", "/api/v1/statuses", 422, {"error": "Validation failed: Text can't be blank"}
    )
    result = review.approve(row, "U1")
    assert not result.ok
    assert "Validation failed: Text can't be blank" in (result.message or "")
    assert store.get(row).status is Status.POST_FAILED
    assert review.approve(row, "U1").ok  # once fixed, the retry posts
    assert len(stub.posted) == 1


def test_a_bad_token_says_which_setting_to_check_and_never_shows_it(stub, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    bad = MastodonClient(stub.url, "revoked-secret-token")
    with pytest.raises(PublishError, match="check MASTODON_ACCESS_TOKEN") as raised:
        bad.publish(kims(), "hi", "mastodon:501", "U1")
    assert not raised.value.retryable
    assert "revoked-secret-token" not in str(raised.value) + caplog.text
    with pytest.raises(PublishError, match="401"):
        bad.poll({CURSOR: None}, lambda network, ids: set())


def test_a_timed_out_post_is_retried_with_the_same_key_and_posted_once(stub) -> None:
    stub.post_delays = [1.0]  # Mastodon stores the first attempt but answers too late
    mastodon = client(stub, timeout=0.3)
    result = mastodon.publish(kims(), "answer", "mastodon:501", "U1")
    posts = stub.calls("/api/v1/statuses", "POST")
    assert len(posts) == 2
    assert {p["headers"]["Idempotency-Key"] for p in posts} == {idempotency_key("mastodon:501")}
    [only] = stub.posted
    assert result.id == only["id"]
    # Asked again later (a retry after a crash): found on the account, nothing new is sent.
    assert mastodon.publish(kims(), "answer", "mastodon:501", "U1").id == only["id"]
    assert len(stub.calls("/api/v1/statuses", "POST")) == 2


def test_find_looks_for_the_accounts_reply_to_that_status(stub) -> None:
    mastodon = client(stub)
    assert mastodon.find("mastodon:501") is None
    posted = mastodon.publish(kims(), "hi", "mastodon:501", "U1")
    assert mastodon.find("mastodon:501") == posted
    assert mastodon.find("mastodon:502") is None
    assert mastodon.find("x:501") is None


def test_twenty_concurrent_approvals_post_one_status(stub, store) -> None:
    review = ReviewService(store, client(stub))
    row = drafted(store, kims())
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda i: review.approve(row, f"U{i}"), range(20)))
    assert sum(r.ok for r in results) == 1
    assert len(stub.posted) == 1
    assert store.get(row).status is Status.POSTED
