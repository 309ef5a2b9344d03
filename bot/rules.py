"""Load the triage rules (`prompts/triage_rules.toml`) into compiled patterns.

The rules are data so a team can tune them without touching code; this module only validates
and compiles them, failing with the file and key named when a pattern is broken.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from bot.patterns import PatternSet

Pattern = re.Pattern[str]


class RulesError(ValueError):
    """The rules file is missing a section or holds an invalid pattern."""


@dataclass(frozen=True)
class Rules:
    injection: PatternSet
    spam: PatternSet
    spam_weights: tuple[float, ...]
    spam_threshold: float
    safety_incident: PatternSet
    safety_hypothetical: PatternSet
    safety_first_person: PatternSet
    legal: PatternSet
    press: PatternSet
    complaint: PatternSet
    praise: PatternSet
    sarcasm_praise: PatternSet
    sarcasm_problem: PatternSet
    sarcasm_markers: PatternSet
    sarcasm_weak_markers: PatternSet
    question: PatternSet
    question_after_comma: PatternSet
    account: PatternSet
    order_topic: PatternSet
    personal_data: PatternSet
    sentiment_lexicon: dict[str, float]
    languages: dict[str, frozenset[str]]


def _compile(path: Path, key: str, pattern: object) -> Pattern:
    if not isinstance(pattern, str):
        raise RulesError(f"{path}: {key}: expected a string pattern, got {pattern!r}")
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise RulesError(f"{path}: {key}: invalid pattern {pattern!r}: {exc}") from None


def load_rules(path: Path) -> Rules:
    """Read and compile the rules file at `path`."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RulesError(f"rules file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: {exc}") from None

    def section(name: str) -> dict:
        if name not in data:
            raise RulesError(f"{path}: missing section [{name}]")
        return data[name]

    def checked(key: str, raw: list[object]) -> PatternSet:
        # Check each pattern on its own, so an error names it.
        for pattern in raw:
            _compile(path, key, pattern)
        return PatternSet([str(p) for p in raw])

    def many(name: str, key: str = "patterns") -> PatternSet:
        return checked(f"{name}.{key}", section(name).get(key, []))

    def one(name: str, key: str) -> PatternSet:
        return checked(f"{name}.{key}", [section(name).get(key)])

    spam = section("spam")
    return Rules(
        injection=many("injection"),
        spam=checked("spam.patterns", [item["pattern"] for item in spam["patterns"]]),
        spam_weights=tuple(float(item["weight"]) for item in spam["patterns"]),
        spam_threshold=float(spam.get("threshold", 2.0)),
        safety_incident=many("safety", "incident"),
        safety_hypothetical=many("safety", "hypothetical"),
        safety_first_person=many("safety", "first_person"),
        legal=many("legal"),
        press=many("press"),
        complaint=many("complaint"),
        praise=many("praise"),
        sarcasm_praise=one("sarcasm", "praise_words"),
        sarcasm_problem=one("sarcasm", "problem_words"),
        sarcasm_markers=one("sarcasm", "markers"),
        sarcasm_weak_markers=one("sarcasm", "weak_markers"),
        question=many("question"),
        question_after_comma=many("question", "after_comma"),
        account=many("account"),
        order_topic=many("order_topic"),
        personal_data=many("personal_data"),
        sentiment_lexicon={k: float(v) for k, v in section("sentiment").get("lexicon", {}).items()},
        languages={k: frozenset(v) for k, v in section("languages").items()},
    )
