"""The HTTP face of the bot (WSGI): Slack's requests at `/slack/events`, a health check.

Served by gunicorn (`bot serve`); Bolt's own `app.start()` is a development server only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

StartResponse = Callable[..., Any]


def create_wsgi(app: App) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """Return the WSGI application for a built Bolt app."""
    slack = SlackRequestHandler(app, path="/slack/events")

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok"]
        return slack(environ, start_response)

    return wsgi
