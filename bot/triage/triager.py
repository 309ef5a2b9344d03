"""Rule-based triage: intent, sentiment, priority, flags and escalation for one mention.

The rules come from `prompts/triage_rules.toml`; this module only applies them. The mention is
unmasked first (look-alike letters, spacing, encodings undone) and its language detected with a
library, and every category is judged on what the text says, in any of the covered languages:

- injection and spam are scored from named signals (see `bot.rules.ScoredSignals`), with the
  link and account signals computed from the brand's identity (`bot.triage.brand`);
- a safety incident is a harm word used literally, or an event with one of the brand's own
  hazard terms (`bot.triage.hazards`), and not a hypothetical question;
- the default is to hold: what asks nothing and cannot be placed is `other`, with no reply.

Safety, legal, press and injection findings here are floors: a later model-based triage may
raise a priority or block a reply, never lower or unblock what these rules found.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import re
from collections.abc import Sequence

from bot.domain import Flag, Intent, Mention, Priority, Triage
from bot.language import LanguageDetector
from bot.rules import Rules
from bot.text import HANDLE, normalise, personal_data
from bot.triage.brand import BrandIdentity, handles
from bot.triage.hazards import HazardLexicon
from bot.triage.model import IntentModel, Reading
from bot.triage.sentiment import Sentiment
from bot.triage.vocabulary import BrandVocabulary
from bot.unmask import Unmasked, unmask

# Pictographs and their modifiers (emoji), read by the lexicon as words of their own.
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f\u200d]+")
# Where a clause ends; on social media an emoji ends one as a full stop does ("… 🕶️ who do
# I contact?").
_CLAUSES = re.compile("[.!?;:\n\U0001f000-\U0001faff\u2600-\u27bf\ufe0f\u200d]+")
_LEADING_FILLER = re.compile(
    r"^(\W*\b(lol|lmao|hey|hi|hello|hallo|hoi|ok|okay|so|quick (one|question)|btw|yo|um|hmm|"
    r"also|and|but|pls|please|be honest|honestly|seriously|real talk|salut|bonjour|bonsoir|"
    r"coucou|hola|buenas|buenos días|buenas tardes|ciao|salve|buongiorno|buonasera|olá|oi|"
    r"bom dia|boa tarde|boa noite|moin|servus|guten tag|goedemorgen|goedemiddag|hey)\b)+\W*"
)
_DOUBLED = re.compile(r"([a-z])\1+")
_JOINERS = re.compile(r"(?<=\w)[-_]+(?=\w)")
_DOUBLED_END = re.compile(r"([a-z])\1\b")  # "yourr", "outputt": letters doubled at word end
# How sure the model must be before it moves a mention (see `_with_model`).
MODEL_COMPLAINT_UNPLACED = 0.35
MODEL_COMPLAINT_STORY = 0.05
MODEL_COMPLAINT_QUESTION = 0.9
MODEL_NOT_PRAISE = 0.95
MODEL_ABUSE = 0.85
_BARE_WORDS = 6  # a message this short that only claims access is an order to the bot
_BARE_BONUS = 0.5
# A conditional clause up to its comma or question mark, in the covered languages.
_CONDITION = re.compile(
    # Words that also mean something else ("se rompió", "c'est si lent") are left out.
    r"\b(what if|what happens if|if|in case|suppose|supposing|indien|stel dat|wenn|falls|"
    r"au cas où|et si|en caso de que|y si|caso (o|a)|e se|nel caso|qualora|e se)\b[^,?.!;]*",
    re.IGNORECASE,
)
_MASS_PING = 5  # distinct @handles besides the brand's from which a post is a mass ping
_TINY_ACCOUNT = 10  # followers below which an account adds to other spam signals
# A marker this strong (a chat-format token, a JSON role) decides an injection on its own.
_STRONG = 2.0


class _Trouble(enum.IntEnum):
    """How much of a problem a post carries, for the model's threshold (see `_with_model`)."""

    NONE = 0  # nothing that went wrong: the model never makes it a complaint
    SIGN = 1  # a negation, a figure, a negative word
    STORY = 2  # waiting, being told, refused, the service desk


# The model's complaint reading from which an unplaced post is a complaint, by its trouble.
_UNPLACED = {_Trouble.SIGN: MODEL_COMPLAINT_UNPLACED, _Trouble.STORY: MODEL_COMPLAINT_STORY}


class RuleTriager:
    """Applies the triage rules to mentions."""

    def __init__(
        self,
        rules: Rules,
        reach_threshold: int = 10_000,
        *,
        languages: LanguageDetector | None = None,
        hazards: HazardLexicon | None = None,
        brand: BrandIdentity | None = None,
        model: IntentModel | None = None,
        vocabulary: BrandVocabulary | None = None,
    ) -> None:
        self.rules = rules
        self.reach_threshold = reach_threshold
        self.languages = languages or LanguageDetector()
        self.hazards = hazards or HazardLexicon.empty()
        self.brand = brand or BrandIdentity.build("", "")
        self.model = model
        self.vocabulary = vocabulary or BrandVocabulary.empty()
        self.sentiment = Sentiment(rules.sentiment_lexicon, rules.stop_words)

    def language(self, text: str) -> str:
        """Return the mention's language (ISO 639-1)."""
        return self.languages.detect(text)

    def is_question(self, text: str) -> bool:
        """Return whether any sentence asks something (after handles and interjections)."""
        plain = normalise(HANDLE.sub(" ", text))
        if "?" in plain:
            return True
        for clause in _CLAUSES.split(plain):
            clause = _LEADING_FILLER.sub("", clause).strip()
            if clause and self.rules.question.search(clause):
                return True
            # "ok be honest, is it really unlimited or …": a question after a comma, held to a
            # stricter pattern (a comma also starts "…, will post my findings next week").
            for part in clause.split(",")[1:]:
                if self.rules.question_after_comma.search(part.strip()):
                    return True
        return False

    def assess_many(self, mentions: Sequence[Mention]) -> list[Triage]:
        """Triage a batch: the model reads all texts in one pass."""
        if self.model is None:
            return [self.assess(m) for m in mentions]
        readings = self.model.read([m.text for m in mentions])
        return [self.assess(m, r) for m, r in zip(mentions, readings, strict=True)]

    def assess(self, mention: Mention, reading: Reading | None = None) -> Triage:
        """Triage `mention` from its text and author alone (before retrieval)."""
        rules = self.rules
        unmasked = unmask(mention.text)
        plain = unmasked.plain
        flags: set[Flag] = set()
        reasons: list[str] = []
        language = self.language(mention.text)
        raw_sentiment = self.sentiment.score(mention.text, language)

        if personal_data(mention.text) or rules.personal_data.search(plain):
            flags.add(Flag.PII)

        injection, suspicion = self._injection(unmasked, mention.text)
        if injection:
            why = f"tries to instruct the bot ({injection}); treated as data and not answered"
            return _blocked(Intent.INJECTION, Flag.INJECTION, raw_sentiment, flags, language, why)

        spam = self._spam(unmasked, mention)
        if spam and self._reports_imitation(plain, mention):
            spam = None  # "got a mail from brand-secure.com, is that you?": warn, don't block
        if spam:
            return _blocked(Intent.SPAM, Flag.SPAM, raw_sentiment, flags, language, spam)

        safety = self._safety_incident(plain, language)
        # Whether the mention is about the brand at all, asked only where it decides something.
        about = functools.cache(lambda: self.vocabulary.about(plain, language))
        # "the curry was so spicy my mouth was on fire 😂": a joke about something that is not
        # the brand's (no word of its knowledge base) is no incident.
        if safety and rules.laughter.search(plain) and not about():
            safety = None
        if safety:
            flags.add(Flag.SAFETY)
            reasons.append(f"possible safety incident ({safety})")
        if rules.legal.search(plain):
            flags.add(Flag.LEGAL)
            reasons.append("legal threat")
        if rules.press.search(plain):
            flags.add(Flag.PRESS)
            reasons.append("press enquiry")

        # A praise idiom may use rude words ("shut up and take my money").
        abusive = rules.abuse.search(rules.praise.sub(" ", plain)) is not None
        # Judging words aimed at the brand itself, its ads or its people, and no problem named
        # once they are taken out ("what a ridiculous brand", "your ad is cringe"), insult as
        # much as a swear word does. About a service ("the delivery was terrible") they
        # complain.
        addressee = HANDLE.sub(" ", plain)
        targeted = bool(
            rules.abuse_target.search(addressee) or rules.abuse_people.search(addressee)
        )
        abusive = abusive or bool(
            rules.evaluation.search(plain)
            and targeted
            and not rules.complaint.search(rules.evaluation.sub(" ", plain))
            # A person insulted by their desk ("X from your support team") tells no story.
            and not rules.trouble_story.search(rules.abuse_people.sub(" ", plain))
        )
        # An insult names no problem: with one, only a cue left after the insults and the
        # judging words are taken out ("clowns, you charged me twice") makes a complaint.
        judged = plain
        if abusive:  # nor does the eye-roll that comes with it
            judged = rules.mockery.sub(" ", rules.evaluation.sub(" ", rules.abuse.sub(" ", plain)))
        question = self.is_question(mention.text)
        if question:
            # "If it arrives damaged, can I return it?": a problem inside a condition is asked
            # about, not reported.
            judged = _CONDITION.sub(" ", judged)
        complaint_cue = rules.complaint.search(judged) is not None
        named_problem = complaint_cue  # before the weak cues (a sigh, distress emoji) count
        # "a jingle with a ukulele, truly revolutionary 👏", "your support is about as useful as a
        # chocolate teapot": mockery of the brand's ads or people, no problem named.
        ironic = rules.mockery.search(plain) and rules.mockery_praise.search(plain)
        # "'natural glow', yeah right 🤡": the brand's own words quoted to be laughed at are
        # both the mockery and its target; told of the writer's own things ("my back is
        # thrilled") they are sarcasm about what happened to them, a complaint.
        quoted = bool(
            rules.claims.search(plain)
            and rules.disbelief.search(plain)
            and not rules.safety_own_product.search(plain)
        )
        mocked = bool(ironic or rules.comparison.search(plain) or quoted)
        # The eye-roll that marks the mockery, and the judging words, name no problem.
        unmocked = rules.mockery.sub(" ", rules.disbelief.sub(" ", judged))
        unmocked = rules.evaluation.sub(" ", unmocked)
        if mocked and (targeted or quoted) and not rules.complaint.search(unmocked):
            abusive, complaint_cue = True, False
        sarcastic = self._sarcastic(plain, complaint_cue) and not (abusive and not complaint_cue)
        praise_cue = rules.praise.search(plain) is not None
        # "Sean sorted our broken lock in one message, legend": a problem the brand solved,
        # told with praise and nothing still wrong, is thanks.
        if (
            complaint_cue
            and praise_cue
            and not (safety or abusive)
            and rules.praise_resolved.search(plain)
            and not rules.praise_unresolved.search(plain)
            and not self._doubted(plain)
        ):
            complaint_cue = named_problem = sarcastic = False
        # Distress emoji with nothing named make a complaint, unless they cheer ("so good 😭").
        complaint_cue = complaint_cue or (
            not question
            and not abusive
            and not praise_cue
            and rules.complaint_weak.search(plain) is not None
        )
        # Slang praise reads negative to a lexicon ("this bike is SICK", "a bomb 💣"): the
        # praise words and the emoji that intensify them are not held against it, only the
        # words said around them.
        around_praise = (
            self.sentiment.score(_EMOJI.sub(" ", rules.praise.sub(" ", plain)), language)
            if praise_cue
            else raw_sentiment
        )
        # A low score alone makes a complaint only when nothing is asked: "my Pocket is dead, can
        # I send it in for recycling?" is a question. A praise cue outweighs a negative score
        # when nothing else went wrong: the story around praise ("carried it up three flights
        # in the rain") reads negative to a lexicon.
        complaint = bool(
            safety
            or sarcastic
            or Flag.LEGAL in flags
            or complaint_cue
            or (raw_sentiment <= -0.45 and not question and not praise_cue and not abusive)
        )
        # Thanks go only to clear praise: a praise cue, nothing that takes it back, and words
        # that do not read negative.
        doubt = self._doubted(plain)
        praise = (
            not abusive
            and not doubt
            and not complaint_cue
            and (praise_cue and around_praise > -0.4)
        )
        # A named problem outweighs praise words ("love the app, but it crashes"); a merely
        # negative score does not ("carried it up three flights in the rain 🙌").
        cue_led = complaint_cue or sarcastic or bool(safety) or Flag.LEGAL in flags
        crowd = question and rules.crowd.search(plain) is not None and not about()
        if complaint and (cue_led or not (praise and raw_sentiment >= 0.5)):
            intent = Intent.COMPLAINT
        elif abusive:
            intent = Intent.ABUSE
        elif Flag.PRESS in flags:
            intent = Intent.OTHER
        elif question and not crowd:
            # "Anyone got tips for a campsite by the coast?": asked of the others, about nothing
            # of the brand's, it is chatter, not a question for the brand.
            intent = Intent.QUESTION
        elif praise:
            intent = Intent.PRAISE
        else:
            intent = Intent.OTHER
        learned = ""
        if crowd and intent is Intent.OTHER:
            learned = "a question to the others, about nothing of the brand's; no reply suggested"
        if self.model is not None:
            reading = reading or self.model.read([mention.text])[0]
            # A quarter of the evidence of an injection (a word to the assistant) is enough to
            # keep the model from promoting a held mention to one that gets a draft.
            # It never moves what a person must see anyway (safety, legal, press).
            if suspicion < rules.injection.threshold / 4 and not reasons:
                troubled = self._trouble(plain, raw_sentiment)
                intent, learned = _with_model(intent, reading, praise_cue, troubled)
            # The model's polarity reads the whole post; the lexicon reads its words.
            raw_sentiment = 0.5 * raw_sentiment + 0.5 * reading.polarity
        # "So tired of this grey weather. Sigh.": low spirits said to no one, about nothing of
        # the brand's, with no problem named, are no complaint to answer.
        moody = not (named_problem or sarcastic or flags)
        if (
            intent is Intent.COMPLAINT
            and moody
            and self.vocabulary.reaches(language)
            and not about()
        ):
            said_to = rules.addressed.search(addressee)
            if not said_to and self._trouble(plain, raw_sentiment) is not _Trouble.STORY:
                intent, learned = Intent.OTHER, ""
        # "not your fault, just venting": the writer says it is not about the brand.
        if intent is Intent.COMPLAINT and not flags and rules.disowned.search(plain):
            intent, learned = Intent.OTHER, "says it is not about the brand; no reply suggested"
        # A heart or a cheer beside news of things the brand never names ("our daughter was
        # born today 💗") is no praise of the brand; a heart alone ("❤️❤️") is.
        if (
            intent is Intent.PRAISE
            and not rules.praise.search(_EMOJI.sub(" ", plain))
            and self.vocabulary.reaches(language)
            and not about()
            and self.vocabulary.names_things(plain)
        ):
            intent, learned = Intent.OTHER, "an emoji alone, about nothing of the brand's"
        # "the sunset over the harbour is on fire 🔥": praise said to no one, of things the
        # brand's knowledge base never names, is not praise of the brand.
        if (
            intent is Intent.PRAISE
            and not rules.addressed.search(addressee)
            and not rules.thanks.search(plain)
            and self.vocabulary.elsewhere(rules.praise.sub(" ", plain), language)
        ):
            intent, learned = Intent.OTHER, "praise for something that is not the brand's"
        sentiment = self.sentiment.fuse(raw_sentiment, intent, sarcastic=sarcastic)

        negative = intent in (Intent.COMPLAINT, Intent.ABUSE) or sentiment <= -0.3
        if negative and (mention.followers or 0) > self.reach_threshold:
            flags.add(Flag.HIGH_REACH)
            reasons.append(f"negative mention from an account with {mention.followers:,} followers")

        if Flag.SAFETY in flags:
            priority = Priority.URGENT
        elif flags & {Flag.LEGAL, Flag.PRESS, Flag.HIGH_REACH}:
            priority = Priority.HIGH
        elif intent in (Intent.QUESTION, Intent.COMPLAINT):
            priority = Priority.NORMAL
        else:
            priority = Priority.LOW

        rationale = (
            ", ".join(reasons)
            or learned
            or {
                Intent.COMPLAINT: "sarcastic complaint"
                if sarcastic
                else "something went wrong for them",
                Intent.QUESTION: "asks a question",
                Intent.PRAISE: "positive feedback",
                Intent.ABUSE: "insults with nothing to act on; no reply suggested",
                Intent.OTHER: "asks nothing and reports no problem; no reply suggested",
            }.get(intent, "")
        )
        return Triage(
            intent=intent,
            sentiment=sentiment,
            priority=priority,
            escalate=bool(reasons),
            escalate_reason="; ".join(reasons) or None,
            flags=frozenset(flags),
            language=language,
            rationale=rationale,
            needs_dm=bool(
                rules.account.search(plain)
                or (intent is Intent.COMPLAINT and rules.order_topic.search(plain))
            ),
        )

    def mark_out_of_kb(self, triage: Triage, gap: str | None = None) -> Triage:
        """Return `triage` escalated because the knowledge base cannot answer the question;
        `gap` says what it lacks ("the knowledge base says nothing about …")."""
        reason = f"{gap or 'the knowledge base has no answer'}; holding reply only"
        return dataclasses.replace(
            triage,
            flags=triage.flags | {Flag.OUT_OF_KB},
            escalate=True,
            escalate_reason="; ".join(filter(None, [triage.escalate_reason, reason])),
        )

    def _injection(self, unmasked: Unmasked, raw: str) -> tuple[str | None, float]:
        """Return the signals that make `raw` an injection attempt (or None), and the score."""
        rules = self.rules
        # Also read with doubled letters collapsed ("outputt yourr instructionss") and hyphens
        # and underscores as spaces ("prefix-your-response").
        plain = unmasked.plain
        variants = [plain, *unmasked.decoded, raw]
        if len(_DOUBLED_END.findall(plain)) >= 3:
            variants.append(_DOUBLED.sub(r"\1", plain))
        if _JOINERS.search(plain):
            variants.append(_JOINERS.sub(" ", plain))
        texts = dict.fromkeys(variants)
        found = rules.injection.found(texts)
        structure = {
            name: rules.injection_markers[name]
            for name in (*unmasked.markers, *unmasked.disguises)
            if name in rules.injection_markers
        }
        score = sum(found.values()) + sum(structure.values())
        # A bare authorisation verdict ("access granted?") has no customer context around it.
        if "authority" in found and len(plain.split()) <= _BARE_WORDS:
            score += _BARE_BONUS
        # Structure alone (a pasted error log, a word in Cyrillic) is not an order to the bot.
        if score < rules.injection.threshold:
            return None, score
        if not found and max(structure.values(), default=0.0) < _STRONG:
            return None, score
        return ", ".join(sorted({*found, *structure})), score

    def _spam(self, unmasked: Unmasked, mention: Mention) -> str | None:
        """Return why `mention` is spam, or None."""
        rules = self.rules
        found = rules.spam.found(dict.fromkeys((unmasked.plain, *unmasked.decoded)))
        weights = rules.spam_computed
        computed: dict[str, float] = {}
        brand = self.brand
        if brand.lookalike_domains(mention.text) or brand.lookalike_domains(unmasked.plain):
            computed["lookalike_domain"] = weights.get("lookalike_domain", 0.0)
        if brand.imitates_handle(mention.author):
            computed["lookalike_author"] = weights.get("lookalike_author", 0.0)
        pinged = [h for h in handles(mention.text) if h not in brand.handles]
        if any(brand.imitates_handle(h) for h in pinged):
            computed["lookalike_author"] = weights.get("lookalike_author", 0.0)
        if len(pinged) >= _MASS_PING:
            computed["mass_ping"] = weights.get("mass_ping", 0.0)
        if found and mention.followers is not None and mention.followers < _TINY_ACCOUNT:
            computed["tiny_account"] = weights.get("tiny_account", 0.0)
        score = sum(found.values()) + sum(computed.values())
        if score < rules.spam.threshold:
            return None
        return f"spam signals: {', '.join(sorted({*found, *computed}))} (score {score:.1f})"

    def _safety_incident(self, plain: str, language: str) -> str | None:
        rules = self.rules
        literal = rules.safety_figurative.sub(" ", self.brand.without_titles(plain))
        # What a condition says has not happened ("what do I do if I smell gas?", "if a grease
        # fire starts, water or not?"): the event is looked for outside it.
        # "… if sparks keep coming out?": a condition that tells what is going on was seen.
        ongoing = False

        def unless_ongoing(condition: re.Match[str]) -> str:
            nonlocal ongoing
            if rules.safety_ongoing.search(condition.group(0)):
                ongoing = True
                return condition.group(0)
            return " "

        told = _CONDITION.sub(unless_ongoing, literal)
        match = rules.safety_incident.search(told)
        why = match.group(0) if match else None
        # On the writer's own product, told or asked ("can I still charge it?", "is it normal
        # that it sparks?"): a symptom seen, where a hypothetical asks about what may happen.
        seen = ongoing or bool(
            rules.safety_first_person.search(told) or rules.safety_own_use.search(told)
        )
        own = seen or bool(rules.safety_own_product.search(literal))
        if why is None:
            event = rules.hazard_event.search(told)
            named = self.hazards.named_in(told)
            if event and named:
                why = f"{event.group(0)}: {', '.join(named[:3])}"
            elif event and own and not self.hazards.reaches(language):
                # Written in another language than the safety documents, it cannot name their
                # hazards: a part that failed on the writer's own product has to do.
                why = f"{event.group(0)} (on their own product)"
        if why is None:
            warned = self.hazards.warned_symptom(told)
            if warned and own:
                why = f"a symptom the safety guide warns of: {', '.join(warned[:3])}"
        if why is None and rules.safety_enclosed.search(told):
            # Used in a tent or a garage, and now a headache or nausea: carbon monoxide.
            symptom = rules.safety_symptoms.search(told)
            if symptom:
                why = f"{symptom.group(0)} after use in a closed space"
        if why is None:
            return None
        if rules.safety_hypothetical.search(literal) and not seen:
            return None
        if rules.safety_someday.search(literal):  # "if one day my son swallows one …"
            return None
        return why

    def _reports_imitation(self, plain: str, mention: Mention) -> bool:
        """Return whether a customer asks about, or reports, something that imitates the brand."""
        if self.brand.imitates_handle(mention.author):
            return False
        return bool(self.rules.spam_report.search(plain)) and self.is_question(mention.text)

    def _trouble(self, plain: str, sentiment: float) -> _Trouble:
        """Return how much of a problem `plain` tells (see `[trouble]` in the rules)."""
        if self.rules.trouble_story.search(plain) or self.rules.trouble_negation.search(plain):
            return _Trouble.STORY
        if sentiment < 0 or self.rules.trouble.search(plain):
            return _Trouble.SIGN
        return _Trouble.NONE

    def _doubted(self, plain: str) -> bool:
        """Return whether something takes the praise back: a contrast not followed by more praise.

        "never thought I'd tweet about a mattress but here we are ❤️" keeps its praise; "love
        you guys, but the app keeps crashing" and "great crew, but you should help them" do not.
        """
        found = self.rules.praise_doubt.search(plain)
        if found is None:
            return False
        if "not" in found.group(0):
            return True  # "awesome service… not." takes it all back
        after = plain[found.end() :]
        if self.rules.complaint.search(after):
            return True
        return not self.rules.praise.search(after) and self.sentiment.score(after) < 0.3

    def _sarcastic(self, plain: str, complaint_cue: bool) -> bool:
        rules = self.rules
        if rules.sarcasm_markers.search(plain) and (
            rules.sarcasm_praise.search(plain) or rules.sarcasm_problem.search(plain)
        ):
            return True
        if rules.sarcasm_weak_markers.search(plain) and rules.sarcasm_problem.search(plain):
            return True
        return complaint_cue and bool(
            rules.sarcasm_praise.search(plain) and rules.sarcasm_problem.search(plain)
        )


def _with_model(
    intent: Intent, reading: Reading, praise_cue: bool, troubled: _Trouble
) -> tuple[Intent, str]:
    """Combine the rules' intent with the model's reading; return the intent and why it moved.

    The model only moves a mention towards more care, never towards a cheerful reply: a post
    the rules could not place, or read as a question, becomes a complaint when the model is
    confident it reports a problem; praise the model reads as a complaint is not thanked; an
    unplaced post it reads as an insult is held as abuse. An unplaced post becomes a complaint
    only when it is `troubled` (see `[trouble]` in the rules): with a sign of a problem (a
    negation, a figure, a negative word) from `MODEL_COMPLAINT_UNPLACED`, with the stuff of a
    problem story (waiting, being told, the service desk) from `MODEL_COMPLAINT_STORY`; with
    neither, never. Thresholds: see the README's "Triage model" section.
    """
    p = reading.intent
    unplaced = _UNPLACED.get(troubled)
    if intent is Intent.OTHER and unplaced is not None and p["complaint"] >= unplaced:
        return Intent.COMPLAINT, f"reads as a problem report (model {p['complaint']:.2f})"
    if intent is Intent.QUESTION and p["complaint"] >= MODEL_COMPLAINT_QUESTION:
        return Intent.COMPLAINT, f"a problem posed as a question (model {p['complaint']:.2f})"
    if intent is Intent.PRAISE and p["complaint"] >= MODEL_NOT_PRAISE:
        return Intent.COMPLAINT, f"praise words around a problem (model {p['complaint']:.2f})"
    if (
        intent is Intent.OTHER
        and p["abuse"] >= MODEL_ABUSE
        and p["complaint"] < 0.1
        and not praise_cue
    ):
        return Intent.ABUSE, f"reads as an insult (model {p['abuse']:.2f}); no reply suggested"
    return intent, ""


def _blocked(
    intent: Intent, flag: Flag, sentiment: float, flags: set[Flag], language: str, why: str
) -> Triage:
    """A mention that gets no reply: low priority, not escalated, flagged."""
    return Triage(
        intent=intent,
        sentiment=sentiment,
        priority=Priority.LOW,
        escalate=False,
        escalate_reason=None,
        flags=frozenset(flags | {flag}),
        language=language,
        rationale=why,
    )
