"""Tell which language a mention is written in, so the reply and the phrases match it.

`LanguageDetector` wraps lingua (`lingua-language-detector`), whose n-gram models ship inside the
wheel, so nothing is downloaded. It knows the languages the brand answers in and a handful of
other common ones, so that a Swedish or Polish mention is reported as such instead of being
forced into Dutch or Italian; the caller decides what to do with a language it has no phrases
for. Handles, links, hashtag signs and emoji are not language and are removed first; a text with
too few words, or that lingua cannot tell confidently, gets the fallback.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import lingua
from bm25s import stopwords as _stop

SUPPORTED = ("en", "nl", "de", "fr", "es", "pt", "it")
# Common languages that mentions also come in, listed so that they win their own texts rather
# than handing them to the nearest supported language (Swedish or Danish to Dutch or German,
# Romanian to Italian, Indonesian to whichever has most shared trigrams).
OTHER_LANGUAGES = ("sv", "da", "nb", "pl", "tr", "ro", "id", "cs")

# Below this, lingua is choosing between near-equals: a single slang word ("lol" → Indonesian),
# a product name ("Volta" → Italian). Casual sentences of 20-30 letters score 0.65 and more.
MIN_CONFIDENCE = 0.5
# Fewer words of three or more letters than this, once handles, links and emoji are gone, is
# no language to detect: "ok", "thx!!", "help me", "Volta 600" get the fallback.
MIN_WORDS = 2

_NOT_LANGUAGE = re.compile(
    r"(?:https?://|www\.)\S+"  # links
    r"|(?<!\w)@\w+"  # handles
    r"|[^\w\s'’.,;:!?¿¡()\-]"  # emoji, symbols and the '#' of hashtags
)
_WORD = re.compile(r"[^\W\d_]{3,}")
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
# Function words ("do", "you", "the"; "ik", "het"; "der", "und") are the surest sign of a short
# text's language: letter statistics alone call "do you have a shop in <Dutch city>?" Dutch.
# Lists from bm25s (which ships them); a word two languages share counts for both.
_FUNCTION_WORDS = {
    "en": _stop.STOPWORDS_EN_PLUS,
    "nl": _stop.STOPWORDS_DUTCH,
    "de": _stop.STOPWORDS_GERMAN,
    "fr": _stop.STOPWORDS_FRENCH,
    "es": _stop.STOPWORDS_SPANISH,
    "pt": _stop.STOPWORDS_PORTUGUESE,
    "it": _stop.STOPWORDS_ITALIAN,
    "sv": _stop.STOPWORDS_SWEDISH,
    "da": _stop.STOPWORDS_DANISH,
    "nb": _stop.STOPWORDS_NORWEGIAN,
    "tr": _stop.STOPWORDS_TURKISH,
}
# Another language wins over lingua's pick only with this many more of its own function words.
FUNCTION_WORD_MARGIN = 2


class LanguageDetector:
    """Detect a mention's language among the served languages and a few common others."""

    def __init__(
        self,
        languages: Sequence[str] = SUPPORTED,
        fallback: str = "en",
        min_confidence: float = MIN_CONFIDENCE,
    ) -> None:
        """Build the lingua detector (~0.1 s and ~30 MB: build one, at the composition root)."""
        codes = list(dict.fromkeys([*languages, *OTHER_LANGUAGES]))
        self._function_words = {
            c: frozenset(_FUNCTION_WORDS[c]) for c in codes if c in _FUNCTION_WORDS
        }
        self._fallback = fallback
        self._min_confidence = min_confidence
        # Low accuracy (trigrams only), measured here on 115-character tweets: ~30 MB of RSS and
        # ~110 µs a call, and every casual mention of the tests right. High accuracy would add
        # ~200 MB for the seven served languages alone (~360 MB with the others) and take up to
        # twice as long. Preloading moves the ~0.1 s of model loading to the build.
        self._detector: lingua.LanguageDetector = (
            lingua.LanguageDetectorBuilder.from_languages(*map(_lingua_language, codes))
            .with_low_accuracy_mode()
            .with_preloaded_language_models()
            .build()
        )

    def detect(self, text: str) -> str:
        """Return the ISO 639-1 code (lower case) of the language of `text`, or the fallback."""
        cleaned = _language_part(text)
        if len(_WORD.findall(cleaned)) < MIN_WORDS:
            return self._fallback
        values = self._detector.compute_language_confidence_values(cleaned)
        if not values or values[0].value < self._min_confidence:
            return self._fallback
        picked = values[0].language.iso_code_639_1.name.lower()
        return self._by_function_words(cleaned, picked)

    def _by_function_words(self, text: str, picked: str) -> str:
        """Return the language whose function words clearly outnumber those of `picked` in
        `text`, else `picked`."""
        if picked not in self._function_words:
            return picked  # no list to weigh it with (Romanian, Polish…): lingua decides
        tokens = [t.casefold().replace("’", "'") for t in _TOKEN.findall(text)]
        lists = self._function_words.items()
        own = {code: sum(t in words for t in tokens) for code, words in lists}
        best = max(own, key=lambda c: own[c])
        if best != picked and own[best] >= own.get(picked, 0) + FUNCTION_WORD_MARGIN:
            return best
        return picked


def _language_part(text: str) -> str:
    """Return `text` without what is not language: handles, links, hashtag signs and emoji."""
    text = unicodedata.normalize("NFKC", text)
    return " ".join(_NOT_LANGUAGE.sub(" ", text).split())


def _lingua_language(code: str) -> lingua.Language:
    try:
        return lingua.Language.from_iso_code_639_1(lingua.IsoCode639_1.from_str(code))
    except ValueError as error:
        raise ValueError(f"lingua knows no language with ISO 639-1 code {code!r}") from error
