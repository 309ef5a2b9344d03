"""Locks every process using one database sees: how hosts take turns at shared work.

On Postgres a session-level advisory lock, held on a connection of its own in autocommit mode
(so no transaction stays open while the work runs) and released if the process dies, because
its connection closes. On SQLite an exclusive `fcntl` lock on a file beside the database: an
SQLite file is only ever shared by the processes of one host, and they all see that file.
"""

from __future__ import annotations

import fcntl
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

_memory_locks: dict[str, threading.Lock] = {}


def lock_key(name: str) -> int:
    """Return a stable signed 64-bit advisory-lock key for a lock name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def sqlite_lock_path(engine: Engine, name: str) -> Path | None:
    """Return the lock file for `name` beside an SQLite database file (None: not on disk)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None
    path = Path(database)
    return path.with_name(f"{path.name}.{name}.lock")


@contextmanager
def store_lock(engine: Engine, name: str) -> Iterator[None]:
    """Hold the exclusive lock `name` on this database until the block ends."""
    if engine.dialect.name == "postgresql":
        key = lock_key(name)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        return
    path = sqlite_lock_path(engine, name)
    if path is None:  # an in-memory database lives in this process only
        with _memory_locks.setdefault(name, threading.Lock()):
            yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes, even on a crash
        yield
