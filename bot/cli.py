"""The `bot` command line: index, draft, eval, ingest and demo.

Each command loads settings once (flags override the environment), builds what it needs through
the composition root and prints results; nothing is built at import time.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from bot import cli_reports, container
from bot.domain import Mention, Outcome, Status, Summary
from bot.evaluation import Metric, off_topic, score
from bot.jsonl import Line, LineError, read_lines
from bot.settings import Settings, SettingsError, load_settings
from bot.store import Store
from bot.triage_eval import SENTIMENTS, Report, evaluate, real_sets, table_rows

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Brand social care: triage mentions, draft grounded replies, review them in Slack.",
)
# soft_wrap: messages stay one line each (scripts grep them); tables still fit the terminal.
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

KnowledgeOpt = Annotated[
    Path | None, typer.Option("--knowledge", help="Knowledge directory [env: BOT_KNOWLEDGE_DIR]")
]
DataOpt = Annotated[
    Path | None, typer.Option("--data-dir", help="Index, database and outbox [env: BOT_DATA_DIR]")
]
BrandOpt = Annotated[str | None, typer.Option("--brand", help="Brand name [env: BOT_BRAND_NAME]")]
OfflineOpt = Annotated[
    bool, typer.Option("--offline", help="Use the offline drafter even if an LLM is configured")
]
HandleOpt = Annotated[
    str | None, typer.Option("--handle", help="Brand handle [env: BOT_BRAND_HANDLE]")
]


def _settings(**overrides: Any) -> Settings:
    try:
        settings = load_settings(**overrides)
    except SettingsError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    # Third-party clients log request headers (tokens) at DEBUG; never let them.
    for noisy in (
        *("httpx", "httpcore", "urllib3", "chromadb", "tweepy", "openai", "bm25s"),
        *("atproto", "atproto_client", "mastodon", "praw", "prawcore", "alembic"),
    ):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    return settings


@contextmanager
def _progress(enabled: bool = True) -> Iterator[Any]:
    """Yield a progress callback for indexing (a rich bar on a terminal)."""
    if not enabled:
        yield None
        return
    with Progress(
        TextColumn("[bold]indexing[/] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}

        def update(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=total)
            bar.update(tasks[label], completed=done, total=total)

        yield update


def _core(settings: Settings, quiet: bool = False, offline: bool = False) -> container.Core:
    try:
        with _progress(not quiet) as progress:
            core = container.build_core(settings, progress, offline=offline)
    except FileNotFoundError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    report = core.sync_report
    for problem in report.problems:
        err.print(f"[yellow]warning:[/] {escape(problem)}")
    return core


def _read(path: Path, scoring: bool = False) -> tuple[list[Line], list[LineError]]:
    """Read a mention file. `scoring` (`bot draft` and the eval commands, which owe a result
    per line) keeps a line whose author is not a valid handle, without the author, and says so;
    commands that store mentions refuse the line."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        err.print(f"[red]error:[/] cannot read {path}: {exc.strerror}")
        raise typer.Exit(2) from None
    lines: list[Line] = []
    errors: list[LineError] = []
    with handle:
        for item in read_lines(handle, drop_bad_authors=scoring):
            (errors if isinstance(item, LineError) else lines).append(item)  # type: ignore[arg-type]
    for problem in errors:
        err.print(f"[red]{escape(str(path))}:{problem.line}:[/] {escape(problem.message)}")
    for line in lines:
        if line.mention.author is None and line.raw.get("author"):
            err.print(
                f"[yellow]{escape(str(path))}:{line.line}:[/] author: not a valid handle "
                "(letters, digits and . _ - @ only); the line is kept without it"
            )
    return lines, errors


@app.command()
def index(knowledge: KnowledgeOpt = None, data_dir: DataOpt = None) -> None:
    """Index the knowledge directory into Chroma (incremental: only changed files)."""
    settings = _settings(knowledge_dir=knowledge, data_dir=data_dir)
    try:
        with _progress() as progress:
            r = container.build_index(settings).sync(settings.knowledge_dir, progress)
    except FileNotFoundError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    for problem in r.problems:
        err.print(f"[yellow]warning:[/] {escape(problem)}")
    out.print(
        f"indexed {settings.knowledge_dir}: {r.chunks} chunks; "
        f"added {len(r.added)}, updated {len(r.updated)}, removed {len(r.removed)}, "
        f"unchanged {r.unchanged} file(s)" + (" (rebuilt)" if r.rebuilt else "")
    )


@app.command()
def draft(
    input: Annotated[Path, typer.Option("--input", help="Mentions, one JSON object per line")],
    output: Annotated[Path, typer.Option("--output", help="Where to write one result per line")],
    knowledge: KnowledgeOpt = None,
    data_dir: DataOpt = None,
    brand: BrandOpt = None,
    handle: HandleOpt = None,
    offline: OfflineOpt = False,
) -> None:
    """Triage and draft replies for a JSONL file of mentions."""
    settings = _settings(
        knowledge_dir=knowledge, data_dir=data_dir, brand_name=brand, brand_handle=handle
    )
    lines, errors = _read(input, scoring=True)
    core = _core(settings, quiet=True, offline=offline)
    outcomes = core.pipeline.process_many([line.mention for line in lines])
    with output.open("w", encoding="utf-8") as sink:
        for outcome in outcomes:
            sink.write(json.dumps(outcome.as_record(), ensure_ascii=False) + "\n")
    err.print(f"wrote {len(outcomes)} result(s) to {output}; {len(errors)} malformed line(s)")
    if errors:
        raise typer.Exit(1)


@app.command(name="eval")
def eval_(
    input: Annotated[Path, typer.Option("--input", help="Labelled mentions (JSONL with expect)")],
    knowledge: KnowledgeOpt = None,
    data_dir: DataOpt = None,
    brand: BrandOpt = None,
    handle: HandleOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scorecard as JSON")] = False,
    offline: OfflineOpt = False,
    off_topic_dir: Annotated[
        Path | None,
        typer.Option(
            "--off-topic",
            help="Also draft for other brands' customers (customer_tweets*/airline_tweets*"
            ".jsonl in DIR) and report how many drafts quote this knowledge base to them",
        ),
    ] = None,
) -> None:
    """Score triage, retrieval and drafts against a labelled set."""
    settings = _settings(
        knowledge_dir=knowledge, data_dir=data_dir, brand_name=brand, brand_handle=handle
    )
    lines, errors = _read(input, scoring=True)
    core = _core(settings, quiet=True, offline=offline)
    outcomes = core.pipeline.process_many([line.mention for line in lines])
    card = score((o, line.raw.get("expect", {})) for o, line in zip(outcomes, lines, strict=True))
    if off_topic_dir is not None:
        card.metrics["off_topic"] = _off_topic(core, off_topic_dir)
    if as_json:
        out.print_json(data=card.as_dict())
    else:
        table = Table(title=f"Scorecard — {card.count} mentions ({input})")
        table.add_column("metric")
        table.add_column("score", justify="right")
        table.add_column("n", justify="right")
        for metric in card.metrics.values():
            shown = "–" if metric.value is None else f"{metric.value:.2f}"
            table.add_row(metric.name, shown, f"{metric.hits}/{metric.total}")
        out.print(table)
        for metric in card.metrics.values():
            if metric.misses:
                out.print(f"[bold]{metric.name}[/] misses:")
                for miss in metric.misses:
                    out.print(f"  {miss}", markup=False, highlight=False)
    if errors:
        raise typer.Exit(1)


@app.command(name="triage-eval")
def triage_eval(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Labelled sets (JSONL with expect)")
    ] = None,
    real: Annotated[
        Path, typer.Option("--real", help="Directory of real public posts to score")
    ] = Path("../shared/real"),
    no_real: Annotated[bool, typer.Option("--no-real", help="Skip the real posts")] = False,
    knowledge: KnowledgeOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
    misses: Annotated[int, typer.Option("--misses", min=0, help="Misses shown per metric")] = 5,
    fail_under: Annotated[
        bool, typer.Option("--fail-under", help="Exit 1 when any figure misses its bar")
    ] = False,
) -> None:
    """Score triage alone (no knowledge index) on labelled sets and real posts, against the bars."""
    settings = _settings(knowledge_dir=knowledge)
    try:
        triager = container.build_triager(settings)
    except FileNotFoundError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    sets = [("labelled", path) for path in files or [] if path.is_file()]
    skipped = [f"{path}: not found" for path in files or [] if not path.is_file()]
    if not no_real:
        found, absent = real_sets(real)
        sets += found
        skipped += absent
    for note in skipped:
        err.print(f"[yellow]skipped:[/] {escape(note)}")
    if not sets:
        err.print("nothing to score")
    reports, malformed = [], 0
    for kind, path in sets:
        lines, errors = _read(path, scoring=True)
        malformed += len(errors)
        reports.append(evaluate(str(path), kind, lines, triager.assess))
    missed = [f"{r.name}: {key}" for r in reports for key in r.missed_bars]
    if as_json:
        sets_out = {r.name: r.as_dict(misses) for r in reports}
        out.print_json(data={"sets": sets_out, "skipped": skipped, "bars_met": not missed})
    else:
        for report in reports:
            _print_triage_report(report, misses)
    if not as_json and missed:
        out.print(f"{len(missed)} bar(s) missed: " + ", ".join(missed), markup=False)
    if malformed or (fail_under and missed):
        raise typer.Exit(1)


def _print_triage_report(report: Report, misses: int) -> None:
    """Print one `triage-eval` set: figures beside their bars, the sentiment matrix, misses."""
    table = Table(title=f"Triage — {report.count} mentions ({escape(report.name)})")
    for column in ("metric", "value", "n", "bar", ""):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for row in table_rows(report):
        table.add_row(*map(escape, row))
    out.print(table)
    if report.confusion is not None:
        matrix = Table(title="sentiment: human label (rows) × triage (columns)")
        matrix.add_column("human")
        for label in SENTIMENTS:
            matrix.add_column(label, justify="right")
        for human, counts in report.confusion.items():
            matrix.add_row(human, *(str(counts[label]) for label in SENTIMENTS))
        out.print(matrix)
    for key, figure in report.figures.items():
        if figure.metric.misses and misses:
            out.print(f"[bold]{escape(figure.measure.name)}[/] misses ({escape(key)}):")
            for miss in figure.metric.misses[:misses]:
                out.print(f"  {miss}", markup=False, highlight=False)
    per = report.per_mention
    shown = "–" if per is None else f"{per * 1000:.3f} ms"
    out.print(f"triage time: {shown} per mention ({report.seconds:.2f} s / {report.count})")


def _off_topic(core: container.Core, directory: Path) -> Metric:
    """Draft for every post in other brands' customer files and count those quoting our KB."""
    mentions: list[Mention] = []
    files = [*directory.glob("customer_tweets*.jsonl"), *directory.glob("airline_tweets*.jsonl")]
    for path in sorted(files):
        found, _errors = _read(path, scoring=True)
        mentions.extend(line.mention for line in found)
    outcomes: list[Outcome] = []
    for begin in range(0, len(mentions), 100):
        outcomes.extend(core.pipeline.process_many(mentions[begin : begin + 100]))
    return off_topic(outcomes)


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(help="Mentions, one JSON object per line")],
    knowledge: KnowledgeOpt = None,
    data_dir: DataOpt = None,
    follow: Annotated[
        bool, typer.Option("--follow", help="Keep reading as the file grows (like tail -F)")
    ] = False,
) -> None:
    """Store new mentions from a JSONL file and triage and draft them (skips known ones)."""
    settings = _settings(knowledge_dir=knowledge, data_dir=data_dir)
    if follow:
        _ingest_follow(settings, file)
        return
    lines, errors = _read(file)
    store = container.build_store(settings)
    added = store.add_mentions(line.mention for line in lines)
    core = _core(settings, quiet=True)
    _process_new(core, store)
    skipped = len(lines) - len(added)
    out.print(f"stored {len(added)} new mention(s), skipped {skipped} already stored")
    if errors:
        raise typer.Exit(1)


def _ingest_follow(settings: Settings, path: Path) -> None:
    from bot.feeds import follow_lines

    core = _core(settings, quiet=True)
    store = container.build_store(settings)
    stop = threading.Event()

    def on_signal(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    err.print(f"following {escape(str(path))}; Ctrl-C to stop")
    for batch in follow_lines(path, stop):
        mentions = []
        for item in read_lines(line for _, line in batch):
            if isinstance(item, LineError):
                number = batch[item.line - 1][0]
                err.print(f"[red]{escape(str(path))}:{number}:[/] {escape(item.message)}")
            else:
                mentions.append(item.mention)
        added = store.add_mentions(mentions)
        summary = _process_new(core, store)
        if added:
            out.print(f"stored {len(added)} new mention(s); drafted {summary.drafted}")


def _process_new(core: container.Core, store: Store) -> Summary:
    """Draft the stored NEW mentions, leasing them as a worker does (workers may be running)."""
    summary = Summary()
    worker = f"cli:{os.getpid()}"
    while pending := store.claim_new(worker, limit=200):
        outcomes = core.pipeline.process_many([m for _, m in pending])
        for (row_id, _), outcome in zip(pending, outcomes, strict=True):
            try:
                store.save_outcome(row_id, outcome, actor=worker)
            except LookupError:
                continue  # a worker finished it first
            summary.add(outcome)
    return summary


@app.command()
def demo(
    feed: Annotated[Path | None, typer.Option("--feed", help="Mentions to process")] = None,
    knowledge: KnowledgeOpt = None,
    data_dir: DataOpt = None,
) -> None:
    """Index the knowledge base, process a sample feed and show the review queue."""
    from bot.render import queue_view, summary_lines

    settings = _settings(knowledge_dir=knowledge, data_dir=data_dir)
    feed = feed or container.default_feed()
    core = _core(settings)
    lines, _errors = _read(feed)
    store = container.build_store(settings)
    added = store.add_mentions(line.mention for line in lines)
    _process_new(core, store)
    queue = store.records([Status.DRAFTED])
    out.print(queue_view(queue, settings.brand_name, out.width))
    for line in summary_lines(store.counts(), queue, len(added), len(lines) - len(added)):
        out.print(line)


def _slack_runtime(settings: Settings, socket_mode: bool) -> container.SlackParts:
    try:
        settings.require_slack(socket_mode)  # before the slow part, so a typo fails at once
    except SettingsError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    core = _core(settings)
    store = container.build_store(settings)
    return container.build_slack(core, store, socket_mode=socket_mode)


@app.command()
def run(
    knowledge: KnowledgeOpt = None,
    data_dir: DataOpt = None,
) -> None:
    """Run the Slack app over Socket Mode (no public URL needed), with the runner in-process."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    settings = _settings(knowledge_dir=knowledge, data_dir=data_dir)
    parts = _slack_runtime(settings, socket_mode=True)
    assert settings.slack_app_token is not None  # checked by build_slack
    handler = SocketModeHandler(parts.app, settings.slack_app_token.get_secret_value())

    def stop(_signum: int, _frame: object) -> None:
        err.print("stopping: finishing the current round…")
        parts.runner.stop()
        handler.close()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    parts.runner.start()
    out.print(f"connected over Socket Mode; cards go to {settings.slack_review_channel}")
    handler.start()


@app.command()
def worker(knowledge: KnowledgeOpt = None, data_dir: DataOpt = None) -> None:
    """Draft new mentions and post their cards, until SIGTERM (Procfile `worker:`)."""
    settings = _settings(knowledge_dir=knowledge, data_dir=data_dir)
    core = _core(settings, quiet=True)
    runner = container.build_worker(core, container.build_store(settings))

    def stop(_signum: int, _frame: object) -> None:
        err.print("stopping: finishing the current round…")
        runner.request_stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    carding = "posting cards" if runner.desk else "no Slack settings: drafting only"
    out.print(f"worker running ({carding})")
    runner.run_forever()


@app.command()
def serve(
    knowledge: KnowledgeOpt = None,
    data_dir: DataOpt = None,
    port: Annotated[int | None, typer.Option("--port", help="[env: PORT]")] = None,
    workers: Annotated[int, typer.Option("--workers", envvar="WEB_CONCURRENCY")] = 1,
) -> None:
    """Serve Slack's HTTP requests at /slack/events with gunicorn (signatures verified)."""
    from gunicorn.app.base import BaseApplication

    from bot.web import create_wsgi
    from bot.webhook import MentionWebhook

    settings = _settings(knowledge_dir=knowledge, data_dir=data_dir, port=port)
    try:
        settings.require_slack(socket_mode=False)
    except SettingsError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None

    def factory() -> Any:
        parts = _slack_runtime(settings, socket_mode=False)
        parts.runner.start()
        webhook = None
        if settings.webhook_secret is not None:
            webhook = MentionWebhook(parts.runner.store, settings.webhook_secret.get_secret_value())
        return create_wsgi(parts.app, webhook)

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"0.0.0.0:{settings.port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", 16)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("timeout", 60)
            self.cfg.set("graceful_timeout", 20)
            self.cfg.set("accesslog", "-")

        def load(self) -> Any:
            return factory()

    Server().run()


cli_reports.register(app, _settings, out, err)  # `bot report`, `bot digest`


from bot.knowledge_cli import knowledge_app  # noqa: E402 - `bot knowledge`, in its own module

app.add_typer(knowledge_app, name="knowledge")


def main() -> None:
    app()
