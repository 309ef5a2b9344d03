"""What a brand talks about, read from its own knowledge base: is a mention about the brand at all?

A post that tags the brand is not always about it: "anyone got tips for a campsite by the coast?",
"so tired of this grey weather, sigh", "the curry was so spicy my mouth was on fire 😂". A reply
to those reads as a bot. What tells them apart from a customer's question or problem, for any
brand and in any language, is vocabulary: a post about the brand uses a word of its knowledge base
(a product, "refund", "heater", "app") or a word every customer service uses ("order", "delivery",
given by the glossary). Everyday words ("good", "tonight", "know") say nothing either way and are
not counted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from wordfreq import zipf_frequency

from bot.text import stems, without_handles_and_links, words

_EVERYDAY = 5.0  # Zipf frequency from which a knowledge-base word is everyday ("good", "know")
_SERVICE_EVERYDAY = 5.6  # the same for customer-service words, common as some are ("order" 5.5)
_MIN_LENGTH = 3
_NAMED = 2  # telling words from which a text names something (see `elsewhere`)


@dataclass(frozen=True)
class BrandVocabulary:
    """Stems of the words the brand's knowledge base uses, everyday words left out."""

    terms: frozenset[str]
    # The customer-service words for a text's own ("envío" → "shipping"): the glossary's.
    translate: Callable[[str], list[str]] | None = field(default=None, compare=False)
    language: str | None = None  # the knowledge base's language, when known

    def reaches(self, language: str) -> bool:
        """Whether a text in `language` can be told off topic: only in the knowledge base's
        own language does a word it never uses say the text is about something else."""
        return bool(self.terms) and self.language in (None, language)

    @classmethod
    def empty(cls) -> BrandVocabulary:
        return cls(frozenset())

    @classmethod
    def from_texts(
        cls,
        texts: Iterable[str],
        service: Iterable[str] = (),
        translate: Callable[[str], list[str]] | None = None,
        language: str | None = None,
        calendar: Iterable[str] = (),
    ) -> BrandVocabulary:
        """Build from the knowledge base's texts and customer-service words (`service`).

        `calendar` words say when, not what: "Saturday" is in the opening hours and in every
        plan for the weekend, so they never count."""
        texts = list(texts)
        found: set[str] = set()
        for text in texts:
            found.update(stems(w for w in set(words(text)) if _telling(w, _EVERYDAY)))
        found.update(stems(w for w in set(words(" ".join(service))) if _telling(w)))
        found.difference_update(stems(calendar))
        return cls(frozenset(found), translate, language)

    @classmethod
    def from_directory(
        cls,
        knowledge_dir: Path | None,
        service: Iterable[str] = (),
        translate: Callable[[str], list[str]] | None = None,
        detect: Callable[[str], str] | None = None,
        calendar: Iterable[str] = (),
    ) -> BrandVocabulary:
        """Read the Markdown policies and CSV reviews under `knowledge_dir`; `detect` names
        their language."""
        texts: list[str] = []
        if knowledge_dir is not None and knowledge_dir.is_dir():
            paths = sorted([*knowledge_dir.rglob("*.md"), *knowledge_dir.rglob("*.csv")])
            texts = [p.read_text(encoding="utf-8", errors="replace") for p in paths]
        if not texts:
            return cls.empty()  # no knowledge base: nothing tells what is off topic
        language = detect(" ".join(texts)[:5000]) if detect else None
        return cls.from_texts(texts, service, translate, language, calendar)

    def about(self, text: str, language: str = "en") -> bool:
        """Whether `text` uses a word of the brand's vocabulary, or one the glossary translates
        into it. With no vocabulary (no knowledge base), every text may be about the brand."""
        if not self.terms:
            return True
        text = without_handles_and_links(text)  # tagging the brand is not talking about it
        plain = [w for w in words(text) if len(w) >= _MIN_LENGTH and any(c.isalpha() for c in w)]
        found = set(stems(plain))
        if language != "en":
            found.update(stems(plain, language))  # English stems again for other languages
        if self.translate is not None:
            found.update(stems(words(" ".join(self.translate(text)))))
        return not found.isdisjoint(self.terms)

    def elsewhere(self, text: str, language: str = "en") -> bool:
        """Whether `text` names things and none of them is the brand's: it is about something
        else. Only in the knowledge base's language."""
        return self.reaches(language) and not self.about(text, language) and self.names_things(text)

    @staticmethod
    def names_things(text: str) -> bool:
        """Whether `text` names things: two telling words or more (not everyday ones)."""
        plain = words(without_handles_and_links(text))
        return len({w for w in plain if _telling(w, _EVERYDAY)}) >= _NAMED


@lru_cache(maxsize=50_000)
def _telling(word: str, everyday: float = _SERVICE_EVERYDAY) -> bool:
    """Whether `word` can tell what a text is about: not short, not a figure, not everyday."""
    if len(word) < _MIN_LENGTH or not any(ch.isalpha() for ch in word):
        return False
    return zipf_frequency(word, "en") < everyday
