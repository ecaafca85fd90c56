"""Banners: one line of state the agent can act on (no index, model missing, helpdesk down…).

One banner per key ("index", "model", "helpdesk", …): showing a key again replaces its text,
so a "retrying in N s" countdown updates in place instead of stacking.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from ui.qtcompat import emit
from ui.theme import accents

ACTION_LABELS = {
    "settings": "Settings…",
    "retry": "Retry now",
    "rebuild": "Try again",
}
ICONS = {"info": "ℹ", "warning": "⚠", "error": "⛔", "success": "✓"}


def action_label(action: str) -> str:
    """The button text of an action key; "open:1003" (an alert without a tray) is "Open #1003"."""
    if action.startswith("open:"):
        return f"Open #{action.removeprefix('open:')}"
    return ACTION_LABELS.get(action, action)


class Banner(QFrame):
    """One banner.

    Signals:
        action_triggered(str): the banner's action key ("settings", "retry", "rebuild").
    """

    action_triggered = Signal(str)

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.level = "info"
        self.action = ""
        self.setObjectName(f"banner-{key}")
        self.setFrameShape(QFrame.Shape.NoFrame)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 6, 6)
        layout.setSpacing(6)
        self.icon = QLabel(self)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.button = QPushButton(self)
        self.button.setVisible(False)
        self.button.clicked.connect(self.on_button_clicked)
        layout.addWidget(self.icon)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)

    def set_content(self, level: str, text: str, action: str) -> None:
        self.level, self.action = level, action
        self.label.setText(text)
        self.icon.setText(ICONS.get(level, ""))
        self.button.setText(action_label(action))
        self.button.setVisible(bool(action))
        self.setAccessibleName(f"{level}: {text}")
        self.restyle()

    def restyle(self) -> None:
        bg, fg = getattr(accents(self.palette()), self.level, accents(self.palette()).info)
        self.setStyleSheet(
            f"QFrame#{self.objectName()} {{ background: {bg}; border-radius: 6px; }}"
            f"QFrame#{self.objectName()} QLabel {{ color: {fg}; background: transparent; }}"
        )

    def on_button_clicked(self) -> None:
        emit(self.action_triggered, self.action)


class BannerArea(QWidget):
    """Stack of banners, most recent last.

    Signals:
        action_triggered(str): an action button was pressed.
    """

    action_triggered = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self.banners: dict[str, Banner] = {}
        self.setVisible(False)

    def on_banner_shown(self, key: str, level: str, text: str, action: str) -> None:
        banner = self.banners.get(key)
        if banner is None:
            banner = Banner(key, self)
            banner.action_triggered.connect(self.action_triggered)
            self.banners[key] = banner
            self._layout.addWidget(banner)
        banner.set_content(level, text, action)
        self.setVisible(True)

    def on_banner_cleared(self, key: str) -> None:
        banner = self.banners.pop(key, None)
        if banner is not None:
            banner.hide()
            banner.deleteLater()
        self.setVisible(bool(self.banners))

    def text(self, key: str) -> str:
        banner = self.banners.get(key)
        return banner.label.text() if banner else ""

    def restyle(self) -> None:
        for banner in self.banners.values():
            banner.restyle()
