"""The handoff dialog: a structured summary of the ticket for the next team, and where it should go.

"Hand off…" in the signals strip opens it. The summary is built in a worker
(`assist.escalation.handoff.build_handoff`, extractive: every fact names its message) and shown as
the note text (`render_note`) in an editable box, with the suggested group and its one-line reason.

- Copy puts the (edited) text on the clipboard.
- Save as internal note adds it to the ticket (`add_internal_note`, in a worker).
- Re-assign to <group>… asks first, naming the group and the reason, and only then calls the
  provider's `reassign` with the note; it is disabled, with a tooltip, where the helpdesk
  connection cannot re-assign. Nothing here ever happens on its own.
"""

from __future__ import annotations

import html
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from common.errors import AssistError, NotFoundError
from ui.qtcompat import emit
from ui.theme import accents
from ui.workers import WorkerPool

if TYPE_CHECKING:
    from assist.escalation.model import TicketSignals
    from assist.escalation.rules import EscalationRules
    from assist.tickets import Ticket

log = logging.getLogger(__name__)

BuildFn = Callable[..., Any]
"""`build_handoff(ticket, signals, rules, *, history, consulted, llm, now) -> Handoff`."""
RenderFn = Callable[[Any], str]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _message(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, AssistError) else f"{type(exc).__name__}: {exc}"


def can_reassign(provider: Any) -> bool:
    return provider is not None and callable(getattr(provider, "reassign", None))


def find_group(groups: Sequence[Any], wanted: str) -> Any:
    """The helpdesk group the rules' group name means (by name, any case, or by id)."""
    key = wanted.strip().casefold()
    for group in groups:
        if group.name.strip().casefold() == key or str(group.id) == wanted.strip():
            return group
    names = ", ".join(g.name for g in groups) or "none"
    raise NotFoundError(f"The helpdesk has no group called “{wanted}” (it has: {names}).")


class HandoffDialog(QDialog):
    """The handoff summary of one ticket.

    Args:
        ticket: the ticket, with its conversation.
        provider: the helpdesk (`add_internal_note`; `groups` and `reassign` where it can).
        pool: worker threads (building, saving and re-assigning never run on the GUI thread).
        rules: the escalation rules (routing to the target group).
        signals: the ticket's signals, computed on the ticket without instruction-like paragraphs
            (None: computed so in the worker).
        history: the requester's recent tickets.
        consulted: the `ConsultedLog` (articles shown, opened, cited), or None.
        build, render: `build_handoff` and `render_note` (default: `assist.escalation.handoff`).

    Signals:
        built(object): the `Handoff`, once the summary is shown.
        build_failed(str): why the summary could not be built.
        note_saved(object): the `Message` the helpdesk created.
        reassigned(str): the group's name, after a confirmed re-assign.
        action_failed(str): why a save or re-assign failed.
    """

    built = Signal(object)
    build_failed = Signal(str)
    note_saved = Signal(object)
    reassigned = Signal(str)
    action_failed = Signal(str)

    def __init__(
        self,
        ticket: Ticket,
        provider: Any,
        pool: WorkerPool,
        rules: EscalationRules,
        *,
        signals: TicketSignals | None = None,
        history: Sequence[Ticket] = (),
        consulted: Any = None,
        build: BuildFn | None = None,
        render: RenderFn | None = None,
        clock: Callable[[], datetime] = _utcnow,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ticket = ticket
        self.provider = provider
        self.pool = pool
        self.rules = rules
        self.signals = signals
        self.history = tuple(history)
        self.consulted = consulted
        self._build = build
        self._render = render
        self.clock = clock
        self.handoff: Any = None
        self.setWindowTitle(f"Hand off #{ticket.id}")
        self.setObjectName("handoff")
        self.resize(440, 720)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(6)
        self.title = QLabel(
            f"<b>Hand off #{html.escape(ticket.id)}</b> · {html.escape(ticket.subject)}", self
        )
        self.title.setWordWrap(True)
        layout.addWidget(self.title)

        self.target = QLabel("Finding the right group…", self)
        self.target.setObjectName("handoff-target")
        self.target.setWordWrap(True)
        self.target.setTextFormat(Qt.TextFormat.RichText)
        self.target.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.target)

        self.editor = QPlainTextEdit(self)
        self.editor.setObjectName("handoff-note")
        self.editor.setAccessibleName("Handoff summary")
        self.editor.setPlaceholderText("Building the summary…")
        self.editor.setReadOnly(True)
        self.editor.setTabChangesFocus(True)
        layout.addWidget(self.editor, 1)

        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.hint)
        self.result = QLabel(self)
        self.result.setObjectName("handoff-result")
        self.result.setWordWrap(True)
        self.result.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.setVisible(False)
        layout.addWidget(self.result)

        row = QHBoxLayout()
        row.setSpacing(4)
        self.copy_button = QPushButton("Copy", self)
        self.copy_button.setToolTip("Copy the summary (as edited)")
        self.copy_button.clicked.connect(self.on_copy_clicked)
        self.note_button = QPushButton("Save as internal note", self)
        self.note_button.setToolTip("Add the summary to the ticket as a note only agents can see")
        self.note_button.clicked.connect(self.on_save_clicked)
        row.addWidget(self.copy_button)
        row.addWidget(self.note_button)
        row.addStretch(1)
        layout.addLayout(row)
        bottom = QHBoxLayout()
        bottom.setSpacing(4)
        self.reassign_button = QPushButton("Re-assign…", self)
        self.reassign_button.clicked.connect(self.on_reassign_clicked)
        self.close_button = QPushButton("Close", self)
        self.close_button.clicked.connect(self.reject)
        bottom.addWidget(self.reassign_button)
        bottom.addStretch(1)
        bottom.addWidget(self.close_button)
        layout.addLayout(bottom)
        self._set_ready(False)
        self.restyle()

    # -- building ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Build the summary in a worker (call once, after the slots are connected)."""
        ticket, rules, signals, history = self.ticket, self.rules, self.signals, self.history
        consulted, clock, build, render = self.consulted, self.clock, self._build, self._render

        def work(_ev: threading.Event) -> tuple[Any, str]:
            nonlocal build, render
            if build is None or render is None:
                from assist.escalation.handoff import build_handoff, render_note

                build, render = build or build_handoff, render or render_note
            now = clock()
            sig = signals
            if sig is None:
                from assist.escalation.excerpts import without_instructions
                from assist.escalation.signals import compute_signals

                # Without the paragraphs that read like instructions, so injected text cannot
                # raise the urgency or pick the group (see `assist.escalation.handoff`).
                sig = compute_signals(without_instructions(ticket), rules, now, history=history)
            articles = consulted.for_ticket(ticket.id) if consulted is not None else []
            handoff = build(ticket, sig, rules, history=history, consulted=articles, llm=None, now=now)
            return handoff, render(handoff)

        self.pool.submit(
            work, name=f"handoff {ticket.id}", returned=self.on_built, errored=self.on_build_failed
        )

    def on_built(self, _tag: int, value: tuple[Any, str]) -> None:
        handoff, text = value
        self.handoff = handoff
        self.editor.setPlainText(text)
        self.editor.setReadOnly(False)
        group = handoff.target_group or "—"
        self.target.setText(
            f"Suggested group: <b>{html.escape(group)}</b><br>"
            f"<span>{html.escape(handoff.target_reason or '')}</span>"
        )
        how = getattr(handoff, "phrased_by", "") or "extractive"
        notes = list(getattr(handoff, "notes", ()) or ())
        hint = (
            "Facts from the conversation name their message [id · time]"
            + (f"; the issue was phrased by {how} and checked" if how != "extractive" else "")
            + ". Edit before saving."
        )
        self.hint.setText(" ".join([hint, *notes]))
        self.reassign_button.setText(f"Re-assign to {group}…")
        self._set_ready(True)
        emit(self.built, handoff)

    def on_build_failed(self, _tag: int, exc: BaseException) -> None:
        log.warning("handoff of #%s failed: %r", self.ticket.id, exc)
        reason = _message(exc)
        self.target.setText("")
        self.editor.setPlaceholderText("")
        self._show_result(f"The summary could not be built: {reason}", "error")
        emit(self.build_failed, reason)

    def _set_ready(self, ready: bool) -> None:
        self.copy_button.setEnabled(ready)
        self.note_button.setEnabled(ready and self.provider is not None)
        if can_reassign(self.provider):
            self.reassign_button.setEnabled(ready)
            self.reassign_button.setToolTip(
                "Move the ticket to this group with the summary as an internal note (asks first)"
            )
        else:
            self.reassign_button.setEnabled(False)
            self.reassign_button.setToolTip(
                "This helpdesk connection cannot re-assign tickets: copy the summary, or save it "
                "as a note, and re-assign in the helpdesk."
            )

    def text(self) -> str:
        return self.editor.toPlainText()

    # -- actions ----------------------------------------------------------------------------------

    def on_copy_clicked(self) -> None:
        text = self.text()
        if text.strip():
            QGuiApplication.clipboard().setText(text)
            self._show_result("Copied. Paste it where the next team will see it.", "success")

    def on_save_clicked(self) -> None:
        text = self.text()
        if not text.strip() or self.provider is None:
            return
        provider, ticket_id = self.provider, self.ticket.id
        self.note_button.setEnabled(False)
        self._show_result("Saving the internal note…", "info")
        self.pool.submit(
            lambda _ev: provider.add_internal_note(ticket_id, text),
            name=f"handoff note {ticket_id}",
            returned=self.on_note_saved,
            errored=self.on_action_failed,
        )

    def on_note_saved(self, _tag: int, message: object) -> None:
        self.note_button.setText("Saved ✓")
        self.note_button.setEnabled(True)
        self._show_result(
            f"Saved as an internal note on #{self.ticket.id}. The customer does not see it.", "success"
        )
        emit(self.note_saved, message)

    def confirm_reassign(self, group: str, reason: str) -> bool:
        """Asks the agent; only a Yes re-assigns (the default button is No)."""
        answer = QMessageBox.question(
            self,
            "Re-assign the ticket?",
            f"Re-assign ticket #{self.ticket.id} to {group}?\n\nWhy: {reason}\n\n"
            "The summary is added as an internal note, and the ticket leaves your queue.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def on_reassign_clicked(self) -> None:
        if self.handoff is None or not can_reassign(self.provider):
            return
        group = self.handoff.target_group
        reason = self.handoff.target_reason or ""
        note = self.text()
        if not group or not self.confirm_reassign(group, reason):
            return
        provider, ticket_id = self.provider, self.ticket.id

        def work(_ev: threading.Event) -> str:
            lister = getattr(provider, "groups", None)
            target = find_group(lister(), group) if callable(lister) else None
            provider.reassign(ticket_id, str(target.id) if target is not None else group, note)
            return target.name if target is not None else group

        self.reassign_button.setEnabled(False)
        self.note_button.setEnabled(False)
        self._show_result(f"Re-assigning to {group}…", "info")
        self.pool.submit(
            work,
            name=f"reassign {ticket_id}",
            returned=self.on_reassigned,
            errored=self.on_action_failed,
        )

    def on_reassigned(self, _tag: int, group: str) -> None:
        self._show_result(
            f"Re-assigned #{self.ticket.id} to {group}, with the summary as an internal note.", "success"
        )
        self.reassign_button.setText("Re-assigned ✓")
        emit(self.reassigned, group)

    def on_action_failed(self, _tag: int, exc: BaseException) -> None:
        reason = _message(exc)
        self._set_ready(self.handoff is not None)
        self._show_result(f"Not done: {reason}", "error")
        emit(self.action_failed, reason)

    # -- looks ------------------------------------------------------------------------------------

    def _show_result(self, text: str, level: str) -> None:
        self.result.setText(text)
        self.result.setProperty("level", level)
        self.result.setVisible(bool(text))
        self.restyle()

    def restyle(self) -> None:
        colours = accents(self.palette())
        self.hint.setStyleSheet(f"color: {colours.muted};")
        bg, fg = colours.info
        self.target.setStyleSheet(
            f"QLabel#handoff-target {{ background: {bg}; color: {fg}; border-radius: 6px; padding: 6px; }}"
        )
        level = str(self.result.property("level") or "info")
        rbg, rfg = getattr(colours, level, colours.info)
        self.result.setStyleSheet(
            f"QLabel#handoff-result {{ background: {rbg}; color: {rfg}; border-radius: 4px; padding: 4px; }}"
        )
