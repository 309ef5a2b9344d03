"""Expert answers saved into the knowledge base, so the next similar mention is answered.

An answer saved from Slack is a `KnowledgeEntry` in the store (`bot.store.knowledge`), which
every host indexes beside the files of its knowledge directory; `bot knowledge export` writes
entries out as Markdown a team can review and commit. As Markdown, an answer is a `##` section
whose first line says who wrote it, who saved it and when, in a fixed form (`PROVENANCE`) that
the loader leaves out of the knowledge. Older deployments appended those sections to
`policies/expert-answers.md` (`append_expert_answer`); such a file still loads as before, and
older sections kept the same facts in an HTML comment, which the loader also skips.
"""

from __future__ import annotations

import fcntl
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

EXPERT_FILE = Path("policies") / "expert-answers.md"
EXPERT_DOC = "expert-answers"  # the document name answers are cited under, file or store
TITLE = "# Expert answers\n\nAnswers written by our experts for questions from customers.\n"

# "_Answered by UEXPERT, saved by UEDITOR on 2024-05-01 14:05 UTC._" on a line of its own.
PROVENANCE = re.compile(
    r"^_Answered by (?P<expert>\S+), saved by (?P<saved_by>\S+)"
    r" on (?P<at>\d{4}-\d\d-\d\d \d\d:\d\d) UTC\._[ \t]*$",
    re.MULTILINE,
)


@dataclass(frozen=True)
class KnowledgeEntry:
    """One expert answer kept in the store."""

    id: int
    heading: str
    text: str  # the expert's words only
    expert: str
    saved_by: str
    saved_at: datetime
    mention_id: int | None = None
    removed_by: str | None = None
    removed_at: datetime | None = None

    @property
    def source_key(self) -> str:
        """The entry's name in the index, apart from any file path (which has no colon)."""
        return f"store:{EXPERT_DOC}/{self.id}"

    def markdown(self) -> str:
        """Return the entry as a `##` section with its provenance line."""
        provenance = provenance_line(self.expert, self.saved_by, self.saved_at)
        return f"## {self.heading}\n{provenance}\n\n{self.text}\n"

    def document(self) -> str:
        """Return the entry as a Markdown document of its own (for indexing and export)."""
        return f"# Expert answers\n\n{self.markdown()}"

    @property
    def export_name(self) -> str:
        return f"expert-answer-{self.id}.md"


class ExpertAnswers(Protocol):
    """Where answers saved from Slack go (the store's knowledge entries)."""

    def save(
        self, answer: str, expert: str, saved_by: str, when: datetime, mention_id: int | None
    ) -> KnowledgeEntry: ...


def heading_for(number: int, when: datetime) -> str:
    return f"Expert answer {number} ({_utc(when):%Y-%m-%d})"


def clean_answer(answer: str) -> str:
    """Return the expert's words without the reply's @handle or Slack mentions.

    Only the expert's words are saved, never the stranger's mention: the knowledge base is
    trusted text, and a mention is not.
    """
    body = re.sub(r"^@\w+\s+", "", answer.strip())  # the reply's @handle is not knowledge
    body = re.sub(r"<[@#!][^>]*>", "", body).strip()  # Slack user/channel/special mentions
    if not body:
        raise ValueError("the answer is empty")
    return body


def provenance_line(expert: str, saved_by: str, when: datetime) -> str:
    """Return the line that records who wrote an answer, who saved it and when (UTC)."""
    for who in (expert, saved_by):
        if not who or any(ch.isspace() for ch in who):
            raise ValueError(f"not a user id: {who!r}")
    return f"_Answered by {expert}, saved by {saved_by} on {_utc(when):%Y-%m-%d %H:%M} UTC._"


def strip_provenance(text: str) -> str:
    """Remove provenance lines: bookkeeping about an answer, not knowledge to quote."""
    return PROVENANCE.sub("", text)


@dataclass(frozen=True)
class SavedAnswer:
    """One answer appended to an answers file."""

    path: Path
    heading: str
    expert: str
    saved_by: str
    saved_at: datetime
    entry: str  # the Markdown appended: heading, provenance line, answer


def append_expert_answer(
    knowledge_dir: Path, answer: str, expert: str, saved_by: str, when: datetime
) -> SavedAnswer:
    """Append the answer as a new section of `policies/expert-answers.md` (the file format)."""
    body = clean_answer(answer)
    when = _utc(when)
    provenance = provenance_line(expert, saved_by, when)
    path = knowledge_dir / EXPERT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        existing = handle.read()
        if not existing.strip():
            handle.write(TITLE)
        heading = heading_for(existing.count("\n## ") + 1, when)
        entry = f"## {heading}\n{provenance}\n\n{body}\n"
        handle.write("\n" + entry)
    return SavedAnswer(path, heading, expert, saved_by, when, entry)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
