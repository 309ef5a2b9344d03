"""The Bluesky adapter: the real atproto client over HTTP against a local XRPC stub."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain import Draft, Intent, Mention, Outcome, Priority, Status, Triage
from bot.networks.base import StoredValue
from bot.networks.bluesky import NOTIFICATIONS_CURSOR, BlueskyClient, reply_rkey
from bot.networks.poller import NetworkPoller
from bot.review import PublishError, ReviewService, post_key
from bot.store import Store, make_engine
from tests.bluesky_stub import BRAND, PASSWORD, BlueskyStub

LIST = "app.bsky.notification.listNotifications"
CREATE = "com.atproto.repo.createRecord"
GET_RECORD = "com.atproto.repo.getRecord"
CREATE_SESSION = "com.atproto.server.createSession"
REFRESH_SESSION = "com.atproto.server.refreshSession"


@pytest.fixture
def stub():
    stub = BlueskyStub()
    yield stub
    stub.close()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(make_engine(f"sqlite:///{tmp_path / 'bot.sqlite3'}"))


def client(stub: BlueskyStub, store: Store | None = None, **kw) -> BlueskyClient:
    session = StoredValue(store, "bluesky:session") if store is not None else None
    return BlueskyClient(BRAND, kw.pop("password", PASSWORD), stub.url, session=session, **kw)


def poll(stub: BlueskyStub, store: Store, **kw) -> int:
    """Poll once as a freshly started process would (a new client, the same store)."""
    return NetworkPoller(client(stub, store, **kw), store, interval=0).poll_if_due()


def drafted(store: Store, mention: Mention, text: str = "@ana.bsky.social Yes, IP65.") -> int:
    row = store.add_mention(mention)
    assert row is not None
    triage = Triage(Intent.QUESTION, 0.0, Priority.NORMAL, False, None)
    store.save_outcome(row, Outcome(mention, triage, (), Draft(text)))
    return row


def polled(stub: BlueskyStub, store: Store) -> dict[str, Mention]:
    """The mentions a poll stores, by text."""
    fetched = client(stub).poll({}, lambda network, ids: set())
    return {m.text: m for m in fetched.mentions}


# -- reading -----------------------------------------------------------------------------------


def test_notifications_are_paged_and_later_polls_read_only_newer_ones(stub, store) -> None:
    m1 = stub.notify("mention", "ana.bsky.social", "@ampwell.bsky.social is the Volta waterproof?")
    stub.notify("like", "kim.bsky.social")
    r1 = stub.notify("reply", "bo.bsky.social", "same question here")
    stub.notify("follow", "kim.bsky.social")
    q1 = stub.notify("quote", "al.bsky.social", "look at this")
    m2 = stub.notify("mention", "ana.bsky.social", "@ampwell.bsky.social and the Volta 2?")
    stub.notify("like", "zed.bsky.social")
    stub.notify("repost", "zed.bsky.social")

    assert poll(stub, store) == 4  # likes, follows and reposts are not mentions
    assert len(stub.calls(LIST)) == 4  # 8 notifications, 2 a page: every page on the first run
    assert stub.calls(LIST)[0]["query"]["reasons"] == ["mention", "reply", "quote"]
    assert {m.id for _, m in store.new_mentions()} == {m1.uri, r1.uri, q1.uri, m2.uri}
    mark = store.cursor(NOTIFICATIONS_CURSOR)
    assert mark == stub.notifications[0]["indexedAt"]

    # Nothing new: the walk stops at the first notification older than last time's newest.
    assert poll(stub, store) == 0
    assert len(stub.calls(LIST)) == 5
    assert "cursor" not in stub.calls(LIST)[-1]["query"]

    m3 = stub.notify("mention", "kim.bsky.social", "@ampwell.bsky.social hello")
    stub.notify("like", "kim.bsky.social")
    assert poll(stub, store) == 1
    assert len(stub.calls(LIST)) == 7  # the two new ones, then one page that reaches the old
    assert [m.id for _, m in store.new_mentions()] == [m2.uri, q1.uri, r1.uri, m1.uri, m3.uri]
    assert store.cursor(NOTIFICATIONS_CURSOR) == stub.notifications[0]["indexedAt"] > mark


def test_the_walk_stops_at_a_stored_mention_and_at_the_page_cap(stub, store) -> None:
    refs = [stub.notify("mention", "ana.bsky.social", f"question {i}") for i in range(6)]
    first = client(stub, store)
    first.max_pages = 2
    assert NetworkPoller(first, store, interval=0).poll_if_due() == 4  # 2 pages of 2, newest
    assert {m.id for _, m in store.new_mentions()} == {r.uri for r in refs[2:]}
    # Stored mentions stop a walk even with no cursor (a store restored from a backup).
    store.set_cursor(NOTIFICATIONS_CURSOR, "")
    newer = stub.notify("mention", "bo.bsky.social", "one more")
    calls = len(stub.calls(LIST))
    assert poll(stub, store) == 1
    assert len(stub.calls(LIST)) == calls + 1
    assert newer.uri in {m.id for _, m in store.new_mentions()}


def test_mentions_carry_author_reach_thread_and_link(stub, store) -> None:
    stub.page_size = 50
    authors = [stub.account(f"user{i}.bsky.social", followers=100 + i) for i in range(30)]
    for account in authors:
        stub.notify("mention", account.handle, f"@ampwell.bsky.social hi from {account.handle}")
    root = stub.post("zed.bsky.social", "what do people think of ampwell?")
    reply = stub.notify("reply", "ana.bsky.social", "love them", reply_to=root)

    assert poll(stub, store) == 31
    batches = [call["query"]["actors"] for call in stub.calls("app.bsky.actor.getProfiles")]
    assert sorted(len(b) for b in batches) == [6, 25]  # 31 authors in batches of at most 25
    mentions = {m.author: m for _, m in store.new_mentions()}
    assert mentions["user7.bsky.social"].followers == 107
    ana = mentions["ana.bsky.social"]
    assert (ana.network, ana.text, ana.followers) == ("bluesky", "love them", 15)
    rkey = reply.uri.rsplit("/", 1)[1]
    assert ana.url == f"https://bsky.app/profile/ana.bsky.social/post/{rkey}"
    assert ana.created_at is not None  # the store keeps UTC without the zone (SQLite)
    created = stub.posts[reply.uri]["record"]["createdAt"]
    assert ana.created_at.replace(tzinfo=UTC) == datetime.fromisoformat(created)
    assert ana.reply_ref == {"cid": reply.cid, "root_uri": root.uri, "root_cid": root.cid}
    top = mentions["user0.bsky.social"]
    assert top.reply_ref["root_uri"] == top.id and top.reply_ref["root_cid"] == top.reply_ref["cid"]


# -- session -----------------------------------------------------------------------------------


def test_a_restart_reuses_the_saved_session_and_refreshes_it(stub, store, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    stub.notify("mention", "ana.bsky.social", "@ampwell.bsky.social hi")
    poll(stub, store)
    assert len(stub.calls(CREATE_SESSION)) == 1
    saved = store.cursor("bluesky:session")
    assert saved and PASSWORD not in saved

    poll(stub, store)  # a restart: the saved session as it is, checked once, no login
    assert len(stub.calls(CREATE_SESSION)) == 1 and stub.calls(REFRESH_SESSION) == []
    assert len(stub.calls("com.atproto.server.getSession")) == 1
    assert stub.calls(LIST)[-1]["auth"] == saved.split(":::")[2]

    # A restart 1 h 50 min later: the 2-hour access token is within atproto's 15-minute margin.
    stub.access_ttl = 4 * 3600
    later = lambda: datetime.now(UTC) + timedelta(hours=1, minutes=50)  # noqa: E731
    poll(stub, store, clock=later)
    assert len(stub.calls(CREATE_SESSION)) == 1
    assert len(stub.calls(REFRESH_SESSION)) == 1
    refreshed = store.cursor("bluesky:session")
    assert refreshed and refreshed != saved
    access = refreshed.split(":::")[2]
    assert stub.calls(LIST)[-1]["auth"] == access

    poll(stub, store)  # the refresh token was single use: the saved one must be the new one
    assert len(stub.calls(CREATE_SESSION)) == 1 and len(stub.calls(REFRESH_SESSION)) == 1
    assert stub.calls(LIST)[-1]["auth"] == access
    for secret in (PASSWORD, access, refreshed.split(":::")[3], saved.split(":::")[2]):
        assert secret not in caplog.text


def test_a_refused_or_broken_session_falls_back_to_the_password(stub, store) -> None:
    poll(stub, store)
    stub.revoke_sessions()  # e.g. the app password was re-created
    poll(stub, store)
    assert len(stub.calls(CREATE_SESSION)) == 2
    store.set_cursor("bluesky:session", "not a session")
    poll(stub, store)
    assert len(stub.calls(CREATE_SESSION)) == 3
    running = client(stub, store)
    running.poll({}, store.known_ids)
    stub.notify("mention", "ana.bsky.social", "@ampwell.bsky.social hi")
    stub.revoke_sessions()  # refused in the middle of a run: log in again once, read on
    assert len(running.poll({}, store.known_ids).mentions) == 1
    assert len(stub.calls(CREATE_SESSION)) == 4  # `running` started on the saved session


def test_wrong_credentials_say_which_settings_to_check(stub, store, caplog) -> None:
    stub.notify("mention", "ana.bsky.social", "@ampwell.bsky.social hi")
    wrong = client(stub, store, password="wrong-password")
    fetched = wrong.poll({}, store.known_ids)
    assert fetched.mentions == [] and fetched.cursors == {}
    assert "BLUESKY_HANDLE / BLUESKY_APP_PASSWORD" in caplog.text
    assert "wrong-password" not in caplog.text
    mention = next(iter(polled(stub, store).values()))
    with pytest.raises(PublishError, match="BLUESKY_HANDLE / BLUESKY_APP_PASSWORD") as info:
        wrong.publish(mention, "@ana.bsky.social hi", post_key(mention), "U1")
    assert not info.value.retryable
    assert stub.calls(CREATE) == []


# -- rate limits -------------------------------------------------------------------------------


def test_rate_limit_headers_are_read_and_a_429_is_waited_out(stub, store) -> None:
    stub.notify("mention", "ana.bsky.social", "@ampwell.bsky.social hi")
    fetched = client(stub).poll({}, store.known_ids)
    assert fetched.remaining == 2999 and fetched.rate_limited_until is None

    reset = int((datetime.now(UTC) + timedelta(minutes=4)).timestamp())
    limits = {"RateLimit-Remaining": "0", "RateLimit-Reset": str(reset)}
    stub.script_failure(LIST, 429, {"error": "RateLimitExceeded", "message": "Rate Limit"}, limits)
    now = [datetime.now(UTC)]
    poller = NetworkPoller(client(stub, store), store, interval=60, clock=lambda: now[0])
    assert poller.poll_if_due() == 0
    assert poller.rate_limited_until == datetime.fromtimestamp(reset, UTC)
    assert store.cursor(NOTIFICATIONS_CURSOR) is None
    calls = len(stub.requests)
    now[0] += timedelta(minutes=3)
    assert poller.poll_if_due() == 0 and len(stub.requests) == calls  # still waiting
    now[0] += timedelta(minutes=2)
    assert poller.poll_if_due() == 1

    # The window used up without a 429: wait for the reset all the same.
    stub.remaining = 0
    fetched = client(stub).poll({}, store.known_ids)
    assert fetched.remaining == 0 and fetched.rate_limited_until is not None


def test_a_429_while_posting_is_a_retryable_error_saying_until_when(stub, store) -> None:
    stub.notify("mention", "ana.bsky.social", "@ampwell.bsky.social hi")
    [mention] = polled(stub, store).values()
    reset = datetime(2030, 1, 1, 12, 34, 56, tzinfo=UTC)
    stub.script_failure(
        CREATE,
        429,
        {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        {"RateLimit-Remaining": "0", "RateLimit-Reset": str(int(reset.timestamp()))},
    )
    bsky = client(stub)
    with pytest.raises(PublishError, match="rate-limited until 12:34:56 UTC") as info:
        bsky.publish(mention, "@ana.bsky.social hi", post_key(mention), "U1")
    assert info.value.retryable
    assert stub.replies() == []


# -- posting -----------------------------------------------------------------------------------


def test_a_reply_deep_in_a_thread_lands_under_the_mention_with_the_threads_root(
    stub, store
) -> None:
    root = stub.post("zed.bsky.social", "anyone using ampwell chargers?")
    middle = stub.post("bo.bsky.social", "yes, mine broke", reply_to=root)
    deeper = stub.post("kim.bsky.social", "same", reply_to=middle)
    mention = stub.notify("mention", "ana.bsky.social", "@ampwell.bsky.social help?", deeper)
    assert poll(stub, store) == 1
    [(row, stored)] = store.new_mentions()
    triage = Triage(Intent.QUESTION, 0.0, Priority.NORMAL, False, None)
    store.save_outcome(row, Outcome(stored, triage, (), Draft("@ana.bsky.social Sorry! DM us")))

    result = ReviewService(store, client(stub, store)).approve(row, "U1")
    assert result.ok, result.message
    [reply] = stub.replies()
    assert reply["value"]["reply"]["root"] == {
        "uri": root.uri,
        "cid": root.cid,
        "$type": "com.atproto.repo.strongRef",
    }
    assert reply["value"]["reply"]["parent"]["uri"] == mention.uri
    assert reply["value"]["reply"]["parent"]["cid"] == mention.cid
    assert reply["value"]["text"] == "@ana.bsky.social Sorry! DM us"
    record = store.get(row)
    assert record.status is Status.POSTED
    rkey = reply_rkey(mention.uri)
    assert reply["uri"] == f"at://{stub.brand.did}/app.bsky.feed.post/{rkey}"
    assert record.posted_url == f"https://bsky.app/profile/{BRAND}/post/{rkey}"


def test_links_and_handles_get_facets_at_utf8_byte_offsets(stub, store) -> None:
    stub.account("ana.bsky.social", followers=3)
    stub.notify("mention", "ana.bsky.social", "@ampwell.bsky.social oi")
    [mention] = polled(stub, store).values()
    text = (
        "Olá 🎉 @ana.bsky.social, a troca é grátis: https://ampwell.example/trocas?p=1 "
        "(pergunte a @nobody.bsky.social)"
    )
    client(stub).publish(mention, text, post_key(mention), "U1")
    [reply] = stub.replies()
    data = text.encode("utf-8")
    facets = {
        (f["index"]["byteStart"], f["index"]["byteEnd"]): f["features"][0]
        for f in reply["value"]["facets"]
    }
    handle = data.index(b"@ana.bsky.social")
    link = data.index(b"https://")
    assert handle != text.index("@ana.bsky.social")  # non-ASCII before it: bytes, not chars
    assert facets == {
        (handle, handle + len(b"@ana.bsky.social")): {
            "did": stub.accounts["ana.bsky.social"].did,
            "$type": "app.bsky.richtext.facet#mention",
        },
        (link, link + len(b"https://ampwell.example/trocas?p=1")): {
            "uri": "https://ampwell.example/trocas?p=1",
            "$type": "app.bsky.richtext.facet#link",
        },
    }  # @nobody.bsky.social does not resolve: no facet, the text stays as written
    resolved = [c["query"]["handle"] for c in stub.calls("com.atproto.identity.resolveHandle")]
    assert sorted(resolved) == [["ana.bsky.social"], ["nobody.bsky.social"]]


def test_the_300_grapheme_limit(stub, store) -> None:
    stub.notify("mention", "ana.bsky.social", "@ampwell.bsky.social hi")
    [mention] = polled(stub, store).values()
    bsky = client(stub)
    prefix = "@ana.bsky.social "
    longest = prefix + "👍🏽" * (300 - len(prefix))  # 300 graphemes, 583 code points
    with pytest.raises(PublishError, match="limit there is 300") as info:
        bsky.publish(mention, longest + "!", post_key(mention), "U1")
    assert not info.value.retryable and stub.calls(CREATE) == []
    bsky.publish(mention, longest, post_key(mention), "U1")
    assert [r["value"]["text"] for r in stub.replies()] == [longest]


def test_a_refused_post_shows_the_networks_own_words(stub, store) -> None:
    stub.notify("mention", "ana.bsky.social", "@ampwell.bsky.social hi")
    [mention] = polled(stub, store).values()
    row = drafted(store, mention)
    refusal = "Invalid app.bsky.feed.post record: Record/reply/parent must be a strong ref"
    stub.script_failure(CREATE, 400, {"error": "InvalidRecord", "message": refusal})
    review = ReviewService(store, client(stub))
    result = review.approve(row, "U1")
    assert not result.ok
    assert refusal in (result.message or "") and "InvalidRecord" in (result.message or "")
    assert store.get(row).status is Status.POST_FAILED
    assert len(stub.calls(GET_RECORD)) == 1  # looked before calling it failed
    assert review.approve(row, "U1").ok
    assert len(stub.replies()) == 1


@pytest.mark.parametrize("failure", [("delay", 1.0), ("error", 500), ("error", 502)])
def test_a_post_stored_but_not_confirmed_is_found_not_repeated(stub, store, failure) -> None:
    stub.notify("mention", "ana.bsky.social", "@ampwell.bsky.social hi")
    [mention] = polled(stub, store).values()
    bsky = client(stub, timeout=0.3)  # the PDS stores it, then answers too late or with an error
    stub.after_store.append(failure)
    first = bsky.publish(mention, "@ana.bsky.social hi!", post_key(mention), "U1")
    [reply] = stub.replies()
    assert first.id == reply["uri"]
    assert first.url == f"https://bsky.app/profile/{BRAND}/post/{reply_rkey(mention.id)}"
    # A retry (a second click, or after a crash) finds it; the PDS refuses the same key again.
    again = client(stub).publish(mention, "@ana.bsky.social hi!", post_key(mention), "U2")
    assert again == first and len(stub.replies()) == 1
    assert stub.calls(CREATE)[-1]["body"]["rkey"] == reply_rkey(mention.id)
    assert client(stub).find(post_key(mention)) == first
    assert client(stub).find("bluesky:at://did:plc:other/app.bsky.feed.post/3kabc2345abcd") is None


def test_a_failed_post_that_did_not_land_is_a_retryable_error(stub, store) -> None:
    stub.notify("mention", "ana.bsky.social", "@ampwell.bsky.social hi")
    [mention] = polled(stub, store).values()
    stub.script_failure(CREATE, 503, {"error": "InternalServerError", "message": "busy"})
    with pytest.raises(PublishError, match="retry") as info:
        client(stub).publish(mention, "@ana.bsky.social hi!", post_key(mention), "U1")
    assert info.value.retryable and stub.replies() == []


def test_twenty_concurrent_approvals_post_once(stub, store) -> None:
    stub.notify("mention", "ana.bsky.social", "@ampwell.bsky.social hi")
    [mention] = polled(stub, store).values()
    row = drafted(store, mention)
    review = ReviewService(store, client(stub, store))
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda i: review.approve(row, f"U{i}"), range(20)))
    assert sum(r.ok for r in results) == 1
    assert len(stub.calls(CREATE)) == 1 and len(stub.replies()) == 1
    assert store.get(row).status is Status.POSTED


def test_concurrent_publishes_without_the_stores_claim_still_make_one_post(stub, store) -> None:
    stub.notify("mention", "ana.bsky.social", "@ampwell.bsky.social hi")
    [mention] = polled(stub, store).values()
    bsky = client(stub, store)
    logins = len(stub.calls(CREATE_SESSION))
    with ThreadPoolExecutor(20) as pool:
        results = set(
            pool.map(
                lambda i: bsky.publish(mention, "@ana.bsky.social hi", post_key(mention), f"U{i}"),
                range(20),
            )
        )
    assert len(results) == 1 and len(stub.replies()) == 1
    assert len(stub.calls(CREATE_SESSION)) == logins + 1  # one login shared by every thread


def test_the_record_key_is_a_tid_that_depends_only_on_the_mention() -> None:
    uri = "at://did:plc:abc/app.bsky.feed.post/3lbzyxwvuts22"
    key = reply_rkey(uri)
    assert key == reply_rkey(uri) != reply_rkey(uri + "x")
    assert len(key) == 13 and key[0] in "234567ab"
    assert set(key) <= set("234567abcdefghijklmnopqrstuvwxyz")
    odd = "at://did:plc:abc/app.bsky.feed.post/self"  # not a TID: a time hashed from the uri
    assert reply_rkey(odd) == reply_rkey(odd) and len(reply_rkey(odd)) == 13
    assert reply_rkey(odd)[0] in "234567ab"


def test_only_bluesky_mentions_are_answered(stub) -> None:
    with pytest.raises(PublishError, match="not a Bluesky post"):
        client(stub).publish(Mention("1", "hi", "x", "kim"), "hi", "x:1", "U1")
    assert client(stub).find("x:1") is None
    assert stub.requests == []
