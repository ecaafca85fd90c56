"""Knowledge cards: the best articles for the ticket, one small card each.

A card shows the title, the source kind and breadcrumb, when the article was last updated, and the
matching passage with the query terms highlighted, and an "Internal" badge on internal-only articles
(the agent may read them; drafts never use them). Clicking a card selects it (the target of
"Wrong source"); its Open button (or Enter) opens the article.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from assist import DocHit, SearchResult
from ui.qtcompat import emit
from ui.sidebar.text import excerpt, highlight_html, short_date
from ui.theme import accents

MAX_CARDS = 3
SOURCE_NAMES = {"confluence": "Confluence", "notion": "Notion", "docs": "Docs"}


class KnowledgeCard(QFrame):
    """One article.

    Signals:
        clicked(str): doc_uid; the card was clicked (selected).
        open_requested(str): doc_uid; Open pressed (or Enter on the focused card).
    """

    clicked = Signal(str)
    open_requested = Signal(str)

    def __init__(
        self,
        n: int,
        hit: DocHit,
        terms: tuple[str, ...],
        parent: QWidget | None = None,
        *,
        internal: bool | None = None,
    ) -> None:
        super().__init__(parent)
        self.hit = hit
        self.n = n
        self.selected = False
        self.internal = hit.internal if internal is None else internal
        self.setObjectName(f"card{n}")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName(f"Article {n}: {hit.title}" + (" (internal only)" if self.internal else ""))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 6, 8)
        layout.setSpacing(2)

        top = QHBoxLayout()
        top.setSpacing(4)
        self.title = QLabel(f"<b>{html.escape(hit.title)}</b>", self)
        self.title.setWordWrap(True)
        self.title.setToolTip(hit.path)
        self.open_button = QToolButton(self)
        self.open_button.setText("Open ↗")
        self.open_button.setToolTip("Open the article in the browser")
        self.open_button.setAutoRaise(True)
        self.open_button.clicked.connect(self.on_open_clicked)
        self.badge = QLabel("Internal", self)
        self.badge.setObjectName("internalBadge")
        self.badge.setToolTip(
            "Internal only: for you, never for the customer"
            + (f" ({hit.internal_reason})" if hit.internal_reason else "")
        )
        self.badge.setVisible(self.internal)
        top.addWidget(self.title, 1)
        top.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)

        where = hit.hierarchy or hit.space
        # The breadcrumb's first element repeats the space/export name; the tail says more.
        crumbs = [c for c in where.split(" / ") if c] if where else []
        crumb = crumbs[-1] if crumbs else ""
        meta = [SOURCE_NAMES.get(hit.source, hit.source.capitalize())]
        if crumb:
            meta.append(crumb)
        if hit.updated:
            meta.append(short_date(hit.updated))
        self.meta = QLabel(" · ".join(meta), self)
        self.meta.setWordWrap(True)
        self.meta.setToolTip(f"{hit.hierarchy}\nLast updated {hit.updated or 'unknown'}")
        layout.addWidget(self.meta)

        passage = hit.passages[0] if hit.passages else None
        heading = passage.heading if passage else ""
        text = excerpt(passage.text if passage else "", terms, limit=150)
        body = highlight_html(text, terms, tag="hl")
        self._body_source = (heading, body)
        self.passage = QLabel(self)
        self.passage.setWordWrap(True)
        self.passage.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.passage)
        self.restyle()

    def restyle(self) -> None:
        colours = accents(self.palette())
        heading, body = self._body_source
        mark = f'<span style="background:{colours.highlight_bg}; font-weight:600">'
        body = body.replace("<hl>", mark).replace("</hl>", "</span>")
        head = f"<i>{html.escape(heading)}</i> — " if heading else ""
        self.passage.setText(f"{head}{body}")
        border = (
            self.palette().color(self.palette().ColorRole.Highlight).name()
            if self.selected
            else (colours.card_border)
        )
        width = 2 if self.selected else 1
        self.setStyleSheet(
            f"QFrame#{self.objectName()} {{ background: {colours.card_bg}; border: {width}px solid {border};"
            " border-radius: 6px; }"
            f"QFrame#{self.objectName()} QLabel {{ background: transparent; border: none; }}"
        )
        self.meta.setStyleSheet(f"color: {colours.muted};")
        bg, fg = colours.warning
        self.badge.setStyleSheet(
            f"QLabel#internalBadge {{ background: {bg}; color: {fg}; border: 1px solid {fg};"
            " border-radius: 4px; padding: 0 4px; font-weight: 600; }"
        )

    def set_selected(self, selected: bool) -> None:
        if selected != self.selected:
            self.selected = selected
            self.restyle()

    def on_open_clicked(self) -> None:
        emit(self.open_requested, self.hit.doc_uid)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        emit(self.clicked, self.hit.doc_uid)
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            emit(self.open_requested, self.hit.doc_uid)
            return
        if event.key() == Qt.Key.Key_Space:
            emit(self.clicked, self.hit.doc_uid)
            return
        super().keyPressEvent(event)


class CardsView(QWidget):
    """The list of cards.

    Signals:
        open_requested(str): doc_uid of the article to open.
        selection_changed(str): doc_uid of the selected card.
    """

    open_requested = Signal(str)
    selection_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.is_internal: Callable[[DocHit], bool] = lambda hit: hit.internal
        """Which hits get the Internal badge; the app sets the configured `InternalOnly` rules."""
        self.cards: list[KnowledgeCard] = []
        self.selected_uid = ""
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(6)
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        self._layout.addWidget(self.caption)
        self.show_message("Articles for the ticket appear here.")

    def _clear(self) -> None:
        for card in self.cards:
            card.hide()
            card.deleteLater()
        self.cards = []
        self.selected_uid = ""

    def show_message(self, text: str) -> None:
        self._clear()
        self.caption.setText(text)
        self.caption.setVisible(bool(text))
        self.caption.setStyleSheet(f"color: {accents(self.palette()).muted};")

    def on_results_ready(self, result: SearchResult, origin: str) -> None:
        self._clear()
        hits = sorted(result.hits, key=lambda h: h.rank)[:MAX_CARDS]
        if not hits:
            self.show_message("No article matched.")
            return
        caption = "For your question" if origin == "question" else ""
        if result.abstained:
            caption = "Low confidence: nearest articles only, check before using."
        self.caption.setText(caption)
        self.caption.setVisible(bool(caption))
        # The ticket's subject terms and verbatim codes: highlighting all ~40 terms of a long
        # ticket lights up every other word and hides why the card matched.
        terms = tuple(result.query.focus) + tuple(result.query.phrases) or tuple(result.query.terms)
        for n, hit in enumerate(hits, start=1):
            card = KnowledgeCard(n, hit, terms, self, internal=self.is_internal(hit))
            card.clicked.connect(self.on_card_clicked)
            card.open_requested.connect(self.open_requested)
            self.cards.append(card)
            self._layout.addWidget(card)

    def on_card_clicked(self, doc_uid: str) -> None:
        self.highlight(doc_uid)
        emit(self.selection_changed, doc_uid)

    def highlight(self, doc_uid: str) -> KnowledgeCard | None:
        """Select the card of `doc_uid`; returns it (None if not shown)."""
        self.selected_uid = doc_uid
        found = None
        for card in self.cards:
            card.set_selected(card.hit.doc_uid == doc_uid)
            if card.hit.doc_uid == doc_uid:
                found = card
        return found

    def selected_hit(self) -> DocHit | None:
        card = next((c for c in self.cards if c.hit.doc_uid == self.selected_uid), None)
        return card.hit if card else (self.cards[0].hit if self.cards else None)

    def restyle(self) -> None:
        for card in self.cards:
            card.restyle()
