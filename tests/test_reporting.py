"""The manager's report and the CSV export: pure figures, then `bot report` and `bot digest` as a
user runs them against a seeded store (the digest uploads to the local Slack stub)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.reporting import ReportRow, build_report, key_numbers, outcome_of, parse_days, percentile
from bot.store import Store, make_engine
from tests.seeding import NOW, add
from tests.slack_stub import SlackStub

PNG = b"\x89PNG\r\n\x1a\n"
COLUMNS = [
    "network", "id", "url", "author", "received_at", "first_response_at", "response_minutes",
    "approver", "intent", "sentiment", "priority", "flags", "outcome", "edited",
]  # fmt: skip
T = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def row(posted: datetime, minutes: float | None = None, **kw) -> ReportRow:
    fields = {"network": "x", "intent": "question", "sentiment": 0.0, "status": "drafted"}
    fields.update(kw)
    answered = posted + timedelta(minutes=minutes) if minutes is not None else None
    if answered is not None:
        fields["status"] = "posted"
    return ReportRow(posted=posted, answered_at=answered, **fields)  # type: ignore[arg-type]


def test_every_day_is_present_and_quiet_days_count_zero() -> None:
    report = build_report([row(T - timedelta(days=3)), row(T)], T, 7, 60)
    assert report.days[0].day.isoformat() == "2026-11-17" and len(report.days) == 7
    assert [sum(d.sentiment.values()) for d in report.days] == [0, 0, 0, 1, 0, 0, 1]
    old = build_report([row(T - timedelta(days=7))], T, 7, 60)
    assert old.total == 0  # the eighth day back is outside a 7-day window


def test_response_times_median_p90_and_sla_share() -> None:
    morning = T.replace(hour=9)
    rows = [row(morning, m) for m in (10, 20, 30, 40, 200)]
    rows.append(row(morning, None))  # still waiting after six hours: overdue
    rows.append(row(T - timedelta(minutes=5), None))  # waiting five minutes: not due yet
    rows.append(row(morning, None, status="rejected"))
    rows.append(row(morning, None, status="no_reply", intent="spam"))
    report = build_report(rows, T, 7, 60)
    today = report.days[-1]
    assert today.median_minutes == 30 and today.p90_minutes == 200 and today.answered == 5
    assert report.days[0].median_minutes is None  # nothing measured that day: no point drawn
    assert (report.within_sla, report.sla_due) == (4, 6)
    assert report.outcomes == {"posted": 5, "pending": 2, "rejected": 1, "no_reply": 1}
    assert report.by_network == {"X": 9} and report.by_intent["spam"] == 1
    lines = key_numbers(report)
    assert "67% answered within the SLA of 60 min (4 of 6)" in lines[2]
    assert "median 30 min, p90 3.3 h over 5 replies" in lines[2]
    assert lines[3] == "outcomes: posted 5, rejected 1, no_reply 1, pending 2"


def test_the_time_to_first_response_starts_when_the_post_was_made() -> None:
    # Received an hour late (the network was slow): the customer still waited 90 minutes.
    late = row(T - timedelta(minutes=90), 90)
    assert late.response_minutes == 90


@pytest.mark.parametrize(
    ("status", "outcome"),
    [("posted", "posted"), ("rejected", "rejected"), ("escalated", "escalated"),
     ("no_reply", "no_reply"), ("drafted", "pending"), ("new", "pending"),
     ("approved", "pending"), ("post_failed", "pending")],
)  # fmt: skip
def test_outcomes(status: str, outcome: str) -> None:
    assert outcome_of(status) == outcome


def test_small_helpers() -> None:
    assert percentile([], 0.9) is None and percentile([5.0], 0.9) == 5.0
    assert percentile([float(i) for i in range(1, 11)], 0.9) == 9.0
    assert parse_days("30d") == 30 and parse_days("7D", (7, 30)) == 7
    assert parse_days("90d", (7, 30)) is None and parse_days("0d") is None
    assert parse_days("week") is None


# -- bot report and bot digest --------------------------------------------------------------


def seeded(data: Path) -> Store:
    store = Store(make_engine(f"sqlite:///{(data / 'bot.sqlite3').resolve()}"))
    add(store, author="ann", intent="praise", sentiment=0.8, posted=NOW - timedelta(days=2),
        reply_after=timedelta(minutes=42, seconds=30), approver="UAPP", edited=True,
        flags=("high_reach", "press"), priority="high")  # fmt: skip
    add(store, author="bo", network="reddit", intent="complaint", sentiment=-0.61234,
        posted=None, received=NOW - timedelta(days=1), status="rejected")  # fmt: skip
    add(store, author="cy", network="bluesky", intent="spam", sentiment=0.0,
        posted=NOW - timedelta(hours=3), status="no_reply", url=None)  # fmt: skip
    add(store, author="old", posted=NOW - timedelta(days=45))  # outside 30 days
    return store


def test_bot_report_writes_the_csv_column_by_column_and_the_chart(tmp_path: Path) -> None:
    seeded(tmp_path)
    out_csv, out_png = tmp_path / "mentions.csv", tmp_path / "report.png"
    result = CliRunner().invoke(
        app,
        ["report", "--since", "30d", "--csv", str(out_csv), "--png", str(out_png),
         "--data-dir", str(tmp_path)],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "3 mentions" in result.stdout and "wrote 3 mention(s)" in result.stdout
    with out_csv.open(newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == COLUMNS
        rows = list(reader)
    assert [r["author"] for r in rows] == ["@ann", "u/bo", "@cy"]  # oldest first
    ann, bo, cy = rows
    posted = NOW - timedelta(days=2)
    assert (
        ann["network"] == "x" and ann["id"].startswith("seed") and ann["url"].startswith("https://")
    )
    assert ann["received_at"] == posted.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ann["first_response_at"] == (posted + timedelta(minutes=42, seconds=30)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    assert ann["response_minutes"] == "42.5" and ann["approver"] == "UAPP"
    assert (ann["intent"], ann["sentiment"], ann["priority"]) == ("praise", "0.8", "high")
    assert ann["flags"] == "high_reach|press"
    assert (ann["outcome"], ann["edited"]) == ("posted", "true")
    assert bo["sentiment"] == "-0.612" and bo["outcome"] == "rejected" and bo["edited"] == "false"
    assert bo["first_response_at"] == "" and bo["response_minutes"] == "" and bo["approver"] == ""
    assert bo["received_at"].endswith("Z") and bo["flags"] == ""
    assert (cy["outcome"], cy["url"], cy["network"]) == ("no_reply", "", "bluesky")
    chart = out_png.read_bytes()
    assert chart.startswith(PNG) and 10_000 < len(chart) < 150_000


def test_bot_report_refuses_a_period_it_cannot_read(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", "--since", "month", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "--since month" in result.stderr


def test_bot_digest_posts_the_weekly_chart_to_the_digest_channel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded(tmp_path)
    stub = SlackStub()
    try:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
        monkeypatch.setenv("SLACK_API_URL", stub.url)
        missing = CliRunner().invoke(app, ["digest", "--data-dir", str(tmp_path)])
        assert missing.exit_code == 2 and "BOT_DIGEST_CHANNEL" in missing.stderr
        monkeypatch.setenv("BOT_DIGEST_CHANNEL", "CDIGEST")
        result = CliRunner().invoke(app, ["digest", "--data-dir", str(tmp_path)])
        assert result.exit_code == 0, result.stderr
        [done] = stub.of("files.completeUploadExternal")
        assert done.params["channel_id"] == "CDIGEST"
        assert "last 7d" in done.params["initial_comment"]
        assert "3 mentions" in done.params["initial_comment"]
        [chart] = stub.uploads.values()
        assert chart.startswith(PNG)
        stub.not_member_of.add("CDIGEST")
        refused = CliRunner().invoke(app, ["digest", "--data-dir", str(tmp_path)])
        assert refused.exit_code == 1 and "not_in_channel" in refused.stderr
    finally:
        stub.close()
