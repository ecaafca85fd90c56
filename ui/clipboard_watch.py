"""Clipboard → active ticket: copying a ticket URL (or `#12345` when enabled) switches the sidebar.

Thin Qt wrapper: QClipboard.dataChanged → `parse_clipboard` → `tracker.offer("clipboard", ref)`.
The rules live in `assist.watcher.urls`; this class only listens.

Signals:
    ticket_copied(str, str): provider, ticket id of a recognised copy.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QClipboard, QGuiApplication

from assist.watcher import ActiveTicketTracker, HelpdeskSite, parse_clipboard


class ClipboardWatcher(QObject):
    ticket_copied = Signal(str, str)

    def __init__(
        self,
        tracker: ActiveTicketTracker,
        sites: Sequence[HelpdeskSite] = (),
        hash_site: HelpdeskSite | None = None,
        clipboard: QClipboard | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._tracker = tracker
        self._sites = tuple(sites)
        self._hash_site = hash_site
        self._clipboard = clipboard or QGuiApplication.clipboard()
        self._last_text = ""
        self._clipboard.dataChanged.connect(self.on_data_changed)

    @Slot()
    def on_data_changed(self) -> None:
        text = self._clipboard.text()
        if text == self._last_text:
            return  # some platforms signal twice for one copy
        self._last_text = text
        ref = parse_clipboard(text, self._sites, self._hash_site)
        if ref is not None and self._tracker.offer("clipboard", ref):
            self.ticket_copied.emit(ref.provider, ref.ticket_id)

    def stop(self) -> None:
        self._clipboard.dataChanged.disconnect(self.on_data_changed)
