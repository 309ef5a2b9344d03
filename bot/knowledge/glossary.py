"""Query expansion (`prompts/glossary.toml`): foreign and colloquial words → help-centre terms."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import lru_cache
from pathlib import Path

from wordfreq import zipf_frequency

from bot.text import STEM_LANGUAGES, normalise, stems, words

_LONGEST = 3  # words in the longest stemmed phrase looked for


class GlossaryError(ValueError):
    """`prompts/glossary.toml` is not what the glossary expects."""


class Glossary:
    """Adds the knowledge base's vocabulary to a customer's question before searching.

    `search` entries name the heading a topic is filed under: "how long do I have" finds a
    section headed "Return period", but "period" in a sentence ("while the 30-day period is
    running") does not make it the answer.

    `by_language` entries are matched by their stems in that language, accents ignored, so one
    entry finds every form a customer writes ("livraison", "livraisons"; "envío", "envios").
    Every language's entries are looked for in every text, since a short mention's language
    is a guess; but a word only counts for a language it is a word of, as general word
    frequencies (wordfreq's lists, in the wheel) tell: English "can" is not Italian "cane",
    Italian "del" is not French "délai".
    """

    def __init__(
        self,
        mapping: dict[str, str],
        filler: list[str] | None = None,
        search: dict[str, str] | None = None,
        by_language: dict[str, dict[str, str]] | None = None,
        calendar: list[str] | None = None,
    ) -> None:
        self.filler = list(filler or [])
        self.calendar = list(calendar or [])  # words that say when, not what
        self._terms = {normalise(k): v for k, v in mapping.items()}
        self._pattern = _alternation(self._terms)
        self._search_terms = {normalise(k): v for k, v in (search or {}).items()}
        self._search_pattern = _alternation(self._search_terms)
        self._stemmed: dict[str, dict[tuple[str, ...], str]] = {}
        for language, entries in (by_language or {}).items():
            if language not in STEM_LANGUAGES:
                raise GlossaryError(f"[words.{language}]: no stemmer for {language!r}")
            table = self._stemmed.setdefault(language, {})
            for key, value in entries.items():
                seq = _stem_seq(key, language)
                if not seq or len(seq) > _LONGEST:
                    raise GlossaryError(f"[words.{language}] {key!r}: one to {_LONGEST} words")
                if len(seq) == 1 and len(words(key)[0]) < _SHORTEST:
                    raise GlossaryError(f"[words.{language}] {key!r}: too short to stand alone")
                known = table.get(seq, "")
                table[seq] = " ".join(dict.fromkeys(f"{known} {value}".split()))
        self._firsts = {lang: {seq[0] for seq in table} for lang, table in self._stemmed.items()}

    @classmethod
    def load(cls, path: Path) -> Glossary:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        by_language = data.get("words", {})
        sections = [(s, data.get(s, {})) for s in ("translate", "synonyms", "search")]
        sections += [(f"words.{lang}", table) for lang, table in by_language.items()]
        for section, table in sections:
            if not isinstance(table, dict):
                raise GlossaryError(f"{path}: [{section}] must be a table")
            for key, value in table.items():
                if not isinstance(value, str):
                    raise GlossaryError(f"{path}: [{section}] {key!r} must map to a string")
        mapping = {**data.get("translate", {}), **data.get("synonyms", {})}
        try:
            return cls(
                mapping,
                data.get("filler", {}).get("words", []),
                data.get("search", {}),
                by_language,
                data.get("calendar", {}).get("words", []),
            )
        except GlossaryError as error:
            raise GlossaryError(f"{path}: {error}") from None

    def service_words(self) -> list[str]:
        """Return every help-centre word the glossary maps customers' words to."""
        values = [*self._terms.values(), *(v for t in self._stemmed.values() for v in t.values())]
        return list(dict.fromkeys(values))

    def expansions(self, text: str) -> list[str]:
        """Return the knowledge base's words for the customer's in `text` (empty when none)."""
        return list(self._expansions(text))

    # A mention's parts are asked again (retrieval, grounding, triage). The cache keeps its
    # Glossary alive, which is fine: a process loads one.
    @lru_cache(maxsize=4096)  # noqa: B019
    def _expansions(self, text: str) -> tuple[str, ...]:
        found = _found(self._pattern, self._terms, text)
        tokens = words(text)
        for lang, table in self._stemmed.items():
            seq = tuple(_plain(s) for s in stems(tokens, lang))
            firsts = self._firsts[lang]
            for i, stem in enumerate(seq):
                # Only where an entry can start is the word's language asked (wordfreq's
                # lists); most words of a text start none.
                if stem not in firsts or not _belongs(tokens[i], lang):
                    continue
                for n in range(1, _LONGEST + 1):
                    if n == 1 and len(tokens[i]) < _SHORTEST:
                        continue  # alone, a short word may be another language's ("was")
                    part = seq[i : i + n]
                    if len(part) < n or not all(_belongs(t, lang) for t in tokens[i + 1 : i + n]):
                        break
                    value = table.get(part)
                    if value is not None and value not in found:
                        found.append(value)
        return tuple(found)

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


def _stem_seq(text: str, language: str) -> tuple[str, ...]:
    """The stems of `text`'s words in `language`, without accents ("envío" = "envio")."""
    return tuple(_plain(s) for s in stems(words(text), language))


_SHORTEST = 4  # shorter words are function words in one covered language or another ("was")


_SLACK = 1.0  # how much more common in another language a word may be and still count


@lru_cache(maxsize=50_000)
def _belongs(word: str, language: str) -> bool:
    """Whether `word` may be a word of `language`: not far more common in another one.
    A word no list knows (a typo, a word without its accents) may be anyone's."""
    # The small lists (wordfreq's common words) tell languages apart as well and keep seven
    # languages' lists at 25 MB instead of 250.
    own = zipf_frequency(word, language, wordlist="small")
    others = max(
        zipf_frequency(word, other, wordlist="small")
        for other in STEM_LANGUAGES
        if other != language
    )
    return own + _SLACK >= others


@lru_cache(maxsize=50_000)
def _plain(word: str) -> str:
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
