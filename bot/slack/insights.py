"""`/mentions author`, `/mentions advocates` and `/mentions report`, and the App Home lists.

Called by `Handlers` after the command was acked (within Slack's 3 seconds): each parses its
words, asks the store modules, renders with a pure builder and answers through response_url.
The report's chart goes to the channel the command came from with `files_upload_v2` (which
needs `files:write`); where the bot is not a member, Slack refuses the upload and the person
who asked is told privately.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.networks.rules import DEFAULT_RULES, RULES, ReplyRules
from bot.people import PEOPLE_WINDOWS, parse_author
from bot.reporting import Report, parse_days
from bot.slack.blocks import Block, esc
from bot.slack.people_blocks import author_blocks, people_blocks, report_comment
from bot.store import Store
from bot.store.activity import load_report
from bot.store.people import PeopleQueries

log = logging.getLogger(__name__)

VERBS = ("author", "advocates", "report")
REPORT_DAYS = (7, 30)
# Slack's answers when the bot may not post in a channel (public: not_in_channel; a private
# channel it was never invited to looks like one that does not exist).
NOT_A_MEMBER = ("not_in_channel", "channel_not_found")


def upload_report(client: WebClient, channel: str, report: Report, brand: str = "") -> str | None:
    """Upload the report's chart with its key numbers to `channel`; return Slack's error."""
    from bot.charts import render_png  # matplotlib loads on the first report, not at start

    png = render_png(report, brand)
    try:
        client.files_upload_v2(
            channel=channel,
            file=png,
            filename=f"mentions-report-{report.window}-{report.until:%Y-%m-%d}.png",
            title=f"Mentions report, last {report.window}",
            alt_txt=f"Mentions per day by sentiment, time to first response against the SLA, "
            f"and volume by network and intent, last {report.window}",
            initial_comment=report_comment(report, brand),
        )
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "unknown_error")
        log.warning("uploading the report to %s failed: %s", channel, error)
        return error
    return None


class InsightCommands:
    """The people and measurement verbs of `/mentions`."""

    def __init__(
        self,
        store: Store,
        people: PeopleQueries,
        sla_minutes: float,
        clock: Callable[[], datetime],
        rules: ReplyRules = RULES,
        brand: str = "",
    ) -> None:
        self.store = store
        self.people = people
        self.sla_minutes = sla_minutes
        self.clock = clock
        self.rules = rules
        self.brand = brand

    def handle(
        self,
        verb: str,
        args: Sequence[str],
        command: dict[str, Any],
        respond: Respond,
        client: WebClient,
    ) -> None:
        if verb == "author":
            self.author(" ".join(args), respond)
        elif verb == "advocates":
            self.advocates(args[0] if args else "30d", respond)
        elif verb == "report":
            self.report(args[0] if args else "7d", command, respond, client)

    def author(self, asked: str, respond: Respond) -> None:
        if not asked.strip():
            respond(text="Whose mentions? For example `/mentions author @ann` or "
                    "`/mentions author bluesky:ana.bsky.social`.")  # fmt: skip
            return
        known = {*DEFAULT_RULES, *self.people.networks()}
        network, handle = parse_author(asked, known)
        total, mentions = self.people.mentions_by(network, handle)
        respond(
            text=f"Mentions by {esc(asked, 100)}",
            blocks=author_blocks(asked, total, mentions, self.clock(), self.rules),
        )

    def advocates(self, window: str, respond: Respond) -> None:
        span = PEOPLE_WINDOWS.get(window.strip().lower())
        if span is None:
            respond(text=f"Unknown period `{esc(window, 20)}`; use 7d, 30d or 90d.")
            return
        rankings = self.people.rankings(span)
        respond(
            text=f"Top advocates and detractors, last {window}",
            blocks=people_blocks(window.strip().lower(), rankings, self.rules),
        )

    def report(
        self, window: str, command: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        days = parse_days(window, REPORT_DAYS)
        if days is None:
            respond(text=f"Unknown period `{esc(window, 20)}`; use 7d or 30d.")
            return
        report = load_report(self.store.engine, days, self.clock(), self.sla_minutes, self.rules)
        channel = command.get("channel_id") or ""
        error = upload_report(client, channel, report, self.brand)
        if error in NOT_A_MEMBER:
            respond(
                response_type="ephemeral",
                text="I can't post the chart here: I'm not a member of this channel. Invite me "
                "(`/invite @social-care`) and ask again. The figures:\n"
                + report_comment(report, self.brand),
            )
        elif error:
            respond(
                response_type="ephemeral",
                text=f"The chart could not be uploaded (Slack said `{esc(error, 80)}`). "
                "The figures:\n" + report_comment(report, self.brand),
            )

    def home_blocks(self) -> list[Block]:
        """The App Home's advocates and detractors: the 90 days that decide the card badges."""
        return people_blocks("90d", self.people.badges(), self.rules)
