"""First-run setup and Settings: helpdesk (kind, URL, email, token), index folder, model file.

The token goes to the OS keyring (`assist.secrets`), never to a file, and only after one API call
(`my_open_tickets(limit=1)`, in a worker) proved it works. The rest is written to `config.toml`
(other keys in the file are kept); the index folder, which `Settings` has no field for yet, is
kept in the sidebar's own preferences.

Keys IT locked in the system file (`[policy] locked`, see `assist.layers`) are shown read-only with
"Set by your IT department", and saving never writes them to the user's file.
"""

from __future__ import annotations

import dataclasses
import threading
import tomllib
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from assist import Settings
from assist.config import KINDS, HelpdeskSettings
from common.errors import AssistError, AuthError, ConfigError
from ui.qtcompat import emit
from ui.theme import accents
from ui.workers import WorkerPool

LOCKED_TEXT = "Set by your IT department"

KIND_LABELS = {
    "demo": "Demo helpdesk",
    "zendesk": "Zendesk",
    "freshdesk": "Freshdesk",
    "rt": "Request Tracker",
}


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def write_config(path: Path, sections: dict[str, dict[str, Any]]) -> None:
    """Merge `sections` into the TOML file at `path` (keeping every other key) and write it."""
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path} is not valid TOML ({exc}); fix or delete it first.") from None
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    lines = ["# Agent Assist settings. Tokens are in the OS keyring, not here.", ""]
    for name, values in data.items():
        if not isinstance(values, dict):
            continue
        lines.append(f"[{name}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in values.items()]
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    tmp.replace(path)


def _default_factory(settings: HelpdeskSettings, token: str | None) -> Any:
    from assist.helpdesk import make_provider

    return make_provider(settings, token)


class SettingsDialog(QDialog):
    """Signals:
    saved(object, str): the validated `Settings` and the index folder.
    demo_requested(): "Try the demo" (first run).
    """

    saved = Signal(object, str)
    demo_requested = Signal()

    def __init__(
        self,
        settings: Settings,
        pool: WorkerPool,
        *,
        index_dir: Path,
        config_path: Path,
        first_run: bool = False,
        provider_factory: Callable[[HelpdeskSettings, str | None], Any] = _default_factory,
        store_token: Callable[[HelpdeskSettings, str], None] | None = None,
        locked: Collection[str] = frozenset(),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.locked = frozenset(locked)
        """Dotted keys ("helpdesk.url") the system file locks: shown, not editable, not saved."""
        self.pool = pool
        self.config_path = config_path
        self._factory = provider_factory
        self._store_token = store_token
        self.setWindowTitle("Set up Agent Assist" if first_run else "Settings")
        self.setMinimumWidth(440)  # an IT-set model path is read, not scrolled
        layout = QVBoxLayout(self)
        if first_run:
            intro = QLabel(
                "Connect your helpdesk so the sidebar can read the ticket you are working on. "
                "Nothing leaves this computer except calls to your helpdesk.",
                self,
            )
            intro.setWordWrap(True)
            layout.addWidget(intro)

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.kind = QComboBox(self)
        for kind in KINDS:
            self.kind.addItem(KIND_LABELS.get(kind, kind), kind)
        self.kind.setCurrentIndex(max(0, self.kind.findData(settings.helpdesk.kind)))
        self.kind.currentIndexChanged.connect(self.on_kind_changed)
        self.url = QLineEdit(settings.helpdesk.url, self)
        self.url.setPlaceholderText("https://acme.zendesk.com")
        self.email = QLineEdit(settings.helpdesk.email, self)
        self.email.setPlaceholderText("you@acme.com (Zendesk)")
        self.token = QLineEdit(self)
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("API token (kept in the OS keyring)")
        if "index.path" in self.locked and settings.index.path:
            index_dir = Path(settings.index.path)  # IT's index, e.g. a published share
        self.index_dir = QLineEdit(str(index_dir), self)
        self._shown_index_dir = str(index_dir)
        self.model = QLineEdit(settings.llm.model_path, self)
        self.model.setPlaceholderText("Default: the bundled small model")
        self._keys: dict[QWidget, str] = {
            self.kind: "helpdesk.kind",
            self.url: "helpdesk.url",
            self.email: "helpdesk.email",
            self.model: "llm.model_path",
            self.index_dir: "index.path",
        }
        form.addRow("Helpdesk", self._lockable(self.kind))
        form.addRow("URL", self._lockable(self.url))
        form.addRow("Email", self._lockable(self.email))
        form.addRow("API token", self.token)
        form.addRow(
            "Index folder", self._lockable(self._with_browse(self.index_dir, folder=True), self.index_dir)
        )
        form.addRow("Model file", self._lockable(self._with_browse(self.model, folder=False), self.model))
        layout.addLayout(form)

        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        layout.addWidget(self.message)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("Check and save")
        if first_run and not self.is_locked(self.kind):  # IT chose the helpdesk: no demo offer
            demo = self.buttons.addButton("Try the demo", QDialogButtonBox.ButtonRole.ActionRole)
            demo.clicked.connect(self.on_demo_clicked)
        self.buttons.accepted.connect(self.on_save_clicked)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._cancel = threading.Event()
        self.on_kind_changed()

    def is_locked(self, widget: QWidget) -> bool:
        return self._keys.get(widget) in self.locked

    def _lockable(self, row: QWidget, field: QWidget | None = None) -> QWidget:
        """`row` as is, or, if IT locked its field, disabled with the reason under it."""
        field = field or row
        if not self.is_locked(field):
            return row
        row.setEnabled(False)  # the browse button beside a locked path goes too
        # Disabled text is as pale as a placeholder; IT's value is the one in effect, so it is drawn
        # in the normal text colour on a muted background: read, not edited.
        palette = field.palette()
        for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
            palette.setColor(
                QPalette.ColorGroup.Disabled, role, palette.color(QPalette.ColorGroup.Active, role)
            )
        for role in (QPalette.ColorRole.Base, QPalette.ColorRole.Button):
            palette.setColor(QPalette.ColorGroup.Disabled, role, palette.color(QPalette.ColorRole.Midlight))
        field.setPalette(palette)
        for widget in (row, field):
            widget.setToolTip(LOCKED_TEXT)
            widget.setAccessibleDescription(LOCKED_TEXT)
        box = QWidget(self)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(row)
        note = QLabel(LOCKED_TEXT, box)
        note.setObjectName("locked_note")
        note.setToolTip(LOCKED_TEXT)
        note.setEnabled(False)  # the palette's disabled text: muted, like the field above it
        font = note.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        note.setFont(font)
        column.addWidget(note)
        return box

    def _with_browse(self, edit: QLineEdit, folder: bool) -> QWidget:
        box = QWidget(self)
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(edit, 1)
        button = QPushButton("…", box)
        button.setToolTip("Browse")
        button.setAccessibleName("Browse")
        button.setMaximumWidth(32)
        button.clicked.connect(lambda: self.on_browse(edit, folder))
        row.addWidget(button)
        return box

    def on_browse(self, edit: QLineEdit, folder: bool) -> None:
        if folder:
            path = QFileDialog.getExistingDirectory(self, "Index folder", edit.text())
        else:
            path, _ = QFileDialog.getOpenFileName(self, "Model file", edit.text(), "GGUF models (*.gguf)")
        if path:
            edit.setText(path)

    def on_kind_changed(self, _index: int = 0) -> None:
        demo = self.kind.currentData() == "demo"
        for w in (self.url, self.email, self.token):
            w.setEnabled(not demo and not self.is_locked(w))

    def helpdesk_settings(self) -> HelpdeskSettings:
        """The form's helpdesk; a locked key keeps the value it came with, whatever its widget says."""
        current = self.settings.helpdesk
        edited = {
            "kind": self.kind.currentData(),
            "url": self.url.text().strip(),
            "email": self.email.text().strip(),
        }
        return dataclasses.replace(
            current, **{k: v for k, v in edited.items() if f"helpdesk.{k}" not in self.locked}
        )

    def show_message(self, text: str, level: str = "error") -> None:
        bg, fg = getattr(accents(self.palette()), level)
        self.message.setText(text)
        self.message.setStyleSheet(f"background:{bg}; color:{fg}; border-radius:4px; padding:4px;")
        self.message.setVisible(True)

    def on_demo_clicked(self) -> None:
        emit(self.demo_requested)
        self.accept()

    def on_save_clicked(self) -> None:
        try:
            helpdesk = self.helpdesk_settings().validate()
        except ConfigError as exc:
            self.show_message(str(exc))
            return
        token = self.token.text().strip() or None
        if helpdesk.kind != "demo" and token is None:
            from assist.secrets import get_token

            if get_token(helpdesk) is None:
                self.show_message("Enter the API token (it is stored in the OS keyring).")
                return
        self.save_button.setEnabled(False)
        self.show_message("Checking the connection…", "info")
        factory, store = self._factory, self._store_token

        def check(_ev: threading.Event) -> HelpdeskSettings:
            # One real API call: a typo in the URL or a wrong token shows up now, not at the first
            # ticket; the token is only stored once it has worked.
            provider = factory(helpdesk, token)
            try:
                provider.my_open_tickets(limit=1)
            finally:
                provider.close()
            if token and helpdesk.kind != "demo":
                if store is None:
                    from assist.secrets import set_token

                    set_token(helpdesk, token)
                else:
                    store(helpdesk, token)
            return helpdesk

        self.pool.submit(
            check,
            name="check helpdesk",
            returned=self.on_check_returned,
            errored=self.on_check_errored,
        )

    def on_check_returned(self, _tag: int, helpdesk: HelpdeskSettings) -> None:
        self.save_button.setEnabled(True)
        llm = self.settings.llm
        if not self.is_locked(self.model):
            llm = dataclasses.replace(llm, model_path=self.model.text().strip())
        settings = dataclasses.replace(self.settings, helpdesk=helpdesk, llm=llm)
        edited = {
            "helpdesk": {k: getattr(helpdesk, k) for k in ("kind", "url", "email")},
            "llm": {"model_path": llm.model_path},
        }
        # Locked keys stay out of the user's file: IT's value applies anyway, and a copy would
        # outlive a later change of policy.
        sections = {
            name: kept
            for name, values in edited.items()
            if (kept := {k: v for k, v in values.items() if f"{name}.{k}" not in self.locked})
        }
        try:
            write_config(self.config_path, sections)
        except (AssistError, OSError) as exc:
            self.show_message(f"Could not save the settings: {exc}")
            return
        self.settings = settings
        self.show_message("Connected. Settings saved.", "success")
        # Only a folder the agent chose is kept as theirs: one merely shown (the default, or
        # `[index] path`) must follow later changes of that setting.
        chosen = self.index_dir.text().strip()
        unchanged = self.is_locked(self.index_dir) or chosen == self._shown_index_dir
        emit(self.saved, settings, "" if unchanged else chosen)
        self.accept()

    def on_check_errored(self, _tag: int, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, AuthError):
            self.show_message("The helpdesk refused this token (401/403). Check the token and the email.")
        elif isinstance(exc, AssistError):
            self.show_message(str(exc))
        else:
            self.show_message(f"Could not check the connection: {type(exc).__name__}: {exc}")
