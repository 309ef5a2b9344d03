"""Pick the sentences of retrieved passages that answer a mention, and judge answerability.

Each candidate sentence is scored by how much of the question's rare vocabulary it covers
(IDF-weighted, stemmed), by embedding similarity to the question, by its passage's retrieval
score, and by whether it has the kind of answer asked for (a number for "how long / how much").
The best sentence's coverage and similarity also say whether the knowledge base can answer at
all: below the threshold the question is out of the knowledge base and gets a holding reply.
"""

from __future__ import annotations

import math
import re
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from bm25s.stopwords import STOPWORDS_DUTCH, STOPWORDS_EN_PLUS, STOPWORDS_GERMAN

from bot.domain import Source, SourceKind
from bot.knowledge.glossary import Glossary
from bot.ports import Embedder
from bot.text import normalise, sentences, stems, words

_QUANTITY = re.compile(
    r"\b(how (long|much|many|often|far|fast|heavy|big|quick|soon)|what( is| are|'s)? the (price|cost|"
    r"capacity|weight|range|fee|charge|limit|time)|when|cost|price|fee|days|hoe (lang|veel|duur|snel)|"
    r"wat kost|wanneer|wie (lange|viel|teuer|schnell)|was kostet|wann)\b",
    re.IGNORECASE,
)
_HAS_NUMBER = re.compile(r"\d")
_STOP = set(STOPWORDS_EN_PLUS) | set(STOPWORDS_DUTCH) | set(STOPWORDS_GERMAN)


@dataclass(frozen=True, slots=True)
class Evidence:
    sentence: str
    source: Source
    score: float
    coverage: float
    similarity: float
    covered: frozenset[str]


class Grounder:
    """Scores knowledge sentences against a question."""

    answer_threshold = 0.42

    def __init__(
        self,
        embedder: Embedder,
        corpus: Iterable[str],
        glossary: Glossary | None = None,
        brand_terms: Iterable[str] = (),
    ) -> None:
        self.embedder = embedder
        self.glossary = glossary or Glossary({})
        ignore = {w.casefold() for w in self.glossary.filler} | {w.casefold() for w in brand_terms}
        self._ignore = set(stems(ignore)) | ignore
        df: Counter[str] = Counter()
        n = 0
        for text in corpus:
            n += 1
            df.update(set(stems(words(text))))
        self._n = max(n, 1)
        self._df = df
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def terms(self, question: str, language: str = "en") -> dict[str, float]:
        """Return the question's content stems with IDF weights (unknown stems weigh most)."""
        tokens = [t for t in words(question) if t not in _STOP and t not in self._ignore]
        out: dict[str, float] = {}
        for stem in stems(tokens) + (stems(tokens, language) if language != "en" else []):
            if stem not in self._ignore and (len(stem) >= 2 or stem.isdigit()):
                out[stem] = self._idf(stem)
        return out

    def unknown_share(self, terms: dict[str, float]) -> float:
        """Return the IDF-weighted share of question terms that appear nowhere in the KB."""
        total = sum(terms.values())
        if not total:
            return 0.0
        return sum(w for t, w in terms.items() if self._df.get(t, 0) == 0) / total

    def _idf(self, stem: str) -> float:
        df = self._df.get(stem, 0)
        return math.log(1 + (self._n - df + 0.5) / (df + 0.5))

    def evidence(
        self, question: str, sources: Sequence[Source], language: str = "en"
    ) -> list[Evidence]:
        """Return candidate policy sentences from `sources`, best first."""
        terms = self.terms(question, language)
        extra = {
            t: w
            for t, w in self.terms(" ".join(self.glossary.expansions(question))).items()
            if t not in terms
        }
        total = sum(terms.values()) or 1.0
        wants_number = bool(_QUANTITY.search(normalise(question)))
        candidates: list[tuple[str, Source]] = [
            (s, src)
            for src in sources
            if src.kind is SourceKind.POLICY
            for s in sentences(src.text)
            if len(s) >= 15
        ]
        if not candidates:
            return []
        qvec = self.embedder.embed([self.glossary.expand(question)])[0]
        vecs = self._vectors([s for s, _ in candidates])
        best_source = max((src.score for src in sources), default=1.0) or 1.0
        out = []
        for (sentence, src), vec in zip(candidates, vecs, strict=True):
            sstems = set(stems(words(sentence)))
            covered = frozenset(t for t in terms if t in sstems)
            bonus = sum(w for t, w in extra.items() if t in sstems)
            coverage = min(1.0, (sum(terms[t] for t in covered) + 0.8 * bonus) / total)
            similarity = float(np.dot(qvec, vec))
            score = 0.5 * coverage + 0.3 * similarity + 0.2 * (src.score / best_source)
            if wants_number and _HAS_NUMBER.search(sentence):
                score += 0.08
            out.append(Evidence(sentence, src, score, coverage, similarity, covered))
        out.sort(key=lambda e: e.score, reverse=True)
        return out

    def answerability(self, question: str, evidence: Sequence[Evidence]) -> float:
        """Return how well the best sentences answer the question, in [0, 1]."""
        if not evidence:
            return 0.0
        best = max(0.65 * e.coverage + 0.35 * max(e.similarity, 0.0) for e in evidence[:8])
        return best * (1.0 - 0.5 * self.unknown_share(self.terms(question)))

    def answers(self, question: str, evidence: Sequence[Evidence]) -> bool:
        return self.answerability(question, evidence) >= self.answer_threshold

    def _vectors(self, texts: list[str]) -> list[np.ndarray]:
        todo = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if todo:
            for text, vec in zip(todo, self.embedder.embed(todo), strict=True):
                self._cache[text] = vec
            while len(self._cache) > 50_000:
                self._cache.popitem(last=False)
        return [self._cache[t] for t in texts]


def select(evidence: Sequence[Evidence], limit: int = 2) -> list[Evidence]:
    """Pick the best sentence, then sentences that cover question terms it left uncovered."""
    if not evidence:
        return []
    chosen = [evidence[0]]
    covered = set(evidence[0].covered)
    for item in evidence[1:]:
        if len(chosen) >= limit:
            break
        new = item.covered - covered
        if not new or item.sentence in (c.sentence for c in chosen):
            continue
        # A second sentence must add a real topic, not just one common word.
        if item.coverage >= 0.25 and (item.source.doc != chosen[0].source.doc or len(new) >= 2):
            chosen.append(item)
            covered |= item.covered
    return chosen
