"""Embedders: WordLlama, whose weights ship inside its wheel (the offline default).

WordLlama's plain `load()` looks for its tokenizer in a user cache and tries to download it; the
wheel carries both files, so we load with the package folder as the cache and downloads off.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np


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
