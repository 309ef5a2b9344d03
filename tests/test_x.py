"""The X adapter: the real tweepy client over HTTP against a local X API v2 stub."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain import Draft, Intent, Mention, Outcome, Priority, Status, Triage
from bot.networks.poller import MENTIONS_CURSOR, XPoller
from bot.networks.x import SEARCH, XClient
from bot.publishers import OutboxPublisher, RoutingPublisher
from bot.review import PublishError, ReviewService
from bot.store import Store, make_engine
from tests.x_stub import ME, XStub, tweet


@pytest.fixture
def stub():
    stub = XStub()
    yield stub
    stub.close()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(make_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}"))


def client(stub: XStub, search: str | None = None, **kw) -> XClient:
    return XClient(
        bearer_token="bearer-test",
        api_key="key",
        api_secret="secret",
        access_token="token",
        access_secret="token-secret",
        handle="ampwell",
        api_url=stub.url,
        search_query=search,
        **kw,
    )


def test_mentions_are_fetched_across_pages_with_author_reach(stub: XStub) -> None:
    stub.mentions = [
        tweet("105", "@ampwell is the Volta waterproof?", "kim", 120),
        tweet("104", "@ampwell love it", "bo", 52_000),
        tweet("103", "@ampwell where is my order", "al", 9),
    ]
    fetched = client(stub).fetch(since_id=None)
    assert [m.id for m in fetched.mentions] == ["105", "104", "103"]
    assert fetched.newest_id == "105"
    bo = fetched.mentions[1]
    assert (bo.author, bo.followers, bo.network) == ("bo", 52_000, "x")
    assert bo.url == "https://x.com/bo/status/104"
    assert len(stub.calls(f"/2/users/{ME['id']}/mentions")) == 2  # two pages of two
    assert fetched.remaining == 14
    # user context (OAuth 1.0a) since the account can post
    assert stub.calls("/2/users/me")[0]["auth"].startswith("OAuth ")


def test_the_poller_resumes_from_since_id_and_never_fetches_twice(stub, store) -> None:
    stub.mentions = [tweet("201", "@ampwell hi", "kim", 5)]
    XPoller(client(stub), store, interval=0).poll_if_due()
    assert store.cursor(MENTIONS_CURSOR) == "201"
    stub.mentions.insert(0, tweet("202", "@ampwell again", "kim", 5))
    restarted = XPoller(client(stub), store, interval=0)  # a new process, same store
    assert restarted.poll_if_due() == 1
    last = stub.calls(f"/2/users/{ME['id']}/mentions")[-1]
    assert last["query"]["since_id"] == "201"
    assert [m.id for _, m in store.new_mentions()] == ["201", "202"]


def test_rate_limits_are_waited_out(stub, store) -> None:
    reset = int((datetime.now(UTC) + timedelta(minutes=7)).timestamp())
    stub.script_failure(
        f"/2/users/{ME['id']}/mentions",
        429,
        {"title": "Too Many Requests"},
        {"x-rate-limit-reset": str(reset), "x-rate-limit-remaining": "0"},
    )
    now = [datetime.now(UTC)]
    poller = XPoller(client(stub), store, interval=60, clock=lambda: now[0])
    assert poller.poll_if_due() == 0
    assert poller.rate_limited_until == datetime.fromtimestamp(reset, UTC)
    assert "rate-limited until" in poller.status()
    calls = len(stub.requests)
    now[0] += timedelta(minutes=5)
    assert poller.poll_if_due() == 0 and len(stub.requests) == calls  # still waiting
    now[0] += timedelta(minutes=3)
    stub.mentions = [tweet("301", "@ampwell ok now", "kim", 5)]
    assert poller.poll_if_due() == 1


def test_keyword_search_finds_untagged_posts_that_cannot_be_replied_to(stub) -> None:
    stub.search = [tweet("401", "anyone tried ampwell power banks?", "zed", 40)]
    fetched = client(stub, search="ampwell").fetch(since_id=None)
    [found] = fetched.mentions
    assert found.network == SEARCH
    query = stub.calls("/2/tweets/search/recent")[0]["query"]["query"]
    assert query == "ampwell -from:ampwell -is:retweet"
    with pytest.raises(PublishError, match="open this one on X"):
        client(stub).publish(found, "@zed hi", "x_search:401", "U1")


def drafted(store: Store, mention: Mention) -> int:
    [(_, row)] = store.add_mentions([mention])
    triage = Triage(Intent.QUESTION, 0.0, Priority.NORMAL, False, None)
    store.save_outcome(row, Outcome(mention, triage, (), Draft("@kim Yes, IP65.")))
    return row


def test_an_approved_reply_is_posted_in_reply_once(stub, store, tmp_path) -> None:
    x = client(stub)
    publisher = RoutingPublisher({"x": x}, OutboxPublisher(tmp_path / "outbox.jsonl"))
    review = ReviewService(store, publisher)
    row = drafted(store, Mention("501", "@ampwell waterproof?", "x", "kim"))
    assert review.approve(row, "U1").ok
    record = store.get(row)
    assert record.status is Status.POSTED
    assert record.posted_url == f"https://x.com/ampwell/status/{stub.posted[0]['id']}"
    [post] = stub.calls("/2/tweets")
    assert post["body"] == {"text": "@kim Yes, IP65.", "reply": {"in_reply_to_tweet_id": "501"}}
    # Asked again (a retry after a crash): X already has the reply, nothing new is posted.
    assert x.publish(record.mention, "@kim Yes, IP65.", "x:501", "U1").id == stub.posted[0]["id"]
    assert len(stub.posted) == 1


def test_x_errors_become_clear_messages_on_the_card(stub, store, tmp_path) -> None:
    x = client(stub)
    review = ReviewService(store, RoutingPublisher({"x": x}, OutboxPublisher(tmp_path / "o")))
    row = drafted(store, Mention("601", "@ampwell q", "x", "kim"))
    stub.script_failure(
        "/2/tweets",
        403,
        {"detail": "You are not allowed to create a Tweet with duplicate content.", "status": 403},
    )
    result = review.approve(row, "U1")
    assert not result.ok and "duplicate" in (result.message or "")
    assert store.get(row).status is Status.POST_FAILED
    stub.script_failure("/2/tweets", 503, {"title": "Service Unavailable"})
    assert "server error (503)" in (review.approve(row, "U1").message or "")
    assert review.approve(row, "U1").ok  # the third try goes through
    assert len(stub.posted) == 1


def test_a_timed_out_post_is_looked_up_not_repeated(stub, store) -> None:
    x = client(stub)
    x.session.timeout = 0.3
    stub.post_delay = 1.0  # X posts it, but answers too late
    result = x.publish(Mention("701", "@ampwell q", "x", "kim"), "@kim answer", "x:701", "U1")
    assert result.id == stub.posted[0]["id"]
    assert len(stub.posted) == 1
