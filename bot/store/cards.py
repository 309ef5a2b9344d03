"""Review cards: each claimed before it is posted, so it is posted once."""

from __future__ import annotations

from sqlalchemy import or_, select, update

from bot.domain import (
    Status,
)
from bot.store.base import Repository, _rowcount
from bot.store.models import (
    MentionRow,
)


class CardStates(Repository):
    """Where each mention's card is."""

    # -- cards -------------------------------------------------------------------------------

    def cards_to_post(self, limit: int = 50) -> list[int]:
        """Return mentions waiting for a review card (drafted and never carded)."""
        with self._session() as session:
            return list(
                session.scalars(
                    select(MentionRow.id)
                    .where(
                        # a failed post of an incident member that never had its own card
                        MentionRow.status.in_(
                            [Status.DRAFTED.value, Status.ESCALATED.value, Status.POST_FAILED.value]
                        ),
                        or_(MentionRow.card_state.is_(None), MentionRow.card_state == "failed"),
                    )
                    .order_by(MentionRow.id)
                    .limit(limit)
                ).all()
            )

    def claim_card(self, row_id: int) -> bool:
        """Claim the right to post this mention's card; only one caller ever wins."""
        with self._session() as session, session.begin():
            return bool(
                _rowcount(
                    session,
                    update(MentionRow)
                    .where(
                        MentionRow.id == row_id,
                        or_(MentionRow.card_state.is_(None), MentionRow.card_state == "failed"),
                    )
                    .values(card_state="posting"),
                )
            )

    def card_posted(self, row_id: int, channel: str, ts: str) -> None:
        self._set(row_id, card_state="posted", card_channel=channel, card_ts=ts, card_error=None)

    def card_failed(self, row_id: int, error: str) -> None:
        self._set(row_id, card_state="failed", card_error=error)
