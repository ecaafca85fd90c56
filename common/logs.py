"""The log: one rotated file per entry point in the platform log dir, and no ticket text in it
unless debug logging is on.

    from common.logs import Sensitive, sensitive_error, setup_logging

    setup_logging("assist-sidebar", debug=settings.logging.debug)  # once, in main()
    log.info("ticket %s: searching for %s", ticket.id, Sensitive(query.text))
    log.warning("search failed: %s", sensitive_error(exc))
    # → ticket 1001: searching for <212 chars hidden>
    # → search failed: OperationalError: <48 chars hidden>

Ticket text reaches a log in three ways, and each is covered unless debug is on:
- as an argument: a subject, a body, a query, or an exception whose message quotes one (SQLite's
  FTS5 errors quote the query; a helpdesk's 422 may echo a note). Wrap text in `Sensitive`; an
  exception argument, from any logger, is shown as its type only (`sensitive_error(exc)` says so
  where it is logged). Either prints as a length;
- in a traceback's exception message (`log.exception`): `TicketTextFormatter` keeps the frames and
  the exception type and hides the message;
- in httpx's INFO request lines, whose URLs hold ticket ids and search terms (requester names in
  RT's TicketSQL): `TicketTextFilter` drops httpx and httpcore records below WARNING.

With debug on (`[logging] debug = true` or `ASSIST_DEBUG=1`) all of it is logged, at DEBUG.

The formatter works on a copy of each record, so other handlers (pytest's `caplog`) see it as made.
Arguments are the exception: `assist.helpdesk._http` redacts registered tokens from every record
as it is made, and does so by formatting the message right there; a record factory that runs
before it (whichever of the two was installed first) makes the arguments safe first.
"""

from __future__ import annotations

import copy
import logging
import os
import sys
import traceback
from collections.abc import Mapping
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
"""At most 6 MB per entry point on each laptop."""
FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"
CONSOLE_FORMAT = "%(levelname)s %(name)s: %(message)s"
QUIET_BELOW_WARNING = ("httpx", "httpcore")
"""Loggers whose INFO/DEBUG records are URLs and headers: kept only in debug logs."""

_MARK = "_agent_assist_handler"
# Process-wide, like logging's own configuration and record factory; set by `setup_logging` and
# `close_logging` only.
_debug = False
_active = False
_factory_installed = False


class Sensitive:
    """Text that may be a customer's (a subject, a body, a query): in the log only when debugging.

    Args:
        text: The text (anything; `str()` is taken now).
        label: Shown either way, e.g. an exception's type.
    """

    __slots__ = ("label", "text")

    def __init__(self, text: object, label: str = "") -> None:
        self.text = str(text)
        self.label = label

    def hidden(self) -> str:
        note = f"<{len(self.text)} chars hidden>"
        return f"{self.label}: {note}" if self.label else note

    def revealed(self) -> str:
        return f"{self.label}: {self.text}" if self.label else self.text

    def __str__(self) -> str:
        return self.revealed() if _debug else self.hidden()

    __repr__ = __str__


def sensitive_error(exc: BaseException) -> Sensitive:
    """An exception for a log line: its type always, its message (which may quote the ticket, as
    SQLite's FTS5 syntax errors quote the query) only when debugging."""
    return Sensitive(str(exc), type(exc).__name__)


def _traceback_without_message(exc_info: Any) -> str:
    etype, value, tb = exc_info
    frames = "".join(traceback.format_tb(tb))
    name = getattr(etype, "__qualname__", str(etype))
    hidden = f"<{len(str(value))} chars hidden>" if value is not None and str(value) else ""
    return f"Traceback (most recent call last):\n{frames}{name}{': ' + hidden if hidden else ''}"


class _Text:
    """Formats as `text` with %s and %r alike: a hidden message must not turn into a quoted one."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    __repr__ = __str__


def _safe(value: Any, debug: bool) -> Any:
    if isinstance(value, Sensitive):
        return _Text(value.revealed() if debug else value.hidden())
    if isinstance(value, BaseException) and not debug:
        return _Text(sensitive_error(value).hidden())
    return value


def safe_args(args: Any, debug: bool) -> Any:
    """A record's `args` with `Sensitive` text and exception messages hidden unless `debug`."""
    if isinstance(args, Mapping):
        return {k: _safe(v, debug) for k, v in args.items()}
    if isinstance(args, tuple):
        return tuple(_safe(v, debug) for v in args)
    return args


def _install_record_factory() -> None:
    global _factory_installed
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(name: str, level: int, fn: str, lno: int, msg: Any, args: Any, *rest: Any, **kw: Any):
        if _active:
            # Before the factory below: the secrets factory formats the message as it gets it.
            msg, args = _safe(msg, _debug), safe_args(args, _debug)
        return previous(name, level, fn, lno, msg, args, *rest, **kw)

    logging.setLogRecordFactory(factory)
    _factory_installed = True


class TicketTextFilter(logging.Filter):
    """Drops httpx's and httpcore's records below WARNING (request URLs) unless `debug`."""

    def __init__(self, debug: bool = False) -> None:
        super().__init__()
        self.debug = debug

    def filter(self, record: logging.LogRecord) -> bool:
        quiet = record.name.partition(".")[0] in QUIET_BELOW_WARNING
        return self.debug or not quiet or record.levelno >= logging.WARNING


class TicketTextFormatter(logging.Formatter):
    """Formats a copy of each record with `Sensitive` text, exception arguments and traceback
    messages hidden unless `debug`."""

    def __init__(self, fmt: str, debug: bool = False) -> None:
        super().__init__(fmt)
        self.debug = debug

    def format(self, record: logging.LogRecord) -> str:
        record = copy.copy(record)
        # Needed for records made before the factory was installed, or by another factory.
        record.msg = _safe(record.msg, self.debug)
        record.args = safe_args(record.args, self.debug)
        if not self.debug and record.exc_info and record.exc_info[0] is not None:
            record.exc_text = _traceback_without_message(record.exc_info)
        return super().format(record)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is when a record comes: pytest swaps it for every test, and
    a windowed app (PyInstaller on Windows) has none at all."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass

    def emit(self, record: logging.LogRecord) -> None:
        if sys.stderr is not None:
            super().emit(record)


def debug_from_env(environ: Mapping[str, str] | None = None) -> bool:
    """`ASSIST_DEBUG`, for an entry point that cannot read the settings (`assist-index`)."""
    env = os.environ if environ is None else environ
    return env.get("ASSIST_DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}


def setup_logging(
    app: str,
    *,
    debug: bool = False,
    directory: Path | None = None,
    max_bytes: int = MAX_BYTES,
    backup_count: int = BACKUP_COUNT,
) -> Path:
    """Send the root logger to `<log dir>/<app>.log` (rotated) and warnings to stderr.

    Called once by each entry point. A second call replaces the handlers of the first (tests run
    several `main()`s in one process), so records never go to two files.

    Args:
        app: The entry point, which names the file: "assist", "assist-index", "assist-sidebar".
        debug: DEBUG level and ticket text in the log; otherwise INFO with it hidden.
        directory: Default `common.paths.log_dir()` (`ASSIST_LOG_DIR`).
        max_bytes: Size at which the file is rotated.
        backup_count: Rotated files kept (`<app>.log.1` …).

    Returns:
        The log file (which may not exist until the first record).
    """
    global _debug, _active
    from common.paths import log_dir

    folder = directory or log_dir()
    path = folder / f"{app}.log"
    root = logging.getLogger()
    close_logging()
    ticket_filter = TicketTextFilter(debug)
    console = _StderrHandler()
    console.setLevel(logging.WARNING)
    console.setFormatter(TicketTextFormatter(CONSOLE_FORMAT, debug))
    handlers: list[logging.Handler] = [console]
    problem = ""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        file_handler = RotatingFileHandler(
            path, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8", delay=True
        )
        file_handler.setFormatter(TicketTextFormatter(FORMAT, debug))
        handlers.append(file_handler)
    except OSError as exc:  # a read-only profile must not stop the app; say so on stderr
        problem = f"Not writing a log file to {folder}: {exc}"
    for handler in handlers:
        handler.addFilter(ticket_filter)
        setattr(handler, _MARK, True)
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    _debug, _active = debug, True
    _install_record_factory()
    if problem:
        logging.getLogger(__name__).warning("%s", problem)
    return path


def close_logging() -> None:
    """Remove and close the handlers `setup_logging` added, and stop rewriting records."""
    global _debug, _active
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(handler)
        handler.close()
    _debug, _active = False, False
