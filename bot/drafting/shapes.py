"""The shapes of a question, from a data file: which sentences ask, how two questions are joined,
what a "do you have …?" or "is it safe to …?" question wants of its answer, and which passage
sentences lean on the one before.

The words of every language live in `prompts/question_shapes.toml`; this module only compiles
and applies them. The grounding scorer holds one `QuestionShapes` (the composition root loads
it from the configured prompts); passage parsing, which runs before any question, reads the
shipped file (`shipped()`), loaded once.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from bm25s.stopwords import STOPWORDS_DUTCH, STOPWORDS_EN_PLUS, STOPWORDS_GERMAN

from bot.text import HANDLE, INFORMAL, normalise, stems, words

SHIPPED = Path(__file__).resolve().parents[2] / "prompts" / "question_shapes.toml"
# Words that carry no topic (stop words of the supported languages, social spellings): never the
# thing a question asks about, and never a term the grounder scores.
STOP = frozenset(STOPWORDS_EN_PLUS) | set(STOPWORDS_DUTCH) | set(STOPWORDS_GERMAN) | INFORMAL
_CLAUSE = re.compile(r"(?<=[.!?])\s+|\n+")
_MIN_PART_WORDS = 3  # a "question" shorter than this is a fragment, not a second question


class ShapesError(ValueError):
    """The question-shapes file is missing or malformed."""


def _any(names: Iterable[str]) -> str:
    """An alternation of `names` as literal text, the longest first."""
    return "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True))


@dataclass(frozen=True)
class QuestionShapes:
    asking: re.Pattern[str]  # a sentence that opens with a question word
    goes_on: re.Pattern[str]  # a sentence that goes on about what was just asked
    split_ask: re.Pattern[str]  # where a second question is joined on
    leading_and: re.Pattern[str]  # the "and" a sentence joins on with
    quantity: re.Pattern[str]  # a figure with its unit
    exists: re.Pattern[str]
    exists_says: str
    safe_to: re.Pattern[str]
    safe_to_says: str
    asked_thing: re.Pattern[str]
    not_things: frozenset[str]
    leans: re.Pattern[str]
    only: re.Pattern[str]
    time_units: frozenset[str]  # stems
    stop: frozenset[str]  # words that are never the thing asked about

    @classmethod
    def load(cls, path: Path, stop: Iterable[str] = STOP) -> QuestionShapes:
        """Read `path` (see `prompts/question_shapes.toml`); `stop` words are never a thing."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ShapesError(f"question shapes not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ShapesError(f"{path}: {exc}") from None
        try:
            word = rf"(?:{_any(data['question_words'])})\b(?![\x27’]t)"
            also = rf"(?:(?:{_any(data['also'])})\s+)?"
            preposition = rf"(?:(?:{_any(data['prepositions'])})\s+)?"
            ask = re.IGNORECASE
            return cls(
                asking=re.compile(rf"^\W*(?:@\w+\s+)*{word}", ask),
                goes_on=re.compile(rf"^\W*(?:{_any(data['goes_on'])})\b", ask),
                split_ask=re.compile(
                    rf"\s*,?\s*\b(?:{_any(data['joiners'])})\s+{also}(?={preposition}{word})", ask
                ),
                leading_and=re.compile(rf"^(?:{_any(data['openers'])})\b,?\s+{also}", ask),
                quantity=re.compile(rf"\d+(?:[.,]\d+)?\s?({_any(data['units'])})(?!\w)"),
                exists=re.compile(data["existence"]["asks"]),
                exists_says=_any(data["existence"]["says"]),
                safe_to=re.compile(data["safe_to"]["asks"]),
                safe_to_says=_any(data["safe_to"]["says"]),
                asked_thing=re.compile(data["asked_thing"]["asks"]),
                not_things=frozenset(data["asked_thing"]["not_things"]),
                leans=re.compile("|".join(data["leans_on_before"]["patterns"]), ask),
                only=re.compile("|".join(data["only"]), ask),
                time_units=frozenset(stems(data["time_units"])),
                stop=frozenset(stop),
            )
        except (KeyError, TypeError, re.error) as exc:
            raise ShapesError(f"{path}: {exc!r}") from None

    # The shapes are asked of the same question by every candidate sentence: cached per text.
    @lru_cache(maxsize=10_000)  # noqa: B019
    def quantities(self, question: str) -> tuple[re.Pattern[str], ...]:
        """A figure in each unit the question gives a quantity in ("700W" wants "… W")."""
        units = dict.fromkeys(m.group(1) for m in self.quantity.finditer(question))
        return tuple(re.compile(rf"\d\s?{re.escape(u)}(?!\w)", re.IGNORECASE) for u in units)

    @lru_cache(maxsize=10_000)  # noqa: B019
    def existence(self, question: str) -> tuple[re.Pattern[str], ...]:
        """For "do you have a …?": a sentence that says whether there is one."""
        found = self.exists.search(question)
        asked = [w for w in found.groups() if w and w not in self.stop] if found else []
        if not asked:
            return ()
        # "batteri" → "batter": battery, batteries
        thing = "|".join(re.escape(s.rstrip("i")) for s in stems(asked))
        return (
            re.compile(
                rf"\b({self.exists_says})\b[^.;:]{{0,40}}?\b({thing})\w*",
                re.IGNORECASE,
            ),
        )

    @lru_cache(maxsize=10_000)  # noqa: B019
    def safe_to_do(self, question: str) -> tuple[re.Pattern[str], ...]:
        """For "is it safe to …?": a sentence that says whether to do it, in the same verb."""
        found = self.safe_to.search(question)
        if not found or found.group(1) in self.stop:
            return ()
        word = found.group(1)
        stem = stems([word])[0]
        # The verb's forms, as English writes them (the `asks` pattern is English).
        if word.endswith("y") and stem.endswith("i"):  # "dry" → dry, dries, dried, drying
            verb = rf"{re.escape(stem[:-1])}(?:y|ies|ied|ying)"
        elif stem.endswith("e"):  # "use" → use, uses, used, using; not "contact us"
            verb = rf"{re.escape(stem[:-1])}(?:e|es|ed|ing)"
        else:
            verb = rf"{re.escape(stem)}\w*"
        return (re.compile(rf"\b({self.safe_to_says})\s+(?:\w+\s+)?{verb}\b", re.IGNORECASE),)

    @lru_cache(maxsize=10_000)  # noqa: B019
    def thing(self, question: str) -> str | None:
        """The stem of the thing a what-question asks about, if it names one."""
        found = self.asked_thing.search(question)
        if not found or found.group(1) in self.stop or found.group(1) in self.not_things:
            return None
        return stems([found.group(1)])[0]

    @lru_cache(maxsize=10_000)  # noqa: B019
    def asking_part(self, question: str) -> str:
        """The sentences of `question` that ask (ending in "?" or opening with a question
        word), and any that goes on about what was just asked; all of it when none asks."""
        parts = [p for p in _CLAUSE.split(question) if p.strip()]
        asking = [p for p in parts if p.rstrip().endswith("?") or self.asking.match(normalise(p))]
        asking += [
            after
            for before, after in pairwise(parts)
            if before in asking and after not in asking and self.goes_on.match(normalise(after))
        ]
        return " ".join(p for p in parts if p in asking) or question

    def subquestions(self, text: str) -> list[str]:
        """Split a mention that asks two things into its questions (else return it whole)."""
        plain = HANDLE.sub(" ", text)
        # "…? And what time do you open?": a sentence may open with the "and" that joins it
        # on; after a question, such a sentence asks too ("…? and the app can't find my wifi").
        asking: list[str] = []
        for raw in re.split(r"(?<=[.!?])\s+|\n+", plain):
            part = self.leading_and.sub("", raw.strip())
            joined_on = part != raw.strip() and bool(asking)
            if part.endswith("?") or self.asking.match(part) or joined_on:
                asking.append(part)
        parts = [
            p.strip(" ,") for a in asking for p in self.split_ask.split(a) if p and p.strip(" ,")
        ]
        parts = [p for p in parts if len(words(p)) >= _MIN_PART_WORDS]
        return parts if len(parts) >= 2 else [text]

    def leans_on_before(self, sentence: str) -> bool:
        """Whether a passage sentence cannot stand without the one before it."""
        return self.leans.match(sentence) is not None

    def says_only(self, sentence: str) -> bool:
        """Whether a sentence restricts itself ("… only"), so it answers for the others too."""
        return self.only.search(sentence) is not None


@lru_cache(maxsize=1)
def shipped() -> QuestionShapes:
    """The shapes in the shipped prompts: passage parsing's (no question involved), and a
    grounder's when it is given none."""
    return QuestionShapes.load(SHIPPED)
