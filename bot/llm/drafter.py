"""The LLM drafter: the Drafter port over a chat model, with prompts from files.

The mention goes in as delimited, untrusted data (closing tags in it are defused); passages go
in numbered, and the model must say which ones it used and whether it answered or is holding
(the team is checking; nothing stated from the knowledge base). What comes back is checked by
the same guards as every draft (bot.drafting.guards) before anyone sees it. A draft that breaks
the answer-or-hold rule raises `DraftRejected`, so the pipeline falls back to the offline
drafter, which writes a holding reply for a question the knowledge base cannot answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from bot.domain import Draft, Flag, Mention, Source, Triage
from bot.drafting.guards import MAX_CHARS, stated_facts
from bot.llm.client import ChatModel, numbered
from bot.networks.rules import RULES
from bot.prompts import load_template


class DraftOut(BaseModel):
    # Asked first, so the model decides whether the passages answer before it writes.
    answer: Literal["answered", "holding"] = Field(
        description='"holding" when the passages do not answer what was asked (or triage says '
        "out_of_kb) and the reply only says the team is checking and will follow up, with no "
        'facts; otherwise "answered" (a passage answers it, or nothing was asked)'
    )
    text: str = Field(description="the reply, starting with the author's @handle")
    source_ids: list[int] = Field(description="numbers of the passages used, best first")
    rationale: str = Field(
        description="one line for the reviewer: what was answered from which passage, "
        "or, when holding, what the passages lack"
    )


class DraftRejected(RuntimeError):
    """The model's draft broke the answer-or-hold rule; the pipeline uses its fallback instead."""


def defuse(text: str) -> str:
    """Neutralise tags a stranger could use to close our delimiters (`</mention>`, `<system>`)."""
    return re.sub(r"<\s*(/?)\s*([A-Za-z_|]+)", r"‹\1\2", text)


class LlmDrafter:
    """Drafter port backed by a chat model."""

    origin = "llm"

    def __init__(self, model: ChatModel, prompts: Path, brand: str, handle: str) -> None:
        self.model = model
        voice = (prompts / "brand_voice.md").read_text(encoding="utf-8")
        self._system = load_template(prompts, "draft.system.md").render(
            brand=brand,
            handle=handle,
            brand_voice=voice.replace("{brand}", brand).replace("{handle}", handle),
            max_chars=MAX_CHARS,
        )
        self._user = load_template(prompts, "draft.user.md")

    @property
    def system_prompt(self) -> str:
        return self._system

    def draft(
        self,
        mention: Mention,
        triage: Triage,
        sources: Sequence[Source],
        instruction: str | None = None,
    ) -> Draft | None:
        if not triage.should_reply:
            return None
        flags = ", ".join(triage.sorted_flags())
        user = self._user.render(
            author=defuse(RULES.handle(mention.network, mention.author) or "unknown"),
            network=RULES.for_network(mention.network).label,
            followers=mention.followers if mention.followers is not None else "unknown",
            language=triage.language,
            text=defuse(mention.text),
            triage=f"intent {triage.intent}, priority {triage.priority}"
            + (f", flags {flags}" if flags else "")
            + (f", escalated: {triage.escalate_reason}" if triage.escalate_reason else ""),
            passages=numbered([f"({s.doc} · {s.ref}) {s.text}" for s in sources]),
            instruction=f"\nReviewer's instruction: {defuse(instruction)}\n" if instruction else "",
        )
        out, usage = self.model.structured(DraftOut, self._system, user)
        holding = out.answer == "holding"
        if not holding and Flag.OUT_OF_KB in triage.flags:
            # The grounder (or an earlier holding draft) found no answer in these passages; an
            # answer the model writes anyway is the costly mistake, whatever it says.
            raise DraftRejected(
                "the model answered a question the knowledge base does not answer (out_of_kb)"
            )
        text = out.text.strip()
        handle = RULES.handle(mention.network, mention.author)
        if handle and not text.startswith(handle):
            text = f"{handle} {text}"
        if holding and (stated := stated_facts(text, mention)):
            raise DraftRejected("the model's holding reply states facts: " + ", ".join(stated[:5]))
        # A holding reply cites nothing, whatever ids came with it: the card must not show
        # passages as if they grounded a claim.
        cited = tuple(sources[i - 1] for i in out.source_ids if 1 <= i <= len(sources))
        return Draft(
            text=text,
            sources=() if holding else cited or tuple(sources),
            origin=self.origin,
            note=out.rationale.strip() or None,
            tokens_in=usage.input_tokens,
            tokens_out=usage.output_tokens,
            cost_usd=usage.cost_usd,
            holding=holding,
        )
