"""The reply draft: streamed in, then editable; Copy, Save as internal note, Regenerate, tone.

Nothing is ever sent to the customer from here: the agent copies the draft into the helpdesk, or
saves it as an internal note (after confirming) for a colleague to review.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from assist import Draft
from ui.qtcompat import emit
from ui.theme import accents

TONE_LABELS = {"friendly": "Friendly", "concise": "Concise", "formal": "Formal"}


class DraftEditor(QWidget):
    """Signals:
    tone_changed(str): the agent picked another tone.
    regenerate_requested(): Regenerate pressed.
    save_note_requested(str): Save as internal note pressed (the window confirms first).
    copied(str): the draft text put on the clipboard.
    """

    tone_changed = Signal(str)
    regenerate_requested = Signal()
    save_note_requested = Signal(str)
    copied = Signal(str)

    def __init__(self, tone: str = "friendly", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.draft: Draft | None = None
        self.state = "empty"
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)

        self.tone = QComboBox(self)
        for key, label in TONE_LABELS.items():
            self.tone.addItem(label, key)
        self.tone.setCurrentIndex(max(0, self.tone.findData(tone)))
        self.tone.setToolTip("Tone of the reply draft")
        self.tone.setAccessibleName("Tone")
        self.tone.currentIndexChanged.connect(self.on_tone_index_changed)

        self.editor = QPlainTextEdit(self)
        self.editor.setObjectName("draft")
        self.editor.setAccessibleName("Reply draft")
        self.editor.setPlaceholderText("The reply draft appears here. Edit it before copying.")
        self.editor.setTabChangesFocus(True)
        self.editor.setMinimumHeight(self.fontMetrics().lineSpacing() * 8)
        self.editor.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.MinimumExpanding)

        self.warnings = QLabel(self)
        self.warnings.setWordWrap(True)
        self.warnings.setVisible(False)

        self.copy_button = QPushButton("Copy", self)
        self.copy_button.setToolTip("Copy the draft (Ctrl+Shift+C)")
        self.copy_button.clicked.connect(self.on_copy_clicked)
        self.note_button = QPushButton("Save as note", self)
        self.note_button.setToolTip("Save the draft as an internal note on the ticket")
        self.note_button.clicked.connect(self.on_note_clicked)
        self.regen_button = QPushButton("Regenerate", self)
        self.regen_button.clicked.connect(self.regenerate_requested)

        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.note_button)
        buttons.addStretch(1)
        buttons.addWidget(self.regen_button)
        layout.addWidget(self.editor)
        layout.addWidget(self.warnings)
        layout.addLayout(buttons)
        self._set_buttons(False)

    def _set_buttons(self, ready: bool) -> None:
        for b in (self.copy_button, self.note_button):
            b.setEnabled(ready)
        self.regen_button.setEnabled(ready)

    def on_cleared(self) -> None:
        self.draft = None
        self.state = "empty"
        self.editor.clear()
        self.editor.setReadOnly(True)
        self.warnings.setVisible(False)
        self._set_buttons(False)

    def on_started(self, tone: str) -> None:
        self.on_cleared()
        self.state = "waiting"
        self.editor.setPlaceholderText(f"Writing a {tone} reply…")

    def on_token(self, text: str) -> None:
        if self.state != "streaming":
            self.state = "streaming"
            self.editor.clear()
        cursor = self.editor.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)

    def on_done(self, draft: Draft) -> None:
        self.draft = draft
        self.state = "done"
        self.editor.setPlainText(draft.text)
        self.editor.setReadOnly(False)
        self._set_buttons(True)
        lines = list(draft.warnings)
        if draft.redacted:
            lines.append("Sentences quoting internal-only articles were removed.")
        if draft.abstained:
            lines.append("Holding reply: the knowledge base doesn't cover this.")
        if lines:
            bg, fg = accents(self.palette()).warning
            self.warnings.setText("⚠ " + "\n⚠ ".join(lines))
            self.warnings.setStyleSheet(f"background:{bg}; color:{fg}; border-radius:4px; padding:4px;")
        self.warnings.setVisible(bool(lines))

    def text(self) -> str:
        return self.editor.toPlainText()

    def on_tone_index_changed(self, _index: int) -> None:
        emit(self.tone_changed, self.tone.currentData())

    def on_copy_clicked(self) -> None:
        text = self.text()
        if text.strip():
            QGuiApplication.clipboard().setText(text)
            emit(self.copied, text)

    def on_note_clicked(self) -> None:
        text = self.text()
        if text.strip():
            emit(self.save_note_requested, text)

    def set_tone(self, tone: str) -> None:
        index = self.tone.findData(tone)
        if index >= 0:
            self.tone.setCurrentIndex(index)


class FeedbackBar(QWidget):
    """Helpful / Wrong source / KB is missing this.

    Signals:
        feedback_given(str): "helpful", "wrong_source" or "missing".
    """

    feedback_given = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.buttons: dict[str, QPushButton] = {}
        for kind, label, tip in (
            ("helpful", "Helpful", "This answer and its sources helped"),
            ("wrong_source", "Wrong source", "The selected article (or the top one) doesn't fit this ticket"),
            ("missing", "KB is missing this", "No article covers this: noted for the gap report"),
        ):
            b = QPushButton(label, self)
            b.setToolTip(tip)
            b.clicked.connect(lambda _checked=False, k=kind: emit(self.feedback_given, k))
            self.buttons[kind] = b
            layout.addWidget(b)
        layout.addStretch(1)

    def on_recorded(self, kind: str) -> None:
        button = self.buttons.get(kind)
        if button is not None:
            button.setText(button.text().rstrip(" ✓") + " ✓")


class AskBox(QWidget):
    """A follow-up question against the KB.

    Signals:
        asked(str): the question.
        back_requested(): "Back to ticket" after a question.
    """

    asked = Signal(str)
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Ask the KB a follow-up question…")
        self.edit.setAccessibleName("Ask the knowledge base")
        self.edit.setClearButtonEnabled(True)
        self.edit.returnPressed.connect(self.on_ask)
        self.ask_button = QPushButton("Ask", self)
        self.ask_button.clicked.connect(self.on_ask)
        self.back_button = QPushButton("↩ Ticket", self)
        self.back_button.setToolTip("Back to the ticket's articles and answer")
        self.back_button.setVisible(False)
        self.back_button.clicked.connect(self.on_back)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.ask_button)
        layout.addWidget(self.back_button)
        self.ask_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusProxy(self.edit)

    def on_ask(self) -> None:
        text = self.edit.text().strip()
        if text:
            self.back_button.setVisible(True)
            emit(self.asked, text)

    def on_back(self) -> None:
        self.back_button.setVisible(False)
        emit(self.back_requested)

    def on_ticket_changed(self, _ticket: object = None) -> None:
        self.back_button.setVisible(False)
        self.edit.clear()
