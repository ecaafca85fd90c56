"""Tray icon: show/hide the sidebar, always on top, quit. Only where the desktop has a tray.

Qt has no global (system-wide) shortcuts; the tray icon is the way back to a hidden sidebar, and
Ctrl+Shift+A toggles it while it has focus.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from ui.qtcompat import emit
from ui.sidebar.window import SidebarWindow


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
    """Signals:
    quit_requested(): Quit chosen from the tray menu.
    """

    quit_requested = Signal()

    def __init__(self, window: SidebarWindow, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self.icon = QSystemTrayIcon(app_icon(), self)
        self.icon.setToolTip("Agent Assist")
        menu = QMenu()
        menu.addAction("Show / hide", window.toggle_visible)
        menu.addAction(window.on_top_action)
        menu.addSeparator()
        menu.addAction("Quit", lambda: emit(self.quit_requested))
        self._menu = menu  # QSystemTrayIcon does not take ownership of the menu
        self.icon.setContextMenu(menu)
        self.icon.activated.connect(self.on_activated)

    @staticmethod
    def available() -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    def show(self) -> None:
        self.icon.show()

    def on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.window.toggle_visible()
