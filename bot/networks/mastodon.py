"""Mastodon through Mastodon.py: a mention source and a reply publisher behind the project's ports.

Mentions are the account's `mention` notifications. They are read forward from the stored
cursor with `min_id` (each page is the one just newer than the last), because Mastodon.py's
`fetch_next` pages backwards and drops `since_id`; so every page read can be stored and the
cursor moved past it, and a rate limit half-way keeps what was read. On the very first run,
with no cursor, only the newest page (40 mentions) is taken and the cursor set to it: older
mentions are not back-filled. Status HTML becomes plain text here, once (`plain_text`).

A reply goes to the mention's thread with the mention's own visibility (never wider), starts
with the author's @acct, keeps the mention's content warning, and must fit the instance's own
limit (`max_characters`), counted as Mastodon counts (bot.networks.rules). It is sent with an
`Idempotency-Key` derived from the mention, so a retry after a timeout returns the first status
instead of making a second one. Rate limits come from `X-RateLimit-*` headers (Mastodon.py in
"throw" mode, so it never sleeps); Mastodon.py errors become `RateLimited` or `PublishError`.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlparse

import requests
from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonRatelimitError,
    MastodonUnauthorizedError,
)

from bot.domain import Mention
from bot.networks import base
from bot.networks.base import KnownIds, RateLimited
from bot.networks.rules import ReplyRules
from bot.review import PostResult, PublishError

log = logging.getLogger(__name__)

NETWORK = "mastodon"
CURSOR = "mastodon:notifications:min_id"
DEFAULT_MAX_CHARACTERS = 500  # Mastodon's own default, when the instance does not say
PAGE = 40  # Mastodon's default page of notifications (the maximum is 80; a server may cap it)
MAX_PAGES = 25  # per poll; the cursor keeps the place, so the next poll goes on from there
WINDOW = timedelta(minutes=5)  # Mastodon's rate-limit window, when a 429 names no reset
VISIBILITIES = ("public", "unlisted", "private", "direct")  # widest to narrowest
_REMAINING, _RESET = "X-RateLimit-Remaining", "X-RateLimit-Reset"


class _HeaderSession(requests.Session):
    """A requests session that remembers each thread's last response headers (rate limits)."""

    def __init__(self) -> None:
        super().__init__()
        self._local = threading.local()

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        response = super().request(method, url, *args, **kwargs)
        self._local.headers = response.headers
        return response

    @property
    def last_headers(self) -> Mapping[str, str]:
        return getattr(self._local, "headers", None) or {}


class _NoAnswer(PublishError):
    """The request may or may not have reached the server (a timeout, a dropped connection)."""


class MastodonClient:
    """The Mastodon API for one brand account: read mentions, post replies, find earlier ones."""

    label = "Mastodon"
    cursor_names = (CURSOR,)

    def __init__(
        self,
        api_base_url: str,
        access_token: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        timeout: float = 15.0,
    ) -> None:
        self.clock = clock
        self._session = _HeaderSession()
        self._api = Mastodon(
            access_token=access_token,
            api_base_url=api_base_url,
            ratelimit_method="throw",  # never sleep inside a request: the poller waits
            request_timeout=timeout,
            version_check_mode="none",  # no request at construction, no version guessing
            session=self._session,
        )
        self._me: str | None = None
        self._max_characters: int | None = None

    # -- reading -----------------------------------------------------------------------------

    def poll(self, cursors: Mapping[str, str | None], known: KnownIds) -> base.Fetched:
        """Return the mentions newer than the cursor, all pages, oldest page first."""
        out = base.Fetched()
        cursor = cursors.get(CURSOR)
        try:
            if cursor is None:  # first run: the newest page only, and remember where it ends
                page = self._notifications(None)
                out.mentions = self._mentions(page)
                if page:
                    out.cursors[CURSOR] = _newest(n["id"] for n in page)
            else:
                for _ in range(MAX_PAGES):
                    page = self._notifications(cursor)
                    if not page:
                        break
                    out.mentions += self._mentions(page)
                    cursor = _newest(n["id"] for n in page)
                    out.cursors[CURSOR] = cursor  # pages go forward: what was read may be kept
        except RateLimited as exc:
            out.rate_limited_until = exc.reset_at
            log.warning("Mastodon: %s", exc)
        out.remaining, _ = self._limits()
        stored = known(NETWORK, [m.id for m in out.mentions])
        out.mentions = [m for m in out.mentions if m.id not in stored]
        return out

    def _notifications(self, min_id: str | None) -> list[Any]:
        page = self._call(self._api.notifications, types=["mention"], min_id=min_id, limit=PAGE)
        return list(page or [])

    def _mentions(self, page: Iterable[Any]) -> list[Mention]:
        found = []
        for item in page:
            post = item.get("status")
            if item.get("type") != "mention" or not post:  # an older server ignores types[]
                continue
            author = post.get("account") or item.get("account") or {}
            body = plain_text(post.get("content") or "", post.get("mentions") or [])
            spoiler = (post.get("spoiler_text") or "").strip()
            ref = {"visibility": str(post["visibility"])} if post.get("visibility") else {}
            if spoiler:
                ref["spoiler_text"] = spoiler
            if post.get("in_reply_to_id"):  # a reply chain: the cases resolve it to its thread
                ref["in_reply_to_id"] = str(post["in_reply_to_id"])
            thread = None if post.get("in_reply_to_id") else str(post["id"])  # starts its own
            found.append(
                Mention(
                    id=str(post["id"]),
                    text=f"CW: {spoiler}\n\n{body}" if spoiler else body,
                    network=NETWORK,
                    author=author.get("acct"),
                    followers=author.get("followers_count"),
                    created_at=_time(post.get("created_at")),
                    url=post.get("url") or post.get("uri"),
                    thread_id=thread,
                    reply_ref=ref,
                )
            )
        return found

    def max_characters(self) -> int:
        """Return the instance's status limit (500 when it does not say or cannot be asked)."""
        if self._max_characters is None:
            try:
                instance = self._call(self._api.instance_v2)
            except (RateLimited, PublishError) as exc:
                log.warning("Mastodon: instance limits unavailable (%s); using 500", exc)
                return DEFAULT_MAX_CHARACTERS  # not cached: asked again next time
            statuses = (instance.get("configuration") or {}).get("statuses") or {}
            value = statuses.get("max_characters")
            found = value if isinstance(value, int) and value > 0 else DEFAULT_MAX_CHARACTERS
            self._max_characters = found
            return found
        return self._max_characters

    # -- posting -----------------------------------------------------------------------------

    def publish(self, mention: Mention, text: str, key: str, approver: str) -> PostResult:
        """Reply to `mention` in its thread and visibility, once per `key`."""
        if mention.network != NETWORK:
            raise PublishError(f"not a Mastodon mention: {mention.network}", retryable=False)
        try:
            return self._reply(mention, addressed(text, mention.author), key)
        except RateLimited as exc:
            raise PublishError(f"Mastodon {exc}; try again after that") from exc

    def _reply(self, mention: Mention, text: str, key: str) -> PostResult:
        spoiler = mention.reply_ref.get("spoiler_text") or None
        self._check_length(text, spoiler)
        visibility = self._visibility(mention)
        earlier = self.find(key)  # the idempotency key lives an hour on the server; look first
        if earlier is not None:
            return earlier
        unanswered: _NoAnswer | None = None
        for _ in range(2):  # a retry with the same key gets the first status back, not a second
            try:
                posted = self._call(
                    self._api.status_post,
                    text,
                    in_reply_to_id=mention.id,
                    visibility=visibility,
                    spoiler_text=spoiler,
                    idempotency_key=idempotency_key(key),
                )
            except _NoAnswer as exc:
                unanswered = exc
                continue
            return _posted(posted)
        found = self.find(key)
        if found is not None:
            return found
        raise PublishError(
            "Mastodon did not answer in time and the reply is not on the account; retry"
        ) from unanswered

    def find(self, key: str) -> PostResult | None:
        """Return the account's recent reply to the status named by `key` ("mastodon:<id>")."""
        network, _, target = key.partition(":")
        if network != NETWORK or not target:
            return None
        try:
            statuses = self._call(
                self._api.account_statuses, self._account_id(), limit=40, exclude_reblogs=True
            )
        except (RateLimited, PublishError):
            return None
        for post in statuses or []:
            if str(post.get("in_reply_to_id")) == target:
                return _posted(post)
        return None

    def _check_length(self, text: str, spoiler: str | None) -> None:
        limit = self.max_characters()
        rules = ReplyRules(limits={NETWORK: limit}).for_network(NETWORK)
        problem = rules.check(text)
        if problem is None and spoiler:
            used = rules.length(text) + len(spoiler)  # Mastodon counts the warning too
            if used > limit:
                problem = (
                    f"The reply and its content warning are {used:,} characters by Mastodon's "
                    f"count; the limit there is {limit:,}."
                )
        if problem:
            raise PublishError(f"{problem} (this instance's limit)", retryable=False)

    def _visibility(self, mention: Mention) -> str:
        seen = mention.reply_ref.get("visibility")
        if not seen:  # stored before reply_ref: ask the status itself
            seen = str(self._call(self._api.status, mention.id).get("visibility") or "")
        # An unknown kind (a fork's "local", "limited") gets the narrowest: never wider.
        return seen if seen in VISIBILITIES else "direct"

    def _account_id(self) -> str:
        if self._me is None:
            self._me = str(self._call(self._api.me)["id"])
        return self._me

    # -- errors and limits -------------------------------------------------------------------

    def _limits(self) -> tuple[int | None, datetime | None]:
        return base.reset_time(self._session.last_headers, _REMAINING, _RESET, now=self.clock())

    def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except MastodonRatelimitError as exc:
            _, reset_at = self._limits()
            raise RateLimited(reset_at or self.clock() + WINDOW) from exc
        except MastodonNetworkError as exc:
            raise _NoAnswer(f"Mastodon could not be reached or did not answer: {exc}") from exc
        except MastodonUnauthorizedError as exc:
            raise PublishError(
                "Mastodon rejected the access token (401): check MASTODON_ACCESS_TOKEN",
                retryable=False,
            ) from exc
        except MastodonAPIError as exc:
            code, error = _api_error(exc)
            if code == 422:
                raise PublishError(f"Mastodon refused the reply: {error}", retryable=False) from exc
            if code in (403, 404):
                what = "the post is gone or not visible" if code == 404 else "not allowed"
                raise PublishError(f"Mastodon: {error or what} ({code})", retryable=False) from exc
            if code >= 500:
                raise PublishError(f"Mastodon had a server error ({code}); retry") from exc
            raise PublishError(f"Mastodon answered {code}: {error or exc}") from exc
        except MastodonError as exc:
            raise PublishError(f"Mastodon.py failed: {exc}") from exc


def idempotency_key(key: str) -> str:
    """Return the `Idempotency-Key` header for a post key: the same mention, the same key."""
    return f"brand-social-care:{key}"


def addressed(text: str, acct: str | None) -> str:
    """Start `text` with "@acct": kept if there, a bare "@user" completed, else added."""
    text = text.strip()
    if not acct or not text:  # an empty reply stays empty, for the length check to refuse
        return text
    handle = f"@{acct}"
    username = handle.split("@")[1]
    for written in (handle, f"@{username}"):
        if re.match(re.escape(written) + r"(?![\w@.-]*[\w@])", text, re.IGNORECASE):
            return handle + text[len(written) :]
    return f"{handle} {text}"


# -- HTML ----------------------------------------------------------------------------------

_BLOCKS = {"p", "div", "blockquote", "pre", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"}
_SKIPPED = {"script", "style"}


class _PlainText(HTMLParser):
    """Status HTML to text: paragraphs as blank lines, <br> as a line break, a link as its URL,
    a mention as @user@instance, a hashtag as #tag; entities decoded, no tag survives."""

    def __init__(self, accounts: Mapping[str, str]) -> None:
        super().__init__(convert_charrefs=True)
        self.accounts = accounts  # profile URL → acct, from the status's `mentions`
        self.out: list[str] = []
        self.link: tuple[str, set[str], list[str]] | None = None  # href, classes, its text
        self.skipping = 0
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag == "br":
            self._write("\n")
        elif tag in _BLOCKS or tag == "li":
            self._write("\n- " if tag == "li" else "\n\n")
            if tag == "pre":
                self.pre += 1
        elif tag == "a" and self.link is None:
            classes = set((attributes.get("class") or "").split())
            self.link = (attributes.get("href") or "", classes, [])

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self._write("\n\n")
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
        elif tag == "a" and self.link is not None:
            href, classes, parts = self.link
            self.link = None
            self._write(self._link(href, classes, "".join(parts).strip()))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":  # <br />; any other self-closed tag holds no text
            self._write("\n")

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if not self.pre:
            data = re.sub(r"\s+", " ", data)
        if self.link is not None:
            self.link[2].append(data)
        else:
            self._write(data)

    def _write(self, piece: str) -> None:
        self.out.append(piece)

    def _link(self, href: str, classes: set[str], shown: str) -> str:
        if "hashtag" in classes or shown.startswith("#"):
            return shown
        if "mention" in classes or (shown.startswith("@") and href):
            return _mention_text(href, shown, self.accounts)
        if not href:
            return shown
        bare = shown.rstrip("…").strip()
        if not bare or bare in href:  # Mastodon shows a URL shortened: the href is all of it
            return href
        return f"{shown} ({href})"

    def text(self) -> str:
        joined = "".join(self.out)
        joined = re.sub(r"[ \t]*\n[ \t]*", "\n", joined)
        return re.sub(r"\n{3,}", "\n\n", joined).strip()


def plain_text(html: str, mentions: Iterable[Mapping[str, Any]] = ()) -> str:
    """Return a status's HTML `content` as plain text (see `_PlainText`)."""
    accounts = {str(m.get("url")): str(m.get("acct")) for m in mentions if m.get("url")}
    parser = _PlainText(accounts)
    parser.feed(html)
    parser.close()
    return parser.text()


def _mention_text(href: str, shown: str, accounts: Mapping[str, str]) -> str:
    host = urlparse(href).hostname or ""
    acct = accounts.get(href)
    if acct is None:  # not in the status's mentions: read the profile URL ("/@user", "/users/x")
        path = urlparse(href).path.strip("/")
        name = path[1:] if path.startswith("@") else path.rsplit("/", 1)[-1]
        acct = name or shown.lstrip("@")
    if "@" not in acct and host:
        acct = f"{acct}@{host}"  # a local account of that instance
    return f"@{acct}"


# -- small helpers -------------------------------------------------------------------------


def _newest(ids: Iterable[Any]) -> str:
    """Return the newest id: Mastodon ids are numeric strings that grow with time."""
    return max((str(i) for i in ids), key=lambda i: (len(i), i))


def _api_error(exc: MastodonAPIError) -> tuple[int, str | None]:
    # Mastodon.py raises MastodonAPIError(message, status code, reason, the server's "error")
    args = exc.args
    code = args[1] if len(args) > 1 and isinstance(args[1], int) else 0
    error = args[3] if len(args) > 3 and args[3] else None
    return code, str(error) if error is not None else None


def _posted(post: Any) -> PostResult:
    return PostResult(id=str(post["id"]), url=post.get("url") or post.get("uri"))


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return None
