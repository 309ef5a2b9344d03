"""Query expansion (`prompts/glossary.toml`): foreign and colloquial words → help-centre terms."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from bot.text import normalise


class GlossaryError(ValueError):
    """`prompts/glossary.toml` is not what the glossary expects."""


class Glossary:
    """Adds the knowledge base's vocabulary to a customer's question before searching.

    `search` entries name the heading a topic is filed under: "how long do I have" finds a
    section headed "Return period", but "period" in a sentence ("while the 30-day period is
    running") does not make it the answer.
    """

    def __init__(
        self,
        mapping: dict[str, str],
        filler: list[str] | None = None,
        search: dict[str, str] | None = None,
    ) -> None:
        self.filler = list(filler or [])
        self._terms = {normalise(k): v for k, v in mapping.items()}
        self._pattern = _alternation(self._terms)
        self._search_terms = {normalise(k): v for k, v in (search or {}).items()}
        self._search_pattern = _alternation(self._search_terms)

    @classmethod
    def load(cls, path: Path) -> Glossary:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for section in ("translate", "synonyms", "search"):
            for key, value in data.get(section, {}).items():
                if not isinstance(value, str):
                    raise GlossaryError(f"{path}: [{section}] {key!r} must map to a string")
        mapping = {**data.get("translate", {}), **data.get("synonyms", {})}
        return cls(mapping, data.get("filler", {}).get("words", []), data.get("search", {}))

    def expansions(self, text: str) -> list[str]:
        """Return the knowledge base's words for the customer's in `text` (empty when none)."""
        return _found(self._pattern, self._terms, text)

    def headings(self, text: str) -> list[str]:
        """Return the words a help centre files the topic of `text` under ("period")."""
        return _found(self._search_pattern, self._search_terms, text)

    def expand(self, text: str) -> str:
        """Return `text` with the words that find its passage: expansions and search terms."""
        extra = self.expansions(text) + self.headings(text)
        return f"{text} {' '.join(extra)}" if extra else text


def _alternation(terms: dict[str, str]) -> re.Pattern[str] | None:
    if not terms:
        return None
    keys = sorted(terms, key=len, reverse=True)
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(k) for k in keys) + r")(?!\w)")


def _found(pattern: re.Pattern[str] | None, terms: dict[str, str], text: str) -> list[str]:
    if pattern is None:
        return []
    return list(dict.fromkeys(terms[m] for m in pattern.findall(normalise(text))))
