"""Small named values: source cursors (and login sessions), and Slack event ids already handled."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from bot.store.base import Repository
from bot.store.models import (
    CursorRow,
    SeenEventRow,
    now,
)


class KeyValues(Repository):
    """Cursors and seen events."""

    def cursor(self, name: str) -> str | None:
        with self._session() as session:
            row = session.get(CursorRow, name)
            return row.value if row else None

    def set_cursor(self, name: str, value: str) -> None:
        with self._session() as session, session.begin():
            row = session.get(CursorRow, name)
            if row is None:
                session.add(CursorRow(name=name, value=value))
            else:
                row.value, row.at = value, now()

    def seen_event(self, event_id: str) -> bool:
        """Record a Slack event id; return True if it had been seen before."""
        with self._session() as session:
            session.add(SeenEventRow(event_id=event_id))
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                return True
            return False
