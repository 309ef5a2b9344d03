"""Cases in Slack: incident cards (posted once, updated live), the case shown on member cards,
and spike alerts with their "back to normal" message."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.cases.placer import CasePlacer
from bot.cases.spikes import Spike
from bot.networks.rules import RULES, ReplyRules
from bot.slack import case_blocks
from bot.slack.cards import CardDesk
from bot.slack.case_blocks import CaseView
from bot.store import MentionRecord, Store
from bot.store.cases import CaseStore, SpikeAlert

log = logging.getLogger(__name__)


class IncidentDesk:
    def __init__(
        self,
        client: WebClient,
        store: Store,
        cases: CaseStore,
        placer: CasePlacer,
        cards: CardDesk,
        channel: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rules: ReplyRules = RULES,
    ) -> None:
        self.client = client
        self.store = store
        self.cases = cases
        self.placer = placer
        self.cards = cards
        self.channel = channel
        self.clock = clock
        self.rules = rules
        cards.decorate = self.decorate  # every mention card shows its case
        cards.after_refresh = self._member_changed  # and a member's change shows on its incident

    # -- member cards ------------------------------------------------------------------------

    def view(self, record: MentionRecord) -> CaseView:
        earlier = tuple(self.placer.earlier_in_conversation(record))
        if record.incident_id is None:
            return CaseView(earlier)
        incident = self.cases.incident(record.incident_id)
        size = len(self.cases.members(incident.id))
        return CaseView(earlier, incident, self.link(incident.id), size)

    def decorate(self, record: MentionRecord, message: dict[str, Any]) -> dict[str, Any]:
        return case_blocks.decorate(message, record, self.view(record))

    # -- incident cards ----------------------------------------------------------------------

    def render(self, incident_id: int) -> dict[str, Any]:
        incident = self.cases.incident(incident_id)
        members = [self.store.get(i) for i in self.cases.members(incident_id)]
        return case_blocks.incident_card(incident, members, self.clock(), self.rules)

    def show(self, incident_ids: Iterable[int], members: Iterable[int] = ()) -> None:
        """Post each incident's card once (claimed first, like mention cards), or update it
        in place; then refresh the members' own cards ("part of incident …")."""
        for incident_id in sorted(set(incident_ids)):
            incident = self.cases.incident(incident_id)
            if incident.card_ts and incident.card_channel:
                self._update(incident.card_channel, incident.card_ts, self.render(incident_id))
            elif self.cases.claim_incident_card(incident_id):
                try:
                    response = self.client.chat_postMessage(
                        channel=self.channel, unfurl_links=False, **self.render(incident_id)
                    )
                except SlackApiError as exc:
                    log.warning("posting incident %s failed: %s", incident_id, exc)
                    self.cases.incident_card(incident_id, "failed", None, None)
                    continue
                self.cases.incident_card(incident_id, "posted", response["channel"], response["ts"])
        for row_id in members:
            self.cards.refresh(row_id, cascade=False)  # the incident card is updated above

    def _member_changed(self, record: MentionRecord) -> None:
        if record.incident_id is not None:
            incident = self.cases.incident(record.incident_id)
            if incident.card_channel and incident.card_ts:
                message = self.render(incident.id)
                self._update(incident.card_channel, incident.card_ts, message)

    def post_pending(self) -> None:
        """Cards for incidents whose first post failed or was interrupted."""
        self.show(self.cases.incidents_to_card())

    def link(self, incident_id: int) -> str | None:
        incident = self.cases.incident(incident_id)
        return self.cards.message_link(incident.card_channel, incident.card_ts)

    def _update(self, channel: str, ts: str, message: dict[str, Any]) -> None:
        try:
            self.client.chat_update(channel=channel, ts=ts, **message)
        except SlackApiError as exc:
            log.warning("updating an incident card failed: %s", exc.response.get("error"))


class SlackSpikeNotifier:
    """Posts spike alerts to the alert channel, pinging the on-call group."""

    def __init__(
        self, client: WebClient, channel: str, oncall: str | None, incidents: IncidentDesk | None
    ) -> None:
        self.client = client
        self.channel = channel
        self.oncall = oncall
        self.incidents = incidents

    def post_alert(self, spike: Spike) -> tuple[str, str] | None:
        links = []
        if self.incidents is not None:
            links = [(i, link) for i in spike.incidents if (link := self.incidents.link(i))]
        message = case_blocks.spike_alert(
            spike.alert,
            spike.baseline,
            spike.terms,
            spike.docs,
            spike.networks,
            spike.samples,
            links,
            self.oncall,
        )
        try:
            response = self.client.chat_postMessage(
                channel=self.channel, unfurl_links=False, **message
            )
        except SlackApiError as exc:
            log.error("posting the spike alert failed: %s", exc.response.get("error"))
            return None
        return str(response["channel"]), str(response["ts"])

    def back_to_normal(self, alert: SpikeAlert, count: int) -> None:
        if not (alert.channel and alert.ts):
            return
        try:
            self.client.chat_postMessage(
                channel=alert.channel, thread_ts=alert.ts, **case_blocks.spike_over(alert, count)
            )
        except SlackApiError as exc:
            log.warning("the back-to-normal message failed: %s", exc.response.get("error"))
