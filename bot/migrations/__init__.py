"""Alembic migrations of the store's schema (run at start-up, under a lock on Postgres)."""
