"""Ports: the small interfaces the pipeline needs from the outside world.

Each external service sits behind a one-or-two-method Protocol. Adapters (Chroma, WordLlama,
OpenAI, SQLAlchemy, Slack, X) implement them at the edges; tests use in-memory fakes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

import numpy as np

from bot.domain import Draft, Mention, MentionRecord, Source, Status, Triage


class Embedder(Protocol):
    """Turns texts into unit-length vectors."""

    @property
    def name(self) -> str:
        """Identify the model, so an index built with another model is rebuilt."""
        ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return one L2-normalised row per text."""
        ...


class KnowledgeBase(Protocol):
    """Finds the passages that ground a reply."""

    def search_many(self, queries: Sequence[str], k: int) -> list[list[Source]]:
        """Return, per query, the k best passages, best first."""
        ...


class Drafter(Protocol):
    """Writes a reply for a triaged mention from its sources."""

    def draft(
        self,
        mention: Mention,
        triage: Triage,
        sources: Sequence[Source],
        instruction: str | None = None,
    ) -> Draft | None:
        """Return a draft, or None when no public reply should be sent."""
        ...


class TriageRefiner(Protocol):
    """Improves a rule-based triage (a model reading the mention); may only raise or block."""

    def refine(self, mention: Mention, triage: Triage) -> Triage:
        """Return the refined triage."""
        ...


class ReviewRecords(Protocol):
    """What the review service needs of the store (bot/store/reads.py and decisions.py): read a
    mention, and move it or add a draft by compare-and-set, checked against the domain's table."""

    def get(self, row_id: int) -> MentionRecord: ...

    def records(
        self, statuses: Sequence[Status], since: datetime | None = None, limit: int = 1000
    ) -> list[MentionRecord]: ...

    def move(
        self,
        row_id: int,
        expected: Sequence[Status],
        target: Status,
        actor: str,
        action: str = "status",
        **values: Any,
    ) -> bool: ...

    def add_draft(
        self,
        row_id: int,
        draft: Draft,
        author: str | None,
        expect: Sequence[Status],
        target: Status = Status.DRAFTED,
    ) -> bool: ...

    def audit(
        self, row_id: int | None, actor: str, action: str, before: str | None, after: str | None
    ) -> None: ...
