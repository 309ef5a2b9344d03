"""The review workflow: approve, edit, regenerate, reject, escalate, expert answers, posting.

This is the application service the Slack listeners call; it knows nothing of Slack. Posting is
exactly-once by construction: approving is a compare-and-set claim (only one approver's click
wins), the publisher is asked with an idempotency key (the mention's network and id) and may
return an earlier result instead of posting again, and a post whose outcome is unknown after a
crash is looked up, never blindly repeated.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.domain import Action, Draft, Mention, MentionRecord, Status, starts
from bot.events import Events, NoEvents
from bot.networks.rules import RULES, ReplyRules
from bot.ports import ReviewRecords

log = logging.getLogger(__name__)

# Where each decision may start: the domain's one table (bot.domain.ACTIONS).
APPROVABLE = tuple(sorted(starts(Action.APPROVE)))
EDITABLE = tuple(sorted(starts(Action.EDIT)))
REGENERABLE = tuple(sorted(starts(Action.REGENERATE)))
REJECTABLE = tuple(sorted(starts(Action.REJECT)))
ESCALATABLE = tuple(sorted(starts(Action.ESCALATE)))


@dataclass(frozen=True)
class PostResult:
    """Where a published reply lives."""

    id: str
    url: str | None = None
    where: str | None = None  # a human description when there is no URL (the outbox)


class PublishError(Exception):
    """Posting failed; the message is shown on the card."""

    def __init__(self, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class ReplyPublisher(Protocol):
    """Posts an approved reply on the mention's network."""

    def publish(self, mention: Mention, text: str, key: str, approver: str) -> PostResult:
        """Post `text` in reply to `mention`; return the earlier result if `key` was posted."""
        ...

    def find(self, key: str) -> PostResult | None:
        """Return the post made under `key`, if any (to settle an unknown outcome)."""
        ...


class Redrafter(Protocol):
    def __call__(self, record: MentionRecord, instruction: str | None) -> Draft | None: ...


@dataclass(frozen=True)
class ActionResult:
    ok: bool
    record: MentionRecord
    message: str | None = None


def post_key(mention: Mention) -> str:
    return f"{mention.network}:{mention.id}"


class ReviewService:
    """Every decision a reviewer can take on a mention."""

    def __init__(
        self,
        store: ReviewRecords,
        publisher: ReplyPublisher,
        redraft: Redrafter | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rules: ReplyRules = RULES,
        events: Events | None = None,
    ) -> None:
        self.events: Events = events or NoEvents()  # the CRM hand-off, when configured
        self.store = store
        self.publisher = publisher
        self.redraft = redraft
        self.clock = clock
        self.rules = rules

    def check(self, mention: Mention, text: str) -> str | None:
        """Return why `text` cannot go out as a reply to `mention`, or None.

        The one check every path to the public goes through (Approve, Edit, Regenerate, an
        expert's answer), before anything is stored or posted: the network's own length rule.
        """
        return self.rules.check(mention.network, text.strip())

    def approve(self, row_id: int, user: str) -> ActionResult:
        """Claim the mention for posting, post the latest draft once, record the link."""
        record = self.store.get(row_id)
        if record.draft is None:
            return ActionResult(False, record, "There is no draft to approve.")
        problem = self.check(record.mention, record.draft.text)
        if problem:
            return ActionResult(False, record, f"{problem} Edit it before approving.")
        return self._claim_and_publish(row_id, user, record.draft.text, APPROVABLE, "approve")

    def approve_member(self, row_id: int, user: str, text: str) -> ActionResult:
        """Post `text` to one grouped member of an incident (Approve for all): the same claim as
        Approve, from GROUPED, so however many clicks arrive the member is posted to once."""
        record = self.store.get(row_id)
        problem = self.check(record.mention, text)
        if problem:
            return ActionResult(False, record, problem)
        return self._claim_and_publish(row_id, user, text.strip(), [Status.GROUPED], "approve_all")

    def _claim_and_publish(
        self, row_id: int, user: str, text: str, expect: Sequence[Status], action: str
    ) -> ActionResult:
        """The compare-and-set claim (only one click wins), then the post under the key."""
        claimed = self.store.move(
            row_id,
            expect,
            Status.APPROVED,
            actor=user,
            action=action,
            approved_by=user,
            approved_at=self.clock(),
            final_text=text,
            post_error=None,
        )
        if not claimed:
            current = self.store.get(row_id)
            return ActionResult(False, current, _already(current))
        return self._publish(row_id)

    def _publish(self, row_id: int) -> ActionResult:
        record = self.store.get(row_id)
        text = record.final_text or ""
        try:
            result = self.publisher.publish(
                record.mention, text, post_key(record.mention), record.approved_by or "?"
            )
        except PublishError as exc:
            log.warning("posting mention %s failed: %s", row_id, exc)
            self.store.move(
                row_id,
                [Status.APPROVED],
                Status.POST_FAILED,
                actor="bot",
                action="post_failed",
                post_error=str(exc),
            )
            return ActionResult(False, self.store.get(row_id), f"Posting failed: {exc}")
        self._posted(row_id, result, "posted")
        return ActionResult(True, self.store.get(row_id))

    def _posted(self, row_id: int, result: PostResult, action: str) -> None:
        moved = self.store.move(
            row_id,
            [Status.APPROVED],
            Status.POSTED,
            actor="bot",
            action=action,
            posted_id=result.id,
            posted_url=result.url or result.where,
            posted_at=self.clock(),
        )
        if moved:
            record = self.store.get(row_id)
            self.events.emit("reply.posted", record, actor=record.approved_by)

    def edit(self, row_id: int, user: str, text: str) -> ActionResult:
        """Replace the draft with an editor's text (validated) and keep it awaiting approval."""
        text = text.strip()
        record = self.store.get(row_id)
        problem = self.check(record.mention, text)
        if problem:
            return ActionResult(False, record, problem)
        draft = Draft(text, record.sources, origin="edited")
        expect, target = _editable(record.status)
        if not self.store.add_draft(row_id, draft, user, expect, target):
            current = self.store.get(row_id)
            return ActionResult(False, current, _already(current))
        return ActionResult(True, self.store.get(row_id))

    def regenerate(self, row_id: int, user: str, instruction: str | None) -> ActionResult:
        """Draft again, optionally following an instruction ("shorter", "more apologetic")."""
        record = self.store.get(row_id)
        if self.redraft is None:
            return ActionResult(False, record, "Regenerating is not available here.")
        draft = self.redraft(record, instruction.strip() or None if instruction else None)
        if draft is None:
            return ActionResult(False, record, "This mention gets no reply (spam or injection).")
        problem = self.check(record.mention, draft.text)
        if problem:
            return ActionResult(False, record, f"The new draft does not fit: {problem}")
        if not self.store.add_draft(row_id, draft, None, REGENERABLE):
            current = self.store.get(row_id)
            return ActionResult(False, current, _already(current))
        self.store.audit(row_id, user, "regenerate", instruction, draft.text)
        return ActionResult(True, self.store.get(row_id))

    def reject(self, row_id: int, user: str, reason: str | None) -> ActionResult:
        moved = self.store.move(
            row_id,
            REJECTABLE,
            Status.REJECTED,
            actor=user,
            action="reject",
            rejected_by=user,
            rejected_reason=(reason or "").strip() or None,
        )
        current = self.store.get(row_id)
        if moved:
            self.events.emit("mention.rejected", current, actor=user)
        return ActionResult(moved, current, None if moved else _already(current))

    def escalate(self, row_id: int, user: str) -> ActionResult:
        """Ask an expert. An incident's lead stays grouped: the answer becomes the shared draft."""
        if self.store.get(row_id).status is Status.GROUPED:
            moved = self.store.move(
                row_id, [Status.GROUPED], Status.GROUPED, actor=user, escalated_by=user
            )
        else:
            moved = self.store.move(
                row_id, ESCALATABLE, Status.ESCALATED, actor=user, escalated_by=user
            )
        current = self.store.get(row_id)
        if moved:
            self.events.emit("mention.escalated", current, actor=user)
        return ActionResult(moved, current, None if moved else _already(current))

    def expert_answer(self, row_id: int, expert: str, text: str) -> ActionResult:
        """Make an expert's thread reply the card's draft, awaiting approval.

        The answer is checked before it is stored: one over the network's limit stays in the
        thread (nothing is lost) and the expert is told to shorten it.
        """
        text = text.strip()
        record = self.store.get(row_id)
        mention = record.mention
        handle = self.rules.handle(mention.network, mention.author)
        if handle and not text.startswith(handle):
            text = f"{handle} {text}"
        problem = self.check(mention, text)
        if problem:
            return ActionResult(False, record, f"{problem} Reply in the thread with a shorter one.")
        draft = Draft(text, record.sources, origin="expert", note=f"answer from expert {expert}")
        expect, target = ([Status.GROUPED], Status.GROUPED)
        if record.status is not Status.GROUPED:
            expect, target = [Status.ESCALATED, Status.DRAFTED], Status.DRAFTED
        if not self.store.add_draft(row_id, draft, expert, expect, target):
            current = self.store.get(row_id)
            return ActionResult(False, current, _already(current))
        return ActionResult(True, self.store.get(row_id))

    def settle_unknown(self, older_than: timedelta = timedelta(minutes=5)) -> list[int]:
        """Resolve posts left APPROVED by a crash: found → POSTED, else POST_FAILED (visible)."""
        settled = []
        cutoff = self.clock() - older_than
        for record in self.store.records([Status.APPROVED]):
            if record.approved_at and _aware(record.approved_at) > cutoff:
                continue
            found = self.publisher.find(post_key(record.mention))
            if found is not None:
                self._posted(record.row_id, found, "posted(recovered)")
            else:
                self.store.move(
                    record.row_id,
                    [Status.APPROVED],
                    Status.POST_FAILED,
                    actor="bot",
                    action="post_unknown",
                    post_error="the post was interrupted and is not on the network; retry it",
                )
            settled.append(record.row_id)
        return settled


def _editable(status: Status) -> tuple[list[Status], Status]:
    """Where an edit may start and where it leaves the mention: an incident's shared draft is
    edited in place (the member stays grouped), any other draft awaits approval again."""
    if status is Status.GROUPED:
        return [Status.GROUPED], Status.GROUPED
    return list(EDITABLE), Status.DRAFTED


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _already(record: MentionRecord) -> str:
    return f"Nothing changed: this mention is already {record.status.value}."
