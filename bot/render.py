"""Terminal rendering of the review queue (rich); stranger-written text is never read as markup."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from bot.store import MentionRecord

_PRIORITY_STYLE = {
    "urgent": "bold white on red",
    "high": "bold red",
    "normal": "yellow",
    "low": "dim",
}


def queue_table(items: Sequence[MentionRecord], brand: str) -> Table:
    """Return the review queue as a table, most pressing first."""
    table = Table(title=f"{brand} — review queue ({len(items)} awaiting approval)", show_lines=True)
    table.add_column("priority", no_wrap=True)
    table.add_column("intent", no_wrap=True)
    table.add_column("author", no_wrap=True)
    table.add_column("mention", ratio=3)
    table.add_column("draft", ratio=3)
    table.add_column("cited", ratio=1)
    table.add_column("escalation", ratio=2)
    for item in items:
        priority = str(item.triage.priority)
        author = f"@{item.mention.author}" if item.mention.author else "?"
        if item.mention.followers is not None:
            author += f"\n{item.mention.followers:,} followers"
        table.add_row(
            Text(priority, style=_PRIORITY_STYLE.get(priority, "")),
            Text(str(item.triage.intent)),
            Text(author),
            Text(item.mention.text),
            Text(item.draft.text if item.draft else "—"),
            Text(", ".join(dict.fromkeys(s.doc for s in item.sources[:3]))),
            Text(item.triage.escalate_reason or "", style="red" if item.triage.escalate else ""),
        )
    return table


WIDE = 120  # below this, a seven-column table wraps to a word a line: one block per mention


def queue_view(items: Sequence[MentionRecord], brand: str, width: int) -> RenderableType:
    """Return the review queue laid out for a terminal `width` columns wide."""
    return queue_table(items, brand) if width >= WIDE else queue_blocks(items, brand)


def _fields(rows: list[tuple[str, str, str]]) -> Table:
    """Label and value side by side; a long value wraps under itself, not under the label."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="dim", width=10, no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value, style in rows:
        grid.add_row(label, Text(value, style=style))
    return grid


def queue_blocks(items: Sequence[MentionRecord], brand: str) -> Group:
    """Return the review queue as one block per mention, most pressing first (narrow terminals)."""
    parts: list[RenderableType] = [
        Text(f"{brand} — review queue ({len(items)} awaiting approval)", style="bold")
    ]
    for number, item in enumerate(items, 1):
        priority = str(item.triage.priority)
        head = Text(f"{number}. ")
        head.append(priority.upper(), style=_PRIORITY_STYLE.get(priority, ""))
        head.append(f" · {item.triage.intent} · ")
        head.append(f"@{item.mention.author}" if item.mention.author else "?", style="bold")
        if item.mention.followers is not None:
            head.append(f" ({item.mention.followers:,} followers)")
        rows = [
            ("mention", item.mention.text, ""),
            ("draft", item.draft.text if item.draft else "—", ""),
        ]
        cited = ", ".join(dict.fromkeys(s.doc for s in item.sources[:3]))
        if cited:
            rows.append(("cited", cited, ""))
        if item.triage.escalate_reason:
            style = "red" if item.triage.escalate else ""
            rows.append(("escalation", item.triage.escalate_reason, style))
        parts += [Rule(style="dim"), head, _fields(rows)]
    return Group(*parts)


def summary_lines(
    counts: dict[str, int], queue: Sequence[MentionRecord], added: int, skipped: int
) -> list[Text]:
    """Return a few plain lines summarising the run and the store."""
    by_priority: dict[str, int] = {}
    for item in queue:
        key = str(item.triage.priority)
        by_priority[key] = by_priority.get(key, 0) + 1
    escalated = sum(item.triage.escalate for item in queue)
    return [
        Text(f"processed {added} new mention(s) ({skipped} already stored)"),
        Text(
            "awaiting approval: "
            + ", ".join(f"{by_priority.get(p, 0)} {p}" for p in ("urgent", "high", "normal", "low"))
            + f"; {escalated} flagged for an expert"
        ),
        Text(
            "store: "
            + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
            + " — no reply is posted until a person approves it in Slack"
        ),
    ]
