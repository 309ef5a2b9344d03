"""The pipeline: triage → retrieve → judge answerability → draft → guard, for a batch of mentions.

Retrieval runs as one batched query for the whole batch (the slow part at volume), and only for
mentions that may get a reply: spam and injection attempts never reach the knowledge base or a
drafter, so a hostile mention cannot steer what is retrieved or written.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from bot.domain import Draft, Flag, Intent, Mention, Outcome, Source, SourceKind, Triage
from bot.drafting.grounding import Grounder
from bot.drafting.guards import GuardRules, violations
from bot.ports import Drafter, KnowledgeBase, TriageRefiner
from bot.text import EMAIL, PHONE
from bot.triage import RuleTriager

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")

_ANSWER_NEEDED = {Flag.SAFETY, Flag.LEGAL, Flag.PRESS}
_CONTACT_QUERY = "contact customer service: what to have ready, order number, direct message"
_CHANNEL = re.compile(
    rf"{EMAIL.pattern}|{PHONE.pattern}|\b(direct|private) messages?\b|\bDM\b", re.IGNORECASE
)


def _reachable(source: Source) -> bool:
    """Return whether a policy passage says how to reach the brand (an address, a number, DMs)."""
    return source.kind is SourceKind.POLICY and _CHANNEL.search(source.text) is not None


class Pipeline:
    """Turns mentions into outcomes (triage, sources, draft)."""

    def __init__(
        self,
        triager: RuleTriager,
        knowledge: KnowledgeBase,
        grounder: Grounder,
        drafter: Drafter,
        fallback: Drafter | None = None,
        k: int = 6,
        guards: GuardRules | None = None,
        refiner: TriageRefiner | None = None,
        concurrency: int = 1,
    ) -> None:
        self.concurrency = concurrency
        self.triager = triager
        self.knowledge = knowledge
        self.grounder = grounder
        self.drafter = drafter
        self.fallback = fallback
        self.k = k
        self.guards = guards
        self.refiner = refiner

    def process(self, mention: Mention) -> Outcome:
        return self.process_many([mention])[0]

    def process_many(self, mentions: Sequence[Mention]) -> list[Outcome]:
        triages = self._triage_all(mentions)
        wanted = [i for i, t in enumerate(triages) if t.should_reply]
        problem = None
        try:
            found = self._search(
                [
                    (self._queries(mentions[i], triages[i]), self._support(triages[i]))
                    for i in wanted
                ]
            )
        except Exception as exc:  # a broken index must not stop triage or the review queue
            log.exception("knowledge base search failed")
            problem = f"knowledge base unavailable ({type(exc).__name__}: {exc}); no sources"
            found = [[] for _ in wanted]
        sources_by_index = dict(zip(wanted, found, strict=True))

        def finish(i: int) -> Outcome:
            mention, triage = mentions[i], triages[i]
            sources = tuple(sources_by_index.get(i, ()))
            if not problem:
                triage = self._answerability(mention, triage, sources)
            try:
                draft = self._draft(mention, triage, sources)
                if draft is not None and draft.holding and Flag.OUT_OF_KB not in triage.flags:
                    # The drafter found no answer in the passages (a model may judge so where
                    # the grounder did not): a person must see it.
                    triage = self.triager.mark_out_of_kb(triage)
                return Outcome(mention, triage, sources, draft, problem)
            except Exception as exc:
                log.exception("drafting failed for mention %s", mention.id)
                failure = (
                    f"drafting failed ({type(exc).__name__}: {exc}); write the reply with Edit"
                )
                note = "; ".join(filter(None, [problem, failure]))
                return Outcome(mention, triage, sources, None, note)

        return self._map(finish, range(len(mentions)))

    def _map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """Apply `fn` in order; with a model (network-bound calls), several at a time."""
        if self.concurrency <= 1 or len(items) <= 1:
            return [fn(item) for item in items]
        with ThreadPoolExecutor(min(self.concurrency, len(items))) as pool:
            return list(pool.map(fn, items))

    def redraft(self, outcome: Outcome, instruction: str | None = None) -> Outcome:
        """Draft again for an existing outcome, optionally following an editor's instruction."""
        draft = self._draft(outcome.mention, outcome.triage, outcome.sources, instruction)
        return dataclasses.replace(outcome, draft=draft)

    def _triage_all(self, mentions: Sequence[Mention]) -> list[Triage]:
        """Triage the batch in one pass, then let a language model refine each in turn."""
        found = self.triager.assess_many(mentions)
        if self.refiner is None:
            return found
        return self._map(lambda pair: self._refine(*pair), list(zip(mentions, found, strict=True)))

    def _refine(self, mention: Mention, triage: Triage) -> Triage:
        """Rules first; a model may refine them, but only to raise priority or to block."""
        if self.refiner is None or triage.blocked:
            return triage
        try:
            return self.refiner.refine(mention, triage)
        except Exception as exc:
            log.warning("model triage failed for %s: %s; rules only", mention.id, exc)
            return triage

    def _queries(self, mention: Mention, triage: Triage) -> list[str]:
        """The whole mention, plus each question when it asks two things (one search each, so
        both topics reach the top of the list)."""
        # A safety incident also needs the knowledge base's incident procedure and contact.
        if Flag.SAFETY in triage.flags:
            return [f"{mention.text} safety incident report contact"]
        parts = self.grounder.shapes.subquestions(mention.text)
        return [*parts, mention.text] if len(parts) > 1 else [mention.text]

    @staticmethod
    def _support(triage: Triage) -> str | None:
        """A search for the brand's own words on how to reach it, for a problem that moves to
        private messages: what to have ready (an order or serial number) grounds that ask."""
        if triage.intent is not Intent.COMPLAINT or Flag.SAFETY in triage.flags:
            return None  # a safety incident's own search already asks for the safety contact
        return _CONTACT_QUERY

    def _search(self, groups: list[tuple[list[str], str | None]]) -> list[list[Source]]:
        """Run every query in one batch; merge each mention's lists round-robin, best first.

        A support search (how to reach the brand) adds its best passage third, after the two
        best on the mention's own topic, unless the list already has it.
        """
        flat = [q for queries, support in groups for q in [*queries, support] if q]
        results = iter(self.knowledge.search_many(flat, self.k))
        merged = []
        for queries, support in groups:
            lists = [next(results) for _ in queries]
            extra = next(results) if support else []
            seen: set[tuple[str, str]] = set()
            out: list[Source] = []
            for rank in range(self.k):
                for found in lists:
                    if rank < len(found) and (found[rank].doc, found[rank].ref) not in seen:
                        seen.add((found[rank].doc, found[rank].ref))
                        out.append(found[rank])
            if support:
                # A problem is answered from policy, not from other customers' reviews (which
                # read like complaints and so rank high for one).
                out.sort(key=lambda s: s.kind is SourceKind.REVIEW)
                contact = next((s for s in extra if _reachable(s)), None)
                if contact is not None and (contact.doc, contact.ref) not in seen:
                    at = min(2, len(out))
                    # Its score is from another search: rank it as third, not as the best.
                    if at:
                        contact = dataclasses.replace(
                            contact, score=min(contact.score, out[at - 1].score)
                        )
                    out.insert(at, contact)
            merged.append(out[: self.k])
        return merged

    def _answerability(self, mention: Mention, triage: Triage, sources: Sequence) -> Triage:
        if triage.intent is not Intent.QUESTION or triage.flags & _ANSWER_NEEDED:
            return triage
        if self.grounder.can_answer(mention.text, sources, triage.language):
            return triage
        gap = self.grounder.gap(mention.text, sources, triage.language)
        return self.triager.mark_out_of_kb(triage, gap)

    def _draft(
        self, mention: Mention, triage: Triage, sources: Sequence, instruction: str | None = None
    ) -> Draft | None:
        """Draft; on an error or a failed check, ask the model once more, then fall back."""
        try:
            draft = self.drafter.draft(mention, triage, sources, instruction)
        except Exception as exc:
            if self.fallback is None:
                raise
            log.warning("drafter failed for %s: %s; using the fallback", mention.id, exc)
            return self._fallback(mention, triage, sources, instruction, f"{exc}")
        if draft is None:
            return None
        problems = violations(draft.text, mention, sources, self.guards)
        if not problems:
            return draft
        if self.fallback is not None:
            # The primary drafter is a model: tell it what was wrong, once.
            fix = (instruction + ". " if instruction else "") + (
                "Your previous draft was rejected because: " + "; ".join(problems) + ". Fix that."
            )
            try:
                retry = self.drafter.draft(mention, triage, sources, fix)
            except Exception as exc:
                retry = None
                log.warning("redraft failed for %s: %s", mention.id, exc)
            if retry is not None and not violations(retry.text, mention, sources, self.guards):
                note = "; ".join(
                    filter(None, [retry.note, "revised after: " + "; ".join(problems)])
                )
                return dataclasses.replace(
                    retry,
                    note=note,
                    tokens_in=retry.tokens_in + draft.tokens_in,
                    tokens_out=retry.tokens_out + draft.tokens_out,
                    cost_usd=retry.cost_usd + draft.cost_usd,
                )
            return self._fallback(
                mention,
                triage,
                sources,
                instruction,
                "its draft failed checks: " + "; ".join(problems),
            )
        note = "; ".join(filter(None, [draft.note, "needs care: " + "; ".join(problems)]))
        return dataclasses.replace(draft, note=note)

    def _fallback(
        self,
        mention: Mention,
        triage: Triage,
        sources: Sequence,
        instruction: str | None,
        why: str,
    ) -> Draft | None:
        assert self.fallback is not None
        draft = self.fallback.draft(mention, triage, sources, instruction)
        if draft is None:
            return None
        return dataclasses.replace(
            draft, note=f"offline draft: the language model was not used ({why})"
        )
