"""The escalation side of the sidebar: the open ticket's signals, snoozing, and alert delivery.

- `on_ticket_changed(ticket)` (and `on_ticket_updated`) computes the ticket's `TicketSignals` in a
  worker: one helpdesk call for the requester's recent tickets (repeat contacts), then the pure
  `compute_signals`. A ticket switch bumps a `Gate`, so a late result of the previous ticket is
  dropped.
- `snooze(ticket_id, rules)` writes the ledger in a worker (`AlertLedger.snooze` per rule).
- `on_alerts_raised(alerts)` (from the background queue watch) hands new alerts to the tray, one
  notification each; where there is no tray they become a banner. Nothing is shown when
  `[escalation] notify` is off (the queue view lists the alerts either way).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from common.errors import AssistError, HelpdeskError
from ui.qtcompat import emit
from ui.workers import Gate, WorkerPool

if TYPE_CHECKING:
    from assist.escalation.ledger import AlertLedger
    from assist.escalation.model import Alert, TicketSignals
    from assist.escalation.queue import QueueRefresh
    from assist.escalation.rules import EscalationRules
    from assist.escalation.signals import FrustrationScorer
    from assist.tickets import Ticket

log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def alert_banner(alerts: Sequence[Alert]) -> tuple[str, str, str]:
    """(level, text, action) of the banner that stands in for notifications without a tray."""
    first = alerts[0]
    more = f" (+{len(alerts) - 1} more, see the queue)" if len(alerts) > 1 else ""
    level = "error" if first.severity == "critical" else "warning"
    return level, f"#{first.ticket_id}: {first.text}{more}", f"open:{first.ticket_id}"


class EscalationController(QObject):
    """Signals of the open ticket and the alerts of the queue.

    Args:
        provider: the helpdesk (None when not configured).
        pool: the sidebar's worker threads.
        rules: the team's escalation rules.
        ledger: which alerts were notified or snoozed (shared with the queue watch).
        notify: `[escalation] notify`.
        frustration: the mood scorer (None = `assist.escalation.frustration`); tests script it.
        clock: "now" for the clocks and the ledger (tests pass a fake one).

    Signals:
        signals_computing(str): ticket id whose signals are being computed.
        signals_ready(object): the open ticket's `TicketSignals`.
        signals_failed(str, str): ticket id, why.
        snoozed(str, object): ticket id, until (datetime).
        banner_shown(str, str, str, str): key, level, text, action (alerts without a tray).
    """

    signals_computing = Signal(str)
    signals_ready = Signal(object)
    signals_failed = Signal(str, str)
    snoozed = Signal(str, object)
    banner_shown = Signal(str, str, str, str)

    def __init__(
        self,
        provider: Any,
        pool: WorkerPool,
        rules: EscalationRules,
        ledger: AlertLedger,
        *,
        notify: bool = True,
        frustration: FrustrationScorer | None = None,
        clock: Callable[[], datetime] = _utcnow,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.provider = provider
        self.pool = pool
        self.rules = rules
        self.ledger = ledger
        self.notify = notify
        self.frustration = frustration
        self.clock = clock
        self.tray: Any = None
        """Set by the app where the desktop has a tray: anything with `notify(alerts)`."""
        self.banner_suppressed: Callable[[], bool] = lambda: False
        """Without a tray: True while a banner would be redundant (the queue view is open)."""
        self._gate = Gate()
        self._ticket_id = ""
        self._signals: dict[str, TicketSignals] = {}
        self._history: dict[str, list[Ticket]] = {}
        self._firing: dict[str, tuple[str, ...]] = {}
        """Rules firing per ticket in the last queue refresh (what the tray's snooze silences)."""

    # -- the open ticket --------------------------------------------------------------------------

    def set_provider(self, provider: Any) -> None:
        self.provider = provider
        self._signals.clear()
        self._history.clear()

    def signals_for(self, ticket_id: str) -> TicketSignals | None:
        return self._signals.get(ticket_id)

    def history_for(self, ticket_id: str) -> list[Ticket]:
        return list(self._history.get(ticket_id, ()))

    def on_ticket_loading(self, ticket_id: str) -> None:
        self._gate.bump()
        self._ticket_id = ticket_id

    def on_ticket_changed(self, ticket: Ticket) -> None:
        self.compute(ticket)

    def on_ticket_updated(self, ticket: Ticket) -> None:
        self.compute(ticket)

    def compute(self, ticket: Ticket) -> None:
        """Compute `ticket`'s signals in a worker; `signals_ready` brings them back."""
        tag, cancel = self._gate.bump()
        self._ticket_id = ticket.id
        provider, rules, clock, frustration = self.provider, self.rules, self.clock, self.frustration

        def work(ev: threading.Event) -> tuple[TicketSignals, list[Ticket]]:
            from assist.escalation.signals import compute_signals

            now = clock()
            history: list[Ticket] = []
            if provider is not None and hasattr(provider, "requester_tickets"):
                since = now - timedelta(days=rules.lookback_days)
                try:
                    history = list(provider.requester_tickets(ticket, since))
                except HelpdeskError as exc:  # signals without repeat contacts beat no signals
                    log.info("requester history of #%s: %s", ticket.id, exc)
            if ev.is_set():
                raise _Cancelled()
            signals = compute_signals(ticket, rules, now, history=history, frustration=frustration)
            return signals, history

        emit(self.signals_computing, ticket.id)
        self.pool.submit(
            work,
            tag,
            cancel,
            name=f"signals {ticket.id}",
            returned=self.on_computed,
            errored=lambda t, exc, tid=ticket.id: self.on_compute_failed(t, exc, tid),
        )

    def on_computed(self, tag: int, value: tuple[TicketSignals, list[Ticket]]) -> None:
        if not self._gate.is_current(tag):
            return  # the agent moved on
        signals, history = value
        self._signals = {signals.ticket_id: signals}
        self._history = {signals.ticket_id: history}
        emit(self.signals_ready, signals)

    def on_compute_failed(self, tag: int, exc: BaseException, ticket_id: str) -> None:
        if not self._gate.is_current(tag) or isinstance(exc, _Cancelled):
            return
        log.warning("signals of #%s failed: %r", ticket_id, exc)
        why = str(exc) if isinstance(exc, AssistError) else f"{type(exc).__name__}: {exc}"
        emit(self.signals_failed, ticket_id, why)

    # -- snooze -----------------------------------------------------------------------------------

    def snooze(self, ticket_id: str, rules: Iterable[str]) -> None:
        """Silence `rules` of this ticket for `snooze_minutes` (the ledger file is written in a
        worker)."""
        names = tuple(dict.fromkeys(rules))
        if not names:
            return
        ledger, minutes, clock = self.ledger, self.rules.snooze_minutes, self.clock

        def work(_ev: threading.Event) -> datetime:
            now = clock()
            until = now
            for rule in names:
                until = ledger.snooze(ticket_id, rule, minutes, now=now)
            return until

        self.pool.submit(
            work,
            name=f"snooze {ticket_id}",
            returned=lambda _t, until, tid=ticket_id: emit(self.snoozed, tid, until),
        )

    def firing_rules(self, ticket_id: str) -> tuple[str, ...]:
        """The ticket's rules that fire now: from the last queue refresh, or the open ticket's."""
        names = list(self._firing.get(ticket_id, ()))
        signals = self._signals.get(ticket_id)
        if signals is not None:
            names += [a.rule for a in signals.alerts]
        return tuple(dict.fromkeys(names))

    def snooze_ticket(self, ticket_id: str) -> None:
        """The tray's "Snooze alerts for this ticket": every rule of it that fires."""
        self.snooze(ticket_id, self.firing_rules(ticket_id))

    # -- the queue's alerts -----------------------------------------------------------------------

    def on_queue_refreshed(self, refresh: QueueRefresh) -> None:
        """Remember which rules fire per ticket; the open ticket's row, when the watch has just
        re-read it, refreshes the strip at no cost (waiting and SLA clocks move with time)."""
        self._firing = {r.ticket.id: tuple(a.rule for a in r.signals.alerts) for r in refresh.rows}
        for alert in refresh.new_alerts:
            if alert.rule not in self._firing.get(alert.ticket_id, ()):
                self._firing[alert.ticket_id] = (*self._firing.get(alert.ticket_id, ()), alert.rule)
        row = next((r for r in refresh.rows if r.ticket.id == self._ticket_id), None)
        if row is not None and not row.stale and self._ticket_id in self._signals:
            self._signals[self._ticket_id] = row.signals
            emit(self.signals_ready, row.signals)

    def on_alerts_raised(self, alerts: Sequence[Alert]) -> None:
        """New alerts (the ledger already made them once per ticket and rule)."""
        alerts = tuple(alerts)
        if not alerts or not self.notify:
            return
        if self.tray is not None:
            self.tray.notify(alerts)
            return
        if self.banner_suppressed():
            return
        level, text, action = alert_banner(alerts)
        emit(self.banner_shown, "alerts", level, text, action)

    def shutdown(self) -> None:
        self._gate.cancel()


class _Cancelled(Exception):
    """The ticket changed while its signals were being computed."""
