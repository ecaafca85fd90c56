"""Freshdesk provider end to end over a local HTTP server replaying the Freshdesk v2 fixtures."""

from __future__ import annotations

import base64
import json
import logging
from datetime import UTC, datetime

import pytest

from assist.config import HelpdeskSettings
from assist.helpdesk import make_provider
from assist.helpdesk.freshdesk import map_ticket
from common.errors import AuthError, NotFoundError, RateLimitedError, UnavailableError
from tests.helpdesk.conftest import TOKEN
from tests.helpdesk.replay import freshdesk_recorded


def provider(replay, fake_sleep, **kw):
    return make_provider(HelpdeskSettings(kind="freshdesk", url=replay.url, **kw), TOKEN, sleep=fake_sleep)


def serve_ticket(replay) -> None:
    replay.add("GET", "/api/v2/tickets/1", json_body=freshdesk_recorded("ticket_1.json"))
    note, reply = freshdesk_recorded("conversations.json")
    nxt = f'<{replay.url}/api/v2/tickets/1/conversations?per_page=100&page=2>; rel="next"'
    path = "/api/v2/tickets/1/conversations"
    replay.add("GET", path, json_body=[note], headers={"Link": nxt}).add("GET", path, json_body=[reply])


def test_get_ticket_with_paginated_conversations(replay, fake_sleep):
    serve_ticket(replay)
    ticket = provider(replay, fake_sleep).get_ticket("1")
    assert ticket.provider == "freshdesk" and ticket.id == "1"
    assert ticket.subject == "This is a sample ticket"
    assert ticket.status == "open" and ticket.priority == "low"
    assert ticket.tags == ("foo", "bar")
    assert (ticket.requester_name, ticket.requester_email) == ("Dummyname", "dummyname@example.com")
    assert ticket.url == f"{replay.url}/a/tickets/1"
    desc, note, reply = ticket.messages
    assert desc.author_role == "customer" and desc.body.startswith("This is a sample ticket")
    assert note.public is False and note.body == "This is a private note" and note.author_role == "agent"
    assert reply.public is True and reply.author_name == "Rachel" and reply.author_role == "agent"
    convo_calls = replay.hits("GET", "/api/v2/tickets/1/conversations")
    assert len(convo_calls) == 2 and convo_calls[1].query["page"] == ["2"]
    assert replay.hits("GET", "/api/v2/tickets/1")[0].query["include"] == ["requester,stats"]


def test_sla_targets_and_escalation():
    sla = map_ticket(freshdesk_recorded("ticket_1.json"), base_url="https://x.freshdesk.com").sla
    assert sla is not None
    assert sla.first_response_due == datetime(2016, 5, 18, 5, 36, 4, tzinfo=UTC)
    assert sla.resolution_due == datetime(2016, 5, 18, 23, 36, 4, tzinfo=UTC)
    assert sla.breached is True  # is_escalated


def test_search_result_shape_maps_too():
    first = freshdesk_recorded("search_tickets.json")["results"][0]
    ticket = map_ticket(first, base_url="https://x.freshdesk.com")
    assert ticket.requester_name == "Rachel"
    assert ticket.sla is not None and ticket.sla.first_response_due is not None  # legacy frDueBy
    assert ticket.created_at == datetime(2014, 12, 31, 2, 27, 9, tzinfo=UTC)  # +10:00 → UTC


def test_api_key_basic_auth(replay, fake_sleep):
    serve_ticket(replay)
    provider(replay, fake_sleep).get_ticket("1")
    assert (
        replay.requests[0].headers["Authorization"]
        == "Basic " + base64.b64encode(f"{TOKEN}:X".encode()).decode()
    )


def test_my_open_tickets_filters_solved(replay, fake_sleep):
    tickets = freshdesk_recorded("all_tickets.json")
    resolved = dict(tickets[0], id=99, status=4)
    replay.add("GET", "/api/v2/tickets", json_body=[*tickets, resolved])
    mine = provider(replay, fake_sleep).my_open_tickets()
    assert "99" not in [t.id for t in mine] and len(mine) == len(tickets)
    assert replay.hits("GET", "/api/v2/tickets")[0].query["filter"] == ["new_and_my_open"]


def test_add_internal_note_posts_a_private_note(replay, fake_sleep):
    replay.add("POST", "/api/v2/tickets/1/notes", status=201, json_body=freshdesk_recorded("note_1.json"))
    note = provider(replay, fake_sleep).add_internal_note("1", "Customer is <VIP>\nsecond line")
    assert note.public is False and note.author_role == "agent"
    sent = json.loads(replay.hits("POST", "/api/v2/tickets/1/notes")[0].body)
    assert sent == {"body": "Customer is &lt;VIP&gt;<br>second line", "private": True}


@pytest.mark.parametrize(
    ("status", "error", "headers"),
    [
        (401, AuthError, {}),
        (403, AuthError, {}),
        (404, NotFoundError, {}),
        (429, RateLimitedError, {"Retry-After": "3600"}),
        (500, UnavailableError, {}),
    ],
)
def test_error_statuses(replay, fake_sleep, caplog, status, error, headers):
    caplog.set_level(logging.DEBUG)
    replay.add("GET", "/api/v2/tickets/5", status=status, json_body={"code": "x"}, headers=headers)
    with pytest.raises(error) as info:
        provider(replay, fake_sleep).get_ticket("5")
    assert TOKEN not in str(info.value) and TOKEN not in caplog.text


def test_502_then_success(replay, fake_sleep):
    replay.add("GET", "/api/v2/tickets/1", status=502, text="Bad Gateway")
    serve_ticket(replay)
    assert provider(replay, fake_sleep).get_ticket("1").id == "1"
    assert len(fake_sleep.calls) == 1


def test_malformed_conversations(replay, fake_sleep):
    replay.add("GET", "/api/v2/tickets/1", json_body=freshdesk_recorded("ticket_1.json"))
    replay.add("GET", "/api/v2/tickets/1/conversations", raw=b"<html>proxy error</html>")
    with pytest.raises(UnavailableError, match="not valid JSON"):
        provider(replay, fake_sleep).get_ticket("1")


def test_connection_refused(fake_sleep, unused_port):
    p = make_provider(
        HelpdeskSettings(kind="freshdesk", url=f"http://127.0.0.1:{unused_port}"), TOKEN, sleep=fake_sleep
    )
    with pytest.raises(UnavailableError):
        p.my_open_tickets()


def test_recently_viewed_is_not_available():
    p = make_provider(HelpdeskSettings(kind="freshdesk", url="https://x.freshdesk.com"), TOKEN)
    assert p.recently_viewed() == []
