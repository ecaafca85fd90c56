"""The Settings dialog under IT policy: locked keys are read-only, say who set them, and are never
written to the user's file."""

from __future__ import annotations

import tomllib

from PySide6.QtWidgets import QDialogButtonBox, QLabel, QPushButton

from assist.config import HelpdeskSettings, effective_settings
from assist.helpdesk import make_provider
from ui.settings_dialog import LOCKED_TEXT, SettingsDialog
from ui.workers import WorkerPool

SYSTEM = """\
[helpdesk]
kind = "rt"
url = "https://rt.corp.example/rt"
[llm]
model_path = "/opt/agent-assist/models/company.gguf"
[policy]
locked = ["helpdesk.kind", "helpdesk.url", "llm.model_path"]
"""


def _dialog(qtbot, tmp_path, first_run=False):
    system = tmp_path / "system.toml"
    system.write_text(SYSTEM)
    config = tmp_path / "config.toml"
    config.write_text('[answer]\ntone = "formal"\n')
    effective = effective_settings(config, {}, system_path=system)
    pool = WorkerPool()
    stored: list[str] = []
    dialog = SettingsDialog(
        effective.settings,
        pool,
        index_dir=tmp_path / "idx",
        config_path=config,
        first_run=first_run,
        # The real demo helpdesk answers the connection check.
        provider_factory=lambda hs, token: make_provider(HelpdeskSettings(kind="demo")),
        store_token=lambda hs, token: stored.append(token),
        locked=effective.locked_keys(),
    )
    qtbot.add_widget(dialog)
    return dialog, pool, config, stored


def test_locked_fields_are_read_only_and_say_it_set_them(qtbot, tmp_path):
    dialog, pool, _config, _stored = _dialog(qtbot, tmp_path)
    for field, value in (
        (dialog.url, "https://rt.corp.example/rt"),
        (dialog.model, "/opt/agent-assist/models/company.gguf"),
    ):
        assert not field.isEnabled() and field.text() == value
        assert field.toolTip() == LOCKED_TEXT
    assert not dialog.kind.isEnabled() and dialog.kind.currentData() == "rt"
    notes = [label for label in dialog.findChildren(QLabel, "locked_note") if label.text() == LOCKED_TEXT]
    assert len(notes) == 3
    browse = [b for b in dialog.findChildren(QPushButton) if b.toolTip() == "Browse"]
    assert [b.isEnabled() for b in browse] == [True, False]  # index folder yes, model file no
    # What IT left open stays editable.
    assert dialog.email.isEnabled() and dialog.token.isEnabled() and dialog.index_dir.isEnabled()
    assert not dialog.email.toolTip()
    dialog.on_kind_changed()  # re-evaluating the helpdesk kind must not unlock the URL
    assert not dialog.url.isEnabled()
    assert pool.shutdown(5000)


def test_saving_never_writes_a_locked_key(qtbot, tmp_path):
    dialog, pool, config, stored = _dialog(qtbot, tmp_path)
    dialog.url.setText("https://elsewhere.example")  # programmatically: the widget is disabled
    dialog.model.setText("/tmp/mine.gguf")
    dialog.email.setText("sam@corp.example")
    dialog.token.setText("rt-token-1234")
    with qtbot.wait_signal(dialog.saved, timeout=10_000) as saved:
        dialog.on_save_clicked()
    settings, _index_dir = saved.args
    assert settings.helpdesk.url == "https://rt.corp.example/rt"
    assert settings.llm.model_path == "/opt/agent-assist/models/company.gguf"
    assert settings.helpdesk.email == "sam@corp.example" and stored == ["rt-token-1234"]
    data = tomllib.loads(config.read_text())
    assert data["helpdesk"] == {"email": "sam@corp.example"}
    assert "llm" not in data  # its only field here is locked: no section at all
    assert data["answer"] == {"tone": "formal"}  # the rest of the file is kept
    assert "rt-token-1234" not in config.read_text()
    assert pool.shutdown(5000)


def test_first_run_offers_no_demo_when_it_chose_the_helpdesk(qtbot, tmp_path):
    dialog, pool, _config, _stored = _dialog(qtbot, tmp_path, first_run=True)
    labels = [b.text() for b in dialog.buttons.buttons()]
    assert "Try the demo" not in labels
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Save).text() == "Check and save"
    assert pool.shutdown(5000)


def test_settings_screenshot_flag_saves_the_dialog(qtbot, tmp_path, monkeypatch):
    from PySide6.QtGui import QImage

    from ui.app import main

    system = tmp_path / "system.toml"
    system.write_text(SYSTEM)
    monkeypatch.setenv("ASSIST_SYSTEM_CONFIG", str(system))
    out = tmp_path / "shots" / "settings.png"
    assert main(["--settings-screenshot", str(out), "--light"]) == 0
    image = QImage(str(out))
    assert image.width() >= 440 and image.height() > 150


def test_an_index_it_set_is_shown_read_only_and_never_stored_as_the_users(qtbot, tmp_path):
    system = tmp_path / "system.toml"
    system.write_text('[index]\npath = "/srv/kb-share/agent-assist"\n[policy]\nlocked = ["index.path"]\n')
    effective = effective_settings(
        tmp_path / "none.toml", {"ASSIST_INDEX_PATH": "/home/sam/idx"}, system_path=system
    )
    assert effective.settings.index.path == "/srv/kb-share/agent-assist"  # the env can't move it
    pool = WorkerPool()
    dialog = SettingsDialog(
        effective.settings,
        pool,
        index_dir=tmp_path / "idx",
        config_path=tmp_path / "config.toml",
        provider_factory=lambda hs, token: make_provider(HelpdeskSettings(kind="demo")),
        store_token=lambda hs, token: None,
        locked=effective.locked_keys(),
    )
    qtbot.add_widget(dialog)
    assert dialog.index_dir.text() == "/srv/kb-share/agent-assist"
    assert not dialog.index_dir.isEnabled() and dialog.index_dir.toolTip() == LOCKED_TEXT
    with qtbot.wait_signal(dialog.saved, timeout=10_000) as saved:
        dialog.on_save_clicked()
    assert saved.args[1] == ""  # nothing for the app to keep as the user's own index folder
    assert pool.shutdown(5000)
