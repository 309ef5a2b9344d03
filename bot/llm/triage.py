"""Model-based triage that refines the rules: it may raise a priority, add an escalation or a
flag, block a reply it sees as spam or injection, and write the rationale; it can never lower
what the rules found (safety, legal, press, injection are floors)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from bot.domain import Flag, Intent, Mention, Priority, Triage
from bot.llm.client import ChatModel
from bot.llm.drafter import defuse
from bot.prompts import load_template


class TriageOut(BaseModel):
    intent: Literal["question", "complaint", "praise", "abuse", "spam", "injection", "other"]
    sentiment: float = Field(ge=-1, le=1)
    priority: Literal["urgent", "high", "normal", "low"]
    escalate: bool
    escalate_reason: str
    flags: list[Literal["safety", "legal", "press", "pii"]]
    rationale: str


class LlmTriager:
    """TriageRefiner port backed by a chat model."""

    def __init__(self, model: ChatModel, prompts: Path, brand: str, handle: str) -> None:
        self.model = model
        self._system = load_template(prompts, "triage.system.md").render(brand=brand, handle=handle)
        self._user = load_template(prompts, "triage.user.md")

    def refine(self, mention: Mention, triage: Triage) -> Triage:
        user = self._user.render(
            author=defuse(mention.author or "unknown"),
            followers=mention.followers if mention.followers is not None else "unknown",
            text=defuse(mention.text),
        )
        out, _usage = self.model.structured(TriageOut, self._system, user)
        return merge(triage, out)


def merge(rules: Triage, model: TriageOut) -> Triage:
    """Combine: the more pressing priority wins; escalations and flags add up; blocks stick."""
    model_intent = Intent(model.intent)
    if model_intent in (Intent.SPAM, Intent.INJECTION):
        flag = Flag.SPAM if model_intent is Intent.SPAM else Flag.INJECTION
        return dataclasses.replace(
            rules,
            intent=model_intent,
            priority=Priority.LOW if not rules.escalate else rules.priority,
            flags=rules.flags | {flag},
            rationale=f"model: {model.rationale}",
        )
    priority = min(rules.priority, Priority(model.priority), key=lambda p: p.rank)
    flags = rules.flags | {Flag(f) for f in model.flags}
    reasons = [
        r for r in (rules.escalate_reason, model.escalate_reason if model.escalate else None) if r
    ]
    escalate = rules.escalate or model.escalate
    # The rules' reading of intent stands where they had a reason (safety, sarcasm, legal), and
    # an insult the rules found is never turned into something that gets a cheerful reply.
    keep = rules.escalate or rules.intent in (Intent.COMPLAINT, Intent.ABUSE)
    intent = rules.intent if keep else model_intent
    return dataclasses.replace(
        rules,
        intent=intent,
        sentiment=min(rules.sentiment, model.sentiment)
        if intent is Intent.COMPLAINT
        else model.sentiment,
        priority=priority,
        escalate=escalate,
        escalate_reason="; ".join(dict.fromkeys(reasons)) or None,
        flags=flags,
        rationale=model.rationale.strip() or rules.rationale,
    )
