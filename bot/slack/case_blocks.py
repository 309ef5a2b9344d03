"""Block Kit for cases: the conversation above a card, the incident card, spike alerts.

Pure functions, like bot/slack/blocks.py; every stranger's word escaped (`esc`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.cases.service import shared_body
from bot.domain import Status
from bot.networks.rules import RULES, ReplyRules
from bot.slack import ids
from bot.slack.blocks import (
    MAX_BLOCKS,
    Block,
    _button,
    _context,
    _section,
    esc,
    slack_date,
    who,
)
from bot.store import MentionRecord
from bot.store.cases import Incident, SpikeAlert


@dataclass(frozen=True)
class CaseView:
    """What a mention's card shows of its case."""

    earlier: tuple[MentionRecord, ...] = ()  # the author's earlier posts in this conversation
    incident: Incident | None = None
    incident_link: str | None = None
    incident_size: int = 0


def decorate(message: dict[str, Any], record: MentionRecord, view: CaseView) -> dict[str, Any]:
    """Add the case to a mention's card: the earlier messages above the newest one, and for a
    grouped member the incident it is part of, in place of its own buttons."""
    blocks: list[Block] = list(message["blocks"])
    if view.earlier:
        at = next(
            (
                i
                for i, b in enumerate(blocks)
                if b.get("type") == "section" and b["text"]["text"].startswith(">")
            ),
            1,
        )
        blocks[at:at] = _conversation(view.earlier)
    if record.status is Status.GROUPED and view.incident is not None:
        blocks = [b for b in blocks if b.get("type") != "actions"]
        link = (
            f" · <{esc(view.incident_link, 500)}|open the incident>" if view.incident_link else ""
        )
        blocks.append(
            _section(
                f"🧩 *Part of incident #{view.incident.id}* ({view.incident_size} mentions): "
                f"answered from the incident's card{link}"
            )
        )
    elif record.incident_id is not None and view.incident is not None:
        blocks.insert(
            1,
            _context(
                f"🧩 Reports the same problem as incident #{view.incident.id}, but needs its own "
                "review (safety, personal data or reach)"
            ),
        )
    return {**message, "blocks": blocks[:MAX_BLOCKS]}


def _conversation(earlier: Sequence[MentionRecord]) -> list[Block]:
    lines = []
    for post in earlier[-5:]:
        when = slack_date(post.mention.created_at or post.received_at)
        lines.append(f"*{who(post.mention)}* {when}\n>{esc(post.mention.text, 400)}")
        if post.status is Status.POSTED and post.final_text:
            lines.append(f"*the brand replied:*\n>{esc(post.final_text, 400)}")
    more = len(earlier) - 5
    head = f"*Earlier in this conversation* ({len(earlier)} posts)" + (
        f", the last 5 shown ({more} before)" if more > 0 else ""
    )
    text = "\n".join(lines).replace("\n>", "\n>")
    return [_section(f"{head}\n{text}"[:2900]), _context("*The newest message:*")]


def incident_card(
    incident: Incident,
    members: Sequence[MentionRecord],
    now: datetime,
    rules: ReplyRules = RULES,
) -> dict[str, Any]:
    """The one card of an incident: the live count, who and where, samples, the shared draft."""
    ref = ids.Ref(incident.lead_row)
    grouped = [m for m in members if m.status is Status.GROUPED]
    own = [m for m in members if m.status is not Status.GROUPED]
    lead = next((m for m in members if m.row_id == incident.lead_row), None)
    networks = sorted({rules.for_network(m.mention.network).label for m in members})
    reach = sum(m.mention.followers or 0 for m in members)
    first = min(
        (m.mention.created_at or m.received_at for m in members), default=incident.opened_at
    )
    last = max((m.mention.created_at or m.received_at for m in members), default=incident.last_seen)
    topic = f" · topic `{esc(incident.topic, 80)}`" if incident.topic else ""
    blocks: list[Block] = [
        _section(
            f"🧩 *Incident #{incident.id}: {len(members)} mentions*{topic}\n"
            f"First seen {slack_date(first)} · last seen {slack_date(last)} · "
            f"{', '.join(networks)} · total reach {reach:,}"
        ),
    ]
    for sample in members[:3]:
        blocks.append(_section(f"*{who(sample.mention, rules)}*\n>{esc(sample.mention.text, 500)}"))
    if own:
        names = ", ".join(who(m.mention, rules) for m in own[:10])
        blocks.append(
            _context(
                f"⚠️ {len(own)} need their own review and are not in *Approve for all*: {names}"
            )
        )
    status = incident.status
    if status != "open":
        verb = {"split": "Split into single cards", "closed": "Closed"}.get(status, status)
        by = f" by <@{esc(incident.closed_by, 40)}>" if incident.closed_by else ""
        blocks.append(_section(f"*{verb}*{by}."))
        posted = [m for m in members if m.status is Status.POSTED]
        if posted:
            blocks.append(_context(f"✅ {len(posted)} replies posted"))
        return _message(incident, members, blocks)
    body = shared_body(lead, rules) if lead is not None else None
    if body:
        blocks.append(
            _section(
                f"*Shared reply* (each member gets it addressed to their own handle, "
                f"{len(grouped)} in *Approve for all*):\n{esc(body, 600)}"
            )
        )
    else:
        blocks.append(_section("*No shared draft yet.* Write one with *Edit*."))
    buttons = [
        _button(f"Approve for all ({len(grouped)})", ids.APPROVE_ALL, ref, "primary"),
        _button("Review one by one", ids.SPLIT_INCIDENT, ref),
        _button("Edit", ids.EDIT, ref),
        _button("Escalate", ids.ESCALATE, ref),
        _button("Reject", ids.REJECT_INCIDENT, ref, "danger"),
    ]
    if not body or not grouped:
        buttons = buttons[1:]
    blocks.append({"type": "actions", "block_id": "incident", "elements": buttons})
    return _message(incident, members, blocks)


def _message(incident: Incident, members: Sequence[MentionRecord], blocks: list[Block]) -> dict:
    text = f"Incident #{incident.id}: {len(members)} mentions of the same problem"
    return {"text": text, "blocks": blocks[:MAX_BLOCKS]}


def incidents_list(incidents: Sequence[tuple[Incident, int, str | None]]) -> list[Block]:
    """`/mentions incidents`: the open incidents with their counts and links."""
    if not incidents:
        return [_section("No open incidents. 🎉")]
    lines = []
    for incident, count, link in incidents[:30]:
        label = f"<{esc(link, 500)}|open>" if link else "no card yet"
        topic = f" `{esc(incident.topic, 60)}`" if incident.topic else ""
        lines.append(
            f"• *#{incident.id}* {count} mentions{topic}: {esc(incident.signature, 90)} · "
            f"since {slack_date(incident.opened_at)} · {label}"
        )
    return [_section(f"*{len(incidents)} open incidents*"), _section("\n".join(lines))]


def spike_alert(
    alert: SpikeAlert,
    baseline: float,
    terms: Sequence[str],
    docs: Sequence[str],
    networks: Sequence[str],
    samples: Sequence[MentionRecord],
    incident_links: Sequence[tuple[int, str]],
    oncall: str | None,
) -> dict[str, Any]:
    ping = f"<!subteam^{esc(oncall, 40)}> " if oncall else ""
    head = (
        f"{ping}🚨 *Spike in negative mentions:* {alert.count} in the last hour "
        f"(threshold {alert.threshold:.0f}; usual {baseline:.1f} an hour) · topic "
        f"`{esc(alert.topic, 80)}`"
    )
    blocks: list[Block] = [_section(head)]
    facts = [
        f"*Top terms:* {esc(', '.join(terms), 300) or '–'}",
        f"*Cited documents:* {esc(', '.join(docs), 300) or '–'}",
        f"*Networks:* {esc(', '.join(networks), 200) or '–'}",
    ]
    blocks.append(_context(*facts))
    for sample in samples[:3]:
        blocks.append(_section(f"*{who(sample.mention)}*\n>{esc(sample.mention.text, 400)}"))
    if incident_links:
        links = " · ".join(f"<{esc(link, 500)}|incident #{i}>" for i, link in incident_links[:10])
        blocks.append(_section(f"*Incidents:* {links}"))
    text = f"Spike in negative mentions: {alert.count} in the last hour"
    return {"text": text, "blocks": blocks[:MAX_BLOCKS]}


def spike_over(alert: SpikeAlert, count: int) -> dict[str, Any]:
    text = (
        f"✅ Back to normal: {count} negative mentions in the last hour, under the threshold "
        f"of {alert.threshold:.0f}."
    )
    return {"text": text, "blocks": [_section(text)]}
