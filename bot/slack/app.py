"""Build the Bolt app: a WebClient with Slack's 429s retried, listeners registered per feature.

`build_client` and `build_app` are called by the composition root only; tests call them with a
stub server's URL, exactly as production calls them with Slack's.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.slack import ids
from bot.slack.handlers import Handlers, SlackDeps

log = logging.getLogger(__name__)


def build_client(token: str, base_url: str, retries: int = 3) -> WebClient:
    """A WebClient that waits out Slack's 429s (Retry-After) and retries dropped connections."""
    client = WebClient(token=token, base_url=base_url, timeout=15)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=retries))
    client.retry_handlers.append(ConnectionErrorRetryHandler(max_retry_count=retries))
    return client


def build_app(
    deps: SlackDeps,
    client: WebClient,
    signing_secret: str | None,
    socket_mode: bool = False,
) -> App:
    """Return the Bolt app with every listener registered."""
    app = App(
        client=client,
        signing_secret=signing_secret or "",
        # Socket Mode traffic arrives over an authenticated websocket, not signed HTTP.
        request_verification_enabled=not socket_mode,
        token_verification_enabled=True,
        name="social-care-bot",
        # Bolt acks only once a listener thread has called ack(); its default pool of 5 threads
        # makes a burst of clicks queue behind slow listeners (posting, card updates).
        listener_executor=ThreadPoolExecutor(max_workers=32, thread_name_prefix="listener"),
    )
    register(app, Handlers(deps))
    return app


def register(app: App, h: Handlers) -> None:
    """Wire handlers to action ids, views, the slash command and events."""
    guard = [h.approvers_only]
    app.action(ids.APPROVE, middleware=guard)(h.handle_approve)
    app.action(ids.RETRY_POST, middleware=guard)(h.handle_approve)  # a retry is an approval
    app.action(ids.EDIT, middleware=guard)(h.handle_edit)
    app.action(ids.REJECT, middleware=guard)(h.handle_reject)
    app.action(ids.REGENERATE)(h.handle_regenerate)
    app.action(ids.ESCALATE)(h.handle_escalate)
    app.action(ids.SAVE_TO_KB, middleware=[h.kb_editors_only])(h.handle_save_to_kb)
    app.action(ids.OPEN_ON_X)(h.handle_link_click)
    app.view(ids.EDIT_VIEW, middleware=guard)(h.handle_edit_submission)
    app.view(ids.REJECT_VIEW, middleware=guard)(h.handle_reject_submission)
    app.view(ids.REGENERATE_VIEW)(h.handle_regenerate_submission)
    app.command("/mentions")(h.handle_mentions_command)
    app.event("message")(h.handle_message)
    app.event("app_home_opened")(h.handle_app_home_opened)
    if h.deps.incidents is not None:
        app.action(ids.APPROVE_ALL, middleware=guard)(h.deps.incidents.handle_approve_all)
        app.action(ids.SPLIT_INCIDENT, middleware=guard)(h.deps.incidents.handle_split)
        app.action(ids.REJECT_INCIDENT, middleware=guard)(h.deps.incidents.handle_reject)
