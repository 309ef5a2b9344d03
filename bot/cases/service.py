"""What a reviewer can do with an incident: approve for all, split, reject. No Slack in it.

"Approve for all" posts the shared reply to every grouped member on its own network, each
addressed to its own author, each through the same compare-and-set claim as a single Approve, so
20 concurrent clicks still give one post per member. Members kept out (safety, personal data,
reach) keep their own cards and are never posted to from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.domain import Status
from bot.networks.rules import RULES, ReplyRules
from bot.review import ReviewService
from bot.store import MentionRecord, Store
from bot.store.cases import CaseStore


@dataclass
class IncidentResult:
    incident_id: int
    ok: bool
    message: str | None = None
    posted: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)  # members whose own cards need a refresh


def shared_body(lead: MentionRecord, rules: ReplyRules = RULES) -> str | None:
    """The lead's draft without its handle: what every member gets after their own handle."""
    if lead.draft is None:
        return None
    text = lead.draft.text.strip()
    handle = rules.handle(lead.mention.network, lead.mention.author)
    if handle and text.startswith(handle):
        text = text[len(handle) :].strip()
    return text or None


class IncidentService:
    def __init__(
        self, store: Store, cases: CaseStore, review: ReviewService, rules: ReplyRules = RULES
    ) -> None:
        self.store = store
        self.cases = cases
        self.review = review
        self.rules = rules

    def incident_of(self, row_id: int) -> int | None:
        return self.store.get(row_id).incident_id

    def approve_all(self, incident_id: int, user: str) -> IncidentResult:
        incident = self.cases.incident(incident_id)
        out = IncidentResult(incident_id, False)
        if incident.status != "open":
            out.message = f"Nothing changed: incident #{incident_id} is already {incident.status}."
            return out
        body = shared_body(self.store.get(incident.lead_row), self.rules)
        if body is None:
            out.message = "There is no shared draft to approve; write one with Edit."
            return out
        for row_id in self.cases.members(incident_id):
            member = self.store.get(row_id)
            if member.status is not Status.GROUPED:
                continue  # kept out, or another click already took it
            handle = self.rules.handle(member.mention.network, member.mention.author)
            result = self.review.approve_member(row_id, user, f"{handle} {body}".strip())
            if result.ok:
                out.posted.append(row_id)
            elif result.record.status is Status.POST_FAILED:
                out.failed.append((row_id, result.record.post_error or "posting failed"))
            out.changed.append(row_id)
        self.cases.close_incident(incident_id, "closed", user)
        out.ok = True
        if out.failed:
            out.message = (
                f"{len(out.failed)} of the posts failed; each has its own card with Retry now."
            )
        return out

    def split(self, incident_id: int, user: str) -> IncidentResult:
        """Give every grouped member its own card back."""
        return self._close(incident_id, user, "split", Status.DRAFTED, "split_incident")

    def reject(self, incident_id: int, user: str) -> IncidentResult:
        """Reject the shared reply: no grouped member gets one (kept-out members keep theirs)."""
        out = self._close(
            incident_id,
            user,
            "closed",
            Status.REJECTED,
            "reject_incident",
            rejected_by=user,
            rejected_reason=f"rejected with incident #{incident_id}",
        )
        for row_id in out.changed:
            self.review.events.emit("mention.rejected", self.store.get(row_id), actor=user)
        return out

    def _close(
        self,
        incident_id: int,
        user: str,
        status: str,
        target: Status,
        action: str,
        **values: Any,
    ) -> IncidentResult:
        """Close the incident (once: a second click changes nothing) and move every grouped
        member to `target`; the members it moved need their cards refreshed."""
        out = IncidentResult(incident_id, False)
        if not self.cases.close_incident(incident_id, status, user):
            out.message = f"Nothing changed: incident #{incident_id} is no longer open."
            return out
        for row_id in self.cases.members(incident_id):
            if self.store.move(
                row_id, [Status.GROUPED], target, actor=user, action=action, **values
            ):
                out.changed.append(row_id)
        out.ok = True
        return out
