"""The offline grounded drafter: replies built from knowledge-base sentences and a phrase bank.

It never writes a fact of its own. Every factual sentence is quoted from a retrieved passage;
the surrounding words (thanks, apology, "DM us your order number") come from
`prompts/replies.toml`, which may hold no numbers or links. When the passages do not answer
the question the reply is a holding reply and the mention is escalated instead.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.domain import Draft, Flag, Intent, Mention, Source, SourceKind, Triage
from bot.drafting.address import Address
from bot.drafting.gate import AnswerGate, features
from bot.drafting.grounding import (
    Evidence,
    Grounder,
    content_stems,
    list_lead,
    passage_leads,
    passage_sentences,
    select,
)
from bot.drafting.guards import MAX_CHARS
from bot.drafting.phrases import Phrases
from bot.networks.rules import RULES
from bot.patterns import PatternSet
from bot.text import normalise, sentences, stem_set, truncate


@dataclass
class _Piece:
    text: str
    keep: int  # 0 must stay, 1 stays if it can, 2 optional, 3 the first to go
    shorten: bool = False  # a quoted fact may be cut to its leading clauses
    alt: str | None = None  # a shorter wording to use before anything is cut
    focus: frozenset[str] = frozenset()  # the question's stems it answers: what cutting keeps


@dataclass(frozen=True)
class _Ask:
    """One mention to reply to, with what the drafter found for it."""

    mention: Mention
    triage: Triage
    sources: Sequence[Source]
    evidence: list[Evidence]  # scored passage sentences, emergency wording left out if unasked
    answerable: bool  # the passages answer the question (or one part of it)
    say: Callable[[str], str]  # a phrase for a slot, in the reply's language, stable per mention
    brief: bool  # the reviewer asked for a shorter reply

    def dm(self, keep: int) -> _Piece:
        """The ask to continue in private: with the order number when it is about an order."""
        return _Piece(self.say("dm_order" if self.triage.needs_dm else "dm_general"), keep)


_HOLDING = "holding reply: the knowledge base does not answer this"
_UNSURE = "holding reply: the best knowledge-base line may not answer this"
# Characters of the closest line(s) the card note shows the reviewer, shared between the lines
# (the card caps a note at 300, and the note says why it holds first).
_NOTE_QUOTE = 200


def _topic_terms(evidence: Evidence) -> frozenset[str]:
    """The question's words a sentence shares, leaving out figures."""
    return frozenset(t for t in evidence.covered | evidence.related if t.isalpha())


def _once(pieces: list[_Piece]) -> list[_Piece]:
    """Say each sentence once. The same rule can stand on two pages (a piece that opens with
    what an earlier one said is dropped), and one answer may bring along, as its next sentence,
    the sentence another answer opens with or an earlier one said (that sentence is dropped
    from the piece that only brought it along)."""

    def key(text: str) -> str:
        return normalise(text)[:_SAME_START]

    parts = [sentences(p.text) if p.shorten else [p.text] for p in pieces]
    opening = {key(each[0]) for each in parts if each}
    said: list[str] = []
    out = []
    for piece, each in zip(pieces, parts, strict=True):
        if not each or any(key(each[0]) in earlier for earlier in said):
            continue
        fresh = [each[0]] + [
            part
            for part in each[1:]
            if key(part) not in opening and not any(key(part) in earlier for earlier in said)
        ]
        said.extend(normalise(part) for part in fresh)
        if len(fresh) < len(each):
            piece = dataclasses.replace(piece, text=" ".join(fresh))
        out.append(piece)
    return out


# Words a policy line must share with a complaint (figures aside) to be quoted to it: one shared
# word ("change", "airline") is a coincidence, not the complaint's topic. On the nine brands, two
# took off-topic drafts to other brands' customers 20 % -> 17 % for 0.003 of facts.
_COMPLAINT_TOPIC = 2
_SAME_START = 60  # characters: two sentences that open alike for this long say the same thing


class OfflineDrafter:
    """Drafter port that needs no model: extractive, grounded, phrase-bank voice."""

    origin = "offline"

    def __init__(
        self,
        grounder: Grounder,
        phrases: Phrases,
        alarming: PatternSet | None = None,
        bad_news: PatternSet | None = None,
        gate: AnswerGate | None = None,
        address: Address | None = None,
    ) -> None:
        self.grounder = grounder
        # "Customers may return it" is said to the reader: "You may return it".
        self.address = address or Address({})
        self.phrases = phrases
        # Whether the sentences chosen for a question answer it, or only share its words.
        self.gate = gate
        # An answer that says no gets a plain opener and closer, never "Great question!".
        self.bad_news = bad_news or PatternSet([])
        # Emergency wording ("if there is fire, call 112"): quoted only to a safety mention.
        self.alarming = alarming or PatternSet([])

    def draft(
        self,
        mention: Mention,
        triage: Triage,
        sources: Sequence[Source],
        instruction: str | None = None,
    ) -> Draft | None:
        """Return a grounded reply, or None for spam and injection attempts.

        Which reply a mention gets is decided in this order: a safety incident, a question the
        knowledge base cannot answer (a holding reply), a press or legal finding (escalated),
        then by intent. Each kind of reply is built by its own method from one `_Ask`."""
        if not triage.should_reply:
            return None
        seed = mention.id + (f"/{instruction}" if instruction else "")
        voice = self.phrases.voice(triage.language)  # the mention's language, or English
        evidence = self.grounder.evidence(mention.text, sources, triage.language)
        ask = _Ask(
            mention,
            triage,
            sources,
            self._usable(evidence, mention, triage),
            self.grounder.can_answer(mention.text, sources, triage.language),
            lambda slot: self.phrases.pick(voice, slot, seed),
            bool(instruction and re.search(r"short|brief|kort|kurz", instruction, re.I)),
        )
        flags = triage.flags
        if Flag.SAFETY in flags:
            pieces, note = self._safety(ask), None
        elif Flag.OUT_OF_KB in flags:
            pieces, note = [_Piece(ask.say("holding"), 0)], _HOLDING
        elif Flag.PRESS in flags:
            pieces, note = [_Piece(ask.say("escalated"), 0)], None
        elif Flag.LEGAL in flags:
            pieces, note = [_Piece(ask.say("complaint_open"), 0), ask.dm(0)], None
        elif triage.intent is Intent.COMPLAINT:
            pieces, note = self._complaint(ask), None
        elif triage.intent is Intent.QUESTION:
            pieces, note = self._question(ask)
        elif triage.intent is Intent.PRAISE:
            pieces = [_Piece(ask.say("praise"), 0), _Piece(ask.say("praise_follow"), 3)]
            note = None
        else:
            pieces, note = [_Piece(ask.say("other"), 0)], None

        if ask.brief:
            pieces = [p for p in pieces if p.keep == 0] or pieces[:1]
        handle = RULES.handle(mention.network, mention.author)
        text = _fit(f"{handle} " if handle else "", _once(pieces))
        holding = note is not None
        return Draft(text, tuple(sources), self.origin, note=note, holding=holding)

    def _safety(self, ask: _Ask) -> list[_Piece]:
        """What to do now, from the passage that best matches the incident (its own section,
        not general advice that shares a word), then how to reach the brand."""
        say, evidence, sources = ask.say, ask.evidence, ask.sources
        pieces = [_Piece(say("safety_open"), 2, alt=say("safety_short"))]
        actions = [e for e in evidence if _INSTRUCTION.search(e.sentence)]
        top = sources[0] if sources else None
        action = next((e for e in actions if e.source == top), actions[0] if actions else None)
        contact = _contact(evidence, prefer=action.source.doc if action else None)
        if action is not None and action is not contact:
            pieces.append(_Piece(_standalone(action.sentence), 0, shorten=True))
        elif action is None:
            pieces.append(_Piece(say("safety_fallback"), 0))
        if contact is not None:
            pieces.append(_Piece(_contact_part(contact.sentence, action), 0, shorten=True))
        else:
            pieces.append(_Piece(say("dm_safety"), 0))
        return pieces

    def _complaint(self, ask: _Ask) -> list[_Piece]:
        """An apology, the policy line that bears on the complaint if one does, and the DM ask.

        A loosely related line is worse than none, hence the floors. A line the writer already
        quotes back at us ("'we reply within a day', they said") is no help. Nor is a product's
        spec line that shares only its name and price with the complaint: a reply to a problem
        cites what we do about it."""
        mention, triage, evidence, say = ask.mention, ask.triage, ask.evidence, ask.say
        pieces = [_Piece(say("complaint_open"), 1, alt=say("complaint_short"))]
        unquoted = [
            e
            for e in evidence
            if not _quotes(mention.text, e.sentence) and not self.grounder.only_names(e)
        ]
        if self.grounder.unfamiliar(mention.text, triage.language):
            unquoted = []  # about something the knowledge base does not cover
        facts = select(unquoted, 1)
        fact = None
        route = self._complaints_route(mention, evidence)
        # A problem posed as a question ("it stopped charging, is that still under warranty?")
        # is answered like the question it asks.
        answers = self._answers(mention, triage, ask.sources, evidence, 1) if ask.answerable else []
        if "?" in mention.text and answers and route is None:
            facts = answers
        if route is not None:
            facts = [route]
        relevant = facts and self.grounder.topical(facts[0], triage.language != "en")
        # A line of the kind the complaint implies ("still no refund": how long it takes) may
        # share fewer of its words.
        floor = 0.1 if facts and dict(facts[0].signals).get("fits", 0.0) > 0 else 0.15
        if route is not None or (
            relevant
            and facts[0].coverage >= floor
            and facts[0].similarity >= 0.2
            and len(_topic_terms(facts[0])) >= _COMPLAINT_TOPIC
            and self.grounder.brand_wide(_topic_terms(facts[0]))
        ):
            fact = self._fact(_what_happens_next(facts[0], unquoted), say, keep=0)
            pieces.append(fact)
        # When the policy line itself says where to go, the DM ask is the part to let go.
        pieces.append(ask.dm(2 if fact is not None and _CONTACT.search(fact.text) else 0))
        return pieces

    def _question(self, ask: _Ask) -> tuple[list[_Piece], str | None]:
        """The sentences that answer it (one per part of a two-part question), or a holding
        reply when the knowledge base does not answer it."""
        mention, triage, evidence, say = ask.mention, ask.triage, ask.evidence, ask.say
        facts = self._answers(mention, triage, ask.sources, evidence, 1 if ask.brief else 2)
        facts = facts if ask.answerable else []
        if not facts:
            return [_Piece(say("holding"), 0)], _HOLDING
        asked = len(self.grounder.shapes.subquestions(mention.text))
        if not self._confident(ask, facts, asked):
            each = _NOTE_QUOTE // len(facts)
            closest = " ".join(f"“{truncate(f.sentence, each)}”" for f in facts)
            return [_Piece(say("holding"), 0)], f"{_UNSURE} (closest line: {closest})"
        pieces = [_Piece(say("question_open"), 3)]
        # Two questions need two answers; an extra sentence for one question is optional.
        quoted: list[str] = []  # every sentence quoted, the answers and what they bring
        for i, answer in enumerate(facts):
            piece = self._fact(answer, say, keep=0 if i < asked else 2)
            quoted.append(answer.sentence)
            # "If I delete my account, do I lose my registration?": when the answer must be
            # cut, keep the part about what is asked, not about the condition.
            piece.focus = piece.focus - _condition_stems(mention.text) or piece.focus
            pieces.append(piece)
            instead = self._instead(answer, evidence, facts)
            if instead is not None:
                pieces.append(self._fact(instead, say, keep=1))
                quoted.append(instead.sentence)
        # A "no" anywhere in what is quoted takes the cheer out of the opener and closer.
        closer = "closer"
        if any(self.bad_news.search(sentence) for sentence in quoted):
            pieces[0] = _Piece(say("question_open_plain"), 3)
            closer = "closer_plain"
        dm = triage.needs_dm
        pieces.append(_Piece(say("dm_order") if dm else say(closer), 1 if dm else 3))
        return pieces, None

    def _confident(self, ask: _Ask, facts: Sequence[Evidence], asked: int) -> bool:
        """Whether the answer gate trusts the chosen sentences to answer the question. A
        two-part question is not its to judge: each part was already checked on its own."""
        if self.gate is None or asked > 1:
            return True
        text, language = ask.mention.text, ask.triage.language
        grounder = self.grounder
        unknown = grounder.unknown_share(grounder.terms(text, language))
        answerability = grounder.answerability(text, ask.evidence, language)
        values = features(facts, ask.evidence, unknown, answerability)
        return self.gate.passes(values)

    def _complaints_route(self, mention: Mention, evidence: Sequence[Evidence]) -> Evidence | None:
        """For a complaint about how we handled the writer (a promise broken, nobody called
        back), the line that says where such a complaint goes ("Not happy with how we handled
        it? E-mail complaints@…"). The writer either quotes one of our promises back at us or
        uses words the glossary files under "complaint"."""
        quoted = any(_quotes(mention.text, e.sentence) for e in evidence)
        filed_as = " ".join(self.grounder.glossary.expansions(mention.text))
        filed = "complaint" in stem_set(filed_as)
        if not (quoted or filed):
            return None
        for e in evidence:
            about = stem_set(e.sentence) | stem_set(e.source.ref)
            about |= stem_set(passage_leads(e.source.text).get(e.sentence, ""))
            # "…, you can file a formal complaint. Send it to complaints@…" gives the address
            # in the sentence after.
            reach = f"{e.sentence} {_next_sentence(e) or ''}"
            if "complaint" in about and _CONTACT.search(reach):
                return e
        return None

    def _usable(self, evidence: list[Evidence], mention: Mention, triage: Triage) -> list[Evidence]:
        """Drop sentences that speak of an emergency (fire, "call 112") the mention did not
        raise: they are for safety incidents, not for a question that shares the word "call".
        So are the steps under an emergency's heading ("If your device catches fire": "If it
        is safe to do so, place it outdoors"), whatever their own words."""
        if Flag.SAFETY in triage.flags or _matches(self.alarming, mention.text):
            return evidence
        return [
            e
            for e in evidence
            if not _matches(self.alarming, e.sentence) and not _matches(self.alarming, e.source.ref)
        ]

    def _answers(
        self,
        mention: Mention,
        triage: Triage,
        sources: Sequence[Source],
        evidence: list[Evidence],
        limit: int,
    ) -> list[Evidence]:
        """Pick answer sentences: one per sub-question when the mention asks two things."""
        parts = self.grounder.shapes.subquestions(mention.text)
        if len(parts) < 2 or limit < 2:
            return select(evidence, limit)
        chosen: list[Evidence] = []
        for part in parts[:limit]:
            ranked = self.grounder.evidence(mention.text, sources, triage.language, focus_on=part)
            ranked = self._usable(ranked, mention, triage)
            said = {c.sentence for c in chosen}
            # A sentence already chosen may answer this part too ("€25 per floor" for "and does
            # that cost extra?"): then a second, weaker line would only add noise.
            if ranked and ranked[0].sentence in said:
                continue
            # Two items of one list ("Register … — Pocket: 3 years", "Register … — Volta:
            # 5 years") would repeat their lead; the first one stands for the list.
            leads = {list_lead(sentence) for sentence in said} - {None}
            fresh = [
                e for e in ranked if e.sentence not in said and list_lead(e.sentence) not in leads
            ]
            best = next((e for e in fresh[:4] if e.fits), fresh[0] if fresh else None)
            # A part the knowledge base cannot answer gets no sentence (not a near miss).
            answerable = self.grounder.answers(part, ranked, triage.language)
            if best is not None and best.coverage > 0 and answerable:
                chosen.append(best)
        return chosen or select(evidence, limit)

    def _instead(
        self, answer: Evidence, evidence: Sequence[Evidence], chosen: Sequence[Evidence]
    ) -> Evidence | None:
        """For an answer that says no ("Please do not send returns to our office"), what the
        same policy says to do instead: its best other sentence on the question ("Drop the
        parcel off at a service point"), not one that only shares a product name."""
        if not _REFUSAL.search(answer.sentence):
            return None
        said = {c.sentence for c in chosen}
        quoted = _with_next(answer)  # a short refusal already comes with the sentence after it
        for e in evidence:
            if (
                e.source.doc == answer.source.doc
                and e.sentence not in said
                and e.sentence not in quoted
                and e.covered
                and not _REFUSAL.search(e.sentence)
                and not self.grounder.only_names(e)
            ):
                return e
        return None

    def _fact(self, evidence: Evidence, say: Callable[[str], str], keep: int) -> _Piece:
        """A quoted fact, said to the reader where it speaks of "customers"; `say` picks the
        draft's phrases (a review's lead-in)."""
        # A list item keeps its list's ";" or ":"; quoted on its own it ends as a sentence.
        sentence = _with_next(evidence).strip().rstrip(";,:").rstrip()
        if sentence[-1:] not in ".!?":
            sentence += "."
        if evidence.source.kind is SourceKind.REVIEW:
            lead = say("review_lead")
            body = re.sub(r"^[^:]{1,60}\(\d/5\):\s*", "", sentence)
            sentence = f"{lead} “{body}”"
        else:
            sentence = self.address.to_reader(sentence)
        return _Piece(sentence, keep, shorten=True, focus=evidence.covered)


_ASKED_IF = re.compile(
    r"(?:^|[.!?]\s+|@\w+\s+)(?:if|when|once|als|wenn|falls)\b([^,?.!]{3,80}?)"
    r"(?:,|\s+(?=(?:will|would|do|does|can|could|is|are|should|must)\b))",
    re.IGNORECASE,
)


def _condition_stems(text: str) -> frozenset[str]:
    """The stems of a condition a question opens with ("If I delete my account, …")."""
    return frozenset().union(*(stem_set(m.group(1)) for m in _ASKED_IF.finditer(text)))


# "…, contact us." with no address or number: a complaint is already contacting us.
_CONTACT_US = re.compile(
    r"\b(contact|call|e-?mail|message|tell|notify) (us|our (customer )?(service|support|care)\w*)"
    r"( team)?( (first|right away|straight away|immediately|as soon as possible))?\W*$",
    re.IGNORECASE,
)


def _what_happens_next(fact: Evidence, ranked: Sequence[Evidence]) -> Evidence:
    """For a complaint, "If your parcel is lost, contact us." says what the writer is already
    doing; the sentence after it in the passage (what we then do) is the one that helps."""
    if not _CONTACT_US.search(fact.sentence) or _CONTACT.search(fact.sentence):
        return fact
    nxt = _next_sentence(fact)
    return next((e for e in ranked if e.source == fact.source and e.sentence == nxt), fact)


def _next_sentence(evidence: Evidence) -> str | None:
    """The sentence after `evidence`'s in its passage, if any. A sentence that leans on this
    one is listed joined to it ("A. After that, B."): then what follows is the rest of the join."""
    following = passage_sentences(evidence.source.text)
    if evidence.sentence not in following:
        return None
    at = following.index(evidence.sentence) + 1
    if at >= len(following):
        return None
    nxt = following[at]
    if nxt.startswith(evidence.sentence):
        return nxt[len(evidence.sentence) :].strip() or None
    return nxt


@lru_cache(maxsize=20_000)
def _matches(patterns: PatternSet, text: str) -> bool:
    return patterns.search(text.casefold()) is not None


def _quotes(mention: str, sentence: str) -> bool:
    """Return whether the mention already repeats most of `sentence` (it quotes our policy)."""
    said = stem_set(sentence)
    return len(said) >= 3 and len(said & stem_set(mention)) / len(said) >= 0.7


def _with_next(evidence: Evidence) -> str:
    """Return a short answer sentence with the next one when that one continues the topic
    ("We deliver to BE, NL and FR." + "In Belgium your coffee travels with bpost."), or when
    the sentence is too short to stand alone ("We do not swap products directly." + how to)."""
    sentence = evidence.sentence
    about = evidence.covered | evidence.related
    if len(sentence) >= 140 or not about:
        return sentence
    nxt = _next_sentence(evidence)
    if nxt is None:
        return sentence
    shared = stem_set(nxt) & about
    # "We also repair products out of warranty." + "We charge a diagnosis fee of €35, …": the
    # next sentence gives the figure the answer lacks, on the same subject.
    figure = (
        not re.search(r"\d", sentence)
        and re.search(r"\d", nxt)
        and bool(content_stems(nxt) & content_stems(sentence))
    )
    # Another item of the same list or table says the same of something else: not this answer.
    lead = list_lead(sentence)
    sibling = (lead is not None and list_lead(nxt) == lead) or bool(
        re.match(r"^[^:—]{1,60}(:| —)", nxt) and re.match(r"^[^:—]{1,60}(:| —)", sentence)
    )
    if (shared or figure or len(sentence) < 60) and not sibling and len(sentence) + len(nxt) < 250:
        end = "" if sentence[-1:] in ".!?" else "."
        return f"{sentence}{end} {nxt}"
    return sentence


# An instruction in the imperative, possibly after its condition ("If it smokes, unplug it"):
# "We call you back within 2 hours" shares the verb but tells the customer nothing to do.
_IMPERATIVE = (
    r"(?:please\s+|first,?\s+|then,?\s+)?"
    r"(?:stop|unplug|switch|turn|do not|don't|never|avoid|move|leave|keep|place|put|remove|"
    r"disconnect|call|contact|seek|get|go|take|let|open|rinse|wash|check|report|wait)\b"
)
_INSTRUCTION = re.compile(r"^(?:if\b[^.!?]{0,200}?,\s*)?" + _IMPERATIVE, re.IGNORECASE)
_ORDER = re.compile(_IMPERATIVE, re.IGNORECASE)
_CONTACT = re.compile(r"\+?\d[\d ]{7,}\d|[\w.+-]+@[\w-]+\.[\w.]+")
# An answer that says no: "Please do not send returns to …", "… cannot be collected".
_REFUSAL = re.compile(
    r"^(?:please\s+)?(?:do not|don't|never)\b|\b(?:cannot|can't|can not|is not possible|"
    r"are not possible|not accepted|do not accept|don't accept|do not offer|don't offer)\b",
    re.IGNORECASE,
)


def _contact_part(sentence: str, action: Evidence | None) -> str:
    """The part of a quoted passage that says how to reach us, when the action is quoted apart
    ("If there is fire, call 112. Then contact our safety line on …" → the second sentence)."""
    if action is None:
        return _standalone(sentence)
    parts = _SENTENCE_BREAK.split(sentence)
    with_contact = [p for p in parts if _CONTACT.search(p)]
    return _standalone(" ".join(with_contact)) if with_contact else sentence


_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")
_CONDITION = re.compile(r"(if|when|unless)\b", re.IGNORECASE)
_CONNECTIVE = re.compile(r"^(then|after that|afterwards|also|next|and)\b,?\s*", re.IGNORECASE)


def _standalone(sentence: str) -> str:
    """Drop a leading "Then"/"Afterwards," that leans on a sentence we did not quote."""
    rest = _CONNECTIVE.sub("", sentence, count=1)
    return rest[:1].upper() + rest[1:] if rest and rest != sentence else sentence


def _contact(evidence: Sequence[Evidence], prefer: str | None) -> Evidence | None:
    """Return the best sentence that gives a phone number or e-mail address, if any."""
    found = [e for e in evidence if _CONTACT.search(e.sentence)]
    found.sort(key=lambda e: (e.source.doc != prefer, -e.score))
    return found[0] if found else None


def _fit(handle: str, pieces: list[_Piece]) -> str:
    """Join pieces within the length limit: drop optional ones, then cut facts, then the rest."""
    budget = MAX_CHARS - len(handle)
    current = list(pieces)

    def length() -> int:
        return len(" ".join(p.text for p in current if p.text))

    dropped: list[_Piece] = []

    def drop(min_keep: int) -> bool:
        candidates = [i for i, p in enumerate(current) if p.keep >= min_keep]
        if not candidates:
            return False
        worst = max(candidates, key=lambda i: (current[i].keep, i))
        dropped.append(current.pop(worst))
        return True

    while length() > budget and drop(3):
        pass
    # A shorter wording of a piece that may go ("Sorry!") beats losing it.
    for piece in current:
        if length() > budget and piece.alt:
            piece.text = piece.alt
    while length() > budget and drop(2):
        pass
    # A sentence quoted with the one after it gives that one up first, the last answer first.
    for piece in reversed([p for p in current if p.shorten]):
        parts = _SENTENCE_BREAK.split(piece.text)
        if length() > budget and len(parts) > 1:
            piece.text = parts[0]
    for piece in sorted((p for p in current if p.shorten), key=lambda p: -len(p.text)):
        if length() <= budget:
            break
        room = max(40, budget - (length() - len(piece.text)))
        cut = _shorten(piece.text, room, piece.focus)
        if cut.endswith("…"):
            # Letting go of what may go (a DM ask, an opener) beats an answer cut mid-sentence.
            while length() > budget and drop(1):
                pass
            room = max(40, budget - (length() - len(piece.text)))
            cut = _shorten(piece.text, room, piece.focus)
        piece.text = cut
    while length() > budget and drop(1):
        pass
    # Still too long, or an answer cut off mid-sentence: one whole answer reads better.
    facts = [p for p in current if p.shorten]
    while len(facts) > 1 and (length() > budget or facts[-1].text.endswith("…")):
        current.remove(facts.pop())
    # An answer cut short may leave room for an opener or closer dropped on the way.
    for piece in reversed(dropped):
        if not piece.shorten and length() + 1 + len(piece.text) <= budget:
            current.append(piece)
            current.sort(key=lambda p: next(i for i, q in enumerate(pieces) if q is p))
    text = (handle + " ".join(p.text for p in current if p.text)).strip()
    return text if len(text) <= MAX_CHARS else truncate(text, MAX_CHARS)


def _shorten(sentence: str, limit: int, focus: frozenset[str] = frozenset()) -> str:
    """Keep the part of a sentence that answers (covers most of `focus`) within `limit`
    characters: one of its independent parts ("…; a Volta 300 charges at 100 W."), else its
    leading clauses."""
    if len(sentence) <= limit:
        return sentence
    cut = _leading(sentence, limit)
    parts = [p.strip() for p in _INDEPENDENT.split(sentence.rstrip(".")) if p.strip()]
    if focus and len(parts) > 1:
        fitting = [p for p in parts if len(p) + 1 <= limit and not _CONDITION.match(p)]
        best = max(fitting, key=lambda p: len(stem_set(p) & focus), default=None)
        if best is not None and len(stem_set(best) & focus) > len(stem_set(cut) & focus):
            return best[:1].upper() + best[1:] + "."
    return cut


# Where a sentence joins parts that each stand alone: "…; a Volta 300 …", "Intro — item",
# "…, and your registrations stay linked …".
_INDEPENDENT = re.compile(
    r";\s+| — |,\s+(?:and|but)\s+(?=(?:you|we|it|they|your|our|its|their|this|these)\s)",
    re.IGNORECASE,
)


def _leading(sentence: str, limit: int) -> str:
    """Keep the leading clauses of a sentence that fit in `limit` characters (a quote joined
    from two sentences has already given up the second one in `_fit`)."""
    clauses = re.split(r"(?<=[;,:—])\s+|\s+(?=\()", sentence)
    if _CONDITION.match(sentence):
        # "If X, such as A, B or C, do Y": the condition and what to do, without the examples.
        # Leading clauses alone would end on the condition and never say what to do.
        main = next((i for i, c in enumerate(clauses[1:], 1) if _ORDER.match(c)), 1)
        for candidate in (f"{clauses[0]} {' '.join(clauses[main:])}", " ".join(clauses[main:])):
            if len(candidate) <= limit:
                return candidate[:1].upper() + candidate[1:]
        clauses = [clauses[0], *clauses[main:]]
    taken: list[str] = []
    for clause in clauses:
        if len(" ".join([*taken, clause])) + 1 > limit:
            break
        taken.append(clause)
    # "… at no cost — Volta power stations:" is a list item's label without its value.
    if len(taken) >= 2 and taken[-1].endswith(":") and taken[-2].endswith("—"):
        taken = taken[:-1]
    kept = " ".join(taken)
    # A condition or a purpose alone ("If it smokes,", "To delete your account,") says nothing.
    only_condition = _CONDITION.match(kept) and re.fullmatch(r"[^;,:—]*[;,:—]?", kept)
    only_purpose = re.fullmatch(r"(to|in order to)\s[^;,:—]*[;,:—]?", kept, re.IGNORECASE)
    if kept and not only_condition and not only_purpose:
        return kept.rstrip(",;:— ") + "."
    return truncate(sentence, limit)
