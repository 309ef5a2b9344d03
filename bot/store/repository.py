"""The store: mentions keyed by (network, id), their drafts, cards, decisions and an audit log.

SQLite by default, any SQLAlchemy URL (Postgres for several workers) by `DATABASE_URL`. Every
status change is a compare-and-set update (`WHERE status IN (:expected)`) checked against the
domain's transition table, so two clicks, two approvers or two workers cannot both move a
mention forward; the loser learns it and the caller tells the user.

The store is split by concern, one module each: intake (ingestion, worker leases, triage
outcomes), reads (records, counts, spend), cards (card claims), decisions (drafts, moves,
audit) and keyvalues (cursors, seen events). Each is behind a port in bot/ports.py that the
services use; `Store` composes them for the composition root.
"""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.domain import (
    DraftVersion,
    MentionRecord,
)
from bot.store.base import Repository, make_engine
from bot.store.cards import CardStates
from bot.store.decisions import Decisions
from bot.store.intake import Intake
from bot.store.keyvalues import KeyValues
from bot.store.migrate import upgrade
from bot.store.models import (
    Base,
)
from bot.store.reads import Reads

__all__ = ["DraftVersion", "MentionRecord", "Store", "StoreError", "make_engine"]


class StoreError(RuntimeError):
    """The database cannot be used as it is (for example, an older schema)."""


class Store(Intake, Reads, CardStates, Decisions, KeyValues, Repository):
    """Persistence for mentions, drafts, cards, decisions and the audit log."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._session = sessionmaker(engine, expire_on_commit=False)
        tables = set(inspect(engine).get_table_names())
        if "mentions" in tables and "alembic_version" not in tables:
            raise StoreError(
                f"the database at {engine.url.render_as_string(hide_password=True)} was created "
                "by an older version, before migrations; move it aside and run again"
            )
        upgrade(engine)
        self._check_schema()

    def _check_schema(self) -> None:
        inspector = inspect(self.engine)
        missing = {
            f"{table.name}.{column}"
            for table in Base.metadata.sorted_tables
            for column in set(table.columns.keys())
            - {c["name"] for c in inspector.get_columns(table.name)}
        }
        if missing:
            raise StoreError(
                f"the database at {self.engine.url.render_as_string(hide_password=True)} was "
                f"created by an older version (no column(s) {', '.join(sorted(missing))}); "
                "move it aside and run again"
            )
