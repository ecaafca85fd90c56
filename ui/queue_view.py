"""The queue view: my open tickets by escalation risk, with the reasons, in the sidebar's width.

Each row shows the risk (coloured like the signals strip), the ticket number and subject, the
reasons in words and, when the rate budget kept the watch from re-reading a ticket that changed,
a "not re-read yet" marker. When the helpdesk rate-limits or is offline a banner says so and the
last known queue stays. Clicking a row (or Enter on it) opens that ticket in the sidebar.

The view renders `QueueRefresh` values from `QueueWatcher.refreshed`; it calls nothing itself.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ui.qtcompat import emit
from ui.sidebar.signals import LEVEL_ACCENT, level_of, set_style
from ui.theme import accents

if TYPE_CHECKING:
    # Types only: the engine's queue module pulls in the helpdesk clients (httpx), which the
    # window must not wait for.
    from assist.escalation.queue import QueueRefresh, QueueRow


def row_reasons(row: QueueRow) -> str:
    """The reasons of a row in words: the alerts that fire, else the strongest mood reason."""
    reasons = list(row.signals.risk_reasons)
    return " · ".join(reasons[:3]) if reasons else "nothing stands out"


class QueueRowWidget(QFrame):
    """One ticket of the queue.

    Signals:
        clicked(str): the ticket id; the row was clicked (or Enter/Space pressed on it).
    """

    clicked = Signal(str)

    def __init__(self, row: QueueRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row = row
        self.ticket_id = row.ticket.id
        self.current = False
        self.level = level_of(row.signals.risk)
        self.setObjectName(f"queue-row-{self.ticket_id}")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        subject = row.ticket.subject or row.signals.subject or "(no subject)"
        self.setAccessibleName(f"Ticket {self.ticket_id}: {subject}, risk {row.signals.risk:.2f}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 5, 6, 6)
        layout.setSpacing(2)

        top = QHBoxLayout()
        top.setSpacing(6)
        self.risk = QLabel(f"{row.signals.risk:.2f}", self)
        self.risk.setObjectName("risk")
        self.risk.setToolTip("Risk of escalation (0–1)")
        self.title = QLabel(f"<b>#{html.escape(self.ticket_id)}</b> {html.escape(subject)}", self)
        self.title.setWordWrap(True)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        top.addWidget(self.risk, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.title, 1)
        layout.addLayout(top)

        self.reasons = QLabel(row_reasons(row), self)
        self.reasons.setWordWrap(True)
        self.reasons.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        alerts = row.signals.alerts
        if alerts:
            self.reasons.setToolTip("\n".join(f"{a.severity}: {a.text}" for a in alerts))
        layout.addWidget(self.reasons)

        meta = [row.ticket.status.capitalize()]
        if row.ticket.priority:
            meta.append(f"{row.ticket.priority} priority")
        if row.ticket.requester_name:
            meta.append(row.ticket.requester_name)
        self.meta = QLabel(" · ".join(meta), self)
        self.meta.setWordWrap(True)
        self.meta.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.stale = QLabel("⟳ changed on the helpdesk, not re-read yet", self)
        self.stale.setObjectName("stale")
        self.stale.setToolTip(
            "The ticket changed but the watch has not re-read its conversation yet, to stay within "
            "the helpdesk's API budget; these signals may be out of date."
        )
        self.stale.setVisible(row.stale)
        bottom = QHBoxLayout()
        bottom.setSpacing(6)
        bottom.addWidget(self.meta, 1)
        bottom.addWidget(self.stale, 0, Qt.AlignmentFlag.AlignRight)
        layout.addLayout(bottom)
        self.restyle()

    def set_current(self, current: bool) -> None:
        if current != self.current:
            self.current = current
            self.restyle()

    def restyle(self) -> None:
        colours = accents(self.palette())
        border = (
            self.palette().color(self.palette().ColorRole.Highlight).name()
            if self.current
            else colours.card_border
        )
        width = 2 if self.current else 1
        name = self.objectName()
        set_style(
            self,
            f"QFrame#{name} {{ background: {colours.card_bg}; border: {width}px solid {border};"
            " border-radius: 6px; }"
            f"QFrame#{name} QLabel {{ background: transparent; border: none; }}",
        )
        bg, fg = getattr(colours, LEVEL_ACCENT[self.level])
        set_style(
            self.risk,
            f"QLabel#risk {{ background: {bg}; color: {fg}; border: 1px solid {fg}; border-radius: 4px;"
            " padding: 0 4px; font-weight: 600; }",
        )
        set_style(self.reasons, f"color: {fg};" if self.level != "calm" else f"color: {colours.muted};")
        set_style(self.meta, f"color: {colours.muted};")
        ibg, ifg = colours.info
        set_style(
            self.stale,
            f"QLabel#stale {{ background: {ibg}; color: {ifg}; border-radius: 4px; padding: 0 4px; }}",
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            emit(self.clicked, self.ticket_id)
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            emit(self.clicked, self.ticket_id)
            return
        super().keyPressEvent(event)


class QueueView(QWidget):
    """My tickets by risk.

    Signals:
        ticket_requested(str): open this ticket in the sidebar.
        refresh_requested(): "Refresh" pressed.
    """

    ticket_requested = Signal(str)
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[QueueRowWidget] = []
        self.refresh: QueueRefresh | None = None
        self.current_id = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)

        top = QHBoxLayout()
        self.summary = QLabel("Reading your queue…", self)
        self.summary.setWordWrap(True)
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.setToolTip("Check the queue now (the watch also does every few minutes)")
        self.refresh_button.clicked.connect(self.refresh_requested)
        top.addWidget(self.summary, 1)
        top.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)

        self.banner = QLabel(self)
        self.banner.setObjectName("queue-problem")
        self.banner.setWordWrap(True)
        self.banner.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.setVisible(False)
        layout.addWidget(self.banner)

        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget(self.scroll)
        self._list = QVBoxLayout(body)
        self._list.setContentsMargins(0, 0, 4, 0)
        self._list.setSpacing(6)
        self._list.addStretch(1)
        self.scroll.setWidget(body)
        layout.addWidget(self.scroll, 1)
        self.restyle()

    # -- slots ------------------------------------------------------------------------------------

    def on_refresh_started(self) -> None:
        self.refresh_button.setEnabled(False)
        if self.refresh is None:
            self.summary.setText("Reading your queue…")

    def on_refreshed(self, refresh: QueueRefresh) -> None:
        self.refresh_button.setEnabled(True)
        rows = refresh.rows
        if not rows and refresh.problem and self.rows:
            rows = tuple(r.row for r in self.rows)  # keep the last known queue on screen
        self.refresh = refresh
        # Highest risk first (the watch sorts too; a view that re-orders nothing costs nothing).
        self._set_rows(sorted(rows, key=lambda r: (-r.signals.risk, r.ticket.id)))
        count = len(rows)
        when = refresh.at.astimezone().strftime("%H:%M")
        parts = [f"{count} open ticket{'s' if count != 1 else ''} by risk", f"checked {when}"]
        if refresh.deferred:
            parts.append(f"{len(refresh.deferred)} not re-read yet")
        self.summary.setText(" · ".join(parts) if count or refresh.problem else "No open tickets for you.")
        self.banner.setText(f"⚠ {refresh.problem}" if refresh.problem else "")
        self.banner.setVisible(bool(refresh.problem))

    def on_failed(self, reason: str) -> None:
        self.refresh_button.setEnabled(True)
        self.banner.setText(f"⚠ {reason} Showing the last known queue.")
        self.banner.setVisible(True)

    def set_current(self, ticket_id: str) -> None:
        """Mark the ticket open in the sidebar."""
        self.current_id = ticket_id
        for row in self.rows:
            row.set_current(row.ticket_id == ticket_id)

    def _set_rows(self, rows: Sequence[QueueRow]) -> None:
        for w in self.rows:
            w.hide()
            w.deleteLater()
        self.rows = []
        for row in rows:
            w = QueueRowWidget(row, self)
            w.clicked.connect(self.on_row_clicked)
            w.set_current(row.ticket.id == self.current_id)
            self._list.insertWidget(self._list.count() - 1, w)
            self.rows.append(w)

    def on_row_clicked(self, ticket_id: str) -> None:
        emit(self.ticket_requested, ticket_id)

    def ticket_ids(self) -> list[str]:
        return [r.ticket_id for r in self.rows]

    def restyle(self) -> None:
        colours = accents(self.palette())
        bg, fg = colours.warning
        set_style(
            self.banner,
            f"QLabel#queue-problem {{ background: {bg}; color: {fg}; border-radius: 6px; padding: 6px; }}",
        )
        set_style(self.summary, f"color: {colours.muted};")
        for row in self.rows:
            row.restyle()
