"""Saving an expert's answer into the knowledge base, so the next similar mention is answered."""

from __future__ import annotations

import fcntl
import re
from datetime import datetime
from pathlib import Path

EXPERT_FILE = Path("policies") / "expert-answers.md"


def append_expert_answer(
    knowledge_dir: Path, answer: str, expert: str, saved_by: str, when: datetime
) -> Path:
    """Append the answer as a new section of `policies/expert-answers.md`; return the file.

    Only the expert's words are saved, never the stranger's mention: the knowledge base is
    trusted text, and a mention is not.
    """
    body = re.sub(r"^@\w+\s+", "", answer.strip())  # the reply's @handle is not knowledge
    body = re.sub(r"<[@#!][^>]*>", "", body).strip()  # Slack user/channel/special mentions
    if not body:
        raise ValueError("the answer is empty")
    path = knowledge_dir / EXPERT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        existing = handle.read()
        if not existing.strip():
            handle.write(
                "# Expert answers\n\nAnswers written by our experts for questions from customers.\n"
            )
        count = existing.count("\n## ") + 1
        handle.write(
            f"\n## Expert answer {count} ({when:%Y-%m-%d})\n"
            f"<!-- answered by {expert}; saved by {saved_by} on {when:%Y-%m-%d %H:%M} UTC -->\n"
            f"{body}\n"
        )
    return path
