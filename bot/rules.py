"""Load the triage rules (`prompts/triage_rules.toml`) into compiled patterns.

The rules are data so a team can tune them without touching code; this module only validates
and compiles them, failing with the file and key named when a pattern is broken. Injection and
spam are scored: each is a set of named signals with a weight, and a mention is blocked when the
signals it shows add up to the category's threshold, so no single loose phrase decides alone.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.patterns import PatternSet

Pattern = re.Pattern[str]


class RulesError(ValueError):
    """The rules file is missing a section or holds an invalid pattern."""


@dataclass(frozen=True)
class Signal:
    """One named kind of evidence, with the weight it adds when any of its patterns match."""

    name: str
    weight: float
    patterns: tuple[str, ...]


class ScoredSignals:
    """A category decided by the sum of the weights of the signals it shows (see `found`)."""

    def __init__(self, signals: Iterable[Signal], threshold: float) -> None:
        self.signals = tuple(signals)
        self.threshold = threshold
        # All signals' patterns in one set: one scan of a text finds every signal's matches.
        self._owner = [i for i, s in enumerate(self.signals) for _ in s.patterns]
        self._all = PatternSet([p for s in self.signals for p in s.patterns])

    def found(self, texts: Iterable[str]) -> dict[str, float]:
        """Return the signals that match any of `texts`, with the weight each adds.

        A signal adds its weight once however often one phrase recurs; each further, separate
        place where one of its patterns matches (other evidence of the same kind) adds half as
        much again, up to twice the weight.
        """
        pieces = [0] * len(self.signals)
        for text in texts:
            if not text:
                continue
            spans: list[list[tuple[int, int]]] = [[] for _ in self.signals]
            for index, match in self._all.matches_by_pattern(text):
                spans[self._owner[index]].append(match.span())
            for i, found in enumerate(spans):
                pieces[i] = max(pieces[i], _separate(found))
        return {
            s.name: s.weight * min(2.0, 1 + 0.5 * (n - 1))
            for s, n in zip(self.signals, pieces, strict=True)
            if n
        }


def _separate(spans: list[tuple[int, int]]) -> int:
    """Count the separate places among match spans (overlapping ones count once)."""
    count, end = 0, -1
    for start, stop in sorted(spans):
        if start >= end:
            count, end = count + 1, stop
    return count


@dataclass(frozen=True)
class Rules:
    injection: ScoredSignals
    injection_markers: dict[str, float]
    spam: ScoredSignals
    spam_computed: dict[str, float]
    safety_incident: PatternSet
    safety_hypothetical: PatternSet
    safety_someday: PatternSet
    safety_enclosed: PatternSet
    safety_ongoing: PatternSet
    safety_symptoms: PatternSet
    safety_first_person: PatternSet
    safety_own_use: PatternSet
    safety_own_product: PatternSet
    safety_figurative: PatternSet
    hazard_event: PatternSet
    legal: PatternSet
    press: PatternSet
    complaint: PatternSet
    complaint_weak: PatternSet
    trouble: PatternSet
    trouble_story: PatternSet
    trouble_negation: PatternSet
    evaluation: PatternSet
    spam_report: PatternSet
    praise: PatternSet
    praise_doubt: PatternSet
    praise_resolved: PatternSet
    praise_unresolved: PatternSet
    abuse: PatternSet
    abuse_target: PatternSet
    mockery: PatternSet
    mockery_praise: PatternSet
    comparison: PatternSet
    abuse_people: PatternSet
    claims: PatternSet
    disbelief: PatternSet
    sarcasm_praise: PatternSet
    sarcasm_problem: PatternSet
    sarcasm_markers: PatternSet
    sarcasm_weak_markers: PatternSet
    question: PatternSet
    question_after_comma: PatternSet
    crowd: PatternSet
    laughter: PatternSet
    addressed: PatternSet
    thanks: PatternSet
    disowned: PatternSet
    account: PatternSet
    order_topic: PatternSet
    personal_data: PatternSet
    sentiment_lexicon: dict[str, float]
    stop_words: dict[str, frozenset[str]]
    safety_docs: PatternSet


def _compile(path: Path, key: str, pattern: object) -> Pattern:
    if not isinstance(pattern, str):
        raise RulesError(f"{path}: {key}: expected a string pattern, got {pattern!r}")
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise RulesError(f"{path}: {key}: invalid pattern {pattern!r}: {exc}") from None


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RulesError(f"rules file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: {exc}") from None


def _merge(into: dict, extra: dict, where: str) -> None:
    """Add a language pack's entries to the rules: lists grow, tables merge, signals by name."""
    for key, value in extra.items():
        here = f"{where}.{key}" if where else key
        if key not in into:
            into[key] = value
        elif isinstance(into[key], dict) and isinstance(value, dict):
            _merge(into[key], value, here)
        elif key == "signal" and isinstance(value, list):
            by_name = {s["name"]: s for s in into[key]}
            for signal in value:
                if signal.get("name") not in by_name:
                    raise RulesError(f"{here}: unknown signal {signal.get('name')!r}")
                by_name[signal["name"]]["patterns"] = [
                    *by_name[signal["name"]]["patterns"],
                    *signal.get("patterns", []),
                ]
        elif isinstance(into[key], list) and isinstance(value, list):
            into[key] = [*into[key], *value]
        elif isinstance(into[key], int | float) and isinstance(value, int | float):
            pass  # a lexicon word two languages share ("super"): the first valence stands
        else:
            raise RulesError(f"{here}: cannot add {type(value).__name__} to the rules here")


def load_rules(path: Path, languages: Path | None = None) -> Rules:
    """Read and compile the rules file at `path`, with the language packs beside it.

    A language pack (`triage_languages/<code>.toml` next to the rules file, or under
    `languages`) has the rules file's shape and adds its patterns, stop words and lexicon
    entries to the same categories, so a language is covered by adding a file.
    """
    data = _read(path)
    packs = languages if languages is not None else path.parent / "triage_languages"
    if packs.is_dir():
        for pack in sorted(packs.glob("*.toml")):
            try:
                _merge(data, _read(pack), "")
            except RulesError as exc:
                raise RulesError(f"{pack}: {exc}") from None

    def section(name: str) -> dict:
        if name not in data:
            raise RulesError(f"{path}: missing section [{name}]")
        return data[name]

    def validated(key: str, raw: object) -> list[str]:
        if not isinstance(raw, list):
            raise RulesError(f"{path}: {key}: expected a list of patterns")
        # Check each pattern on its own, so an error names it. Text is casefolded before it is
        # matched ("weiß" → "weiss"), so patterns are too, or a "ß" in one never matches.
        folded = [str(p).replace("ß", "ss") for p in raw]
        for pattern in folded:
            _compile(path, key, pattern)
        return folded

    def checked(key: str, raw: object) -> PatternSet:
        return PatternSet(validated(key, raw))

    def many(name: str, key: str = "patterns") -> PatternSet:
        return checked(f"{name}.{key}", section(name).get(key, []))

    def one(name: str, key: str) -> PatternSet:
        return checked(f"{name}.{key}", [section(name).get(key)])

    def scored(name: str) -> ScoredSignals:
        body = section(name)
        signals = []
        for i, item in enumerate(body.get("signal", [])):
            key = f"{name}.signal[{i}]"
            if not isinstance(item, dict) or "name" not in item or "weight" not in item:
                raise RulesError(f"{path}: {key}: a signal needs a name, a weight and patterns")
            # Validated here, compiled once with the category's other signals (ScoredSignals).
            patterns = validated(f"{key} ({item['name']})", item.get("patterns", []))
            signals.append(Signal(str(item["name"]), float(item["weight"]), tuple(patterns)))
        if not signals:
            raise RulesError(f"{path}: [{name}] has no [[{name}.signal]] entries")
        return ScoredSignals(tuple(signals), float(body.get("threshold", 2.0)))

    markers = section("injection").get("markers", {})
    computed = section("spam").get("computed", {})
    return Rules(
        injection=scored("injection"),
        injection_markers={str(k): float(v) for k, v in markers.items()},
        spam=scored("spam"),
        spam_computed={str(k): float(v) for k, v in computed.items()},
        safety_incident=many("safety", "incident"),
        safety_hypothetical=many("safety", "hypothetical"),
        safety_someday=many("safety", "someday"),
        safety_enclosed=many("safety", "enclosed"),
        safety_ongoing=many("safety", "ongoing"),
        safety_symptoms=many("safety", "symptoms"),
        safety_first_person=many("safety", "first_person"),
        safety_own_use=many("safety", "own_use"),
        safety_own_product=many("safety", "own_product"),
        safety_figurative=many("safety", "figurative"),
        hazard_event=many("safety", "hazard_event"),
        legal=many("legal"),
        press=many("press"),
        complaint=many("complaint"),
        complaint_weak=many("complaint_weak"),
        trouble=many("trouble"),
        trouble_story=many("trouble", "story"),
        trouble_negation=many("trouble", "negation"),
        evaluation=many("evaluation"),
        spam_report=many("spam_report"),
        praise=many("praise"),
        praise_doubt=many("praise_doubt"),
        praise_resolved=many("praise", "resolved"),
        praise_unresolved=many("praise", "unresolved"),
        abuse=many("abuse"),
        abuse_target=many("abuse", "targets"),
        mockery=many("abuse", "mockery"),
        mockery_praise=many("abuse", "mockery_praise"),
        comparison=many("abuse", "comparison"),
        abuse_people=many("abuse", "people"),
        claims=many("abuse", "claims"),
        disbelief=many("abuse", "disbelief"),
        sarcasm_praise=one("sarcasm", "praise_words"),
        sarcasm_problem=one("sarcasm", "problem_words"),
        sarcasm_markers=one("sarcasm", "markers"),
        sarcasm_weak_markers=one("sarcasm", "weak_markers"),
        question=many("question"),
        question_after_comma=many("question", "after_comma"),
        crowd=many("crowd"),
        laughter=many("crowd", "laughter"),
        addressed=many("crowd", "addressed"),
        thanks=many("crowd", "thanks"),
        disowned=many("crowd", "disowned"),
        account=many("account"),
        order_topic=many("order_topic"),
        personal_data=many("personal_data"),
        sentiment_lexicon={k: float(v) for k, v in section("sentiment").get("lexicon", {}).items()},
        stop_words={k: frozenset(v) for k, v in section("stop_words").items()},
        safety_docs=many("safety", "documents"),
    )
