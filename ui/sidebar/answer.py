"""The answer for the agent: streamed, then final with clickable `[n]` citations.

While the model writes, the instant extractive answer is shown greyed out, then replaced by the
streamed text, grey and italic until its sentence is checked: a supported sentence then turns to
normal text, one that no article supports is struck through (hover for the reason). The final
`Answer` replaces both (it is authoritative: citations checked, noise removed, unsupported
sentences marked the same way). A "the KB doesn't cover this" answer gets its own look, with the
nearest articles as links.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QTextBrowser, QVBoxLayout, QWidget

from assist import Answer
from assist.verify import SentenceVerdict
from ui.qtcompat import emit
from ui.sidebar.text import answer_html
from ui.theme import accents


class AutoHeightBrowser(QTextBrowser):
    """A text browser as tall as its text (between `min_lines` and `max_px`): the sidebar scrolls
    as a whole instead of nesting scroll areas."""

    def __init__(self, parent: QWidget | None = None, min_lines: int = 3, max_px: int = 420) -> None:
        super().__init__(parent)
        self._min = self.fontMetrics().lineSpacing() * min_lines + 12
        self._max = max_px
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.document().documentLayout().documentSizeChanged.connect(self.on_document_resized)
        self.setFixedHeight(self._min)

    def on_document_resized(self, size: object = None) -> None:
        height = int(self.document().size().height()) + 2 * self.frameWidth() + 4
        self.setFixedHeight(max(self._min, min(self._max, height)))

    def resizeEvent(self, event) -> None:  # width changes re-wrap the text
        super().resizeEvent(event)
        self.on_document_resized()

    def sizeHint(self) -> QSize:
        return QSize(300, self.height())


class AnswerView(QWidget):
    """Signals:
    citation_clicked(int, str): n and doc_uid of a clicked `[n]`.
    """

    citation_clicked = Signal(int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.answer: Answer | None = None
        self.streamed = ""
        self._checked_upto = 0
        """Where in `streamed` the last sentence with a verdict ended."""
        self.marked: list[str] = []
        """Streamed sentences marked unsupported (for tests and accessibility)."""
        self.state = "empty"
        """"empty", "preview", "streaming", "done"."""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.question = QLabel(self)
        self.question.setWordWrap(True)
        self.question.setVisible(False)
        self.notice = QLabel(self)
        self.notice.setObjectName("answer-notice")
        self.notice.setWordWrap(True)
        self.notice.setVisible(False)
        self.browser = AutoHeightBrowser(self)
        self.browser.setObjectName("answer")
        self.browser.setOpenLinks(False)
        self.browser.setFrameShape(QFrame.Shape.StyledPanel)
        self.browser.anchorClicked.connect(self.on_anchor_clicked)
        self.browser.setAccessibleName("Answer")
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setVisible(False)
        for w in (self.question, self.notice, self.browser, self.note):
            layout.addWidget(w)
        self.on_cleared("The answer appears here.")

    # -- states -----------------------------------------------------------------------------------

    def on_cleared(self, text: str = "") -> None:
        self.answer = None
        self.streamed = ""
        self._checked_upto = 0
        self.marked = []
        self.state = "empty"
        self.question.setVisible(False)
        self.notice.setVisible(False)
        self.note.setVisible(False)
        self.browser.setHtml(f'<p style="color:{accents(self.palette()).muted}">{html.escape(text)}</p>')

    def on_started(self, question: str) -> None:
        self.on_cleared("Writing the answer…")
        if question:
            self.question.setText(f"<b>Q:</b> {html.escape(question)}")
            self.question.setVisible(True)

    def on_preview(self, answer: Answer) -> None:
        """The extractive answer, shown until the model's first token."""
        if self.state not in ("empty",):
            return
        self.state = "preview"
        muted = accents(self.palette()).muted
        body = answer_html(answer.text, [c.n for c in answer.sources])
        self.browser.setHtml(
            f'<p style="color:{muted}"><i>Quick answer from the best article; the assistant is '
            f'writing…</i></p><div style="color:{muted}">{body}</div>'
        )

    def on_token(self, text: str) -> None:
        if self.state != "streaming":
            self.state = "streaming"
            self.streamed = ""
            self._checked_upto = 0
            self.marked = []
            self.browser.setPlainText("")
        self.streamed += text
        # Append at the end without re-laying out the whole document: one token is cheap. Text
        # not checked yet is grey and italic: it is not an answer until its verdict arrives.
        cursor = self.browser.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        pending = QTextCharFormat()
        pending.setForeground(QColor(accents(self.palette()).muted))
        pending.setFontItalic(True)
        cursor.insertText(text, pending)

    def on_verdict(self, verdict: SentenceVerdict) -> None:
        """Strike through and grey a streamed sentence no article supports, with the reason as
        its tooltip; a supported one is left as it is."""
        if self.state != "streaming":
            return
        at = self.streamed.find(verdict.text, self._checked_upto)
        if at < 0:
            return
        self._checked_upto = at + len(verdict.text)
        fmt = QTextCharFormat()
        fmt.setFontItalic(False)
        if verdict.supported:
            fmt.setForeground(self.palette().text())
        else:
            fmt.setFontStrikeOut(True)
            fmt.setForeground(QColor(accents(self.palette()).muted))
            fmt.setToolTip(_why(verdict.reason))
            self.marked.append(verdict.text)
        cursor = QTextCursor(self.browser.document())
        cursor.setPosition(at)
        cursor.setPosition(at + len(verdict.text), QTextCursor.MoveMode.KeepAnchor)
        cursor.mergeCharFormat(fmt)

    def on_done(self, answer: Answer) -> None:
        self.answer = answer
        self.state = "done"
        colours = accents(self.palette())
        valid = [c.n for c in answer.sources]
        body = answer_html(answer.text, valid, colours.link)
        for sentence in answer.unsupported:
            reason = next((v.reason for v in answer.verdicts if not v.supported and v.plain in sentence), "")
            escaped = html.escape(sentence)
            body = body.replace(
                escaped,
                f'<span style="color:{colours.muted}; text-decoration:line-through" '
                f'title="{html.escape(_why(reason))}">{escaped}</span>',
            )
        self.browser.setHtml(body)
        if answer.abstained:
            bg, fg = colours.warning
            self.notice.setText(
                "<b>The knowledge base doesn't seem to cover this.</b> The nearest "
                "articles are below; check before using them, or mark “KB is missing this”."
            )
            self.notice.setStyleSheet(f"background:{bg}; color:{fg}; border-radius:4px; padding:4px;")
            self.notice.setVisible(True)
        else:
            self.notice.setVisible(False)
        notes = []
        if answer.extractive and not answer.abstained:
            notes.append("Quoted from the top article.")
        if answer.note:
            notes.append(answer.note)
        self.note.setText(" ".join(dict.fromkeys(notes)))
        self.note.setStyleSheet(f"color:{colours.muted};")
        self.note.setVisible(bool(notes))

    # -- citations --------------------------------------------------------------------------------

    def on_anchor_clicked(self, url: QUrl) -> None:
        if url.scheme() != "cite" or self.answer is None:
            return
        try:
            n = int(url.path() or url.toString().split(":", 1)[1])
        except ValueError:
            return
        source = next((c for c in self.answer.sources if c.n == n), None)
        if source is not None:
            emit(self.citation_clicked, n, source.doc_uid)

    def text(self) -> str:
        return self.browser.toPlainText()


def _why(reason: str) -> str:
    return f"Not verified: {reason or 'no article says this'}. Check before relying on it."
