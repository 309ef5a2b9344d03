"""Who may decide: approvers (`SLACK_APPROVERS`) approve, edit and reject; knowledge editors
(`SLACK_KB_EDITORS`, empty = the approvers) save an expert's answer to the knowledge base.

Both lists hold user ids and user-group ids; a group's members are fetched from Slack and
cached. This module is the one owner of both rules: the Slack middleware asks it, and no
listener keeps its own copy.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Members:
    """Slack users named directly (`U…`) or through user groups (`S…`), and what they are."""

    role: str  # "approvers", "knowledge editors": how a refusal names them
    users: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not self.users and not self.groups


class Approvers:
    """Answers "may this user decide?" and "may this user save to the knowledge base?"."""

    def __init__(
        self,
        users: set[str],
        groups: set[str],
        client: WebClient,
        ttl: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        kb_editors: tuple[set[str], set[str]] | None = None,
    ) -> None:
        self.approvers = Members("approvers", frozenset(users), frozenset(groups))
        editor_users, editor_groups = kb_editors or (set(), set())
        self.kb_editors = Members(
            "knowledge editors", frozenset(editor_users), frozenset(editor_groups)
        )
        self.client = client
        self.ttl = ttl
        self.clock = clock
        self._members: dict[str, tuple[float, set[str]]] = {}
        self._lock = threading.Lock()
        if self.approvers.empty:
            also = " and save to the knowledge base" if self.kb_editors.empty else ""
            log.warning(
                "SLACK_APPROVERS is empty: every member of the review channel may approve%s", also
            )

    @property
    def kb_savers(self) -> Members:
        """Who may save to the knowledge base: the knowledge editors, else the approvers."""
        return self.approvers if self.kb_editors.empty else self.kb_editors

    def allowed(self, user_id: str) -> bool:
        """Return whether the user may approve, edit and reject replies."""
        return self._is_member(user_id, self.approvers)

    def may_save_to_kb(self, user_id: str) -> bool:
        """Return whether the user may save an expert's answer to the knowledge base."""
        return self._is_member(user_id, self.kb_savers)

    def _is_member(self, user_id: str, members: Members) -> bool:
        if members.empty:
            return True
        if user_id in members.users:
            return True
        return any(user_id in self._group(group) for group in sorted(members.groups))

    def _group(self, group: str) -> set[str]:
        with self._lock:
            cached = self._members.get(group)
            if cached and self.clock() - cached[0] < self.ttl:
                return cached[1]
        try:
            members = set(self.client.usergroups_users_list(usergroup=group).get("users") or [])
        except SlackApiError as exc:
            # Fail closed: an unreadable group grants nothing.
            log.warning("cannot read user group %s: %s", group, exc.response.get("error"))
            return cached[1] if cached else set()
        with self._lock:
            self._members[group] = (self.clock(), members)
        return members
