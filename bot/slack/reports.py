"""Block Kit for reports: the `/mentions summary` message, `/mentions help` and the App Home."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from bot.slack.blocks import Block, esc
from bot.summary import MentionSummary

HELP = (
    "*/mentions* shows what the social team needs to know:\n"
    "• `/mentions summary [24h|7d|30d]`: volumes by intent, sentiment and priority, top topics, "
    "pending approvals, open escalations, time to first response, approval/edit/reject rates, "
    "top advocates and detractors\n"
    "• `/mentions pending`: the oldest mentions awaiting approval, with links\n"
    "• `/mentions incidents`: the open incidents (many people, one problem) with counts and links\n"
    "• `/mentions status`: each network's state (polling, or rate-limited until when) and "
    "the queue\n"
    "• `/mentions author <handle>`: someone's mentions and our replies, with links (the handle "
    "as their network writes it, e.g. `@ann`, `u/ann`, `bluesky:ana.bsky.social`)\n"
    "• `/mentions advocates [7d|30d|90d]`: the top 10 advocates and top 5 detractors, with "
    "score, reach, mentions and their latest post\n"
    "• `/mentions report [7d|30d]`: a chart of volume by sentiment, time to first response "
    "against the SLA, and volume by network and intent, posted in this channel with its "
    "key numbers\n"
    "• `/mentions help`: this message"
)


def _duration(delta: timedelta | None) -> str:
    if delta is None:
        return "no replies posted yet"
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def _counts(counter: Any, order: tuple[str, ...]) -> str:
    return " · ".join(f"{name} {counter.get(name, 0)}" for name in order)


def summary_blocks(summary: MentionSummary) -> list[Block]:
    s = summary
    people = lambda pairs: ", ".join(f"{esc(a, 60)} ({f:,})" for a, f in pairs) or "–"  # noqa: E731
    intents = ("question", "complaint", "praise", "abuse", "other", "spam", "injection")
    fields = [
        "*Intent*\n" + _counts(s.by_intent, intents),
        f"*Sentiment*\n{_counts(s.by_sentiment, ('positive', 'neutral', 'negative'))}",
        f"*Priority*\n{_counts(s.by_priority, ('urgent', 'high', 'normal', 'low'))}",
        "*Top topics*\n" + (", ".join(f"`{esc(d, 60)}` {n}" for d, n in s.topics) or "–"),
        f"*Pending approvals*\n{s.pending}",
        f"*Open escalations*\n{s.open_escalations}",
        f"*Median time to first response*\n{_duration(s.median_first_response)}",
        f"*Approved / edited / rejected*\n{s.rate(s.approved):.0%} / "
        f"{(s.edited / s.approved if s.approved else 0):.0%} / {s.rate(s.rejected):.0%}",
        f"*Top advocates*\n{people(s.advocates)}",
        f"*Top detractors*\n{people(s.detractors)}",
    ]
    spend = (
        f"LLM spend: ${s.llm_cost_usd:.4f} for {s.llm_drafts} drafts ({s.llm_tokens:,} tokens)"
        if s.llm_drafts
        else "LLM spend: none (offline drafter)"
    )
    by_network = " · ".join(f"{esc(n, 40)} {c}" for n, c in s.by_network.most_common())
    networks = f" · by network: {by_network}" if by_network else ""
    return [
        {"type": "header", "text": {"type": "plain_text", "text": f"Mentions, last {s.window}"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{s.total} mentions*{networks}"}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields[:10]]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": spend}]},
    ]


def home_view(summary: MentionSummary, people: Sequence[Block] = ()) -> Block:
    """The App Home: the summary, then `people` (advocates and detractors), then the help."""
    return {
        "type": "home",
        "blocks": [
            *summary_blocks(summary),
            *([{"type": "divider"}, *people] if people else []),
            {"type": "divider"},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": HELP}]},
        ],
    }
