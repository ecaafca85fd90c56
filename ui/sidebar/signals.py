"""The open ticket's escalation signals, in a compact strip under the ticket header.

One glance answers "is this customer about to escalate, and why": a coloured risk level, the
customer's mood with its trend (one dot per customer message), the reasons in words, how long they
have waited, the SLA clock, their other recent tickets and the team's alerts that fire. "Hand off…"
opens the handoff summary; "Snooze alerts" silences this ticket's notifications for a while.

The strip only renders a `TicketSignals`; `EscalationController` computes it in a worker.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Sequence
from datetime import UTC, datetime

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QHelpEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from assist.escalation.clocks import humanize_minutes
from assist.escalation.model import Alert, RepeatContact, SlaClock, TicketSignals, TrendPoint
from ui.qtcompat import emit
from ui.theme import Accents, accents

LEVEL_ACCENT = {"calm": "success", "elevated": "warning", "high": "error"}
RISK_WORDS = {"calm": "Calm", "elevated": "Elevated risk", "high": "High risk"}
MOOD_WORDS = {"calm": "calm", "elevated": "irritated", "high": "frustrated"}
SEVERITY_ACCENT = {"info": "info", "warning": "warning", "critical": "error"}
# "‼", not "⛔": common desktop fonts (DejaVu) have no glyph for the latter.
SEVERITY_ICONS = {"info": "ℹ", "warning": "⚠", "critical": "‼"}
MAX_REASONS = 4


# -- words (no Qt) -----------------------------------------------------------------------------


def level_of(score: float) -> str:
    """The same cut-offs as `Frustration.level`, for the risk too."""
    return "high" if score >= 0.6 else "elevated" if score >= 0.35 else "calm"


def waiting_text(minutes: float | None) -> str:
    if minutes is None:
        return "Not waiting on you: the last public reply is yours."
    return f"Waiting {humanize_minutes(minutes)} for a reply"


def sla_text(sla: SlaClock | None) -> tuple[str, str]:
    """("SLA next reply: 40 min left · 83% used", level) with level "" / "warning" / "error"."""
    if sla is None:
        return "", ""
    share = f" · {sla.used_share:.0%} used" if sla.used_share is not None else ""
    if sla.breached:
        return f"SLA {sla.target}: missed {humanize_minutes(sla.minutes_left)} ago{share}", "error"
    used = sla.used_share or 0.0
    level = "error" if used >= 0.9 else "warning" if used >= 0.75 else ""
    return f"SLA {sla.target}: {humanize_minutes(sla.minutes_left)} left{share}", level


def contact_html(contact: RepeatContact) -> str:
    """One repeat contact: a link to the ticket, its subject and state, "same problem" marked."""
    bits = [
        f'<a href="ticket:{html.escape(contact.ticket_id)}">#{html.escape(contact.ticket_id)}</a>',
        html.escape(contact.subject or "(no subject)"),
        f"({html.escape(contact.status)})",
    ]
    if contact.same_problem:
        bits.append("· <b>same problem</b>")
    if not contact.same_requester:
        bits.append("· same organisation")
    return " ".join(bits)


def point_tooltip(index: int, point: TrendPoint) -> str:
    when = point.at.astimezone(UTC).strftime("%d %b %H:%M UTC") if point.at else "time unknown"
    return f"Customer message {index + 1} · {when}\nFrustration {point.score:.2f} ({level_of(point.score)})"


# -- widgets -----------------------------------------------------------------------------------


def set_style(widget: QWidget, css: str) -> None:
    """`setStyleSheet` only when it changes: each call re-polishes the widget and its children, and
    the strip is reset on every ticket switch."""
    if widget.styleSheet() != css:
        widget.setStyleSheet(css)


class TrendDots(QWidget):
    """A tiny sparkline: one dot per customer message, higher and redder as the mood worsens.
    Hovering a dot shows when the message came and its score."""

    DOT = 10
    STEP = 16

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.points: tuple[TrendPoint, ...] = ()
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Frustration trend")

    def set_points(self, points: Sequence[TrendPoint]) -> None:
        self.points = tuple(points)
        scores = ", ".join(f"{p.score:.2f}" for p in self.points)
        self.setAccessibleDescription(f"Frustration per customer message: {scores}")
        self.setToolTip("")
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(max(1, len(self.points)) * self.STEP + 2, 22)

    def _centres(self) -> list[QPointF]:
        h = self.height()
        top, bottom = self.DOT / 2 + 1, h - self.DOT / 2 - 1
        return [
            QPointF(self.STEP / 2 + i * self.STEP, bottom - max(0.0, min(1.0, p.score)) * (bottom - top))
            for i, p in enumerate(self.points)
        ]

    def index_at(self, pos: QPoint) -> int | None:
        """The dot under (or nearest to, horizontally) `pos`."""
        if not self.points:
            return None
        i = int(pos.x() // self.STEP)
        return max(0, min(len(self.points) - 1, i))

    def tooltip_for(self, index: int) -> str:
        return point_tooltip(index, self.points[index])

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            index = self.index_at(event.pos())
            if index is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.tooltip_for(index), self)
            return True
        return super().event(event)

    def paintEvent(self, _event: QPaintEvent) -> None:
        if not self.points:
            return
        colours = accents(self.palette())
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        centres = self._centres()
        p.setPen(QPen(QColor(colours.muted), 1))
        for a, b in itertools.pairwise(centres):
            p.drawLine(a, b)
        r = self.DOT / 2
        for centre, point in zip(centres, self.points, strict=True):
            _bg, fg = getattr(colours, LEVEL_ACCENT[level_of(point.score)])
            p.setPen(QPen(QColor(colours.card_bg), 1))
            p.setBrush(QColor(fg))
            p.drawEllipse(QRectF(centre.x() - r, centre.y() - r, self.DOT, self.DOT))
        p.end()


class SignalsStrip(QFrame):
    """The escalation signals of the open ticket.

    Slots: `on_ticket_loading`, `on_computing`, `on_signals`, `on_failed`, `on_snoozed`.

    Signals:
        handoff_requested(str): ticket id; "Hand off…" pressed.
        snooze_requested(str, object): ticket id and the names of its firing rules (tuple).
        ticket_requested(str): a repeat contact's ticket id was clicked.
    """

    handoff_requested = Signal(str)
    snooze_requested = Signal(str, object)
    ticket_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signals")
        self.signals: TicketSignals | None = None
        self.ticket_id = ""
        self.level = "calm"
        self.snooze_minutes = 60.0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(3)

        top = QHBoxLayout()
        top.setSpacing(6)
        self.risk = QLabel(self)
        self.risk.setObjectName("risk")
        self.mood = QLabel(self)
        self.mood.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
        self.trend = TrendDots(self)
        self.handoff_button = QPushButton("Hand off…", self)
        self.handoff_button.setToolTip(
            "Summarise the ticket for another team: issue, timeline, what was tried, articles, "
            "mood and the suggested group"
        )
        self.handoff_button.clicked.connect(self.on_handoff_clicked)
        top.addWidget(self.risk, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.mood, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.trend, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addStretch(1)
        top.addWidget(self.handoff_button, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(top)

        self.reasons = self._label()
        self.waiting = self._label()
        self.sla = self._label()
        self.contacts = self._label()
        self.contacts.setTextFormat(Qt.TextFormat.RichText)
        self.contacts.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.contacts.setOpenExternalLinks(False)
        self.contacts.linkActivated.connect(self.on_link_activated)
        for w in (self.reasons, self.waiting, self.sla, self.contacts):
            layout.addWidget(w)
        self.alerts_box = QVBoxLayout()
        self.alerts_box.setSpacing(2)
        layout.addLayout(self.alerts_box)
        self.alert_labels: list[QLabel] = []

        bottom = QHBoxLayout()
        self.snooze_button = QPushButton(self)
        self.snooze_button.clicked.connect(self.on_snooze_clicked)
        self.snooze_note = self._label()
        bottom.addWidget(self.snooze_button)
        bottom.addWidget(self.snooze_note, 1)
        layout.addLayout(bottom)
        self.setVisible(False)
        self.restyle()

    def _label(self) -> QLabel:
        label = QLabel(self)
        label.setWordWrap(True)
        label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        label.setVisible(False)
        return label

    # -- state ------------------------------------------------------------------------------------

    def _reset(self, ticket_id: str, message: str) -> None:
        self.signals = None
        self.ticket_id = ticket_id
        self.level = "calm"
        self.risk.setText("")
        self.risk.setVisible(False)
        self.mood.setText(message)
        self.trend.set_points(())
        self.trend.setVisible(False)
        for w in (self.reasons, self.waiting, self.sla, self.contacts, self.snooze_note):
            w.setText("")
            w.setVisible(False)
        self._set_alerts(())
        self.snooze_button.setVisible(False)
        self.handoff_button.setEnabled(bool(ticket_id))
        self.setVisible(bool(ticket_id))
        self.restyle()

    def on_ticket_loading(self, _ticket_id: str) -> None:
        self._reset("", "")

    def on_computing(self, ticket_id: str) -> None:
        if self.signals is not None and self.signals.ticket_id == ticket_id:
            return  # a fresher copy of the same ticket: keep showing the last signals meanwhile
        self._reset(ticket_id, "Reading the customer's mood…")

    def on_failed(self, ticket_id: str, reason: str) -> None:
        if ticket_id != self.ticket_id:
            return
        if self.signals is None:
            self._reset(ticket_id, f"Signals unavailable: {reason}")

    def on_signals(self, signals: TicketSignals) -> None:
        self.signals = signals
        self.ticket_id = signals.ticket_id
        mood = signals.frustration
        self.level = level_of(signals.risk)
        self.risk.setText(f"{RISK_WORDS[self.level]} {signals.risk:.2f}")
        self.risk.setToolTip("Risk of escalation (0–1): the strongest signal, nudged by the others")
        self.risk.setVisible(True)
        self.mood.setText(f"Mood: {MOOD_WORDS[mood.level]} {mood.score:.2f}")
        self.trend.set_points(mood.trend)
        self.trend.setVisible(bool(mood.trend))
        reasons = [r.text for r in mood.reasons]
        shown = " · ".join(reasons[:MAX_REASONS])
        if len(reasons) > MAX_REASONS:
            shown += f" · +{len(reasons) - MAX_REASONS} more"
        self.reasons.setText(shown or "No signs of frustration in the wording.")
        self.reasons.setToolTip("\n".join(reasons))
        self.reasons.setVisible(True)
        self.waiting.setText(waiting_text(signals.waiting_minutes))
        self.waiting.setVisible(True)
        sla, sla_level = sla_text(signals.sla)
        self.sla.setText(sla)
        self.sla.setToolTip(f"Due {signals.sla.due:%Y-%m-%d %H:%M} UTC" if signals.sla else "")
        self.sla.setProperty("level", sla_level)
        self.sla.setVisible(bool(sla))
        contacts = signals.repeat_contacts
        if contacts:
            lines = "<br>".join(contact_html(c) for c in contacts[:4])
            more = f"<br>… and {len(contacts) - 4} more" if len(contacts) > 4 else ""
            self.contacts.setText(f"Also wrote in {len(contacts)} other ticket(s):<br>{lines}{more}")
        self.contacts.setVisible(bool(contacts))
        self._set_alerts(signals.alerts)
        self.snooze_button.setText(f"Snooze alerts for this ticket ({self.snooze_minutes:g} min)")
        self.snooze_button.setVisible(bool(signals.alerts))
        self.snooze_button.setEnabled(True)
        self.snooze_note.setVisible(False)
        self.handoff_button.setEnabled(True)
        self.setVisible(True)
        self.restyle()

    def _set_alerts(self, alerts: Sequence[Alert]) -> None:
        for label in self.alert_labels:
            label.hide()
            label.deleteLater()
        self.alert_labels = []
        for alert in alerts:
            label = QLabel(f"{SEVERITY_ICONS.get(alert.severity, '⚠')} {alert.text}", self)
            label.setWordWrap(True)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            label.setProperty("severity", alert.severity)
            label.setToolTip(f"Rule “{alert.rule}” of the team's escalation rules")
            self.alerts_box.addWidget(label)
            self.alert_labels.append(label)

    def on_snoozed(self, ticket_id: str, until: datetime) -> None:
        if ticket_id != self.ticket_id:
            return
        self.snooze_button.setEnabled(False)
        self.snooze_note.setText(f"Snoozed until {until.astimezone():%H:%M}")
        self.snooze_note.setVisible(True)

    # -- actions ----------------------------------------------------------------------------------

    def on_handoff_clicked(self) -> None:
        if self.ticket_id:
            emit(self.handoff_requested, self.ticket_id)

    def on_snooze_clicked(self) -> None:
        if self.signals is not None and self.signals.alerts:
            rules = tuple(dict.fromkeys(a.rule for a in self.signals.alerts))
            emit(self.snooze_requested, self.signals.ticket_id, rules)

    def on_link_activated(self, link: str) -> None:
        if link.startswith("ticket:"):
            emit(self.ticket_requested, link.removeprefix("ticket:"))

    # -- looks ------------------------------------------------------------------------------------

    def restyle(self) -> None:
        colours = accents(self.palette())
        set_style(
            self,
            f"QFrame#signals {{ background: {colours.card_bg}; border: 1px solid {colours.card_border};"
            " border-radius: 6px; }"
            "QFrame#signals QLabel { background: transparent; border: none; }",
        )
        bg, fg = getattr(colours, LEVEL_ACCENT[self.level])
        set_style(
            self.risk,
            f"QLabel#risk {{ background: {bg}; color: {fg}; border: 1px solid {fg}; border-radius: 4px;"
            " padding: 0 5px; font-weight: 600; }",
        )
        set_style(self.mood, f"color: {colours.muted};")
        for w in (self.waiting, self.contacts, self.snooze_note):
            set_style(w, f"color: {colours.muted};")
        self._style_level(self.sla, str(self.sla.property("level") or ""), colours)
        for label in self.alert_labels:
            key = SEVERITY_ACCENT.get(str(label.property("severity")), "warning")
            self._style_level(label, key, colours)

    @staticmethod
    def _style_level(label: QLabel, level: str, colours: Accents) -> None:
        if level:
            bg, fg = getattr(colours, level)
            set_style(
                label, f"QLabel {{ color: {fg}; background: {bg}; border-radius: 4px; padding: 1px 4px; }}"
            )
        else:
            set_style(label, f"color: {colours.muted};")
