"""The background runner of a Slack process: draft new mentions, post their cards, settle posts.

One loop, three steps, each safe to run in several processes at once: mentions are drafted once
(the store's NEW → DRAFTED move is a compare-and-set), cards are claimed before they are sent,
and a post left half-done by a crash is looked up before anything is retried.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from bot.cases.flow import CaseFlow
from bot.crm import CrmSender
from bot.pipeline import Pipeline
from bot.review import ReviewService
from bot.slack.cards import CardDesk
from bot.store import Store

log = logging.getLogger(__name__)


class Source(Protocol):
    """A mention source the runner polls (X today)."""

    def poll_if_due(self) -> int: ...


@dataclass
class RoundReport:
    fetched: int = 0
    drafted: int = 0
    carded: int = 0
    settled: int = 0


class Runner:
    """Polls the store; `run_once()` is one round, `start()` runs rounds in a daemon thread."""

    def __init__(
        self,
        pipeline: Pipeline,
        store: Store,
        desk: CardDesk | None,
        review: ReviewService,
        sources: Sequence[Source] = (),
        lease: timedelta = timedelta(minutes=2),
        batch: int = 50,
        cases: CaseFlow | None = None,
        crm: CrmSender | None = None,
    ) -> None:
        self.cases = cases
        self.crm = crm
        self.batch = batch
        self.sources = list(sources)
        self.lease = lease
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}"
        self.pipeline = pipeline
        self.store = store
        self.desk = desk
        self.review = review
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> RoundReport:
        report = RoundReport()
        for source in self.sources:
            try:
                report.fetched += source.poll_if_due()
            except Exception:  # a source failing must not stop drafting and carding
                log.exception("polling %s failed", type(source).__name__)
        pending = self.store.claim_new(self.worker_id, limit=self.batch, lease=self.lease)
        if pending:
            cases = self.cases
            mentions = [cases.with_context(r, m) if cases else m for r, m in pending]
            outcomes = self.pipeline.process_many(mentions)
            saved = []
            for (row_id, _), outcome in zip(pending, outcomes, strict=True):
                try:
                    self.store.save_outcome(row_id, outcome, actor=self.worker_id)
                    report.drafted += 1
                    saved.append(row_id)
                except LookupError:
                    pass  # another process drafted it first
            if cases is not None:
                cases.after_drafting(saved)  # conversations and incidents, before any card
        if self.cases is not None:
            self.cases.tick()
        report.carded = len(self.desk.post_new()) if self.desk is not None else 0
        report.settled = len(self.review.settle_unknown())
        if self.crm is not None:
            try:
                self.crm.deliver_due()
            except Exception:  # the CRM being away must not stop drafting and carding
                log.exception("CRM delivery failed")
        return report

    def start(self, interval: float = 0.1) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                try:
                    report = self.run_once()
                    if report.fetched or report.drafted or report.carded or report.settled:
                        log.info("runner: %s", report)
                except Exception:  # keep the loop alive; the next round retries
                    log.exception("runner round failed")
                self._stop.wait(interval)

        self._thread = threading.Thread(target=loop, name="runner", daemon=True)
        self._thread.start()

    def run_forever(self, interval: float = 0.5) -> None:
        """Run rounds in this thread until `stop()` (SIGTERM finishes the round in progress)."""
        while not self._stop.is_set():
            try:
                report = self.run_once()
                if report.fetched or report.drafted or report.carded or report.settled:
                    log.info("worker: %s", report)
            except Exception:
                log.exception("worker round failed")
            self._stop.wait(interval)

    def request_stop(self) -> None:
        """Ask the loop to end after the current round (safe from a signal handler)."""
        self._stop.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the current round and stop (for SIGTERM)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
