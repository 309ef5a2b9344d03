"""The domain: mentions, their triage, grounding sources, drafts and the review status machine.

Plain dataclasses and enums only. Nothing here imports an SDK (slack_sdk, tweepy, chromadb, openai,
langchain), so every other layer can depend on it and a test checks that it stays that way.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Intent(StrEnum):
    QUESTION = "question"
    COMPLAINT = "complaint"
    PRAISE = "praise"
    ABUSE = "abuse"  # insults or harassment with nothing the brand can act on
    SPAM = "spam"
    INJECTION = "injection"
    OTHER = "other"


class Priority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"

    @property
    def rank(self) -> int:
        """Return 0 for the most pressing priority, 3 for the least."""
        return list(Priority).index(self)


class Flag(StrEnum):
    INJECTION = "injection"
    SPAM = "spam"
    SAFETY = "safety"
    LEGAL = "legal"
    PRESS = "press"
    HIGH_REACH = "high_reach"
    OUT_OF_KB = "out_of_kb"
    PII = "pii"


class SourceKind(StrEnum):
    POLICY = "policy"
    REVIEW = "review"


@dataclass(frozen=True, slots=True)
class Mention:
    """A public post that names the brand, as it arrived from a network or a feed."""

    id: str
    text: str
    network: str = "jsonl"
    author: str | None = None
    followers: int | None = None
    created_at: datetime | None = None
    url: str | None = None
    # The conversation it belongs to (X conversation_id, a Bluesky thread's root, a Mastodon
    # reply chain, a Reddit post; a feed line's `thread_id`): follow-ups join its open card.
    thread_id: str | None = None
    # What the network needs to answer in the right thread, beyond the id: Bluesky's root and
    # parent uri/cid, Mastodon's visibility, Reddit's thing kind. Never shown, never hashed.
    reply_ref: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def key(self) -> tuple[str, str]:
        """Return the idempotency key: one mention per (network, id)."""
        return (self.network, self.id)


@dataclass(frozen=True, slots=True)
class Source:
    """A knowledge-base passage retrieved to ground a reply."""

    doc: str
    kind: SourceKind
    ref: str
    text: str
    score: float

    def as_dict(self) -> dict[str, object]:
        return {
            "doc": self.doc,
            "kind": str(self.kind),
            "ref": self.ref,
            "text": self.text,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True, slots=True)
class Triage:
    """What the bot concluded about a mention before drafting."""

    intent: Intent
    sentiment: float
    priority: Priority
    escalate: bool
    escalate_reason: str | None
    flags: frozenset[Flag] = frozenset()
    language: str = "en"
    rationale: str = ""
    needs_dm: bool = False  # about the writer's own order or account: continue in private

    @property
    def should_reply(self) -> bool:
        """Return whether a public reply draft is suggested.

        The default is to hold: only a question, a complaint, clear praise, or something a person
        must answer (a safety, legal or press finding) gets a draft. Spam and injection attempts
        never do; abuse and mentions triage could not place are carded as "no reply suggested",
        and a person may still write one.
        """
        if self.intent in (Intent.SPAM, Intent.INJECTION):
            return False
        if self.intent in (Intent.QUESTION, Intent.COMPLAINT, Intent.PRAISE):
            return True
        return bool(self.flags & {Flag.SAFETY, Flag.LEGAL, Flag.PRESS})

    @property
    def blocked(self) -> bool:
        """Return whether the mention must never reach the knowledge base or a drafter."""
        return self.intent in (Intent.SPAM, Intent.INJECTION)

    def with_flags(self, *extra: Flag) -> Triage:
        return dataclasses.replace(self, flags=self.flags | frozenset(extra))

    def sorted_flags(self) -> list[str]:
        return sorted(str(f) for f in self.flags)


@dataclass(frozen=True, slots=True)
class Draft:
    """A proposed reply with the passages it was grounded on."""

    text: str
    sources: tuple[Source, ...] = ()
    origin: str = "offline"
    note: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    # The reply states nothing from the knowledge base: it says the team is checking. The
    # pipeline then flags the mention out_of_kb and escalates it to an expert.
    holding: bool = False


@dataclass(frozen=True, slots=True)
class Outcome:
    """Triage, retrieval and draft for one mention: what `bot draft` writes per line."""

    mention: Mention
    triage: Triage
    sources: tuple[Source, ...]
    draft: Draft | None = None
    problem: str | None = None  # what failed (retrieval, drafting), shown to the reviewer

    @property
    def reply(self) -> bool:
        return self.triage.should_reply

    def as_record(self) -> dict[str, object]:
        """Return the exact output record of the `bot draft` contract."""
        return {
            "id": self.mention.id,
            "intent": str(self.triage.intent),
            "sentiment": round(self.triage.sentiment, 3),
            "priority": str(self.triage.priority),
            "escalate": self.triage.escalate,
            "escalate_reason": self.triage.escalate_reason,
            "reply": self.reply,
            "draft": self.draft.text if self.draft else None,
            "sources": [s.as_dict() for s in self.sources],
            "flags": self.triage.sorted_flags(),
        }


@dataclass(frozen=True)
class DraftVersion:
    id: int
    text: str
    origin: str
    note: str | None
    author: str | None
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class MentionRecord:
    """Everything a card or a command needs to know about one mention."""

    row_id: int
    mention: Mention
    status: Status
    triage: Triage
    received_at: datetime
    draft: DraftVersion | None
    card_channel: str | None
    card_ts: str | None
    expert_channel: str | None
    expert_ts: str | None
    escalated_by: str | None
    approved_by: str | None
    approved_at: datetime | None
    final_text: str | None
    posted_url: str | None
    posted_at: datetime | None
    post_error: str | None
    rejected_by: str | None
    rejected_reason: str | None
    problem: str | None = None
    incident_id: int | None = None  # the incident it belongs to
    grouped_into: int | None = None  # the newer message of its conversation that holds the card
    posted_id: str | None = None  # the reply's id on its network, once posted

    @property
    def sources(self) -> tuple[Source, ...]:
        return self.draft.sources if self.draft else ()

    def outcome(self) -> Outcome:
        draft = Draft(self.draft.text, self.sources, self.draft.origin) if self.draft else None
        return Outcome(self.mention, self.triage, self.sources, draft)


class Status(StrEnum):
    """Where a mention is in the review workflow."""

    NEW = "new"
    DRAFTED = "drafted"  # awaiting a human decision
    NO_REPLY = "no_reply"  # spam, injection, abuse or unplaced: no reply suggested
    ESCALATED = "escalated"  # waiting for an expert
    APPROVED = "approved"  # claimed for posting
    POSTED = "posted"
    POST_FAILED = "post_failed"
    REJECTED = "rejected"
    # Answered with others: an earlier message of a conversation whose newest message holds the
    # card, or a member of an incident answered from the incident's card.
    GROUPED = "grouped"


class IllegalTransition(ValueError):
    """Raised when a mention is asked to move to a status it cannot reach from where it is."""


_OPEN = frozenset({Status.DRAFTED, Status.ESCALATED, Status.NO_REPLY, Status.POST_FAILED})
_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.DRAFTED, Status.NO_REPLY, Status.ESCALATED}),
    Status.DRAFTED: frozenset(
        {Status.DRAFTED, Status.APPROVED, Status.REJECTED, Status.ESCALATED, Status.GROUPED}
    ),
    Status.ESCALATED: frozenset({Status.DRAFTED, Status.APPROVED, Status.REJECTED, Status.GROUPED}),
    Status.NO_REPLY: frozenset({Status.DRAFTED, Status.REJECTED, Status.GROUPED}),
    Status.APPROVED: frozenset({Status.POSTED, Status.POST_FAILED}),
    Status.POST_FAILED: frozenset(
        {Status.APPROVED, Status.REJECTED, Status.DRAFTED, Status.GROUPED}
    ),
    Status.POSTED: frozenset(),
    Status.REJECTED: frozenset({Status.DRAFTED}),
    # back to its own card (an incident split), posted with the others, or rejected with them
    # (its shared draft edited or escalated in place: it stays grouped)
    Status.GROUPED: frozenset({Status.GROUPED, Status.DRAFTED, Status.APPROVED, Status.REJECTED}),
}
OPEN_STATUSES = _OPEN  # awaiting a person: a follow-up or a same-problem report may join it


class Action(StrEnum):
    """What a reviewer can do to one mention (the card's buttons carry these action ids)."""

    APPROVE = "approve"
    RETRY_POST = "retry_post"
    EDIT = "edit"
    REGENERATE = "regenerate"
    ESCALATE = "escalate"
    REJECT = "reject"


# Where each action may start and where it takes the mention. The review service allows an
# action only from these statuses, a card shows a button only where it is allowed, and every
# pair is a transition of `_TRANSITIONS` (checked below, at import): one table, three readers.
ACTIONS: dict[Action, tuple[frozenset[Status], Status]] = {
    Action.APPROVE: (
        frozenset({Status.DRAFTED, Status.ESCALATED, Status.POST_FAILED}),
        Status.APPROVED,
    ),
    Action.RETRY_POST: (frozenset({Status.POST_FAILED}), Status.APPROVED),
    Action.EDIT: (
        frozenset({Status.DRAFTED, Status.ESCALATED, Status.POST_FAILED, Status.NO_REPLY}),
        Status.DRAFTED,
    ),
    Action.REGENERATE: (
        frozenset({Status.DRAFTED, Status.ESCALATED, Status.POST_FAILED, Status.NO_REPLY}),
        Status.DRAFTED,
    ),
    Action.ESCALATE: (frozenset({Status.DRAFTED}), Status.ESCALATED),
    Action.REJECT: (
        frozenset({Status.DRAFTED, Status.ESCALATED, Status.POST_FAILED, Status.NO_REPLY}),
        Status.REJECTED,
    ),
}
# The buttons of a card in each status, in order (a subset of what ACTIONS allows: a held card
# offers writing a reply and dismissing it, a failed post offers Retry rather than Approve).
CARD_BUTTONS: dict[Status, tuple[Action, ...]] = {
    Status.DRAFTED: (
        Action.APPROVE,
        Action.EDIT,
        Action.REGENERATE,
        Action.ESCALATE,
        Action.REJECT,
    ),
    Status.ESCALATED: (Action.APPROVE, Action.EDIT, Action.REGENERATE, Action.REJECT),
    Status.POST_FAILED: (Action.RETRY_POST, Action.EDIT, Action.REJECT),
    Status.NO_REPLY: (Action.EDIT, Action.REJECT),
}


def starts(action: Action) -> frozenset[Status]:
    """The statuses `action` may start from."""
    return ACTIONS[action][0]


def allowed(status: Status, action: Action) -> bool:
    return status in ACTIONS[action][0]


def transition(current: Status, target: Status) -> Status:
    """Return `target` if the workflow allows moving there from `current`, else raise."""
    if target not in _TRANSITIONS[current]:
        raise IllegalTransition(f"cannot move a mention from {current} to {target}")
    return target


@dataclass(slots=True)
class Summary:
    """Counts over a set of outcomes, for the demo's closing lines."""

    total: int = 0
    by_intent: dict[str, int] = field(default_factory=dict)
    by_priority: dict[str, int] = field(default_factory=dict)
    escalated: int = 0
    drafted: int = 0

    def add(self, outcome: Outcome) -> None:
        self.total += 1
        intent, priority = str(outcome.triage.intent), str(outcome.triage.priority)
        self.by_intent[intent] = self.by_intent.get(intent, 0) + 1
        self.by_priority[priority] = self.by_priority.get(priority, 0) + 1
        self.escalated += outcome.triage.escalate
        self.drafted += outcome.reply


def _check_actions() -> None:
    for action, (sources, target) in ACTIONS.items():
        for status in sources:
            if (
                target not in _TRANSITIONS[status]
            ):  # pragma: no cover - a wrong table fails at import
                raise AssertionError(f"{action} from {status} to {target} is no transition")
    for status, buttons in CARD_BUTTONS.items():
        for action in buttons:
            if not allowed(status, action):
                raise AssertionError(f"a {status} card offers {action}, which is not allowed")


_check_actions()
