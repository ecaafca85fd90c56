"""Tray icon: show/hide the sidebar, the queue, escalation alerts, always on top, quit. Only where
the desktop has a tray.

Qt has no global (system-wide) shortcuts; the tray icon is the way back to a hidden sidebar, and
Ctrl+Shift+A toggles it while it has focus.

Alerts: `notify(alerts)` shows one desktop notification per alert (the alert ledger already makes
each ticket and rule notify once). Clicking the notification opens its ticket in the sidebar; the
menu's "Snooze alerts for #N" silences the last notified ticket for the rules' snooze time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from ui.qtcompat import emit
from ui.sidebar.window import SidebarWindow

if TYPE_CHECKING:
    from assist.escalation.model import Alert

_SEVERITY_ICONS = {
    "info": QSystemTrayIcon.MessageIcon.Information,
    "warning": QSystemTrayIcon.MessageIcon.Warning,
    "critical": QSystemTrayIcon.MessageIcon.Critical,
}
MESSAGE_MS = 10_000
MAX_SEPARATE = 3
"""More new alerts than this at once (the first refresh of a busy queue) become one summary
notification that opens the queue view: thirty pop-ups in a row would train the agent to ignore
them. Each alert still counts as notified (the ledger never repeats it)."""


def app_icon(size: int = 64) -> QIcon:
    """Drawn, not loaded: no asset file to ship or lose in a PyInstaller build."""
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(QColor("#2f6fd6"))
    p.setPen(Qt.PenStyle.NoPen)
    p.drawRoundedRect(0, 0, size, size, size * 0.22, size * 0.22)
    p.setPen(QColor("#ffffff"))
    font = QFont()
    font.setBold(True)
    font.setPixelSize(int(size * 0.62))
    p.setFont(font)
    p.drawText(pix.rect(), Qt.AlignmentFlag.AlignCenter, "A")
    p.end()
    return QIcon(pix)


class Tray(QObject):
    """Args:
        window: the sidebar (Show / hide, Always on top).
        snooze_minutes: the rules' `[alerts] snooze_minutes`, for the menu's wording.

    Signals:
        quit_requested(): Quit chosen from the tray menu.
        ticket_requested(str): open this ticket (a notification was clicked).
        queue_requested(): "My queue" chosen.
        snooze_requested(str): snooze the alerts of this ticket (the last notified one).
    """

    quit_requested = Signal()
    ticket_requested = Signal(str)
    queue_requested = Signal()
    snooze_requested = Signal(str)

    def __init__(
        self, window: SidebarWindow, parent: QObject | None = None, *, snooze_minutes: float = 60.0
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.snooze_minutes = snooze_minutes
        self.last_alert: Alert | None = None
        self.summary_shown = False
        self.notified: list[Alert] = []
        """Every alert shown this session, oldest first."""
        self.icon = QSystemTrayIcon(app_icon(), self)
        self.icon.setToolTip("Agent Assist")
        menu = QMenu()
        menu.addAction("Show / hide", window.toggle_visible)
        menu.addAction("My queue by risk", lambda: emit(self.queue_requested))
        self.snooze_action = menu.addAction("Snooze alerts", self.on_snooze_triggered)
        self.snooze_action.setEnabled(False)
        menu.addAction(window.on_top_action)
        menu.addSeparator()
        menu.addAction("Quit", lambda: emit(self.quit_requested))
        self._menu = menu  # QSystemTrayIcon does not take ownership of the menu
        self.icon.setContextMenu(menu)
        self.icon.activated.connect(self.on_activated)
        self.icon.messageClicked.connect(self.on_message_clicked)

    @staticmethod
    def available() -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    def show(self) -> None:
        self.icon.show()

    def on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.window.toggle_visible()

    # -- alerts -----------------------------------------------------------------------------------

    def notify(self, alerts: Sequence[Alert]) -> int:
        """One notification per alert, the most severe last (it stays on screen longest), or one
        summary when there are more than `MAX_SEPARATE`; returns how many alerts were notified."""
        order = {"info": 0, "warning": 1, "critical": 2}
        shown = sorted(alerts, key=lambda a: order.get(a.severity, 1))
        if len(shown) > MAX_SEPARATE:
            return self._notify_summary(shown)
        self.summary_shown = False
        for alert in shown:
            self.icon.showMessage(
                f"#{alert.ticket_id} needs attention",
                alert.text,
                _SEVERITY_ICONS.get(alert.severity, QSystemTrayIcon.MessageIcon.Warning),
                MESSAGE_MS,
            )
            self.notified.append(alert)
            self.last_alert = alert
        if self.last_alert is not None:
            self.snooze_action.setText(
                f"Snooze alerts for #{self.last_alert.ticket_id} ({self.snooze_minutes:g} min)"
            )
            self.snooze_action.setEnabled(True)
        return len(shown)

    def _notify_summary(self, alerts: Sequence[Alert]) -> int:
        tickets = list(dict.fromkeys(a.ticket_id for a in reversed(alerts)))  # most severe first
        worst = alerts[-1]
        lines = [f"#{a.ticket_id}: {a.text}" for a in reversed(alerts)][:4]
        if len(alerts) > 4:
            lines.append(f"… and {len(alerts) - 4} more in the queue view")
        self.icon.showMessage(
            f"{len(tickets)} tickets need attention",
            "\n".join(lines),
            _SEVERITY_ICONS.get(worst.severity, QSystemTrayIcon.MessageIcon.Warning),
            MESSAGE_MS,
        )
        self.notified.extend(alerts)
        self.last_alert = worst
        self.summary_shown = True
        self.snooze_action.setText(f"Snooze alerts for #{worst.ticket_id} ({self.snooze_minutes:g} min)")
        self.snooze_action.setEnabled(True)
        return len(alerts)

    def on_message_clicked(self) -> None:
        """Qt tells only that "the" message was clicked: the last one shown. A summary opens the
        queue view; a single alert its ticket."""
        if self.summary_shown:
            emit(self.queue_requested)
        elif self.last_alert is not None:
            emit(self.ticket_requested, self.last_alert.ticket_id)

    def on_snooze_triggered(self) -> None:
        if self.last_alert is not None:
            emit(self.snooze_requested, self.last_alert.ticket_id)
            self.snooze_action.setEnabled(False)
