"""In-memory fakes for the project's ports, for tests that don't need the real adapters."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from bot.domain import (
    Draft,
    DraftVersion,
    Mention,
    MentionRecord,
    Source,
    Status,
    Triage,
    transition,
)
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


class MemoryRecords:
    """The review service's store port (bot.ports.ReviewRecords) in memory: the same
    compare-and-set moves, checked against the same domain table, without a database."""

    def __init__(self) -> None:
        self.rows: dict[int, MentionRecord] = {}
        self.audits: list[tuple[int | None, str, str]] = []
        self._lock = threading.Lock()
        self._drafts = itertools.count(1)

    def put(self, mention: Mention, triage: Triage, draft: str | None) -> int:
        row_id = len(self.rows) + 1
        version = (
            DraftVersion(next(self._drafts), draft, "offline", None, None, ()) if draft else None
        )
        self.rows[row_id] = MentionRecord(
            row_id, mention, Status.DRAFTED, triage, datetime.now(UTC), version,
            *([None] * 13),
        )  # fmt: skip
        return row_id

    def get(self, row_id: int) -> MentionRecord:
        return self.rows[row_id]

    def records(
        self, statuses: Sequence[Status], since: datetime | None = None, limit: int = 1000
    ) -> list[MentionRecord]:
        return [r for r in self.rows.values() if r.status in statuses][:limit]

    def move(
        self,
        row_id: int,
        expected: Sequence[Status],
        target: Status,
        actor: str,
        action: str = "status",
        **values: Any,
    ) -> bool:
        for status in expected:
            transition(status, target)
        with self._lock:
            record = self.rows[row_id]
            if record.status not in expected:
                return False
            known = {k: v for k, v in values.items() if hasattr(record, k)}
            self.rows[row_id] = dataclasses.replace(record, status=target, **known)
            self.audits.append((row_id, actor, action))
            return True

    def add_draft(
        self,
        row_id: int,
        draft: Draft,
        author: str | None,
        expect: Sequence[Status],
        target: Status = Status.DRAFTED,
    ) -> bool:
        for status in expect:
            transition(status, target)
        with self._lock:
            record = self.rows[row_id]
            if record.status not in expect:
                return False
            version = DraftVersion(
                next(self._drafts), draft.text, draft.origin, draft.note, author, draft.sources
            )
            self.rows[row_id] = dataclasses.replace(record, status=target, draft=version)
            self.audits.append((row_id, author or "bot", f"draft:{draft.origin}"))
            return True

    def audit(
        self, row_id: int | None, actor: str, action: str, before: str | None, after: str | None
    ) -> None:
        self.audits.append((row_id, actor, action))
