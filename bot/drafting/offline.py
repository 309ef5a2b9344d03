"""The offline grounded drafter: replies built from knowledge-base sentences and a phrase bank.

It never writes a fact of its own. Every factual sentence is quoted from a retrieved passage;
the surrounding words (thanks, apology, "DM us your order number") come from
`prompts/replies.toml`, which may hold no numbers or links. When the passages do not answer
the question the reply is a holding reply and the mention is escalated instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain import Draft, Flag, Intent, Mention, Source, SourceKind, Triage
from bot.drafting.grounding import Evidence, Grounder, select
from bot.drafting.guards import MAX_CHARS
from bot.drafting.phrases import Phrases
from bot.text import truncate


@dataclass
class _Piece:
    text: str
    required: bool


class OfflineDrafter:
    """Drafter port that needs no model: extractive, grounded, phrase-bank voice."""

    origin = "offline"

    def __init__(self, grounder: Grounder, phrases: Phrases) -> None:
        self.grounder = grounder
        self.phrases = phrases

    def draft(
        self,
        mention: Mention,
        triage: Triage,
        sources: Sequence[Source],
        instruction: str | None = None,
    ) -> Draft | None:
        """Return a grounded reply, or None for spam and injection attempts."""
        if not triage.should_reply:
            return None
        seed = mention.id + (f"/{instruction}" if instruction else "")
        say = lambda slot: self.phrases.pick(triage.language, slot, seed)  # noqa: E731
        evidence = self.grounder.evidence(mention.text, sources, triage.language)
        answerable = self.grounder.answers(mention.text, evidence, triage.language)
        brief = bool(instruction and re.search(r"short|brief|kort|kurz", instruction, re.I))
        pieces: list[_Piece] = []
        note = None
        flags = triage.flags

        if Flag.SAFETY in flags:
            pieces.append(_Piece(say("safety_open"), False))
            action = next((e for e in evidence if _INSTRUCTION.search(e.sentence)), None)
            contact = _contact(evidence, prefer=action.source.doc if action else None)
            if action is not None and action is not contact:
                pieces.append(_Piece(action.sentence, True))
            elif action is None:
                pieces.append(_Piece(say("safety_fallback"), True))
            if contact is not None:
                pieces.append(_Piece(contact.sentence, True))
            else:
                pieces.append(_Piece(say("dm_safety"), True))
        elif Flag.OUT_OF_KB in flags:
            pieces.append(_Piece(say("holding"), True))
            note = "holding reply: the knowledge base does not answer this"
        elif Flag.PRESS in flags:
            pieces.append(_Piece(say("escalated"), True))
        elif Flag.LEGAL in flags:
            pieces.append(_Piece(say("complaint_open"), True))
            pieces.append(_Piece(say("dm_order" if triage.needs_dm else "dm_general"), True))
        elif triage.intent is Intent.COMPLAINT:
            pieces.append(_Piece(say("complaint_open"), True))
            # A complaint gets the policy line that bears on it, even when the complaint is not a
            # question; a loosely related line is worse than none, hence the two floors.
            facts = select(evidence, 1)
            if facts and facts[0].coverage >= 0.15 and facts[0].similarity >= 0.3:
                pieces.append(self._fact(facts[0], triage, seed, required=False))
            pieces.append(_Piece(say("dm_order" if triage.needs_dm else "dm_general"), True))
        elif triage.intent is Intent.QUESTION:
            pieces.append(_Piece(say("question_open"), False))
            facts = select(evidence, 1 if brief else 2) if answerable else []
            if not facts:
                pieces = [_Piece(say("holding"), True)]
                note = "holding reply: the knowledge base does not answer this"
            for i, fact in enumerate(facts):
                pieces.append(self._fact(fact, triage, seed, required=i == 0))
            if facts:
                dm = triage.needs_dm
                pieces.append(_Piece(say("dm_order") if dm else say("closer"), dm))
        elif triage.intent is Intent.PRAISE:
            pieces.append(_Piece(say("praise"), True))
            pieces.append(_Piece(say("praise_follow"), False))
        else:
            pieces.append(_Piece(say("other"), True))

        if brief:
            pieces = [p for p in pieces if p.required] or pieces[:1]
        handle = f"@{mention.author.lstrip('@')} " if mention.author else ""
        text = _fit(handle, pieces)
        return Draft(text=text, sources=tuple(sources), origin=self.origin, note=note)

    def _fact(self, evidence: Evidence, triage: Triage, seed: str, required: bool) -> _Piece:
        sentence = evidence.sentence.strip()
        if sentence[-1:] not in ".!?":
            sentence += "."
        if evidence.source.kind is SourceKind.REVIEW:
            lead = self.phrases.pick(triage.language, "review_lead", seed)
            body = re.sub(r"^[^:]{1,60}\(\d/5\):\s*", "", sentence)
            sentence = f"{lead} “{body}”"
        return _Piece(sentence, required)


_INSTRUCTION = re.compile(
    r"\b(stop|unplug|switch (it )?off|turn (it )?off|do not|don't|never|move|leave|keep|place|"
    r"disconnect|call|contact)\b",
    re.IGNORECASE,
)
_CONTACT = re.compile(r"\+?\d[\d ]{7,}\d|[\w.+-]+@[\w-]+\.[\w.]+")


def _contact(evidence: Sequence[Evidence], prefer: str | None) -> Evidence | None:
    """Return the best sentence that gives a phone number or e-mail address, if any."""
    found = [e for e in evidence if _CONTACT.search(e.sentence)]
    found.sort(key=lambda e: (e.source.doc != prefer, -e.score))
    return found[0] if found else None


def _fit(handle: str, pieces: list[_Piece]) -> str:
    """Join pieces within the length limit, dropping optional ones, then shortening facts."""
    budget = MAX_CHARS - len(handle)
    current = list(pieces)

    def joined(items: list[_Piece]) -> str:
        return " ".join(p.text for p in items if p.text)

    # Drop optional pieces from the end backwards until it fits.
    while len(joined(current)) > budget and any(not p.required for p in current):
        drop = max(i for i, p in enumerate(current) if not p.required)
        current.pop(drop)
    if len(joined(current)) > budget:
        longest = max(range(len(current)), key=lambda i: len(current[i].text))
        others = len(joined(current)) - len(current[longest].text)
        room = max(40, budget - others)
        current[longest] = _Piece(_shorten(current[longest].text, room), True)
    return (handle + joined(current)).strip()[:MAX_CHARS]


def _shorten(sentence: str, limit: int) -> str:
    """Keep the leading clauses of a sentence that fit in `limit` characters."""
    if len(sentence) <= limit:
        return sentence
    clauses = re.split(r"(?<=[;,:—])\s+|\s+(?=\()", sentence)
    kept = ""
    for clause in clauses:
        candidate = f"{kept} {clause}".strip()
        if len(candidate) + 1 > limit:
            break
        kept = candidate
    if kept:
        return kept.rstrip(",;:— ") + "."
    return truncate(sentence, limit)
