"""The events port: the services say what happened; the CRM hand-off (bot/crm.py) listens.

`mention.escalated`, `reply.posted`, `mention.rejected`, `incident.opened`, `spike.alert`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bot.store import MentionRecord


class Events(Protocol):
    def emit(
        self,
        event: str,
        record: MentionRecord,
        actor: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None: ...


class NoEvents:
    """Nobody listens (no CRM configured)."""

    def emit(
        self,
        event: str,
        record: MentionRecord,
        actor: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        return None
