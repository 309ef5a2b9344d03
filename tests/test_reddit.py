"""The Reddit adapter: the real praw client over HTTP against a local Reddit API stub."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain import Draft, Intent, Mention, Outcome, Priority, Status, Triage
from bot.networks.markdown import escape_markdown
from bot.networks.poller import NetworkPoller
from bot.networks.reddit import (
    MENTIONS_CURSOR,
    REPLIES_CURSOR,
    SEARCH_CURSOR,
    RedditClient,
)
from bot.review import PublishError, ReviewService
from bot.store import Store, make_engine
from tests.reddit_stub import CLIENT_ID, CLIENT_SECRET, ME, PASSWORD, T0, RedditStub


@pytest.fixture
def stub():
    stub = RedditStub()
    yield stub
    stub.close()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(make_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}"))


def client(stub: RedditStub, **kw) -> RedditClient:
    kw.setdefault("password", PASSWORD)
    return RedditClient(
        client_id=CLIENT_ID,
        client_secret=kw.pop("client_secret", CLIENT_SECRET),
        username=ME,
        oauth_url=stub.url,
        reddit_url=stub.url,
        **kw,
    )


def nothing_known(network: str, ids) -> set[str]:
    return set()


def thread(stub: RedditStub) -> tuple[str, str, str]:
    """A post, the brand's comment on it, and a stranger's reply to that comment."""
    post = stub.post("p1", "Volta power bank review", "kim", selftext="Mine died after a week.")
    ours = stub.comment("brand1", "Sorry to hear that!", ME, post, at=5)
    reply = stub.comment("r1", "Still **broken**, see [here](https://imgur.com/x)", "kim", ours, 40)
    return post, ours, reply


def drafted(store: Store, mention: Mention, text: str = "u/kim Yes, IP65.") -> int:
    [(_, row)] = store.add_mentions([mention])
    outcome(store, row, text)
    return row


def outcome(store: Store, row: int, text: str) -> None:
    triage = Triage(Intent.QUESTION, 0.0, Priority.NORMAL, False, None)
    store.save_outcome(row, Outcome(store.get(row).mention, triage, (), Draft(text)))


# -- reading ---------------------------------------------------------------------------------


def test_mentions_and_comment_replies_are_read_across_pages_with_context_urls_and_karma(
    stub,
) -> None:
    post, _, reply = thread(stub)
    stub.mentions = [
        stub.comment("m3", "u/ampwell is the Volta waterproof?", "kim", post, at=30),
        stub.comment("m2", "asking u/ampwell too", "bo", post, at=20),
        stub.comment("m1", "u/ampwell hello", "[deleted]", post, at=10),
    ]
    stub.replies = [reply]
    stub.karma = {"kim": (120, 30), "bo": (50_000, 2_000)}
    stub.page_size = 2

    fetched = client(stub).poll({}, nothing_known)

    assert [m.id for m in fetched.mentions] == ["t1_m1", "t1_m2", "t1_m3", "t1_r1"]  # oldest first
    m1, m2, m3, r1 = fetched.mentions
    assert (m2.author, m2.followers, m2.network) == ("bo", 52_000, "reddit")
    assert (m3.author, m3.followers) == ("kim", 150)
    assert (m1.author, m1.followers) == (None, None)  # a deleted account has no reach
    assert m3.created_at == datetime.fromtimestamp(T0 + 30, UTC)
    # Inbox items carry `context`, not `permalink`: the link is built from it, on reddit.com.
    assert m3.url == "https://www.reddit.com/r/ampwell/comments/p1/volta_power_bank_rev/m3/"
    assert m3.reply_ref == {"kind": "t1", "via": "mention", "subreddit": "ampwell"}
    assert r1.reply_ref["via"] == "comment_reply"
    assert r1.text == "Still **broken**, see [here](https://imgur.com/x)"  # Markdown kept: data
    pages = stub.calls("/message/mentions")
    assert [p["query"].get("after") for p in pages] == [None, "t1_m2"]
    assert fetched.cursors == {MENTIONS_CURSOR: repr(T0 + 30), REPLIES_CURSOR: repr(T0 + 40)}
    assert fetched.remaining == 590
    assert len(stub.calls("/user/kim/about")) == 1  # one karma look-up per author and poll
    # The script app's password grant, and a user agent that names the bot and the account.
    [grant] = stub.calls("/api/v1/access_token")
    assert grant["form"]["grant_type"] == "password" and grant["form"]["username"] == ME
    assert "(by /u/ampwell)" in pages[0]["agent"]
    assert pages[0]["auth"] == "bearer token-1"


def test_the_poller_resumes_from_its_cursors_and_never_stores_twice(stub, store) -> None:
    post = stub.post("p1", "Volta", "kim")
    stub.mentions = [
        stub.comment(f"m{i}", f"u/ampwell number {i}", "kim", post, at=10 * i) for i in (3, 2, 1)
    ]
    stub.page_size = 2
    assert NetworkPoller(client(stub), store, interval=0).poll_if_due() == 3
    assert len(stub.calls("/message/mentions")) == 2  # two pages
    assert store.cursor(MENTIONS_CURSOR) == repr(T0 + 30)

    stub.mentions.insert(0, stub.comment("m4", "u/ampwell four", "bo", post, at=40))
    before = len(stub.calls("/message/mentions"))
    restarted = NetworkPoller(client(stub), store, interval=0)  # a new process, same store
    assert restarted.poll_if_due() == 1
    # Only the newest page was asked for: the walk stopped at the first stored mention.
    [again] = stub.calls("/message/mentions")[before:]
    assert "after" not in again["query"]
    assert restarted.poll_if_due() == 0
    assert [m.id for _, m in store.new_mentions()] == ["t1_m1", "t1_m2", "t1_m3", "t1_m4"]
    assert store.cursor(MENTIONS_CURSOR) == repr(T0 + 40)


def test_watched_subreddits_are_searched_newest_first_for_the_brand(stub, store) -> None:
    stub.post("s1", "Ampwell or Anker?", "zed", sub="gadgets", selftext="Which lasts?", at=100)
    stub.post("s2", "Ampwell update", ME, sub="ampwell", at=200)  # the brand's own post
    stub.post("s3", "Ampwell in the wrong place", "kim", sub="elsewhere", at=300)
    stub.post("s4", "Nothing to see", "kim", sub="gadgets", at=400)
    stub.karma = {"zed": (7, 3)}
    now = [datetime.fromtimestamp(T0 + 1000, UTC)]
    reddit = client(stub, subreddits=["r/gadgets", "ampwell"], search_query="ampwell")
    poller = NetworkPoller(reddit, store, interval=0, clock=lambda: now[0])

    assert poller.poll_if_due() == 1
    [(_, found)] = store.new_mentions()
    assert (found.id, found.author, found.followers) == ("t3_s1", "zed", 10)
    assert found.text == "Ampwell or Anker?\n\nWhich lasts?"
    assert found.url == "https://www.reddit.com/r/gadgets/comments/s1/ampwell_or_anker/"
    assert found.reply_ref == {"kind": "t3", "via": "search", "subreddit": "gadgets"}
    [search] = stub.calls("/r/gadgets+ampwell/search")
    assert search["query"]["q"] == "ampwell" and search["query"]["sort"] == "new"
    assert search["query"]["restrict_sr"] == "True"
    assert store.cursor(SEARCH_CURSOR) == repr(T0 + 200)

    # A post reaches the search index late: older than the cursor, still found, stored once.
    stub.post("s5", "ampwell cable frayed", "zed", sub="gadgets", at=150)
    assert poller.poll_if_due() == 1
    assert poller.poll_if_due() == 0
    assert [m.id for _, m in store.new_mentions()] == ["t3_s1", "t3_s5"]


def test_rate_limits_are_read_from_headers_and_a_429_is_waited_out(stub, store) -> None:
    post = stub.post("p1", "Volta", "kim")
    now = [datetime.now(UTC)]
    stub.script_failure(
        "/message/mentions",
        429,
        {"message": "Too Many Requests", "error": 429},
        {"x-ratelimit-remaining": "0", "x-ratelimit-used": "600", "x-ratelimit-reset": "420"},
    )
    poller = NetworkPoller(
        client(stub, clock=lambda: now[0]), store, interval=60, clock=lambda: now[0]
    )
    assert poller.poll_if_due() == 0  # no raise: the poll reports when to come back
    assert poller.rate_limited_until == now[0] + timedelta(seconds=420)
    assert "rate-limited until" in poller.status()
    calls = len(stub.requests)
    now[0] += timedelta(minutes=5)
    assert poller.poll_if_due() == 0 and len(stub.requests) == calls  # still waiting
    now[0] += timedelta(minutes=3)
    stub.mentions = [stub.comment("m1", "u/ampwell ok now", "kim", post, at=10)]
    assert poller.poll_if_due() == 1


def test_a_used_up_window_sends_nothing_more_until_its_reset(stub) -> None:
    post = stub.post("p1", "Volta", "kim")
    stub.mentions = [stub.comment("m1", "u/ampwell hi", "kim", post, at=10)]
    stub.karma = {"kim": (1, 2)}
    stub.remaining, stub.reset = 0, 120
    now = [datetime.now(UTC)]
    reddit = client(stub, clock=lambda: now[0])
    fetched = reddit.poll({}, nothing_known)
    assert (fetched.remaining, fetched.rate_limited_until) == (0, now[0] + timedelta(seconds=120))
    # The answer said 0 left: the author's karma was not asked, so the listing waits whole.
    assert (fetched.mentions, fetched.cursors) == ([], {})
    assert [r["path"] for r in stub.requests] == ["/api/v1/access_token", "/message/mentions"]
    mention = Mention(post, "Volta", "reddit", "kim")
    with pytest.raises(PublishError, match="rate-limited until") as refused:
        reddit.publish(mention, "u/kim hi", "reddit:t3_p1", "U1")
    assert refused.value.retryable and len(stub.requests) == 2
    now[0] += timedelta(seconds=121)
    stub.remaining = 500
    [m1] = reddit.poll({}, nothing_known).mentions
    assert m1.followers == 3


# -- posting ---------------------------------------------------------------------------------


def test_an_approved_reply_lands_under_the_right_parent_once(stub, store) -> None:
    post, _, reply = thread(stub)
    stub.mentions = [stub.comment("m1", "u/ampwell waterproof?", "kim", post, at=50)]
    stub.replies = [reply]
    stub.post("s1", "ampwell is great", "zed", at=60)
    reddit = client(stub, subreddits=["ampwell"])
    review = ReviewService(store, reddit)
    NetworkPoller(reddit, store, interval=0).poll_if_due()
    rows = {m.id: row for row, m in store.new_mentions()}
    assert set(rows) == {"t1_m1", "t1_r1", "t3_s1"}

    for fullname in ("t1_m1", "t3_s1"):  # a comment, then a post
        outcome(store, rows[fullname], "u/kim Yes.")
        assert review.approve(rows[fullname], "U1").ok
    assert [c["parent_id"] for c in stub.posted] == ["t1_m1", "t3_s1"]
    assert [c["form"]["thing_id"] for c in stub.calls("/api/comment")] == ["t1_m1", "t3_s1"]
    record = store.get(rows["t1_m1"])
    assert record.status is Status.POSTED
    assert record.posted_url == f"https://www.reddit.com{stub.posted[0]['permalink']}"
    # Asked again (a retry after a crash): the brand's comment is there, nothing new is posted.
    again = reddit.publish(record.mention, "u/kim Yes.", "reddit:t1_m1", "U1")
    assert again.id == stub.posted[0]["name"] and len(stub.posted) == 2
    assert reddit.find("reddit:t3_s1").id == stub.posted[1]["name"]
    assert reddit.find("reddit:t1_r1") is None


def test_a_refused_post_carries_reddits_own_error(stub, store) -> None:
    post = stub.post("p1", "Volta", "kim")
    row = drafted(store, Mention("t1_c1", "u/ampwell?", "reddit", "kim"))
    stub.comment("c1", "u/ampwell?", "kim", post)
    review = ReviewService(store, client(stub))
    stub.comment_errors = [["THREAD_LOCKED", "Comments are locked.", "parent"]]
    result = review.approve(row, "U1")
    assert not result.ok
    assert "THREAD_LOCKED: Comments are locked." in (result.message or "")
    assert store.get(row).status is Status.POST_FAILED
    stub.comment_errors = [["DELETED_COMMENT", "that comment has been deleted", "parent"]]
    with pytest.raises(PublishError, match="DELETED_COMMENT") as refused:
        client(stub).publish(store.get(row).mention, "u/kim hi", "reddit:t1_c1", "U1")
    assert not refused.value.retryable
    assert review.approve(row, "U1").ok and len(stub.posted) == 1


def test_reddit_rate_limits_on_posting_become_a_retry_time(stub) -> None:
    post = stub.post("p1", "Volta", "kim")
    mention = Mention(post, "Volta", "reddit", "kim")
    now = [datetime(2026, 11, 23, 10, 0, tzinfo=UTC)]
    reddit = client(stub, clock=lambda: now[0])
    stub.comment_errors = [
        ["RATELIMIT", "you are doing that too much. try again in 9 minutes.", "ratelimit"]
    ]
    with pytest.raises(PublishError, match="after 10:09:00 UTC") as limited:
        reddit.publish(mention, "hi", "reddit:t3_p1", "U1")
    assert limited.value.retryable and "you are doing that too much" in str(limited.value)
    posts = len(stub.calls("/api/comment"))
    with pytest.raises(PublishError, match="until 10:09:00 UTC"):
        reddit.publish(mention, "hi", "reddit:t3_p1", "U1")  # refused here, Reddit not asked
    assert len(stub.calls("/api/comment")) == posts
    now[0] += timedelta(minutes=10)
    stub.script_failure(
        "/api/comment", 429, {"message": "Too Many Requests"}, {"x-ratelimit-reset": "60"}
    )
    with pytest.raises(PublishError, match="rate-limited until 10:11:00 UTC") as too_many:
        reddit.publish(mention, "hi", "reddit:t3_p1", "U1")
    assert too_many.value.retryable and stub.posted == []


def test_bad_credentials_say_which_settings_to_check_and_never_show_secrets(stub, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    for wrong in ({"password": "wrong-pass"}, {"client_secret": "wrong-secret"}):
        with pytest.raises(PublishError, match="check the REDDIT_CLIENT_ID") as refused:
            client(stub, **wrong).account()
        assert not refused.value.retryable
        for secret in (*wrong.values(), PASSWORD, CLIENT_SECRET):
            assert secret not in str(refused.value) and secret not in caplog.text
    assert client(stub).account() == ME


def test_a_timed_out_post_is_looked_up_not_repeated(stub) -> None:
    post = stub.post("p1", "Volta", "kim")
    stub.post_delay = 1.0  # Reddit makes the comment but answers too late
    reddit = client(stub, timeout=0.3)
    result = reddit.publish(Mention(post, "Volta", "reddit", "kim"), "hi", "reddit:t3_p1", "U1")
    assert result.id == stub.posted[0]["name"]
    assert len(stub.posted) == 1 and len(stub.calls("/api/comment")) == 1  # prawcore did not retry
    stub.post_delay = 0.0
    # A 502 is not retried either: the comment may exist. Here it does not, so: retry later.
    other = stub.post("p2", "Volta 2", "kim")
    stub.script_failure("/api/comment", 502, {"message": "Bad Gateway"})
    with pytest.raises(PublishError, match="not on Reddit; retry") as unknown:
        reddit.publish(Mention(other, "Volta 2", "reddit", "kim"), "hi", "reddit:t3_p2", "U1")
    assert unknown.value.retryable and len(stub.calls("/api/comment")) == 2


def test_twenty_concurrent_approvals_post_one_comment(stub, store) -> None:
    post = stub.post("p1", "Volta", "kim")
    stub.comment("c1", "u/ampwell?", "kim", post)
    row = drafted(store, Mention("t1_c1", "u/ampwell?", "reddit", "kim", reply_ref={"kind": "t1"}))
    review = ReviewService(store, client(stub))
    barrier = threading.Barrier(20)
    results = []

    def click(user: str) -> None:
        barrier.wait()
        results.append(review.approve(row, user))

    threads = [threading.Thread(target=click, args=(f"U{i}",)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.ok for r in results) == 1
    assert len(stub.posted) == 1 and len(stub.calls("/api/comment")) == 1
    assert store.get(row).status is Status.POSTED


# -- Markdown --------------------------------------------------------------------------------


def test_a_strangers_markdown_cannot_format_the_reply(stub) -> None:
    post = stub.post("p1", "Volta", "kim")
    text = "u/kim you wrote: **buy** [here](https://evil.example/x) > ~~no~~ ^up `x` |a|b|"
    client(stub).publish(Mention(post, "Volta", "reddit", "kim"), text, "reddit:t3_p1", "U1")
    assert stub.posted[0]["body"] == (
        r"u/kim you wrote: \*\*buy\*\* \[here\]\(https://evil.example/x\) \> \~\~no\~\~ \^up "
        r"\`x\` \|a\|b\|"
    )


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("# Sale!", r"\# Sale!"),
        ("1. first\n- second\n+ third", "1\\. first  \n\\- second  \n\\+ third"),
        ("    code block", "code block"),
        ("Title\n===\n---", "Title  \n&#61;==  \n\\---"),
        ("see https://example.com/a_b_(c)*x*", r"see https://example.com/a_b_(c)*x*"),
        ("www.my_site.example and a_b", r"www.my_site.example and a\_b"),
        ("AT&T &amp; 50% \\o/", r"AT\&T \&amp; 50% \\o/"),
        ("Hi Kim,\n\nthanks", "Hi Kim,\n\nthanks"),
        ("2024 was good. 3 stars", "2024 was good. 3 stars"),
    ],
)
def test_escape_markdown(text: str, escaped: str) -> None:
    assert escape_markdown(text) == escaped


def test_a_reply_over_the_limit_is_refused_before_anything_is_sent(stub) -> None:
    post = stub.post("p1", "Volta", "kim")
    mention = Mention(post, "Volta", "reddit", "kim")
    reddit = client(stub)
    with pytest.raises(PublishError, match="10,000") as too_long:
        reddit.publish(mention, "a" * 10_001, "reddit:t3_p1", "U1")
    assert not too_long.value.retryable
    with pytest.raises(PublishError, match="Markdown characters escaped"):
        reddit.publish(mention, "*" * 6_000, "reddit:t3_p1", "U1")
    assert stub.requests == []
