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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from itertools import pairwise

import numpy as np
from wordfreq import zipf_frequency

from bot.domain import Source, SourceKind
from bot.drafting.kinds import AnswerKind
from bot.drafting.shapes import STOP, QuestionShapes, shipped
from bot.knowledge.glossary import Glossary
from bot.knowledge.topics import UncoveredTopics
from bot.ports import Embedder
from bot.text import (
    EMAIL,
    normalise,
    sentences,
    stem_set,
    stems,
    without_handles_and_links,
    words,
)

# Share of a mention's words (by surprisal) the knowledge base never uses at which it is about
# something else (`Grounder.unfamiliar`). Chosen on the six tuned brands' labelled questions and
# complaints and the dev half of ../shared/real: at 0.6 it leaves 95 % of answerable ones alone
# and catches 29 % of out-of-KB questions and 51 % of posts to other brands; 0.5 would cost 10 %
# of answerable ones for 37 % and 66 %.
UNFAMILIAR = 0.6
# How unknown a word is by the number of knowledge passages that use it: none, or one only.
# Half for one passage: on the nine brands, 0.5 took off-topic drafts 24 % -> 20 % and wrong
# answers 0.318 -> 0.309 for 0.003 of facts; 1.0 cost 0.05 of facts.
_UNKNOWN_BY_USES = {0: 1.0, 1: 0.5}
_COMMONEST = 7.0  # Zipf frequency of the commonest words ("the"): surprisal is measured from it
_IN_HEADING = 0.6  # a question word found in the section's heading (or an item's lead)


@dataclass(frozen=True, slots=True)
class Evidence:
    sentence: str
    source: Source
    score: float
    coverage: float
    similarity: float
    covered: frozenset[str]
    fits: bool = True  # has the kind of answer asked for (a duration for "how long"), if any
    signals: tuple[tuple[str, float], ...] = ()  # what the score is made of, signal by signal
    related: frozenset[str] = frozenset()  # glossary words for the question it has ("refund")


@dataclass(frozen=True, slots=True)
class Weights:
    """How much each signal counts when ranking a sentence as the answer to a question."""

    coverage: float = 0.5  # share of the question's rare words the sentence (or heading) has
    similarity: float = 0.3  # embedding similarity to the question
    source: float = 0.2  # the passage's retrieval score, relative to the best passage
    fits: float = 0.15  # has the kind of answer asked for (each type; a third off per miss)
    phrase: float = 0.1  # share of the question's word pairs it repeats in order
    label: float = 0.1  # a "Label: value" line whose label the question asks about
    product: float = 0.05  # names the product asked about (+1) or only other products (-1)


class Grounder:
    """Scores knowledge sentences against a question."""

    answer_threshold = 0.13
    weights = Weights()

    def __init__(
        self,
        embedder: Embedder,
        corpus: Iterable[tuple[str, str]],
        glossary: Glossary | None = None,
        brand_terms: Iterable[str] = (),
        products: Iterable[str] = (),
        uncovered: UncoveredTopics | None = None,
        kinds: Sequence[AnswerKind] = (),
        shapes: QuestionShapes | None = None,
    ) -> None:
        self.embedder = embedder
        # What a question's wording asks for (prompts/question_shapes.toml).
        self.shapes = shapes or shipped()
        self.kinds = tuple(kinds)  # what a question may ask for (prompts/answer_kinds.toml)
        self.uncovered = uncovered or UncoveredTopics([], [])
        names = {normalise(p) for p in products if p.strip()}
        self._product_pattern = _any_of(names)
        # Model lines ("volta" in "volta 600", "volta 1200"): a question about "volta 2400" asks
        # about a product the knowledge base does not have.
        families = {m.group(1) for n in names if (m := re.fullmatch(r"(\D+?)\s+\d+\w*", n))}
        self._model_pattern = _any_of(families, then=r"\s+\d+\w*")
        self._names = frozenset(names)
        self._name_stems = frozenset(stems(w for n in names for w in words(n)))
        self.glossary = glossary or Glossary({})
        ignore = {w.casefold() for w in self.glossary.filler} | {w.casefold() for w in brand_terms}
        self._ignore = set(stems(ignore)) | ignore
        df: Counter[str] = Counter()
        docs_of: dict[str, set[str]] = {}
        n = 0
        for doc, text in corpus:
            n += 1
            found = set(stems(words(text)))
            df.update(found)
            for stem in found:
                docs_of.setdefault(stem, set()).add(doc)
        self._n = max(n, 1)
        self._df = df
        # How many documents use a term: names that recur everywhere (products, the brand)
        # say little about which passage answers; words used in one document say a lot.
        n_docs = max(len({d for ds in docs_of.values() for d in ds}), 1)
        self._spread = {t: len(ds) / n_docs for t, ds in docs_of.items()}
        self._uses = {t: len(ds) for t, ds in docs_of.items()}
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._memo: OrderedDict[tuple, list[Evidence]] = OrderedDict()

    def terms(
        self, question: str, language: str = "en", focus_on: str | None = None
    ) -> dict[str, float]:
        """Return the question's content stems with weights.

        Weight is IDF, full for words in the sentences that ask (ending in "?" or opening with a
        question word) and reduced for context around them ("asking for my dad", "heard
        rumours"): the information need sits in the asking sentence. `focus_on` names the part
        that asks, when the caller knows it (one of two questions in a mention).
        """
        focus = set(self._stems(focus_on or self.shapes.asking_part(question), language))
        out: dict[str, float] = {}
        for stem in self._stems(question, language):
            out[stem] = self._idf(stem) * (1.0 if stem in focus else 0.35)
        return out

    def _stems(self, text: str, language: str) -> list[str]:
        tokens = [t for t in words(text) if t not in STOP and t not in self._ignore]
        found = stems(tokens) + (stems(tokens, language) if language != "en" else [])
        return [s for s in found if s not in self._ignore and (len(s) >= 2 or s.isdigit())]

    def unknown_share(self, terms: dict[str, float]) -> float:
        """Return the weighted share of question terms that appear nowhere in the KB."""
        total = sum(terms.values())
        if not total:
            return 0.0
        return sum(w for t, w in terms.items() if self._df.get(t, 0) == 0) / total

    def unfamiliar(self, text: str, language: str = "en") -> bool:
        """Return whether most of what `text` talks about is vocabulary the knowledge base never
        uses: then it is about something the knowledge base does not cover, and no passage
        sentence answers it, however well one matches a word or two.

        Each content word weighs what it tells in general language (its surprisal, from
        wordfreq's frequency lists, which ship in the wheel): "fares", "layover" or "grinder"
        say what a mention is about, "back", "long" or "yesterday" do not. Only for text in the
        knowledge base's language, where an unknown word means an unknown topic."""
        return self.unfamiliar_share(text, language) >= UNFAMILIAR

    # Asked up to three times per mention (pipeline, drafter, complaint path). The cache keeps
    # its Grounder alive, which is fine: a process builds one per knowledge base.
    @lru_cache(maxsize=20_000)  # noqa: B019
    def unfamiliar_share(self, text: str, language: str = "en") -> float:
        """Return the surprisal-weighted share of `text`'s content words the KB never uses."""
        if language != "en":
            return 0.0
        plain = EMAIL.sub(" ", without_handles_and_links(text))
        total = unknown = 0.0
        for word in words(plain):
            if not word.isalpha() or word in STOP or word in self._ignore:
                continue
            stem = stems([word])[0]
            if stem in self._ignore:
                continue
            weight = max(0.5, _COMMONEST - zipf_frequency(word, "en"))
            total += weight
            # A word the knowledge base uses in one passage only is half known: one aside
            # ("some airlines have stricter rules") does not make airlines its topic.
            unknown += weight * _UNKNOWN_BY_USES.get(self._df.get(stem, 0), 0.0)
        return unknown / total if total else 0.0

    def topical(self, evidence: Evidence, translated: bool = False) -> bool:
        """Return whether a sentence shares a topic word with the question, not only names
        that recur across the knowledge base (products, the brand). For a question in another
        language than the knowledge base (`translated`), the glossary's words for it count."""
        terms = evidence.covered | evidence.related if translated else evidence.covered
        return any(term.isalpha() and self._spread.get(term, 1.0) <= 0.5 for term in terms)

    def brand_wide(self, terms: Iterable[str]) -> bool:
        """Return whether any of `terms` is the brand's own subject: a product's name, or a
        word two or more of its documents use. One passage's aside ("some airlines have
        stricter rules") shares words with strangers' posts about other things."""
        return any(t in self._name_stems or self._uses.get(t, 0) >= 2 for t in terms)

    def only_names(self, evidence: Evidence) -> bool:
        """Return whether all a sentence shares with the question is product names and the
        figures the writer gave ("SunFold 100 … €199" for a complaint about a €199 SunFold 100)."""
        covered = evidence.covered
        return bool(covered) and all(t.isdigit() or t in self._name_stems for t in covered)

    def _known(self, terms: dict[str, float]) -> dict[str, float]:
        """Drop terms the KB never uses: no sentence can cover them (unknown_share counts them)."""
        return {t: w for t, w in terms.items() if self._df.get(t, 0) > 0}

    def _idf(self, stem: str) -> float:
        df = self._df.get(stem, 0)
        idf = math.log(1 + (self._n - df + 0.5) / (df + 0.5))
        return idf * (1.0 - 0.7 * self._spread.get(stem, 0.0))

    def evidence(
        self,
        question: str,
        sources: Sequence[Source],
        language: str = "en",
        focus_on: str | None = None,
    ) -> list[Evidence]:
        """Return candidate policy sentences from `sources`, best first."""
        key = (question, language, focus_on, tuple((s.doc, s.ref, s.score) for s in sources))
        cached = self._memo.get(key)
        if cached is None:
            cached = self._evidence(question, sources, language, focus_on)
            self._memo[key] = cached
            if len(self._memo) > 1024:
                self._memo.popitem(last=False)
        return list(cached)

    def _evidence(
        self,
        question: str,
        sources: Sequence[Source],
        language: str = "en",
        focus_on: str | None = None,
    ) -> list[Evidence]:
        terms = self._known(self.terms(question, language, focus_on))
        asked = focus_on or question
        asking = focus_on or self.shapes.asking_part(question)
        extra = {
            t: w
            for t, w in self.terms(" ".join(self.glossary.expansions(asking))).items()
            if t not in terms
        }
        # The rest of the mention is context ("… to Germany, and which carrier?", "I ordered
        # two by mistake"), as the question's own words outside the asking part are.
        around = self.terms(" ".join(self.glossary.expansions(question))).items()
        context = {t: 0.35 * w for t, w in around if t not in terms and t not in extra}
        expanded = extra | context  # glossary terms: the asking part's, then the context's
        # Where help centres file what is asked ("how long do I have" → "… period"): a match
        # in a section's heading, not in its sentences.
        filed = self.terms(" ".join(self.glossary.headings(asking)))
        total = sum(terms.values()) or sum(extra.values()) or 1.0
        plain_q = normalise(asked)
        wanted = [kind.answer for kind in self.kinds if kind.asked_by(plain_q)]
        shapes = self.shapes
        wanted += shapes.quantities(plain_q) + shapes.existence(plain_q)
        # Preferred, not required: "keep them out of the rain" answers "ok to use it in the
        # rain?" without the verb, so a sentence lacking it is no incomplete answer.
        preferred = shapes.safe_to_do(plain_q)
        # "What's the warranty on the SunFold 100?" asks about the warranty: a sentence (or
        # section) that says "warranty" is preferred over the product's spec line.
        thing = shapes.thing(plain_q)
        if thing in self._ignore or thing in self._name_stems or thing in shapes.time_units:
            thing = None  # the brand, a product (the product signal's job) or "what time"
        pairs = _pairs(_stem_seq(asked))
        asked_products = self._named(asked)
        candidates: list[tuple[str, Source]] = [
            (s, src)
            for src in sources
            if src.kind is SourceKind.POLICY
            for s in passage_sentences(src.text)
        ]
        if not candidates:
            return []
        # The same text the retriever embedded for the whole question (a cache hit, then).
        qvec = self.embedder.embed([self.glossary.expand(without_handles_and_links(asked))])[0]
        vecs = self._vectors([s for s, _ in candidates])
        best_source = max((src.score for src in sources), default=1.0) or 1.0
        weights = [(f.name, getattr(self.weights, f.name)) for f in fields(Weights)]
        out = []
        for (sentence, src), vec in zip(candidates, vecs, strict=True):
            # A sentence inherits its section heading ("Where we ship" → every sentence under it
            # is about shipping), at a discount: the heading says what, the sentence says how.
            # A heading word counts the same whether the customer wrote it or the glossary gave
            # it ("Paketdienst" → "Delivery times and carriers"): the heading names the topic.
            sstems = stem_set(sentence)
            lead = passage_leads(src.text).get(sentence, "")
            heading = stem_set(src.ref)
            hstems = (heading | stem_set(lead)) - sstems
            covered = frozenset(t for t in terms if t in sstems or t in hstems)
            found = sum(terms[t] * (1.0 if t in sstems else _IN_HEADING) for t in covered)
            related = frozenset(t for t in expanded if t in sstems | hstems)
            bonus = sum(
                w * (0.8 if t in sstems else _IN_HEADING)
                for t, w in expanded.items()
                if t in related
            )
            bonus += sum(0.5 * w for t, w in filed.items() if t in heading)
            # A sentence that shares nothing with the question but a unit ("after a week" →
            # "within 4 weeks") is not the answer of that kind, only a figure in that unit.
            topic = any(not (t.isdigit() or t in shapes.time_units) for t in covered | related)
            matched = [topic and _has(answer, sentence) for answer in wanted]
            liked = [topic and _has(answer, sentence) for answer in preferred]
            if thing:
                liked.append(thing in sstems or thing in heading)
            signals = {
                "coverage": min(1.0, (found + bonus) / total),
                "similarity": float(np.dot(qvec, vec)),
                "source": src.score / best_source,
                "fits": sum(1.0 if m else -1 / 3 for m in matched + liked),
                # Question words in the same order ("warranty case", "order history").
                "phrase": _share(pairs, _sentence_pairs(sentence)),
                # "- Location: only if …" answers a question about location.
                "label": float(bool(_label_stems(sentence) & (covered | extra.keys()))),
                "product": self._product_match(asked_products, sentence),
            }
            score = sum(weight * signals[name] for name, weight in weights if signals[name])
            fits = any(matched) if wanted else True
            out.append(
                Evidence(
                    sentence,
                    src,
                    score,
                    signals["coverage"],
                    signals["similarity"],
                    covered,
                    fits,
                    tuple(signals.items()),
                    related,
                )
            )
        out.sort(key=lambda e: e.score, reverse=True)
        return out

    def _named(self, text: str) -> frozenset[str]:
        """Return the knowledge base's product names that `text` mentions."""
        if self._product_pattern is None:
            return frozenset()
        return _found(self._product_pattern, text)

    def unknown_models(self, text: str) -> list[str]:
        """Return model names in `text` that belong to a known product line but are not
        products the knowledge base knows ("volta 2400" when there are volta 600 and 1200)."""
        if self._model_pattern is None:
            return []
        found = _found(self._model_pattern, text)
        return sorted(name for name in found if re.sub(r"\s+", " ", name) not in self._names)

    def _product_match(self, asked: frozenset[str], sentence: str) -> float:
        """+1 when a sentence names a product the question names, -1 when it names only others."""
        if not asked:
            return 0.0
        named = self._named(sentence)
        if named & asked:
            return 1.0
        # "Works with the Volta 1200 only" answers for every other product too.
        return -1.0 if named and not self.shapes.says_only(sentence) else 0.0

    def answerability(
        self, question: str, evidence: Sequence[Evidence], language: str = "en"
    ) -> float:
        """Return how well the best sentences answer the question, in [0, 1]."""
        if not evidence:
            return 0.0
        best = max(0.65 * e.coverage + 0.35 * max(e.similarity, 0.0) for e in evidence[:8])
        if language != "en":
            return best  # foreign words are unknown to an English KB by nature
        return best * (1.0 - 0.6 * self.unknown_share(self.terms(question, language)))

    def answers(self, question: str, evidence: Sequence[Evidence], language: str = "en") -> bool:
        if self.uncovered.asked(question):
            return False  # a loosely related passage is no answer to a topic the KB lacks
        return self.answerability(question, evidence, language) >= self.answer_threshold

    def can_answer(self, question: str, sources: Sequence[Source], language: str = "en") -> bool:
        """Return whether `sources` answer the question, or one part of a two-part question
        (the drafter then answers that part). A question about a model the knowledge base does
        not have ("volta 2400" beside volta 600 and 1200) is never answerable, nor is one about a
        listed topic the knowledge base never mentions (gift cards, jobs…), whatever else it
        asks."""
        if self.unknown_models(question) or self.uncovered.asked(question):
            return False  # even when another part is answerable: a person should see it
        if self.unfamiliar(question, language):
            return False
        for part in dict.fromkeys([None, *self.shapes.subquestions(question)]):
            evidence = self.evidence(question, sources, language, part)
            if self.answers(part or question, evidence, language):
                return True
        return False

    def gap(self, question: str, sources: Sequence[Source], language: str = "en") -> str:
        """Say what the knowledge base lacks for `question`, for the reviewer: the asking
        part's rarest words that the best passage sentence does not have (words the knowledge
        base never uses first)."""
        asking = self.shapes.asking_part(question)
        terms = self.terms(asking, language)
        best = self.evidence(question, sources, language)
        have = (best[0].covered | best[0].related) if best else frozenset()
        missing = sorted(
            (t for t in terms if t not in have and not t.isdigit()),
            key=lambda t: (self._df.get(t, 0) > 0, -terms[t]),
        )[:3]
        said: list[str] = []
        for word in words(asking):
            if stems([word])[0] in missing and word not in said:
                said.append(word)
        if not said:
            return "the knowledge base has no passage that answers this"
        return "the knowledge base says nothing about " + ", ".join(f"“{w}”" for w in said)

    def _vectors(self, texts: list[str]) -> list[np.ndarray]:
        todo = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if todo:
            for text, vec in zip(todo, self.embedder.embed(todo), strict=True):
                self._cache[text] = vec
            while len(self._cache) > 50_000:
                self._cache.popitem(last=False)
        return [self._cache[t] for t in texts]


def _any_of(names: Iterable[str], then: str = "") -> re.Pattern[str] | None:
    """Compile a whole-word match for any of `names` (longest first), followed by `then`."""
    ordered = sorted(names, key=len, reverse=True)
    if not ordered:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, ordered)) + ")" + then + r"(?!\w)")


@lru_cache(maxsize=50_000)
def _found(pattern: re.Pattern[str], text: str) -> frozenset[str]:
    return frozenset(m.group(0) for m in pattern.finditer(normalise(text)))


@lru_cache(maxsize=50_000)
def _has(pattern: re.Pattern[str], sentence: str) -> bool:
    return pattern.search(sentence) is not None


@lru_cache(maxsize=50_000)
def _stem_seq(text: str) -> tuple[str, ...]:
    """Return the content-word stems of `text` in order (stop words left out)."""
    return tuple(stems(t for t in words(text) if t not in STOP))


def content_stems(text: str) -> frozenset[str]:
    """Return the stems of `text`'s content words (stop words in any supported language out)."""
    return frozenset(_stem_seq(text))


def _pairs(seq: Sequence[str]) -> frozenset[tuple[str, str]]:
    return frozenset(pairwise(seq))


@lru_cache(maxsize=50_000)
def _sentence_pairs(sentence: str) -> frozenset[tuple[str, str]]:
    return _pairs(_stem_seq(sentence))


def _share(wanted: frozenset[tuple[str, str]], found: frozenset[tuple[str, str]]) -> float:
    return len(wanted & found) / len(wanted) if wanted else 0.0


_LABEL = re.compile(r"^([^:—]{2,40})(?::| —)\s")


@lru_cache(maxsize=20_000)
def _label_stems(sentence: str) -> frozenset[str]:
    """Return the stems of a "Label: value" line's label (empty for other sentences)."""
    found = _LABEL.match(sentence)
    return stem_set(found.group(1)) if found else frozenset()


def passage_sentences(text: str) -> tuple[str, ...]:
    """Return a passage's self-contained sentences: questions dropped, "After that, …" and
    other sentences that lean on the one before joined to it."""
    return tuple(_passage(text))


def passage_leads(text: str) -> Mapping[str, str]:
    """Return, for each sentence that follows a question in the passage ("Not happy with how
    we handled it? E-mail …") or a list item's label, that lead: it says what the sentence is
    about, the way a heading does, but is not quoted."""
    return _passage(text)


@lru_cache(maxsize=20_000)
def _passage(text: str) -> dict[str, str]:
    """Split a passage once: each self-contained sentence with its lead ("" for none)."""
    out: dict[str, str] = {}
    labels = _item_labels(text)
    previous = ""
    question = ""
    chained = False  # `previous` is itself a join, which a further leaning sentence replaces
    anchor: tuple[str, str] | None = None  # (what a leaning list leans on, the list's lead)
    for sentence in sentences(text, cells=True):
        if sentence.endswith("?"):
            previous, question = "", sentence
            continue
        if len(sentence) < 15:
            previous = question = ""
            continue
        lead = list_lead(sentence)
        if anchor and lead is not None and lead == anchor[1]:
            # "It comes in three sizes: - S … - M …": each item leans on what the list's lead
            # leant on, never on the item before it.
            out.setdefault(f"{anchor[0]} {sentence}", out.get(anchor[0], ""))
            continue
        if previous and shipped().leans_on_before(sentence):
            if len(previous) + len(sentence) < 250:
                # "A. You can also B. It takes C.": a chain is quoted whole.
                base = previous if previous[-1:] in ".!?" else f"{previous}."
                joined = f"{base} {sentence}"
                out[joined] = out.pop(previous, "") if chained else out.get(previous, "")
                if lead is not None and not chained:
                    anchor = (base, lead)
                previous, chained = joined, True
            else:
                previous = ""
            continue
        out.setdefault(sentence, question or labels.get(sentence, ""))
        previous, question, chained, anchor = sentence, "", False, None
    return out


def list_lead(sentence: str) -> str | None:
    """The line a list item was introduced with ("Register … at no cost — item"), if any."""
    lead, dash, _ = sentence.partition(" — ")
    return lead if dash else None


_ITEM_LABEL = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+(?:\*\*|__)?([^:*_\n]{2,40}?)(?:\*\*|__)?:")


def _item_labels(text: str) -> dict[str, str]:
    """Return the later sentences of labelled list items ("- Wall socket: … . From 0 to 100%,
    it charges in 2 hours.") with their item's label, which they are about as much as the first."""
    labels: dict[str, str] = {}
    for line in text.splitlines():
        found = _ITEM_LABEL.match(line)
        if found:
            for sentence in sentences(line)[1:]:
                labels.setdefault(sentence, found.group(1).strip())
    return labels


# How far below the best a sentence of the kind asked for may score and still be preferred. At
# 0.1 a "no" sentence that merely fits "do you…?" displaced the answer; 0.05 gained 0.003 of
# facts on the nine brands, 0 lost 0.002.
_FITS_MARGIN = 0.05


def _repeats(one: str, other: str) -> bool:
    """Whether a table row and one of its cells ("R20: weight 2 kg.") would say a figure twice."""
    short, long = sorted((one.rstrip("."), other.rstrip(".")), key=len)
    lead, _, rest = short.partition(": ")
    return bool(rest) and long.startswith(f"{lead}: ") and rest in long


def select(evidence: Sequence[Evidence], limit: int = 2) -> list[Evidence]:
    """Pick the best sentence, then sentences that cover question terms it left uncovered."""
    if not evidence:
        return []
    # A question that asks "how long" / "how much" wants a sentence that says so, if a close
    # contender has it.
    top = evidence[0]
    first = next((e for e in evidence[:4] if e.fits and e.score >= top.score - _FITS_MARGIN), top)
    chosen = [first]
    covered = set(first.covered)
    # "Can I still return it after camping?": the condition answers, and the sentence of the
    # kind asked for (the return period) from the same document completes the answer.
    if not first.fits and limit > 1:
        kind = next(
            (
                e
                for e in evidence
                if e.fits
                and e.covered
                and e.source.doc == first.source.doc
                and e.score >= first.score / 2
                and not _repeats(e.sentence, first.sentence)
            ),
            None,
        )
        if kind is not None:
            chosen.append(kind)
            covered |= kind.covered
    for item in evidence:
        if item is first:
            continue
        if len(chosen) >= limit:
            break
        new = item.covered - covered
        if not new or item.sentence in (c.sentence for c in chosen):
            continue
        cell = next((c for c in chosen if _repeats(item.sentence, c.sentence)), None)
        if cell is not None:
            # The whole row says more of what is asked than its cell: it stands in for it.
            if len(item.sentence) > len(cell.sentence):
                chosen[chosen.index(cell)] = item
                covered |= item.covered
            continue
        # A second sentence must add a real topic, not just one common word.
        related = item.coverage >= 0.35 and item.similarity >= 0.35
        if related and (item.source.doc != chosen[0].source.doc or len(new) >= 2):
            chosen.append(item)
            covered |= item.covered
    return chosen
