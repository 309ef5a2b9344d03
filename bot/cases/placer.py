"""Putting each new mention into its conversation or its incident, once it is drafted.

The order is fixed: a follow-up in an open conversation joins it first (the same person saying
more is one case, whatever they say); otherwise a mention that reports a problem is compared with
the open incidents of the window, then with the window's other open reports, and an incident
opens once `min_authors` different people report the same problem (bot.cases.similarity).

Placement runs under the store's `cases` lock, so two workers placing at the same moment cannot
open two incidents for one problem. Only the open window is read: the cost of placing a mention
does not grow with the history.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.cases.similarity import Report, needs_own_review, report, reports_problem, same_problem
from bot.domain import OPEN_STATUSES
from bot.events import Events, NoEvents
from bot.store import MentionRecord, Store
from bot.store.cases import CaseStore, Incident

log = logging.getLogger(__name__)
SAMPLE_MEMBERS = 5  # a new report is compared with the incident's first few members


@dataclass
class Placed:
    """What placing a batch changed, for the runner to show in Slack."""

    conversations: list[int] = field(default_factory=list)  # rows now holding a joined card
    incidents: set[int] = field(default_factory=set)  # incidents opened or grown
    grouped: list[int] = field(default_factory=list)  # rows whose own card must say "grouped"


class CasePlacer:
    def __init__(
        self,
        store: Store,
        cases: CaseStore,
        window: timedelta = timedelta(minutes=60),
        min_authors: int = 3,
        stop_words: frozenset[str] = frozenset(),
        holder: str = "placer",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        events: Events | None = None,
    ) -> None:
        self.events: Events = events or NoEvents()
        self.store = store
        self.cases = cases
        self.window = window
        self.min_authors = min_authors
        self.stop_words = stop_words
        self.holder = holder
        self.clock = clock
        self._reports: dict[int, Report] = {}  # row id → its report, within this process
        self._open: list[tuple[Incident, list[Report]]] = []  # this batch's open incidents
        self._touched: set[int] = set()  # rows this batch already made members

    def earlier_in_conversation(self, record: MentionRecord) -> list[MentionRecord]:
        """The author's earlier posts in this conversation, oldest first (for the card and for
        drafting the reply with the thread as context)."""
        mention = record.mention
        if not mention.author or not (mention.thread_id or mention.reply_ref.get("in_reply_to_id")):
            return []  # no conversation key: nothing to look up
        thread = self.cases.resolve_thread(record)
        if not thread or not record.mention.author:
            return []
        ids = self.cases.conversation(record.mention.network, thread, record.mention.author)
        return [self.store.get(i) for i in ids if i < record.row_id]

    def place(self, row_ids: list[int]) -> Placed:
        placed = Placed()
        if not row_ids:
            return placed
        with self.cases.lock("cases", self.holder):
            records = self.store.get_many(row_ids)
            for record in records:  # the batch's own reports first: they meet in the window
                self._report(record)
            self.cases.set_topics({r.row_id: self._reports[r.row_id].topic for r in records})
            self._open = [
                (incident, self._samples(incident))
                for incident in self.cases.open_incidents(self.clock() - self.window)
            ]
            self._touched = set()
            for record in records:
                if record.row_id in self._touched:  # placed already, by an earlier one's incident
                    continue
                self._place(record, placed)
        return placed

    def _samples(self, incident: Incident) -> list[Report]:
        """The incident's signature and first members' reports: what a newcomer is compared to."""
        sample = self.cases.members(incident.id)[:SAMPLE_MEMBERS]
        found = [Report(incident.signature, incident.topic)]
        return found + [self._reports.get(m) or self._report(self.store.get(m)) for m in sample]

    def _place(self, record: MentionRecord, placed: Placed) -> None:
        earlier = self.earlier_in_conversation(record)
        last = earlier[-1] if earlier else None
        if (
            last is not None
            and last.status in OPEN_STATUSES
            and last.incident_id is None
            and self.cases.join_conversation(last.row_id, record.row_id)
        ):
            placed.conversations.append(record.row_id)
            return
        if record.status not in OPEN_STATUSES or not reports_problem(record.triage):
            return
        mine = self._report(record)
        since = self.clock() - self.window
        for incident, samples in self._open:
            if any(same_problem(mine, theirs) for theirs in samples):
                self._join(incident.id, record, placed)
                if len(samples) <= SAMPLE_MEMBERS:
                    samples.append(mine)
                return
        same = []
        for other in self.cases.window(since, exclude=record.row_id, until=self.clock()):
            if other.author == record.mention.author or not reports_problem(other.triage):
                continue
            theirs = self._reports.get(other.row_id) or self._remember(
                other.row_id,
                report(other.text, [other.topic] if other.topic else [], self.stop_words),
            )
            if same_problem(mine, theirs):
                same.append(other.row_id)
        authors = {record.mention.author or f"row{record.row_id}"}
        found = self.store.get_many(same)
        authors |= {r.mention.author or f"row{r.row_id}" for r in found}
        if len(authors) < self.min_authors:
            return
        members = sorted([record, *found], key=lambda r: r.row_id)
        lead = next((m for m in members if not needs_own_review(m.triage)), members[0])
        first = self._report(members[0])
        incident_id = self.cases.open_incident(first.words, first.topic, lead.row_id)
        log.info("incident %d opened: %d reports of %r", incident_id, len(members), first.words)
        for member in members:
            self._join(incident_id, member, placed)
            self._touched.add(member.row_id)
        incident = self.cases.incident(incident_id)
        self._open.append((incident, [first, *(self._report(m) for m in members[1:5])]))
        about = {"incident": {"id": incident_id, "mentions": len(members), "topic": first.topic}}
        self.events.emit("incident.opened", self.store.get(lead.row_id), extra=about)

    def _join(self, incident_id: int, record: MentionRecord, placed: Placed) -> None:
        grouped = not needs_own_review(record.triage)
        if self.cases.add_member(incident_id, record.row_id, grouped):
            placed.incidents.add(incident_id)
            if grouped:
                placed.grouped.append(record.row_id)

    def _report(self, record: MentionRecord) -> Report:
        found = self._reports.get(record.row_id)
        if found is None:
            docs = [s.doc for s in record.sources]
            found = report(record.mention.text, docs, self.stop_words, record.triage.language)
            self._remember(record.row_id, found)
        return found

    def _remember(self, row_id: int, found: Report) -> Report:
        if len(self._reports) > 20_000:  # only the window matters; forget the rest
            self._reports.clear()
        self._reports[row_id] = found
        return found
