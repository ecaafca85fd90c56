"""The handoff summary against a real Request Tracker 5: built from a ticket made in the test,
saved as an internal note and read back as a non-public message, and `assist handoff --reassign`
moving the ticket to the suggested queue only after the agent says yes.

The customer writes in through RT's mail gateway; the agent (`root`) replies and comments via REST2.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from assist.config import HelpdeskSettings
from assist.escalation.excerpts import without_instructions
from assist.escalation.handoff import build_handoff, render_note
from assist.escalation.model import Frustration
from assist.escalation.rules import load_rules
from assist.escalation.signals import compute_signals
from assist.helpdesk import make_provider
from assist.helpdesk.rt import RtProvider
from tests.helpdesk.test_rt import RtAdmin

pytestmark = pytest.mark.rt

TARGET = "Tier 2 connectivity"
"""Where the built-in rules send a hub that goes offline after a router change."""


@pytest.fixture(scope="module")
def admin(rt_server):
    a = RtAdmin(rt_server)
    if a.http.get(f"/queue/{TARGET}").status_code == 404:
        r = a.http.post("/queue", json={"Name": TARGET, "Description": "Second line, networks"})
        assert r.status_code == 201, r.text
    yield a
    a.http.close()


@pytest.fixture
def rt(rt_server) -> RtProvider:
    p = make_provider(HelpdeskSettings(kind="rt", url=rt_server.url), rt_server.token)
    yield p  # type: ignore[misc]
    p.close()


@pytest.fixture
def scorer(monkeypatch):
    """The real frustration scorer when it is installed; a calm one otherwise."""
    try:
        import assist.escalation.frustration  # noqa: F401
    except ImportError:
        monkeypatch.setattr(
            "assist.escalation.signals.default_frustration", lambda *a, **k: lambda t, n: Frustration(0.1)
        )


def offline_ticket(admin: RtAdmin, who: str) -> str:
    subject = f"Hub offline since the new router ({who})"
    tid = admin.email_in(
        f"{who.title()} Customer <{who}@example.com>",
        subject,
        f"Hello,\n\nSince Monday my Lumen hub keeps going offline after the new router was installed. "
        f"The app shows E-104 Hub offline.\n\nThanks,\n{who.title()}",
    )
    admin.correspond(
        tid, f"Hi {who.title()},\n\nCould you restart the hub and send us a screenshot of the app?"
    )
    admin.comment(tid, "Checked the hub logs: it drops off the 5 GHz band.")
    admin.email_in(
        f"{who.title()} Customer <{who}@example.com>",
        f"Re: [example.test #{tid}] {subject}",
        "I restarted it twice, it is still offline.",
    )
    return tid


def test_handoff_from_rt_saved_as_an_internal_note(rt, admin, scorer):
    tid = offline_ticket(admin, "rosa")
    ticket = rt.get_ticket(tid)
    rules = load_rules()
    now = datetime.now(UTC)
    history = (
        rt.requester_tickets(ticket, now - timedelta(days=7)) if hasattr(rt, "requester_tickets") else []
    )
    signals = compute_signals(without_instructions(ticket), rules, now, history=history)
    h = build_handoff(ticket, signals, rules, history=history, now=now)

    by_id = {m.id: m for m in ticket.messages}
    customer, reply, comment, followup = ticket.messages
    assert h.target_group == TARGET and "mentions “offline”" in h.target_reason
    assert {f.message_id for f in h.issue} == {customer.id}
    assert all(f.quote in customer.body for f in h.issue) and "keeps going offline" in h.issue[0].text
    tried = {f.quote: f for f in h.tried}
    assert "Could you restart the hub and send us a screenshot of the app?" in tried
    assert tried["Checked the hub logs: it drops off the 5 GHz band."].text.startswith("(internal)")
    assert all(by_id[f.message_id].author_role == "agent" for f in h.tried)
    for fact in (*h.issue, *h.timeline, *h.tried, *h.mood):
        if fact.message_id is not None:
            assert fact.quote in by_id[fact.message_id].body
    assert any(f.message_id == followup.id for f in h.timeline)

    text = render_note(h)
    before = admin.history_types(tid)
    saved = rt.add_internal_note(tid, text)
    back = rt.get_ticket(tid)
    note = back.messages[-1]
    assert note.id == saved.id and note.public is False and note.author_role == "agent"
    assert note.body.startswith(f"**Handoff summary: #{tid} ")
    assert f"[{customer.id} · " in note.body and f"[{comment.id} · " in note.body
    assert "**Next step**" in note.body and h.target_reason in note.body
    # An internal note: a comment, nothing mailed to the customer.
    after = admin.history_types(tid)
    assert after.count("Comment") == before.count("Comment") + 1
    assert after.count("Correspond") == before.count("Correspond") and reply.public


def _queue_id(admin: RtAdmin, tid: str) -> str:
    return str(admin.http.get(f"/ticket/{tid}").json()["Queue"]["id"])


def test_cli_reassigns_in_rt_only_after_yes(rt_server, rt, admin, scorer, monkeypatch, capsys):
    if not hasattr(RtProvider, "reassign"):
        pytest.skip("the RT provider has no reassign() yet (SupportsReassign is being added)")
    from assist.cli import main

    monkeypatch.setenv("ASSIST_HELPDESK_KIND", "rt")
    monkeypatch.setenv("ASSIST_HELPDESK_URL", rt_server.url)
    monkeypatch.setenv("ASSIST_HELPDESK_TOKEN", rt_server.token)
    tid = offline_ticket(admin, "sami")
    general = _queue_id(admin, tid)
    target = str(admin.http.get(f"/queue/{TARGET}").json()["id"])
    comments = admin.history_types(tid).count("Comment")

    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    assert main(["handoff", tid, "--reassign"]) == 1
    err = capsys.readouterr().err
    assert f"Re-assign #{tid} to {TARGET}?" in err and "Not re-assigned" in err
    assert _queue_id(admin, tid) == general and admin.history_types(tid).count("Comment") == comments

    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    assert main(["handoff", tid, "--reassign"]) == 0
    assert f"Re-assigned to {TARGET}" in capsys.readouterr().out
    assert _queue_id(admin, tid) == target != general
    assert admin.history_types(tid).count("Comment") == comments + 1
    last = rt.get_ticket(tid).messages[-1]
    assert last.public is False and last.body.startswith(f"**Handoff summary: #{tid} ")
