"""`assist ticket show/mine` end to end: settings from env only, a real HTTP server, JSON out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from assist.cli import main
from tests.helpdesk.conftest import TOKEN
from tests.helpdesk.replay import freshdesk_recorded, zendesk_recorded
from tests.helpdesk.test_demo import TICKETS

REPO = Path(__file__).resolve().parents[2]


def test_show_json_from_env_only_settings(replay, monkeypatch, capsys):
    replay.add("GET", "/api/v2/tickets/1", json_body=freshdesk_recorded("ticket_1.json"))
    replay.add("GET", "/api/v2/tickets/1/conversations", json_body=freshdesk_recorded("conversations.json"))
    monkeypatch.setenv("ASSIST_HELPDESK_KIND", "freshdesk")
    monkeypatch.setenv("ASSIST_HELPDESK_URL", replay.url)
    monkeypatch.setenv("ASSIST_HELPDESK_TOKEN", TOKEN)
    assert main(["ticket", "show", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["id"] == "1" and out["provider"] == "freshdesk" and out["status"] == "open"
    assert out["sla"]["first_response_due"] == "2016-05-18T05:36:04+00:00"
    assert [m["public"] for m in out["messages"]] == [True, False, True]


def test_mine_json_zendesk(replay, monkeypatch, capsys):
    tickets = zendesk_recorded("tickets_list__200.json")["tickets"][:2]
    replay.add("GET", "/api/v2/search.json", json_body={"results": tickets, "next_page": None})
    for k, v in {"KIND": "zendesk", "URL": replay.url, "EMAIL": "a@acme.test", "TOKEN": TOKEN}.items():
        monkeypatch.setenv(f"ASSIST_HELPDESK_{k}", v)
    assert main(["ticket", "mine", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [t["id"] for t in out] == [str(t["id"]) for t in tickets]


def test_errors_are_one_line_without_the_token(replay, monkeypatch, capsys):
    replay.add("GET", "/api/v2/tickets/3.json", status=401, json_body={"error": "Couldn't authenticate you"})
    for k, v in {"KIND": "zendesk", "URL": replay.url, "EMAIL": "a@acme.test", "TOKEN": TOKEN}.items():
        monkeypatch.setenv(f"ASSIST_HELPDESK_{k}", v)
    assert main(["ticket", "show", "3"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("assist: ") and "credentials" in err and TOKEN not in err and "Traceback" not in err


def test_missing_token_is_a_config_error(monkeypatch, capsys):
    monkeypatch.setenv("ASSIST_HELPDESK_KIND", "rt")
    monkeypatch.setenv("ASSIST_HELPDESK_URL", "https://rt.example.com")
    assert main(["ticket", "mine"]) == 1
    assert "ASSIST_HELPDESK_TOKEN" in capsys.readouterr().err


def test_provider_flag_and_human_output_with_demo(tmp_path, monkeypatch, capsys):
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(json.dumps(t) for t in TICKETS))
    monkeypatch.setenv("ASSIST_HELPDESK_DEMO_PATH", str(path))
    assert main(["ticket", "show", "1001", "--provider", "demo"]) == 0
    out = capsys.readouterr().out
    assert "#1001  Lamp will not pair" in out and "[internal]" in out


def test_console_script_starts_without_heavy_imports():
    code = (
        "import sys; from assist.cli import build_parser; build_parser();"
        "mods = ('torch', 'chromadb', 'httpx', 'PySide6', 'sentence_transformers');"
        "heavy = [m for m in mods if m in sys.modules];"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


def test_engine_modules_never_import_qt():
    mods = [
        "assist.helpdesk.zendesk",
        "assist.helpdesk.freshdesk",
        "assist.helpdesk.rt",
        "assist.helpdesk.demo",
        "assist.watcher.active",
        "assist.watcher.relay",
        "assist.watcher.native_host",
        "assist.watcher.install",
        "assist.cli",
        "assist.config",
        "assist.secrets",
    ]
    code = (
        f"import importlib, sys; [importlib.import_module(m) for m in {mods!r}];"
        "print('PySide6' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.stdout.strip() == "False", out.stderr
