"""Load the triage rules (`prompts/triage_rules.toml`) into compiled patterns.

The rules are data so a team can tune them without touching code; this module only validates
and compiles them, failing with the file and key named when a pattern is broken.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

Pattern = re.Pattern[str]


class RulesError(ValueError):
    """The rules file is missing a section or holds an invalid pattern."""


@dataclass(frozen=True)
class Rules:
    injection: tuple[Pattern, ...]
    spam: tuple[tuple[Pattern, float], ...]
    spam_threshold: float
    safety_incident: tuple[Pattern, ...]
    safety_hypothetical: tuple[Pattern, ...]
    safety_first_person: tuple[Pattern, ...]
    legal: tuple[Pattern, ...]
    press: tuple[Pattern, ...]
    complaint: tuple[Pattern, ...]
    praise: tuple[Pattern, ...]
    sarcasm_praise: Pattern
    sarcasm_problem: Pattern
    sarcasm_markers: Pattern
    sarcasm_weak_markers: Pattern
    question: tuple[Pattern, ...]
    question_after_comma: tuple[Pattern, ...]
    account: tuple[Pattern, ...]
    order_topic: tuple[Pattern, ...]
    personal_data: tuple[Pattern, ...]
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

    def many(name: str, key: str = "patterns") -> tuple[Pattern, ...]:
        # Check each pattern on its own (so an error names it), then search them as one
        # alternation: a single scan per category instead of one per pattern.
        raw = section(name).get(key, [])
        for pattern in raw:
            _compile(path, f"{name}.{key}", pattern)
        if not raw:
            return ()
        return (_compile(path, f"{name}.{key}", "|".join(f"(?:{p})" for p in raw)),)

    spam = section("spam")
    sarcasm = section("sarcasm")
    return Rules(
        injection=many("injection"),
        spam=tuple(
            (_compile(path, "spam.patterns", item["pattern"]), float(item["weight"]))
            for item in spam["patterns"]
        ),
        spam_threshold=float(spam.get("threshold", 2.0)),
        safety_incident=many("safety", "incident"),
        safety_hypothetical=many("safety", "hypothetical"),
        safety_first_person=many("safety", "first_person"),
        legal=many("legal"),
        press=many("press"),
        complaint=many("complaint"),
        praise=many("praise"),
        sarcasm_praise=_compile(path, "sarcasm.praise_words", sarcasm["praise_words"]),
        sarcasm_problem=_compile(path, "sarcasm.problem_words", sarcasm["problem_words"]),
        sarcasm_markers=_compile(path, "sarcasm.markers", sarcasm["markers"]),
        sarcasm_weak_markers=_compile(path, "sarcasm.weak_markers", sarcasm["weak_markers"]),
        question=many("question"),
        question_after_comma=many("question", "after_comma"),
        account=many("account"),
        order_topic=many("order_topic"),
        personal_data=many("personal_data"),
        sentiment_lexicon={k: float(v) for k, v in section("sentiment").get("lexicon", {}).items()},
        languages={k: frozenset(v) for k, v in section("languages").items()},
    )


def any_match(patterns: tuple[Pattern, ...], text: str) -> Pattern | None:
    """Return the first pattern that matches `text`, or None."""
    for pattern in patterns:
        if pattern.search(text):
            return pattern
    return None
