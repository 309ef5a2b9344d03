"""Train the triage model (`bot/triage/intent_model.npz`) from `training/triage/*.jsonl`.

Usage: .venv/bin/python scripts/train_triage_model.py [--check]

Every line of the training files is a post the project wrote ({"text", "lang", "domain",
"intent", "sentiment"}). Training is deterministic (full-batch gradient descent from zeros), so
`--check` retrains and exits 1 when the shipped weights differ from what the data gives.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.knowledge.embeddings import WordLlamaEmbedder  # noqa: E402
from bot.triage.model import (  # noqa: E402
    INTENTS,
    MODEL_FILE,
    SENTIMENTS,
    features,
    softmax_regression,
)

DATA = ROOT / "training" / "triage"
# Chosen by 5-fold cross-validation on the training files themselves, never on an evaluation
# set (`--cv` prints the table): weaker regularisation overfits the written posts, stronger
# gains nothing.
L2 = 0.01
STEPS = 400
RATE = 0.5


def load(directory: Path = DATA) -> list[dict]:
    """Read every training line; a malformed one stops training with its file and line."""
    rows = []
    for path in sorted(directory.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if row["intent"] not in INTENTS or row["sentiment"] not in SENTIMENTS:
                    raise ValueError(f"unknown label {row['intent']!r}/{row['sentiment']!r}")
                if not str(row["text"]).strip():
                    raise ValueError("empty text")
            except (ValueError, KeyError, TypeError) as exc:
                raise SystemExit(f"{path}:{number}: {exc}") from None
            rows.append(row)
    return rows


def train(rows: list[dict]) -> dict[str, np.ndarray]:
    """Return the weights and their provenance."""
    embedder = WordLlamaEmbedder()
    x = features([r["text"] for r in rows], embedder).astype(np.float64)
    yi = np.array([INTENTS.index(r["intent"]) for r in rows])
    ys = np.array([SENTIMENTS.index(r["sentiment"]) for r in rows])
    return {
        "intent": softmax_regression(x, yi, len(INTENTS), L2, STEPS, RATE),
        "sentiment": softmax_regression(x, ys, len(SENTIMENTS), L2, STEPS, RATE),
        "embedder": np.array(embedder.name),
        "examples": np.array(len(rows)),
    }


def cross_validate(rows: list[dict], folds: int = 5) -> None:
    """Print held-out accuracy for a few settings (folds split by line order, every k-th)."""
    embedder = WordLlamaEmbedder()
    x = features([r["text"] for r in rows], embedder).astype(np.float64)
    for head, labels in (("intent", INTENTS), ("sentiment", SENTIMENTS)):
        y = np.array([labels.index(r[head]) for r in rows])
        for l2 in (1e-2, 3e-2, 1e-1, 3e-1):
            for steps in (400,):
                right = 0
                for k in range(folds):
                    test = np.arange(len(rows)) % folds == k
                    w = softmax_regression(x[~test], y[~test], len(labels), l2, steps, RATE)
                    xb = np.hstack([x[test], np.ones((int(test.sum()), 1))])
                    right += int(((xb @ w).argmax(axis=1) == y[test]).sum())
                print(
                    f"{head:9} l2={l2:g} steps={steps}: held-out accuracy {right / len(rows):.3f}"
                )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped weights")
    parser.add_argument("--cv", action="store_true", help="cross-validate the settings")
    args = parser.parse_args()
    rows = load()
    if args.cv:
        cross_validate(rows)
        return 0
    model = train(rows)
    if args.check:
        shipped = np.load(MODEL_FILE, allow_pickle=False)
        same = all(
            np.allclose(shipped[k], model[k], atol=1e-6) for k in ("intent", "sentiment")
        ) and str(shipped["embedder"]) == str(model["embedder"])
        print("weights match the training data" if same else "weights differ: retrain")
        return 0 if same else 1
    np.savez_compressed(MODEL_FILE, **model)
    print(f"trained on {len(rows)} posts → {MODEL_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
