"""Zendesk queue watch, requester history and reassign, over a local server replaying recorded
Zendesk payloads (tickets, users/me, groups, ticket update) and their real rate-limit headers."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest

from assist.config import HelpdeskSettings
from assist.helpdesk import SupportsQueueWatch, SupportsReassign, SupportsRequesterHistory, make_provider
from assist.helpdesk.zendesk import ZendeskProvider, map_ticket
from common.errors import NotFoundError, UnavailableError
from tests.helpdesk.conftest import TOKEN
from tests.helpdesk.replay import zendesk_recorded

ME = 6130907993114  # users_me__200.json; also the assignee of ticket 1 in tickets_list__200.json
SUPPORT = 6130852536346  # the "Support" group, ticket 1's and 2's group
ORG = 6130869157658
SEARCH = "/api/v2/search.json"


def provider(replay, fake_sleep, **kw) -> ZendeskProvider:
    settings = HelpdeskSettings(kind="zendesk", url=replay.url, email="agent@acme.test", **kw)
    return make_provider(settings, TOKEN, sleep=fake_sleep)  # type: ignore[return-value]


def recorded_tickets() -> list[dict]:
    return copy.deepcopy(zendesk_recorded("tickets_list__200.json")["tickets"])


def search_page(tickets: list[dict], next_page: str | None = None, users: list[dict] | None = None) -> dict:
    return {
        "results": [t | {"result_type": "ticket"} for t in tickets],
        "users": users or [],
        "facets": None,
        "next_page": next_page,
        "previous_page": None,
        "count": len(tickets),
    }


def test_provider_has_the_optional_capabilities(replay, fake_sleep):
    p = provider(replay, fake_sleep)
    assert isinstance(p, SupportsQueueWatch)
    assert isinstance(p, SupportsRequesterHistory)
    assert isinstance(p, SupportsReassign)


def test_mapping_fills_the_new_fields():
    one, two, three = recorded_tickets()[:3]
    t = map_ticket(one, base_url="https://x.zendesk.com")
    assert (t.requester_id, t.organization, t.group, t.assignee) == (
        "6130869168922",
        "",
        str(SUPPORT),
        str(ME),
    )
    t = map_ticket(two, base_url="https://x.zendesk.com")
    assert (t.group, t.assignee) == (str(SUPPORT), "")
    t = map_ticket(three, base_url="https://x.zendesk.com")
    assert (t.requester_id, t.organization, t.group) == (str(ME), str(ORG), "")


def test_queue_query_carries_updated_since_and_drops_older_updates(replay, fake_sleep):
    tickets = recorded_tickets()
    mine = [tickets[0], tickets[40], tickets[2]]  # updated 2023-09-09, 09-18 15:57:4x, 09-18 15:57:38
    mine[1]["status"] = "solved"  # solved since: still reported, so the caller can drop it
    requester = zendesk_recorded("user_show__200.json")["user"] | {"id": 6130869168922}
    replay.add("GET", SEARCH, json_body=search_page(mine, users=[requester]))
    since = datetime(2023, 9, 18, 15, 57, 38, tzinfo=UTC)

    found = provider(replay, fake_sleep).queue_updated_since(since)

    query = replay.hits("GET", SEARCH)[0].query
    assert query["query"] == ["type:ticket assignee:me updated>2023-09-18T15:57:37Z"]
    assert query["sort_by"] == ["updated_at"] and query["sort_order"] == ["desc"]
    assert query["include"] == ["tickets(users)"]
    # Ticket 1 was last updated on 09-09: the search index's slack, filtered out exactly here.
    assert [t.id for t in found] == [str(tickets[40]["id"]), "3"]
    assert found[0].status == "solved" and all(t.messages == () for t in found)
    assert all(t.updated_at is not None and t.updated_at >= since for t in found)
    assert (found[1].requester_id, found[1].organization) == (str(ME), str(ORG))


def test_queue_without_since_asks_for_every_unsolved_ticket(replay, fake_sleep):
    replay.add("GET", SEARCH, json_body=search_page(recorded_tickets()[:1]))
    found = provider(replay, fake_sleep).queue_updated_since(None)
    assert replay.hits("GET", SEARCH)[0].query["query"] == ["type:ticket assignee:me status<solved"]
    assert [(t.id, t.assignee, t.requester_name) for t in found] == [("1", str(ME), "")]


def test_group_unassigned_kept_only_in_my_groups(replay, fake_sleep):
    tickets = recorded_tickets()
    other_group = tickets[3] | {"group_id": 6164094475034, "assignee_id": None}  # testGroup0: not mine
    replay.add("GET", SEARCH, json_body=search_page([tickets[0]]))  # assignee:me
    replay.add("GET", SEARCH, json_body=search_page([tickets[1], other_group]))  # assignee:none
    replay.add("GET", "/api/v2/users/me.json", json_body=zendesk_recorded("users_me__200.json"))
    groups = zendesk_recorded("groups_list__200.json")
    groups["groups"] = [g for g in groups["groups"] if g["name"] == "Support"]
    replay.add("GET", f"/api/v2/users/{ME}/groups.json", json_body=groups)
    since = datetime(2023, 9, 1, tzinfo=UTC)

    p = provider(replay, fake_sleep)
    found = p.queue_updated_since(since, include_group_unassigned=True)
    assert [t.id for t in found] == ["2", "1"]  # newest first; ticket 4 is in someone else's group
    queries = [h.query["query"][0] for h in replay.hits("GET", SEARCH)]
    assert queries == [
        "type:ticket assignee:me updated>2023-08-31T23:59:59Z",
        "type:ticket assignee:none updated>2023-08-31T23:59:59Z",
    ]
    p.queue_updated_since(since, include_group_unassigned=True)
    assert len(replay.hits("GET", "/api/v2/users/me.json")) == 1  # my groups are kept a while


def test_429_in_the_middle_of_a_paginated_queue_is_survived_and_counted(replay, fake_sleep):
    tickets = recorded_tickets()
    page1 = search_page(tickets[:100], next_page=f"{replay.url}{SEARCH}?page=2&per_page=100")
    page2 = search_page(tickets[100:] or [tickets[0] | {"id": 999, "updated_at": "2023-09-08T00:00:00Z"}])
    replay.add("GET", SEARCH, json_body=page1, headers={"X-Rate-Limit": "700", "X-Rate-Limit-Remaining": "3"})
    doc_429 = "Number of allowed API requests per minute exceeded"
    replay.add("GET", SEARCH, status=429, text=doc_429, headers={"Retry-After": "2", "X-Rate-Limit": "700"})
    replay.add(
        "GET", SEARCH, json_body=page2, headers={"X-Rate-Limit": "700", "X-Rate-Limit-Remaining": "699"}
    )

    p = provider(replay, fake_sleep)
    found = p.queue_updated_since(None, limit=150)

    assert len(found) == 101 and found[-1].id == "999"  # both pages, oldest update last
    assert len(fake_sleep.calls) == 1 and 2.0 <= fake_sleep.calls[0] <= 2.25  # no real wait
    hits = replay.hits("GET", SEARCH)
    assert len(hits) == 3 and hits[2].query["page"] == ["2"]
    budget = p.rate_budget()
    assert budget.calls_made == 3 and budget.throttled == 1
    assert budget.remaining == 699


def test_budget_reads_recorded_headers_and_allowance_decreases(replay, fake_sleep):
    groups = zendesk_recorded("groups_list__200.json")
    # The headers Zendesk sent with this recording: x-rate-limit 700, x-rate-limit-remaining 514.
    replay.add(
        "GET",
        "/api/v2/groups.json",
        json_body=groups,
        headers={"x-rate-limit": "700", "x-rate-limit-remaining": "514"},
    )
    replay.add(
        "GET",
        "/api/v2/groups.json",
        json_body=groups,
        headers={"x-rate-limit": "700", "x-rate-limit-remaining": "400"},
    )
    p = provider(replay, fake_sleep)
    assert p.rate_budget().calls_made == 0

    listed = p.groups()
    assert [g.name for g in listed][:3] == ["Support", "testGroup0", "testGroup1"]
    assert listed[0].id == str(SUPPORT)
    budget = p.rate_budget()
    assert (budget.limit, budget.remaining) == (700, 514)
    first = budget.allowance(0.5)
    assert first == 514 - 350
    p.groups()
    assert budget.allowance(0.5) == 50 < first
    assert budget.calls_made == 2


def test_reassign_is_one_put_with_group_no_assignee_and_a_private_note(replay, fake_sleep):
    replay.add("PUT", "/api/v2/tickets/4016.json", json_body=zendesk_recorded("ticket_update__200.json"))
    provider(replay, fake_sleep).reassign("4016", str(SUPPORT), "Hand-off: printer on fire, tried water.")
    (sent,) = replay.hits("PUT", "/api/v2/tickets/4016.json")
    assert json.loads(sent.body) == {
        "ticket": {
            "group_id": SUPPORT,
            "assignee_id": None,
            "comment": {"body": "Hand-off: printer on fire, tried water.", "public": False},
        }
    }
    assert replay.requests == [sent]


def test_reassign_is_never_replayed_after_a_timeout(replay, fake_sleep):
    replay.add("PUT", "/api/v2/tickets/5.json", json_body={}, delay=1.0)
    p = provider(replay, fake_sleep, timeout_seconds=0.2)
    with pytest.raises(UnavailableError, match="did not answer in time"):
        p.reassign("5", str(SUPPORT), "note")
    assert len(replay.hits("PUT", "/api/v2/tickets/5.json")) == 1  # it may have landed: not twice
    assert fake_sleep.calls == []

    replay.add("PUT", "/api/v2/tickets/6.json", status=503, text="busy")
    with pytest.raises(UnavailableError):
        p.reassign("6", str(SUPPORT), "note")
    assert len(replay.hits("PUT", "/api/v2/tickets/6.json")) == 1


def test_reassign_refuses_a_group_that_is_not_an_id(replay, fake_sleep):
    with pytest.raises(NotFoundError):
        provider(replay, fake_sleep).reassign("5", "Support; DROP", "note")
    assert replay.requests == []


def test_requester_history_excludes_the_ticket_and_marks_organization_matches(replay, fake_sleep):
    tickets = recorded_tickets()
    this = map_ticket(tickets[2], base_url=replay.url)  # ticket 3: requester ME, organization ORG
    by_requester = tickets[2:6]  # 3 (itself), 4, 5, 6
    colleague = tickets[6] | {"requester_id": 777, "description": "My lamp is broken again"}
    old = tickets[7] | {"requester_id": 778, "created_at": "2023-09-01T00:00:00Z"}  # before `since`
    by_org = [tickets[4], colleague, old]  # 5 is the requester's own: stays a "requester" match
    replay.add("GET", SEARCH, json_body=search_page(by_requester))
    replay.add("GET", SEARCH, json_body=search_page(by_org))
    since = datetime(2023, 9, 18, tzinfo=UTC)

    found = provider(replay, fake_sleep).requester_tickets(this, since, limit=10)

    queries = [h.query for h in replay.hits("GET", SEARCH)]
    assert queries[0]["query"] == [f"type:ticket requester:{ME} created>2023-09-17T23:59:59Z"]
    assert queries[1]["query"] == [f"type:ticket organization:{ORG} created>2023-09-17T23:59:59Z"]
    assert queries[0]["sort_by"] == ["created_at"]
    assert "3" not in [t.id for t in found]
    matches = {t.id: t.extra["match"] for t in found}
    assert matches == {"4": "requester", "5": "requester", "6": "requester", "7": "organization"}
    seven = next(t for t in found if t.id == "7")
    assert seven.extra["description"] == "My lamp is broken again" and seven.messages == ()
    assert next(t for t in found if t.id == "4").extra["description"] == "test"


def test_requester_history_without_organization_is_one_search(replay, fake_sleep):
    tickets = recorded_tickets()
    this = map_ticket(tickets[0], base_url=replay.url)  # requester 6130869168922, no organization
    replay.add("GET", SEARCH, json_body=search_page([tickets[0]]))
    found = provider(replay, fake_sleep).requester_tickets(this, datetime(2023, 1, 1, tzinfo=UTC))
    assert found == [] and len(replay.hits("GET", SEARCH)) == 1
