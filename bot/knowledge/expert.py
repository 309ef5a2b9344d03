"""Saving an expert's answer into the knowledge base, so the next similar mention is answered.

Each answer is a `##` section of `policies/expert-answers.md`. Its first line says who wrote
it, who saved it and when, in a fixed form (`PROVENANCE`) that the loader leaves out of the
knowledge. Older sections kept the same facts in an HTML comment, which the loader also skips.
"""

from __future__ import annotations

import fcntl
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

EXPERT_FILE = Path("policies") / "expert-answers.md"

# "_Answered by UEXPERT, saved by UEDITOR on 2024-05-01 14:05 UTC._" on a line of its own.
PROVENANCE = re.compile(
    r"^_Answered by (?P<expert>\S+), saved by (?P<saved_by>\S+)"
    r" on (?P<at>\d{4}-\d\d-\d\d \d\d:\d\d) UTC\._[ \t]*$",
    re.MULTILINE,
)


@dataclass(frozen=True)
class SavedAnswer:
    """One answer appended to the knowledge base."""

    path: Path
    heading: str
    expert: str
    saved_by: str
    saved_at: datetime
    entry: str  # the Markdown appended: heading, provenance line, answer


def provenance_line(expert: str, saved_by: str, when: datetime) -> str:
    """Return the line that records who wrote an answer, who saved it and when (UTC)."""
    for who in (expert, saved_by):
        if not who or any(ch.isspace() for ch in who):
            raise ValueError(f"not a user id: {who!r}")
    return f"_Answered by {expert}, saved by {saved_by} on {_utc(when):%Y-%m-%d %H:%M} UTC._"


def strip_provenance(text: str) -> str:
    """Remove provenance lines: bookkeeping about an answer, not knowledge to quote."""
    return PROVENANCE.sub("", text)


def append_expert_answer(
    knowledge_dir: Path, answer: str, expert: str, saved_by: str, when: datetime
) -> SavedAnswer:
    """Append the answer as a new section of `policies/expert-answers.md`.

    Only the expert's words are saved, never the stranger's mention: the knowledge base is
    trusted text, and a mention is not.
    """
    body = re.sub(r"^@\w+\s+", "", answer.strip())  # the reply's @handle is not knowledge
    body = re.sub(r"<[@#!][^>]*>", "", body).strip()  # Slack user/channel/special mentions
    if not body:
        raise ValueError("the answer is empty")
    when = _utc(when)
    provenance = provenance_line(expert, saved_by, when)
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
        heading = f"Expert answer {count} ({when:%Y-%m-%d})"
        entry = f"## {heading}\n{provenance}\n\n{body}\n"
        handle.write("\n" + entry)
    return SavedAnswer(path, heading, expert, saved_by, when, entry)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
