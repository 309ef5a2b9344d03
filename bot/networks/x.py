"""X (Twitter) through tweepy: a mention source and a reply publisher behind the project's ports.

tweepy hard-codes its host; its v2 `Client` sends every request through `client.session`, so a
`requests.Session` that rewrites the host is enough to point it at `X_API_URL` (a proxy, or the
tests' local stub). Rate limits are read from `x-rate-limit-remaining` / `x-rate-limit-reset` on
every response rather than hard-coded, because they differ by access tier; a 429 becomes
`RateLimited` with the reset time, and the poller waits until then. tweepy and requests errors
never leave this module: they become `PublishError` or `RateLimited`.

X has no idempotency key for posts. Before a post whose outcome is unknown (a timeout) is
reported as failed, the account's recent replies are searched for one to the same post.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
import tweepy

from bot.domain import Mention
from bot.networks import base
from bot.networks.base import KnownIds, RateLimited
from bot.networks.rules import RULES
from bot.review import PostResult, PublishError

log = logging.getLogger(__name__)

X_HOST = "https://api.twitter.com"
MENTIONS_CURSOR = "x:mentions:since_id"
SEARCH_CURSOR = "x:search:since_id"
REPLYABLE = "x"  # mentions and quotes of the account: the API may reply to these
SEARCH = "x_search"  # found by keyword search: open on X, the API may not reply


class HostRewritingSession(requests.Session):
    """A requests session that sends tweepy's calls to another host."""

    def __init__(self, base_url: str, timeout: float = 15.0) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.last_headers: dict[str, str] = {}

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        target = str(url)
        if target.startswith(X_HOST):
            target = self.base_url + target[len(X_HOST) :]
        kwargs.setdefault("timeout", self.timeout)
        response = super().request(method, target, *args, **kwargs)
        self.last_headers = dict(response.headers)
        return response


@dataclass
class Fetched:
    mentions: list[Mention] = field(default_factory=list)
    newest_id: str | None = None
    search_newest_id: str | None = None
    rate_limited_until: datetime | None = None
    remaining: int | None = None


class XClient:
    """The X API v2 for one brand account: fetch mentions, post replies, find earlier replies."""

    def __init__(
        self,
        bearer_token: str | None,
        api_key: str | None,
        api_secret: str | None,
        access_token: str | None,
        access_secret: str | None,
        handle: str,
        api_url: str = X_HOST,
        search_query: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.handle = handle
        self.search_query = search_query
        self.clock = clock
        self.session = HostRewritingSession(api_url)
        self._client = tweepy.Client(
            bearer_token=bearer_token,
            consumer_key=api_key,
            consumer_secret=api_secret,
            access_token=access_token,
            access_token_secret=access_secret,
            return_type=dict,  # raw JSON: data, includes, meta
            wait_on_rate_limit=False,
        )
        self._client.session = self.session
        self._user_auth = bool(api_key and api_secret and access_token and access_secret)
        self._me: str | None = None

    # -- reading -----------------------------------------------------------------------------

    label = "X"
    cursor_names = (MENTIONS_CURSOR, SEARCH_CURSOR)

    def poll(self, cursors: Mapping[str, str | None], known: KnownIds) -> base.Fetched:
        """The poller's port: since_id cursors in, mentions and the newest ids out."""
        fetched = self.fetch(cursors.get(MENTIONS_CURSOR), cursors.get(SEARCH_CURSOR))
        moved = {MENTIONS_CURSOR: fetched.newest_id, SEARCH_CURSOR: fetched.search_newest_id}
        return base.Fetched(
            fetched.mentions,
            {name: value for name, value in moved.items() if value},
            fetched.rate_limited_until,
            fetched.remaining,
        )

    def account_id(self) -> str:
        if self._me is None:
            if self._user_auth:
                response = self._call(self._client.get_me, user_auth=True)
            else:
                response = self._call(self._client.get_user, username=self.handle)
            self._me = str(response["data"]["id"])
        return self._me

    def fetch(self, since_id: str | None, search_since_id: str | None = None) -> Fetched:
        """Return mentions newer than `since_id` (all pages), and keyword matches if configured."""
        out = Fetched()
        try:
            me = self.account_id()
            out.mentions, out.newest_id = self._pages(
                lambda token: self._call(
                    self._client.get_users_mentions,
                    me,
                    since_id=since_id,
                    pagination_token=token,
                    max_results=100,
                    expansions=["author_id"],
                    user_fields=["username", "public_metrics"],
                    tweet_fields=["created_at", "author_id", "conversation_id"],
                    user_auth=self._user_auth,
                ),
                REPLYABLE,
                since_id,
            )
            if self.search_query:
                found, out.search_newest_id = self._pages(
                    lambda token: self._call(
                        self._client.search_recent_tweets,
                        f"{self.search_query} -from:{self.handle} -is:retweet",
                        since_id=search_since_id,
                        next_token=token,
                        max_results=100,
                        expansions=["author_id"],
                        user_fields=["username", "public_metrics"],
                        tweet_fields=["created_at", "author_id"],
                        user_auth=self._user_auth,
                    ),
                    SEARCH,
                    search_since_id,
                )
                known = {m.id for m in out.mentions}
                out.mentions += [m for m in found if m.id not in known]
        except RateLimited as exc:
            out.rate_limited_until = exc.reset_at
            log.warning("X: %s", exc)
        out.remaining = _int(self.session.last_headers.get("x-rate-limit-remaining"))
        return out

    def _pages(
        self, call: Callable[[str | None], Any], network: str, since_id: str | None
    ) -> tuple[list[Mention], str | None]:
        mentions: list[Mention] = []
        newest = since_id
        token = None
        for _ in range(20):  # X serves at most 800 mentions: 8 pages of 100; stop well after
            response = call(token)
            users = {u["id"]: u for u in (response.get("includes") or {}).get("users", [])}
            for tweet in response.get("data") or []:
                author = users.get(tweet.get("author_id"), {})
                username = author.get("username")
                mentions.append(
                    Mention(
                        id=str(tweet["id"]),
                        text=tweet["text"],
                        network=network,
                        author=username,
                        followers=(author.get("public_metrics") or {}).get("followers_count"),
                        created_at=_time(tweet.get("created_at")),
                        url=f"https://x.com/{username or 'i'}/status/{tweet['id']}",
                        thread_id=str(tweet.get("conversation_id") or tweet["id"]),
                    )
                )
            meta = response.get("meta") or {}
            if meta.get("newest_id") and (newest is None or int(meta["newest_id"]) > int(newest)):
                newest = meta["newest_id"]
            token = meta.get("next_token")
            if not token:
                break
        return mentions, newest

    # -- posting -----------------------------------------------------------------------------

    def publish(self, mention: Mention, text: str, key: str, approver: str) -> PostResult:
        rule = RULES.for_network(mention.network)
        if not rule.can_post:
            raise PublishError(f"{rule.why_not}; open this one on X and reply there", False)
        earlier = self.find(key)
        if earlier is not None:
            return earlier
        try:
            response = self._call(
                self._client.create_tweet,
                text=text,
                in_reply_to_tweet_id=mention.id,
                user_auth=True,
            )
        except RateLimited as exc:
            raise PublishError(f"X {exc}; try again after that") from exc
        except requests.Timeout as exc:
            # The post may or may not exist: look before anyone clicks retry.
            found = self.find(key)
            if found is not None:
                return found
            raise PublishError("X did not answer in time and the reply is not on X; retry") from exc
        return self._posted(str(response["data"]["id"]))

    def find(self, key: str) -> PostResult | None:
        """Return the account's recent reply to the post named by `key` ("x:<id>"), if any."""
        network, _, target = key.partition(":")
        if network != REPLYABLE or not self._user_auth:
            return None
        try:
            response = self._call(
                self._client.get_users_tweets,
                self.account_id(),
                max_results=50,
                tweet_fields=["referenced_tweets", "in_reply_to_user_id"],
                user_auth=True,
            )
        except (RateLimited, PublishError, requests.RequestException):
            return None
        for tweet in response.get("data") or []:
            for ref in tweet.get("referenced_tweets") or []:
                if ref.get("type") == "replied_to" and str(ref.get("id")) == target:
                    return self._posted(str(tweet["id"]))
        return None

    def _posted(self, tweet_id: str) -> PostResult:
        return PostResult(id=tweet_id, url=f"https://x.com/{self.handle}/status/{tweet_id}")

    # -- errors ------------------------------------------------------------------------------

    def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except tweepy.TooManyRequests as exc:
            reset = _int(exc.response.headers.get("x-rate-limit-reset"))
            reset_at = datetime.fromtimestamp(reset, UTC) if reset else self.clock()
            raise RateLimited(reset_at) from exc
        except tweepy.Forbidden as exc:
            detail = "; ".join(exc.api_messages) or "forbidden"
            if "duplicate" in detail.lower():
                raise PublishError(
                    "X refused a duplicate post (the same text was already posted); edit the reply",
                    retryable=False,
                ) from exc
            raise PublishError(f"X refused the request (403): {detail}", retryable=False) from exc
        except tweepy.Unauthorized as exc:
            raise PublishError("X rejected the credentials (401): check the X_* settings") from exc
        except tweepy.TwitterServerError as exc:
            raise PublishError(f"X had a server error ({exc.response.status_code}); retry") from exc
        except tweepy.HTTPException as exc:
            raise PublishError(f"X answered {exc.response.status_code}: {exc}") from exc


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
