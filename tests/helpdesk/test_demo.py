"""The file-backed demo helpdesk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assist.config import HelpdeskSettings
from assist.helpdesk import make_provider
from assist.helpdesk.demo import DemoProvider
from common.errors import ConfigError, NotFoundError

REPO = Path(__file__).resolve().parents[2]

TICKETS = [
    {
        "id": "1001",
        "subject": "Lamp will not pair",
        "status": "open",
        "priority": "high",
        "requester": {"name": "Ada", "email": "ada@example.com"},
        "tags": ["pairing"],
        "created_at": "2025-03-01T09:00:00Z",
        "sla": {"first_response_due": "2099-03-01T10:00:00Z", "resolution_due": "2099-03-02T09:00:00Z"},
        "messages": [
            {
                "id": "m1",
                "author": "Ada",
                "role": "customer",
                "public": True,
                "created_at": "2025-03-01T09:00:00Z",
                "body": "My lamp will not pair.",
            },
            {
                "id": "m2",
                "author": "Sam",
                "role": "agent",
                "public": False,
                "created_at": "2025-03-01T09:05:00Z",
                "body": "Known firmware bug.",
            },
        ],
        "answers": "kb/pairing.md",
    },
    {
        "id": "1002",
        "subject": "Refund",
        "status": "solved",
        "requester": {"name": "Bo", "email": "bo@x.test"},
        "created_at": "2025-03-02T09:00:00Z",
        "messages": [],
    },
    {
        "id": "1003",
        "subject": "Late",
        "status": "open",
        "requester": {"name": "Cy", "email": "cy@x.test"},
        "created_at": "2025-03-03T09:00:00Z",
        "sla": {"first_response_due": "2020-01-01T00:00:00Z", "resolution_due": None},
        "messages": [
            {
                "id": "m3",
                "author": "Cy",
                "role": "customer",
                "public": True,
                "created_at": "2025-03-03T09:00:00Z",
                "body": "Hello?",
            }
        ],
    },
]


@pytest.fixture
def demo_file(tmp_path: Path) -> Path:
    path = tmp_path / "tickets.jsonl"
    path.write_text("\n".join(json.dumps(t) for t in TICKETS) + "\n")
    return path


def test_get_ticket_maps_the_demo_shape(demo_file, tmp_path):
    t = DemoProvider(demo_file, tmp_path / "notes.json").get_ticket("#1001")
    assert (t.id, t.provider, t.subject, t.status, t.priority) == (
        "1001",
        "demo",
        "Lamp will not pair",
        "open",
        "high",
    )
    assert (t.requester_name, t.requester_email, t.tags) == ("Ada", "ada@example.com", ("pairing",))
    assert [(m.author_role, m.public) for m in t.messages] == [("customer", True), ("agent", False)]
    assert t.sla is not None and t.sla.first_response_due is not None and not t.sla.breached
    assert t.updated_at is not None and t.updated_at.minute == 5


def test_missed_first_response_is_breached(demo_file, tmp_path):
    assert DemoProvider(demo_file, tmp_path / "n.json").get_ticket("1003").sla.breached is True


def test_my_open_tickets_skips_solved(demo_file, tmp_path):
    mine = DemoProvider(demo_file, tmp_path / "n.json").my_open_tickets()
    assert [t.id for t in mine] == ["1003", "1001"]  # newest first
    assert all(t.messages == () for t in mine)


def test_notes_go_to_the_sidecar_not_the_shipped_file(demo_file, tmp_path):
    before = demo_file.read_bytes()
    notes = tmp_path / "data" / "demo_notes.json"
    p = DemoProvider(demo_file, notes)
    note = p.add_internal_note("1001", "Call back tomorrow")
    assert note.public is False and note.author_role == "agent"
    assert demo_file.read_bytes() == before
    assert json.loads(notes.read_text())["1001"][0]["body"] == "Call back tomorrow"
    again = DemoProvider(demo_file, notes).get_ticket("1001")  # survives a restart
    assert again.messages[-1].body == "Call back tomorrow" and again.messages[-1].public is False


def test_default_sidecar_is_in_the_data_dir(demo_file, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSIST_DATA_DIR", str(tmp_path / "dd"))
    DemoProvider(demo_file).add_internal_note("1001", "x")
    assert (tmp_path / "dd" / "demo_notes.json").exists()


def test_unknown_ticket_and_missing_file(demo_file, tmp_path):
    with pytest.raises(NotFoundError):
        DemoProvider(demo_file, tmp_path / "n.json").get_ticket("42")
    with pytest.raises(NotFoundError):
        DemoProvider(demo_file, tmp_path / "n.json").add_internal_note("42", "x")
    with pytest.raises(ConfigError, match="missing"):
        DemoProvider(tmp_path / "nope.jsonl").get_ticket("1")


def test_damaged_sidecar_does_not_break_the_demo(demo_file, tmp_path):
    notes = tmp_path / "n.json"
    notes.write_text("{not json")
    assert DemoProvider(demo_file, notes).get_ticket("1001").id == "1001"


def test_make_provider_demo_needs_no_token(demo_file):
    p = make_provider(HelpdeskSettings(kind="demo", demo_path=str(demo_file)))
    assert p.name == "demo" and p.get_ticket("1001").subject == "Lamp will not pair"


@pytest.mark.skipif(
    not (REPO / "demo" / "tickets.jsonl").exists(), reason="shipped demo tickets not generated yet"
)
def test_shipped_demo_tickets_load(tmp_path):
    p = DemoProvider(notes_path=tmp_path / "n.json")
    mine = p.my_open_tickets()
    assert mine, "the shipped demo should have open tickets"
    full = p.get_ticket(mine[0].id)
    assert full.messages and full.subject
