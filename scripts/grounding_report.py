"""How well do the grounder's signals tell an answer from a near miss? A held-out measurement.

Usage: .venv/bin/python scripts/grounding_report.py

This asks whether one calibrated score over the grounder's named signals could decide
answer-or-hold better than today's hand-set weights and threshold (issue 17). It prints, for the
grounder as it is (hand weights, `Grounder.can_answer`) and for a logistic model over the same
signals scored leave-one-brand-out, how often the best sentence holds a labelled fact, and how
many answerable and out-of-KB questions each decision holds.

For every labelled question and complaint with `facts` (or `out_of_kb`), the bot triages and
retrieves as in production, and every candidate sentence the grounder scores becomes one example:
positive when it (with the sentence it is quoted with) holds a labelled fact from a labelled
source, negative otherwise; every candidate for an out-of-KB question is negative. The signals do
not depend on the weights, so fitting is not circular.

Each brand is scored by a model fitted on the others; the sweep's cost is WRONG_COST ×
out-of-KB questions answered + answerable questions held. The brands listed here have all been
read and tuned on: figures from this script are tuned figures, never first-run ones.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from labelled import brand_engine, logistic_fit  # noqa: E402

from bot.domain import Flag  # noqa: E402
from bot.drafting.offline import _with_next  # noqa: E402
from bot.evaluation import _norm  # noqa: E402

# (name, knowledge, labels, brand, handle): the tuned-on sets. New blind brands stay out.
BRANDS = [
    ("Ampwell", "knowledge", "samples/labelled.jsonl", "Ampwell", "ampwell"),
    (
        "Brewline",
        "tests/fixtures/kb_other",
        "tests/fixtures/kb_other_labelled.jsonl",
        "Brewline",
        "brewline",
    ),
    (
        "Lumo",
        "tests/fixtures/kb_third",
        "tests/fixtures/kb_third_labelled.jsonl",
        "Lumo Mobile",
        "lumomobile",
    ),
    (
        "Nestwerk",
        "tests/fixtures/kb_fourth",
        "tests/fixtures/kb_fourth_labelled.jsonl",
        "Nestwerk",
        "nestwerk",
    ),
    (
        "Oskvelt",
        "tests/fixtures/kb_fifth",
        "tests/fixtures/kb_fifth_labelled.jsonl",
        "Oskvelt",
        "oskvelt",
    ),
    (
        "Varnhoek",
        "tests/fixtures/kb_sixth",
        "tests/fixtures/kb_sixth_labelled.jsonl",
        "Varnhoek",
        "varnhoek",
    ),
]
THRESHOLDS = [round(0.05 * i, 2) for i in range(1, 15)]
WRONG_COST = 4.0  # a confidently wrong draft costs this many holding replies
SIGNALS = ("coverage", "similarity", "source", "fits", "phrase", "label", "product")
FEATURES = (*SIGNALS, "unknown", "foreign", "cov_sim")


@dataclass(frozen=True)
class Logistic:
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray

    def probability(self, x: list[float]) -> float:
        z = np.r_[(np.asarray(x) - self.mean) / self.scale, 1.0] @ self.weights
        return float(1.0 / (1.0 + np.exp(-z)))


def fit(x: list[list[float]], y: list[bool]) -> Logistic:
    return Logistic(*logistic_fit(x, y))


def collect(data_root: Path) -> list[dict]:
    """One row per labelled question: its brand, whether it is out of KB, and its candidates."""
    rows = []
    for name, kb, labels, brand, handle in BRANDS:
        core, lines = brand_engine(data_root / name, kb, labels, brand, handle)
        outcomes = core.pipeline.process_many([line.mention for line in lines])
        for outcome, line in zip(outcomes, lines, strict=True):
            expect = line.raw.get("expect", {})
            triage = outcome.triage
            facts = [_norm(f) for f in expect.get("facts", [])]
            oob = bool(expect.get("out_of_kb"))
            if not triage.should_reply or Flag.SAFETY in triage.flags or not (facts or oob):
                continue
            wanted = set(expect.get("sources") or [])
            text, language, grounder = outcome.mention.text, triage.language, core.grounder
            unknown = grounder.unknown_share(grounder.terms(text, language))
            candidates = []
            for e in grounder.evidence(text, outcome.sources, language):
                quoted = _norm(_with_next(e))
                hit = any(f in quoted for f in facts) and (not wanted or e.source.doc in wanted)
                signals = dict(e.signals)
                x = [signals.get(f, 0.0) for f in SIGNALS]
                x += [unknown, float(language != "en"), x[0] * x[1]]
                candidates.append((x, hit and not oob))
            rows.append(
                {
                    "brand": name,
                    "oob": oob,
                    "candidates": candidates,
                    "can_answer": grounder.can_answer(text, outcome.sources, language),
                }
            )
        print(f"{name}: {sum(r['brand'] == name for r in rows)} questions", file=sys.stderr)
    return rows


def _examples(rows: list[dict]) -> tuple[list[list[float]], list[bool]]:
    x = [c[0] for r in rows for c in r["candidates"]]
    y = [c[1] for r in rows for c in r["candidates"]]
    return x, y


def held_out(rows: list[dict]) -> list[tuple[bool, float, bool]]:
    """(out of KB, best probability, best is right) per question, each brand scored by a model
    fitted on the others."""
    out = []
    for brand in dict.fromkeys(r["brand"] for r in rows):
        model = fit(*_examples([r for r in rows if r["brand"] != brand]))
        for row in (r for r in rows if r["brand"] == brand):
            probs = [model.probability(c[0]) for c in row["candidates"]]
            if not probs:
                out.append((row["oob"], 0.0, False))
                continue
            best = int(np.argmax(probs))
            out.append((row["oob"], probs[best], bool(row["candidates"][best][1])))
    return out


def table(results: list[tuple[bool, float, bool]]) -> tuple[float, list[str]]:
    """Return the cheapest threshold and the printed sweep."""
    answerable = [r for r in results if not r[0]]
    oob = [r for r in results if r[0]]
    lines = ["threshold  facts right  wrong/drafts  answerable held  oob held  cost"]
    best = (float("inf"), THRESHOLDS[0])
    for tau in THRESHOLDS:
        drafted = [r for r in results if r[1] >= tau]
        wrong = sum(1 for r in drafted if r[0] or not r[2])
        right = sum(1 for r in drafted if not r[0] and r[2])
        # The decision this threshold makes is whether the knowledge base answers at all: its
        # errors are an out-of-KB question answered and an answerable one held. Quoting the
        # wrong sentence for an answerable question is the ranking's error ("facts right").
        answered_oob = sum(1 for r in oob if r[1] >= tau)
        held = sum(1 for r in answerable if r[1] < tau)
        cost = WRONG_COST * answered_oob + held
        best = min(best, (cost, tau))
        lines.append(
            f"{tau:9.2f}  {right / max(len(answerable), 1):11.2f}  "
            f"{wrong / max(len(drafted), 1):12.2f}  {held / max(len(answerable), 1):15.2f}  "
            f"{sum(r[1] < tau for r in oob) / max(len(oob), 1):8.2f}  {cost:4.0f}"
        )
    return best[1], lines


def main() -> int:
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        rows = collect(Path(tmp))
    answerable = [r for r in rows if not r["oob"]]
    oob = [r for r in rows if r["oob"]]
    top = sum(1 for r in answerable if r["candidates"] and r["candidates"][0][1])
    print("The grounder as it is (hand weights, Grounder.can_answer):")
    print(f"  best sentence holds a fact: {top / max(len(answerable), 1):.2f}")
    held = sum(1 for r in answerable if not r["can_answer"]) / max(len(answerable), 1)
    print(f"  answerable questions held:  {held:.2f}")
    oob_held = sum(1 for r in oob if not r["can_answer"]) / max(len(oob), 1)
    print(f"  out-of-KB questions held:   {oob_held:.2f}")
    print("A logistic model over the same signals, leave-one-brand-out:")
    threshold, lines = table(held_out(rows))
    print("\n".join(lines))
    print(
        f"cheapest threshold {threshold} (cost = {WRONG_COST:g} × oob answered + answerable held)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
