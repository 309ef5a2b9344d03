"""`bot demo`'s review queue reads at 80 columns (one block per mention) and wide (the table)."""

from __future__ import annotations

from dataclasses import replace

from rich.console import Console

from bot.render import queue_view
from tests.test_slack_blocks import record

TEXT = "my Volta 600 stopped charging after two weeks of camping, what can I do about it?"


def shown(width: int) -> list[str]:
    item = record()
    item = replace(item, mention=replace(item.mention, text=TEXT))
    console = Console(width=width, record=True, color_system=None)
    console.print(queue_view([item, record()], "Ampwell", console.width))
    return console.export_text().splitlines()


def test_at_80_columns_each_mention_is_a_block_of_readable_lines() -> None:
    lines = shown(80)
    assert all(len(line) <= 80 for line in lines)
    text = "\n".join(lines)
    assert "1. URGENT · question · @ann (12,345 followers)" in text
    assert "mention    my Volta 600 stopped charging after two weeks of camping, what" in text
    assert "draft      @ann You can return within 30 days." in text
    assert "cited      returns" in text and "escalation possible safety incident (smoke)" in text
    assert "2. URGENT" in text
    # a long mention wraps under itself (a hanging indent), not into a word-a-line column
    wrapped = lines[lines.index(next(line for line in lines if "stopped charging" in line)) + 1]
    assert wrapped.rstrip() == " " * 11 + "do about it?"


def test_a_wide_terminal_keeps_the_table() -> None:
    lines = shown(160)
    header = next(line for line in lines if "priority" in line)
    for column in ("intent", "author", "mention", "draft", "cited", "escalation"):
        assert column in header
    assert all(len(line) <= 160 for line in lines)
