"""`assist-sidebar` as the docs and checks run it: `--screenshot` waits for the complete ticket."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QImage

from ui import app

pytestmark = pytest.mark.slow


def test_screenshot_waits_for_cards_answer_and_draft(qtbot, demo_index, tmp_path, monkeypatch):
    # Extractive answers (no model) keep this fast; the streamed path is covered in test_flow.py.
    monkeypatch.setenv("ASSIST_LLM_MODEL", "/nonexistent.gguf")
    out = tmp_path / "docs" / "shot.png"
    argv = ["--demo", "--db", str(demo_index), "--ticket", "1002", "--screenshot", str(out), "--dark"]
    assert app.main([*argv, "--timeout", "120"]) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (400, 900)
    # Dark theme: the window background is dark.
    assert image.pixelColor(5, 5).lightness() < 80


def test_window_shows_before_anything_loads(qtbot, tmp_path, capsys):
    assert app.main(["--demo", "--db", str(tmp_path / "none"), "--quit-after-shown", "--light"]) == 0
    assert '"shown_s"' in capsys.readouterr().out
