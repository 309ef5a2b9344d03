"""Fit the offline drafter's answer gate (`prompts/answer_gate.toml`) and report it held out.

Usage: .venv/bin/python scripts/fit_answer_gate.py [--write]

Every labelled question on the tuned-on brands is drafted as in production with a gate that
lets everything through and records what it was shown (`bot.drafting.gate.features`). A draft is
a positive example when it holds every labelled fact of an answerable question, a negative one
otherwise. Each brand is then scored by a model fitted on the other brands, and the sweep shows
what each threshold keeps and holds there, with its cost for a wrong draft let through costing
one, two or three facts held back. `--write` fits on all brands and writes the model with the
threshold cheapest held out at a cost of one: a wrong draft costs the reviewer as much as a right
one held (either way they write the reply). Costs of two or more made the cheapest gate hold
nearly every question, which leaves a reviewer writing every reply by hand: the signals do not
separate answers from near misses well enough for more (see the README).

The brands below have been read and tuned on: the figures printed are tuned figures. Snuffora and
Halmstrek joined once their misses were read (seventh session); the blind brands written after them
stay out so that their first runs remain first runs.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from labelled import brand_engine, logistic_fit  # noqa: E402

from bot.drafting.gate import FEATURES, AnswerGate  # noqa: E402
from bot.evaluation import _norm, quotes_knowledge  # noqa: E402

# (knowledge, labels, brand, handle): the sets tuned on, as the Makefile's eval runs them.
BRANDS = [
    ("knowledge", "samples/labelled.jsonl", "Ampwell", "ampwell"),
    ("tests/fixtures/kb_other", "tests/fixtures/kb_other_labelled.jsonl", "Brewline", "brewline"),
    ("tests/fixtures/kb_third", "tests/fixtures/kb_third_labelled.jsonl", "Lumo Mobile", "lumo"),
    ("tests/fixtures/kb_fourth", "tests/fixtures/kb_fourth_labelled.jsonl", "Nestwerk", "nestwerk"),
    ("tests/fixtures/kb_fifth", "tests/fixtures/kb_fifth_labelled.jsonl", "Oskvelt", "oskvelt"),
    ("tests/fixtures/kb_sixth", "tests/fixtures/kb_sixth_labelled.jsonl", "Varnhoek", "varnhoek"),
    ("tests/fixtures/kb_seventh", "tests/fixtures/kb_seventh_labelled.jsonl", "Quillbrook", "qb"),
    ("tests/fixtures/kb_eighth", "tests/fixtures/kb_eighth_labelled.jsonl", "Tarnfield", "tf"),
    ("tests/fixtures/kb_ninth", "tests/fixtures/kb_ninth_labelled.jsonl", "Brevaan", "brevaan"),
    ("tests/fixtures/kb_tenth", "tests/fixtures/kb_tenth_labelled.jsonl", "Lumkaar", "lumkaar"),
    ("tests/fixtures/kb_eleventh", "tests/fixtures/kb_eleventh_labelled.jsonl", "Snuffora", "sf"),
    ("tests/fixtures/kb_twelfth", "tests/fixtures/kb_twelfth_labelled.jsonl", "Halmstrek", "hs"),
]
WRITE_COST = 1.0  # the cost whose cheapest held-out threshold is written
COSTS = (1.0, 2.0, 3.0)  # a wrong draft let through costs this many facts held back
THRESHOLDS = [round(0.05 * i, 2) for i in range(0, 19)]


@dataclass(frozen=True)
class Example:
    brand: str
    x: list[float]
    right: bool  # holds every labelled fact of an answerable question
    wrong: bool  # quotes the knowledge base without the facts, or answers an out-of-KB one
    facts: int  # labelled facts the draft holds: what holding it would lose


class _Recorder(AnswerGate):
    """A gate that lets every answer through and keeps what it was shown."""

    seen: ClassVar[list[dict[str, float]]] = []

    def passes(self, values: Mapping[str, float]) -> bool:
        self.seen.append(dict(values))
        return True


def collect(data_root: Path) -> list[Example]:
    n = len(FEATURES)
    recorder = _Recorder((0.0,) * n, (1.0,) * n, (0.0,) * n, 0.0, 0.0)
    examples = []
    for kb, labels, brand, handle in BRANDS:
        core, lines = brand_engine(data_root / brand, kb, labels, brand, handle)
        core.drafter.gate = recorder
        for line in lines:
            expect = line.raw.get("expect", {})
            if not (expect.get("facts") or expect.get("out_of_kb")):
                continue
            recorder.seen.clear()
            (outcome,) = core.pipeline.process_many([line.mention])
            if not recorder.seen or outcome.draft is None:
                continue
            draft = _norm(outcome.draft.text)
            facts = [f for f in expect.get("facts", []) if _norm(f) in draft]
            oob = bool(expect.get("out_of_kb"))
            missing = len(facts) < len(expect.get("facts", []))
            wrong = quotes_knowledge(outcome.draft.text, outcome) and (missing or oob)
            x = [recorder.seen[-1][f] for f in FEATURES]
            examples.append(Example(brand, x, not oob and not missing, wrong, len(facts)))
        print(
            f"{brand}: {sum(e.brand == brand for e in examples)} drafted questions", file=sys.stderr
        )
    return examples


def fit(examples: list[Example]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, scale, weights and bias over the examples (deterministic)."""
    # More of a good signal never lowers the gate's trust, more unknown words never raise it:
    # the signals overlap (score is made of coverage and similarity), and without this the fit
    # gives one of a pair a negative weight that no brand's reviewer could make sense of.
    sign = np.asarray([-1.0 if f == "unknown" else 1.0 for f in FEATURES])
    x, y = [e.x for e in examples], [e.right for e in examples]
    return logistic_fit(x, y, steps=3000, eps=1e-6, sign=sign)


def _gate(model: tuple[np.ndarray, np.ndarray, np.ndarray], threshold: float) -> AnswerGate:
    mean, scale, w = model
    return AnswerGate(
        tuple(mean.tolist()), tuple(scale.tolist()), tuple(w[:-1].tolist()), float(w[-1]), threshold
    )


def held_out(examples: list[Example]) -> list[tuple[Example, float]]:
    out = []
    for brand in dict.fromkeys(e.brand for e in examples):
        gate = _gate(fit([e for e in examples if e.brand != brand]), 0.0)
        for e in (e for e in examples if e.brand == brand):
            out.append((e, gate.probability(dict(zip(FEATURES, e.x, strict=True)))))
    return out


def sweep(scored: list[tuple[Example, float]]) -> tuple[float, list[str]]:
    facts = sum(e.facts for e, _ in scored)
    wrong = sum(e.wrong for e, _ in scored)
    costs = "  ".join(f"cost×{c:g}" for c in COSTS)
    lines = [
        f"{len(scored)} drafted questions, {facts} facts in them, {wrong} wrong answers ungated",
        f"threshold  facts kept  wrong let through  drafts held  {costs}",
    ]
    best = (float("inf"), 0.0)
    for tau in THRESHOLDS:
        kept = [(e, p) for e, p in scored if p >= tau]
        lost = facts - sum(e.facts for e, _ in kept)
        through = sum(e.wrong for e, _ in kept)
        best = min(best, (WRITE_COST * through + lost, tau))
        cost = "  ".join(f"{c * through + lost:6.0f}" for c in COSTS)
        lines.append(
            f"{tau:9.2f}  {facts - lost:10d}  {through:17d}  {len(scored) - len(kept):11d}  {cost}"
        )
    return best[1], lines


def write(path: Path, model: tuple[np.ndarray, np.ndarray, np.ndarray], tau: float) -> None:
    mean, scale, w = model

    def row(values: np.ndarray) -> str:
        return "[" + ", ".join(f"{v:.6f}" for v in values) + "]"

    path.write_text(
        "# The offline drafter's answer gate (bot/drafting/gate.py). Written by\n"
        "# scripts/fit_answer_gate.py --write; do not edit by hand, refit instead.\n"
        "# The threshold is the cheapest leave-one-brand-out when a wrong draft costs as\n"
        "# much as a right one held; the script prints what each threshold keeps and holds.\n"
        f"threshold = {tau:.2f}\n\n[model]\n"
        f"features = {json.dumps(list(FEATURES))}\n"
        f"mean = {row(mean)}\nscale = {row(scale)}\nweights = {row(w[:-1])}\nbias = {w[-1]:.6f}\n",
        encoding="utf-8",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write prompts/answer_gate.toml")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        examples = collect(Path(tmp))
    print("Leave-one-brand-out (tuned brands; tuned figures):")
    tau, lines = sweep(held_out(examples))
    print("\n".join(lines))
    print(f"cheapest threshold at a cost of {WRITE_COST:g}: {tau}")
    if args.write:
        write(ROOT / "prompts" / "answer_gate.toml", fit(examples), tau)
        print("wrote prompts/answer_gate.toml")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
