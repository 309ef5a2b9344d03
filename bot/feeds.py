"""Following a JSONL export as it grows (`bot ingest FILE --follow`), the way `tail -F` does.

Lines are read as they are completed (a half-written line waits for its newline). When the file
is rotated (a new file at the same path, or the file truncated) reading starts again at the top
of the new file; mentions already stored are skipped by their (network, id) key, so nothing is
processed twice and nothing is lost.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path


def follow_lines(
    path: Path, stop: threading.Event, poll: float = 0.5
) -> Iterator[list[tuple[int, str]]]:
    """Yield batches of (line number, line) as complete lines appear; survive rotation."""
    handle = None
    inode = None
    number = 0
    pending = ""
    while not stop.is_set():
        if handle is None:
            try:
                handle = path.open("r", encoding="utf-8")
                inode = os.fstat(handle.fileno()).st_ino
                number, pending = 0, ""
            except FileNotFoundError:
                stop.wait(poll)
                continue
        chunk = handle.read()
        batch: list[tuple[int, str]] = []
        if chunk:
            pending += chunk
            *complete, pending = pending.split("\n")
            for line in complete:
                number += 1
                batch.append((number, line))
        if batch:
            yield batch
            continue
        if _rotated(path, inode, handle):
            handle.close()
            handle = None
            continue
        stop.wait(poll)
    if handle is not None:
        handle.close()


def _rotated(path: Path, inode: int | None, handle: object) -> bool:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return False  # mid-rotation: keep the old file until a new one appears
    position = handle.tell()  # type: ignore[attr-defined]
    return stat.st_ino != inode or stat.st_size < position
