"""Calling an OpenAI-compatible chat model with structured output, behind a circuit breaker.

The openai client retries 429s and 5xx with backoff and honours `retry-after`; on top of that a
circuit breaker stops calling an endpoint that keeps failing, so a dead model costs one timeout
per cool-down, not one per mention. SDK errors become `LlmUnavailable`, the project's own error,
and the pipeline falls back to the offline drafter with a note on the card.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)


class LlmUnavailable(RuntimeError):
    """The model could not be used (down, timing out, rate-limited past retries, circuit open)."""


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


class CircuitBreaker:
    """Opens after `threshold` failures in a row; after `cooldown`, lets one trial call through."""

    def __init__(
        self,
        threshold: int = 3,
        cooldown: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self.clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._lock = threading.Lock()

    def allow(self) -> bool:
        with self._lock:
            if self._opened_at is None:
                return True
            if self.clock() - self._opened_at >= self.cooldown:
                self._opened_at = None  # half-open: the next call decides
                self._failures = self.threshold - 1
                return True
            return False

    def success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None

    def failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._failures >= self.threshold:
                self._opened_at = self.clock()


class ChatModel:
    """One method: ask for a structured answer. Owns the langchain/openai objects."""

    def __init__(
        self,
        model: str,
        api_key: str,
        base_url: str | None,
        timeout: float = 20.0,
        max_retries: int = 2,
        price_per_million: tuple[float, float] = (0.15, 0.60),
        breaker: CircuitBreaker | None = None,
    ) -> None:
        from langchain_openai import ChatOpenAI

        self.model = model
        self.price = price_per_million
        self.breaker = breaker or CircuitBreaker()
        self._llm = ChatOpenAI(
            model=model,
            api_key=api_key,  # type: ignore[arg-type]
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            temperature=0.3,
        )

    def structured(self, schema: type[T], system: str, user: str) -> tuple[T, Usage]:
        """Return the model's answer parsed into `schema`, and the tokens it cost."""
        import openai

        if not self.breaker.allow():
            raise LlmUnavailable("the language model is failing; paused for a minute")
        runnable = self._llm.with_structured_output(schema, method="json_schema", include_raw=True)
        try:
            result: Any = runnable.invoke([("system", system), ("user", user)])
        except openai.APITimeoutError as exc:
            self.breaker.failure()
            raise LlmUnavailable("the language model timed out") from exc
        except openai.APIConnectionError as exc:
            self.breaker.failure()
            raise LlmUnavailable("cannot reach the language model endpoint") from exc
        except openai.RateLimitError as exc:
            self.breaker.failure()
            raise LlmUnavailable("the language model is rate-limited (429)") from exc
        except openai.APIStatusError as exc:
            self.breaker.failure()
            raise LlmUnavailable(f"the language model answered {exc.status_code}") from exc
        parsed = result.get("parsed")
        if parsed is None:
            self.breaker.failure()
            raise LlmUnavailable(
                f"the model's answer did not match the schema: {result.get('parsing_error')}"
            )
        self.breaker.success()
        return parsed, self._usage(result.get("raw"))

    def _usage(self, raw: Any) -> Usage:
        meta = getattr(raw, "usage_metadata", None) or {}
        tokens_in, tokens_out = int(meta.get("input_tokens", 0)), int(meta.get("output_tokens", 0))
        cost = (tokens_in * self.price[0] + tokens_out * self.price[1]) / 1_000_000
        return Usage(tokens_in, tokens_out, round(cost, 6))


def numbered(passages: Sequence[str]) -> str:
    return "\n".join(f"[{i}] {p}" for i, p in enumerate(passages, start=1)) or "(no passages)"
