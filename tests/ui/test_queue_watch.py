"""The background queue watch and its alerts: the real `QueueWatch`, `AlertLedger` and rules over a
scripted helpdesk; refreshes run on a worker thread, one at a time; a 429 keeps the last known
queue; each alert notifies once, snooze silences it, and a click opens its ticket."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from PySide6.QtCore import QCoreApplication, Qt

from assist.escalation.ledger import AlertLedger
from assist.escalation.queue import QueueRefresh, QueueWatch
from tests.helpers.escalation_fakes import FakeClock, FakeQueueProvider, rules, scripted_mood, ticket
from ui.queue_view import QueueView
from ui.queue_watch import QueueWatcher
from ui.sidebar.escalation import EscalationController
from ui.workers import WorkerPool

WAIT = 15_000


_made: list[QueueWatcher] = []


def make_watcher(provider, clock, ledger=None, moods=None, poll_seconds=3600.0) -> QueueWatcher:
    watch = QueueWatch(
        provider,
        rules(),
        ledger=ledger or AlertLedger(None),
        frustration=scripted_mood(moods or {}),
        clock=clock,
    )
    watcher = QueueWatcher(watch, poll_seconds, clock=clock)
    _made.append(watcher)
    return watcher


@pytest.fixture(autouse=True)
def _watchers_outlive_their_events() -> Iterator[None]:
    """Stop every watcher, then deliver its queued signals while it (and its pool) still exist."""
    yield
    for watcher in _made:
        assert watcher.shutdown(WAIT)
    QCoreApplication.sendPostedEvents()
    _made.clear()


def refresh(qtbot, watcher: QueueWatcher) -> QueueRefresh:
    with qtbot.wait_signal(watcher.refreshed, timeout=WAIT) as got:
        assert watcher.refresh_now()
    qtbot.wait_until(lambda: not watcher.in_flight, timeout=WAIT)
    return got.args[0]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_refresh_runs_on_a_worker_thread_and_never_twice_at_once(qtbot, clock):
    provider = FakeQueueProvider({"1": ticket("1"), "2": ticket("2", waited_minutes=200)}, block=True)
    watcher = make_watcher(provider, clock)
    started: list[int] = []
    watcher.refresh_started.connect(lambda: started.append(1))
    with qtbot.wait_signal(watcher.refreshed, timeout=WAIT) as got:
        assert watcher.refresh_now()
        assert provider.entered.wait(10), "the listing never started"
        assert watcher.in_flight
        assert not watcher.refresh_now(), "a second refresh started while one was in flight"
        watcher.on_timer()  # the poll timer firing meanwhile does not start one either
        provider.release.set()
    assert watcher.shutdown(WAIT)  # waits for anything that might still have been queued
    assert provider.listings == 1 and len(started) == 1 and watcher.runs == 1
    gui = threading.get_ident()
    assert provider.threads and gui not in provider.threads, "the helpdesk was called on the GUI thread"
    rows = got.args[0].rows
    assert [r.ticket.id for r in rows] == ["2", "1"], "highest risk first"


def test_timer_schedules_the_next_refresh_after_the_last_one(qtbot, clock):
    provider = FakeQueueProvider({"1": ticket("1")})
    watcher = make_watcher(provider, clock, poll_seconds=120)
    with qtbot.wait_signal(watcher.refreshed, timeout=WAIT):
        watcher.start()
    qtbot.wait_until(lambda: not watcher.in_flight, timeout=WAIT)
    assert watcher._timer.isActive() and watcher._timer.interval() == 120_000
    watcher.stop()
    assert not watcher._timer.isActive()
    assert watcher.shutdown(WAIT)


def test_a_429_mid_refresh_shows_the_banner_and_keeps_the_rows(qtbot, clock):
    provider = FakeQueueProvider(
        {t: ticket(t, waited_minutes=m) for t, m in (("1", 5), ("2", 50), ("3", 100))}
    )
    watcher = make_watcher(provider, clock, poll_seconds=15)
    view = QueueView()
    qtbot.add_widget(view)
    watcher.refreshed.connect(view.on_refreshed)
    first = refresh(qtbot, watcher)
    assert len(first.rows) == 3 and not first.problem
    assert view.ticket_ids() == ["3", "2", "1"] and view.banner.isHidden()

    # Ticket 2 changes; re-reading it answers 429 (Retry-After 60 s).
    clock.advance(minutes=1)
    provider.touch("2", clock.now)
    provider.rate_limit_from = 2
    second = refresh(qtbot, watcher)
    assert "Rate limited" in second.problem
    assert not view.banner.isHidden() and "last known queue" in view.banner.text()
    assert view.ticket_ids() == ["3", "2", "1"], "the rows were lost"
    assert [r.stale.isHidden() for r in view.rows] == [True, False, True], "ticket 2 is out of date"
    # The next refresh waits for the server's Retry-After, not just poll_seconds.
    assert watcher.next_in_ms() >= 59_000
    assert watcher.shutdown(WAIT)


class SpyTray:
    """The tray's notify(), recording; used where a real Tray is not the subject."""

    def __init__(self) -> None:
        self.alerts: list = []

    def notify(self, alerts) -> int:
        self.alerts.extend(alerts)
        return len(alerts)


def test_one_tray_notification_per_alert_snooze_and_click(qtbot, clock, tmp_path):
    from ui.sidebar.window import SidebarWindow
    from ui.tray import Tray

    ledger = AlertLedger(tmp_path / "ledger.json")
    provider = FakeQueueProvider({"1": ticket("1", waited_minutes=120), "2": ticket("2", waited_minutes=5)})
    moods = {"1": 0.7}
    watcher = make_watcher(provider, clock, ledger=ledger, moods=moods)
    window = SidebarWindow(None)
    qtbot.add_widget(window)
    r = rules()
    tray = Tray(window, snooze_minutes=r.snooze_minutes)
    shown: list[tuple] = []
    tray.icon.showMessage = lambda *args: shown.append(args)  # the desktop's notification call
    pool = WorkerPool()
    esc = EscalationController(provider, pool, r, ledger, frustration=scripted_mood(moods), clock=clock)
    esc.tray = tray
    watcher.refreshed.connect(esc.on_queue_refreshed)
    watcher.alerts_raised.connect(esc.on_alerts_raised)
    tray.snooze_requested.connect(esc.snooze_ticket)

    refresh(qtbot, watcher)
    assert sorted(a.rule for a in tray.notified) == ["frustration", "waiting"]
    assert len(shown) == 2
    assert all(title == "#1 needs attention" for title, *_ in shown)
    assert {text for _title, text, *_ in shown} == {a.text for a in tray.notified}

    clock.advance(minutes=1)
    refresh(qtbot, watcher)
    assert len(shown) == 2, "an alert was notified twice"

    # Clicking the notification opens its ticket.
    with qtbot.wait_signal(tray.ticket_requested, timeout=WAIT) as opened:
        tray.icon.messageClicked.emit()
    assert opened.args == ["1"]

    # "Snooze alerts for #1 (30 min)" in the tray menu snoozes every rule of #1 that fires.
    assert tray.snooze_action.isEnabled() and tray.snooze_action.text() == "Snooze alerts for #1 (30 min)"
    with qtbot.wait_signal(esc.snoozed, timeout=WAIT) as snoozed:
        tray.snooze_action.trigger()
    until = snoozed.args[1]
    assert until == clock.now + timedelta(minutes=30)
    assert ledger.snoozed_until("1", "waiting") == until == ledger.snoozed_until("1", "frustration")
    assert AlertLedger(tmp_path / "ledger.json").snoozed_until("1", "waiting") == until, "not saved"

    clock.advance(minutes=20)
    refresh(qtbot, watcher)
    assert len(shown) == 2, "a snoozed alert was notified"
    clock.advance(minutes=15)  # the snooze is over: one reminder per rule, then quiet again
    refresh(qtbot, watcher)
    assert len(shown) == 4
    clock.advance(minutes=1)
    refresh(qtbot, watcher)
    assert len(shown) == 4
    assert watcher.shutdown(WAIT) and pool.shutdown(WAIT)


def test_many_alerts_at_once_are_one_summary_that_opens_the_queue(qtbot):
    from assist.escalation.model import Alert
    from ui.sidebar.window import SidebarWindow
    from ui.tray import MAX_SEPARATE, Tray

    window = SidebarWindow(None)
    qtbot.add_widget(window)
    tray = Tray(window)
    shown: list[tuple] = []
    tray.icon.showMessage = lambda *args: shown.append(args)
    alerts = [Alert("waiting", str(i), f"waiting {i} h for a reply") for i in range(1, 7)]
    alerts.append(Alert("frustration", "9", "customer is frustrated: asked for a manager", "critical"))
    assert tray.notify(alerts) == len(alerts) > MAX_SEPARATE
    assert len(shown) == 1
    title, text, *_ = shown[0]
    assert title == "7 tickets need attention"
    assert text.splitlines()[0] == "#9: customer is frustrated: asked for a manager"  # the worst first
    assert text.splitlines()[-1] == "… and 3 more in the queue view"
    assert len(tray.notified) == 7
    with qtbot.wait_signal(tray.queue_requested, timeout=WAIT):
        tray.icon.messageClicked.emit()
    # A later single alert is its own notification again, and a click opens its ticket.
    tray.notify([Alert("waiting", "12", "waiting 2 h for a reply")])
    assert len(shown) == 2 and shown[1][0] == "#12 needs attention"
    with qtbot.wait_signal(tray.ticket_requested, timeout=WAIT) as opened:
        tray.icon.messageClicked.emit()
    assert opened.args == ["12"]


def test_alerts_without_a_tray_are_a_banner_and_notify_off_is_quiet(qtbot, clock):
    provider = FakeQueueProvider({"1": ticket("1", waited_minutes=120)})
    pool = WorkerPool()
    esc = EscalationController(provider, pool, rules(), AlertLedger(None), clock=clock)
    watcher = make_watcher(provider, clock)
    watcher.alerts_raised.connect(esc.on_alerts_raised)
    banners: list[tuple] = []
    esc.banner_shown.connect(lambda *args: banners.append(args))
    refresh(qtbot, watcher)
    assert banners == [("alerts", "warning", "#1: waiting 2 h for a reply", "open:1")]

    quiet = EscalationController(provider, pool, rules(), AlertLedger(None), notify=False, clock=clock)
    spy = SpyTray()
    quiet.tray = spy
    quiet.banner_shown.connect(lambda *args: banners.append(args))
    quiet.on_alerts_raised(watcher.last.rows[0].signals.alerts)
    assert spy.alerts == [] and len(banners) == 1
    assert watcher.shutdown(WAIT) and pool.shutdown(WAIT)


def test_open_ticket_signals_are_computed_in_a_worker_and_late_results_dropped(qtbot, clock):
    from assist.tickets import Ticket

    provider = FakeQueueProvider({})
    asked: list[int] = []

    def requester_tickets(t: Ticket, since):
        asked.append(threading.get_ident())
        return [ticket("900", "Earlier problem", now=clock.now - timedelta(days=1))]

    provider.requester_tickets = requester_tickets  # type: ignore[attr-defined]
    pool = WorkerPool()
    esc = EscalationController(
        provider, pool, rules(), AlertLedger(None), frustration=scripted_mood({"5": 0.9}), clock=clock
    )
    ready: list = []
    esc.signals_ready.connect(ready.append)
    with qtbot.wait_signal(esc.signals_ready, timeout=WAIT):
        esc.on_ticket_changed(ticket("4", waited_minutes=30))
        esc.on_ticket_changed(ticket("5", waited_minutes=100))  # the agent moved on at once
    assert pool.shutdown(WAIT)
    assert [s.ticket_id for s in ready] == ["5"], "a late result of the previous ticket was shown"
    signals = ready[0]
    assert signals.frustration.score == 0.9 and len(signals.frustration.trend) == 1
    assert [c.ticket_id for c in signals.repeat_contacts] == ["900"]
    assert {a.rule for a in signals.alerts} == {"waiting", "frustration"}
    assert asked and threading.get_ident() not in asked
    assert esc.signals_for("5") is signals and [t.id for t in esc.history_for("5")] == ["900"]


def test_snooze_from_the_strip_writes_the_ledger_in_a_worker(qtbot, clock, tmp_path):
    from ui.sidebar.signals import SignalsStrip

    ledger = AlertLedger(tmp_path / "ledger.json")
    pool = WorkerPool()
    esc = EscalationController(
        None, pool, rules(), ledger, frustration=scripted_mood({"7": 0.9}), clock=clock
    )
    strip = SignalsStrip()
    qtbot.add_widget(strip)
    strip.snooze_minutes = rules().snooze_minutes
    esc.signals_ready.connect(strip.on_signals)
    esc.snoozed.connect(strip.on_snoozed)
    strip.snooze_requested.connect(esc.snooze)
    with qtbot.wait_signal(esc.signals_ready, timeout=WAIT):
        esc.on_ticket_changed(ticket("7", waited_minutes=95))
    assert strip.snooze_button.text() == "Snooze alerts for this ticket (30 min)"
    with qtbot.wait_signal(esc.snoozed, timeout=WAIT):
        qtbot.mouseClick(strip.snooze_button, Qt.MouseButton.LeftButton)
    assert ledger.snoozed_until("7", "waiting") == clock.now + timedelta(minutes=30)
    assert ledger.snoozed_until("7", "frustration") == clock.now + timedelta(minutes=30)
    assert not strip.snooze_button.isEnabled()
    assert pool.shutdown(WAIT)


def test_queue_refresh_updates_the_open_tickets_clocks(qtbot, clock):
    provider = FakeQueueProvider({"1": ticket("1", waited_minutes=30), "2": ticket("2")})
    pool = WorkerPool()
    esc = EscalationController(
        provider, pool, rules(), AlertLedger(None), frustration=scripted_mood({}), clock=clock
    )
    watcher = make_watcher(provider, clock)
    watcher.refreshed.connect(esc.on_queue_refreshed)
    with qtbot.wait_signal(esc.signals_ready, timeout=WAIT) as first:
        esc.on_ticket_changed(provider.tickets["1"])
    assert first.args[0].waiting_minutes == 30 and not first.args[0].alerts
    clock.advance(minutes=70)  # nothing changed on the helpdesk; the customer just waited longer
    with qtbot.wait_signal(esc.signals_ready, timeout=WAIT) as later:
        refresh(qtbot, watcher)
    assert later.args[0].ticket_id == "1" and later.args[0].waiting_minutes == 100
    assert [a.rule for a in later.args[0].alerts] == ["waiting"]
    assert esc.firing_rules("1") == ("waiting",) and esc.firing_rules("2") == ()
    assert pool.shutdown(WAIT)
