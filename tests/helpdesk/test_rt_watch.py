"""Queue watch, requester history, queues and reassign against a real Request Tracker 5.

Customers write in through RT's mail gateway (so they are real, unprivileged requestors); the
agent is `root`, whose API token the provider uses.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from assist.config import HelpdeskSettings
from assist.helpdesk import SupportsQueueWatch, SupportsReassign, SupportsRequesterHistory, make_provider
from assist.helpdesk.rt import RtProvider
from common.errors import NotFoundError
from tests.helpdesk.test_rt import RtAdmin

pytestmark = pytest.mark.rt


@pytest.fixture(scope="module")
def admin(rt_server):
    a = RtAdmin(rt_server)
    if a.http.get("/queue/Tier 2").status_code == 404:
        r = a.http.post("/queue", json={"Name": "Tier 2", "Description": "Second line"})
        assert r.status_code == 201, r.text
    yield a
    a.http.close()


@pytest.fixture
def rt(rt_server) -> RtProvider:
    p = make_provider(HelpdeskSettings(kind="rt", url=rt_server.url), rt_server.token)
    yield p  # type: ignore[misc]
    p.close()


def now_whole() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def tick() -> None:
    time.sleep(1.1)  # RT stamps changes in whole seconds


def test_rt_has_the_optional_capabilities(rt):
    assert all(isinstance(rt, c) for c in (SupportsQueueWatch, SupportsRequesterHistory, SupportsReassign))


def test_queue_updated_since(rt, admin):
    before = admin.email_in("olga@example.com", "Watch: updated before", "hello")
    admin.update(before, Owner="root")
    tick()
    since = now_whole()
    tick()
    mine = admin.email_in("Pia Customer <pia@example.com>", "Watch: mine, updated after", "printer broke")
    admin.update(mine, Owner="root")
    solved = admin.email_in("quinn@example.com", "Watch: mine, solved after", "hello")
    admin.update(solved, Owner="root", Status="resolved")
    unowned = admin.email_in("rob@example.com", "Watch: owned by nobody, in General", "hello")

    found = rt.queue_updated_since(since)
    ids = [t.id for t in found]
    assert mine in ids and solved in ids
    assert before not in ids  # RT matched it (the query has clock slack); the exact bound dropped it
    assert unowned not in ids
    assert ids.index(solved) < ids.index(mine)  # most recently updated first
    by_id = {t.id: t for t in found}
    assert by_id[solved].status == "resolved"
    t = by_id[mine]
    assert (t.group, t.assignee, t.requester_id) == ("General", "root", "pia@example.com")
    assert t.messages == () and t.updated_at is not None and t.updated_at >= since

    with_group = [t.id for t in rt.queue_updated_since(since, include_group_unassigned=True)]
    assert unowned in with_group and mine in with_group
    assert (
        next(
            t for t in rt.queue_updated_since(since, include_group_unassigned=True) if t.id == unowned
        ).assignee
        == ""
    )

    unsolved = [t.id for t in rt.queue_updated_since(None)]
    assert mine in unsolved and before in unsolved and solved not in unsolved and unowned not in unsolved


def test_requester_history_by_requestor_and_organization(rt, admin):
    first = admin.email_in("Rita Repeat <rita@example.com>", "History: lamp flickers", "It flickers.")
    second = admin.email_in("Rita Repeat <rita@example.com>", "History: lamp flickers again", "Again!")
    colleague = admin.email_in("sven@example.com", "History: a colleague, same lamp", "Ours too.")
    stranger = admin.email_in("tess@example.com", "History: unrelated", "Hi.")
    for user in ("rita@example.com", "sven@example.com"):
        r = admin.http.put(f"/user/{user}", json={"Organization": "Rita's Lamps"})  # an apostrophe
        assert r.status_code == 200, r.text

    ticket = rt.get_ticket(first)
    assert (ticket.requester_id, ticket.organization) == ("rita@example.com", "Rita's Lamps")
    found = rt.requester_tickets(ticket, datetime.now(UTC) - timedelta(hours=1))

    matches = {t.id: t.extra["match"] for t in found}
    assert first not in matches and stranger not in matches
    assert matches[second] == "requester" and matches[colleague] == "organization"
    assert all(t.messages == () for t in found)
    assert [t.id for t in found].index(colleague) < [t.id for t in found].index(second)  # newest first

    assert rt.requester_tickets(ticket, datetime.now(UTC) + timedelta(hours=1)) == []


def test_groups_are_the_queues(rt, admin):
    names = {(g.id, g.name) for g in rt.groups()}
    assert {("General", "General"), ("Tier 2", "Tier 2")} <= names


def test_reassign_with_a_note_then_read_back(rt, admin):
    tid = admin.email_in("Uma <uma@example.com>", "Reassign: needs tier 2", "The hub reboots.")
    admin.update(tid, Owner="root")
    note = "Hand-off to Tier 2: hub reboots every hour; firmware reinstalled, no change."

    rt.reassign(tid, "Tier 2", note)

    ticket = rt.get_ticket(tid)
    assert ticket.group == "Tier 2" and ticket.assignee == ""
    last = ticket.messages[-1]
    assert (last.body, last.public, last.author_role) == (note, False, "agent")
    types = admin.history_types(tid)
    assert types.count("Comment") == 1 and "Correspond" not in types  # nothing mailed to Uma
    assert tid in [t.id for t in rt.queue_updated_since(None, include_group_unassigned=True)]
    assert tid not in [t.id for t in rt.queue_updated_since(None)]  # no longer mine


def test_reassign_to_an_unknown_queue_writes_nothing(rt, admin):
    tid = admin.email_in("vic@example.com", "Reassign: nowhere", "hello")
    with pytest.raises(NotFoundError, match="no queue"):
        rt.reassign(tid, "No Such Queue", "note")
    assert "Comment" not in admin.history_types(tid)
    assert rt.get_ticket(tid).group == "General"


def test_updated_at_probe_revalidates_with_the_etag(rt, admin):
    tid = admin.email_in("wes@example.com", "ETag probe", "hello")
    first = rt.ticket_updated_at(tid)
    assert rt.ticket_updated_at(tid) == first
    assert rt._http.not_modified == 1  # the second probe was a 304: no body came back
    tick()
    admin.comment(tid, "touch")
    assert rt.ticket_updated_at(tid) > first
    assert rt._http.not_modified == 1


def test_budget_is_our_own_cap_and_counts_calls(rt, admin):
    budget = rt.rate_budget()
    assert budget.limit == 60 and budget.calls_made == 0  # RT sends no rate-limit headers
    before = budget.allowance(0.5)
    rt.groups()
    rt.queue_updated_since(datetime.now(UTC) - timedelta(minutes=5))
    assert budget.calls_made == 2 and budget.allowance(0.5) == before - 2
