"""In-memory fakes for the project's ports, for tests that don't need the real adapters."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from bot.domain import Draft, Mention, Source, Triage
from bot.text import words


class HashEmbedder:
    """Deterministic bag-of-words vectors: texts sharing words are similar; no model needed."""

    def __init__(self, dim: int = 64, name: str = "hash-64") -> None:
        self.dim = dim
        self._name = name
        self.calls = 0

    @property
    def name(self) -> str:
        return self._name

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in words(text) or ["_"]:
                digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


class ListKnowledgeBase:
    """Returns the same passages for every query."""

    def __init__(self, sources: Sequence[Source]) -> None:
        self.sources = list(sources)
        self.queries: list[str] = []

    def search_many(self, queries: Sequence[str], k: int) -> list[list[Source]]:
        self.queries.extend(queries)
        return [self.sources[:k] for _ in queries]


class QueuedDrafter:
    """Returns queued drafts in order; records what it was asked."""

    def __init__(self, *texts: str, origin: str = "fake") -> None:
        self.texts = list(texts)
        self.origin = origin
        self.calls: list[tuple[Mention, Triage, str | None]] = []

    def draft(
        self,
        mention: Mention,
        triage: Triage,
        sources: Sequence[Source],
        instruction: str | None = None,
    ) -> Draft | None:
        self.calls.append((mention, triage, instruction))
        if not triage.should_reply:
            return None
        return Draft(text=self.texts.pop(0), sources=tuple(sources), origin=self.origin)
