"""Bring a database to the current schema with Alembic (at start-up, safe with many workers).

Processes that start together must not each run the migrations: on Postgres they queue on a
transaction-scoped advisory lock; on SQLite, whose DDL does not wait inside a transaction, on
an `fcntl` lock on a file beside the database (`bot.sqlite3.migrate.lock`, see `locks.py`).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from bot.store.locks import store_lock

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
LOCK_ID = 0x50C1A1  # an arbitrary, fixed advisory-lock key for this app's migrations


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> None:
    """Run pending migrations, one process at a time (advisory lock or lock file)."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_ID})
            command.upgrade(alembic_config(connection), "head")
        return
    with store_lock(engine, "migrate"), engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
