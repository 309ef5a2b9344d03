"""Whether two mentions report the same problem.

The text is compared stemmed, with handles, links and numbers taken out (they differ between
people who report the same outage: "@brand order 1182 still not here" and "@brand my order 77
is not here"), and with the words every post shares taken out too (the stop words of its
language). What is left is compared with rapidfuzz's token-set ratio, which scores word overlap
regardless of order and of extra words, in [0, 100].

Two reports are the same problem when
- their texts score at least `SAME_TEXT` (85): near duplicates, whatever the knowledge base says;
- or they score at least `SAME_TOPIC_TEXT` (75) and share the document the knowledge base cited
  first for each (the same policy or product page grounds both replies).

The thresholds were set by reading pairs in the tests' own examples, not tuned on any evaluation
set; a pair of different problems about one product (a late parcel and a broken hinge) shares the
product's page but rarely reaches 75 once the product name is the only common word, because the
token-set ratio is taken over the content words only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.domain import Flag, Intent, Triage
from bot.text import stems

SAME_TEXT = 85.0
SAME_TOPIC_TEXT = 75.0
_NOISE = re.compile(r"https?://\S+|www\.\S+|(?<![\w@])[@#][\w.@-]+|\d[\d.,:/-]*", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


@dataclass(frozen=True, slots=True)
class Report:
    """What the comparison needs of a mention: its words and the document it was grounded on."""

    words: str
    topic: str | None


def problem_words(text: str, stop_words: frozenset[str] = frozenset()) -> str:
    """Return the content words of `text`, lower-cased, without handles, links and numbers."""
    words = [w for w in _WORD.findall(_NOISE.sub(" ", text).lower()) if len(w) > 1]
    content = [w for w in words if w not in stop_words]
    return " ".join(content or words)  # a post of stop words only ("where is my order?") stays


def report(
    text: str, docs: Iterable[str], stop_words: frozenset[str] = frozenset(), language: str = "en"
) -> Report:
    """The comparable form of a mention: its content words stemmed in its language (so
    "connect" and "connecting" meet), and the document cited first."""
    first = next(iter(docs), None)
    return Report(" ".join(stems(problem_words(text, stop_words).split(), language)), first)


def similarity(a: Report, b: Report) -> float:
    if not a.words or not b.words:
        return 0.0
    return float(fuzz.token_set_ratio(a.words, b.words))


def same_problem(a: Report, b: Report) -> bool:
    score = similarity(a, b)
    if score >= SAME_TEXT:
        return True
    return score >= SAME_TOPIC_TEXT and a.topic is not None and a.topic == b.topic


def reports_problem(triage: Triage) -> bool:
    """Return whether a mention reports a problem an incident can gather: a complaint, a
    question asked in anger, or a safety finding. Praise, abuse, spam and injections never."""
    if triage.intent in (Intent.SPAM, Intent.INJECTION, Intent.ABUSE, Intent.PRAISE):
        return False
    if Flag.SAFETY in triage.flags or triage.intent is Intent.COMPLAINT:
        return True
    return triage.intent is Intent.QUESTION and triage.sentiment < -0.05


def needs_own_review(triage: Triage) -> bool:
    """A member that needs something the others don't keeps its own card: a safety finding,
    personal data, or an author whose reach is above the threshold."""
    return bool(triage.flags & {Flag.SAFETY, Flag.PII, Flag.HIGH_REACH, Flag.LEGAL, Flag.PRESS})
