"""What the local stub servers share: answering a request with JSON."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LoopbackServer(ThreadingHTTPServer):
    """A threading HTTP server whose backlog takes a burst of concurrent test requests.

    The default backlog (5) drops connections when a test fires 20 requests at once on a busy
    machine, which shows up as "connection reset by peer" in the client under test.
    """

    request_queue_size = 128


class QuietHandler(BaseHTTPRequestHandler):
    """A stub's request handler that keeps the test output quiet."""

    def log_message(self, *args: Any) -> None:
        pass


class Served:
    """A stub served on 127.0.0.1, port 0, from a daemon thread: `serve(Handler)`, `close()`."""

    server: LoopbackServer
    port: int
    base: str

    def serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = LoopbackServer(("127.0.0.1", 0), handler)
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        # a short poll: shutting down takes 20 ms, not half a second
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


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
