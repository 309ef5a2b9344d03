"""Block Kit for the people and measurement commands: pure builders, no Slack client.

`/mentions author`, `/mentions advocates` (and the same lists on the App Home) and the text
that travels with the report chart. Stranger-written text (mentions, handles, URLs) is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.networks.rules import RULES, ReplyRules
from bot.people import AuthorScore, Rankings, ago
from bot.reporting import Report, key_numbers
from bot.slack.blocks import Block, esc
from bot.store.people import AuthorMention

MAX_LISTED = 15


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def _link(url: str | None, label: str) -> str:
    if not url or not url.startswith(("https://", "http://")):
        return label
    return f"<{esc(url, 500)}|{label}>"


def author_blocks(
    asked: str,
    total: int,
    mentions: Sequence[AuthorMention],
    now: datetime,
    rules: ReplyRules = RULES,
) -> list[Block]:
    """An author's latest mentions, each with the brand's reply when one was posted."""
    if not mentions:
        return [_section(f"No stored mentions by `{esc(asked, 100)}`.")]
    first = mentions[0]
    who = esc(rules.handle(first.network, first.author), 120)
    replies = sum(1 for m in mentions if m.reply_text)
    header = (
        f"*{who}*: {total} mention(s) stored; the latest {len(mentions)} below, "
        f"{replies} answered by us"
    )
    blocks = [_section(header)]
    for mention in mentions[:MAX_LISTED]:
        label = rules.for_network(mention.network).label
        post = _link(mention.url, f"post on {esc(label, 40)}")
        quoted = esc(" ".join(mention.text.split()), 200)  # one quoted line
        line = (
            f"• {ago(mention.posted, now)} ago · `{esc(mention.intent or 'untriaged', 20)}` · "
            f"{esc(str(mention.status), 20)} · {post}\n>{quoted}"
        )
        if mention.reply_text:
            reply = _link(mention.reply_url, "our reply")
            line += f"\n↳ {reply}: {esc(mention.reply_text, 200)}"
        blocks.append(_section(line))
    return blocks[:50]


def _people_lines(people: Sequence[AuthorScore], rules: ReplyRules) -> str:
    if not people:
        return "–"
    lines = []
    for i, person in enumerate(people, 1):
        rule = rules.for_network(person.network)
        who = esc(rules.handle(person.network, person.author), 120)
        latest = _link(person.latest_url, "latest post")
        lines.append(
            f"{i}. *{who}* ({esc(rule.label, 40)}) · score {person.score:+.1f} · "
            f"{person.reach:,} {rule.reach_unit} · {person.mentions} mention(s) · {latest}"
        )
    return "\n".join(lines)


def people_blocks(window: str, rankings: Rankings, rules: ReplyRules = RULES) -> list[Block]:
    """The top advocates, then the top detractors, of a window."""
    return [
        _section(
            f"*Top advocates, last {esc(window, 10)}*\n{_people_lines(rankings.advocates, rules)}"
        ),
        _section(
            f"*Top detractors, last {esc(window, 10)}*\n{_people_lines(rankings.detractors, rules)}"
        ),
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "Score: +1 per positive and −1 per negative mention, × (1 + log10(1 + "
                    "reach)), halved every 30 days. See the README.",
                }
            ],
        },
    ]


def report_comment(report: Report, brand: str = "") -> str:
    """The report's key numbers as the text that carries the chart."""
    lines = [esc(line, 500) for line in key_numbers(report)]
    title = f"*{esc(brand, 60) + ' — ' if brand else ''}Mentions report, last {report.window}*"
    return "\n".join([title, *(f"• {line}" for line in lines)])
