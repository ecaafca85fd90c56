"""Request Tracker 5 provider against a real RT (Debian packages, SQLite) on 127.0.0.1.

Tickets are made the way they are in production: the customer's email arrives through RT's mail
gateway (so the Create transaction is the customer's), the agent replies and comments via REST2.
"""

from __future__ import annotations

import itertools
import logging
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from assist.config import HelpdeskSettings
from assist.helpdesk import make_provider
from assist.helpdesk.rt import RtProvider
from common.errors import AuthError, NotFoundError

pytestmark = pytest.mark.rt
_counter = itertools.count(1)


class RtAdmin:
    """Direct REST calls to set up scenarios (not through the code under test)."""

    def __init__(self, server) -> None:
        self.server = server
        self.http = httpx.Client(
            base_url=f"{server.url}/REST/2.0", headers={"Authorization": f"token {server.token}"}, timeout=30
        )

    def email_in(self, sender: str, subject: str, body: str) -> str:
        n = next(_counter)
        message = (
            f"From: {sender}\nTo: rt@example.test\nSubject: {subject}\n"
            f"Message-ID: <t{n}-{datetime.now().timestamp()}@example.com>\n"
            f"Content-Type: text/plain\n\n{body}\n"
        )
        r = httpx.post(
            f"{self.server.url}/REST/1.0/NoAuth/mail-gateway",
            data={"queue": "General", "action": "correspond", "message": message},
            timeout=30,
        )
        assert r.status_code == 200 and r.text.startswith("ok"), r.text
        if subject.startswith("Re: [example.test #"):
            return subject.split("#", 1)[1].split("]", 1)[0]  # RT threads it by the subject tag
        found = self.http.get("/tickets", params={"query": f"Subject = '{subject}'"}).json()
        return str(found["items"][-1]["id"])

    def update(self, tid: str, **fields) -> None:
        r = self.http.put(f"/ticket/{tid}", json=fields)
        assert r.status_code == 200, r.text

    def correspond(self, tid: str, text: str, content_type: str = "text/plain") -> None:
        r = self.http.post(f"/ticket/{tid}/correspond", json={"Content": text, "ContentType": content_type})
        assert r.status_code == 201, r.text

    def comment(self, tid: str, text: str) -> None:
        r = self.http.post(f"/ticket/{tid}/comment", json={"Content": text, "ContentType": "text/plain"})
        assert r.status_code == 201, r.text

    def history_types(self, tid: str) -> list[str]:
        return [
            t["Type"]
            for t in self.http.get(f"/ticket/{tid}/history", params={"fields": "Type"}).json()["items"]
        ]


@pytest.fixture(scope="module")
def admin(rt_server):
    a = RtAdmin(rt_server)
    yield a
    a.http.close()


@pytest.fixture
def rt(rt_server) -> RtProvider:
    p = make_provider(HelpdeskSettings(kind="rt", url=rt_server.url), rt_server.token)
    yield p
    p.close()


def test_conversation_roles_visibility_and_fields(rt, admin):
    tid = admin.email_in(
        "Carla Customer <carla@example.com>", "Printer on fire", "My printer is on fire.\nHelp!"
    )
    due = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    admin.update(tid, Owner="root", Priority=50, Due=due.strftime("%Y-%m-%d %H:%M:%S"))
    admin.correspond(tid, "<p>Have you tried <b>water</b>?</p>", "text/html")
    admin.comment(tid, "Customer is a VIP, escalate if needed")
    admin.email_in(
        "Carla Customer <carla@example.com>",
        f"Re: [example.test #{tid}] Printer on fire",
        "Water made it worse.",
    )

    ticket = rt.get_ticket(tid)
    assert ticket.provider == "rt" and ticket.id == tid
    assert ticket.subject == "Printer on fire" and ticket.status == "open"
    assert (ticket.requester_name, ticket.requester_email) == ("Carla Customer", "carla@example.com")
    assert ticket.priority == "medium"
    assert ticket.sla is not None and ticket.sla.resolution_due == due and not ticket.sla.breached
    assert ticket.url == f"{rt.base_url}/Ticket/Display.html?id={tid}"
    assert ticket.extra["queue"] == "1" and ticket.extra["owner"] == "root"
    roles = [(m.author_role, m.public) for m in ticket.messages]
    assert roles == [("customer", True), ("agent", True), ("agent", False), ("customer", True)]
    create, reply, comment, followup = ticket.messages
    assert create.body == "My printer is on fire.\nHelp!"
    assert reply.body == "Have you tried water?"  # text/html converted
    assert comment.body == "Customer is a VIP, escalate if needed"
    assert followup.body == "Water made it worse."
    assert reply.author_name == "Enoch Root"
    assert all(m.created_at is not None for m in ticket.messages)
    # The autoreply RT mailed out is an EmailRecord, not part of the conversation.
    assert "EmailRecord" in admin.history_types(tid) and len(ticket.messages) == 4


def test_my_open_tickets_uses_ticketsql(rt, admin):
    mine = admin.email_in("dave@example.com", "Mine and open", "hello")
    admin.update(mine, Owner="root")
    done = admin.email_in("erin@example.com", "Mine but resolved", "hello")
    admin.update(done, Owner="root", Status="resolved")
    nobody = admin.email_in("frank@example.com", "Unowned", "hello")
    ids = [t.id for t in rt.my_open_tickets()]
    assert mine in ids and done not in ids and nobody not in ids
    assert ids[0] == mine  # most recently updated first
    assert all(t.status in {"new", "open", "stalled"} for t in rt.my_open_tickets())


def test_internal_note_lands_as_a_comment(rt, admin):
    tid = admin.email_in("gina@example.com", "Need a note", "please")
    note = rt.add_internal_note(tid, "Checked the logs: token expired.")
    assert note.public is False and note.author_role == "agent" and note.id
    assert admin.history_types(tid).count("Comment") == 1
    assert admin.history_types(tid).count("Correspond") == 0  # nothing was mailed to the customer
    ticket = rt.get_ticket(tid)
    assert ticket.messages[-1].id == note.id and ticket.messages[-1].public is False
    assert ticket.messages[-1].body == "Checked the logs: token expired."


def test_updated_at_probe_changes_after_an_update(rt, admin):
    tid = admin.email_in("hank@example.com", "Probe", "first")
    before = rt.ticket_updated_at(tid)
    assert before == rt.get_ticket(tid).updated_at
    import time

    time.sleep(1.1)  # RT timestamps have one-second resolution
    admin.comment(tid, "touch")
    assert rt.ticket_updated_at(tid) > before


def test_missing_ticket_is_not_found(rt):
    with pytest.raises(NotFoundError):
        rt.get_ticket("987654")


def test_wrong_token_is_auth_error_without_leaking_it(rt_server, caplog):
    caplog.set_level(logging.DEBUG)
    bad = "1-14-0000000000deadbeefdeadbeef0000"
    p = make_provider(HelpdeskSettings(kind="rt", url=rt_server.url), bad)
    with pytest.raises(AuthError) as info:
        p.get_ticket("1")
    assert bad not in str(info.value) and bad not in caplog.text and bad not in repr(p)


def test_cli_show_and_mine_against_rt(rt_server, admin, monkeypatch, capsys):
    import json

    from assist.cli import main

    tid = admin.email_in("ivy@example.com", "CLI check", "hello from ivy")
    admin.update(tid, Owner="root")
    monkeypatch.setenv("ASSIST_HELPDESK_KIND", "rt")
    monkeypatch.setenv("ASSIST_HELPDESK_URL", rt_server.url)
    monkeypatch.setenv("ASSIST_HELPDESK_TOKEN", rt_server.token)
    assert main(["ticket", "show", tid, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["subject"] == "CLI check" and shown["messages"][0]["body"] == "hello from ivy"
    assert main(["ticket", "mine", "--json"]) == 0
    assert tid in [t["id"] for t in json.loads(capsys.readouterr().out)]
