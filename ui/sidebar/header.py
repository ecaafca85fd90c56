"""Ticket header: number, subject, requester, status, age of the customer's last message, SLA.

Ages and the SLA countdown are recomputed every 30 s by a timer (cheap: no helpdesk call).
`signals_row` is left empty for the escalation signals of a later issue.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from assist import Ticket
from ui.sidebar.text import human_age
from ui.theme import accents


def sla_text(ticket: Ticket, now: datetime | None = None) -> tuple[str, str]:
    """("SLA: reply due in 2 h", level) with level "" / "warning" / "error"; ("", "") without SLA."""
    sla = ticket.sla
    if sla is None:
        return "", ""
    now = now or datetime.now(UTC)
    answered = any(m.author_role == "agent" and m.public for m in ticket.messages)
    candidates = []
    if sla.next_reply_due:
        candidates.append(("reply", sla.next_reply_due))
    if sla.first_response_due and not answered:
        candidates.append(("first reply", sla.first_response_due))
    if sla.resolution_due:
        candidates.append(("resolution", sla.resolution_due))
    if sla.breached:
        overdue = [(what, due) for what, due in candidates if due <= now]
        if overdue:
            what, due = min(overdue, key=lambda c: c[1])
            return f"SLA breached: {what} was due {human_age(due, now)} ago", "error"
        return "SLA breached", "error"
    upcoming = [(what, due) for what, due in candidates if due > now]
    if not upcoming:
        return "", ""
    what, due = min(upcoming, key=lambda c: c[1])
    left = (due - now).total_seconds()
    level = "error" if left < 3600 else "warning" if left < 4 * 3600 else ""
    return f"SLA: {what} due {human_age(due, now)}", level


class TicketHeader(QWidget):
    """Shows the active ticket. Slots: `on_ticket_changed`, `on_ticket_loading`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ticket: Ticket | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        self.number = QLabel(self)
        self.number.setObjectName("ticket-number")
        self.subject = QLabel(self)
        self.subject.setObjectName("ticket-subject")
        self.subject.setWordWrap(True)
        self.subject.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.subject.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.subject.setFont(font)
        self.requester = QLabel(self)
        self.requester.setWordWrap(True)
        self.sla = QLabel(self)
        self.sla.setObjectName("ticket-sla")
        self.sla.setWordWrap(True)
        # Room for escalation signals (sentiment, repeat contact, VIP…): a later issue.
        self.signals_row = QHBoxLayout()
        self.signals_row.setSpacing(4)
        for w in (self.number, self.subject, self.requester):
            layout.addWidget(w)
        layout.addWidget(self.sla)
        layout.addLayout(self.signals_row)
        self._timer = QTimer(self)
        self._timer.setInterval(30_000)
        self._timer.timeout.connect(self.on_tick)
        self.show_placeholder(
            "No ticket yet. Pick one above, paste its number or URL, or open it in your helpdesk."
        )

    def show_placeholder(self, text: str) -> None:
        self.ticket = None
        self._timer.stop()
        self.number.setText("")
        self.subject.setText(text)
        self.subject.setFont(self.font())
        for w in (self.requester, self.sla):
            w.setText("")

    def on_ticket_loading(self, ticket_id: str) -> None:
        self.show_placeholder(f"Loading ticket #{ticket_id}…")

    def on_ticket_changed(self, ticket: Ticket) -> None:
        self.ticket = ticket
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.subject.setFont(font)
        bits = [f"#{ticket.id}", ticket.status.capitalize()]
        if ticket.priority:
            bits.append(f"{ticket.priority} priority")
        self.number.setText(" · ".join(bits))
        self.subject.setText(ticket.subject)
        self.requester.setToolTip(ticket.requester_email)
        self.on_tick()
        self._timer.start()

    def on_ticket_updated(self, ticket: Ticket) -> None:
        self.on_ticket_changed(ticket)

    def on_tick(self) -> None:
        ticket = self.ticket
        if ticket is None:
            return
        last = ticket.last_customer_message_at()
        who = ticket.requester_name or ticket.requester_email or "Unknown requester"
        # One line for who and how long they have been waiting: the sidebar is narrow.
        self.requester.setText(f"{who} · last wrote {human_age(last)} ago" if last else who)
        text, level = sla_text(ticket)
        colours = accents(self.palette())
        self.sla.setText(text)
        if level:
            bg, fg = getattr(colours, level)
            self.sla.setStyleSheet(f"color: {fg}; background: {bg}; border-radius: 4px; padding: 1px 4px;")
        else:
            self.sla.setStyleSheet(f"color: {colours.muted};")
        self.number.setStyleSheet(f"color: {colours.muted};")
        self.requester.setStyleSheet(f"color: {colours.muted};")
