"""Knowledge entries in the store: expert answers saved from Slack, shared by every host.

The table is `knowledge_entries` (migration 0003). An entry is never deleted: `remove` marks it
withdrawn (who, when), the index drops it, and the record of what was once knowledge stays.
The store also holds the lock that indexing takes (`index_lock`), because it is the one thing
every host shares: see `bot.store.locks`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.knowledge.expert import KnowledgeEntry, clean_answer, heading_for, provenance_line
from bot.store.locks import store_lock
from bot.store.migrate import upgrade
from bot.store.models import KnowledgeEntryRow, now

INDEX_LOCK = "knowledge-index"


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes; the store writes UTC."""
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


def _entry(row: KnowledgeEntryRow) -> KnowledgeEntry:
    return KnowledgeEntry(
        id=row.id,
        heading=row.heading,
        text=row.text,
        expert=row.expert,
        saved_by=row.saved_by,
        saved_at=_aware(row.saved_at) or row.saved_at,
        mention_id=row.mention_id,
        removed_by=row.removed_by,
        removed_at=_aware(row.removed_at),
    )


class KnowledgeEntries:
    """The `ExpertAnswers` port over the store, plus what `bot knowledge` needs."""

    def __init__(self, engine: Engine, migrate: bool = True) -> None:
        self.engine = engine
        self._session = sessionmaker(engine, expire_on_commit=False)
        if migrate:
            upgrade(engine)

    def save(
        self, answer: str, expert: str, saved_by: str, when: datetime, mention_id: int | None
    ) -> KnowledgeEntry:
        """Store an expert's answer (its words only) and return the new entry."""
        body = clean_answer(answer)
        provenance_line(expert, saved_by, when)  # refuses what is not a user id
        with self._session() as session, session.begin():
            row = KnowledgeEntryRow(
                heading="",
                text=body,
                expert=expert,
                saved_by=saved_by,
                saved_at=when,
                mention_id=mention_id,
            )
            session.add(row)
            session.flush()  # the id numbers the heading
            row.heading = heading_for(row.id, when)
        return _entry(row)

    def live(self) -> list[KnowledgeEntry]:
        """Return the entries the index holds (not withdrawn), oldest first."""
        return self.entries(include_removed=False)

    def entries(self, include_removed: bool = True) -> list[KnowledgeEntry]:
        with self._session() as session:
            query = select(KnowledgeEntryRow).order_by(KnowledgeEntryRow.id)
            if not include_removed:
                query = query.where(KnowledgeEntryRow.removed_at.is_(None))
            return [_entry(row) for row in session.scalars(query).all()]

    def get(self, entry_id: int) -> KnowledgeEntry | None:
        with self._session() as session:
            row = session.get(KnowledgeEntryRow, entry_id)
            return _entry(row) if row is not None else None

    def remove(self, entry_id: int, removed_by: str) -> bool:
        """Withdraw an entry; return False if there is none, or it was withdrawn already."""
        with self._session() as session, session.begin():
            changed = session.execute(
                update(KnowledgeEntryRow)
                .where(KnowledgeEntryRow.id == entry_id, KnowledgeEntryRow.removed_at.is_(None))
                .values(removed_by=removed_by, removed_at=now())
            )
            return bool(changed.rowcount)  # type: ignore[attr-defined]

    @contextmanager
    def index_lock(self) -> Iterator[None]:
        """Hold the knowledge-index lock every process on this store sees."""
        with store_lock(self.engine, INDEX_LOCK):
            yield
