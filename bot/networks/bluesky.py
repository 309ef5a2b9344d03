"""Bluesky through the atproto SDK: a mention source and a reply publisher behind the ports.

Session: `createSession` is limited to 30 logins per 5 minutes per account, so the session
(access and refresh tokens, as atproto's session string) is kept in the store through a
`KeyValue` and saved again whenever atproto refreshes it (`on_session_change`). A restart imports
it and checks it with `getSession` (atproto refreshes an access token that is about to expire
first); only a missing or refused session falls back to a password login with the app password.

Mentions: `listNotifications` (reasons mention, reply and quote) pages only back in time, so a
poll walks from the newest page and stops at the first notification already stored (`known`) or
older than the newest one seen last time (the cursor, an `indexedAt`), at most `max_pages` pages.
A poll cut short by a 429 stores nothing and keeps the old cursor, so the next walk re-reads the
same notifications instead of skipping the older half of them.

Replies are written with `createRecord` under a record key derived from the mention, so a retry
can never make a second post: the PDS refuses a second record with the same key (with a bare
error, not "already exists"), and after any error or a timeout `getRecord` on that key decides
whether the reply exists. The key must be a TID (53 bits of microseconds, 10 bits of clock id,
13 characters of base-32-sortable). `find(key)` knows only the mention's uri, so the TID depends
on nothing else: its clock id is 10 bits of a SHA-256 of the uri and its time is the mention's
own TID time plus one microsecond (a post's record key is itself a TID, so the reply sorts just
after the mention; no lookup table is needed). A uri whose key is not a TID gets a time hashed
from the uri into 2023, still plausible and deterministic.

Rate limits come from the `RateLimit-Remaining` / `RateLimit-Reset` (epoch seconds) headers of
every response; atproto errors never leave this module: they become `PublishError` when posting
and a rate-limited or logged, empty `Fetched` when reading. Passwords and tokens are never logged.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from atproto_client import Client, models
from atproto_client.client.session import Session, SessionEvent
from atproto_client.exceptions import (
    BadRequestError,
    InvokeTimeoutError,
    LoginRequiredError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
    UnauthorizedError,
)
from atproto_client.models.common import XrpcError
from atproto_client.models.utils import get_model_as_dict
from atproto_client.request import Request, Response
from atproto_core.exceptions import AtProtocolError
from atproto_server.exceptions import InvalidTokenError

from bot.domain import Mention
from bot.networks.base import Fetched, KeyValue, KnownIds, RateLimited, reset_time
from bot.networks.rules import RULES
from bot.review import PostResult, PublishError

log = logging.getLogger(__name__)

NETWORK = "bluesky"
NOTIFICATIONS_CURSOR = "bluesky:notifications"
POST = "app.bsky.feed.post"
REASONS = ("mention", "reply", "quote")
CREDENTIALS = "check BLUESKY_HANDLE / BLUESKY_APP_PASSWORD"
_SESSION_ERRORS = {"ExpiredToken", "InvalidToken", "AuthenticationRequired", "AuthMissing"}
_PROFILES_BATCH = 25  # app.bsky.actor.getProfiles takes at most 25 actors

T = TypeVar("T")


class _HeaderKeepingRequest(Request):
    """atproto's HTTP layer, remembering each thread's last response headers (rate limits)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._last = threading.local()

    @property
    def last_headers(self) -> dict[str, str]:
        return getattr(self._last, "headers", {})

    def get(self, *args: Any, **kwargs: Any) -> Response:
        response = super().get(*args, **kwargs)
        self._last.headers = response.headers
        return response

    def post(self, *args: Any, **kwargs: Any) -> Response:
        response = super().post(*args, **kwargs)
        self._last.headers = response.headers
        return response


class _ClockedClient(Client):
    """atproto's client, deciding when to refresh the session by the adapter's clock."""

    clock: Callable[[], datetime] = staticmethod(lambda: datetime.now(UTC))

    def get_current_time(self) -> datetime:
        return self.clock()


class BlueskyClient:
    """One Bluesky account: read its mentions, reply to them once, find an earlier reply."""

    label = "Bluesky"
    cursor_names = (NOTIFICATIONS_CURSOR,)
    page_size = 100  # listNotifications allows 1..100
    max_pages = 10  # the first run reads at most 1,000 notifications back

    def __init__(
        self,
        handle: str,
        app_password: str,
        service_url: str = "https://bsky.social",
        session: KeyValue | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        timeout: float = 15.0,
    ) -> None:
        self.handle = handle.strip().removeprefix("@")
        self._password = app_password
        self.session = session
        self.clock = clock
        self._request = _HeaderKeepingRequest(timeout=timeout)
        self._client = _ClockedClient(base_url=service_url, request=self._request)
        self._client.clock = clock
        self._client.on_session_change(self._session_changed)
        self._login_lock = threading.Lock()
        self._logins = 0  # bumped on every login, so a refused session is replaced only once
        self._did: str | None = None

    # -- session -----------------------------------------------------------------------------

    def _session_changed(self, event: SessionEvent, session: Session) -> None:
        if event in (SessionEvent.CREATE, SessionEvent.REFRESH) and self.session is not None:
            self.session.save(session.encode())
            log.info("Bluesky: session %s saved", event.value)

    def _login(self, stale: int | None = None) -> str:
        """Return the account's DID, reusing the saved session; log in with the password if not.

        `stale` is the login count at which the session was refused: a new session is made only
        if no other thread has made one since.
        """
        with self._login_lock:
            if self._did is not None and (stale is None or stale != self._logins):
                return self._did
            saved = self.session.load() if self.session is not None and stale is None else None
            if saved and self._resume(saved):
                return self._logged_in()
            try:
                self._client.login(self.handle, self._password, fetch_bsky_profile=False)
            except RateLimitExceededError as exc:
                raise RateLimited(self._reset_at(exc)) from exc
            except (UnauthorizedError, BadRequestError) as exc:
                raise PublishError(
                    f"Bluesky refused the login of {self.handle} ({_detail(exc)}): {CREDENTIALS}",
                    retryable=False,
                ) from exc
            log.info("Bluesky: logged in as %s with the app password", self.handle)
            return self._logged_in()

    def _resume(self, saved: str) -> bool:
        """Import a saved session and check it (refreshing it when due); False if refused."""
        try:
            if Session.decode(saved).handle.lower() != self.handle.lower():
                return False  # saved for another account
            self._client.login(session_string=saved, fetch_bsky_profile=False)
            self._client.com.atproto.server.get_session()
        except RateLimitExceededError as exc:
            raise RateLimited(self._reset_at(exc)) from exc
        except (ValueError, AtProtocolError) as exc:
            if isinstance(exc, AtProtocolError) and not _refused(exc):
                raise
            log.info("Bluesky: the saved session was refused (%s); logging in", _detail(exc))
            return False
        log.info("Bluesky: reusing the saved session of %s", self.handle)
        return True

    def _logged_in(self) -> str:
        session = self._client._session
        assert session is not None
        self._did = str(session.did)
        self._logins += 1
        return self._did

    def _call(self, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call atproto logged in; a refused session is replaced once and the call repeated."""
        self._login()
        generation = self._logins
        try:
            return method(*args, **kwargs)
        except (UnauthorizedError, BadRequestError, LoginRequiredError, InvalidTokenError) as exc:
            if not _refused(exc):
                raise
            log.info("Bluesky: the session was refused (%s); logging in again", _detail(exc))
        self._login(stale=generation)
        return method(*args, **kwargs)

    # -- reading -----------------------------------------------------------------------------

    def poll(self, cursors: Mapping[str, str | None], known: KnownIds) -> Fetched:
        """The poller's port: notifications newer than the stored ones become mentions."""
        mark = cursors.get(NOTIFICATIONS_CURSOR)
        try:
            found, newest = self._walk(_time(mark), known)
            followers = self._followers({n.author.did for n in found})
        except (RateLimitExceededError, RateLimited) as exc:
            until = exc.reset_at if isinstance(exc, RateLimited) else self._reset_at(exc)
            log.warning("Bluesky: rate-limited until %s", until.isoformat(timespec="seconds"))
            return Fetched(rate_limited_until=until, remaining=0)
        except PublishError as exc:  # the login was refused: nothing to read until it is fixed
            log.error("Bluesky: %s", exc)
            return Fetched(problem=str(exc))
        except AtProtocolError as exc:
            log.warning("Bluesky: reading notifications failed: %s", _detail(exc))
            return Fetched(problem=f"reading notifications failed: {_detail(exc)}")
        mentions = [self._mention(n, followers.get(n.author.did)) for n in found]
        remaining, reset = reset_time(
            self._request.last_headers, "ratelimit-remaining", "ratelimit-reset", self.clock()
        )
        moved = {NOTIFICATIONS_CURSOR: newest} if newest and newest != mark else {}
        return Fetched(mentions, moved, reset if remaining == 0 else None, remaining)

    def _walk(self, mark: datetime | None, known: KnownIds) -> tuple[list[Any], str | None]:
        """Return the new mention notifications, newest first, and the newest `indexedAt`."""
        me = self._login()
        found: list[Any] = []
        newest: str | None = None
        cursor: str | None = None
        for _ in range(self.max_pages):
            page = self._call(
                self._client.app.bsky.notification.list_notifications,
                models.AppBskyNotificationListNotifications.Params(
                    limit=self.page_size, reasons=list(REASONS), cursor=cursor
                ),
            )
            items = page.notifications
            newest = max([newest, *(n.indexed_at for n in items)], key=_sort_key)
            stored = known(NETWORK, [n.uri for n in items if n.reason in REASONS])
            for item in items:
                moment = _time(item.indexed_at)
                if item.uri in stored or (mark and moment and moment < mark):
                    return found, newest
                if item.reason in REASONS and item.author.did != me:
                    found.append(item)
            cursor = page.cursor
            if not cursor or not items:
                return found, newest
        log.warning("Bluesky: stopped after %d pages of notifications", self.max_pages)
        return found, newest

    def _followers(self, dids: Iterable[str]) -> dict[str, int | None]:
        wanted = sorted(dids)
        counts: dict[str, int | None] = {}
        for start in range(0, len(wanted), _PROFILES_BATCH):
            batch = wanted[start : start + _PROFILES_BATCH]
            response = self._call(
                self._client.app.bsky.actor.get_profiles,
                models.AppBskyActorGetProfiles.Params(actors=batch),
            )
            counts.update({p.did: p.followers_count for p in response.profiles})
        return counts

    def _mention(self, item: Any, followers: int | None) -> Mention:
        record = get_model_as_dict(item.record)
        root = (record.get("reply") or {}).get("root") or {}
        handle = str(item.author.handle)
        return Mention(
            id=item.uri,
            text=str(record.get("text") or ""),
            network=NETWORK,
            author=handle,
            followers=followers,
            created_at=_time(record.get("createdAt")) or _time(item.indexed_at),
            url=f"https://bsky.app/profile/{handle}/post/{_rkey(item.uri)}",
            thread_id=root.get("uri") or item.uri,  # the thread is its root post
            reply_ref={
                "cid": item.cid,
                "root_uri": root.get("uri") or item.uri,
                "root_cid": root.get("cid") or item.cid,
            },
        )

    # -- posting -----------------------------------------------------------------------------

    def publish(self, mention: Mention, text: str, key: str, approver: str) -> PostResult:
        """Reply to the mention in its thread, once: a retry finds the first reply instead."""
        if mention.network != NETWORK:
            raise PublishError(f"not a Bluesky post: {mention.network}", retryable=False)
        problem = RULES.for_network(NETWORK).check(text)
        if problem:
            raise PublishError(problem, retryable=False)
        cid = mention.reply_ref.get("cid")
        if not cid:
            raise PublishError(
                "this Bluesky mention has no thread data (cid); answer it on Bluesky",
                retryable=False,
            )
        root = models.ComAtprotoRepoStrongRef.Main(
            uri=mention.reply_ref.get("root_uri") or mention.id,
            cid=mention.reply_ref.get("root_cid") or cid,
        )
        parent = models.ComAtprotoRepoStrongRef.Main(uri=mention.id, cid=cid)
        rkey = reply_rkey(mention.id)
        try:
            me = self._login()
            record = models.AppBskyFeedPost.Record(
                text=text,
                created_at=_iso(self.clock()),
                reply=models.AppBskyFeedPost.ReplyRef(root=root, parent=parent),
                facets=self._call(self._client.detect_facets, text) or None,
            )
            self._call(
                self._client.com.atproto.repo.create_record,
                models.ComAtprotoRepoCreateRecord.Data(
                    repo=me, collection=POST, rkey=rkey, record=record
                ),
            )
        except RateLimited as exc:
            raise PublishError(f"Bluesky {exc}; try again after that") from exc
        except RateLimitExceededError as exc:
            until = self._reset_at(exc)
            raise PublishError(
                f"Bluesky rate-limited until {until:%H:%M:%S} UTC; retry then"
            ) from exc
        except AtProtocolError as exc:
            # Refused, failed or timed out: the reply may exist all the same (a retry, or the
            # PDS stored it before the answer was lost). The record key settles it.
            if self._did is not None:
                earlier = self._existing(rkey, mention.id, exc)
                if earlier is not None:
                    return earlier
            raise _post_error(exc) from exc
        log.info("Bluesky: replied to %s (approved by %s)", mention.id, approver)
        return self._posted(rkey)

    def find(self, key: str) -> PostResult | None:
        """Return the reply made under `key` ("bluesky:<mention uri>"), if it exists."""
        network, _, uri = key.partition(":")
        if network != NETWORK or not uri:
            return None
        try:
            self._login()
            return self._existing(reply_rkey(uri), uri, None)
        except (PublishError, RateLimited, AtProtocolError) as exc:
            log.warning("Bluesky: could not look up the reply to %s: %s", uri, _detail(exc))
            return None

    def _existing(self, rkey: str, parent_uri: str, cause: Exception | None) -> PostResult | None:
        """Return the reply under `rkey` if it is there (and answers `parent_uri`)."""
        try:
            found = self._call(
                self._client.com.atproto.repo.get_record,
                models.ComAtprotoRepoGetRecord.Params(repo=self._did, collection=POST, rkey=rkey),
            )
        except BadRequestError as exc:
            if _error_name(exc) == "RecordNotFound":
                return None
            raise _unsettled(cause) from exc
        except AtProtocolError as exc:
            if cause is None:
                raise
            raise _unsettled(cause) from exc
        value = get_model_as_dict(found.value)
        if ((value.get("reply") or {}).get("parent") or {}).get("uri") != parent_uri:
            return None  # another post under the same key: not a reply to this mention
        return self._posted(rkey)

    def _posted(self, rkey: str) -> PostResult:
        return PostResult(
            id=f"at://{self._did}/{POST}/{rkey}",
            url=f"https://bsky.app/profile/{self.handle}/post/{rkey}",
        )

    def _reset_at(self, exc: RateLimitExceededError) -> datetime:
        headers = exc.response.headers if exc.response is not None else {}
        _, reset = reset_time(headers, "ratelimit-remaining", "ratelimit-reset", self.clock())
        if reset is None and exc.retry_after is not None:
            reset = self.clock() + timedelta(seconds=exc.retry_after)
        return reset or self.clock() + timedelta(minutes=1)


# -- record keys ------------------------------------------------------------------------------

_B32 = "234567abcdefghijklmnopqrstuvwxyz"  # atproto's base-32-sortable
_PLAUSIBLE = (
    int(datetime(2022, 1, 1, tzinfo=UTC).timestamp() * 1e6),
    int(datetime(2100, 1, 1, tzinfo=UTC).timestamp() * 1e6),
)
_FALLBACK_START = int(datetime(2023, 1, 1, tzinfo=UTC).timestamp() * 1e6)
_FALLBACK_SPAN = 365 * 24 * 3600 * 1_000_000


def reply_rkey(mention_uri: str) -> str:
    """Return the TID record key of the reply to `mention_uri` (the same every time)."""
    digest = int.from_bytes(hashlib.sha256(mention_uri.encode()).digest()[:8], "big")
    micros = _tid_micros(_rkey(mention_uri))
    if micros is None:
        micros = _FALLBACK_START + (digest >> 10) % _FALLBACK_SPAN
    else:
        micros += 1
    value = (micros << 10) | (digest & 0x3FF)
    return "".join(_B32[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def _tid_micros(key: str) -> int | None:
    if len(key) != 13 or any(c not in _B32 for c in key):
        return None
    value = 0
    for char in key:
        value = value * 32 + _B32.index(char)
    micros = value >> 10
    if value >> 63 or not _PLAUSIBLE[0] <= micros < _PLAUSIBLE[1]:
        return None
    return micros


def _rkey(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


# -- errors -----------------------------------------------------------------------------------


def _error_name(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    content = response.content if response is not None else None
    return content.error if isinstance(content, XrpcError) else None


def _detail(exc: BaseException) -> str:
    """The network's own words for an error (never a token: atproto errors carry none)."""
    response = getattr(exc, "response", None)
    content = response.content if response is not None else None
    if isinstance(content, XrpcError):
        return f"{content.error}: {content.message}" if content.message else content.error
    if isinstance(exc, RequestErrorBase) and response is not None:
        return f"HTTP {response.status_code}"
    return str(exc) or type(exc).__name__


def _refused(exc: BaseException) -> bool:
    """Whether the session itself was refused (a new login may help)."""
    if isinstance(exc, LoginRequiredError | InvalidTokenError):
        return True
    response = getattr(exc, "response", None)
    if isinstance(exc, UnauthorizedError):
        return response is None or response.status_code == 401
    return isinstance(exc, BadRequestError) and _error_name(exc) in _SESSION_ERRORS


def _post_error(exc: AtProtocolError) -> PublishError:
    if isinstance(exc, InvokeTimeoutError):
        return PublishError(
            "Bluesky did not answer in time and the reply is not there; retry "
            "(a retry cannot post twice)"
        )
    if isinstance(exc, UnauthorizedError):
        return PublishError(f"Bluesky refused the account ({_detail(exc)}): {CREDENTIALS}")
    if isinstance(exc, BadRequestError):
        return PublishError(f"Bluesky refused the reply: {_detail(exc)}", retryable=False)
    if isinstance(exc, NetworkError) and exc.response is None:
        return PublishError(f"could not reach Bluesky ({type(exc).__name__}); retry")
    return PublishError(f"Bluesky failed to post the reply ({_detail(exc)}); retry")


def _unsettled(cause: Exception | None) -> PublishError:
    what = _detail(cause) if cause is not None else "no answer"
    return PublishError(
        f"Bluesky failed ({what}) and could not tell whether the reply exists; retry "
        "(a retry cannot post twice)"
    )


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _sort_key(value: str | None) -> datetime:
    return _time(value) or datetime.min.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
