"""Embedders: WordLlama, whose weights ship inside its wheel (the offline default).

WordLlama's plain `load()` looks for its tokenizer in a user cache and tries to download it; the
wheel carries both files, so we load with the package folder as the cache and downloads off.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.ports import Embedder


class WordLlamaEmbedder:
    """Static word embeddings (256 dimensions) that run offline on the CPU."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self._model: Any = None
        self._name = f"wordllama-l2_supercat-{dim}"

    def _load(self) -> Any:
        if self._model is None:
            import wordllama
            from wordllama import WordLlama

            package_dir = Path(wordllama.__file__).parent
            self._model = WordLlama.load(dim=self.dim, cache_dir=package_dir, disable_download=True)
        return self._model

    @property
    def name(self) -> str:
        return self._name

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._load().embed(list(texts), norm=True), dtype=np.float32)


class RecentTexts:
    """Remembers the vectors of recently embedded short batches (queries, not bulk indexing).

    The retriever embeds a mention's search text and the grounder embeds the same text again to
    rank sentences; with this wrapper the second call is a lookup (and, with a paid endpoint,
    not a second request).
    """

    def __init__(self, inner: Embedder, size: int = 4096, batch_limit: int = 256) -> None:
        self.inner = inner
        self.size = size
        self.batch_limit = batch_limit
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.inner.name

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts or len(texts) > self.batch_limit:
            return self.inner.embed(texts)
        with self._lock:
            known = {t: self._recent[t] for t in texts if t in self._recent}
        todo = list(dict.fromkeys(t for t in texts if t not in known))
        if todo:
            known.update(zip(todo, self.inner.embed(todo), strict=True))
        with self._lock:  # workers share one pipeline: keep the dict consistent
            for text in dict.fromkeys(texts):
                self._recent[text] = known[text]
                self._recent.move_to_end(text)
            while len(self._recent) > self.size:
                self._recent.popitem(last=False)
        return np.stack([known[t] for t in texts])
