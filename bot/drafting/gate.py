"""The answer gate: one calibrated judgement of whether the chosen sentences answer a question.

The grounder ranks sentences and its hand-set `can_answer` decides whether the knowledge base
touches the question at all. That left the offline drafter answering the wrong question with
confidence: a sentence that shares the question's words but not its point. The gate looks at
the sentences the drafter actually chose and asks how likely they are to be the answer; below
the threshold the reply becomes a holding reply and the mention goes to a person.

The model is a logistic regression over the grounder's named signals. Its weights, scaling and
threshold are data (`prompts/answer_gate.toml`), fitted by `scripts/fit_answer_gate.py` on the
labelled brands and scored there leave-one-brand-out, so the threshold is the one that held up
on a brand the fit had not seen. Nothing here names a brand or a phrasing.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.drafting.grounding import Evidence

FEATURES = (
    "coverage",  # share of the question's rare words the first answer has
    "similarity",  # its embedding similarity to the question
    "score",  # its ranking score
    "fits",  # it has the kind of answer asked for (a duration for "how long")
    "product",  # it names the product asked about (+1) or only other products (-1)
    "source",  # its passage's retrieval score, relative to the best passage
    "margin",  # how far it is ahead of the best sentence not chosen
    "unknown",  # share of the question's words the knowledge base never uses
    "answerability",  # the grounder's own answer-or-hold score
)


def features(
    chosen: Sequence[Evidence],
    evidence: Sequence[Evidence],
    unknown: float,
    answerability: float,
) -> dict[str, float]:
    """The gate's inputs for the sentences chosen to answer a one-part question."""
    first = chosen[0]
    signals = dict(first.signals)
    said = {c.sentence for c in chosen}
    rest = [e.score for e in evidence if e.sentence not in said]
    return {
        "coverage": first.coverage,
        "similarity": first.similarity,
        "score": first.score,
        "fits": float(first.fits),
        "product": signals.get("product", 0.0),
        "source": signals.get("source", 0.0),
        "margin": first.score - max(rest, default=0.0),
        "unknown": unknown,
        "answerability": answerability,
    }


@dataclass(frozen=True)
class AnswerGate:
    """A fitted logistic model and the probability below which a question is held."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float

    def __post_init__(self) -> None:
        for name in ("mean", "scale", "weights"):
            if len(getattr(self, name)) != len(FEATURES):
                raise ValueError(f"answer gate: {name} needs {len(FEATURES)} values")
        if any(s <= 0 for s in self.scale):
            raise ValueError("answer gate: every scale must be positive")
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError("answer gate: threshold must lie in [0, 1]")

    @classmethod
    def load(cls, path: Path) -> AnswerGate | None:
        """Read the gate from TOML; a missing file means no gate (every answer stands)."""
        if not path.exists():
            return None
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            model = data["model"]
            if tuple(model["features"]) != FEATURES:
                raise ValueError(f"features must be {list(FEATURES)}; refit the gate")
            return cls(
                tuple(float(v) for v in model["mean"]),
                tuple(float(v) for v in model["scale"]),
                tuple(float(v) for v in model["weights"]),
                float(model["bias"]),
                float(data["threshold"]),
            )
        except (KeyError, TypeError, ValueError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"{path}: not a valid answer gate ({exc})") from exc

    def probability(self, values: Mapping[str, float]) -> float:
        """How likely the chosen sentences are to hold the answer."""
        z = self.bias + sum(
            w * (values[name] - m) / s
            for name, m, s, w in zip(FEATURES, self.mean, self.scale, self.weights, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def passes(self, values: Mapping[str, float]) -> bool:
        return self.probability(values) >= self.threshold
