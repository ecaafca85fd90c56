"""Light and dark palettes that follow the OS, and the few accent colours the sidebar needs.

`apply_theme(app, "auto")` uses the OS colour scheme (`QStyleHints.colorScheme`, Qt ≥ 6.5) and
follows it when it changes; "light"/"dark" force one (`--light`/`--dark`, screenshots). The Fusion
style is used everywhere because it draws every widget from the palette, so both schemes look
the same on every platform, including offscreen and Xvfb where there is no platform theme.

Widgets never hard-code colours: they use palette roles, or `accents()` for banner levels.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

MODES = ("auto", "light", "dark")


@dataclass(frozen=True, slots=True)
class Accents:
    """Colours for states the palette has no role for: (background, foreground) per level."""

    info: tuple[str, str]
    warning: tuple[str, str]
    error: tuple[str, str]
    success: tuple[str, str]
    highlight_bg: str
    """Query terms highlighted in card passages."""
    card_bg: str
    card_border: str
    muted: str
    """Secondary text (breadcrumbs, dates); chosen for ≥ 4.5:1 contrast on `card_bg`."""
    link: str


LIGHT = Accents(
    info=("#e7f0fd", "#17407a"),
    warning=("#fff4d6", "#6b4a00"),
    error=("#fde8e8", "#8a1c1c"),
    success=("#e6f5ea", "#1d5c2e"),
    highlight_bg="#fff1a8",
    card_bg="#ffffff",
    card_border="#d5d9e0",
    muted="#5a6270",
    link="#1f5fbf",
)
DARK = Accents(
    info=("#1d2f4a", "#cfe1ff"),
    warning=("#3d3112", "#ffe2a3"),
    error=("#4a1f22", "#ffd0d0"),
    success=("#1d3a26", "#c9f0d3"),
    highlight_bg="#6b5a12",
    card_bg="#262a31",
    card_border="#3b414b",
    muted="#aab2bf",
    link="#8ab8ff",
)


def _palette(dark: bool) -> QPalette:
    p = QPalette()
    if dark:
        window, base, alt, text, button = "#1e2126", "#16181c", "#23272e", "#e6e8eb", "#2b3038"
        highlight, highlighted_text, disabled = "#3d7bd9", "#ffffff", "#7d8590"
        link = DARK.link
    else:
        window, base, alt, text, button = "#f3f4f6", "#ffffff", "#f7f8fa", "#1b1f24", "#ffffff"
        highlight, highlighted_text, disabled = "#2f6fd6", "#ffffff", "#8a929c"
        link = LIGHT.link
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: alt,
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: button,
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.ToolTipBase: base,
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: disabled,
        QPalette.ColorRole.Highlight: highlight,
        QPalette.ColorRole.HighlightedText: highlighted_text,
        QPalette.ColorRole.Link: link,
        QPalette.ColorRole.LinkVisited: link,
        QPalette.ColorRole.BrightText: "#ff6b6b",
        QPalette.ColorRole.Light: "#3a3f47" if dark else "#ffffff",
        QPalette.ColorRole.Midlight: "#32363e" if dark else "#e9ebee",
        QPalette.ColorRole.Mid: "#4a505a" if dark else "#c4c8cf",
        QPalette.ColorRole.Dark: "#101215" if dark else "#9aa0a8",
        QPalette.ColorRole.Shadow: "#000000",
    }
    for role, colour in roles.items():
        p.setColor(QPalette.ColorGroup.All, role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled))
    return p


def os_prefers_dark() -> bool:
    scheme = QGuiApplication.styleHints().colorScheme()
    return scheme == Qt.ColorScheme.Dark


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def accents(palette: QPalette | None = None) -> Accents:
    return DARK if is_dark(palette) else LIGHT


class _SchemeFollower(QObject):
    """Re-applies the palette when the OS colour scheme changes (in "auto" mode only)."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.setObjectName("assist-theme-follower")
        self.mode = "auto"
        self._app = app
        QGuiApplication.styleHints().colorSchemeChanged.connect(self.on_scheme_changed)

    def on_scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        if self.mode == "auto":
            self._app.setPalette(_palette(scheme == Qt.ColorScheme.Dark))


def apply_theme(app: QApplication, mode: str = "auto") -> bool:
    """Set the style and palette; returns True if dark. In "auto", follows later OS changes."""
    app.setStyle("Fusion")
    dark = os_prefers_dark() if mode == "auto" else mode == "dark"
    app.setPalette(_palette(dark))
    follower = app.findChild(_SchemeFollower, "assist-theme-follower") or _SchemeFollower(app)
    follower.mode = mode
    return dark
