"""Mentions coming in: stored once per (network, id), leased to one worker, triaged once."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.domain import (
    Mention,
    Outcome,
    Status,
    transition,
)
from bot.store.base import Repository, _cited_first, _rowcount
from bot.store.models import (
    AuditRow,
    DraftRow,
    MentionRow,
    now,
)


class Intake(Repository):
    """Ingestion, worker leases and the triage outcome."""

    # -- ingestion ---------------------------------------------------------------------------

    def add_mention(self, mention: Mention) -> int | None:
        """Store a new mention and return its row id; None if (network, id) is already stored."""
        with self._session() as session:
            row = MentionRow(
                network=mention.network,
                external_id=mention.id,
                text=mention.text,
                author=mention.author,
                followers=mention.followers,
                url=mention.url,
                reply_ref=dict(mention.reply_ref) or None,
                thread_id=mention.thread_id,
                created_at=mention.created_at,
            )
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                return None
            return row.id

    def known_ids(self, network: str, ids: Collection[str]) -> set[str]:
        """Return which of `ids` on `network` are stored already."""
        if not ids:
            return set()
        with self._session() as session:
            query = select(MentionRow.external_id).where(
                MentionRow.network == network, MentionRow.external_id.in_(list(ids))
            )
            return set(session.scalars(query).all())

    def add_mentions(self, mentions: Iterable[Mention]) -> list[tuple[Mention, int]]:
        """Store the mentions not stored yet; return those with their new row ids."""
        added = []
        for mention in mentions:
            row_id = self.add_mention(mention)
            if row_id is not None:
                added.append((mention, row_id))
        return added

    def claim_new(
        self, worker: str, limit: int = 50, lease: timedelta = timedelta(minutes=2)
    ) -> list[tuple[int, Mention]]:
        """Lease up to `limit` NEW mentions to `worker`: each goes to exactly one worker, and a
        lease that runs out (the worker was killed) lets another worker take the mention.

        On Postgres, `FOR UPDATE SKIP LOCKED` lets workers claim side by side without waiting;
        SQLite serialises writers, so the same statement is atomic there too.
        """
        moment = now()
        with self._session() as session, session.begin():
            candidates = (
                select(MentionRow.id)
                .where(
                    MentionRow.status == Status.NEW.value,
                    or_(MentionRow.claimed_until.is_(None), MentionRow.claimed_until < moment),
                )
                .order_by(MentionRow.id)
                .limit(limit)
            )
            claim = update(MentionRow).values(claimed_by=worker, claimed_until=moment + lease)
            if session.get_bind().dialect.name == "postgresql":
                ids = list(session.scalars(candidates.with_for_update(skip_locked=True)).all())
                if ids:
                    session.execute(claim.where(MentionRow.id.in_(ids)))
            else:  # one UPDATE … RETURNING statement: atomic under SQLite's single writer
                ids = list(
                    session.scalars(
                        claim.where(MentionRow.id.in_(candidates.scalar_subquery())).returning(
                            MentionRow.id
                        )
                    ).all()
                )
            if not ids:
                return []
            rows = session.scalars(select(MentionRow).where(MentionRow.id.in_(ids))).all()
            return sorted((r.id, r.to_mention()) for r in rows)

    def new_mentions(self, limit: int = 500) -> list[tuple[int, Mention]]:
        with self._session() as session:
            rows = session.scalars(
                select(MentionRow)
                .where(MentionRow.status == Status.NEW.value)
                .order_by(MentionRow.id)
                .limit(limit)
            ).all()
            return [(r.id, r.to_mention()) for r in rows]

    def save_outcome(self, row_id: int, outcome: Outcome, actor: str = "bot") -> Status:
        """Record triage and draft for a NEW mention and move it to its review status."""
        t = outcome.triage
        target = Status.DRAFTED if t.should_reply else Status.NO_REPLY
        transition(Status.NEW, target)
        with self._session() as session, session.begin():
            changed = _rowcount(
                session,
                update(MentionRow)
                .where(MentionRow.id == row_id, MentionRow.status == Status.NEW.value)
                .values(
                    status=target.value,
                    intent=t.intent.value,
                    sentiment=t.sentiment,
                    priority=t.priority.value,
                    escalate=t.escalate,
                    escalate_reason=t.escalate_reason,
                    flags=t.sorted_flags(),
                    language=t.language,
                    rationale=t.rationale,
                    needs_dm=t.needs_dm,
                    problem=outcome.problem,
                    claimed_by=None,
                    claimed_until=None,
                    updated_at=now(),
                ),
            )
            if not changed:
                raise LookupError(f"mention {row_id} is not new any more")
            if outcome.draft is not None:
                session.add(
                    DraftRow(
                        mention_id=row_id,
                        text=outcome.draft.text,
                        origin=outcome.draft.origin,
                        note=outcome.draft.note,
                        sources=_cited_first(outcome.draft.sources, outcome.sources),
                        tokens_in=outcome.draft.tokens_in,
                        tokens_out=outcome.draft.tokens_out,
                        cost_usd=outcome.draft.cost_usd,
                    )
                )
            session.add(AuditRow(mention_id=row_id, actor=actor, action=f"triaged:{target.value}"))
        return target
