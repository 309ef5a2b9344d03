"""Hybrid retrieval: dense vectors from Chroma fused with a BM25 lexical ranking (bm25s).

Local Chroma has no sparse search, and static embeddings blur exact tokens such as model
numbers, payment brands or "VAT"; BM25 keeps those findable. The fused score is a weighted sum
of cosine similarity and the BM25 score relative to the query's best lexical hit, with a mild
penalty for repeating a document (up to twice) so a two-topic question gets both topics near
the top.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from bot.domain import Source, SourceKind
from bot.knowledge.glossary import Glossary
from bot.knowledge.index import KnowledgeIndex
from bot.knowledge.loader import Chunk
from bot.ports import Embedder
from bot.text import INFORMAL, without_handles_and_links

# bm25s splits "what's" at the apostrophe; "whats" and "dont" need naming.
_STOPWORDS = sorted(set(STOPWORDS_EN) | {w for w in INFORMAL if w.isalpha()})


class HybridRetriever:
    """KnowledgeBase port over a KnowledgeIndex."""

    dense_weight = 0.6
    lexical_weight = 0.4
    review_weight = 0.7
    repeat_penalty = 0.85
    penalised_repeats = 2
    candidates = 30

    def __init__(
        self,
        index: KnowledgeIndex,
        embedder: Embedder,
        glossary: Glossary | None = None,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.glossary = glossary or Glossary({})
        self.chunks: list[Chunk] = index.chunks()
        self._by_id = {c.id: i for i, c in enumerate(self.chunks)}
        self._stemmer = Stemmer.Stemmer("english")
        self._bm25: bm25s.BM25 | None = None
        if self.chunks:
            tokens = bm25s.tokenize(
                [_lexical_text(c.index_text) for c in self.chunks],
                stopwords=_STOPWORDS,
                stemmer=self._stemmer,
                show_progress=False,
            )
            self._bm25 = bm25s.BM25()
            self._bm25.index(tokens, show_progress=False)
        self._vectors: OrderedDict[int, np.ndarray] = OrderedDict()

    def __len__(self) -> int:
        return len(self.chunks)

    def query_text(self, text: str) -> str:
        """Strip handles and links, and add the knowledge base's words for the customer's."""
        return self.glossary.expand(without_handles_and_links(text))

    def search_many(self, queries: Sequence[str], k: int = 5) -> list[list[Source]]:
        """Return the k best passages per query, best first."""
        if not self.chunks or not queries:
            return [[] for _ in queries]
        texts = [self.query_text(q) for q in queries]
        qvecs = self.embedder.embed(texts)
        dense_hits = self.index.query(qvecs, self.candidates)
        tokens = self._tokens(texts)
        return [
            self._rank(qtokens, qvec, hits, k)
            for qtokens, qvec, hits in zip(tokens, qvecs, dense_hits, strict=True)
        ]

    def search(self, query: str, k: int = 5) -> list[Source]:
        return self.search_many([query], k)[0]

    # -- internals --------------------------------------------------------------------------

    def _rank(
        self, tokens: list[str], qvec: np.ndarray, hits: list[tuple[str, float]], k: int
    ) -> list[Source]:
        dense = {self._by_id[cid]: sim for cid, sim in hits if cid in self._by_id}
        lexical = self._lexical(tokens)
        best_lex = max(lexical.values(), default=0.0)
        candidates = set(dense) | set(lexical)
        missing = [i for i in candidates if i not in dense]
        if missing:
            for i, sim in zip(missing, self._similarities(qvec, missing), strict=True):
                dense[i] = sim
        scored = []
        for i in candidates:
            lex = lexical.get(i, 0.0) / best_lex if best_lex > 0 else 0.0
            score = self.dense_weight * max(dense[i], 0.0) + self.lexical_weight * lex
            if self.chunks[i].kind is SourceKind.REVIEW:
                score *= self.review_weight
            scored.append((score, i))
        scored.sort(reverse=True)
        # Greedy re-rank with a penalty per earlier pick from the same document, up to
        # `penalised_repeats` of them: that is enough to bring a second topic up, and a
        # question about one policy still gets that policy's other sections rather than
        # loosely related documents ("the warranty on the Volta 1200": five warranty sections).
        picked: list[tuple[float, int]] = []
        pool = scored[: max(k * 4, 20)]
        counts: dict[str, int] = {}

        def factor(i: int) -> float:
            repeats = counts.get(self.chunks[i].doc, 0)
            return self.repeat_penalty ** min(repeats, self.penalised_repeats)

        while pool and len(picked) < k:
            best = max(pool, key=lambda si: si[0] * factor(si[1]))
            pool.remove(best)
            picked.append((best[0] * factor(best[1]), best[1]))
            doc = self.chunks[best[1]].doc
            counts[doc] = counts.get(doc, 0) + 1
        return [
            Source(
                doc=self.chunks[i].doc,
                kind=self.chunks[i].kind,
                ref=self.chunks[i].ref,
                text=self.chunks[i].text,
                score=float(score),
            )
            for score, i in picked
        ]

    def _tokens(self, texts: list[str]) -> list[list[str]]:
        """BM25 tokens of every query, in one call (its per-call overhead dominates)."""
        if self._bm25 is None:
            return [[] for _ in texts]
        return list(
            bm25s.tokenize(
                [_lexical_text(t) for t in texts],
                stopwords=_STOPWORDS,
                stemmer=self._stemmer,
                return_ids=False,
                show_progress=False,
            )
        )

    def _lexical(self, tokens: list[str]) -> dict[int, float]:
        if self._bm25 is None or not tokens:
            return {}
        scores = self._bm25.get_scores(tokens)
        n = min(self.candidates, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        return {int(i): float(scores[i]) for i in top if scores[i] > 0}

    def _similarities(self, qvec: np.ndarray, ids: list[int]) -> list[float]:
        todo = [i for i in ids if i not in self._vectors]
        if todo:
            vecs = self.embedder.embed([self.chunks[i].index_text for i in todo])
            for i, v in zip(todo, vecs, strict=True):
                self._vectors[i] = v
                if len(self._vectors) > 20_000:
                    self._vectors.popitem(last=False)
        return [float(np.dot(qvec, self._vectors[i])) for i in ids]


def _lexical_text(text: str) -> str:
    """Text as the lexical index sees it: a hyphenated word also written as one ("Wi-Fi" →
    "Wi-Fi WiFi"), so "wifi" finds it; bm25s alone splits it into two tokens too short to count."""
    return _HYPHENATED.sub(lambda m: f"{m.group(0)} {m.group(0).replace('-', '')}", text)


_HYPHENATED = re.compile(r"\b\w+(?:-\w+)+\b")
