"""Rule-based triage: intent, sentiment, priority, flags and escalation for one mention.

The rules come from `prompts/triage_rules.toml`; this module only applies them. Safety, legal,
press and injection findings here are floors: a later model-based triage may raise a priority
or block a reply, never lower or unblock what these rules found.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from bot.domain import Flag, Intent, Mention, Priority, Triage
from bot.rules import Rules
from bot.text import HANDLE, deobfuscate, normalise, personal_data, words

NEGATIVE = -0.3
_CLAUSES = re.compile(r"[.!?;:\n]+")
_LEADING_FILLER = re.compile(
    r"^(\W*\b(lol|lmao|hey|hi|hello|hallo|hoi|ok|okay|so|quick (one|question)|btw|yo|um|hmm|"
    r"also|and|but|pls|please|be honest|honestly|seriously|real talk)\b)+\W*"
)
_BASE64 = re.compile(r"[A-Za-z0-9+/]{24,}={0,2}")


def decoded_payloads(text: str) -> str:
    """Return the readable text hidden in base64 blobs, so encoded instructions are seen too."""
    found = []
    for blob in _BASE64.findall(text):
        try:
            raw = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True)
            decoded = raw.decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            continue
        if decoded.isprintable():
            found.append(normalise(decoded))
    return " ".join(found)


class RuleTriager:
    """Applies the triage rules to mentions."""

    def __init__(self, rules: Rules, reach_threshold: int = 10_000) -> None:
        self.rules = rules
        self.reach_threshold = reach_threshold
        self._vader = SentimentIntensityAnalyzer()
        self._vader.lexicon.update(rules.sentiment_lexicon)

    def language(self, text: str) -> str:
        """Guess the mention's language from function words (en, nl, de)."""
        tokens = words(text)
        scores = {
            lang: sum(t in vocab for t in tokens) for lang, vocab in self.rules.languages.items()
        }
        best = max(scores, key=lambda lang: (scores[lang], lang == "en"))
        return best if scores[best] > scores.get("en", 0) else "en"

    def sentiment(self, text: str, language: str = "en") -> float:
        """Return VADER's compound score in [-1, 1].

        VADER's lexicon is English; for other languages their function words are dropped first,
        so German "die" or Dutch "een" are not read as English words.
        """
        if language != "en":
            vocab = self.rules.languages.get(language, frozenset())
            text = " ".join(w for w in text.split() if w.casefold().strip(".,!?") not in vocab)
        return float(self._vader.polarity_scores(text)["compound"])

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

    def assess(self, mention: Mention) -> Triage:
        """Triage `mention` from its text and author alone (before retrieval)."""
        rules = self.rules
        plain = normalise(mention.text)
        probe = deobfuscate(mention.text) + " " + decoded_payloads(mention.text)
        flags: set[Flag] = set()
        reasons: list[str] = []
        language = self.language(mention.text)
        sentiment = self.sentiment(mention.text, language)

        if personal_data(mention.text) or rules.personal_data.search(plain):
            flags.add(Flag.PII)

        # The de-obfuscated text catches s p a c e d and l33t words; the raw text catches what
        # normalising would blur (quotes, JSON keys). Patterns ignore case, so that is enough.
        variants = dict.fromkeys((probe, mention.text))
        injection = next((p for v in variants if (p := rules.injection.search(v))), None)
        if injection:
            why = "tries to instruct the bot; treated as data and not answered"
            return _blocked(Intent.INJECTION, Flag.INJECTION, sentiment, flags, language, why)

        spam_score = sum(rules.spam_weights[i] for i in rules.spam.matching(probe))
        if spam_score >= rules.spam_threshold:
            why = f"spam signals (score {spam_score:.1f})"
            return _blocked(Intent.SPAM, Flag.SPAM, sentiment, flags, language, why)

        safety = self._safety_incident(plain)
        if safety:
            flags.add(Flag.SAFETY)
            reasons.append(f"possible safety incident ({safety})")
        if rules.legal.search(plain):
            flags.add(Flag.LEGAL)
            reasons.append("legal threat")
        if rules.press.search(plain):
            flags.add(Flag.PRESS)
            reasons.append("press enquiry")

        complaint_cue = rules.complaint.search(plain) is not None
        sarcastic = self._sarcastic(plain, complaint_cue)
        question = self.is_question(mention.text)
        # A low sentiment score alone makes a complaint only when nothing is asked: "my Pocket
        # is dead, can I send it in for recycling?" is a question that needs an answer.
        # A praise cue outweighs a negative score when nothing else went wrong: VADER reads the
        # story around it ("carried it up three flights in the rain", "my back pain is gone")
        # as negative. Sarcasm and complaint cues are checked on their own.
        praise_cue = rules.praise.search(plain) is not None
        complaint = bool(
            safety
            or sarcastic
            or Flag.LEGAL in flags
            or complaint_cue
            or (sentiment <= -0.45 and not question and not praise_cue)
        )
        praise = (praise_cue and sentiment > -0.7) or sentiment >= 0.75
        if complaint and not (praise and sentiment >= 0.5 and not sarcastic and not safety):
            intent = Intent.COMPLAINT
        elif Flag.PRESS in flags:
            intent = Intent.OTHER
        elif question:
            intent = Intent.QUESTION
        elif praise:
            intent = Intent.PRAISE
        else:
            intent = Intent.OTHER
        if sarcastic:
            sentiment = min(sentiment, -0.4)

        negative = intent is Intent.COMPLAINT or sentiment <= NEGATIVE
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

        rationale = ", ".join(reasons) or {
            Intent.COMPLAINT: "sarcastic complaint"
            if sarcastic
            else "something went wrong for them",
            Intent.QUESTION: "asks a question",
            Intent.PRAISE: "positive feedback",
            Intent.OTHER: "no question or problem found",
        }.get(intent, "")
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

    def mark_out_of_kb(self, triage: Triage) -> Triage:
        """Return `triage` escalated because the knowledge base cannot answer the question."""
        reason = "the knowledge base has no answer; holding reply only"
        return dataclasses.replace(
            triage,
            flags=triage.flags | {Flag.OUT_OF_KB},
            escalate=True,
            escalate_reason="; ".join(filter(None, [triage.escalate_reason, reason])),
        )

    def _safety_incident(self, plain: str) -> str | None:
        rules = self.rules
        match = rules.safety_incident.search(plain)
        if match is None:
            return None
        hypothetical = rules.safety_hypothetical.search(plain)
        if hypothetical and not rules.safety_first_person.search(plain):
            return None
        return match.group(0)

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
