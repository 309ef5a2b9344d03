"""What the measurement scripts share: a labelled brand's engine, and a deterministic logistic fit.

Used by `grounding_report.py` and `fit_answer_gate.py`; not part of the bot.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import container  # noqa: E402
from bot.jsonl import Line, LineError, read_lines  # noqa: E402
from bot.settings import load_settings  # noqa: E402


def brand_engine(
    data_dir: Path, kb: str, labels: str, brand: str, handle: str
) -> tuple[container.Core, list[Line]]:
    """The offline engine on one labelled brand (index in `data_dir`) and its readable lines."""
    settings = load_settings(
        knowledge_dir=ROOT / kb, data_dir=data_dir, brand_name=brand, brand_handle=handle
    )
    core = container.build_core(settings, None, offline=True)
    with (ROOT / labels).open(encoding="utf-8") as stream:
        lines = [x for x in read_lines(stream) if not isinstance(x, LineError)]
    return core, lines


def logistic_fit(
    x: list[list[float]],
    y: list[bool],
    *,
    l2: float = 0.01,
    steps: int = 2000,
    eps: float = 1e-9,
    sign: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Full-batch gradient descent from zeros (deterministic): mean, scale, weights + bias.

    With `sign` (+1 or -1 per feature), each weight is held to that sign after every step."""
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    mean, scale = xs.mean(axis=0), xs.std(axis=0) + eps
    z = np.hstack([(xs - mean) / scale, np.ones((len(xs), 1))])
    w = np.zeros(z.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        w -= 0.5 * (z.T @ (p - ys) / len(z) + l2 * np.r_[w[:-1], 0.0])
        if sign is not None:
            w[:-1] = sign * np.maximum(sign * w[:-1], 0.0)
    return mean, scale, w
