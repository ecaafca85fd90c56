"""`assist search`, `assist ask` and `assist eval` as scripts see them: exit codes and JSON shapes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]
HIT_KEYS = {"rank", "score", "doc_id", "title", "source", "path", "url", "heading", "snippet"}
HIT_KEYS |= {"internal", "internal_reason"}


def _assist(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "assist.cli", *args], capture_output=True, text=True, timeout=600, env=env
    )


def test_search_json(demo_index: Path) -> None:
    out = _assist("search", "hub shows E-104 offline", "--db", str(demo_index), "--k", "4", "--json")
    assert out.returncode == 0, out.stderr
    row = json.loads(out.stdout)
    assert set(row) == {"id", "abstained", "hits"} and row["abstained"] is False
    assert len(row["hits"]) == 4 and set(row["hits"][0]) == HIT_KEYS
    assert row["hits"][0]["title"] == "E-104 Hub offline"
    assert row["hits"][0]["path"].startswith("LUMEN/")  # the member path inside the zip


def test_ask_json_extractive_with_ticket_file(demo_index: Path, tmp_path: Path) -> None:
    ticket = tmp_path / "t.json"
    ticket.write_text((REPO / "demo" / "tickets.jsonl").read_text().splitlines()[0])
    out = _assist("ask", "--ticket", str(ticket), "--db", str(demo_index), "--no-llm", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) >= {"answer", "citations", "abstained", "draft", "hits"}
    assert data["answer"] and data["abstained"] is False
    assert data["citations"] and set(data["citations"][0]) == {"n", "title", "path", "url"}
    assert data["citations"][0]["n"] == 1
    assert data["draft"].startswith("Hi Daniel")
    assert "[1]" not in data["draft"]


def test_ask_abstains_on_uncovered_question(demo_index: Path) -> None:
    out = _assist(
        "ask", "Do you offer internships for students?", "--db", str(demo_index), "--no-llm", "--json"
    )
    data = json.loads(out.stdout)
    assert data["abstained"] is True and data["hits"]
    assert "doesn't seem to cover" in data["answer"]


def test_eval_on_demo_tickets(demo_index: Path) -> None:
    out = _assist("eval", str(REPO / "demo" / "eval_tickets.jsonl"), "--db", str(demo_index), "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["tickets"] == 12 and report["answerable"] == 11
    assert report["recall@5"] == 1.0
    assert report["abstentions"]["unanswerable_abstained"] == 1


def test_missing_index_is_a_clear_error(tmp_path: Path) -> None:
    out = _assist("search", "anything", "--db", str(tmp_path / "none"))
    assert out.returncode == 1
    assert "No index" in out.stderr and "assist-index" in out.stderr
    assert "Traceback" not in out.stderr
