"""Reddit through praw: a mention source and a reply publisher behind the project's ports.

Mentions are the inbox's username mentions (`message/mentions`), replies to the brand's comments
(`message/comments`) and, when subreddits are watched, their newest posts matching the search
query. Inbox listings are newest first and strictly ordered, so each is walked from the top
until an item already stored or older than its cursor (the newest `created_utc` seen); mentions
are returned oldest first, so a crash half-way through storing leaves the older ones stored and
the next walk stops only after the newer ones. Search results appear in Reddit's index late,
so the search walk goes an hour past its cursor and skips, rather than stops at, stored posts.
The first run, with no cursor, reads one page (100) of each: nothing older is back-filled.

praw is pointed at `oauth_url` / `reddit_url` (prawcore asks `reddit_url` + /api/v1/access_token
for the script app's password grant) and gets a requests session of ours, which owns three
things prawcore would otherwise do on its own:
- rate limits: the session reads `X-Ratelimit-Remaining` / `X-Ratelimit-Reset` (seconds from
  now) and hides them from prawcore, whose limiter would sleep inside a call (up to the whole
  reset window) and block the poller thread or a Slack approval. Instead a poll reports the
  reset to the poller, and no request is sent before it;
- the timeout (prawcore passes its own 16 s constant on every call);
- exactly once: prawcore retries a request that timed out or got a 5xx. For a POST that could
  post a second comment, so the session turns those into "no answer", which is never retried;
  `publish` then looks for the comment among the brand's own recent comments.

Reddit has no idempotency key, so `publish` also looks before posting: a comment of the brand
under the same parent means the reply is already there. The reply is sent as Markdown with
every Markdown-special character escaped (`escape_markdown`), so quoted text cannot format it.
praw and prawcore errors never leave this module: they become `RateLimited` or `PublishError`.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import praw
import prawcore
import requests
from praw.exceptions import PRAWException, RedditAPIException
from praw.models import Comment, Submission

from bot.domain import Mention
from bot.networks import base
from bot.networks.base import KnownIds, RateLimited
from bot.networks.markdown import escape_markdown
from bot.networks.rules import RULES
from bot.review import PostResult, PublishError

log = logging.getLogger(__name__)

NETWORK = "reddit"
MENTIONS_CURSOR = "reddit:mentions:created_utc"
REPLIES_CURSOR = "reddit:comment_replies:created_utc"
SEARCH_CURSOR = "reddit:search:created_utc"
PUBLIC_URL = "https://www.reddit.com"  # links for people, whatever host the API is reached on
FIRST_RUN = 100  # one page: the first poll does not back-fill older mentions
MAX_ITEMS = 1000  # Reddit serves at most 1,000 items of any listing
SEARCH_GRACE = timedelta(hours=1)  # posts reach the search index late
RECENT_COMMENTS = 100  # how far back `find` looks among the brand's own comments
WINDOW = timedelta(minutes=10)  # Reddit's rate-limit window, when a 429 names no reset
_REMAINING, _RESET = "X-Ratelimit-Remaining", "X-Ratelimit-Reset"
_TOKEN_PATH = "/api/v1/access_token"
# prawcore retries these statuses; for a POST the comment may exist already (a 504 after it).
_RETRIED_STATUSES = frozenset(prawcore.Session.RETRY_STATUSES)
_NO_ANSWER = (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError)
_WAIT = re.compile(r"(\d+)\s*(millisecond|second|minute|hour)s?", re.IGNORECASE)


class _NoAnswer(Exception):
    """A POST may or may not have reached Reddit (a timeout, a dropped connection, a 5xx).

    Not a requests exception, so prawcore does not retry it."""


class _Unanswered(PublishError):
    """A request had no answer (timeout, connection lost, 5xx): its outcome is unknown."""


class _Waiting(Exception):
    """Reddit's rate limit is used up; nothing is sent before `until`."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"rate-limited until {until:%H:%M:%S} UTC")
        self.until = until


class _Transport(requests.Session):
    """The session under prawcore: our timeout, our rate limits, POSTs never repeated."""

    def __init__(self, timeout: float, clock: Callable[[], datetime]) -> None:
        super().__init__()
        self.timeout = timeout
        self.clock = clock
        self.remaining: int | None = None
        self.limited_until: datetime | None = None
        self._lock = threading.Lock()

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        until = self.limited_until
        if until is not None and self.clock() < until:
            raise _Waiting(until)
        kwargs["timeout"] = self.timeout
        writing = method.upper() == "POST" and not urlsplit(url).path.endswith(_TOKEN_PATH)
        try:
            response = super().request(method, url, *args, **kwargs)
        except _NO_ANSWER as exc:
            if writing:
                raise _NoAnswer(f"no answer: {exc.__class__.__name__}") from exc
            raise
        self._note(response)
        if writing and response.status_code in _RETRIED_STATUSES:
            raise _NoAnswer(f"Reddit answered {response.status_code}")
        return response

    def _note(self, response: requests.Response) -> None:
        headers = response.headers
        left, reset_at = base.reset_time(headers, _REMAINING, _RESET, now=self.clock())
        for name in [k for k in headers if k.lower().startswith("x-ratelimit-")]:
            del headers[name]  # prawcore must not sleep on them: the poller waits instead
        with self._lock:
            if left is not None:
                self.remaining = left
            if response.status_code == 429:
                self.limited_until = reset_at or self.clock() + WINDOW
            elif left is not None and left <= 0 and reset_at is not None:
                self.limited_until = reset_at


class RedditClient:
    """Reddit for one brand account (a "script" app): read mentions, reply, find replies."""

    label = "Reddit"
    cursor_names = (MENTIONS_CURSOR, REPLIES_CURSOR, SEARCH_CURSOR)

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        username: str,
        password: str,
        user_agent: str | None = None,
        subreddits: Sequence[str] = (),
        search_query: str | None = None,
        oauth_url: str = "https://oauth.reddit.com",
        reddit_url: str = "https://www.reddit.com",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        timeout: float = 15.0,
    ) -> None:
        self.username = username.strip().removeprefix("u/").removeprefix("/u/")
        self.subreddits = [s.strip().removeprefix("r/") for s in subreddits if s.strip()]
        self.search_query = (search_query or "").strip() or self.username
        self.clock = clock
        self._transport = _Transport(timeout, clock)
        self._reddit = praw.Reddit(
            client_id=client_id,
            client_secret=client_secret,
            username=self.username,
            password=password,
            user_agent=user_agent or default_user_agent(self.username),
            oauth_url=oauth_url.rstrip("/"),
            reddit_url=reddit_url.rstrip("/"),
            check_for_updates=False,  # no request to PyPI from a bot
            requestor_kwargs={"session": self._transport},
        )
        self._posting = threading.Lock()  # find-then-post never interleaves in this process
        self._post_limited_until: datetime | None = None

    # -- reading -----------------------------------------------------------------------------

    def poll(self, cursors: Mapping[str, str | None], known: KnownIds) -> base.Fetched:
        """Return new mentions, comment replies and search matches, oldest first."""
        out = base.Fetched()
        karma: dict[str, int | None] = {}
        sources: list[tuple[str, Callable[[int], Iterator[Any]], str]] = [
            (MENTIONS_CURSOR, lambda n: self._reddit.inbox.mentions(limit=n), "mention"),
            (
                REPLIES_CURSOR,
                lambda n: self._reddit.inbox.comment_replies(limit=n),
                "comment_reply",
            ),
        ]
        if self.subreddits:
            sources.append((SEARCH_CURSOR, self._search, "search"))
        seen: set[str] = set()
        for name, listing, via in sources:
            cursor = _float(cursors.get(name))
            try:
                with _translated(self):
                    things, newest = self._walk(listing, cursor, known, via)
                    found = [self._mention(t, via, karma) for t in things if t.name not in seen]
            except RateLimited as exc:
                # What this listing gave is dropped: its cursor stays, the next poll walks again.
                out.rate_limited_until = exc.reset_at
                log.warning("Reddit: %s", exc)
                break
            except PublishError as exc:
                if via != "search":
                    raise
                log.warning("Reddit: searching r/%s failed: %s", "+".join(self.subreddits), exc)
                continue
            seen.update(m.id for m in found)
            out.mentions += found
            if newest is not None and (cursor is None or newest > cursor):
                out.cursors[name] = repr(newest)
        out.mentions.sort(key=lambda m: m.created_at or datetime.min.replace(tzinfo=UTC))
        out.remaining = self._transport.remaining
        until = self._transport.limited_until
        if out.rate_limited_until is None and until is not None and until > self.clock():
            out.rate_limited_until = until  # the window is used up: come back at its reset
        return out

    def _search(self, limit: int) -> Iterator[Any]:
        subreddit = self._reddit.subreddit("+".join(self.subreddits))
        return subreddit.search(self.search_query, sort="new", time_filter="all", limit=limit)

    def _walk(
        self,
        listing: Callable[[int], Iterator[Any]],
        cursor: float | None,
        known: KnownIds,
        via: str,
    ) -> tuple[list[Any], float | None]:
        """Read a newest-first listing down to the cursor; return new things, newest time."""
        searching = via == "search"
        stop_before = cursor - SEARCH_GRACE.total_seconds() if cursor and searching else cursor
        things: list[Any] = []
        newest = cursor
        for thing in listing(FIRST_RUN if cursor is None else MAX_ITEMS):
            created = float(getattr(thing, "created_utc", 0) or 0)
            if stop_before is not None and created < stop_before:
                break
            newest = created if newest is None else max(newest, created)
            if known(NETWORK, [thing.name]):
                if searching:
                    continue
                break  # stored already, and so is everything older
            expected = Submission if searching else Comment
            if isinstance(thing, expected) and not self._is_brand(_author(thing)):
                things.append(thing)
        return things, newest

    def _mention(self, thing: Any, via: str, karma: dict[str, int | None]) -> Mention:
        author = _author(thing)
        if author and author not in karma:
            karma[author] = self._karma(author)
        created = getattr(thing, "created_utc", None)
        if isinstance(thing, Submission):
            kind, url = "t3", _public(getattr(thing, "permalink", ""))
            text = "\n\n".join(p for p in (thing.title, getattr(thing, "selftext", "")) if p)
        else:
            # Inbox comments carry `context` (the comment's path plus "?context=3"), no permalink.
            kind, text = "t1", thing.body
            url = _public(getattr(thing, "context", None) or getattr(thing, "permalink", ""))
        ref = {"kind": kind, "via": via}
        subreddit = getattr(thing, "subreddit", None)
        if subreddit is not None:
            ref["subreddit"] = str(subreddit)
        return Mention(
            id=thing.name,
            text=text,
            network=NETWORK,
            author=author,
            followers=karma.get(author) if author else None,
            created_at=datetime.fromtimestamp(float(created), UTC) if created else None,
            url=url,
            # a conversation is the post: a comment's link_id, a post's own fullname (praw
            # would fetch a missing attribute from the API, so read link_id on comments only)
            thread_id=thing.name if kind == "t3" else (thing.__dict__.get("link_id") or None),
            reply_ref=ref,
        )

    def _karma(self, name: str) -> int | None:
        """Return the author's link + comment karma (Reddit's reach; it counts no followers)."""
        try:
            user = self._reddit.redditor(name)
            link = getattr(user, "link_karma", None)  # the first attribute fetches /about
            comment = getattr(user, "comment_karma", None)
        except (prawcore.NotFound, prawcore.Forbidden):  # suspended or shadow-banned
            return None
        if link is None and comment is None:
            return None
        return int(link or 0) + int(comment or 0)

    def _is_brand(self, author: str | None) -> bool:
        return author is not None and author.lower() == self.username.lower()

    # -- posting -----------------------------------------------------------------------------

    def publish(self, mention: Mention, text: str, key: str, approver: str) -> PostResult:
        """Reply under the mention (its comment or post) once per `key`, Markdown escaped."""
        if mention.network != NETWORK:
            raise PublishError(f"not a Reddit mention: {mention.network}", retryable=False)
        kind, _, thing_id = mention.id.partition("_")
        if kind not in ("t1", "t3") or not thing_id:
            raise PublishError(f"not a Reddit comment or post: {mention.id}", retryable=False)
        body = self._body(text)
        until = self._post_limited_until
        if until is not None and until > self.clock():
            raise PublishError(
                f"Reddit rate-limited posting until {until:%H:%M:%S} UTC; retry then"
            )
        with self._posting:
            earlier = self._lookup(key)
            if earlier is not None:
                return earlier
            parent = (
                self._reddit.comment(thing_id)
                if kind == "t1"
                else self._reddit.submission(thing_id)
            )
            try:
                with _translated(self):
                    try:
                        created = parent.reply(body)
                    except RedditAPIException as exc:
                        raise self._refused(exc) from exc
            except RateLimited as exc:
                raise PublishError(f"Reddit {exc}; try again after that") from exc
            except _Unanswered as exc:
                # The comment may or may not exist: look before anyone clicks retry.
                found = self._lookup(key)
                if found is not None:
                    return found
                raise PublishError(f"{exc}, and the reply is not on Reddit; retry") from exc
            if created is None:  # a quarantined subreddit: created, but Reddit does not say
                found = self._lookup(key)
                if found is not None:
                    return found
                raise PublishError("Reddit did not return the comment and it is not found; retry")
            return _posted(created)

    def find(self, key: str) -> PostResult | None:
        """Return the brand's recent comment under the thing `key` names ("reddit:<fullname>")."""
        try:
            return self._lookup(key)
        except PublishError as exc:
            log.warning("Reddit: could not look for the reply to %s: %s", key, exc)
            return None

    def account(self) -> str:
        """Return the account's name as Reddit spells it (and so check the credentials)."""
        with _translated(self):
            me = self._reddit.user.me()
        return str(me) if me is not None else self.username

    def _lookup(self, key: str) -> PostResult | None:
        network, _, parent = key.partition(":")
        if network != NETWORK or not parent.startswith(("t1_", "t3_")):
            return None
        try:
            with _translated(self):
                recent = self._reddit.redditor(self.username).comments.new(limit=RECENT_COMMENTS)
                for comment in recent:
                    if getattr(comment, "parent_id", None) == parent:
                        return _posted(comment)
        except RateLimited as exc:
            raise PublishError(
                f"Reddit {exc}, so it is unknown whether the reply is there; retry after that"
            ) from exc
        except _Unanswered as exc:
            raise PublishError(f"{exc} while looking for an earlier reply; retry") from exc
        return None

    def _body(self, text: str) -> str:
        problem = RULES.for_network(NETWORK).check(text)  # counts the escaped text
        if problem:
            raise PublishError(problem, retryable=False)
        return escape_markdown(text.strip())

    def _refused(self, exc: RedditAPIException) -> PublishError:
        detail = "; ".join(
            f"{item.error_type}: {item.message}" if item.message else item.error_type
            for item in exc.items
        )
        for item in exc.items:
            if item.error_type == "RATELIMIT":
                wait = _wait(item.message or "")
                until = self.clock() + (wait or WINDOW)
                self._post_limited_until = until
                return PublishError(
                    f"Reddit rate-limited posting ({detail}); try again after {until:%H:%M:%S} UTC"
                )
        return PublishError(f"Reddit refused the reply: {detail}", retryable=False)


@contextmanager
def _translated(client: RedditClient) -> Iterator[None]:
    """Turn praw and prawcore errors into `RateLimited`, `_Unanswered` or `PublishError`."""
    try:
        yield
    except prawcore.TooManyRequests as exc:
        reset = client._transport.limited_until or client.clock() + WINDOW
        raise RateLimited(reset) from exc
    except prawcore.RequestException as exc:
        original = exc.original_exception
        if isinstance(original, _Waiting):
            raise RateLimited(original.until) from exc
        if isinstance(original, _NoAnswer):
            raise _Unanswered(f"Reddit did not answer ({original})") from exc
        raise _Unanswered(f"Reddit could not be reached ({original.__class__.__name__})") from exc
    except (prawcore.OAuthException, prawcore.InvalidToken) as exc:
        raise _credentials(exc) from exc
    except prawcore.ServerError as exc:
        raise PublishError(
            f"Reddit had a server error ({exc.response.status_code}); retry"
        ) from exc
    except prawcore.Forbidden as exc:
        raise PublishError(
            f"Reddit refused the request (403): {_reason(exc.response)}", retryable=False
        ) from exc
    except prawcore.NotFound as exc:
        raise PublishError("Reddit: the comment or post is gone (404)", retryable=False) from exc
    except prawcore.ResponseException as exc:
        if exc.response.status_code == 401:  # the token endpoint refused the app's id/secret
            raise _credentials(exc) from exc
        raise PublishError(f"Reddit answered {exc.response.status_code}") from exc
    except RedditAPIException as exc:
        raise PublishError(f"Reddit refused the request: {exc}", retryable=False) from exc
    except (prawcore.PrawcoreException, PRAWException) as exc:
        raise PublishError(f"praw failed: {exc.__class__.__name__}: {exc}") from exc


def _credentials(exc: Exception) -> PublishError:
    # Never the secret or the password: only what Reddit said about them.
    said = getattr(exc, "error", None) or getattr(getattr(exc, "response", None), "status_code", "")
    return PublishError(
        f"Reddit rejected the app's credentials ({said}): check the REDDIT_CLIENT_ID, "
        "REDDIT_CLIENT_SECRET, REDDIT_USERNAME and REDDIT_PASSWORD settings",
        retryable=False,
    )


def default_user_agent(username: str) -> str:
    """Return a user agent as Reddit's API rules ask: platform:app:version (by /u/name)."""
    return f"python:social-care-bot:v0.1 (by /u/{username})"


def _posted(comment: Any) -> PostResult:
    return PostResult(id=comment.name, url=_public(getattr(comment, "permalink", "")))


def _public(path: str | None) -> str | None:
    """Return the public https URL of a Reddit path (a permalink, or an inbox `context`)."""
    if not path:
        return None
    parts = urlsplit(path)
    return PUBLIC_URL + (parts.path if parts.path.startswith("/") else "/" + parts.path)


def _author(thing: Any) -> str | None:
    author = getattr(thing, "author", None)
    return str(author) if author is not None else None


def _reason(response: requests.Response) -> str:
    try:
        payload = response.json()
    except ValueError:
        return response.text[:200] or "forbidden"
    if isinstance(payload, dict):
        return str(payload.get("reason") or payload.get("message") or "forbidden")
    return "forbidden"


def _wait(message: str) -> timedelta | None:
    """Read "try again in 9 minutes" (Reddit's RATELIMIT text) as a duration."""
    match = _WAIT.search(message)
    if match is None:
        return None
    amount, unit = int(match.group(1)), match.group(2).lower()
    seconds = {"millisecond": 0.001, "second": 1, "minute": 60, "hour": 3600}[unit]
    return timedelta(seconds=amount * seconds)


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
