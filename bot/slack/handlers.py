"""Slack listeners: ack first, parse the payload into a typed value, call one service, render.

Each handler is a plain method named `handle_<thing>`; `register()` in `bot.slack.app` wires
them to action ids, view callbacks, the `/mentions` command and events. Who may decide is
checked by the `approvers_only` middleware, and who may save to the knowledge base by the
`kb_editors_only` middleware, not inside handlers; both ask `Approvers`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain import Status
from bot.knowledge.expert import ExpertAnswers
from bot.review import ActionResult, ReviewService
from bot.slack import blocks, ids, insights, reports
from bot.slack.approvers import Approvers
from bot.slack.cards import CardDesk
from bot.slack.incident_handlers import IncidentHandlers
from bot.store import MentionRecord, Store
from bot.summary import WINDOWS, parse_window, summarise

log = logging.getLogger(__name__)


@dataclass
class SlackDeps:
    store: Store
    review: ReviewService
    cards: CardDesk
    approvers: Approvers
    expert_channel: str | None
    knowledge: ExpertAnswers  # where "Save to knowledge base" writes (the store)
    on_knowledge_changed: Callable[[], object] = lambda: None
    status: Callable[[], list[str]] = lambda: []  # source states, e.g. "X: rate-limited until …"
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    sla_minutes: float = 60.0  # BOT_SLA_MINUTES, for /mentions report
    brand_name: str = ""  # titles the report chart
    incidents: IncidentHandlers | None = None  # incident cards, when cases are on


def _ref(body: dict[str, Any]) -> ids.Ref:
    return ids.Ref.load(body["actions"][0]["value"])


def _channel(body: dict[str, Any]) -> str | None:
    return (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")


class Handlers:
    """Every Slack listener of the bot, bound to its services."""

    def __init__(self, deps: SlackDeps) -> None:
        self.deps = deps
        self.insights = insights.InsightCommands(
            deps.store,
            deps.cards.people,
            deps.sla_minutes,
            deps.clock,
            deps.cards.rules,
            deps.brand_name,
        )

    # -- middleware ------------------------------------------------------------------------

    def approvers_only(
        self, ack: Ack, body: dict[str, Any], client: WebClient, next: Callable[[], None]
    ) -> BoltResponse | None:
        """Let approvers through; tell anyone else privately and change nothing.

        Returning a response without calling `next()` ends the request here (Bolt's contract).
        """
        user = body["user"]["id"]
        if self.deps.approvers.allowed(user):
            next()
            return None
        log.info("refused %s from %s (not an approver)", body.get("type"), user)
        if body.get("type") == "view_submission":
            errors = _first_input_error(body, "Only approvers can do this.")
            return ack(response_action="errors", errors=errors)
        response = ack()
        self._tell(client, body, user, "Only approvers can approve, edit or reject replies.")
        return response

    def kb_editors_only(
        self, ack: Ack, body: dict[str, Any], client: WebClient, next: Callable[[], None]
    ) -> BoltResponse | None:
        """Let knowledge editors save an answer; tell anyone else privately who may."""
        user = body["user"]["id"]
        if self.deps.approvers.may_save_to_kb(user):
            next()
            return None
        log.info("refused saving to the knowledge base from %s (not a knowledge editor)", user)
        response = ack()
        savers = self.deps.approvers.kb_savers
        self._tell(
            client, body, user, blocks.save_refused(savers.users, savers.groups, savers.role)
        )
        return response

    # -- card buttons ----------------------------------------------------------------------

    def handle_approve(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        ref = _ref(body)
        result = self.deps.review.approve(ref.mention, body["user"]["id"])
        self._after(client, body, result)

    def handle_edit(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        rules = self.deps.review.rules
        self._open_modal(ack, body, client, lambda record: blocks.edit_modal(record, rules))

    def handle_reject(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        self._open_modal(ack, body, client, blocks.reject_modal)

    def handle_regenerate(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        self._open_modal(ack, body, client, blocks.regenerate_modal)

    def _open_modal(
        self,
        ack: Ack,
        body: dict[str, Any],
        client: WebClient,
        build: Callable[[MentionRecord], dict[str, Any]],
    ) -> None:
        ack()
        record = self.deps.store.get(_ref(body).mention)
        client.views_open(trigger_id=body["trigger_id"], view=build(record))

    def handle_escalate(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        ref, user = _ref(body), body["user"]["id"]
        if not self.deps.expert_channel:
            self._tell(client, body, user, "No expert channel is set (SLACK_EXPERT_CHANNEL).")
            return
        result = self.deps.review.escalate(ref.mention, user)
        if not result.ok:
            self._after(client, body, result)
            return
        link = self.deps.cards.permalink(result.record)
        try:
            posted = client.chat_postMessage(
                channel=self.deps.expert_channel,
                unfurl_links=False,
                **blocks.expert_request(result.record, user, link),
            )
            self.deps.store.set_expert_thread(ref.mention, posted["channel"], posted["ts"])
        except SlackApiError as exc:
            error = exc.response.get("error")
            log.warning("opening the expert thread for %s failed: %s", ref.mention, error)
            self._tell(client, body, user, f"Could not post in the expert channel: {error}.")
        self.deps.cards.refresh(ref.mention)

    def handle_link_click(self, ack: Ack) -> None:
        ack()  # the browser opens the link; nothing to do here

    # -- modals ----------------------------------------------------------------------------

    def handle_edit_submission(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ref = ids.Ref.load(view.get("private_metadata"))
        value = view["state"]["values"][ids.EDIT_BLOCK][ids.EDIT_INPUT].get("value") or ""
        result = self.deps.review.edit(ref.mention, body["user"]["id"], value)
        if not result.ok:
            ack(response_action="errors", errors={ids.EDIT_BLOCK: result.message or "Not saved."})
            return
        ack()
        self.deps.cards.refresh(ref.mention)

    def handle_reject_submission(
        self, ack: Ack, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        ack()
        ref = ids.Ref.load(view.get("private_metadata"))
        reason = view["state"]["values"][ids.REASON_BLOCK][ids.REASON_INPUT].get("value")
        self.deps.review.reject(ref.mention, body["user"]["id"], reason)
        self.deps.cards.refresh(ref.mention)

    def handle_regenerate_submission(
        self, ack: Ack, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        ack()
        ref = ids.Ref.load(view.get("private_metadata"))
        values = view["state"]["values"]
        instruction = values[ids.INSTRUCTION_BLOCK][ids.INSTRUCTION_INPUT].get("value")
        self.deps.review.regenerate(ref.mention, body["user"]["id"], instruction)
        self.deps.cards.refresh(ref.mention)

    # -- expert thread ---------------------------------------------------------------------

    def handle_message(
        self, body: dict[str, Any], event: dict[str, Any], client: WebClient
    ) -> None:
        """An expert's reply in an escalation thread becomes the card's new draft."""
        if event.get("subtype") or event.get("bot_id") or not event.get("thread_ts"):
            return
        if event.get("channel") != self.deps.expert_channel:
            return
        if body.get("event_id") and self.deps.store.seen_event(body["event_id"]):
            log.info("ignoring a repeated delivery of event %s", body["event_id"])
            return
        row_id = self.deps.store.find_by_expert_thread(event["channel"], event["thread_ts"])
        if row_id is None:
            return
        result = self.deps.review.expert_answer(
            row_id, event.get("user", "?"), event.get("text", "")
        )
        if not result.ok and result.message:
            # Refused (over the network's limit): say so in the thread, where the answer stays.
            client.chat_postMessage(
                channel=event["channel"],
                thread_ts=event["thread_ts"],
                text=blocks.esc(result.message, 500),
            )
            return
        if not result.ok or result.record.draft is None:
            return
        self.deps.cards.refresh(row_id)
        client.chat_postMessage(
            channel=event["channel"],
            thread_ts=event["thread_ts"],
            **blocks.expert_received(result.record, result.record.draft.id, result.message),
        )

    def handle_save_to_kb(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        ref, user = _ref(body), body["user"]["id"]
        record = self.deps.store.get(ref.mention)
        draft = record.draft
        if draft is None or draft.id != ref.draft or draft.origin != "expert":
            self._tell(client, body, user, "That answer is no longer the current expert draft.")
            return
        saved = self.deps.knowledge.save(
            draft.text, draft.author or "?", user, self.deps.clock(), ref.mention
        )
        # The audit keeps what was written: the entry, then the section with its provenance.
        self.deps.store.audit(
            ref.mention, user, "save_to_kb", None, f"knowledge entry {saved.id}\n{saved.markdown()}"
        )
        self.deps.on_knowledge_changed()
        self._tell(
            client, body, user, f"Saved to the knowledge base (entry {saved.id}) and re-indexed."
        )

    # -- reports ---------------------------------------------------------------------------

    def handle_mentions_command(
        self, ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()  # within Slack's 3 seconds; the work below answers through response_url
        try:
            self._mentions_command(command, respond, client)
        except Exception:
            log.exception("/mentions %s failed", command.get("text"))
            respond(text="Sorry, that report failed; the error is in the bot's logs.")

    def _mentions_command(
        self, command: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        words = (command.get("text") or "").split()
        verb = words[0].lower() if words else "summary"
        if verb in insights.VERBS:  # author, advocates, report
            self.insights.handle(verb, words[1:], command, respond, client)
        elif verb == "incidents" and self.deps.incidents is not None:
            self.deps.incidents.incidents_command(respond)
        elif verb == "summary":
            window = parse_window(words[1]) if len(words) > 1 else "24h"
            if window is None:
                respond(text=f"Unknown period `{blocks.esc(words[1], 20)}`; use 24h, 7d or 30d.")
                return
            summary = self._summary(window)
            respond(text=f"Mentions, last {window}", blocks=reports.summary_blocks(summary))
        elif verb == "status":
            lines = self.deps.status() or [
                "No network sources configured (JSONL and webhook only)."
            ]
            counts = self.deps.store.counts()
            queue = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "empty"
            respond(text="\n".join([*lines, f"Store: {queue}"]))
        elif verb == "pending":
            records = self.deps.store.records([Status.DRAFTED, Status.POST_FAILED])
            links = {r.row_id: self.deps.cards.permalink(r) for r in records[:20]}
            found = {k: v for k, v in links.items() if v}
            respond(
                text=f"{len(records)} awaiting approval",
                blocks=blocks.pending_blocks(records, self.deps.clock(), found),
            )
        else:
            respond(text=reports.HELP)

    def handle_app_home_opened(self, event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") not in (None, "home"):
            return
        view = reports.home_view(self._summary("7d"), people=self.insights.home_blocks())
        client.views_publish(user_id=event["user"], view=view)

    # -- helpers ---------------------------------------------------------------------------

    def _summary(self, window: str) -> reports.MentionSummary:
        since = self.deps.clock() - WINDOWS[window]
        records = self.deps.store.since(since)
        edited = {
            m
            for m, _actor, action in self.deps.store.audit_actions(since)
            if action == "draft:edited"
        }
        summary = summarise(window, records, {m for m in edited if m is not None})
        summary.llm_drafts, summary.llm_tokens, summary.llm_cost_usd = self.deps.store.llm_spend(
            since
        )
        return summary

    def _after(self, client: WebClient, body: dict[str, Any], result: ActionResult) -> None:
        self.deps.cards.refresh(result.record.row_id)
        if not result.ok and result.message:
            self._tell(client, body, body["user"]["id"], result.message)

    def _tell(self, client: WebClient, body: dict[str, Any], user: str, text: str) -> None:
        channel = _channel(body)
        try:
            if channel:
                client.chat_postEphemeral(channel=channel, user=user, text=blocks.refusal(text))
        except SlackApiError as exc:
            log.warning("could not send an ephemeral message: %s", exc.response.get("error"))


def _first_input_error(body: dict[str, Any], message: str) -> dict[str, str]:
    values = (body.get("view") or {}).get("state", {}).get("values", {})
    first = next(iter(values), ids.EDIT_BLOCK)
    return {first: message}
