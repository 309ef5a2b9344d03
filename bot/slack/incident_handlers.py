"""Thin listeners for an incident's card and `/mentions incidents`: parse, call the incident
service, show the outcome. Buttons carry the incident's lead member (its row id)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.cases.service import IncidentResult, IncidentService
from bot.slack import case_blocks, ids
from bot.slack.blocks import refusal
from bot.slack.incident_desk import IncidentDesk

log = logging.getLogger(__name__)


class IncidentHandlers:
    def __init__(self, service: IncidentService, desk: IncidentDesk) -> None:
        self.service = service
        self.desk = desk

    def _incident(self, body: dict[str, Any]) -> int | None:
        row = ids.Ref.load(body["actions"][0]["value"]).mention
        return self.service.incident_of(row)

    def handle_approve_all(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        incident = self._incident(body)
        if incident is not None:
            self._done(client, body, self.service.approve_all(incident, body["user"]["id"]))

    def handle_split(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        incident = self._incident(body)
        if incident is not None:
            self._done(client, body, self.service.split(incident, body["user"]["id"]))

    def handle_reject(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        incident = self._incident(body)
        if incident is not None:
            self._done(client, body, self.service.reject(incident, body["user"]["id"]))

    def incidents_command(self, respond: Respond) -> None:
        rows = []
        for incident in self.service.cases.open_incidents():
            count = len(self.service.cases.members(incident.id))
            rows.append((incident, count, self.desk.link(incident.id)))
        text = f"{len(rows)} open incidents"
        respond(text=text, blocks=case_blocks.incidents_list(rows))

    def _done(self, client: WebClient, body: dict[str, Any], result: IncidentResult) -> None:
        self.desk.show([result.incident_id], result.changed)
        if result.message:
            channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
                "channel_id"
            )
            try:
                if channel:
                    client.chat_postEphemeral(
                        channel=channel, user=body["user"]["id"], text=refusal(result.message)
                    )
            except SlackApiError as exc:
                log.warning("could not send an ephemeral message: %s", exc.response.get("error"))
