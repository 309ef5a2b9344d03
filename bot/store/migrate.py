"""Bring a database to the current schema with Alembic (at start-up, safe with many workers)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
LOCK_ID = 0x50C1A1  # an arbitrary, fixed advisory-lock key for this app's migrations


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> None:
    """Run pending migrations; on Postgres, one process at a time (advisory lock)."""
    with engine.begin() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_ID})
        command.upgrade(alembic_config(connection), "head")
