"""Topics a knowledge base must cover in so many words before the bot answers them
(`prompts/kb_topics.toml`): a gift-card question is not answered from the payment methods."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


class TopicsError(ValueError):
    """The topics file is malformed or holds an invalid pattern."""


@dataclass(frozen=True)
class Topic:
    name: str
    asks: re.Pattern[str]
    covered_by: re.Pattern[str]


class UncoveredTopics:
    """The listed topics the knowledge base says nothing about, and which questions ask them."""

    def __init__(self, topics: Iterable[Topic], corpus: Iterable[str]) -> None:
        # One text to search per topic, not one search per passage (100,000 review chunks).
        text = "\n\n".join(corpus)
        self.topics = [t for t in topics if not t.covered_by.search(text)]

    @classmethod
    def load(cls, path: Path, corpus: Iterable[str]) -> UncoveredTopics:
        if not path.exists():
            return cls([], [])
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise TopicsError(f"{path}: {exc}") from None
        topics = []
        for i, item in enumerate(data.get("topic", [])):
            try:
                topics.append(
                    Topic(
                        str(item["name"]),
                        re.compile(item["asks"], re.IGNORECASE),
                        re.compile(item["covered_by"], re.IGNORECASE),
                    )
                )
            except KeyError as exc:
                raise TopicsError(f"{path}: topic {i + 1}: missing {exc}") from None
            except re.error as exc:
                raise TopicsError(f"{path}: topic {i + 1}: invalid pattern: {exc}") from None
        return cls(topics, corpus)

    def asked(self, question: str) -> list[str]:
        """Return the names of uncovered topics that `question` asks about."""
        return [t.name for t in self.topics if t.asks.search(question)]
