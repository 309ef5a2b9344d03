"""A local OpenAI-compatible endpoint (port 0) for the real openai client and langchain.

Serves `/v1/chat/completions` (with `json_schema` structured outputs) and `/v1/embeddings`.
Tests script answers per schema name ("DraftOut", "TriageOut"): JSON content, an HTTP error
with headers (429 + retry-after), or a delay longer than the client's timeout.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tests.stub_http import QuietHandler, Served, send_json


@dataclass
class Reply:
    content: dict[str, Any] | None = None
    status: int = 200
    error: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class OpenAIStub(Served):
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self._script: dict[str, list[Reply]] = {}
        self.defaults: dict[str, dict[str, Any]] = {
            "TriageOut": {
                "intent": "question",
                "sentiment": 0.0,
                "priority": "normal",
                "escalate": False,
                "escalate_reason": "",
                "flags": [],
                "rationale": "asks about a policy",
            }
        }
        self._lock = threading.Lock()
        stub = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with stub._lock:
                    stub.requests.append(
                        {"path": self.path, "body": body, "headers": dict(self.headers)}
                    )
                if self.path.endswith("/embeddings"):
                    return self._send(200, stub._embeddings(body))
                schema = body.get("response_format", {}).get("json_schema", {}).get("name", "")
                reply = stub._next(schema)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.status != 200:
                    return self._send(reply.status, {"error": reply.error or {}}, reply.headers)
                content = reply.content if reply.content is not None else stub.defaults[schema]
                return self._send(200, stub._completion(body, content))

            def _send(self, status: int, payload: dict, headers: dict | None = None) -> None:
                send_json(self, status, payload, headers)

        self.serve(Handler)
        self.url = self.base + "/v1"

    def script(self, schema: str, *replies: Reply) -> None:
        with self._lock:
            self._script.setdefault(schema, []).extend(replies)

    def chats(self, schema: str) -> list[dict[str, Any]]:
        with self._lock:
            return [
                r["body"]
                for r in self.requests
                if r["body"].get("response_format", {}).get("json_schema", {}).get("name") == schema
            ]

    def _next(self, schema: str) -> Reply:
        with self._lock:
            queue = self._script.get(schema)
            return queue.pop(0) if queue else Reply()

    @staticmethod
    def _completion(body: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": json.dumps(content)},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 420, "completion_tokens": 60, "total_tokens": 480},
        }

    @staticmethod
    def _embeddings(body: dict[str, Any]) -> dict[str, Any]:
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = []
        for i, text in enumerate(inputs):
            text = text if isinstance(text, str) else " ".join(map(str, text))
            vector = [0.0] * 16
            for word in text.lower().split():
                vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % 16] += 1.0
            data.append({"object": "embedding", "index": i, "embedding": vector})
        return {
            "object": "list",
            "data": data,
            "model": body.get("model"),
            "usage": {"prompt_tokens": 1, "total_tokens": 1},
        }
