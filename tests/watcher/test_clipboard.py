"""Copying a ticket URL switches the sidebar's ticket (real QClipboard, offscreen)."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtGui import QGuiApplication

from assist.tickets import Ticket, TicketRef
from assist.watcher import ActiveTicketTracker, HelpdeskSite
from ui.clipboard_watch import ClipboardWatcher

SITE = HelpdeskSite("zendesk", "https://acme.zendesk.com")


class Helpdesk:
    name = "zendesk"

    def get_ticket(self, tid):
        return Ticket(id=tid, subject="x", status="open", provider="zendesk")


@pytest.fixture
def watcher(qtbot):
    tracker = ActiveTicketTracker(Helpdesk(), SITE, hold_seconds=0)
    w = ClipboardWatcher(tracker, [SITE], hash_site=SITE)
    yield w, tracker
    w.stop()
    QGuiApplication.clipboard().clear()


def copy(qtbot, watcher, text):
    with qtbot.wait_signal(QGuiApplication.clipboard().dataChanged, timeout=2000):
        QGuiApplication.clipboard().setText(text)


def test_copying_a_ticket_url_switches(qtbot, watcher):
    w, tracker = watcher
    with qtbot.wait_signal(w.ticket_copied, timeout=2000) as sig:
        QGuiApplication.clipboard().setText("https://acme.zendesk.com/agent/tickets/321")
    assert sig.args == ["zendesk", "321"]
    assert tracker.state.ref == TicketRef("zendesk", "321", "https://acme.zendesk.com")
    assert tracker.state.source == "clipboard"


def test_hash_id_and_ordinary_text(qtbot, watcher):
    w, tracker = watcher
    copy(qtbot, w, "#555")
    assert tracker.state.ref.ticket_id == "555"
    with qtbot.assert_not_emitted(w.ticket_copied):
        copy(qtbot, w, "Dear customer, please restart the lamp.")
        copy(qtbot, w, "https://evil.com/agent/tickets/5?x=zendesk.com")
        copy(qtbot, w, "https://other.zendesk.com/agent/tickets/9")
    assert tracker.state.ref.ticket_id == "555"
