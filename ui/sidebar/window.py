"""The sidebar window: a narrow, dockable column of ticket header, cards, answer, draft, ask box.

Widgets render and forward; `connect_controller()` wires them to a `SidebarController` (all
logic and every worker live there).

Two pages: the open ticket (header, escalation signals, cards, answer, draft, ask box) and the
queue (my tickets by escalation risk); the Queue button in the top row switches between them.

Keyboard: Alt+Left/Right previous/next ticket, Ctrl+G pin a ticket, Ctrl+L ask, Ctrl+Shift+C copy
the draft, Ctrl+Shift+L the queue, F5 refresh, Ctrl+, settings, Ctrl+Shift+A hide (the tray icon
shows it again).
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from assist import Ticket
from assist.escalation.model import TicketSignals
from ui.qtcompat import emit
from ui.queue_view import QueueView
from ui.sidebar.answer import AnswerView
from ui.sidebar.banners import BannerArea
from ui.sidebar.cards import CardsView
from ui.sidebar.controller import SidebarController
from ui.sidebar.draft import AskBox, DraftEditor, FeedbackBar
from ui.sidebar.header import TicketHeader
from ui.sidebar.signals import SignalsStrip
from ui.theme import accents

MIN_WIDTH = 360
DEFAULT_SIZE = (400, 860)


def _section(title: str, parent: QWidget) -> QLabel:
    label = QLabel(title.upper(), parent)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 0.85)
    font.setLetterSpacing(font.SpacingType.PercentageSpacing, 106)
    label.setFont(font)
    label.setObjectName("section")
    return label


class SidebarWindow(QMainWindow):
    """The main window.

    Signals:
        settings_requested(): open the Settings dialog.
        theme_requested(str): "auto", "light" or "dark".
        quit_requested(): Quit from the menu.
        handoff_requested(str): "Hand off…" pressed for this ticket id.
    """

    settings_requested = Signal()
    theme_requested = Signal(str)
    quit_requested = Signal()
    handoff_requested = Signal(str)

    def __init__(self, prefs: QSettings | None = None, tone: str = "friendly", parent: QWidget | None = None):
        super().__init__(parent)
        self.prefs = prefs
        self.controller: SidebarController | None = None
        self.setWindowTitle("Agent Assist")
        self.setMinimumWidth(MIN_WIDTH)
        self.resize(*DEFAULT_SIZE)

        central = QWidget(self)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(8, 8, 8, 6)
        outer.setSpacing(6)

        # -- ticket switching: picker with Prev/Next, pin box, menu --
        top = QHBoxLayout()
        top.setSpacing(4)
        self.prev_button = QToolButton(central)
        self.prev_button.setText("◀")
        self.prev_button.setToolTip("Previous ticket (Alt+Left)")
        self.prev_button.setAccessibleName("Previous ticket")
        self.picker = QComboBox(central)
        self.picker.setAccessibleName("My open tickets")
        self.picker.setToolTip("My open tickets")
        self.picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.picker.setMinimumContentsLength(12)
        self.picker.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        # Editable: the same box pins a ticket typed or pasted as a number or URL (Ctrl+G).
        self.picker.setEditable(True)
        self.picker.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.pin_edit = self.picker.lineEdit()
        self.pin_edit.setPlaceholderText("Ticket number or URL (Ctrl+G)")
        self.pin_edit.setAccessibleName("Ticket number or URL")
        self.pin_edit.setClearButtonEnabled(True)
        self.next_button = QToolButton(central)
        self.next_button.setText("▶")
        self.next_button.setToolTip("Next ticket (Alt+Right)")
        self.next_button.setAccessibleName("Next ticket")
        self.queue_button = QToolButton(central)
        self.queue_button.setText("Queue")
        self.queue_button.setCheckable(True)
        self.queue_button.setToolTip("My open tickets by escalation risk (Ctrl+Shift+L)")
        self.queue_button.setAccessibleName("My queue by risk")
        self.menu_button = QToolButton(central)
        self.menu_button.setText("☰")
        self.menu_button.setToolTip("Menu")
        self.menu_button.setAccessibleName("Menu")
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        for w in (self.prev_button, self.picker, self.next_button, self.queue_button, self.menu_button):
            top.addWidget(w)
        outer.addLayout(top)

        self.banners = BannerArea(central)
        outer.addWidget(self.banners)

        # -- one scrolling column: header, cards, answer, draft --
        self.scroll = QScrollArea(central)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget(self.scroll)
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 4, 0)
        column.setSpacing(6)
        self.header = TicketHeader(body)
        self.signals_strip = SignalsStrip(body)
        self.cards = CardsView(body)
        self.answer = AnswerView(body)
        self.feedback = FeedbackBar(body)
        self.draft = DraftEditor(tone, body)
        self.sections: list[QLabel] = []
        column.addWidget(self.header)
        column.addWidget(self.signals_strip)
        column.addWidget(self._line(body))
        for title, widgets in (
            ("Articles", [self.cards]),
            ("Answer", [self.answer, self.feedback]),
            ("Draft reply", [self.draft]),
        ):
            row = QHBoxLayout()
            label = _section(title, body)
            self.sections.append(label)
            row.addWidget(label, 1)
            if title == "Draft reply":
                row.addWidget(self.draft.tone)
            column.addLayout(row)
            for w in widgets:
                column.addWidget(w)
        column.addStretch(1)
        self.scroll.setWidget(body)

        # -- the two pages: the open ticket (with the ask box) and the queue --
        self.pages = QStackedWidget(central)
        self.ticket_page = QWidget(self.pages)
        page = QVBoxLayout(self.ticket_page)
        page.setContentsMargins(0, 0, 0, 0)
        page.setSpacing(6)
        page.addWidget(self.scroll, 1)
        self.ask = AskBox(self.ticket_page)
        page.addWidget(self.ask)
        self.queue = QueueView(self.pages)
        self.pages.addWidget(self.ticket_page)
        self.pages.addWidget(self.queue)
        outer.addWidget(self.pages, 1)
        self.status = QLabel("Starting…", central)
        self.status.setObjectName("status")
        self.status.setWordWrap(False)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        outer.addWidget(self.status)
        self.setCentralWidget(central)

        self._build_menu()
        self._build_shortcuts()
        self.prev_button.clicked.connect(self.on_prev_clicked)
        self.next_button.clicked.connect(self.on_next_clicked)
        self.picker.activated.connect(self.on_picker_activated)
        self.pin_edit.returnPressed.connect(self.on_pin_entered)
        self.draft.save_note_requested.connect(self.on_save_note_requested)
        self.draft.copied.connect(self.on_copied)
        self.queue_button.toggled.connect(self.show_queue)
        self.queue.ticket_requested.connect(self.on_ticket_requested)
        self.signals_strip.ticket_requested.connect(self.on_ticket_requested)
        self.signals_strip.handoff_requested.connect(self.handoff_requested)
        self.restyle()
        self.restore_prefs()

    # -- construction helpers ---------------------------------------------------------------------

    @staticmethod
    def _line(parent: QWidget) -> QFrame:
        line = QFrame(parent)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        return line

    def _build_menu(self) -> None:
        menu = QMenu(self)
        self.on_top_action = QAction("Always on top", self, checkable=True)
        self.on_top_action.toggled.connect(self.on_always_on_top_toggled)
        menu.addAction(self.on_top_action)
        menu.addAction("Dock to the right edge", lambda: self.dock_to("right"))
        menu.addAction("Dock to the left edge", lambda: self.dock_to("left"))
        menu.addSeparator()
        self.refresh_action = menu.addAction("Refresh ticket and list")
        self.refresh_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        theme = menu.addMenu("Theme")
        group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for mode, label in (("auto", "Follow the system"), ("light", "Light"), ("dark", "Dark")):
            action = QAction(label, self, checkable=True)
            action.triggered.connect(lambda _c=False, m=mode: emit(self.theme_requested, m))
            group.addAction(action)
            theme.addAction(action)
            self.theme_actions[mode] = action
        self.theme_actions["auto"].setChecked(True)
        settings = menu.addAction("Settings…")
        settings.setShortcut(QKeySequence("Ctrl+,"))
        settings.triggered.connect(self.settings_requested)
        menu.addSeparator()
        menu.addAction("Hide (Ctrl+Shift+A)", self.toggle_visible)
        menu.addAction("Quit", lambda: emit(self.quit_requested))
        self.menu_button.setMenu(menu)
        # Menu shortcuts only fire while the menu is open unless the actions are on the window too.
        self.addAction(self.refresh_action)
        self.addAction(settings)

    def _build_shortcuts(self) -> None:
        for keys, slot in (
            ("Alt+Left", self.on_prev_clicked),
            ("Alt+Right", self.on_next_clicked),
            ("Ctrl+G", self.on_pin_shortcut),
            ("Ctrl+L", self.ask.setFocus),
            ("Ctrl+Shift+C", self.draft.on_copy_clicked),
            ("Ctrl+Shift+L", self.queue_button.toggle),
            ("Ctrl+Shift+A", self.toggle_visible),
        ):
            QShortcut(QKeySequence(keys), self, activated=slot)

    # -- wiring -----------------------------------------------------------------------------------

    def connect_controller(self, c: SidebarController) -> None:
        """Connect every view to the controller (and back)."""
        self.controller = c
        c.ticket_loading.connect(self.header.on_ticket_loading)
        c.ticket_loading.connect(self.signals_strip.on_ticket_loading)
        c.ticket_loading.connect(self.on_ticket_loading)
        c.ticket_changed.connect(self.header.on_ticket_changed)
        c.ticket_changed.connect(self.on_ticket_changed)
        c.ticket_changed.connect(self.ask.on_ticket_changed)
        c.ticket_updated.connect(self.header.on_ticket_updated)
        c.results_ready.connect(self.cards.on_results_ready)
        c.answer_started.connect(self.answer.on_started)
        c.answer_preview.connect(self.answer.on_preview)
        c.answer_token.connect(self.answer.on_token)
        c.answer_verdict.connect(self.answer.on_verdict)
        c.answer_done.connect(self.answer.on_done)
        c.draft_started.connect(self.draft.on_started)
        c.draft_token.connect(self.draft.on_token)
        c.draft_done.connect(self.draft.on_done)
        c.banner_shown.connect(self.banners.on_banner_shown)
        c.banner_cleared.connect(self.banners.on_banner_cleared)
        c.status_changed.connect(self.status.setText)
        c.tickets_listed.connect(self.on_tickets_listed)
        c.feedback_recorded.connect(self.feedback.on_recorded)
        c.note_saved.connect(self.on_note_saved)
        c.note_failed.connect(self.on_note_failed)
        c.index_progress.connect(self.on_index_progress)

        self.cards.open_requested.connect(c.open_source)
        self.answer.citation_clicked.connect(self.on_citation_clicked)
        self.draft.tone_changed.connect(c.set_tone)
        self.draft.regenerate_requested.connect(c.regenerate_draft)
        self.feedback.feedback_given.connect(self.on_feedback_given)
        self.ask.asked.connect(c.ask)
        self.ask.back_requested.connect(c.back_to_ticket)
        self.refresh_action.triggered.connect(c.refresh)
        self.banners.action_triggered.connect(self.on_banner_action)

    # -- slots ------------------------------------------------------------------------------------

    def on_ticket_loading(self, _ticket_id: str) -> None:
        self.cards.show_message("")
        self.answer.on_cleared("")
        self.draft.on_cleared()

    def on_ticket_changed(self, ticket: Ticket) -> None:
        self.cards.show_message("Searching the knowledge base…")
        self.answer.on_cleared("")
        self.draft.on_cleared()
        for b in self.feedback.buttons.values():
            b.setText(b.text().rstrip(" ✓"))
        self._select_in_picker(ticket.id)
        self.queue.set_current(ticket.id)
        self.header.sla.setVisible(True)
        self.scroll.verticalScrollBar().setValue(0)

    def on_tickets_listed(self, tickets: list[Ticket]) -> None:
        current = self.picker.currentData()
        self.picker.blockSignals(True)
        self.picker.clear()
        for t in tickets:
            self.picker.addItem(f"#{t.id}  {t.subject}", t.id)
            self.picker.setItemData(self.picker.count() - 1, t.subject, Qt.ItemDataRole.ToolTipRole)
        self.picker.blockSignals(False)
        active = self.controller.ticket.id if self.controller and self.controller.ticket else current
        if active:
            self._select_in_picker(active)
        else:
            self.pin_edit.setCursorPosition(0)  # "#1001 Subject…", not the subject's tail

    def _select_in_picker(self, ticket_id: str) -> None:
        index = self.picker.findData(ticket_id)
        self.picker.blockSignals(True)
        self.picker.setCurrentIndex(index)
        self.picker.blockSignals(False)
        self.pin_edit.setCursorPosition(0)  # show "#1001 Subject…", not the subject's tail

    def on_picker_activated(self, index: int) -> None:
        ticket_id = self.picker.itemData(index)
        if ticket_id and self.controller:
            self.controller.pick(ticket_id)

    def _step(self, delta: int) -> None:
        count = self.picker.count()
        if not count or self.controller is None:
            return
        index = self.picker.currentIndex()
        index = 0 if index < 0 else (index + delta) % count
        self.picker.setCurrentIndex(index)
        self.controller.pick(self.picker.itemData(index))

    def on_prev_clicked(self) -> None:
        self._step(-1)

    def on_next_clicked(self) -> None:
        self._step(1)

    def on_pin_shortcut(self) -> None:
        self.pin_edit.setFocus()
        self.pin_edit.selectAll()

    def on_pin_entered(self) -> None:
        text = self.pin_edit.text().strip()
        index = self.picker.findText(text)
        if index >= 0:  # Enter on a listed ticket: same as choosing it
            self.on_picker_activated(index)
        elif self.controller and self.controller.pin(text):
            self.status.setText("Ticket pinned.")
        else:
            self.status.setText("Not a ticket number or a URL of your helpdesk.")

    def on_citation_clicked(self, _n: int, doc_uid: str) -> None:
        card = self.cards.highlight(doc_uid)
        if card is not None:
            self.scroll.ensureWidgetVisible(card)
        if self.controller:
            self.controller.open_source(doc_uid)

    def on_feedback_given(self, kind: str) -> None:
        if self.controller is None:
            return
        hit = None
        if kind == "wrong_source":
            hit = self.cards.selected_hit()
        elif kind == "helpful" and self.answer.answer and self.answer.answer.citations:
            uid = self.answer.answer.citations[0].doc_uid
            hit = next((c.hit for c in self.cards.cards if c.hit.doc_uid == uid), None)
        elif kind == "helpful":
            hit = self.cards.selected_hit()
        self.controller.record_feedback(kind, hit.doc_uid if hit else "", hit.title if hit else "")

    def confirm(self, title: str, text: str) -> bool:
        """A Yes/No question (tests replace this)."""
        answer = QMessageBox.question(
            self,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def on_save_note_requested(self, text: str) -> None:
        if self.controller is None or self.controller.ticket is None:
            return
        ticket = self.controller.ticket
        if self.confirm(
            "Save as internal note?",
            f"Add this draft to ticket #{ticket.id} as an internal note? Only agents can see it; "
            "nothing is sent to the customer.",
        ):
            self.draft.note_button.setEnabled(False)
            self.controller.save_note(text)

    def on_note_saved(self, _message: object) -> None:
        self.draft.note_button.setEnabled(True)
        self.draft.note_button.setText("Saved ✓")

    def on_note_failed(self, reason: str) -> None:
        self.draft.note_button.setEnabled(True)
        self.status.setText(reason)

    def on_copied(self, _text: str) -> None:
        self.status.setText("Draft copied. Paste it into your reply.")
        if self.controller is not None:
            self.controller.record_cited()

    def on_signals_ready(self, signals: TicketSignals) -> None:
        """The strip shows the SLA clock in more detail: the header's SLA line would repeat it."""
        if self.header.ticket is not None and self.header.ticket.id == signals.ticket_id:
            self.header.sla.setVisible(signals.sla is None)

    # -- the queue page ---------------------------------------------------------------------------

    def show_queue(self, on: bool = True) -> None:
        """Switch to the queue (True) or back to the open ticket (False)."""
        self.pages.setCurrentWidget(self.queue if on else self.ticket_page)
        if self.queue_button.isChecked() != on:
            self.queue_button.blockSignals(True)
            self.queue_button.setChecked(on)
            self.queue_button.blockSignals(False)

    def set_queue_alerts(self, count: int) -> None:
        """The Queue button says how many tickets have alerts firing."""
        self.queue_button.setText(f"Queue ⚠{count}" if count else "Queue")

    def on_ticket_requested(self, ticket_id: str) -> None:
        """A queue row, a repeat contact, a notification or an alert banner: open that ticket."""
        self.show_queue(False)
        if self.controller is not None and not self.controller.pin(ticket_id):
            self.status.setText(f"Could not open #{ticket_id}.")

    def on_index_progress(self, done: int, total: int) -> None:
        if total:
            self.banners.on_banner_shown(
                "index", "info", f"Building the demo index… {done}/{total} articles (first start only)", ""
            )

    def on_banner_action(self, action: str) -> None:
        if action == "settings":
            emit(self.settings_requested)
        elif action == "retry" and self.controller:
            self.controller.refresh()
            if not self.controller.index_ready:
                self.controller.start()
            elif self.controller.server_retry_pending:
                self.controller.on_server_retry()
        elif action == "rebuild" and self.controller:
            self.controller.start()
        elif action.startswith("open:"):
            self.banners.on_banner_cleared("alerts")
            self.on_ticket_requested(action.removeprefix("open:"))

    # -- window behaviour ----------------------------------------------------------------------

    def on_always_on_top_toggled(self, on: bool) -> None:
        visible = self.isVisible()
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, on)
        if visible:
            self.show()  # changing window flags hides the window

    def dock_to(self, edge: str) -> None:
        """Full height at the left or right edge of the current screen."""
        screen = self.screen().availableGeometry()
        width = max(MIN_WIDTH, min(self.width(), screen.width() // 3))
        x = screen.left() if edge == "left" else screen.right() - width + 1
        self.setGeometry(x, screen.top(), width, screen.height())

    def toggle_visible(self) -> None:
        if self.isVisible() and not self.isMinimized():
            self.hide()
        else:
            self.showNormal()
            self.raise_()
            self.activateWindow()

    def restore_prefs(self) -> None:
        if self.prefs is None:
            return
        geometry = self.prefs.value("window/geometry")
        if isinstance(geometry, QByteArray | bytes) and geometry:
            self.restoreGeometry(QByteArray(geometry))
        on_top = self.prefs.value("window/on_top", False)
        self.on_top_action.setChecked(on_top in (True, "true", "1"))

    def save_prefs(self) -> None:
        if self.prefs is None:
            return
        self.prefs.setValue("window/geometry", self.saveGeometry())
        self.prefs.setValue("window/on_top", self.on_top_action.isChecked())
        self.prefs.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_prefs()
        super().closeEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self.restyle()
        super().changeEvent(event)

    def restyle(self) -> None:
        """Re-derive the few custom colours from the palette (light/dark switch)."""
        colours = accents(self.palette())
        for label in self.sections:
            label.setStyleSheet(f"color: {colours.muted}; margin-top: 6px;")
        self.status.setStyleSheet(f"color: {colours.muted};")
        self.banners.restyle()
        self.cards.restyle()
        self.signals_strip.restyle()
        self.queue.restyle()
        self.header.on_tick()
