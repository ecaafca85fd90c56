"""`assist-sidebar --queue` and `--handoff` screenshots, as the docs make them (demo helpdesk, real
engine without the model: extractive answers keep these fast)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QImage

from ui import app

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _no_model(monkeypatch):
    monkeypatch.setenv("ASSIST_LLM_MODEL", "/nonexistent.gguf")


def test_queue_screenshot_waits_for_the_first_refresh(qtbot, demo_index, tmp_path):
    out = tmp_path / "queue.png"
    argv = ["--demo", "--db", str(demo_index), "--queue", "--screenshot", str(out), "--light"]
    assert app.main([*argv, "--size", "420x700", "--timeout", "120"]) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (420, 700)


def test_handoff_screenshot_is_of_the_dialog(qtbot, demo_index, tmp_path):
    out = tmp_path / "handoff.png"
    argv = ["--demo", "--db", str(demo_index), "--ticket", "1003", "--handoff", "--screenshot", str(out)]
    assert app.main([*argv, "--light", "--size", "430x640", "--timeout", "180"]) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (430, 640)
