"""The background queue watch: `QueueWatch.refresh()` every `poll_seconds`, never on the GUI thread.

    watcher = QueueWatcher(QueueWatch(provider, rules, ledger=ledger), poll_seconds=120)
    watcher.refreshed.connect(queue_view.on_refreshed)      # rows, problem banner
    watcher.alerts_raised.connect(escalation.on_alerts_raised)  # tray notifications
    watcher.start()

One refresh at a time: the refresh runs on the watcher's own one-thread pool, a timer asks for the
next one only after the previous one finished, and "Refresh now" while one is in flight does
nothing. The next refresh waits `poll_seconds`, or until the helpdesk's `retry_at` (a 429's
Retry-After, an outage's back-off) when that is later. Its own pool also keeps a slow helpdesk from
occupying the threads the sidebar needs for the open ticket.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from ui.qtcompat import emit
from ui.workers import WorkerPool

if TYPE_CHECKING:
    from assist.escalation.queue import QueueRefresh, QueueWatch

log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class QueueWatcher(QObject):
    """Runs the queue watch in the background.

    Args:
        watch: the engine's `QueueWatch` (its calls stay within the helpdesk's rate budget).
        poll_seconds: `[escalation] poll_seconds`.
        clock: "now", to turn `retry_at` into a delay (the watch's own clock in tests).

    Signals:
        refresh_started(): a refresh began (the queue view shows "Refreshing…").
        refreshed(object): the `QueueRefresh` (rows by risk, problem, retry_at).
        alerts_raised(object): the refresh's new alerts (`tuple[Alert, ...]`), when there are any.
        failed(str): the refresh raised (a bug, not a helpdesk problem: those are in `problem`).
    """

    refresh_started = Signal()
    refreshed = Signal(object)
    alerts_raised = Signal(object)
    failed = Signal(str)

    def __init__(
        self,
        watch: QueueWatch,
        poll_seconds: float = 120.0,
        *,
        pool: WorkerPool | None = None,
        clock: Callable[[], datetime] = _utcnow,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.watch = watch
        self.poll_seconds = poll_seconds
        self.clock = clock
        # Not a Qt child: a watcher deleted with signals still queued must not take the pool's C++
        # side with it (Python owns the pool; it goes when the last reference does).
        self.pool = pool or WorkerPool(max_threads=1)
        self.last: QueueRefresh | None = None
        self.runs = 0
        self._in_flight = False
        self._running = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.on_timer)

    @property
    def in_flight(self) -> bool:
        return self._in_flight

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> None:
        """Refresh now, then every `poll_seconds`."""
        self._running = True
        self.refresh_now()

    def stop(self) -> None:
        self._running = False
        self._timer.stop()

    def next_in_ms(self) -> int:
        """Milliseconds until the next refresh is due (the timer's interval after a refresh)."""
        delay = self.poll_seconds
        retry_at = self.last.retry_at if self.last else None
        if retry_at is not None:
            delay = max(delay, (retry_at - self.clock()).total_seconds())
        return int(max(1.0, delay) * 1000)

    def on_timer(self) -> None:
        self.refresh_now()

    def refresh_now(self) -> bool:
        """Start a refresh unless one is in flight; False when it was not started."""
        if self._in_flight:
            return False
        self._timer.stop()
        self._in_flight = True
        watch = self.watch
        emit(self.refresh_started)
        self.pool.submit(
            lambda _ev: watch.refresh(),
            name="queue refresh",
            returned=self.on_returned,
            errored=self.on_errored,
            finished=self.on_finished,
        )
        return True

    def on_returned(self, _tag: int, refresh: QueueRefresh) -> None:
        self.last = refresh
        self.runs += 1
        emit(self.refreshed, refresh)
        if refresh.new_alerts:
            emit(self.alerts_raised, tuple(refresh.new_alerts))

    def on_errored(self, _tag: int, exc: BaseException) -> None:
        log.warning("queue refresh failed: %r", exc)
        emit(self.failed, f"The queue could not be refreshed: {type(exc).__name__}: {exc}")

    def on_finished(self, _tag: int) -> None:
        self._in_flight = False
        if self._running:
            self._timer.start(self.next_in_ms())

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        self.stop()
        return self.pool.shutdown(timeout_ms)
