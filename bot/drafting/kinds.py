"""Kinds of answer (a duration, a price, a place…): what a question asks for, from a data file.

`prompts/answer_kinds.toml` lists each kind's question cues and the shape of a sentence that
gives it. The grounding scorer asks which kinds a question wants and whether a sentence has them.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path


class AnswerKindError(ValueError):
    """The answer-kinds file is missing or malformed."""


@dataclass(frozen=True, slots=True)
class AnswerKind:
    name: str
    asks: re.Pattern[str]
    answer: re.Pattern[str]

    def asked_by(self, question: str) -> bool:
        """Return whether a (normalised) question asks for this kind of answer."""
        return self.asks.search(question) is not None

    def given_by(self, sentence: str) -> bool:
        """Return whether a sentence states an answer of this kind."""
        return self.answer.search(sentence) is not None


def load_answer_kinds(path: Path) -> tuple[AnswerKind, ...]:
    """Read `path` (see `prompts/answer_kinds.toml`); a bad entry names its kind and pattern."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AnswerKindError(f"answer kinds not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise AnswerKindError(f"{path}: {exc}") from None
    kinds = []
    for entry in data.get("kind", []):
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            raise AnswerKindError(f"{path}: every [[kind]] needs a name")
        compiled = []
        for key in ("asks", "answer"):
            patterns = entry.get(key)
            if not patterns or not all(isinstance(p, str) for p in patterns):
                raise AnswerKindError(f"{path}: kind {name!r}: '{key}' must be a list of strings")
            try:
                compiled.append(re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE))
            except re.error as exc:
                raise AnswerKindError(f"{path}: kind {name!r}: invalid {key}: {exc}") from None
        kinds.append(AnswerKind(name, compiled[0], compiled[1]))
    if len({k.name for k in kinds}) != len(kinds):
        raise AnswerKindError(f"{path}: two kinds share a name")
    return tuple(kinds)
