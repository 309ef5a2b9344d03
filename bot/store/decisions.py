"""Decisions: draft versions, compare-and-set status moves (checked against the domain's
transition table) and the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import update

from bot.domain import (
    Draft,
    Status,
    transition,
)
from bot.store.base import Repository, _rowcount
from bot.store.models import (
    AuditRow,
    DraftRow,
    MentionRow,
    now,
)


class Decisions(Repository):
    """What reviewers, experts and the bot decide."""

    # -- decisions ---------------------------------------------------------------------------

    def add_draft(
        self,
        row_id: int,
        draft: Draft,
        author: str | None,
        expect: Sequence[Status],
        target: Status = Status.DRAFTED,
    ) -> bool:
        """Add a new draft version and move the mention to `target` if it is in `expect`."""
        for status in expect:
            transition(status, target)
        with self._session() as session, session.begin():
            row = session.get(MentionRow, row_id, with_for_update=True)
            if row is None or Status(row.status) not in expect:
                return False
            before = self._latest(session, row_id)
            session.add(
                DraftRow(
                    mention_id=row_id,
                    text=draft.text,
                    origin=draft.origin,
                    note=draft.note,
                    sources=[s.as_dict() for s in draft.sources],
                    author=author,
                    tokens_in=draft.tokens_in,
                    tokens_out=draft.tokens_out,
                    cost_usd=draft.cost_usd,
                )
            )
            row.status = target.value
            row.updated_at = now()
            session.add(
                AuditRow(
                    mention_id=row_id,
                    actor=author or "bot",
                    action=f"draft:{draft.origin}",
                    before=before.text if before else None,
                    after=draft.text,
                )
            )
            return True

    def move(
        self,
        row_id: int,
        expected: Sequence[Status],
        target: Status,
        actor: str,
        action: str = "status",
        **values: Any,
    ) -> bool:
        """Compare-and-set a mention's status; return False if someone else moved it first."""
        for status in expected:
            transition(status, target)
        with self._session() as session, session.begin():
            changed = _rowcount(
                session,
                update(MentionRow)
                .where(
                    MentionRow.id == row_id,
                    MentionRow.status.in_([s.value for s in expected]),
                )
                .values(status=target.value, updated_at=now(), **values),
            )
            if changed:
                session.add(
                    AuditRow(
                        mention_id=row_id,
                        actor=actor,
                        action=action,
                        before=",".join(s.value for s in expected),
                        after=values.get("final_text") or target.value,
                    )
                )
            return bool(changed)

    def set_expert_thread(self, row_id: int, channel: str, ts: str) -> None:
        self._set(row_id, expert_channel=channel, expert_ts=ts)

    def audit(
        self, row_id: int | None, actor: str, action: str, before: str | None, after: str | None
    ) -> None:
        with self._session() as session, session.begin():
            session.add(
                AuditRow(mention_id=row_id, actor=actor, action=action, before=before, after=after)
            )
