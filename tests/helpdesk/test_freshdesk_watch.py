"""Freshdesk queue watch, requester history and reassign over a local server replaying the Freshdesk
v2 fixtures (search_tickets, all_tickets, ticket_1, groups, agent_1, note_1)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest

from assist.config import HelpdeskSettings
from assist.helpdesk import SupportsQueueWatch, SupportsReassign, SupportsRequesterHistory, make_provider
from assist.helpdesk.freshdesk import FreshdeskProvider, map_list_ticket, map_ticket
from common.errors import NotFoundError, UnavailableError
from tests.helpdesk.conftest import TOKEN
from tests.helpdesk.replay import freshdesk_recorded

SEARCH = "/api/v2/search/tickets"
ME = 1  # agent_1.json


def provider(replay, fake_sleep, **kw) -> FreshdeskProvider:
    settings = HelpdeskSettings(kind="freshdesk", url=replay.url, **kw)
    return make_provider(settings, TOKEN, sleep=fake_sleep)  # type: ignore[return-value]


def search_result(n: int, **fields) -> dict:
    """The recorded search result, renumbered: ticket `n`, assigned to me unless told otherwise."""
    base = copy.deepcopy(freshdesk_recorded("search_tickets.json")["results"][1])
    return base | {"id": n, "responder_id": ME} | fields


def serve_me(replay, **fields) -> None:
    replay.add("GET", "/api/v2/agents/me", json_body=freshdesk_recorded("agent_1.json") | fields)


def query_of(hit) -> str:
    (value,) = hit.query["query"]
    assert value.startswith('"') and value.endswith('"')  # Filter Tickets wants it quoted
    return value[1:-1]


def test_provider_has_the_optional_capabilities(replay, fake_sleep):
    p = provider(replay, fake_sleep)
    assert all(isinstance(p, c) for c in (SupportsQueueWatch, SupportsRequesterHistory, SupportsReassign))


def test_mapping_fills_the_new_fields():
    raw = freshdesk_recorded("ticket_1.json") | {"company_id": 42, "group_id": 7}
    t = map_ticket(raw, base_url="https://x.freshdesk.com")
    assert (t.requester_id, t.organization, t.group, t.assignee) == ("6012691534", "42", "7", "6010396333")
    listed = map_list_ticket(raw, base_url="https://x.freshdesk.com")
    assert listed.messages == () and listed.extra["description"].startswith("This is a sample ticket")


def test_queue_query_carries_updated_since_and_keeps_the_exact_time(replay, fake_sleep):
    serve_me(replay)
    results = [
        search_result(11, updated_at="2020-01-01T08:00:00Z"),  # same day, before `since`
        search_result(12, updated_at="2020-01-01T09:30:00Z", status=4),  # resolved since: kept
        search_result(13, updated_at="2020-01-01T10:00:00Z"),
    ]
    replay.add("GET", SEARCH, json_body={"results": results, "total": 3})
    since = datetime(2020, 1, 1, 9, 0, tzinfo=UTC)

    found = provider(replay, fake_sleep).queue_updated_since(since)

    (hit,) = replay.hits("GET", SEARCH)
    assert query_of(hit) == "agent_id:1 AND updated_at:>'2020-01-01'"
    assert hit.query["page"] == ["1"]
    assert [(t.id, t.status) for t in found] == [("13", "open"), ("12", "resolved")]
    assert all(t.messages == () and t.assignee == "1" for t in found)
    assert found[0].requester_id == "5004272351"


def test_queue_without_since_asks_for_open_and_pending(replay, fake_sleep):
    serve_me(replay)
    replay.add("GET", SEARCH, json_body={"results": [search_result(5)], "total": 1})
    found = provider(replay, fake_sleep).queue_updated_since(None)
    assert query_of(replay.hits("GET", SEARCH)[0]) == "agent_id:1 AND (status:2 OR status:3)"
    assert [t.id for t in found] == ["5"]


def test_group_unassigned_from_the_groups_listing_me(replay, fake_sleep):
    serve_me(replay)  # this agent record has no group_ids: the groups list their agents
    helpdesk, entertainers = freshdesk_recorded("groups.json")[1], freshdesk_recorded("groups.json")[0]
    replay.add(
        "GET",
        "/api/v2/groups",
        json_body=[entertainers | {"agent_ids": [9]}, helpdesk | {"agent_ids": [ME, 9]}],
    )
    results = [
        search_result(1, updated_at="2020-01-02T10:00:00Z"),
        search_result(2, responder_id=None, group_id=2, updated_at="2020-01-02T11:00:00Z"),
        search_result(3, responder_id=None, group_id=1, updated_at="2020-01-02T12:00:00Z"),  # not mine
        search_result(4, responder_id=9, updated_at="2020-01-02T12:00:00Z"),  # someone else's
    ]
    replay.add("GET", SEARCH, json_body={"results": results, "total": 4})

    found = provider(replay, fake_sleep).queue_updated_since(
        datetime(2020, 1, 2, tzinfo=UTC), include_group_unassigned=True
    )
    assert query_of(replay.hits("GET", SEARCH)[0]) == (
        "(agent_id:1 OR (agent_id:null AND (group_id:2))) AND updated_at:>'2020-01-02'"
    )
    assert [t.id for t in found] == ["2", "1"]


def test_agent_group_ids_are_used_when_present(replay, fake_sleep):
    serve_me(replay, group_ids=[5, 3])
    replay.add("GET", SEARCH, json_body={"results": [], "total": 0})
    provider(replay, fake_sleep).queue_updated_since(None, include_group_unassigned=True)
    assert "(group_id:3 OR group_id:5)" in query_of(replay.hits("GET", SEARCH)[0])
    assert replay.hits("GET", "/api/v2/groups") == []


def test_429_in_the_middle_of_the_paged_search_is_survived_and_counted(replay, fake_sleep):
    serve_me(replay)
    page1 = [search_result(n, updated_at=f"2020-01-03T10:{n:02d}:00Z") for n in range(1, 31)]
    page2 = [search_result(31, updated_at="2020-01-03T11:00:00Z")]
    limits = {"X-RateLimit-Total": "200", "X-RateLimit-Used-CurrentRequest": "1"}
    replay.add(
        "GET",
        SEARCH,
        json_body={"results": page1, "total": 31},
        headers=limits | {"X-RateLimit-Remaining": "120"},
    )
    replay.add("GET", SEARCH, status=429, json_body={"code": "rate limited"}, headers={"Retry-After": "1"})
    replay.add(
        "GET",
        SEARCH,
        json_body={"results": page2, "total": 31},
        headers=limits | {"X-RateLimit-Remaining": "150"},
    )

    p = provider(replay, fake_sleep)
    found = p.queue_updated_since(datetime(2020, 1, 3, tzinfo=UTC), limit=10)

    assert [t.id for t in found][:3] == ["31", "30", "29"] and len(found) == 10
    pages = [h.query["page"][0] for h in replay.hits("GET", SEARCH)]
    assert pages == ["1", "2", "2"]
    assert len(fake_sleep.calls) == 1 and 1.0 <= fake_sleep.calls[0] <= 1.25
    budget = p.rate_budget()
    assert budget.throttled == 1 and budget.calls_made == 4  # agents/me, page 1, the 429, page 2
    assert (budget.limit, budget.remaining) == (200, 150)


def test_budget_reads_freshdesk_headers_and_allowance_decreases(replay, fake_sleep):
    groups = freshdesk_recorded("groups.json")
    total = {"X-RateLimit-Total": "200", "X-RateLimit-Used-CurrentRequest": "1"}
    replay.add("GET", "/api/v2/groups", json_body=groups, headers=total | {"X-RateLimit-Remaining": "199"})
    replay.add("GET", "/api/v2/groups", json_body=groups, headers=total | {"X-RateLimit-Remaining": "130"})
    p = provider(replay, fake_sleep)
    assert [(g.id, g.name) for g in p.groups()] == [("1", "Entertainers"), ("2", "Helpdesk")]
    first = p.rate_budget().allowance(0.5)
    assert first == 99
    p.groups()
    assert p.rate_budget().allowance(0.5) == 30 < first


def test_requester_history_lists_requester_and_company_tickets(replay, fake_sleep):
    this = map_ticket(freshdesk_recorded("ticket_1.json") | {"company_id": 42}, base_url=replay.url)
    listed = freshdesk_recorded("all_tickets.json")[0]
    mine = [
        freshdesk_recorded("ticket_1.json"),  # the ticket itself
        listed | {"id": 20, "created_at": "2016-05-20T10:00:00Z", "description_text": "Lamp still broken"},
    ]
    company = [
        listed | {"id": 20, "created_at": "2016-05-20T10:00:00Z"},  # also by the requester
        listed | {"id": 21, "requester_id": 99, "created_at": "2016-05-21T10:00:00Z"},
        listed | {"id": 22, "requester_id": 98, "created_at": "2016-04-01T10:00:00Z"},  # before since
    ]
    replay.add("GET", "/api/v2/tickets", json_body=mine).add("GET", "/api/v2/tickets", json_body=company)
    since = datetime(2016, 5, 1, tzinfo=UTC)

    found = provider(replay, fake_sleep).requester_tickets(this, since)

    by_requester, by_company = (h.query for h in replay.hits("GET", "/api/v2/tickets"))
    assert by_requester["requester_id"] == ["6012691534"] and by_company["company_id"] == ["42"]
    for q in (by_requester, by_company):
        assert q["updated_since"] == ["2016-05-01T00:00:00Z"] and q["include"] == ["description"]
        assert q["order_by"] == ["created_at"] and q["order_type"] == ["desc"]
    assert [(t.id, t.extra["match"]) for t in found] == [("21", "organization"), ("20", "requester")]
    assert found[1].extra["description"] == "Lamp still broken" and found[1].messages == ()
    assert found[0].extra["description"] == "This is a sample ticket, feel free to delete it."


def test_reassign_posts_the_private_note_then_moves_the_ticket(replay, fake_sleep):
    replay.add("POST", "/api/v2/tickets/1/notes", status=201, json_body=freshdesk_recorded("note_1.json"))
    replay.add("PUT", "/api/v2/tickets/1", json_body=freshdesk_recorded("ticket_1_updated.json"))
    provider(replay, fake_sleep).reassign("1", "2", "Hand-off: <VIP>, tried a reset")

    note, move = replay.requests
    assert (note.method, note.path) == ("POST", "/api/v2/tickets/1/notes")
    assert json.loads(note.body) == {"body": "Hand-off: &lt;VIP&gt;, tried a reset", "private": True}
    assert (move.method, move.path) == ("PUT", "/api/v2/tickets/1")
    assert json.loads(move.body) == {"group_id": 2, "responder_id": None}


def test_reassign_note_timeout_is_not_replayed_and_nothing_moves(replay, fake_sleep):
    replay.add("POST", "/api/v2/tickets/1/notes", status=201, json_body={}, delay=1.0)
    p = provider(replay, fake_sleep, timeout_seconds=0.2)
    with pytest.raises(UnavailableError):
        p.reassign("1", "2", "note")
    assert len(replay.hits("POST", "/api/v2/tickets/1/notes")) == 1
    assert replay.hits("PUT", "/api/v2/tickets/1") == []


def test_reassign_unknown_group(replay, fake_sleep):
    with pytest.raises(NotFoundError):
        provider(replay, fake_sleep).reassign("1", "Tier 2", "note")
    assert replay.requests == []
