"""Who may approve, edit or reject: user ids and/or one user group (`SLACK_APPROVERS`)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


class Approvers:
    """Answers "may this user decide?"; user-group members are fetched and cached."""

    def __init__(
        self,
        users: set[str],
        groups: set[str],
        client: WebClient,
        ttl: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.users = users
        self.groups = groups
        self.client = client
        self.ttl = ttl
        self.clock = clock
        self._members: dict[str, tuple[float, set[str]]] = {}
        self._lock = threading.Lock()
        if not users and not groups:
            log.warning("SLACK_APPROVERS is empty: every member of the review channel may approve")

    def allowed(self, user_id: str) -> bool:
        if not self.users and not self.groups:
            return True
        if user_id in self.users:
            return True
        return any(user_id in self._group(group) for group in self.groups)

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
