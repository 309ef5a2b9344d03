"""Block Kit builders: pure functions from records to Slack message and view payloads.

Everything a stranger wrote (mention text, author name) and everything derived from it is
escaped for mrkdwn, so `<!channel>` or `<@U…>` in a mention pings no one. Limits respected here:
at most 50 blocks a message, 3,000 characters a section, 2,000 a button value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.domain import CARD_BUTTONS, Action, Flag, Intent, Mention, Priority, Status
from bot.networks.rules import RULES, ReplyRules
from bot.slack import ids
from bot.store import MentionRecord
from bot.text import URL, escape_mrkdwn, truncate

Block = dict[str, Any]
SECTION_LIMIT = 3000
MAX_BLOCKS = 50

_PRIORITY_BADGE = {
    Priority.URGENT: "🔴 *URGENT*",
    Priority.HIGH: "🟠 *High*",
    Priority.NORMAL: "🟡 Normal",
    Priority.LOW: "⚪ Low",
}
# Why a card has no draft, by what triage found.
_HELD = {
    Intent.SPAM: "*No reply drafted:* spam.",
    Intent.INJECTION: "*No reply drafted:* an attempt to instruct the bot.",
    Intent.ABUSE: "*No reply suggested:* insults with nothing to act on. "
    "Write one with *Write a reply* if it needs an answer.",
    Intent.OTHER: "*No reply suggested:* it asks nothing and reports no problem. "
    "Write one with *Write a reply* if it deserves one.",
}
_FLAG_LABEL = {
    Flag.SAFETY: "🔥 safety",
    Flag.LEGAL: "⚖️ legal",
    Flag.PRESS: "📰 press",
    Flag.HIGH_REACH: "📣 high reach",
    Flag.OUT_OF_KB: "❓ not in knowledge base",
    Flag.PII: "🔒 personal data",
    Flag.SPAM: "🗑 spam",
    Flag.INJECTION: "🛡 injection attempt",
}


def esc(text: str | None, limit: int = SECTION_LIMIT) -> str:
    """Escape stranger-written text for mrkdwn and keep it inside a section's limit."""
    return escape_mrkdwn(truncate(text or "", limit))


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_LIMIT]}}


def _context(*parts: str) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": p[:SECTION_LIMIT]} for p in parts if p][:10],
    }


def _button(text: str, action_id: str, ref: ids.Ref, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "action_id": action_id,
        "value": ref.dump(),
    }
    if style:
        button["style"] = style
    return button


def slack_date(moment: datetime, fallback_format: str = "%Y-%m-%d %H:%M UTC") -> str:
    """Render a time in each reader's own time zone (Slack's date token)."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    unix = int(moment.timestamp())
    return f"<!date^{unix}^{{date_short_pretty}} {{time}}|{moment.strftime(fallback_format)}>"


def sla_clock(moment: datetime, now: datetime) -> str:
    """Time since the mention was posted, kept current by Slack's client ({ago})."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return f"posted <!date^{int(moment.timestamp())}^{{ago}}|{age(moment, now)} ago>"


def age(moment: datetime, now: datetime) -> str:
    """Return a compact age such as "3m", "2h 14m" or "3d 4h"."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    minutes = max(0, int((now - moment).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def who(mention: Mention, rules: ReplyRules = RULES) -> str:
    """The author as their network writes a handle (`@name`, `u/name`), escaped for mrkdwn."""
    return esc(rules.handle(mention.network, mention.author), 120) or "unknown author"


def _author(record: MentionRecord, rules: ReplyRules = RULES) -> str:
    mention = record.mention
    rule = rules.for_network(mention.network)
    name = f"*{who(mention, rules)}*"
    reach = ""
    if mention.followers is not None:
        reach = f" · {mention.followers:,} {rule.reach_unit}"
        if rule.reach_unit == "karma":
            reach += " (Reddit has no followers: total karma stands in for reach)"
    link = f" · <{esc(mention.url, 500)}|view post on {esc(rule.label, 40)}>" if mention.url else ""
    return f"{name}{reach} · {esc(rule.label, 40)}{link}"


def _badges(record: MentionRecord) -> str:
    t = record.triage
    flags = " ".join(_FLAG_LABEL[f] for f in sorted(t.flags, key=str) if f in _FLAG_LABEL)
    intent = f"🚫 `{t.intent}`" if t.intent is Intent.ABUSE else f"`{t.intent}`"
    parts = [_PRIORITY_BADGE[t.priority], intent, f"sentiment {t.sentiment:+.2f}", flags]
    return "  ·  ".join(p for p in parts if p)


def card(
    record: MentionRecord,
    now: datetime,
    oncall: str | None = None,
    rules: ReplyRules = RULES,
    history: str | None = None,
) -> dict[str, Any]:
    """Return the review card (`text` and `blocks`) for a mention in its current state.

    `history` is the author's line from the store (`bot.people.history_line`), shown escaped
    right under the author.
    """
    mention, t = record.mention, record.triage
    ref = ids.Ref(record.row_id)
    posted = mention.created_at or record.received_at
    blocks: list[Block] = [
        _section(f"{_badges(record)}\n{_author(record, rules)}"),
        *([_context(esc(history, 1000))] if history else []),
        _section(f">{esc(mention.text, 2500)}".replace("\n", "\n>")),
        _context(f"⏱ {sla_clock(posted, now)}", f"Received {slack_date(record.received_at)}"),
    ]
    if t.escalate_reason or t.rationale:
        reason = esc(t.escalate_reason or "", 600)
        why = esc(t.rationale, 300)
        text = f"*Escalation:* {reason}" if t.escalate_reason else f"_Triage:_ {why}"
        if oncall and t.priority is Priority.URGENT:
            text += f"\n<!subteam^{oncall}> urgent mention needs a look"
        blocks.append(_section(text))
    blocks.extend(_draft_blocks(record, rules))
    blocks.extend(_state_blocks(record, ref, now, rules))
    handle = rules.handle(mention.network, mention.author) or "unknown"
    label = rules.for_network(mention.network).label
    summary = f"{t.priority.value} {t.intent.value} from {handle} on {label}"
    return {"text": escape_mrkdwn(truncate(summary, 150)), "blocks": blocks[:MAX_BLOCKS]}


def _draft_blocks(record: MentionRecord, rules: ReplyRules = RULES) -> list[Block]:
    draft = record.draft
    problem = (
        [_section(f"⚠️ *Something failed:* {esc(record.problem, 600)}")] if record.problem else []
    )
    if record.status is Status.NO_REPLY:
        return [*problem, _section(_HELD.get(record.triage.intent, _HELD[Intent.OTHER]))]
    if draft is None:
        return [*problem, _section("*No draft yet.* Write one with *Edit*, or *Regenerate*.")]
    shown = record.final_text if record.status in (Status.POSTED, Status.APPROVED) else draft.text
    origin = {
        "edited": f"edited by <@{esc(draft.author, 40)}>",
        "expert": f"answer from expert <@{esc(draft.author, 40)}>",
        "llm": "drafted by the language model",
        "offline": "drafted offline from the knowledge base",
    }.get(draft.origin, draft.origin)
    rule = rules.for_network(record.mention.network)
    used = rule.length(shown or "")
    size = f"{used:,}/{rule.limit:,} {rule.unit} on {rule.label}"
    blocks = [_section(f"*Draft reply* ({esc(size, 100)}):\n{esc(shown, 600)}")]
    notes = [f"_{origin}_"]
    too_long = rule.check(shown or "") if record.status not in (Status.POSTED,) else None
    if too_long and shown:
        notes.append(f"⛔ {esc(too_long, 200)} Edit it before approving.")
    if draft.note:
        notes.append(f"⚠️ {esc(draft.note, 300)}")
    if shown and URL.search(shown):
        notes.append("⚠️ contains a link: some networks charge more for, or limit, posts with links")
    blocks.append(_context(*notes))
    blocks = [*problem, *blocks]
    if draft.sources:
        lines = [
            f"• `{esc(s.doc, 60)}` {esc(s.ref, 80)}: {esc(s.text, 140)}" for s in draft.sources[:3]
        ]
        blocks.append(_context("*Sources*\n" + "\n".join(lines)))
    return blocks


def _state_blocks(
    record: MentionRecord, ref: ids.Ref, now: datetime, rules: ReplyRules = RULES
) -> list[Block]:
    status = record.status
    if status is Status.POSTED:
        link = record.posted_url or ""
        where = f"<{esc(link, 500)}|view reply>" if link.startswith("http") else esc(link, 200)
        when = slack_date(record.posted_at) if record.posted_at else ""
        return [_section(f"✅ *Posted* · approved by <@{record.approved_by}> {when} · {where}")]
    if status is Status.APPROVED:
        return [_section(f"⏳ *Posting…* approved by <@{record.approved_by}>")]
    if status is Status.REJECTED:
        reason = f": {esc(record.rejected_reason, 500)}" if record.rejected_reason else ""
        return [_section(f"🚫 *Rejected* by <@{record.rejected_by}>{reason}")]
    blocks: list[Block] = []
    if status is Status.POST_FAILED:
        blocks.append(_section(f"⚠️ *Posting failed:* {esc(record.post_error, 500)}"))
    if status is Status.ESCALATED:
        thread = ""
        if record.expert_channel and record.expert_ts:
            thread = f" · thread in <#{record.expert_channel}>"
        blocks.append(_section(f"🧑‍🔬 *Escalated* by <@{record.escalated_by}>{thread}"))
    buttons = [
        _action_button(action, record, ref, rules)
        for action in CARD_BUTTONS.get(status, ())
        if not (action is Action.APPROVE and record.draft is None)  # nothing to approve yet
    ]
    if not buttons:
        return blocks
    return [*blocks, {"type": "actions", "block_id": "review", "elements": buttons}]


# How each action looks on a card; which actions a card has comes from bot.domain.CARD_BUTTONS.
_LOOK: dict[Action, tuple[str, str | None]] = {
    Action.APPROVE: ("Approve & post", "primary"),
    Action.RETRY_POST: ("Retry post", "primary"),
    Action.EDIT: ("Edit", None),
    Action.REGENERATE: ("Regenerate", None),
    Action.ESCALATE: ("Escalate", None),
    Action.REJECT: ("Reject", "danger"),
}


def _action_button(
    action: Action, record: MentionRecord, ref: ids.Ref, rules: ReplyRules = RULES
) -> Block:
    rule = rules.for_network(record.mention.network)
    if action is Action.APPROVE and not rule.can_post and record.mention.url:
        # The network lets the API reply only to some posts (X: those that tag the account).
        return {
            "type": "button",
            "text": {"type": "plain_text", "text": f"Open on {rule.label} to reply"},
            "action_id": ids.OPEN_ON_X,
            "url": record.mention.url[:3000],
        }
    label, style = _LOOK[action]
    if action is Action.EDIT and record.status is Status.NO_REPLY:
        # Held, not forbidden: a person may still write a reply (the text is theirs, not a
        # stranger's), or close the card.
        label = "Write a reply"
    return _button(label, str(action), ref, style)


def _modal(callback: str, title: str, submit: str, ref: ids.Ref, blocks: list[Block]) -> Block:
    return {
        "type": "modal",
        "callback_id": callback,
        "private_metadata": ref.dump(),
        "title": {"type": "plain_text", "text": title[:24]},
        "submit": {"type": "plain_text", "text": submit[:24]},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def edit_modal(record: MentionRecord, rules: ReplyRules = RULES) -> Block:
    draft = record.draft.text if record.draft else ""
    rule = rules.for_network(record.mention.network)
    longest = min(rule.limit, SECTION_LIMIT)  # Slack caps a text input at 3,000
    return _modal(
        ids.EDIT_VIEW,
        "Edit reply",
        "Save draft",
        ids.Ref(record.row_id),
        [
            _section(
                f"Replying to *{who(record.mention, rules)}* on {esc(rule.label, 40)}:\n"
                f">{esc(record.mention.text, 1500)}"
            ),
            {
                "type": "input",
                "block_id": ids.EDIT_BLOCK,
                "label": {
                    "type": "plain_text",
                    "text": f"Reply (max {rule.limit:,} {rule.unit} on {rule.label})"[:150],
                },
                "element": {
                    "type": "plain_text_input",
                    "action_id": ids.EDIT_INPUT,
                    "multiline": True,
                    "max_length": longest,
                    **({"initial_value": draft} if draft else {}),
                },
            },
        ],
    )


def reject_modal(record: MentionRecord) -> Block:
    return _modal(
        ids.REJECT_VIEW,
        "Reject reply",
        "Reject",
        ids.Ref(record.row_id),
        [
            {
                "type": "input",
                "block_id": ids.REASON_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Reason (optional)"},
                "element": {"type": "plain_text_input", "action_id": ids.REASON_INPUT},
            }
        ],
    )


def regenerate_modal(record: MentionRecord) -> Block:
    return _modal(
        ids.REGENERATE_VIEW,
        "Regenerate reply",
        "Regenerate",
        ids.Ref(record.row_id),
        [
            {
                "type": "input",
                "block_id": ids.INSTRUCTION_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Instruction (optional)"},
                "hint": {
                    "type": "plain_text",
                    "text": "For example: shorter, more apologetic, mention the warranty",
                },
                "element": {
                    "type": "plain_text_input",
                    "action_id": ids.INSTRUCTION_INPUT,
                    "max_length": 300,
                },
            }
        ],
    )


def expert_request(record: MentionRecord, requested_by: str, review_link: str | None) -> Block:
    """The message that opens an expert thread for an escalated mention."""
    mention, t = record.mention, record.triage
    sources = "\n".join(
        f"• `{esc(s.doc, 60)}` {esc(s.ref, 80)}: {esc(s.text, 200)}" for s in record.sources[:3]
    )
    blocks = [
        _section(f"🧑‍🔬 *Expert help needed* (asked by <@{requested_by}>)\n{_author(record)}"),
        _section(f">{esc(mention.text, 2000)}".replace("\n", "\n>")),
        _context(
            _badges(record), f"Escalation: {esc(t.escalate_reason or 'asked by a reviewer', 300)}"
        ),
        _section(f"*Current draft:* {esc(record.draft.text if record.draft else '(none)', 600)}"),
    ]
    if sources:
        blocks.append(_context("*Knowledge base passages*\n" + sources))
    link = f" <{review_link}|Open the review card>." if review_link else ""
    blocks.append(
        _section(
            "*Reply in this thread* with the answer: it becomes the card's new draft, "
            f"which a reviewer approves before anything is posted.{link}"
        )
    )
    return {
        "text": f"Expert help needed: mention from {who(mention)}",
        "blocks": blocks,
    }


def expert_received(record: MentionRecord, draft_id: int, problem: str | None) -> Block:
    """The bot's thread reply after an expert answered: the new draft and "save to KB"."""
    note = f"\n⚠️ {esc(problem, 300)}" if problem else ""
    return {
        "text": "Thanks, the answer is now the draft on the review card.",
        "blocks": [
            _section(
                f"✅ Thanks! This is now the draft on the review card, awaiting approval.{note}"
            ),
            {
                "type": "actions",
                "block_id": "expert",
                "elements": [
                    _button(
                        "Save answer to knowledge base",
                        ids.SAVE_TO_KB,
                        ids.Ref(record.row_id, draft_id),
                    )
                ],
            },
        ],
    }


def refusal(text: str) -> str:
    return f"🙅 {text}"


def save_refused(users: Iterable[str], groups: Iterable[str], role: str) -> str:
    """Tell someone who may not save to the knowledge base who may (`role`: who they are)."""
    names = [f"<@{u}>" for u in sorted(users)] + [
        f"members of <!subteam^{g}>" for g in sorted(groups)
    ]
    if not names:
        return f"Only {role} can save answers to the knowledge base."
    shown = names[:10] + ([f"{len(names) - 10} more"] if len(names) > 10 else [])
    who = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    return f"Only {role} can save answers to the knowledge base: {who}."


def pending_blocks(
    records: Sequence[MentionRecord], now: datetime, links: dict[int, str]
) -> list[Block]:
    """The oldest mentions awaiting a decision, with links to their cards."""
    if not records:
        return [_section("Nothing is waiting for approval. 🎉")]
    oldest = sorted(records, key=lambda r: r.mention.created_at or r.received_at)[:20]
    lines = []
    for record in oldest:
        link = links.get(record.row_id)
        label = f"<{link}|open>" if link else "no card yet"
        waited = age(record.mention.created_at or record.received_at, now)
        lines.append(
            f"• {_PRIORITY_BADGE[record.triage.priority]} {who(record.mention)}: "
            f"{esc(record.mention.text, 90)} · ⏱ {waited} · {label}"
        )
    return [
        _section(f"*{len(records)} awaiting approval* (oldest first)"),
        _section("\n".join(lines)),
    ]
