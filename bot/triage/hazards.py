"""The brand's hazard vocabulary, read from its own safety documents.

What can hurt someone differs per brand: a power bank swells, a kettle scalds, a pram's brake
fails. Rather than a word list written for one product line, the vocabulary is taken from the
knowledge base: the content words of the sentences in the brand's safety documents that warn
about something (they say "do not", "stop", "risk", "if …"). A mention that names such a thing
together with an event (a part came loose, it sparked, it started by itself) is an incident.

The warning sentences themselves are kept too. A writer who describes on their own product the
symptom a warning describes ("the lever goes all the way to the handlebar", "a crack near the
weld") reports what the brand itself says is a reason to stop: that is an incident even without
an event word. It takes two of the warning's words, no everyday ones ("leave", "charge"), one of
them a word the knowledge base uses only in warnings (a symptom such as "spongy" or "weld", not a
part such as "battery").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from wordfreq import zipf_frequency

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
_SHARED = 2  # words a mention shares with one warning sentence to describe its symptom
_EVERYDAY = 5.0  # Zipf frequency from which a shared word is everyday ("leave", "money")
_SYMPTOM_WORD = 4.5  # a symptom word is rarer than this ("spongy" 2.6, "weld" 3.3, "crack" 4.4)


@dataclass(frozen=True)
class HazardLexicon:
    """Stems of the things a brand's safety documents warn about."""

    terms: frozenset[str]
    warnings: tuple[frozenset[str], ...] = ()
    symptoms: frozenset[str] = frozenset()  # terms the knowledge base uses only in warnings
    language: str | None = None  # the safety documents' language, when known
    # How common each term's word is in general language (wordfreq's Zipf scale, from the word
    # the documents use): "leave" or "piece" in a warning are no symptom, "spongy" or "weld" are.
    commonness: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def empty(cls) -> HazardLexicon:
        return cls(frozenset())

    @classmethod
    def from_texts(
        cls,
        safety: Iterable[str],
        other: Iterable[str],
        stop_words: Iterable[str],
        language: str | None = None,
    ) -> HazardLexicon:
        """Build from safety-document texts; words as common in the other documents are left out.

        A word that the brand's delivery or returns pages use just as much ("order", "days",
        "contact") says nothing about a hazard.
        """
        stop = set(stop_words)
        commonness: dict[str, float] = {}
        found: Counter[str] = Counter()
        warnings: list[frozenset[str]] = []
        elsewhere: Counter[str] = Counter()  # outside warning sentences, in any document
        for text in safety:
            for sentence in sentences(text):
                content = _content(sentence, stop, commonness, language)
                if _WARNING.search(sentence):
                    found.update(content)
                    warnings.append(frozenset(content))
                else:
                    elsewhere.update(content)
        background: Counter[str] = Counter()
        for text in other:
            background.update(_content(text, stop))
        elsewhere.update(background)
        total_bg = sum(background.values()) or 1
        total_fg = sum(found.values()) or 1
        terms = {
            term
            for term, n in found.items()
            # Over-represented in warnings: at least twice as frequent there as elsewhere.
            if (n / total_fg) > 2 * (background[term] / total_bg)
        }
        symptoms = frozenset(t for t in terms if not elsewhere[t])
        kept = tuple(w & terms for w in warnings if len(w & terms) >= _SHARED)
        known = {t: commonness.get(t, 0.0) for t in terms}
        return cls(frozenset(terms), kept, symptoms, language, known)

    @classmethod
    def from_directory(
        cls,
        knowledge_dir: Path | None,
        documents: PatternSet,
        stop_words: Iterable[str],
        detect: Callable[[str], str] | None = None,
    ) -> HazardLexicon:
        """Read the Markdown policies under `knowledge_dir`; `documents` names the safety ones.

        `detect` names the safety documents' language (see `reaches`)."""
        if knowledge_dir is None or not knowledge_dir.is_dir():
            return cls.empty()
        safety: list[str] = []
        other: list[str] = []
        for path in sorted(knowledge_dir.rglob("*.md")):
            text = path.read_text(encoding="utf-8", errors="replace")
            title = text.split("\n", 1)[0]
            (safety if documents.search(f"{path.stem} {title}") else other).append(text)
        language = detect(" ".join(safety)[:5000]) if detect and safety else None
        return cls.from_texts(safety, other, stop_words, language)

    def reaches(self, language: str) -> bool:
        """Return whether a mention in `language` can name this vocabulary's words.

        A Spanish mention cannot name the hazards of English safety documents; for it, an event
        with the writer's own product has to do (see `bot.triage`)."""
        return bool(self.terms) and (self.language is None or self.language == language)

    def warned_symptom(self, text: str) -> list[str]:
        """Return the words `text` shares with one warning sentence, when it describes its
        symptom: at least `_SHARED` of them, one a word used only in warnings (else [])."""
        said = set(stems(words(text)))
        best: set[str] = set()
        for warning in self.warnings:
            # Everyday words ("go", "leave", "charge") shared with a warning tell nothing.
            shared = {t for t in said & warning if self._commonness(t) < _EVERYDAY}
            telling = {t for t in shared & self.symptoms if self._commonness(t) < _SYMPTOM_WORD}
            if len(shared) >= _SHARED and telling and len(shared) > len(best):
                best = shared
        return sorted(best)

    def _commonness(self, term: str) -> float:
        return self.commonness.get(term, 0.0)

    def named_in(self, text: str) -> list[str]:
        """Return the hazard terms `text` mentions (by stem)."""
        if not self.terms:
            return []
        return sorted({s for s in stems(words(text)) if s in self.terms})


def _content(
    text: str,
    stop: set[str],
    commonness: dict[str, float] | None = None,
    language: str | None = None,
) -> list[str]:
    """Return the stems of `text`'s content words; note how common each one's word is."""
    tokens = [w for w in words(text) if len(w) >= _MIN_LENGTH and w not in stop and w.isalpha()]
    found = stems(tokens)
    if commonness is not None:
        for token, stem in zip(tokens, found, strict=True):
            commonness.setdefault(stem, zipf_frequency(token, language or "en"))
    return found
