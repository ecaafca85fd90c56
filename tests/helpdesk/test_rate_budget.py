"""The HTTP layer's rate budget and conditional GETs (httpx MockTransport, no network)."""

from __future__ import annotations

import random
import threading

import httpx
import pytest

from assist.helpdesk._http import HttpClient, RateBudget, Secret, TokenHeaderAuth, parse_rate_headers
from common.errors import UnavailableError
from tests.helpdesk.replay import SHARED, zendesk_recorded

SECRET = "s3cr3t-token-value-xyz"


class Clock:
    def __init__(self, t: float = 1_800_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def recorded_headers(name: str) -> dict[str, str]:
    """The response headers Zendesk really sent with a curated recording."""
    import json

    raw = json.loads((SHARED / "zendesk" / "curated" / name).read_text())["response"]["headers"]
    return {k: v[0] for k, v in raw.items()}


def client(handler, sleep, budget: RateBudget | None = None, **kw) -> HttpClient:
    return HttpClient(
        "https://acme.zendesk.com",
        service="Zendesk",
        auth=TokenHeaderAuth("Bearer", Secret(SECRET)),
        secrets=[Secret(SECRET)],
        transport=httpx.MockTransport(handler),
        sleep=sleep,
        rng=random.Random(1),
        budget=budget,
        **kw,
    )


# -- header parsing ------------------------------------------------------------------------------


def test_recorded_zendesk_headers():
    seen = parse_rate_headers(recorded_headers("groups_list__200.json"))
    assert (seen.limit, seen.remaining, seen.reset_after, seen.cost) == (700, 514, None, None)


def test_zendesk_list_endpoint_headers_with_reset():
    # As documented for list endpoints: the IETF-draft names alongside the X- ones.
    headers = {
        "x-rate-limit": "700",
        "ratelimit-limit": "700",
        "x-rate-limit-remaining": "699",
        "ratelimit-remaining": "699",
        "ratelimit-reset": "41",
    }
    seen = parse_rate_headers(httpx.Headers(headers))
    assert (seen.limit, seen.remaining, seen.reset_after) == (700, 699, 41.0)


def test_freshdesk_headers_and_credit_cost():
    headers = httpx.Headers(
        {"X-RateLimit-Total": "200", "X-RateLimit-Remaining": "151", "X-RateLimit-Used-CurrentRequest": "3"}
    )
    seen = parse_rate_headers(headers)
    assert (seen.limit, seen.remaining, seen.reset_after, seen.cost) == (200, 151, None, 3)


def test_reset_as_unix_time_and_draft_list_syntax():
    seen = parse_rate_headers(
        httpx.Headers({"RateLimit-Limit": "100, 100;w=60", "X-RateLimit-Reset": "1800000030"}),
        now=1_800_000_000,
    )
    assert seen.limit == 100 and seen.reset_after == 30.0


def test_no_headers_says_nothing():
    assert parse_rate_headers(httpx.Headers({"Content-Type": "application/json"})) == parse_rate_headers({})


# -- the budget ----------------------------------------------------------------------------------


def test_budget_reads_headers_and_allowance_decreases(fake_sleep):
    clock = Clock()
    remaining = iter([698, 640, 600])

    def handler(request):
        return httpx.Response(
            200, json={}, headers={"X-Rate-Limit": "700", "X-Rate-Limit-Remaining": str(next(remaining))}
        )

    budget = RateBudget(clock=clock)
    c = client(handler, fake_sleep, budget)
    c.get_json("/a")
    assert (budget.limit, budget.remaining, budget.calls_made) == (700, 698, 1)
    # A tenth of 700 is ours: we may spend down to the 630 kept for everyone else.
    assert budget.allowance(0.1) == 68
    c.get_json("/b")
    assert budget.allowance(0.1) == 10
    c.get_json("/c")
    assert budget.allowance(0.1) == 0 and budget.allowance(0.5) == 250
    assert budget.calls_made == 3 and budget.throttled == 0


def test_freshdesk_credits_divide_the_allowance(fake_sleep):
    budget = RateBudget(clock=Clock())
    headers = {
        "X-RateLimit-Total": "200",
        "X-RateLimit-Remaining": "190",
        "X-RateLimit-Used-CurrentRequest": "3",
    }
    client(lambda r: httpx.Response(200, json=[], headers=headers), fake_sleep, budget).get_json(
        "/api/v2/tickets"
    )
    assert budget.allowance(0.5) == (190 - 100) // 3


def test_silent_server_falls_back_to_the_calls_per_minute_cap(fake_sleep):
    clock = Clock()
    budget = RateBudget(calls_per_minute=60, clock=clock)
    c = client(lambda r: httpx.Response(200, json={}), fake_sleep, budget)
    assert budget.allowance(0.5) == 30 and budget.limit == 60
    for _ in range(10):
        c.get_json("/rt")
        clock.t += 1
    assert budget.remaining == 50 and budget.allowance(0.5) == 20
    assert budget.reset_at is not None and budget.reset_at.timestamp() == pytest.approx(1_800_000_060.0)
    clock.t += 54  # a minute after the fifth call: the first five have left the window
    assert budget.allowance(0.5) == 25
    clock.t += 60
    assert budget.allowance(0.5) == 30 and budget.calls_made == 10


def test_stale_server_view_without_reset_gives_way_to_the_cap(fake_sleep):
    clock = Clock()
    budget = RateBudget(calls_per_minute=60, clock=clock)
    headers = {"X-RateLimit-Total": "1000", "X-RateLimit-Remaining": "900"}
    client(lambda r: httpx.Response(200, json={}, headers=headers), fake_sleep, budget).get_json("/x")
    assert budget.limit == 1000 and budget.allowance(0.2) == 100
    clock.t += 61
    assert budget.limit == 60 and budget.allowance(0.5) == 30


def test_server_reset_refills_the_budget(fake_sleep):
    clock = Clock()
    budget = RateBudget(clock=clock)
    headers = {"ratelimit-limit": "100", "ratelimit-remaining": "0", "ratelimit-reset": "20"}
    client(lambda r: httpx.Response(200, json={}, headers=headers), fake_sleep, budget).get_json("/x")
    assert budget.allowance(1.0) == 0
    assert budget.reset_at is not None and budget.reset_at.timestamp() == pytest.approx(clock.t + 20)
    clock.t += 21
    assert budget.remaining == 100 and budget.allowance(0.25) == 25


def test_429_blocks_background_work_until_retry_after(fake_sleep):
    clock = Clock()
    budget = RateBudget(clock=clock)
    replies = iter(
        [
            httpx.Response(429, text="slow down", headers={"Retry-After": "7", "X-Rate-Limit": "700"}),
            httpx.Response(
                200, json={"ok": 1}, headers={"X-Rate-Limit": "700", "X-Rate-Limit-Remaining": "0"}
            ),
        ]
    )
    assert client(lambda r: next(replies), fake_sleep, budget).get_json("/x") == {"ok": 1}
    assert budget.throttled == 1 and budget.calls_made == 2
    assert 7.0 <= fake_sleep.calls[0] <= 7.25  # the foreground request still honoured Retry-After
    clock.t += 3
    assert budget.allowance(1.0) == 0


def test_429_without_numbers_blocks_for_a_window(fake_sleep):
    clock = Clock()
    budget = RateBudget(calls_per_minute=60, clock=clock)
    budget.record(httpx.Response(429, text="slow"))
    assert budget.allowance(1.0) == 0 and budget.throttled == 1
    clock.t += 61
    assert budget.allowance(1.0) > 0


def test_share_must_be_a_fraction():
    with pytest.raises(ValueError):
        RateBudget().allowance(1.5)
    with pytest.raises(ValueError):
        RateBudget(calls_per_minute=0)
    assert RateBudget().allowance(0.0) == 0


def test_budget_counts_exactly_under_threads():
    budget = RateBudget(calls_per_minute=10_000)
    response = httpx.Response(200, headers={"X-Rate-Limit": "700", "X-Rate-Limit-Remaining": "1"})

    def hammer():
        for _ in range(500):
            budget.record(response)
            budget.allowance(0.5)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert budget.calls_made == 4000


def test_timeouts_count_but_refused_connections_do_not(fake_sleep):
    def timeout(request):
        raise httpx.ReadTimeout("slow", request=request)

    c = client(timeout, fake_sleep)
    with pytest.raises(UnavailableError):
        c.get_json("/x")
    assert c.budget.calls_made == 3  # three tries that may each have reached the server

    def refused(request):
        raise httpx.ConnectError("refused", request=request)

    c = client(refused, fake_sleep)
    with pytest.raises(UnavailableError):
        c.get_json("/x")
    assert c.budget.calls_made == 0


# -- conditional GETs ----------------------------------------------------------------------------


class EtagServer:
    """Answers 304 to a matching If-None-Match with a body that is not JSON: parsing it fails."""

    def __init__(self, body, etag: str = '"34"') -> None:
        self.body = body
        self.etag = etag
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if request.headers.get("If-None-Match") == self.etag:
            return httpx.Response(304, content=b"<not json>", headers={"ETag": self.etag})
        return httpx.Response(200, json=self.body, headers={"ETag": self.etag})


def test_304_returns_the_cached_body_without_parsing(fake_sleep):
    body = zendesk_recorded("ticket_show__200.json")
    server = EtagServer(body)
    c = client(server, fake_sleep)
    first = c.get_json("/api/v2/tickets/1.json", conditional=True)
    again = c.get_json("/api/v2/tickets/1.json", conditional=True)
    assert again == first == body
    assert "If-None-Match" not in server.seen[0].headers
    assert server.seen[1].headers["If-None-Match"] == '"34"'
    assert c.not_modified == 1 and c.budget.calls_made == 2

    again["ticket"]["subject"] = "changed by the caller"
    assert (
        c.get_json("/api/v2/tickets/1.json", conditional=True)["ticket"]["subject"]
        == body["ticket"]["subject"]
    )


def test_a_new_etag_replaces_the_cached_body(fake_sleep):
    server = EtagServer({"v": 1}, etag='"1"')
    c = client(server, fake_sleep)
    assert c.get_json("/t", conditional=True) == {"v": 1}
    server.body, server.etag = {"v": 2}, '"2"'
    assert c.get_json("/t", conditional=True) == {"v": 2}  # sent "1", the server has "2": a 200
    assert c.get_json("/t", conditional=True) == {"v": 2}
    assert c.not_modified == 1 and server.seen[2].headers["If-None-Match"] == '"2"'


def test_params_are_part_of_the_cache_key(fake_sleep):
    server = EtagServer({"v": 1})
    c = client(server, fake_sleep)
    c.get_json("/t", {"a": 1}, conditional=True)
    c.get_json("/t", {"a": 2}, conditional=True)
    assert "If-None-Match" not in server.seen[1].headers


def test_unconditional_gets_never_revalidate(fake_sleep):
    server = EtagServer({"v": 1})
    c = client(server, fake_sleep)
    c.get_json("/t")
    c.get_json("/t")
    c.get_json("/t", conditional=True)
    assert all("If-None-Match" not in r.headers for r in server.seen)


def test_cache_is_bounded_least_recently_used_first(fake_sleep):
    server = EtagServer({"v": 1})
    c = client(server, fake_sleep, etag_cache_size=2)
    for path in ("/a", "/b", "/a", "/c"):  # /a was used again, so /b is the one to go
        c.get_json(path, conditional=True)
    server.seen.clear()
    c.get_json("/a", conditional=True)
    c.get_json("/b", conditional=True)
    assert server.seen[0].headers["If-None-Match"] == '"34"'
    assert "If-None-Match" not in server.seen[1].headers


def test_no_etag_nothing_cached(fake_sleep):
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"v": 1})

    c = client(handler, fake_sleep)
    c.get_json("/t", conditional=True)
    c.get_json("/t", conditional=True)
    assert all("If-None-Match" not in r.headers for r in seen) and c.not_modified == 0
