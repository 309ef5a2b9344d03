"""`bot knowledge list|remove|export`: what editors do with the expert answers in the store.

Answers saved from Slack live in the store, where every host indexes them. An editor lists
them, withdraws one that is wrong or out of date (the shared index drops it at once), and
exports them as Markdown files a team can review and commit into its knowledge directory.
"""

from __future__ import annotations

import getpass
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bot import container
from bot.knowledge.index import KnowledgeIndexError
from bot.settings import Settings, SettingsError, load_settings

knowledge_app = typer.Typer(
    no_args_is_help=True, help="Expert answers saved from Slack: list, withdraw, export."
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DataOpt = Annotated[
    Path | None, typer.Option("--data-dir", help="Index, database and outbox [env: BOT_DATA_DIR]")
]


def _settings(**overrides: object) -> Settings:
    try:
        settings = load_settings(**overrides)
    except SettingsError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    logging.basicConfig(level=settings.log_level, stream=sys.stderr)
    for noisy in ("httpx", "httpcore", "urllib3", "chromadb", "bm25s"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    return settings


@knowledge_app.command("list")
def list_(
    data_dir: DataOpt = None,
    all_: Annotated[bool, typer.Option("--all", help="Include withdrawn answers")] = False,
) -> None:
    """List the expert answers in the store, oldest first."""
    entries = container.build_entries(_settings(data_dir=data_dir))
    found = entries.entries(include_removed=all_)
    table = Table("id", "saved", "expert", "saved by", "mention", "answer")
    if all_:
        table.add_column("withdrawn")
    for entry in found:
        cells = [
            str(entry.id),
            f"{entry.saved_at:%Y-%m-%d %H:%M}",
            entry.expert,
            entry.saved_by,
            str(entry.mention_id or ""),
            escape(entry.text if len(entry.text) <= 80 else entry.text[:79] + "…"),
        ]
        if all_:
            removed = entry.removed_at
            cells.append(f"{removed:%Y-%m-%d} by {entry.removed_by}" if removed else "")
        table.add_row(*cells)
    out.print(table)
    out.print(f"{len(found)} answer(s)")


@knowledge_app.command()
def remove(
    entry_id: Annotated[int, typer.Argument(metavar="ID", help="The answer's id (see list)")],
    knowledge: Annotated[
        Path | None,
        typer.Option("--knowledge", help="Knowledge directory [env: BOT_KNOWLEDGE_DIR]"),
    ] = None,
    data_dir: DataOpt = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Who withdraws it [default: $USER]")
    ] = None,
) -> None:
    """Withdraw an answer: it stays on record, and the index drops it."""
    settings = _settings(knowledge_dir=knowledge, data_dir=data_dir)
    entries = container.build_entries(settings)
    if entries.get(entry_id) is None:
        err.print(f"[red]error:[/] no expert answer with id {entry_id}")
        raise typer.Exit(1)
    if not entries.remove(entry_id, by or getpass.getuser()):
        err.print(f"[yellow]answer {entry_id} was withdrawn already[/]")
        raise typer.Exit(1)
    try:
        report = container.build_index(settings, entries=entries).sync(settings.knowledge_dir)
    except (FileNotFoundError, KnowledgeIndexError) as exc:
        err.print(f"[red]error:[/] withdrawn, but not re-indexed: {escape(str(exc))}")
        raise typer.Exit(2) from None
    out.print(f"withdrew answer {entry_id}; the index now holds {report.chunks} chunks")


@knowledge_app.command()
def export(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="Where to write the files")],
    data_dir: DataOpt = None,
) -> None:
    """Write each answer as a Markdown file (expert-answer-ID.md) for review and commit."""
    entries = container.build_entries(_settings(data_dir=data_dir)).live()
    directory.mkdir(parents=True, exist_ok=True)
    for entry in entries:
        (directory / entry.export_name).write_text(entry.document(), encoding="utf-8")
    out.print(f"wrote {len(entries)} answer(s) to {directory}")
    if entries:
        out.print(
            "once they are committed into the knowledge directory, withdraw them here "
            "(`bot knowledge remove ID`) so each answer is indexed once"
        )
