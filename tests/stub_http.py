"""What the local stub servers share: answering a request with JSON."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LoopbackServer(ThreadingHTTPServer):
    """A threading HTTP server whose backlog takes a burst of concurrent test requests.

    The default backlog (5) drops connections when a test fires 20 requests at once on a busy
    machine, which shows up as "connection reset by peer" in the client under test.
    """

    request_queue_size = 128


def send_json(
    handler: BaseHTTPRequestHandler,
    status: int,
    payload: Any,
    headers: dict[str, str] | None = None,
) -> None:
    """Write a JSON response; a client that already gave up (timed out) is not an error."""
    data = json.dumps(payload).encode()
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
