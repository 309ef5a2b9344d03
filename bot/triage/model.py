"""A small learned reading of intent and sentiment, trained on the project's own posts.

Rules catch what a phrase can name; they miss the plain report of a problem ("flight 212, three
hours at the gate and nobody says anything") that has no telling word. This model reads the
whole post: a multinomial logistic regression over the post's WordLlama embedding (the
embedder whose weights ship in its wheel), one head for intent and one for sentiment.

It is trained by `scripts/train_triage_model.py` on `training/triage/*.jsonl`, posts the
project wrote for the purpose, in seven languages and many kinds of business; no public data set
is in it. The weights (`intent_model.npz`, a few hundred kilobytes) ship with the package, and
the test suite retrains from the data and checks that they match, so the file can never drift
from its source.
"""

from __future__ import annotations

import itertools
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.ports import Embedder

INTENTS = ("complaint", "question", "praise", "other", "abuse")
SENTIMENTS = ("negative", "neutral", "positive")
MODEL_FILE = Path(__file__).with_name("intent_model.npz")
_NOISE = re.compile(r"https?://\S+|(?<!\w)@\w+")
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|[!?]+")
BUCKETS = 4096  # hashed word and word-pair slots
HASHED_SCALE = 4.0  # the hashed view's length, about that of the scaled embedding's part


class ModelError(ValueError):
    """The model file is missing, or was trained on another embedder."""


@dataclass(frozen=True)
class Reading:
    """The model's probabilities for one post."""

    intent: dict[str, float]
    sentiment: dict[str, float]

    @property
    def polarity(self) -> float:
        """Return P(positive) − P(negative), in [-1, 1]."""
        return self.sentiment["positive"] - self.sentiment["negative"]


def features(texts: Sequence[str], embedder: Embedder) -> np.ndarray:
    """Return the model's input for each text (handles and links taken out).

    Two views of the post side by side: its embedding, which carries meaning across wordings
    and languages, and its words and word pairs hashed into `BUCKETS` slots, which carry the
    exact phrasing ("still no", "on hold"). Both are scaled so their components are about unit
    size, which gradient descent with a fixed step needs to converge in a few hundred steps.
    """
    cleaned = [_NOISE.sub(" ", t).strip() or t for t in texts]
    dense = embedder.embed(cleaned)
    dense = dense * np.sqrt(dense.shape[1])
    hashed = np.zeros((len(cleaned), BUCKETS), dtype=np.float32)
    for row, text in enumerate(cleaned):
        tokens = _TOKEN.findall(text.casefold())
        grams = {*tokens, *(f"{a} {b}" for a, b in itertools.pairwise(tokens))}
        for gram in grams:
            hashed[row, zlib.crc32(gram.encode()) % BUCKETS] = 1.0
        norm = float(np.linalg.norm(hashed[row]))
        if norm:
            hashed[row] *= HASHED_SCALE / norm
    return np.hstack([dense, hashed])


def softmax_regression(
    x: np.ndarray, y: np.ndarray, classes: int, l2: float, steps: int, rate: float
) -> np.ndarray:
    """Fit a multinomial logistic regression by full-batch gradient descent (deterministic)."""
    xb = np.hstack([x, np.ones((len(x), 1), dtype=x.dtype)]).astype(np.float64)
    onehot = np.eye(classes)[y]
    # Classes are weighted by inverse frequency, so a rare class (abuse) is not drowned out.
    weights = (len(y) / (classes * np.bincount(y, minlength=classes).clip(min=1)))[y]
    w = np.zeros((xb.shape[1], classes))
    for _ in range(steps):
        p = _softmax(xb @ w)
        grad = xb.T @ ((p - onehot) * weights[:, None]) / len(xb) + l2 * w
        w -= rate * grad
    return w


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class IntentModel:
    """Reads intent and sentiment probabilities for posts."""

    def __init__(self, embedder: Embedder, path: Path = MODEL_FILE) -> None:
        try:
            data = np.load(path, allow_pickle=False)
        except FileNotFoundError:
            raise ModelError(f"triage model not found: {path}") from None
        trained_on = str(data["embedder"])
        if trained_on != embedder.name:
            raise ModelError(
                f"{path} was trained on {trained_on} vectors, but the embedder is {embedder.name}"
            )
        self.embedder = embedder
        self._intent = data["intent"]
        self._sentiment = data["sentiment"]

    def read(self, texts: Sequence[str]) -> list[Reading]:
        """Return one reading per text."""
        if not texts:
            return []
        x = features(texts, self.embedder).astype(np.float64)
        xb = np.hstack([x, np.ones((len(x), 1))])
        pi, ps = _softmax(xb @ self._intent), _softmax(xb @ self._sentiment)
        return [
            Reading(
                dict(zip(INTENTS, map(float, a), strict=True)),
                dict(zip(SENTIMENTS, map(float, b), strict=True)),
            )
            for a, b in zip(pi, ps, strict=True)
        ]
