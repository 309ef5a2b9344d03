"""Where cases meet the runner: context for drafting, placement after it, spike checks."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Protocol

from bot.cases.placer import CasePlacer
from bot.cases.spikes import SpikeWatch
from bot.domain import OPEN_STATUSES, Mention
from bot.store import Store

CONTEXT_POSTS = 5  # earlier posts of the conversation given to the drafter


class Shows(Protocol):
    """The Slack side (IncidentDesk): show incidents and refresh member cards."""

    def show(self, incident_ids: Iterable[int], members: Iterable[int] = ()) -> None: ...

    def post_pending(self) -> None: ...


class CaseFlow:
    def __init__(
        self,
        store: Store,
        placer: CasePlacer,
        desk: Shows | None = None,
        spikes: SpikeWatch | None = None,
    ) -> None:
        self.store = store
        self.placer = placer
        self.desk = desk
        self.spikes = spikes

    def with_context(self, row_id: int, mention: Mention) -> Mention:
        """The mention as the drafter should read it: a follow-up in an open conversation is
        drafted with the author's earlier posts before it, so the reply answers the thread."""
        earlier = self.placer.earlier_in_conversation(self.store.get(row_id))
        if not earlier or earlier[-1].status not in OPEN_STATUSES:
            return mention
        thread = "\n".join(post.mention.text for post in earlier[-CONTEXT_POSTS:])
        return dataclasses.replace(mention, text=f"{thread}\n{mention.text}")

    def after_drafting(self, row_ids: Sequence[int]) -> None:
        placed = self.placer.place(list(row_ids))
        if self.desk is not None:
            self.desk.show(placed.incidents, [*placed.grouped, *placed.conversations])
        if self.spikes is not None and row_ids:
            self.spikes.check(force=True)

    def tick(self) -> None:
        """Each runner round: the spike check (at most every half minute), late incident cards."""
        if self.spikes is not None:
            self.spikes.check()
        if self.desk is not None:
            self.desk.post_pending()
