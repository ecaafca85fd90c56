"""`assist-sidebar --self-test`: the engine's self-test (`assist.selftest`) plus the sidebar's window.

The extra step creates the main window offscreen (no display needed, nothing flashes on screen),
shows it, lets Qt lay it out and closes it: it proves that Qt, its platform plugin and our widgets
load from the installed app.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from assist.selftest import main as engine_self_test


def _window() -> str:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from ui.sidebar.window import SidebarWindow

    app = QApplication.instance() or QApplication(["assist-sidebar"])
    window = SidebarWindow(None)
    try:
        window.show()
        app.processEvents()
        if not window.isVisible() or window.width() <= 0:
            raise RuntimeError("the main window was created but is not shown")
        size = f"{window.width()}x{window.height()}"
    finally:
        window.close()
        window.deleteLater()
        app.processEvents()
    return f"main window {size} on Qt's {app.platformName()} platform"


def main(argv: Sequence[str] | None = None) -> int:
    return engine_self_test(argv, prog="assist-sidebar", extra=[("sidebar window", _window)])
