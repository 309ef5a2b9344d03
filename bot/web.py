"""The HTTP face of the bot (WSGI): Slack at `/slack/events`, the signed webhook at `/mentions`
(when WEBHOOK_SECRET is set), and `/healthz`.

Served by gunicorn (`bot serve`); Bolt's own `app.start()` is a development server only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.webhook import MentionWebhook, wsgi_handler

StartResponse = Callable[..., Any]


def create_wsgi(
    app: App, webhook: MentionWebhook | None = None
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """Return the WSGI application for a built Bolt app (and the webhook, if configured)."""
    slack = SlackRequestHandler(app, path="/slack/events")
    mentions = wsgi_handler(webhook) if webhook else None

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok"]
        if path == "/mentions" and mentions is not None:
            return mentions(environ, start_response)
        return slack(environ, start_response)

    return wsgi
