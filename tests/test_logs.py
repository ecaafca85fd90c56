"""The log file: rotated, in the log dir, and free of ticket text (and tokens) unless debugging."""

from __future__ import annotations

import json
import logging
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from common.logs import Sensitive, close_logging, sensitive_error, setup_logging

REPO = Path(__file__).resolve().parents[1]
BODY = "My Lumen hub blinks red since the firmware update, Marcus Reid, order 55512"


@pytest.fixture(autouse=True)
def _closed_logs():
    yield
    close_logging()


def _log_ticket_text() -> None:
    """Every way ticket text reaches a log: an argument, an exception argument, a traceback, an
    httpx request line, a debug line."""
    log = logging.getLogger("assist.engine")
    log.info("ticket %s: searching for %s", "1001", Sensitive(BODY))
    log.warning("search failed: %r", sqlite3.OperationalError(f'fts5: syntax error near "{BODY}"'))
    log.warning("generation failed: %s", sensitive_error(ValueError(BODY)))
    try:
        raise RuntimeError(BODY)
    except RuntimeError:
        log.exception("watcher relay: on_ticket failed")
    logging.getLogger("httpx").info('HTTP Request: GET https://rt.x/REST/2.0/tickets?query="%s"', BODY)
    log.debug("prompt for 1001: %s", Sensitive(BODY))


def test_logs_rotate(tmp_path):
    path = setup_logging("assist", directory=tmp_path, max_bytes=2_000, backup_count=2)
    log = logging.getLogger("assist.rotation")
    for i in range(200):
        log.info("line %04d %s", i, "x" * 40)
    close_logging()
    assert path == tmp_path / "assist.log"
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["assist.log", "assist.log.1", "assist.log.2"]
    assert all(p.stat().st_size <= 2_000 for p in tmp_path.iterdir())
    assert "line 0199" in path.read_text()
    kept = "".join(p.read_text() for p in tmp_path.iterdir())
    assert "line 0000" not in kept  # the oldest went with the oldest file


def test_the_log_dir_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSIST_LOG_DIR", str(tmp_path / "logs"))
    path = setup_logging("assist-sidebar")
    logging.getLogger("ui.app").warning("started")
    assert path == tmp_path / "logs" / "assist-sidebar.log" and "started" in path.read_text()
    # A second setup (another main() in the same process) moves the file; nothing goes to both.
    other = setup_logging("assist", directory=tmp_path / "other")
    logging.getLogger("ui.app").warning("moved")
    assert "moved" in other.read_text() and "moved" not in path.read_text()


def test_no_ticket_text_at_info(tmp_path):
    path = setup_logging("assist", directory=tmp_path, debug=False)
    _log_ticket_text()
    close_logging()
    text = path.read_text()
    assert "Lumen" not in text and "55512" not in text, text
    assert "ticket 1001: searching for <" in text and "chars hidden>" in text
    assert "search failed: OperationalError: <" in text
    assert "generation failed: ValueError: <" in text
    assert "Traceback (most recent call last)" in text and "RuntimeError: <" in text
    assert "HTTP Request" not in text  # httpx's URL lines stay out below WARNING
    assert "prompt for 1001" not in text  # DEBUG is off


def test_debug_logging_keeps_the_ticket_text(tmp_path):
    path = setup_logging("assist", directory=tmp_path, debug=True)
    _log_ticket_text()
    close_logging()
    text = path.read_text()
    assert text.count(BODY) == 6, text  # info, %r of the error, the error, traceback, httpx, debug
    assert "chars hidden" not in text


def test_other_handlers_see_the_record_unchanged_by_the_formatter(tmp_path, caplog):
    setup_logging("assist", directory=tmp_path)
    with caplog.at_level(logging.INFO):
        try:
            raise RuntimeError(BODY)
        except RuntimeError:
            logging.getLogger("assist.x").exception("failed")
    assert BODY in caplog.text  # the traceback message is hidden in our file only
    assert BODY not in (tmp_path / "assist.log").read_text()


# Both orders of the two record factories (the secrets one in assist.helpdesk._http formats the
# message as it makes the record), each in a fresh interpreter.
_SCRIPT = """
import json, logging, sys
from pathlib import Path
from common.logs import Sensitive, setup_logging
first, debug, folder = sys.argv[1], sys.argv[2] == "1", Path(sys.argv[3])
if first == "http":
    from assist.helpdesk._http import Secret, register_secret
path = setup_logging("assist", directory=folder, debug=debug)
from assist.helpdesk._http import Secret, register_secret
token = "tok-9f8e7d6c5b4a3210"
register_secret(Secret(token))
log = logging.getLogger("assist.helpdesk.rt")
log.warning("auth %s failed on %s: %s", token, Sensitive(%(body)r), ValueError("bad " + token))
log.info("token in the format string itself: " + token)
print(json.dumps(path.read_text()))
"""


@pytest.mark.parametrize("first", ["http", "logs"])
@pytest.mark.parametrize("debug", [False, True])
def test_tokens_stay_redacted_and_ticket_text_follows_debug(tmp_path, first, debug):
    script = _SCRIPT.replace("%(body)r", repr(BODY))
    out = subprocess.run(
        [sys.executable, "-c", script, first, "1" if debug else "0", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    text = json.loads(out.stdout)
    assert "tok-9f8e7d6c5b4a3210" not in text and "********" in text, text
    assert "token in the format string itself" in text
    assert (BODY in text) is debug, text
    assert ("ValueError: <" in text) is not debug


@pytest.mark.slow
@pytest.mark.parametrize("debug", [False, True])
def test_assist_ask_logs_the_ticket_id_and_its_text_only_with_debug(
    demo_index, tmp_path, monkeypatch, capsys, debug
):
    """The real path: `assist ask --ticket` sets up its log and searches the ticket."""
    from assist.cli import main

    monkeypatch.setenv("ASSIST_LOG_DIR", str(tmp_path / "logs"))
    if debug:
        monkeypatch.setenv("ASSIST_DEBUG", "1")
    ticket = tmp_path / "ticket.json"
    ticket.write_text(json.dumps({"id": "4711", "subject": "Hub offline", "body": BODY}))
    args = ["ask", "--ticket", str(ticket), "--no-llm", "--no-draft", "--db", str(demo_index), "--json"]
    assert main(args) == 0
    close_logging()
    assert BODY not in capsys.readouterr().err
    text = (tmp_path / "logs" / "assist.log").read_text()
    assert "ticket 4711: " in text and "articles" in text
    assert ("firmware update" in text) is debug, text
    assert ("chars hidden" in text) is not debug
