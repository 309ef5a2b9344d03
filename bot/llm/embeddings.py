"""Embeddings from the OpenAI-compatible endpoint (when `OPENAI_EMBEDDING_MODEL` is set).

langchain's OpenAIEmbeddings downloads a tiktoken file to count tokens unless
`check_embedding_ctx_length=False`; knowledge chunks are short, so counting is not needed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class OpenAIEmbedder:
    """Embedder port over `/v1/embeddings`."""

    def __init__(
        self, model: str, api_key: str, base_url: str | None, timeout: float = 20.0
    ) -> None:
        from langchain_openai import OpenAIEmbeddings

        self.model = model
        self._client = OpenAIEmbeddings(
            model=model,
            api_key=api_key,  # type: ignore[arg-type]
            base_url=base_url,
            check_embedding_ctx_length=False,
            timeout=timeout,
            max_retries=2,
        )

    @property
    def name(self) -> str:
        return f"openai:{self.model}"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        vectors = np.asarray(self._client.embed_documents(list(texts)), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1.0, norms)
