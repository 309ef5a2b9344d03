"""Block Kit builders, tested without Slack: one test per card state, plus Slack's limits."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from bot.domain import Flag, Intent, Mention, Priority, Source, SourceKind, Status, Triage
from bot.slack import blocks, ids
from bot.store import DraftVersion, MentionRecord

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SOURCE = Source(
    "returns", SourceKind.POLICY, "Return period", "You can return within 30 days.", 0.8
)


def record(status: Status = Status.DRAFTED, **changes) -> MentionRecord:
    base = MentionRecord(
        row_id=7,
        mention=Mention(
            id="1860",
            text="<!channel> how long can I return it? <@U123> & <https://evil.example|click>",
            network="x",
            author="ann",
            followers=12_345,
            created_at=NOW - timedelta(hours=2, minutes=5),
            url="https://x.com/ann/status/1860",
        ),
        status=status,
        triage=Triage(
            Intent.QUESTION,
            0.1,
            Priority.URGENT,
            True,
            "possible safety incident (smoke)",
            frozenset({Flag.SAFETY, Flag.PII}),
        ),
        received_at=NOW - timedelta(hours=2),
        draft=DraftVersion(
            1, "@ann You can return within 30 days.", "offline", None, None, (SOURCE,)
        ),
        **dict.fromkeys(
            [
                "expert_channel",
                "expert_ts",
                "escalated_by",
                "approved_by",
                "approved_at",
                "final_text",
                "posted_url",
                "posted_at",
                "post_error",
                "rejected_by",
                "rejected_reason",
            ]
        ),
        card_channel="C1",
        card_ts="1.1",
    )
    return replace(base, **changes)


def action_ids(message: dict) -> list[str]:
    return [
        e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]


def check_limits(message: dict) -> None:
    assert len(message["blocks"]) <= 50
    for block in message["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        for element in block.get("elements", []):
            assert len(element.get("value", "")) <= 2000
            assert len(element.get("action_id", "")) <= 255


def test_drafted_card_has_every_decision_and_escapes_the_stranger() -> None:
    message = blocks.card(record(), NOW, oncall="SONCALL")
    check_limits(message)
    blob = json.dumps(message)
    assert action_ids(message) == ["approve", "edit", "regenerate", "escalate", "reject"]
    assert "<!channel>" not in blob and "<@U123>" not in blob and "<https://evil" not in blob
    assert "&lt;!channel&gt;" in blob
    assert "12,345 followers" in blob and "https://x.com/ann/status/1860|view post" in blob
    assert "URGENT" in blob and "safety" in blob and "possible safety incident" in blob
    assert "<!subteam^SONCALL>" in blob
    assert "{ago}" in blob and "2h 5m ago" in blob  # SLA clock with a readable fallback
    assert "`returns` Return period" in blob


def test_posted_card_shows_who_when_and_the_link_and_has_no_buttons() -> None:
    posted = record(
        Status.POSTED,
        approved_by="U9",
        final_text="@ann Edited.",
        posted_at=NOW,
        posted_url="https://x.com/brand/status/99",
    )
    message = blocks.card(posted, NOW)
    blob = json.dumps(message)
    assert action_ids(message) == []
    assert (
        "Posted" in blob and "<@U9>" in blob and "https://x.com/brand/status/99|view reply" in blob
    )
    assert "@ann Edited." in blob


def test_failed_post_card_offers_retry() -> None:
    message = blocks.card(record(Status.POST_FAILED, post_error="X answered 503"), NOW)
    assert action_ids(message) == ["retry_post", "edit", "reject"]
    assert "X answered 503" in json.dumps(message)


def test_rejected_and_escalated_cards() -> None:
    rejected = blocks.card(record(Status.REJECTED, rejected_by="U2", rejected_reason="<b>"), NOW)
    assert action_ids(rejected) == [] and "&lt;b&gt;" in json.dumps(rejected)
    escalated = blocks.card(
        record(Status.ESCALATED, escalated_by="U3", expert_channel="CEXP", expert_ts="2.2"), NOW
    )
    assert "escalate" not in action_ids(escalated) and "<#CEXP>" in json.dumps(escalated)


def test_a_held_card_offers_writing_a_reply_or_dismissal_but_no_approval() -> None:
    message = blocks.card(record(Status.NO_REPLY, draft=None), NOW)
    assert action_ids(message) == ["edit", "reject"]
    assert "No reply" in json.dumps(message)


def test_a_draft_with_a_link_is_flagged() -> None:
    draft = DraftVersion(1, "@ann See https://brand.example/returns", "llm", None, None, ())
    assert "contains a link" in json.dumps(blocks.card(record(draft=draft), NOW))


def test_huge_mentions_stay_inside_slack_limits() -> None:
    long = replace(record().mention, text="word " * 5000)
    check_limits(blocks.card(record(mention=long), NOW))


def test_edit_modal_is_prefilled_and_capped() -> None:
    view = blocks.edit_modal(record())
    element = view["blocks"][1]["element"]
    assert element["initial_value"] == "@ann You can return within 30 days."
    assert element["max_length"] == 280
    assert ids.Ref.load(view["private_metadata"]) == ids.Ref(7)
    assert len(view["title"]["text"]) <= 24


@pytest.mark.parametrize("raw", [None, "", "x", '{"m": "7"}', '{"d": 1}', "[1]"])
def test_foreign_button_values_are_refused(raw) -> None:
    with pytest.raises(ids.BadValue):
        ids.Ref.load(raw)


def test_manifest_declares_what_the_app_uses() -> None:
    manifest = yaml.safe_load((Path(__file__).parent.parent / "slack" / "manifest.yml").read_text())
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert {"app_home_opened", "message.channels"} <= set(
        manifest["settings"]["event_subscriptions"]["bot_events"]
    )
    assert manifest["features"]["slash_commands"][0]["command"] == "/mentions"
    assert {"commands", "chat:write", "channels:history", "usergroups:read"} <= set(
        manifest["oauth_config"]["scopes"]["bot"]
    )
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


def test_a_failure_is_shown_and_a_missing_draft_cannot_be_approved() -> None:
    message = blocks.card(record(draft=None, problem="drafting failed (TimeoutError)"), NOW)
    blob = json.dumps(message)
    assert "Something failed" in blob and "TimeoutError" in blob and "No draft yet" in blob
    assert action_ids(message) == ["edit", "regenerate", "escalate", "reject"]
    assert "initial_value" not in json.dumps(blocks.edit_modal(record(draft=None)))


def test_a_post_found_by_keyword_search_offers_open_on_x_instead_of_posting() -> None:
    mention = replace(record().mention, network="x_search")
    message = blocks.card(record(mention=mention), NOW)
    first = next(b for b in message["blocks"] if b["type"] == "actions")["elements"][0]
    assert first["action_id"] == ids.OPEN_ON_X and first["url"] == mention.url
    assert "approve" not in action_ids(message)
