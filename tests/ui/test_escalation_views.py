"""The signals strip and the queue view render scripted escalation values (no helpdesk, no engine)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QPoint, Qt

from assist.escalation.model import (
    Alert,
    Frustration,
    Reason,
    RepeatContact,
    SlaClock,
    TicketSignals,
    TrendPoint,
)
from assist.escalation.queue import QueueRefresh, QueueRow
from tests.helpers.escalation_fakes import NOW, ticket
from ui.queue_view import QueueView
from ui.sidebar.signals import SignalsStrip, sla_text, waiting_text


def frustrated(tid: str = "1003") -> TicketSignals:
    t0 = NOW - timedelta(hours=5)
    trend = (
        TrendPoint(f"{tid}-1", t0, 0.12),
        TrendPoint(f"{tid}-3", t0 + timedelta(hours=2), 0.41),
        TrendPoint(f"{tid}-5", t0 + timedelta(hours=3), 0.83),
    )
    mood = Frustration(
        0.83,
        (
            Reason("asked_for_manager", "asked for a manager", 0.5, f"{tid}-5"),
            Reason("repeated_message", "third message without a reply", 0.3, f"{tid}-5"),
            Reason("all_caps", "all caps", 0.1, f"{tid}-5"),
        ),
        trend,
    )
    return TicketSignals(
        ticket_id=tid,
        subject="Bulbs flickering - STILL not fixed",
        frustration=mood,
        waiting_minutes=125.0,
        sla=SlaClock("next reply", NOW + timedelta(minutes=30), 30.0, 0.85, False),
        repeat_contacts=(
            RepeatContact("998", "Bulbs flicker when dimmed", "solved", NOW - timedelta(days=3), True, 0.8),
            RepeatContact("990", "Invoice copy", "closed", NOW - timedelta(days=5), False, 0.1),
        ),
        alerts=(
            Alert("frustration", tid, "customer is frustrated: asked for a manager", "critical"),
            Alert("waiting", tid, "waiting 2 h 5 min for a reply", "warning"),
        ),
        risk=0.83,
        risk_reasons=("customer is frustrated: asked for a manager", "waiting 2 h 5 min for a reply"),
        computed_at=NOW,
    )


def calm(tid: str, risk: float) -> TicketSignals:
    return TicketSignals(tid, f"Ticket {tid}", Frustration(0.05), None, None, risk=risk, computed_at=NOW)


@pytest.fixture
def strip(qtbot) -> SignalsStrip:
    w = SignalsStrip()
    qtbot.add_widget(w)
    w.resize(400, 300)
    w.show()
    return w


def test_strip_shows_level_reasons_clocks_contacts_alerts_and_trend(strip):
    strip.on_computing("1003")
    assert "Reading" in strip.mood.text() and not strip.trend.points
    strip.on_signals(frustrated())

    assert strip.risk.text() == "High risk 0.83"
    assert strip.mood.text() == "Mood: frustrated 0.83"
    for words in ("asked for a manager", "third message without a reply", "all caps"):
        assert words in strip.reasons.text()
    assert strip.waiting.text() == "Waiting 2 h 5 min for a reply"
    assert strip.sla.text() == "SLA next reply: 30 min left · 85% used"
    assert strip.sla.property("level") == "warning"
    assert "#998" in strip.contacts.text() and "same problem" in strip.contacts.text()
    assert "#990" in strip.contacts.text()
    assert [label.text()[0] for label in strip.alert_labels] == ["‼", "⚠"]
    assert "asked for a manager" in strip.alert_labels[0].text()
    assert not strip.snooze_button.isHidden()
    assert strip.snooze_button.text() == "Snooze alerts for this ticket (60 min)"

    # One dot per customer message, each with its time and score.
    assert len(strip.trend.points) == 3
    assert not strip.trend.isHidden()
    assert strip.trend.sizeHint().width() > 2 * strip.trend.STEP
    third = strip.trend.index_at(QPoint(2 * strip.trend.STEP + 3, 5))
    assert third == 2
    tip = strip.trend.tooltip_for(third)
    assert "Customer message 3" in tip and "20 Nov 07:00 UTC" in tip and "0.83 (high)" in tip


def test_strip_actions_emit_the_ticket_and_its_firing_rules(strip, qtbot):
    strip.on_signals(frustrated())
    with qtbot.wait_signal(strip.snooze_requested, timeout=2000) as snooze:
        qtbot.mouseClick(strip.snooze_button, Qt.MouseButton.LeftButton)
    assert snooze.args == ["1003", ("frustration", "waiting")]
    with qtbot.wait_signal(strip.handoff_requested, timeout=2000) as handoff:
        qtbot.mouseClick(strip.handoff_button, Qt.MouseButton.LeftButton)
    assert handoff.args == ["1003"]
    with qtbot.wait_signal(strip.ticket_requested, timeout=2000) as other:
        strip.contacts.linkActivated.emit("ticket:998")
    assert other.args == ["998"]

    strip.on_snoozed("1003", NOW + timedelta(minutes=60))
    assert not strip.snooze_button.isEnabled() and "Snoozed until" in strip.snooze_note.text()


def test_strip_calm_ticket_and_switches(strip):
    strip.on_signals(frustrated())
    strip.on_signals(calm("1004", 0.1))
    assert strip.risk.text() == "Calm 0.10"
    assert strip.reasons.text() == "No signs of frustration in the wording."
    assert strip.waiting.text().startswith("Not waiting on you")
    assert strip.sla.isHidden() and strip.contacts.isHidden()
    assert strip.alert_labels == [] and strip.snooze_button.isHidden()
    assert strip.trend.isHidden()
    # A fresher copy of the same ticket keeps the last signals on screen; another ticket clears.
    strip.on_computing("1004")
    assert strip.risk.text() == "Calm 0.10"
    strip.on_computing("1005")
    assert strip.signals is None and strip.risk.isHidden()
    strip.on_failed("1005", "ModuleNotFoundError: frustration")
    assert "Signals unavailable" in strip.mood.text()


def test_sla_and_waiting_words():
    missed = SlaClock("resolution", NOW - timedelta(days=2), -2 * 24 * 60, 1.5, True)
    assert sla_text(missed) == ("SLA resolution: missed 2 days ago · 150% used", "error")
    assert sla_text(SlaClock("first reply", NOW, 200, 0.2, False)) == (
        "SLA first reply: 3 h 20 min left · 20% used",
        "",
    )
    assert sla_text(None) == ("", "")
    assert waiting_text(45) == "Waiting 45 min for a reply"


def row(tid: str, risk: float, *, stale: bool = False) -> QueueRow:
    signals = calm(tid, risk)
    if risk >= 0.6:
        signals = TicketSignals(
            tid,
            f"Ticket {tid}",
            Frustration(risk),
            100.0,
            None,
            alerts=(Alert("waiting", tid, "waiting 1 h 40 min for a reply"),),
            risk=risk,
            risk_reasons=("waiting 1 h 40 min for a reply",),
        )
    return QueueRow(ticket(tid), signals, stale)


@pytest.fixture
def queue(qtbot) -> QueueView:
    view = QueueView()
    qtbot.add_widget(view)
    view.resize(400, 700)
    view.show()
    return view


def test_queue_orders_by_risk_marks_stale_and_opens_on_click(queue, qtbot):
    refresh = QueueRefresh(rows=(row("11", 0.2), row("12", 0.9, stale=True), row("13", 0.5)), at=NOW)
    queue.on_refreshed(refresh)
    assert queue.ticket_ids() == ["12", "13", "11"]
    assert [r.stale.isHidden() for r in queue.rows] == [False, True, True]
    assert queue.rows[0].reasons.text() == "waiting 1 h 40 min for a reply"
    assert queue.rows[2].reasons.text() == "nothing stands out"
    assert queue.banner.isHidden()
    assert queue.summary.text().startswith("3 open tickets by risk")

    with qtbot.wait_signal(queue.ticket_requested, timeout=2000) as clicked:
        qtbot.mouseClick(queue.rows[1], Qt.MouseButton.LeftButton)
    assert clicked.args == ["13"]
    queue.rows[0].setFocus()
    with qtbot.wait_signal(queue.ticket_requested, timeout=2000) as entered:
        qtbot.keyClick(queue.rows[0], Qt.Key.Key_Return)
    assert entered.args == ["12"]


def test_queue_problem_banner_keeps_the_last_known_rows(queue):
    queue.on_refreshed(QueueRefresh(rows=(row("11", 0.2), row("12", 0.9)), at=NOW))
    problem = "Rate limited by the helpdesk; showing the last known queue until 09:01:00 UTC."
    queue.on_refreshed(QueueRefresh(rows=(), problem=problem, at=NOW))
    assert not queue.banner.isHidden() and "last known queue" in queue.banner.text()
    assert queue.ticket_ids() == ["12", "11"]
    queue.on_refreshed(QueueRefresh(rows=(row("11", 0.2),), at=NOW))
    assert queue.banner.isHidden() and queue.ticket_ids() == ["11"]


class StubController:
    def __init__(self) -> None:
        self.pinned: list[str] = []
        self.ticket = None

    def pin(self, text: str) -> bool:
        self.pinned.append(text)
        return True


def test_window_queue_page_row_click_and_alert_banner_open_the_ticket(qtbot):
    from ui.sidebar.window import SidebarWindow

    window = SidebarWindow(None)
    qtbot.add_widget(window)
    stub = StubController()
    window.controller = stub  # type: ignore[assignment]
    window.banners.action_triggered.connect(window.on_banner_action)  # as connect_controller does
    window.show()
    qtbot.mouseClick(window.queue_button, Qt.MouseButton.LeftButton)
    assert window.pages.currentWidget() is window.queue
    window.queue.on_refreshed(QueueRefresh(rows=(row("21", 0.9), row("22", 0.3)), at=NOW))
    window.set_queue_alerts(1)
    assert window.queue_button.text() == "Queue ⚠1"

    qtbot.mouseClick(window.queue.rows[1], Qt.MouseButton.LeftButton)
    assert stub.pinned == ["22"]
    assert window.pages.currentWidget() is window.ticket_page
    assert not window.queue_button.isChecked()

    # Without a tray, an alert is a banner whose button opens its ticket.
    window.banners.on_banner_shown("alerts", "error", "#21: customer is frustrated", "open:21")
    banner = window.banners.banners["alerts"]
    assert banner.button.text() == "Open #21"
    qtbot.mouseClick(banner.button, Qt.MouseButton.LeftButton)
    assert stub.pinned == ["22", "21"] and "alerts" not in window.banners.banners
