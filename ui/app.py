"""`assist-sidebar`: the Qt sidebar an agent keeps open all day.

    assist-sidebar                      # your helpdesk and index (first run: a setup dialog)
    assist-sidebar --demo               # demo helpdesk + demo KB (the index is built on first start)
    assist-sidebar --demo --ticket 1001 --screenshot docs/sidebar-light.png --light
    assist-sidebar --db ~/kb-index --dark
    assist-sidebar --demo --queue --screenshot docs/queue.png --light --size 420x900
    assist-sidebar --demo --ticket 1003 --handoff --screenshot docs/handoff-1003.png --light

`--screenshot PATH` opens the window on `--ticket`, waits until its cards, answer, draft and
escalation signals are complete, saves a PNG of the window and exits (0 when complete, 1 on timeout
with a partial picture). With `--queue` it shows the queue view instead and waits for the first
queue refresh; with `--handoff` it then opens the handoff dialog for `--ticket` and saves a picture
of the dialog once its summary is built. It works offscreen (`QT_QPA_PLATFORM=offscreen`) and under
Xvfb.

Escalation prevention (`[escalation]` in config.toml): the signals strip of the open ticket, the
queue view (Queue button, tray menu), the background queue watch with tray notifications (a banner
where there is no tray), and the handoff dialog.

Everything is built here and passed down (no globals): settings, preferences, the engine, the
helpdesk provider, the worker pool, the controller, the window, the tray and the watchers. The
window is shown first; the engine is imported and built right after, and loads its models in
workers.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ui.qtcompat import emit

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from assist import Settings
    from ui.sidebar.controller import SidebarController
    from ui.sidebar.window import SidebarWindow
    from ui.workers import WorkerPool

log = logging.getLogger(__name__)

SCREENSHOT_SIZE = (400, 900)


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="assist-sidebar", description="Agent Assist: knowledge cards, answers and reply drafts."
    )
    parser.add_argument("--demo", action="store_true", help="use the demo helpdesk and the demo KB")
    parser.add_argument("--db", type=Path, help="index folder (default: the configured one)")
    parser.add_argument("--ticket", help="open this ticket (id or URL)")
    parser.add_argument(
        "--screenshot",
        type=Path,
        metavar="PATH",
        help="save a PNG of the window once the ticket is complete, then exit",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="--screenshot gives up after this many seconds (default 300)",
    )
    parser.add_argument(
        "--size",
        default=f"{SCREENSHOT_SIZE[0]}x{SCREENSHOT_SIZE[1]}",
        help="window size for --screenshot, WxH (default %(default)s)",
    )
    parser.add_argument("--queue", action="store_true", help="open the queue view (my tickets by risk)")
    parser.add_argument(
        "--handoff",
        action="store_true",
        help="open the handoff dialog for --ticket (with --screenshot: a picture of the dialog)",
    )
    theme = parser.add_mutually_exclusive_group()
    theme.add_argument("--dark", action="store_true", help="dark theme (default: follow the system)")
    theme.add_argument("--light", action="store_true", help="light theme")
    parser.add_argument(
        "--settings-screenshot",
        type=Path,
        metavar="PATH",
        help="save a PNG of the Settings dialog (locked keys as IT set them), then exit",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation offline (models, sample index, answer, draft, window); exit 0/1",
    )
    parser.add_argument(
        "--with-helpdesk", action="store_true", help="--self-test also signs in to the helpdesk"
    )
    # For bench/ui_bench.py: print when the window is on screen, then exit.
    parser.add_argument("--quit-after-shown", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


class Sidebar:
    """The object graph of one running sidebar (built by `main`, torn down on quit)."""

    def __init__(
        self,
        app: QApplication,
        window: SidebarWindow,
        prefs: QSettings,
        settings: Settings,
        args: argparse.Namespace,
        config_error: str = "",
        locked: frozenset[str] = frozenset(),
    ) -> None:
        from assist import Engine, InternalOnly
        from ui.sidebar.controller import SidebarController
        from ui.workers import WorkerPool

        self.app = app
        self.window = window
        self.prefs = prefs
        self.locked = locked
        """Keys the system file locks: read-only in the Settings dialog."""
        self.args = args
        self.settings = settings
        self.pool: WorkerPool = WorkerPool(parent=app)
        self.relay: Any = None
        self.clipboard: Any = None
        self.tray: Any = None
        self._dialog: Any = None
        self.rules: Any = None
        self.ledger: Any = None
        self.consulted_log: Any = None
        self.escalation: Any = None
        self.watcher: Any = None
        self.handoff_dialog: Any = None

        db, builder = self._index_choice(args)
        self.engine = Engine(settings, db=db)
        provider, provider_error = self._make_provider(settings)
        self.controller: SidebarController = SidebarController(
            self.engine,
            provider,
            self.pool,
            site=self._site(settings),
            index_builder=builder,
            tone=settings.answer.tone,
            parent=app,
        )
        window.connect_controller(self.controller)
        window.cards.is_internal = InternalOnly(settings.answer.internal_only)
        window.settings_requested.connect(self.on_settings_requested)
        window.theme_requested.connect(self.on_theme_requested)
        window.quit_requested.connect(app.quit)
        if config_error:
            emit(self.controller.banner_shown, "config", "error", config_error, "settings")
        if provider_error:
            emit(self.controller.banner_shown, "helpdesk", "error", provider_error, "settings")
        self._build_escalation(provider)
        if not args.screenshot or args.queue:
            self._start_queue_watch(provider)
        if not args.screenshot:
            self._start_watchers()
            self._start_tray()
        app.aboutToQuit.connect(self.shutdown)

    # -- construction -----------------------------------------------------------------------------

    def _index_choice(self, args: argparse.Namespace) -> tuple[Path, Any]:
        """The index folder, and the demo-index builder when the demo index must be (re)built."""
        from common.paths import default_index_dir
        from ui import demo_index

        if args.db:
            return Path(args.db).expanduser(), None
        if args.demo:
            db = demo_index.demo_index_dir()
            if demo_index.is_stale(db):
                return db, lambda progress: demo_index.build(db, progress=progress)
            return db, None
        configured = self.settings.index.path
        if configured and "index.path" in self.locked:  # IT's index (maybe a published share)
            return Path(configured).expanduser(), None
        saved = self.prefs.value("index/dir", "")
        if saved:
            return Path(str(saved)).expanduser(), None
        return (Path(configured).expanduser() if configured else default_index_dir()), None

    @staticmethod
    def _make_provider(settings: Settings) -> tuple[Any, str]:
        from assist.helpdesk import make_provider
        from common.errors import AssistError

        try:
            return make_provider(settings.helpdesk), ""
        except AssistError as exc:
            return None, f"The helpdesk is not set up: {exc}"

    @staticmethod
    def _site(settings: Settings) -> Any:
        from assist.watcher.active import site_for

        return site_for(settings.helpdesk.kind, settings.helpdesk.url)

    def _start_watchers(self) -> None:
        """Follow the browser extension and the clipboard (best effort: the picker always works)."""
        from assist.watcher.active import site_for, sites_for
        from assist.watcher.relay import Relay
        from common.errors import AssistError
        from ui.clipboard_watch import ClipboardWatcher

        hd = self.settings.helpdesk
        if self.controller.tracker is not None:
            hash_site = site_for(hd.kind, hd.url) if hd.clipboard_hash_ids else None
            self.clipboard = ClipboardWatcher(
                self.controller.tracker, sites_for(hd.kind, hd.url), hash_site, parent=self.app
            )
        try:
            self.relay = Relay(on_ticket=self.controller.offer_extension)
            self.relay.start()
        except (AssistError, OSError) as exc:
            self.relay = None
            emit(
                self.controller.banner_shown,
                "relay",
                "info",
                f"Not following the browser extension: {exc}",
                "",
            )

    def _build_escalation(self, provider: Any) -> None:
        """Rules, alert ledger, consulted-articles log and the open ticket's signals."""
        from assist.escalation.ledger import AlertLedger
        from common.paths import data_dir
        from ui.sidebar.escalation import EscalationController

        esc = self.settings.escalation
        self.rules = self._load_rules()
        self.ledger = AlertLedger(data_dir() / "alert_ledger.json")
        self.consulted_log = self._open_consulted_log()
        if self.consulted_log is not None:
            from ui.sidebar.consulted import ConsultedRecorder

            self.controller.consulted = ConsultedRecorder(self.consulted_log, self.pool)
        self.escalation = EscalationController(
            provider, self.pool, self.rules, self.ledger, notify=esc.notify, parent=self.app
        )
        # The agent looking at the queue sees every alert there; no banner needed on top of it.
        self.escalation.banner_suppressed = lambda: self.window.pages.currentWidget() is self.window.queue
        c, e, w = self.controller, self.escalation, self.window
        c.ticket_loading.connect(e.on_ticket_loading)
        c.ticket_changed.connect(e.on_ticket_changed)
        c.ticket_updated.connect(e.on_ticket_updated)
        e.signals_computing.connect(w.signals_strip.on_computing)
        e.signals_ready.connect(w.signals_strip.on_signals)
        e.signals_ready.connect(w.on_signals_ready)
        e.signals_failed.connect(w.signals_strip.on_failed)
        e.snoozed.connect(w.signals_strip.on_snoozed)
        e.banner_shown.connect(w.banners.on_banner_shown)
        w.signals_strip.snooze_minutes = self.rules.snooze_minutes
        w.signals_strip.snooze_requested.connect(e.snooze)
        w.handoff_requested.connect(self.on_handoff_requested)

    def _load_rules(self) -> Any:
        """The team's rules file; the built-in rules (and a banner) when it cannot be used."""
        from assist.escalation.rules import load_rules
        from common.errors import ConfigError

        try:
            rules = load_rules(self.settings.escalation.rules_path)
        except ConfigError as exc:
            emit(
                self.controller.banner_shown,
                "escalation",
                "error",
                f"{exc} Using the built-in escalation rules meanwhile.",
                "settings",
            )
            return load_rules(None)
        emit(self.controller.banner_cleared, "escalation")
        return rules

    @staticmethod
    def _open_consulted_log() -> Any:
        import sqlite3

        try:
            from assist.escalation.consulted import ConsultedLog

            return ConsultedLog()
        except (ImportError, OSError, sqlite3.Error) as exc:
            log.warning("consulted articles are not recorded: %r", exc)
            return None

    def _start_queue_watch(self, provider: Any) -> None:
        """Follow my queue in the background (its own thread; never the GUI thread)."""
        from assist.escalation.queue import QueueWatch
        from ui.queue_watch import QueueWatcher

        if provider is None:
            return
        esc = self.settings.escalation
        watch = QueueWatch(
            provider,
            self.rules,
            ledger=self.ledger,
            include_group_unassigned=esc.include_group_unassigned,
            budget_share=esc.budget_share,
        )
        self.watcher = QueueWatcher(watch, esc.poll_seconds, parent=self.app)
        queue = self.window.queue
        self.watcher.refresh_started.connect(queue.on_refresh_started)
        self.watcher.refreshed.connect(queue.on_refreshed)
        self.watcher.refreshed.connect(self.escalation.on_queue_refreshed)
        self.watcher.refreshed.connect(self.on_queue_refreshed)
        self.watcher.alerts_raised.connect(self.escalation.on_alerts_raised)
        self.watcher.failed.connect(queue.on_failed)
        queue.refresh_requested.connect(self.watcher.refresh_now)
        self.watcher.start()

    def _stop_queue_watch(self) -> None:
        if self.watcher is not None:
            self.window.queue.refresh_requested.disconnect(self.watcher.refresh_now)
            self.watcher.shutdown()
            self.watcher.deleteLater()
            self.watcher = None

    def on_queue_refreshed(self, refresh: Any) -> None:
        self.window.set_queue_alerts(sum(1 for row in refresh.rows if row.signals.alerts))

    def _start_tray(self) -> None:
        from ui.tray import Tray

        if Tray.available():
            self.tray = Tray(self.window, parent=self.app, snooze_minutes=self.rules.snooze_minutes)
            self.tray.quit_requested.connect(self.app.quit)
            self.tray.ticket_requested.connect(self.on_ticket_requested)
            self.tray.queue_requested.connect(self.on_queue_requested)
            self.tray.snooze_requested.connect(self.escalation.snooze_ticket)
            self.escalation.tray = self.tray
            self.tray.show()

    def on_ticket_requested(self, ticket_id: str) -> None:
        """A notification was clicked: bring the sidebar up on that ticket."""
        if not self.window.isVisible() or self.window.isMinimized():
            self.window.toggle_visible()
        self.window.on_ticket_requested(ticket_id)

    def on_queue_requested(self) -> None:
        if not self.window.isVisible() or self.window.isMinimized():
            self.window.toggle_visible()
        self.window.show_queue(True)

    def on_handoff_requested(self, ticket_id: str) -> Any:
        """Open the handoff dialog for the open ticket; returns it (None if no ticket is open)."""
        from ui.handoff_dialog import HandoffDialog

        ticket = self.controller.ticket
        if ticket is None or ticket.id != ticket_id:
            self.window.status.setText("Open the ticket first; it is still loading.")
            return None
        if self.handoff_dialog is not None:
            self.handoff_dialog.close()
        dialog = HandoffDialog(
            ticket,
            self.controller.provider,
            self.pool,
            self.rules,
            history=self.escalation.history_for(ticket.id),
            consulted=self.consulted_log,
            parent=self.window,
        )
        dialog.reassigned.connect(self.on_reassigned)
        self.handoff_dialog = dialog
        dialog.start()
        dialog.open()
        return dialog

    def on_reassigned(self, _group: str) -> None:
        self.controller.refresh()
        if self.watcher is not None:
            self.watcher.refresh_now()

    # -- runtime ----------------------------------------------------------------------------------

    def start(self) -> None:
        if self.args.screenshot and self.args.queue and not self.args.handoff:
            # A picture of the queue needs no search index: don't load one only to exit mid-way.
            self.controller.list_tickets()
            self.window.status.setText("Ready")
            return
        self.controller.start()
        if self.args.ticket and not self.controller.pin(self.args.ticket):
            self.window.status.setText(f"Not a ticket: {self.args.ticket}")

    def on_theme_requested(self, mode: str) -> None:
        from ui.theme import apply_theme

        apply_theme(self.app, mode)
        self.prefs.setValue("theme", mode)

    def on_settings_requested(self) -> None:
        from common.paths import config_dir
        from ui.settings_dialog import SettingsDialog

        self._dialog = SettingsDialog(
            self.settings,
            self.pool,
            index_dir=self.engine.db,
            config_path=config_dir() / "config.toml",
            locked=self.locked,
            parent=self.window,
        )
        self._dialog.saved.connect(self.on_settings_saved)
        self._dialog.open()

    def on_settings_saved(self, settings: Settings, index_dir: str) -> None:
        from assist import Engine, InternalOnly

        old = self.settings
        self.settings = settings
        self.window.cards.is_internal = InternalOnly(settings.answer.internal_only)
        if index_dir:
            self.prefs.setValue("index/dir", index_dir)
        if (index_dir and Path(index_dir) != self.engine.db) or settings.llm != old.llm:
            self.engine = Engine(settings, db=Path(index_dir) if index_dir else self.engine.db)
            self.controller.engine = self.engine
            self.controller.start()
        if settings.escalation != old.escalation:
            self.rules = self._load_rules()
            self.escalation.rules = self.rules
            self.escalation.notify = settings.escalation.notify
            self.window.signals_strip.snooze_minutes = self.rules.snooze_minutes
            if self.tray is not None:
                self.tray.snooze_minutes = self.rules.snooze_minutes
            if settings.helpdesk == old.helpdesk and self.watcher is not None:
                self._stop_queue_watch()  # new poll interval, budget share or rules
                self._start_queue_watch(self.escalation.provider)
        if settings.helpdesk != old.helpdesk:
            provider, error = self._make_provider(settings)
            self.controller._site = self._site(settings)
            self.controller.set_provider(provider)
            self.escalation.set_provider(provider)
            self._stop_queue_watch()
            self._start_queue_watch(provider)
            if error:
                emit(self.controller.banner_shown, "helpdesk", "error", error, "settings")
            if self.clipboard is not None:
                self.clipboard.stop()
                self.clipboard = None
            if self.relay is not None:
                self.relay.stop()
                self.relay = None
            self._start_watchers()
        self.controller.refresh()

    def shutdown(self) -> None:
        self.app.aboutToQuit.disconnect(self.shutdown)
        self.window.save_prefs()
        if self.relay is not None:
            self.relay.stop()
            self.relay = None
        if self.clipboard is not None:
            self.clipboard.stop()
            self.clipboard = None
        self._stop_queue_watch()
        self.escalation.shutdown()
        self.controller.shutdown()
        if self.consulted_log is not None:
            self.consulted_log.close()
        self.engine.close()


class Screenshot:
    """`--screenshot`: grab the window once what it shows is complete.

    - default: the ticket's cards, answer and draft (`ticket_complete`) and its escalation signals;
    - `--queue`: the first queue refresh;
    - `--handoff`: the ticket as above, then the handoff dialog once its summary is built (the
      picture is of the dialog).
    """

    def __init__(
        self,
        sidebar: Sidebar,
        path: Path,
        ticket_id: str | None,
        timeout: float,
        *,
        queue: bool = False,
        handoff: bool = False,
        size: tuple[int, int] | None = None,
    ) -> None:
        from PySide6.QtCore import QTimer

        self.sidebar = sidebar
        self.path = path
        self.ticket_id = (ticket_id or "").lstrip("#")
        self.handoff = handoff
        self.size = size
        self.dialog: Any = None
        self.exit_code = 1
        self.partial = False
        self.waiting: set[str] = set()
        if queue and not handoff:
            self.waiting.add("queue")
            if sidebar.watcher is not None:
                sidebar.watcher.refreshed.connect(lambda _r: self.done("queue"))
                sidebar.watcher.failed.connect(lambda _r: self.done("queue", ok=False))
        else:
            self.waiting.add("ticket")
            sidebar.controller.ticket_complete.connect(self.on_ticket_complete)
            if sidebar.escalation is not None:
                self.waiting.add("signals")
                sidebar.escalation.signals_ready.connect(self.on_signals_ready)
                sidebar.escalation.signals_failed.connect(self.on_signals_failed)
        self._timeout = QTimer(sidebar.app)
        self._timeout.setSingleShot(True)
        self._timeout.timeout.connect(self.on_timeout)
        self._timeout.start(int(timeout * 1000))

    def _mine(self, ticket_id: str) -> bool:
        return not self.ticket_id or ticket_id == self.ticket_id

    def on_ticket_complete(self, ticket_id: str) -> None:
        if self._mine(ticket_id):
            self.done("ticket")

    def on_signals_ready(self, signals: Any) -> None:
        if self._mine(signals.ticket_id):
            self.done("signals")

    def on_signals_failed(self, ticket_id: str, _why: str) -> None:
        if self._mine(ticket_id):
            self.done("signals", ok=False)

    def done(self, what: str, ok: bool = True) -> None:
        from PySide6.QtCore import QTimer

        if what not in self.waiting:
            return
        self.waiting.discard(what)
        self.partial = self.partial or not ok
        if self.waiting:
            return
        if self.handoff and self.dialog is None:
            self.open_handoff()
            return
        self._timeout.stop()
        self.exit_code = 1 if self.partial else 0
        # One more turn of the event loop so the final answer and draft are laid out and painted.
        QTimer.singleShot(300, self.grab)

    def open_handoff(self) -> None:
        ticket = self.sidebar.controller.ticket
        self.waiting.add("handoff")
        self.dialog = self.sidebar.on_handoff_requested(ticket.id if ticket else self.ticket_id)
        if self.dialog is None:
            self.done("handoff", ok=False)
            return
        if self.size:
            self.dialog.resize(*self.size)
        self.dialog.built.connect(lambda _h: self.done("handoff"))
        self.dialog.build_failed.connect(lambda _r: self.done("handoff", ok=False))

    def on_timeout(self) -> None:
        print("assist-sidebar: --screenshot timed out; saving what is shown", file=sys.stderr)
        self.grab()

    def grab(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        target = self.dialog if self.dialog is not None else self.sidebar.window
        ok = target.grab().save(str(self.path), "PNG")
        if not ok:
            print(f"assist-sidebar: could not write {self.path}", file=sys.stderr)
            self.exit_code = 1
        self.sidebar.app.exit(self.exit_code)


def _first_run(
    app: QApplication, prefs: QSettings, settings: Settings, locked: frozenset[str]
) -> tuple[Settings, bool]:
    """The setup dialog on the very first start; returns the settings and whether to use the demo."""
    from common.paths import config_dir, default_index_dir
    from ui.settings_dialog import SettingsDialog
    from ui.workers import WorkerPool

    pool = WorkerPool(parent=app)
    dialog = SettingsDialog(
        settings,
        pool,
        index_dir=default_index_dir(),
        config_path=config_dir() / "config.toml",
        first_run=True,
        locked=locked,
    )
    chosen: dict[str, Any] = {"demo": False, "settings": settings}
    dialog.demo_requested.connect(lambda: chosen.update(demo=True))

    def saved(new: Settings, index_dir: str) -> None:
        chosen["settings"] = new
        if index_dir:
            prefs.setValue("index/dir", index_dir)

    dialog.saved.connect(saved)
    dialog.exec()
    pool.shutdown()
    return chosen["settings"], chosen["demo"] or dialog.result() != dialog.DialogCode.Accepted


def _settings_screenshot(app: QApplication, settings: Settings, locked: frozenset[str], path: Path) -> int:
    """`--settings-screenshot`: the Settings dialog as the agent sees it, saved as a PNG."""
    from PySide6.QtCore import QTimer

    from common.paths import config_dir, default_index_dir
    from ui.settings_dialog import SettingsDialog
    from ui.workers import WorkerPool

    pool = WorkerPool(parent=app)
    dialog = SettingsDialog(
        settings,
        pool,
        index_dir=Path(settings.index.path).expanduser() if settings.index.path else default_index_dir(),
        config_path=config_dir() / "config.toml",
        locked=locked,
    )
    dialog.show()
    code = [1]

    def grab() -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        code[0] = 0 if dialog.grab().save(str(path), "PNG") else 1
        if code[0]:
            print(f"assist-sidebar: could not write {path}", file=sys.stderr)
        app.exit(code[0])

    QTimer.singleShot(300, grab)  # laid out and painted first
    app.exec()
    dialog.close()
    pool.shutdown()
    return code[0]


def _load_settings(demo: bool) -> tuple[Any, str]:
    """The layered settings (`--demo` is a flag: it yields to a helpdesk kind IT locked) and the
    error to show; on an error, the system file's settings, so a broken user file lifts no lock."""
    from assist.config import effective_settings, fallback_settings
    from common.errors import ConfigError

    flags = {"helpdesk.kind": "demo" if demo else None}
    try:
        effective = effective_settings(overrides=flags)
    except ConfigError as exc:
        effective = fallback_settings(overrides=flags)
        return effective, f"Settings could not be read: {exc}"
    for warning in effective.warnings:
        log.warning("%s", warning)
    return effective, ""


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--self-test" in argv:  # engine steps plus the main window, offscreen (ui.selftest)
        from ui.selftest import main as self_test_main

        return self_test_main(argv)
    args = _parse(argv)
    from assist.config import debug_logging
    from common.logs import setup_logging

    setup_logging("assist-sidebar", debug=debug_logging())
    shot_wanted = args.screenshot or args.settings_screenshot
    if shot_wanted and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # headless CI: no display needed

    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from assist.config import default_config_path
    from common.paths import config_dir
    from ui.sidebar.window import SidebarWindow
    from ui.theme import apply_theme
    from ui.tray import app_icon

    app = QApplication.instance() or QApplication(["assist-sidebar"])
    assert isinstance(app, QApplication)
    app.setApplicationName("Agent Assist")
    app.setWindowIcon(app_icon())
    # The sidebar's own preferences (geometry, theme, index folder) beside config.toml.
    prefs = QSettings(str(config_dir() / "sidebar.ini"), QSettings.Format.IniFormat)
    mode = "dark" if args.dark else "light" if args.light else str(prefs.value("theme", "auto"))
    apply_theme(app, mode)

    effective, config_error = _load_settings(args.demo)
    settings = effective.settings
    if args.settings_screenshot:
        return _settings_screenshot(app, settings, effective.locked_keys(), args.settings_screenshot)

    first_run = (
        not args.demo
        and not args.screenshot
        and not args.quit_after_shown
        and not default_config_path().exists()
        and not os.environ.get("ASSIST_HELPDESK_KIND")
    )
    if first_run:
        settings, use_demo = _first_run(app, prefs, settings, effective.locked_keys())
        if use_demo:
            args.demo = True
            effective, config_error = _load_settings(demo=True)
            settings = effective.settings

    window = SidebarWindow(prefs if not args.screenshot else None, tone=settings.answer.tone)
    window.theme_actions.get(mode, window.theme_actions["auto"]).setChecked(True)
    w, _, h = args.size.partition("x")
    size = (int(w), int(h or SCREENSHOT_SIZE[1]))
    if args.screenshot:
        window.resize(*size)
    if args.queue:
        window.show_queue(True)
    window.show()
    app.processEvents()  # paint the window before the heavier imports below
    if args.quit_after_shown:
        print(json.dumps({"shown_s": round(time.perf_counter() - started, 3)}), flush=True)
        window.close()
        return 0

    from ui.qtcompat import binding_problem

    config_error = config_error or binding_problem()
    sidebar = Sidebar(app, window, prefs, settings, args, config_error, effective.locked_keys())
    shot = None
    if args.screenshot:
        shot = Screenshot(
            sidebar,
            args.screenshot,
            args.ticket,
            args.timeout,
            queue=args.queue,
            handoff=args.handoff,
            size=size,
        )
    elif args.handoff and args.ticket:
        ticket_id = args.ticket.lstrip("#")
        opened: list[bool] = []

        def open_handoff(signals: Any) -> None:
            if signals.ticket_id == ticket_id and not opened:
                opened.append(True)
                sidebar.on_handoff_requested(ticket_id)

        sidebar.escalation.signals_ready.connect(open_handoff)
    QTimer.singleShot(0, sidebar.start)
    code = app.exec()
    window.close()
    if shot is not None:
        code = shot.exit_code
    return code


if __name__ == "__main__":
    sys.exit(main())
