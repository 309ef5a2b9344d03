"""Action ids, view callback ids and the small typed value every button carries.

The action ids are a public contract (`approve`, `edit`, `regenerate`, `escalate`, `reject`,
`retry_post`, and on an incident's card `approve_all` and `split_incident`). A button's value
names the mention and nothing else, as JSON, far under Slack's 2,000-character cap; the draft
text never travels in a button.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

APPROVE = "approve"
EDIT = "edit"
REGENERATE = "regenerate"
ESCALATE = "escalate"
REJECT = "reject"
RETRY_POST = "retry_post"
SAVE_TO_KB = "save_to_kb"
OPEN_ON_X = "open_on_x"  # a link button; Slack still tells the app it was clicked
# an incident's card (its buttons carry the incident's lead member)
APPROVE_ALL = "approve_all"
SPLIT_INCIDENT = "split_incident"
REJECT_INCIDENT = "reject_incident"

EDIT_VIEW = "edit_view"
REJECT_VIEW = "reject_view"
REGENERATE_VIEW = "regenerate_view"

EDIT_BLOCK, EDIT_INPUT = "reply_block", "reply_input"
REASON_BLOCK, REASON_INPUT = "reason_block", "reason_input"
INSTRUCTION_BLOCK, INSTRUCTION_INPUT = "instruction_block", "instruction_input"

APPROVER_ACTIONS = (APPROVE, EDIT, REJECT, RETRY_POST, APPROVE_ALL, SPLIT_INCIDENT, REJECT_INCIDENT)


class BadValue(ValueError):
    """A button value or private_metadata that is not ours."""


@dataclass(frozen=True)
class Ref:
    """The mention (row id) a button or modal is about, plus an optional draft id."""

    mention: int
    draft: int | None = None

    def dump(self) -> str:
        data = {"m": self.mention} if self.draft is None else {"m": self.mention, "d": self.draft}
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def load(cls, raw: str | None) -> Ref:
        try:
            data = json.loads(raw or "")
            mention = data["m"]
            draft = data.get("d")
        except (ValueError, KeyError, TypeError, AttributeError):
            raise BadValue(f"not a mention reference: {raw!r}") from None
        if not isinstance(mention, int) or not (draft is None or isinstance(draft, int)):
            raise BadValue(f"not a mention reference: {raw!r}")
        return cls(mention, draft)
