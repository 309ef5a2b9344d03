"""Ports: the small interfaces the pipeline needs from the outside world.

Each external service sits behind a one-or-two-method Protocol. Adapters (Chroma, WordLlama,
OpenAI, SQLAlchemy, Slack, X) implement them at the edges; tests use in-memory fakes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from bot.domain import Draft, Mention, Source, Triage


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
