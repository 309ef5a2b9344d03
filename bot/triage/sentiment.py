"""Sentiment as a number in [-1, 1] that agrees with how people read social posts.

A lexicon (VADER, extended with words of the other covered languages) reads the words; it
misses what people mean by a plain report of a problem ("flight delayed 3 hours, no one at the
desk"), which has no negative word but is plainly negative, and it reads a neutral question as
mildly positive or negative from a stray word. So the lexicon's score is fused with what triage
concluded: a complaint or an insult is negative, clear praise positive, and a question or a
mention that reports nothing stays at zero unless it leans negative or reads clearly positive.
"""

from __future__ import annotations

from collections.abc import Mapping

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from bot.domain import Intent

# How negative a complaint and an insult read at the least, and praise positive at the least.
COMPLAINT_CEILING = -0.4
ABUSE_CEILING = -0.6
PRAISE_FLOOR = 0.4
SARCASM_CEILING = -0.4
# A question or unplaced mention keeps its score only outside this band; inside it reads as
# neutral. The band is lopsided on purpose: to a care account, mild positivity is mostly
# politeness ("thanks, when is the next one?"), while mild negativity is usually a problem
# half-said. Both edges were set on the labelled airline tweets (see the README).
NEGATIVE_EDGE = -0.1
POSITIVE_EDGE = 0.5


class Sentiment:
    """Lexicon scoring plus the fusion with triage's intent."""

    def __init__(self, lexicon: Mapping[str, float], stop_words: Mapping[str, frozenset[str]]):
        self._vader = SentimentIntensityAnalyzer()
        self._vader.lexicon.update(lexicon)
        self._stop = stop_words

    def score(self, text: str, language: str = "en") -> float:
        """Return the lexicon's compound score in [-1, 1].

        VADER's own lexicon is English; for other languages their function words are dropped
        first, so German "die" or Dutch "een" are not read as English words.
        """
        if language != "en":
            vocab = self._stop.get(language, frozenset())
            text = " ".join(w for w in text.split() if w.casefold().strip(".,!?") not in vocab)
        return float(self._vader.polarity_scores(text)["compound"])

    @staticmethod
    def fuse(score: float, intent: Intent, sarcastic: bool = False) -> float:
        """Return the sentiment of a mention whose lexicon score is `score`, given its intent."""
        if sarcastic:
            return min(score, SARCASM_CEILING)
        if intent is Intent.ABUSE:
            return min(score, ABUSE_CEILING)
        if intent is Intent.COMPLAINT:
            return min(score, COMPLAINT_CEILING)
        if intent is Intent.PRAISE:
            return max(score, PRAISE_FLOOR)
        if NEGATIVE_EDGE < score < POSITIVE_EDGE:
            return 0.0
        return score
