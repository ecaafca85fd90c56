"""The queue watch: follows the agent's open tickets in the background and keeps their signals.

Each `refresh()`:
1. lists the tickets updated since the last listing (`SupportsQueueWatch.queue_updated_since`,
   a few seconds of overlap for clock skew); every `full_listing_minutes` it lists the whole queue
   instead, so tickets re-assigned away or solved elsewhere drop out;
2. re-reads the full conversation only of tickets that changed, newest first, while the helpdesk's
   rate budget allows (`RateBudget.allowance(budget_share)`); what does not fit waits for the next
   refresh and is shown as stale, never dropped;
3. reads each requester's recent tickets (repeat contacts) at most once per `history_minutes`;
4. recomputes every ticket's signals (no calls: waiting and SLA clocks move with time alone) and
   asks the ledger which alerts are new.

A 429 or an outage keeps the last good state: the refresh reports it, backs off until the
server's Retry-After (or `backoff_seconds`), and the queue view keeps showing what it had.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from assist.escalation.clocks import SOLVED
from assist.escalation.ledger import AlertLedger
from assist.escalation.model import Alert, TicketSignals
from assist.escalation.rules import EscalationRules
from assist.escalation.signals import FrustrationScorer, compute_signals
from assist.escalation.similarity import PairwiseSimilarity, char_ngram_similarities
from assist.helpdesk.base import HelpdeskProvider
from assist.tickets import Ticket
from common.errors import HelpdeskError, NotFoundError, RateLimitedError

log = logging.getLogger(__name__)
_OVERLAP = timedelta(seconds=120)


@dataclass(frozen=True, slots=True)
class QueueRow:
    ticket: Ticket
    signals: TicketSignals
    stale: bool = False
    """The ticket changed on the helpdesk but its conversation was not re-read yet (rate budget)."""


@dataclass(frozen=True, slots=True)
class QueueRefresh:
    rows: tuple[QueueRow, ...]
    """Highest risk first."""
    new_alerts: tuple[Alert, ...] = ()
    """Alerts to notify now (each ticket and rule once, see `AlertLedger`)."""
    calls: int = 0
    """Helpdesk API calls this refresh made."""
    deferred: tuple[str, ...] = ()
    """Changed tickets not re-read this time, for lack of rate budget."""
    problem: str = ""
    """What went wrong talking to the helpdesk, for a banner; "" when all went well."""
    retry_at: datetime | None = None
    """Don't call the helpdesk before this (a 429's Retry-After, or an outage's back-off)."""
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


def _requester_key(ticket: Ticket) -> str:
    return ticket.requester_id or ticket.requester_email.lower() or f"ticket:{ticket.id}"


class QueueWatch:
    def __init__(
        self,
        provider: HelpdeskProvider,
        rules: EscalationRules,
        *,
        ledger: AlertLedger | None = None,
        include_group_unassigned: bool = False,
        budget_share: float = 0.25,
        limit: int = 200,
        history_minutes: float = 30.0,
        full_listing_minutes: float = 30.0,
        backoff_seconds: float = 120.0,
        similarities: PairwiseSimilarity = char_ngram_similarities,
        frustration: FrustrationScorer | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.provider = provider
        self.rules = rules
        self.ledger = ledger or AlertLedger()
        self.include_group_unassigned = include_group_unassigned
        self.budget_share = budget_share
        self.limit = limit
        self.history_ttl = timedelta(minutes=history_minutes)
        self.full_listing_every = timedelta(minutes=full_listing_minutes)
        self.backoff = timedelta(seconds=backoff_seconds)
        self.similarities = similarities
        self.frustration = frustration
        self.clock = clock
        self._lock = threading.Lock()
        self._tickets: dict[str, Ticket] = {}
        self._listed: dict[str, Ticket] = {}  # the latest list entry, for "changed since read"
        self._history: dict[str, tuple[datetime, list[Ticket]]] = {}
        self._signals: dict[str, TicketSignals] = {}
        self._last_listing: datetime | None = None
        self._last_full_listing: datetime | None = None
        self._retry_at: datetime | None = None
        self._calls = 0

    # -- the helpdesk's budget --------------------------------------------------------------------

    def _budget(self) -> Any:
        get = getattr(self.provider, "rate_budget", None)
        return get() if callable(get) else None

    def _calls_made(self) -> int:
        budget = self._budget()
        return int(budget.calls_made) if budget is not None else self._calls

    def _allowance(self) -> int:
        budget = self._budget()
        return 10_000 if budget is None else int(budget.allowance(self.budget_share))

    # -- listing ---------------------------------------------------------------------------------

    def _list(self, now: datetime) -> tuple[list[Ticket], bool]:
        full = (
            self._last_listing is None
            or self._last_full_listing is None
            or now - self._last_full_listing >= self.full_listing_every
        )
        since = None if full else self._last_listing - _OVERLAP
        self._calls += 1
        if hasattr(self.provider, "queue_updated_since"):
            listed = self.provider.queue_updated_since(
                since, include_group_unassigned=self.include_group_unassigned, limit=self.limit
            )
        else:  # a provider without incremental listing: the whole queue, every time
            listed, full = self.provider.my_open_tickets(limit=self.limit), True
        self._last_listing = now
        if full:
            self._last_full_listing = now
        return listed, full

    def refresh(self) -> QueueRefresh:
        with self._lock:
            return self._refresh()

    def _refresh(self) -> QueueRefresh:
        now = self.clock()
        start_calls = self._calls_made()
        problem = ""
        deferred: list[str] = []
        if self._retry_at is not None and now < self._retry_at:
            problem = f"The helpdesk asked us to wait; next check at {self._retry_at:%H:%M:%S} UTC."
        else:
            self._retry_at = None
            try:
                deferred = self._sync(now)
            except RateLimitedError as exc:
                wait = timedelta(seconds=exc.retry_after) if exc.retry_after else self.backoff
                self._retry_at = now + wait
                problem = (
                    "Rate limited by the helpdesk; showing the last known queue until "
                    f"{self._retry_at:%H:%M:%S} UTC."
                )
                deferred = [tid for tid in self._listed if self._is_stale(tid)]
            except HelpdeskError as exc:
                self._retry_at = now + self.backoff
                problem = f"Could not refresh the queue: {exc}"
                deferred = [tid for tid in self._listed if self._is_stale(tid)]
        rows, alerts = self._evaluate(now)
        return QueueRefresh(
            rows=rows,
            new_alerts=tuple(alerts),
            calls=self._calls_made() - start_calls,
            deferred=tuple(deferred),
            problem=problem,
            retry_at=self._retry_at,
            at=now,
        )

    def _is_stale(self, tid: str) -> bool:
        have, listed = self._tickets.get(tid), self._listed.get(tid)
        if have is None or listed is None:
            return have is None
        return bool(listed.updated_at and have.updated_at and listed.updated_at > have.updated_at)

    def _sync(self, now: datetime) -> list[str]:
        listed, full = self._list(now)
        present = set()
        for item in listed:
            present.add(item.id)
            if item.status in SOLVED:
                self._drop(item.id)
                continue
            self._listed[item.id] = item
        if full:
            for tid in [t for t in self._listed if t not in present]:
                self._drop(tid)
        # Re-read what changed: tickets never read first, then the most recently updated.
        epoch = datetime.min.replace(tzinfo=UTC)
        todo = [tid for tid in self._listed if self._is_stale(tid)]
        todo.sort(key=lambda t: (t in self._tickets, -(self._listed[t].updated_at or epoch).timestamp()))
        deferred: list[str] = []
        for i, tid in enumerate(todo):
            if self._allowance() <= 0:  # what is left of the budget now, our calls included
                deferred = todo[i:]
                break
            self._read(tid)
        self._read_histories(now)
        return deferred

    def _read(self, tid: str) -> None:
        self._calls += 1
        try:
            ticket = self.provider.get_ticket(tid)
        except NotFoundError:
            self._drop(tid)
            return
        if ticket.status in SOLVED:
            self._drop(tid)
            return
        self._tickets[tid] = ticket

    def _read_histories(self, now: datetime) -> None:
        if not hasattr(self.provider, "requester_tickets"):
            return
        since = now - timedelta(days=self.rules.lookback_days)
        done: set[str] = set()
        for ticket in sorted(self._tickets.values(), key=lambda t: t.id):
            key = _requester_key(ticket)
            cached = self._history.get(key)
            if key in done or (cached and now - cached[0] < self.history_ttl):
                continue
            if self._allowance() <= 0:
                return
            self._calls += 1
            self._history[key] = (now, list(self.provider.requester_tickets(ticket, since)))
            done.add(key)

    def _drop(self, tid: str) -> None:
        for store in (self._tickets, self._listed, self._signals):
            store.pop(tid, None)
        self.ledger.forget_ticket(tid)

    # -- signals ---------------------------------------------------------------------------------

    def _evaluate(self, now: datetime) -> tuple[tuple[QueueRow, ...], list[Alert]]:
        rows: list[QueueRow] = []
        alerts: list[Alert] = []
        for tid, ticket in self._tickets.items():
            history = self._history.get(_requester_key(ticket), (now, []))[1]
            signals = compute_signals(
                ticket,
                self.rules,
                now,
                history=history,
                frustration=self.frustration,
                similarities=self.similarities,
            )
            self._signals[tid] = signals
            rows.append(QueueRow(ticket, signals, stale=self._is_stale(tid)))
            alerts.extend(self.ledger.to_notify(tid, signals.alerts, self.rules, now))
        rows.sort(key=lambda r: (-r.signals.risk, r.ticket.id))
        severity = {"critical": 0, "warning": 1, "info": 2}
        alerts.sort(key=lambda a: severity.get(a.severity, 3))
        return tuple(rows), alerts

    def signals_for(self, ticket_id: str) -> TicketSignals | None:
        return self._signals.get(ticket_id)

    def history_for(self, ticket: Ticket) -> list[Ticket]:
        cached = self._history.get(_requester_key(ticket))
        return cached[1] if cached else []
