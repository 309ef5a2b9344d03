"""Posting and refreshing review cards in the review channel.

A card is claimed in the store before it is sent, so two processes (or a retry) never post the
same mention twice; a failed post leaves the claim as "failed" and is tried again on the next
round, and the error is kept on the mention so it is never silently dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.networks.rules import RULES, ReplyRules
from bot.slack import blocks
from bot.store import MentionRecord, Store
from bot.store.people import PeopleQueries

log = logging.getLogger(__name__)


class CardDesk:
    """Review cards: post new ones, refresh them after every decision."""

    def __init__(
        self,
        client: WebClient,
        store: Store,
        review_channel: str,
        oncall_group: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rules: ReplyRules = RULES,
    ) -> None:
        self.rules = rules
        self.client = client
        self.store = store
        self.review_channel = review_channel
        self.oncall_group = oncall_group
        self.clock = clock
        self.people = PeopleQueries(store.engine, clock)  # the author line on every card
        # what a card shows of its case (conversation, incident); set by the IncidentDesk
        self.decorate: Callable[[MentionRecord, dict], dict] = lambda _record, message: message
        self.after_refresh: Callable[[MentionRecord], None] = lambda _record: None
        self._links: dict[tuple[str, str], str | None] = {}

    def render(self, record: MentionRecord) -> dict:
        history = self.people.history(record, self.rules)
        message = blocks.card(record, self.clock(), self.oncall_group, self.rules, history=history)
        return self.decorate(record, message)

    def post_new(self, limit: int = 50) -> list[int]:
        """Post a card for each drafted mention that has none yet; return the ones posted."""
        posted = []
        for row_id in self.store.cards_to_post(limit):
            if not self.store.claim_card(row_id):
                continue  # another process took it
            record = self.store.get(row_id)
            try:
                response = self.client.chat_postMessage(
                    channel=self.review_channel, unfurl_links=False, **self.render(record)
                )
            except SlackApiError as exc:
                error = exc.response.get("error", "unknown error")
                log.warning("posting the card for mention %s failed: %s", row_id, error)
                self.store.card_failed(row_id, f"Slack: {error}")
                continue
            self.store.card_posted(row_id, response["channel"], response["ts"])
            posted.append(row_id)
        return posted

    def refresh(self, row_id: int, cascade: bool = True) -> None:
        """Re-render a mention's card in place (chat.update), and its incident's card unless
        the caller updates that itself (`cascade=False`: once for many members, not per member)."""
        record = self.store.get(row_id)
        if cascade:
            self.after_refresh(record)
        if not (record.card_channel and record.card_ts):
            return
        try:
            self.client.chat_update(
                channel=record.card_channel, ts=record.card_ts, **self.render(record)
            )
        except SlackApiError as exc:
            log.warning(
                "updating the card for mention %s failed: %s", row_id, exc.response.get("error")
            )

    def permalink(self, record: MentionRecord) -> str | None:
        return self.message_link(record.card_channel, record.card_ts)

    def message_link(self, channel: str | None, ts: str | None) -> str | None:
        """The permalink of a posted message (a card, an incident's card); a message's link
        never changes, so each is asked of Slack once per process."""
        if not (channel and ts):
            return None
        if (channel, ts) in self._links:
            return self._links[(channel, ts)]
        try:
            response = self.client.chat_getPermalink(channel=channel, message_ts=ts)
        except SlackApiError:
            return None
        link = response.get("permalink") or None
        self._links[(channel, ts)] = link
        return link
