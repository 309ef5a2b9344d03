"""The brand's hazard vocabulary, read from its own safety documents.

What can hurt someone differs per brand: a power bank swells, a kettle scalds, a pram's brake
fails. Rather than a word list written for one product line, the vocabulary is taken from the
knowledge base: the content words of the sentences in the brand's safety documents that warn
about something (they say "do not", "stop", "risk", "if …"). A mention that names such a thing
together with an event (a part came loose, it sparked, it started by itself) is an incident.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.patterns import PatternSet
from bot.text import sentences, stems, words

# A warning sentence: it tells the reader what not to do, when to stop, or what may go wrong.
_WARNING = re.compile(
    r"\b(do not|don't|never|stop|avoid|keep (away|out|children)|risk|danger\w*|hazard\w*|warning|"
    r"caution|immediately|injur\w*|hurt|burn\w*|shock|fire|if (the|your|it|you)|unplug|"
    r"niet|nooit|stop|gevaar\w*|nicht|niemals|gefahr\w*|ne (pas|jamais)|risque|no (use|deje)|"
    r"nunca|peligro|não|perigo|non|mai|pericolo)\b",
    re.IGNORECASE,
)
_MIN_LENGTH = 4  # shorter words are mostly function words in every language covered


@dataclass(frozen=True)
class HazardLexicon:
    """Stems of the things a brand's safety documents warn about."""

    terms: frozenset[str]

    @classmethod
    def empty(cls) -> HazardLexicon:
        return cls(frozenset())

    @classmethod
    def from_texts(
        cls, safety: Iterable[str], other: Iterable[str], stop_words: Iterable[str]
    ) -> HazardLexicon:
        """Build from safety-document texts; words as common in the other documents are left out.

        A word that the brand's delivery or returns pages use just as much ("order", "days",
        "contact") says nothing about a hazard.
        """
        stop = set(stop_words)
        found: Counter[str] = Counter()
        for text in safety:
            for sentence in sentences(text):
                if _WARNING.search(sentence):
                    found.update(_content(sentence, stop))
        background: Counter[str] = Counter()
        for text in other:
            background.update(_content(text, stop))
        total_bg = sum(background.values()) or 1
        total_fg = sum(found.values()) or 1
        terms = {
            term
            for term, n in found.items()
            # Over-represented in warnings: at least twice as frequent there as elsewhere.
            if (n / total_fg) > 2 * (background[term] / total_bg)
        }
        return cls(frozenset(terms))

    @classmethod
    def from_directory(
        cls, knowledge_dir: Path | None, documents: PatternSet, stop_words: Iterable[str]
    ) -> HazardLexicon:
        """Read the Markdown policies under `knowledge_dir`; `documents` names the safety ones."""
        if knowledge_dir is None or not knowledge_dir.is_dir():
            return cls.empty()
        safety: list[str] = []
        other: list[str] = []
        for path in sorted(knowledge_dir.rglob("*.md")):
            text = path.read_text(encoding="utf-8", errors="replace")
            title = text.split("\n", 1)[0]
            (safety if documents.search(f"{path.stem} {title}") else other).append(text)
        return cls.from_texts(safety, other, stop_words)

    def named_in(self, text: str) -> list[str]:
        """Return the hazard terms `text` mentions (by stem)."""
        if not self.terms:
            return []
        return sorted({s for s in stems(words(text)) if s in self.terms})


def _content(text: str, stop: set[str]) -> list[str]:
    tokens = [w for w in words(text) if len(w) >= _MIN_LENGTH and w not in stop and w.isalpha()]
    return stems(tokens)
