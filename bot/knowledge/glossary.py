"""Query expansion (`prompts/glossary.toml`): foreign and colloquial words → help-centre terms."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from bot.text import normalise


class Glossary:
    """Adds the knowledge base's vocabulary to a customer's question before searching."""

    def __init__(self, mapping: dict[str, str], filler: list[str] | None = None) -> None:
        self.filler = list(filler or [])
        keys = sorted((normalise(k) for k in mapping), key=len, reverse=True)
        self._terms = {normalise(k): v for k, v in mapping.items()}
        self._pattern = (
            re.compile(r"(?<!\w)(" + "|".join(re.escape(k) for k in keys) + r")(?!\w)")
            if keys
            else None
        )

    @classmethod
    def load(cls, path: Path) -> Glossary:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        mapping = {**data.get("translate", {}), **data.get("synonyms", {})}
        return cls(mapping, data.get("filler", {}).get("words", []))

    def expansions(self, text: str) -> list[str]:
        """Return the extra search terms for `text` (empty when nothing matches)."""
        if self._pattern is None:
            return []
        found = dict.fromkeys(self._terms[m] for m in self._pattern.findall(normalise(text)))
        return list(found)

    def expand(self, text: str) -> str:
        extra = self.expansions(text)
        return f"{text} {' '.join(extra)}" if extra else text
