"""Zendesk provider end to end over a real local HTTP server replaying recorded Zendesk payloads."""

from __future__ import annotations

import base64
import copy
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest

from assist.config import HelpdeskSettings
from assist.helpdesk import make_provider
from assist.helpdesk.zendesk import ZendeskProvider, map_sla, map_ticket
from common.errors import AuthError, HelpdeskError, NotFoundError, RateLimitedError, UnavailableError
from tests.helpdesk.conftest import TOKEN
from tests.helpdesk.replay import zendesk_documented, zendesk_recorded

RECORDED_HOSTS = ("https://z3npuddn.zendesk.com", "https://z3n-jteitelbaum.zendesk.com")


def provider(replay, fake_sleep, **kw) -> ZendeskProvider:
    settings = HelpdeskSettings(kind="zendesk", url=replay.url, email="agent@acme.test", **kw)
    return make_provider(settings, TOKEN, sleep=fake_sleep)  # type: ignore[return-value]


def serve_ticket(replay, ticket_id: int = 1, *, slas=None) -> None:
    body = copy.deepcopy(zendesk_recorded("ticket_show__200.json"))
    body["ticket"]["id"] = ticket_id
    if slas:
        body["ticket"]["slas"] = slas
    replay.add("GET", f"/api/v2/tickets/{ticket_id}.json", json_body=body)


def serve_comments(replay, ticket_id: int = 1) -> None:
    """Page 1 is the recorded comments page with has_more set, page 2 a second recorded comment."""
    page1 = replay.rebase(zendesk_recorded("ticket_comments__200.json"), *RECORDED_HOSTS)
    page1["meta"]["has_more"] = True
    page1["links"]["next"] = page1["links"]["next"].replace("/tickets/33/", f"/tickets/{ticket_id}/")
    page2 = copy.deepcopy(page1)
    page2["meta"]["has_more"] = False
    page2["comments"][0] |= {
        "id": 2,
        "author_id": 6130869168922,  # the requester: a customer reply
        "body": "Still broken, sorry!",
        "plain_body": "Still broken, sorry!",
        "public": False,
    }
    page2["users"] = [{"id": 6130869168922, "name": "The Customer", "email": "c@x.test", "role": "end-user"}]
    path = f"/api/v2/tickets/{ticket_id}/comments.json"
    replay.add("GET", path, json_body=page1).add("GET", path, json_body=page2)


def serve_requester(replay) -> None:
    user = zendesk_recorded("user_show__200.json")
    replay.add("GET", "/api/v2/users/6130869168922.json", json_body=user)


def test_get_ticket_follows_comment_cursor_and_maps_everything(replay, fake_sleep):
    serve_ticket(replay)
    serve_comments(replay)
    serve_requester(replay)
    ticket = provider(replay, fake_sleep).get_ticket("1")

    assert ticket.id == "1" and ticket.provider == "zendesk"
    assert ticket.subject == "Sample ticket: Meet the ticket"
    assert ticket.status == "open" and ticket.priority == "normal"
    assert ticket.tags == ("sample", "support", "zendesk")
    assert ticket.created_at == datetime(2023, 9, 9, 23, 52, 5, tzinfo=UTC)
    assert ticket.url == f"{replay.url}/agent/tickets/1"
    assert ticket.requester_name == "The Customer"  # sideloaded with the comments
    assert replay.hits("GET", "/api/v2/users/6130869168922.json") == []  # so no extra lookup
    assert [m.id for m in ticket.messages] == ["33144692244499", "2"]
    first, second = ticket.messages
    assert first.body == "Some comment" and first.public and first.author_role == "agent"
    assert second.author_role == "customer" and second.author_name == "The Customer"
    assert second.public is False
    comment_calls = replay.hits("GET", "/api/v2/tickets/1/comments.json")
    assert len(comment_calls) == 2
    assert comment_calls[0].query["page[size]"] == ["100"]
    assert "page[after]" in comment_calls[1].query  # the cursor from links.next
    assert replay.hits("GET", "/api/v2/tickets/1.json")[0].query["include"] == ["slas,users"]


def test_api_token_and_oauth_headers(replay, fake_sleep):
    serve_ticket(replay)
    replay.add(
        "GET", "/api/v2/tickets/1/comments.json", json_body={"comments": [], "meta": {"has_more": False}}
    )
    serve_requester(replay)
    provider(replay, fake_sleep).get_ticket("1")
    expected = base64.b64encode(f"agent@acme.test/token:{TOKEN}".encode()).decode()
    assert replay.requests[0].headers["Authorization"] == f"Basic {expected}"
    assert replay.hits("GET", "/api/v2/users/6130869168922.json")  # requester not sideloaded: looked up

    replay.requests.clear()
    provider(replay, fake_sleep, auth_mode="oauth").get_ticket("1")
    assert replay.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_sla_from_include_slas(replay, fake_sleep):
    past = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    future = (datetime.now(UTC) + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    slas = {
        "policy_metrics": [
            {"breach_at": past, "stage": "active", "metric": "first_reply_time", "hours": 1},
            {"breach_at": future, "stage": "active", "metric": "requester_wait_time", "hours": 8},
        ]
    }
    serve_ticket(replay, 7, slas=slas)
    replay.add(
        "GET", "/api/v2/tickets/7/comments.json", json_body={"comments": [], "meta": {"has_more": False}}
    )
    serve_requester(replay)
    sla = provider(replay, fake_sleep).get_ticket("7").sla
    assert sla is not None
    assert sla.first_response_due == datetime.fromisoformat(past.replace("Z", "+00:00"))
    assert sla.resolution_due == datetime.fromisoformat(future.replace("Z", "+00:00"))
    assert sla.breached is True


def test_no_sla_when_account_has_none():
    ticket = zendesk_recorded("ticket_show__200.json")["ticket"]
    assert map_sla(ticket) is None
    assert map_ticket(ticket, base_url="https://x.zendesk.com").sla is None


def test_401_is_auth_error_and_never_leaks_the_token(replay, fake_sleep, caplog):
    body = zendesk_documented()["zendesk_401_unauthorized"]["body"]
    replay.add("GET", "/api/v2/tickets/1.json", status=401, json_body=body)
    caplog.set_level(logging.DEBUG)
    p = provider(replay, fake_sleep)
    with pytest.raises(AuthError) as info:
        p.get_ticket("1")
    assert "token" in str(info.value).lower()  # tells the agent what to fix
    for text in (str(info.value), repr(info.value), repr(p), caplog.text):
        assert TOKEN not in text
        assert base64.b64encode(f"agent@acme.test/token:{TOKEN}".encode()).decode() not in text
    assert fake_sleep.calls == []  # a refused token is not retried


def test_404_recorded_body_is_not_found(replay, fake_sleep):
    body = zendesk_recorded("ticket_update_not_found__404.json")
    replay.add("GET", "/api/v2/tickets/99.json", status=404, json_body=body)
    with pytest.raises(NotFoundError):
        provider(replay, fake_sleep).get_ticket("99")


def test_429_text_plain_with_retry_after_is_honoured(replay, fake_sleep):
    doc = zendesk_documented()["zendesk_429_rate_limited_account_wide"]
    replay.add(
        "GET", "/api/v2/tickets/1.json", status=429, text=doc["body_text"], headers={"Retry-After": "2"}
    )
    serve_ticket(replay)
    replay.add(
        "GET", "/api/v2/tickets/1/comments.json", json_body={"comments": [], "meta": {"has_more": False}}
    )
    serve_requester(replay)
    ticket = provider(replay, fake_sleep).get_ticket("1")
    assert ticket.id == "1"
    assert len(fake_sleep.calls) == 1 and 2.0 <= fake_sleep.calls[0] <= 2.25
    assert len(replay.hits("GET", "/api/v2/tickets/1.json")) == 2


def test_429_with_long_retry_after_goes_to_the_caller(replay, fake_sleep):
    replay.add(
        "GET",
        "/api/v2/tickets/1.json",
        status=429,
        text="Number of allowed API requests per minute exceeded",
        headers={"Retry-After": "300"},
    )
    with pytest.raises(RateLimitedError) as info:
        provider(replay, fake_sleep).get_ticket("1")
    assert info.value.retry_after == 300
    assert fake_sleep.calls == []  # not blocking a worker for five minutes
    assert len(replay.requests) == 1


def test_429_persisting_gives_up_after_the_retry_budget(replay, fake_sleep):
    replay.add("GET", "/api/v2/tickets/1.json", status=429, text="slow down", headers={"Retry-After": "1"})
    with pytest.raises(RateLimitedError) as info:
        provider(replay, fake_sleep).get_ticket("1")
    assert info.value.retry_after == 1
    assert len(replay.requests) == 3 and len(fake_sleep.calls) == 2


@pytest.mark.parametrize("status", [502, 503, 504])
def test_transient_5xx_is_retried_with_backoff(replay, fake_sleep, status):
    replay.add("GET", "/api/v2/tickets/1.json", status=status, text="upstream error")
    serve_ticket(replay)
    replay.add(
        "GET", "/api/v2/tickets/1/comments.json", json_body={"comments": [], "meta": {"has_more": False}}
    )
    serve_requester(replay)
    assert provider(replay, fake_sleep).get_ticket("1").id == "1"
    assert len(fake_sleep.calls) == 1 and 0.25 <= fake_sleep.calls[0] <= 0.5


def test_500_is_unavailable(replay, fake_sleep):
    replay.add("GET", "/api/v2/tickets/1.json", status=500, text="Internal Server Error")
    with pytest.raises(UnavailableError, match="try again"):
        provider(replay, fake_sleep).get_ticket("1")


def test_timeout_is_unavailable_after_retries(replay, fake_sleep):
    serve_ticket(replay)
    replay._routes[("GET", "/api/v2/tickets/1.json")][0].delay = 1.0
    p = provider(replay, fake_sleep, timeout_seconds=0.2)
    with pytest.raises(UnavailableError, match="did not answer in time"):
        p.get_ticket("1")
    assert len(fake_sleep.calls) == 2  # three tries, two waits


def test_malformed_json_is_unavailable(replay, fake_sleep):
    replay.add("GET", "/api/v2/tickets/1.json", raw=b'{"ticket": {"id": 1, "subj')
    with pytest.raises(UnavailableError, match="not valid JSON"):
        provider(replay, fake_sleep).get_ticket("1")


def test_connection_refused_is_unavailable(fake_sleep, unused_port):
    settings = HelpdeskSettings(kind="zendesk", url=f"http://127.0.0.1:{unused_port}", email="a@b.c")
    p = make_provider(settings, TOKEN, sleep=fake_sleep)
    with pytest.raises(UnavailableError, match="Cannot connect") as info:
        p.get_ticket("1")
    assert len(fake_sleep.calls) == 2
    assert TOKEN not in str(info.value)


def test_pagination_link_to_another_host_is_refused(replay, fake_sleep):
    serve_ticket(replay)
    page = zendesk_recorded("ticket_comments__200.json")  # links still point at the recorded host
    page["meta"]["has_more"] = True
    replay.add("GET", "/api/v2/tickets/1/comments.json", json_body=page)
    with pytest.raises(HelpdeskError, match="another site"):
        provider(replay, fake_sleep).get_ticket("1")
    assert len(replay.hits("GET", "/api/v2/tickets/1/comments.json")) == 1


def test_my_open_tickets_uses_search(replay, fake_sleep):
    tickets = zendesk_recorded("tickets_list__200.json")["tickets"][:3]
    body = {"results": [t | {"result_type": "ticket"} for t in tickets], "next_page": None, "count": 3}
    replay.add("GET", "/api/v2/search.json", json_body=body)
    mine = provider(replay, fake_sleep).my_open_tickets(limit=2)
    assert [t.id for t in mine] == [str(t["id"]) for t in tickets[:2]]
    assert all(t.messages == () for t in mine)
    query = replay.hits("GET", "/api/v2/search.json")[0].query
    assert query["query"] == ["type:ticket assignee:me status<solved"]
    assert query["sort_by"] == ["updated_at"]


def test_add_internal_note_is_a_private_comment_and_never_replayed(replay, fake_sleep):
    update = zendesk_recorded("ticket_update__200.json")
    update["audit"]["events"].append(
        {"id": 991, "type": "Comment", "author_id": 6130907993114, "body": "VIP, be nice", "public": False}
    )
    replay.add("PUT", "/api/v2/tickets/4016.json", json_body=update)
    note = provider(replay, fake_sleep).add_internal_note("4016", "VIP, be nice")
    assert note.public is False and note.id == "991" and note.body == "VIP, be nice"
    sent = replay.hits("PUT", "/api/v2/tickets/4016.json")[0]
    assert json.loads(sent.body) == {"ticket": {"comment": {"body": "VIP, be nice", "public": False}}}

    replay.add("PUT", "/api/v2/tickets/5.json", status=503, text="busy")
    with pytest.raises(UnavailableError):
        provider(replay, fake_sleep).add_internal_note("5", "x")
    assert len(replay.hits("PUT", "/api/v2/tickets/5.json")) == 1  # a note must not be posted twice


def test_recently_viewed_hint(replay, fake_sleep):
    replay.add("GET", "/api/v2/tickets/recent.json", json_body={"tickets": [{"id": 12}, {"id": 3}]})
    assert provider(replay, fake_sleep).recently_viewed() == ["12", "3"]


def test_recently_viewed_missing_endpoint_is_empty(replay, fake_sleep):
    assert provider(replay, fake_sleep).recently_viewed() == []


def test_ticket_updated_at_probe_is_one_cheap_call(replay, fake_sleep):
    serve_ticket(replay)
    assert provider(replay, fake_sleep).ticket_updated_at("1") == datetime(2023, 9, 9, 23, 52, 5, tzinfo=UTC)
    assert len(replay.requests) == 1 and "include" not in replay.requests[0].query


@pytest.mark.parametrize("bad", ["abc", "-1", "0", "1/../../users", ""])
def test_bad_ids_never_reach_the_server(replay, fake_sleep, bad):
    with pytest.raises(NotFoundError):
        provider(replay, fake_sleep).get_ticket(bad)
    assert replay.requests == []
