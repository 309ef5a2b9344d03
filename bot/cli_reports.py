"""`bot report` and `bot digest`: the manager's report from the command line and on a schedule.

`bot report --since 30d [--png FILE] [--csv FILE]` prints the key numbers and writes the chart
and/or the per-mention CSV; `bot digest` posts the weekly report (chart and numbers) to
BOT_DIGEST_CHANNEL, for cron or a Procfile scheduler. Registered on the `bot` app by
`bot.cli`; settings, store and client come from the composition root.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from bot import container
from bot.export import write_csv
from bot.reporting import key_numbers, parse_days, window_start
from bot.settings import Settings, SettingsError
from bot.store.activity import export_rows, load_report

DataOpt = Annotated[
    Path | None, typer.Option("--data-dir", help="Index, database and outbox [env: BOT_DATA_DIR]")
]


def register(app: typer.Typer, load: Callable[..., Settings], out: Console, err: Console) -> None:
    """Add `report` and `digest` to the `bot` command line."""

    @app.command()
    def report(
        since: Annotated[
            str, typer.Option("--since", help="Period: the last N days, e.g. 7d or 30d")
        ] = "30d",
        png: Annotated[Path | None, typer.Option("--png", help="Write the chart here")] = None,
        csv_file: Annotated[
            Path | None, typer.Option("--csv", help="Write one row per mention here")
        ] = None,
        data_dir: DataOpt = None,
    ) -> None:
        """Print the report's key numbers; write its chart (PNG) and the mentions (CSV)."""
        days = parse_days(since)
        if days is None or days > 366:
            err.print(f"[red]error:[/] --since {escape(since)}: use a number of days, like 30d")
            raise typer.Exit(2)
        settings = load(data_dir=data_dir)
        store = container.build_store(settings)
        now = datetime.now(UTC)
        found = load_report(store.engine, days, now, settings.sla_minutes)
        for line in key_numbers(found):
            out.print(line, markup=False, highlight=False)
        if png is not None:
            from bot.charts import render_png  # matplotlib: only when a chart is asked for

            png.write_bytes(render_png(found, settings.brand_name))
            out.print(f"wrote the chart to {escape(str(png))}")
        if csv_file is not None:
            # The CSV covers the same calendar days as the chart.
            with csv_file.open("w", encoding="utf-8", newline="") as sink:
                count = write_csv(export_rows(store.engine, window_start(days, now)), sink)
            out.print(f"wrote {count} mention(s) to {escape(str(csv_file))}")

    @app.command()
    def digest(data_dir: DataOpt = None) -> None:
        """Post the weekly report (chart and key numbers) to BOT_DIGEST_CHANNEL."""
        from bot.slack.insights import upload_report

        settings = load(data_dir=data_dir)
        missing = [
            name
            for name, value in (
                ("SLACK_BOT_TOKEN", settings.slack_bot_token),
                ("BOT_DIGEST_CHANNEL", settings.digest_channel),
            )
            if not value
        ]
        if missing:
            err.print(f"[red]error:[/] missing setting(s): {', '.join(missing)}")
            raise typer.Exit(2)
        assert settings.digest_channel is not None
        try:
            client = container.build_slack_client(settings)
        except SettingsError as exc:
            err.print(f"[red]error:[/] {escape(str(exc))}")
            raise typer.Exit(2) from None
        store = container.build_store(settings)
        found = load_report(store.engine, 7, datetime.now(UTC), settings.sla_minutes)
        error = upload_report(client, settings.digest_channel, found, settings.brand_name)
        if error:
            hint = " (invite the bot to the channel)" if "channel" in error else ""
            err.print(f"[red]error:[/] Slack refused the digest: {escape(error)}{hint}")
            raise typer.Exit(1)
        out.print(f"posted the weekly report to {escape(settings.digest_channel)}")
