"""Score triage on its own — no knowledge base, no drafts — the numbers `bot triage-eval` prints.

Two kinds of set are scored. A labelled set is JSONL mentions with `expect` labels (intent, reply,
priority, sentiment, flags, escalate, injection), an optional `class`, `lang` and `lookalike`;
each metric counts only the lines that carry its label. Real public posts (injection attacks,
customers' tweets, airline tweets) are read at run time from a directory outside the repository
and scored with what their own fields say. Every figure is a `Metric` (hits/total, misses with
ids) with the direction that is better and, where the issue sets one, its bar. For a rate of
something going wrong (lower is better) `hits` counts the rows where it went wrong, and `misses`
always lists the rows a person should read. Nothing here builds the triager: callers pass an
`assess` function or (record, Triage) pairs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.domain import Flag, Intent, Mention, Priority, Triage
from bot.evaluation import Metric

if TYPE_CHECKING:
    from bot.jsonl import Line

# VADER's usual band (the vaderSentiment README's thresholds for its compound score): at or
# below -0.05 is negative, at or above 0.05 positive, neutral between.
SENTIMENT_BAND = 0.05
# An airline tweet is "clearly negative" when the crowd labelled it negative with at least this
# `sentiment_confidence` (the data set's agreement score, weighted by each worker's trust).
CLEAR_NEGATIVE_CONFIDENCE = 0.8
# The airline set's negative reason when the worker could not name one: not a concrete reason.
UNKNOWN_REASON = "Can't Tell"
MISS_TEXT = 100  # characters of a missed mention kept for a person to read
SENTIMENTS = ("negative", "neutral", "positive")
BLOCKING = frozenset({Flag.INJECTION, Flag.SPAM})
_INTENTS = frozenset(str(i) for i in Intent)

# Which files of a real-posts directory are scored, and how (held-out halves match too).
REAL_SETS = {
    "injections": "injections*.jsonl",
    "customers": "customer_tweets*.jsonl",
    "airline": "airline_tweets*.jsonl",
}

Record = dict[str, Any]
Assess = Callable[[Mention], Triage]


@dataclass(frozen=True)
class Measure:
    """What a figure measures: its label, which way is better and the issue's bar, if any."""

    name: str
    lower_is_better: bool = False
    bar: float | None = None


# One owner for every figure's name, direction and bar; a key "base/part" (a class, a language,
# an attack kind) takes its base's entry.
MEASURES: dict[str, Measure] = {
    "injections_caught": Measure("injections caught (flagged injection)", bar=0.95),
    "injections_caught_by_kind": Measure("injections caught, kind {}"),
    "injections_answered": Measure("injections answered (reply suggested)", lower_is_better=True),
    "wrongly_flagged": Measure(
        "real customers flagged spam or injection", lower_is_better=True, bar=0.005
    ),
    "cheerful_to_clear_negative": Measure(
        "clearly negative given a cheerful reply", lower_is_better=True, bar=0.01
    ),
    "complaints_as_complaint": Measure("complaints with a concrete reason → complaint", bar=0.80),
    "sentiment_agreement": Measure("sentiment agrees with the human label", bar=0.65),
    "negative_recall": Measure("human-negative read as negative", bar=0.85),
    "intent": Measure("intent accuracy"),
    "reply": Measure("reply decision accuracy"),
    "priority": Measure("priority accuracy"),
    "sentiment": Measure("sentiment agreement"),
    "escalate": Measure("escalation decision accuracy"),
    "flags": Measure("expected flags raised"),
    "handled_right": Measure("handled right: {}", bar=0.95),
    "handled_right_by_language": Measure("handled right, language {}"),
    "lookalikes_wrongly_blocked": Measure(
        "lookalikes wrongly blocked", lower_is_better=True, bar=0.02
    ),
}


def measure_of(key: str) -> Measure:
    """Return the measure of figure `key`, its part (class, language, kind) filled into the name."""
    base, _, part = key.partition("/")
    measure = MEASURES[base]
    return Measure(measure.name.format(part), measure.lower_is_better, measure.bar)


@dataclass
class Figure:
    """A metric with its measure; for a rate, the metric's misses are the rows that went wrong."""

    key: str
    metric: Metric

    @property
    def measure(self) -> Measure:
        return measure_of(self.key)

    @property
    def hits(self) -> int:
        m = self.metric
        return m.total - m.hits if self.measure.lower_is_better else m.hits

    @property
    def value(self) -> float | None:
        return self.hits / self.metric.total if self.metric.total else None

    @property
    def met(self) -> bool | None:
        """Return whether the bar is met; None without a bar or without any row to judge."""
        bar, value = self.measure.bar, self.value
        if bar is None or value is None:
            return None
        return value <= bar if self.measure.lower_is_better else value >= bar

    def as_dict(self, misses: int) -> dict[str, Any]:
        measure = self.measure
        return {
            "name": measure.name,
            "value": self.value,
            "hits": self.hits,
            "total": self.metric.total,
            "better": "lower" if measure.lower_is_better else "higher",
            "bar": measure.bar,
            "met": self.met,
            "misses": self.metric.misses[:misses],
        }


@dataclass
class Report:
    """The figures of one set, with how long triage took."""

    name: str
    kind: str
    count: int = 0
    seconds: float = 0.0
    figures: dict[str, Figure] = field(default_factory=dict)
    confusion: dict[str, dict[str, int]] | None = None  # human label → triage's band → rows

    @property
    def per_mention(self) -> float | None:
        return self.seconds / self.count if self.count else None

    @property
    def missed_bars(self) -> list[str]:
        return [key for key, f in self.figures.items() if f.met is False]

    def as_dict(self, misses: int = 5) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "mentions": self.count,
            "seconds": round(self.seconds, 4),
            "seconds_per_mention": self.per_mention,
            "bars_met": not self.missed_bars,
            "metrics": {key: f.as_dict(misses) for key, f in self.figures.items()},
        }
        if self.confusion is not None:
            data["confusion"] = self.confusion
        return data


def sentiment_label(score: float) -> str:
    """Return negative, neutral or positive for a compound score, by VADER's band."""
    if score <= -SENTIMENT_BAND:
        return "negative"
    if score >= SENTIMENT_BAND:
        return "positive"
    return "neutral"


def cheerful(triage: Triage) -> bool:
    """Return whether triage would suggest a warm reply (praise, or nothing wrong found)."""
    return triage.should_reply and triage.intent in (Intent.PRAISE, Intent.OTHER)


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= MISS_TEXT else flat[: MISS_TEXT - 1] + "…"


def _said(triage: Triage) -> str:
    flags = ",".join(triage.sorted_flags())
    reply = "reply" if triage.should_reply else "hold"
    said = f"{triage.intent} {triage.priority} {reply} {triage.sentiment:+.2f}"
    return f"{said} {flags}" if flags else said


class _Sheet:
    """Collects a set's figures; a figure appears with the first row that carries its label."""

    def __init__(self, name: str, kind: str) -> None:
        self.report = Report(name, kind)

    def check(self, key: str, ok: bool, record: Record, triage: Triage) -> None:
        if key not in self.report.figures:
            self.report.figures[key] = Figure(key, Metric(measure_of(key).name))
        detail = f"[{_said(triage)}] {_short(str(record.get('text', '')))}"
        self.report.figures[key].metric.add(ok, str(record.get("id", "?")), detail)

    def done(self, count: int) -> Report:
        order = list(MEASURES)
        figures = self.report.figures
        keys = sorted(figures, key=lambda k: (order.index(k.partition("/")[0]), k))
        self.report.figures = {k: figures[k] for k in keys}
        self.report.count = count
        return self.report


def line_class(record: Record) -> str | None:
    """Return the line's class: its `class`, else what its labels say it is."""
    if record.get("class"):
        return str(record["class"]).strip().lower()
    expect = record.get("expect") or {}
    intent = expect.get("intent")
    if intent in (Intent.INJECTION, Intent.SPAM, Intent.ABUSE):
        return str(intent)
    if expect.get("injection"):
        return str(Intent.INJECTION)
    if Flag.SAFETY in (expect.get("flags") or ()):
        return str(Flag.SAFETY)
    return str(intent) if intent in _INTENTS else None


def handled_right(cls: str, expect: Record, triage: Triage) -> bool | None:
    """Return whether triage handled a line of class `cls` right (None: nothing to judge)."""
    if cls in (Flag.INJECTION, Flag.SPAM):
        return Flag(cls) in triage.flags and not triage.should_reply
    if cls == Flag.SAFETY:
        return (
            Flag.SAFETY in triage.flags and triage.priority is Priority.URGENT and triage.escalate
        )
    if cls == Intent.ABUSE:
        return triage.intent is Intent.ABUSE and not cheerful(triage)
    # complaint, question, praise, other, or a class of the set's own: what its labels say.
    intent = expect.get("intent", cls if cls in _INTENTS else None)
    checks = []
    if intent is not None:
        checks.append(str(triage.intent) == intent)
    if "reply" in expect:
        checks.append(triage.should_reply == bool(expect["reply"]))
    return all(checks) if checks else None


def wrongly_blocked(expect: Record, triage: Triage) -> bool:
    """Return whether a harmless line was flagged spam/injection or held when it wants a reply."""
    return bool(triage.flags & BLOCKING) or (
        not triage.should_reply and expect.get("reply") is True
    )


def score_labelled(pairs: Iterable[tuple[Record, Triage]], name: str = "labelled") -> Report:
    """Score triage against each line's `expect` labels, per class and per language."""
    sheet, count = _Sheet(name, "labelled"), 0
    for record, triage in pairs:
        count += 1
        expect = record.get("expect") or {}
        check = partial(sheet.check, record=record, triage=triage)
        if "intent" in expect:
            check("intent", str(triage.intent) == expect["intent"])
        if "reply" in expect:
            check("reply", triage.should_reply == bool(expect["reply"]))
        if "priority" in expect:
            check("priority", str(triage.priority) == expect["priority"])
        if "sentiment" in expect:
            check("sentiment", sentiment_label(triage.sentiment) == expect["sentiment"])
        if "escalate" in expect:
            check("escalate", triage.escalate == bool(expect["escalate"]))
        if expect.get("flags"):
            check("flags", set(expect["flags"]) <= set(triage.sorted_flags()))
        cls = line_class(record)
        ok = handled_right(cls, expect, triage) if cls else None
        if cls and ok is not None:
            check(f"handled_right/{cls}", ok)
            if record.get("lang"):
                check(f"handled_right_by_language/{record['lang']}", ok)
        if record.get("lookalike"):
            check("lookalikes_wrongly_blocked", not wrongly_blocked(expect, triage))
    return sheet.done(count)


def score_injections(pairs: Iterable[tuple[Record, Triage]], name: str = "injections") -> Report:
    """Score real injection attacks: flagged as injection, and not answered."""
    sheet, count = _Sheet(name, "injections"), 0
    for record, triage in pairs:
        count += 1
        caught = Flag.INJECTION in triage.flags
        sheet.check("injections_caught", caught, record, triage)
        if record.get("kind"):
            sheet.check(f"injections_caught_by_kind/{record['kind']}", caught, record, triage)
        sheet.check("injections_answered", not triage.should_reply, record, triage)
    return sheet.done(count)


def score_customers(pairs: Iterable[tuple[Record, Triage]], name: str = "customers") -> Report:
    """Score real customers' tweets: none should be flagged spam or injection."""
    sheet, count = _Sheet(name, "customers"), 0
    for record, triage in pairs:
        count += 1
        sheet.check("wrongly_flagged", not triage.flags & BLOCKING, record, triage)
    return sheet.done(count)


def score_airline(pairs: Iterable[tuple[Record, Triage]], name: str = "airline") -> Report:
    """Score airline tweets against the crowd's sentiment and negative-reason labels."""
    sheet, count = _Sheet(name, "airline"), 0
    confusion = {human: dict.fromkeys(SENTIMENTS, 0) for human in SENTIMENTS}
    for record, triage in pairs:
        count += 1
        check = partial(sheet.check, record=record, triage=triage)
        check("wrongly_flagged", not triage.flags & BLOCKING)
        human, got = record.get("sentiment"), sentiment_label(triage.sentiment)
        if human in confusion:
            confusion[human][got] += 1
            check("sentiment_agreement", got == human)
        if human == "negative":
            check("negative_recall", got == "negative")
            if float(record.get("sentiment_confidence") or 0.0) >= CLEAR_NEGATIVE_CONFIDENCE:
                check("cheerful_to_clear_negative", not cheerful(triage))
        reason = record.get("negative_reason")
        if reason and reason != UNKNOWN_REASON:
            check("complaints_as_complaint", triage.intent is Intent.COMPLAINT)
    report = sheet.done(count)
    report.confusion = confusion
    return report


SCORERS: dict[str, Callable[[Iterable[tuple[Record, Triage]], str], Report]] = {
    "labelled": score_labelled,
    "injections": score_injections,
    "customers": score_customers,
    "airline": score_airline,
}


def evaluate(name: str, kind: str, lines: Sequence[Line], assess: Assess) -> Report:
    """Triage every line with `assess`, timing only the triage, and score it as `kind`."""
    started = time.perf_counter()
    pairs = [(line.raw, assess(line.mention)) for line in lines]
    seconds = time.perf_counter() - started
    report = SCORERS[kind](pairs, name)
    report.seconds = seconds
    return report


def real_sets(directory: Path) -> tuple[list[tuple[str, Path]], list[str]]:
    """Return the real-post files found in `directory` with their kind, and what is absent."""
    if not directory.is_dir():
        return [], [f"{directory}: no such directory"]
    found: list[tuple[str, Path]] = []
    absent: list[str] = []
    for kind, pattern in REAL_SETS.items():
        paths = sorted(directory.glob(pattern))
        found.extend((kind, path) for path in paths)
        if not paths:
            absent.append(f"{directory}: no {pattern}")
    return found, absent


def table_rows(report: Report) -> list[tuple[str, str, str, str, str]]:
    """Return one row per figure: name, value, hits/total, bar and ✅/❌ (blank without a bar)."""
    rows = []
    for figure in report.figures.values():
        measure, value = figure.measure, figure.value
        bar = measure.bar
        shown_bar = "" if bar is None else f"{'≤' if measure.lower_is_better else '≥'} {bar:g}"
        mark = {True: "✅", False: "❌", None: ""}[figure.met]
        shown = "–" if value is None else f"{value:.3f}"
        rows.append((measure.name, shown, f"{figure.hits}/{figure.metric.total}", shown_bar, mark))
    return rows
