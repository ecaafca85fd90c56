"""Queue watch, requester history, groups and reassign on the file-backed demo helpdesk."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assist.helpdesk import SupportsQueueWatch, SupportsReassign, SupportsRequesterHistory
from assist.helpdesk.demo import DEMO_AGENT, DemoProvider
from common.errors import NotFoundError

REPO = Path(__file__).resolve().parents[2]


def msg(mid: str, when: str, body: str, role: str = "customer") -> dict:
    return {"id": mid, "author": "x", "role": role, "public": True, "created_at": when, "body": body}


TICKETS = [
    {  # mine (no assignee key: the demo agent), Acme, in Tier 1 by name
        "id": "2001",
        "subject": "Hub offline",
        "status": "open",
        "requester": {"name": "Ada", "email": "ada@acme.example", "organization": "Acme"},
        "group": "Tier 1",
        "created_at": "2026-11-20T08:00:00Z",
        "messages": [msg("a1", "2026-11-20T08:00:00Z", "My hub is offline.")],
    },
    {  # mine, solved later
        "id": "2002",
        "subject": "Hub offline again",
        "status": "solved",
        "requester": {"name": "Ada", "email": "ada@acme.example"},
        "organization": "Acme",
        "assignee": DEMO_AGENT,
        "group": "1",
        "created_at": "2026-11-20T09:00:00Z",
        "updated_at": "2026-11-20T10:00:00Z",
        "messages": [msg("b1", "2026-11-20T09:00:00Z", "The hub is offline AGAIN.")],
    },
    {  # unassigned in Billing
        "id": "2003",
        "subject": "Refund",
        "status": "new",
        "requester": {"id": "u-9", "name": "Bo", "email": "bo@acme.example"},
        "organization": "Acme",
        "assignee": None,
        "group": "Billing",
        "created_at": "2026-11-20T09:30:00Z",
        "messages": [msg("c1", "2026-11-20T09:30:00Z", "Please refund me.")],
    },
    {  # someone else's, other organisation, created long ago
        "id": "2004",
        "subject": "Old question",
        "status": "open",
        "requester": {"name": "Cy", "email": "cy@else.example"},
        "assignee": "Sam",
        "group": "Tier 2",
        "created_at": "2026-10-01T09:00:00Z",
        "messages": [msg("d1", "2026-10-01T09:00:00Z", "Hello?")],
    },
    {  # unassigned in Tier 2, where the demo agent is not a member
        "id": "2005",
        "subject": "Firmware",
        "status": "open",
        "requester": {"name": "Di", "email": "ada@acme.example"},
        "assignee": "",
        "group": "2",
        "created_at": "2026-11-19T09:00:00Z",
        "messages": [msg("e1", "2026-11-19T09:00:00Z", "Firmware fails.")],
    },
]
GROUPS = [
    {"id": "1", "name": "Tier 1", "member": True},
    {"id": "2", "name": "Tier 2"},
    {"id": "3", "name": "Billing", "member": True},
]


@pytest.fixture
def demo(tmp_path: Path) -> DemoProvider:
    (tmp_path / "tickets.jsonl").write_text("\n".join(json.dumps(t) for t in TICKETS) + "\n")
    (tmp_path / "groups.json").write_text(json.dumps(GROUPS))
    return DemoProvider(
        tmp_path / "tickets.jsonl",
        tmp_path / "data" / "notes.json",
        assignments_path=tmp_path / "data" / "assignments.json",
    )


def test_demo_has_the_optional_capabilities(demo):
    assert all(isinstance(demo, c) for c in (SupportsQueueWatch, SupportsRequesterHistory, SupportsReassign))


def test_new_fields_from_the_demo_format(demo):
    one, three, four = demo.get_ticket("2001"), demo.get_ticket("2003"), demo.get_ticket("2004")
    assert (one.requester_id, one.organization, one.group, one.assignee) == (
        "ada@acme.example",
        "Acme",
        "1",
        DEMO_AGENT,
    )
    assert (three.requester_id, three.group, three.assignee) == ("u-9", "3", "")
    assert (four.organization, four.group, four.assignee) == ("", "2", "Sam")


def test_queue_updated_since(demo):
    since = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    found = demo.queue_updated_since(since)
    assert [(t.id, t.status) for t in found] == [("2002", "solved")]  # 2001 last changed at 08:00
    assert found[0].messages == ()

    everything = demo.queue_updated_since(None)
    assert [t.id for t in everything] == ["2001"]  # unsolved, mine

    with_groups = demo.queue_updated_since(None, include_group_unassigned=True)
    assert [t.id for t in with_groups] == ["2003", "2001"]  # 2005 is in Tier 2: not my group
    assert demo.queue_updated_since(None, include_group_unassigned=True, limit=1)[0].id == "2003"


def test_requester_history(demo):
    ticket = demo.get_ticket("2001")
    found = demo.requester_tickets(ticket, datetime(2026, 11, 1, tzinfo=UTC))
    assert [(t.id, t.extra["match"]) for t in found] == [
        ("2003", "organization"),
        ("2002", "requester"),  # also Acme, but the requester's own
        ("2005", "requester"),  # same email, another name
    ]
    assert found[1].extra["description"] == "The hub is offline AGAIN."
    assert all(t.messages == () for t in found)

    recent = demo.requester_tickets(ticket, datetime(2026, 11, 20, tzinfo=UTC), limit=1)
    assert [t.id for t in recent] == ["2003"]  # 2005 was created the day before; limit 1


def test_groups_from_the_file_and_the_built_in_list(demo, tmp_path):
    assert [(g.id, g.name) for g in demo.groups()] == [("1", "Tier 1"), ("2", "Tier 2"), ("3", "Billing")]
    (tmp_path / "groups.json").unlink()
    fresh = DemoProvider(tmp_path / "tickets.jsonl", tmp_path / "n.json")
    assert [g.name for g in fresh.groups()] == ["Tier 1", "Tier 2", "Billing"]


def test_reassign_writes_the_sidecars_and_get_ticket_follows(demo, tmp_path):
    shipped = (tmp_path / "tickets.jsonl").read_bytes()
    before = datetime.now(UTC)
    demo.reassign("2001", "2", "Hand-off: hub offline after ISP switch; tried a power cycle.")

    moved = demo.get_ticket("2001")
    assert (moved.group, moved.assignee) == ("2", "")
    last = moved.messages[-1]
    assert (last.body, last.public, last.author_role) == (
        "Hand-off: hub offline after ISP switch; tried a power cycle.",
        False,
        "agent",
    )
    assert moved.updated_at is not None and moved.updated_at >= before.replace(microsecond=0)
    assert (tmp_path / "tickets.jsonl").read_bytes() == shipped
    saved = json.loads((tmp_path / "data" / "assignments.json").read_text())
    assert saved["2001"]["group"] == "2" and saved["2001"]["assignee"] == ""
    assert not list((tmp_path / "data").glob("*.tmp"))  # written whole, then renamed

    again = DemoProvider(
        tmp_path / "tickets.jsonl",
        tmp_path / "data" / "notes.json",
        assignments_path=tmp_path / "data" / "assignments.json",
    )
    assert again.get_ticket("2001").group == "2"  # survives a restart
    assert "2001" not in [t.id for t in again.queue_updated_since(None)]  # no longer mine
    changed = again.queue_updated_since(before, include_group_unassigned=True)
    assert "2001" not in [t.id for t in changed]  # Tier 2 is not the demo agent's group
    again.reassign("2001", "3", "Billing after all.")
    changed = again.queue_updated_since(before, include_group_unassigned=True)
    assert [t.id for t in changed] == ["2001"]  # now unassigned in Billing, one of the agent's groups
    assert [m.body for m in again.get_ticket("2001").messages if not m.public][-2:] == [
        "Hand-off: hub offline after ISP switch; tried a power cycle.",
        "Billing after all.",
    ]


def test_reassign_refuses_unknown_groups_and_tickets(demo, tmp_path):
    with pytest.raises(NotFoundError):
        demo.reassign("2001", "99", "note")
    with pytest.raises(NotFoundError):
        demo.reassign("9999", "1", "note")
    assert not (tmp_path / "data").exists()  # nothing written


def test_budget_counts_demo_calls(demo):
    budget = demo.rate_budget()
    start = budget.allowance(0.5)
    demo.queue_updated_since(None)
    demo.groups()
    assert budget.calls_made == 2 and budget.allowance(0.5) == start - 2 and budget.limit == 60


@pytest.mark.skipif(not (REPO / "demo" / "groups.json").exists(), reason="shipped demo groups missing")
def test_shipped_demo_groups_and_queue(tmp_path):
    p = DemoProvider(notes_path=tmp_path / "n.json", assignments_path=tmp_path / "a.json")
    names = [g.name for g in p.groups()]
    assert "Tier 2" in names and "Billing" in names
    queue = p.queue_updated_since(None)
    assert queue and all(t.assignee == DEMO_AGENT and t.messages == () for t in queue)
