"""The bot as a review channel sees it, for tests: a copy of the sample knowledge base, the Bolt
app served over HTTP on 127.0.0.1 and a Slack API stub, wired by the composition root."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import container
from bot.publishers import OutboxPublisher
from bot.review import ReplyPublisher
from bot.settings import Settings, load_settings
from bot.store import Store
from bot.web import create_wsgi
from bot.webhook import MentionWebhook
from tests.conftest import SAMPLE_KB
from tests.slack_http import WsgiServer

SIGNING_SECRET = "test-signing-secret"


def review_settings(tmp_path: Path, slack_url: str, approvers: str, **extra: Any) -> Settings:
    """Settings for a review and an expert channel, over a copy of the sample knowledge base."""
    kb = tmp_path / "kb"
    shutil.copytree(SAMPLE_KB, kb)
    return load_settings(
        knowledge_dir=kb,
        data_dir=tmp_path / "data",
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SIGNING_SECRET,
        slack_review_channel="CREVIEW",
        slack_expert_channel="CEXPERT",
        slack_approvers=approvers,
        slack_oncall_group="SONCALL",
        slack_api_url=slack_url,
        **extra,
    )


@dataclass
class Served:
    """The pieces a test drives: the engine, the store, the Slack parts and the HTTP server."""

    core: container.Core
    store: Store
    parts: container.SlackParts
    server: WsgiServer
    outbox: Path  # where approved replies are "posted"


def serve_review(
    settings: Settings,
    embedder: Any,
    publisher: ReplyPublisher | None = None,
    webhook_secret: str | None = None,
) -> Served:
    """Build the bot from `settings` and serve it; with `webhook_secret`, the webhook too."""
    core = container.build_core(settings, embedder=embedder)
    store = container.build_store(settings)
    outbox = settings.data_dir / "outbox.jsonl"
    parts = container.build_slack(
        core, store, socket_mode=False, publisher=publisher or OutboxPublisher(outbox)
    )
    hook = MentionWebhook(store, webhook_secret) if webhook_secret else None
    server = WsgiServer(create_wsgi(parts.app, hook))
    return Served(core, store, parts, server, outbox)
