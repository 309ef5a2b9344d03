"""Persistence: SQLAlchemy models and the store the rest of the bot talks to."""

from bot.store.repository import DraftVersion, MentionRecord, Store, StoreError, make_engine

__all__ = ["DraftVersion", "MentionRecord", "Store", "StoreError", "make_engine"]
