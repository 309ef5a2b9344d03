"""Reading mentions back: one record, a batch, by status or period, counts and spend."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select

from bot.domain import (
    MentionRecord,
    Status,
)
from bot.store.base import Repository
from bot.store.models import (
    AuditRow,
    DraftRow,
    MentionRow,
)


class Reads(Repository):
    """What cards, commands and reports read."""

    # -- reading -----------------------------------------------------------------------------

    def get(self, row_id: int) -> MentionRecord:
        with self._session() as session:
            row = session.get(MentionRow, row_id)
            if row is None:
                raise LookupError(f"no mention with id {row_id}")
            return self._record(session, row)

    def get_many(self, row_ids: Sequence[int]) -> list[MentionRecord]:
        """Return the records of `row_ids`, in that order, in two queries (a batch's worth)."""
        if not row_ids:
            return []
        with self._session() as session:
            rows = {
                r.id: r
                for r in session.scalars(select(MentionRow).where(MentionRow.id.in_(row_ids)))
            }
            latest: dict[int, DraftRow] = {}
            drafts = select(DraftRow).where(DraftRow.mention_id.in_(row_ids)).order_by(DraftRow.id)
            for draft in session.scalars(drafts):
                latest[draft.mention_id] = draft
            return [self._record(session, rows[i], latest.get(i)) for i in row_ids if i in rows]

    def find_by_expert_thread(self, channel: str, thread_ts: str) -> int | None:
        with self._session() as session:
            return session.scalars(
                select(MentionRow.id).where(
                    MentionRow.expert_channel == channel, MentionRow.expert_ts == thread_ts
                )
            ).first()

    def records(
        self, statuses: Sequence[Status], since: datetime | None = None, limit: int = 1000
    ) -> list[MentionRecord]:
        """Return mentions in the given statuses, most pressing and then oldest first."""
        with self._session() as session:
            query = select(MentionRow).where(MentionRow.status.in_([s.value for s in statuses]))
            if since is not None:
                query = query.where(MentionRow.received_at >= since)
            rows = session.scalars(query.order_by(MentionRow.id).limit(limit)).all()
            records = [self._record(session, row) for row in rows]
        records.sort(key=lambda r: (r.triage.priority.rank, r.row_id))
        return records

    def since(self, moment: datetime) -> list[MentionRecord]:
        """Return every mention received since `moment` (for summaries)."""
        return self.records(list(Status), since=moment, limit=100_000)

    def counts(self) -> dict[str, int]:
        """Return the number of mentions per status."""
        with self._session() as session:
            rows = session.execute(select(MentionRow.status)).scalars().all()
        out: dict[str, int] = {}
        for status in rows:
            out[status] = out.get(status, 0) + 1
        return out

    def llm_spend(self, since: datetime) -> tuple[int, int, float]:
        """Return (model drafts, tokens, cost in USD) for drafts written since `since`."""
        with self._session() as session:
            row = session.execute(
                select(
                    func.count(DraftRow.id),
                    func.coalesce(func.sum(DraftRow.tokens_in + DraftRow.tokens_out), 0),
                    func.coalesce(func.sum(DraftRow.cost_usd), 0.0),
                ).where(DraftRow.created_at >= since, DraftRow.origin == "llm")
            ).one()
        return int(row[0]), int(row[1]), float(row[2])

    def audit_actions(self, since: datetime) -> list[tuple[int | None, str, str]]:
        """Return (mention id, actor, action) for every audit entry since `since`."""
        with self._session() as session:
            rows = session.execute(
                select(AuditRow.mention_id, AuditRow.actor, AuditRow.action).where(
                    AuditRow.at >= since
                )
            ).all()
        return [(r[0], r[1], r[2]) for r in rows]
