"""The shared HTTP layer: error mapping, retry policy, pagination guards, secret hygiene."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime

import httpx
import pytest

from assist.helpdesk._http import (
    HttpClient,
    RetryPolicy,
    Secret,
    TokenHeaderAuth,
    cursor_next,
    parse_retry_after,
    parse_time,
)
from common.errors import AuthError, HelpdeskError, RateLimitedError, UnavailableError

SECRET = "s3cr3t-token-value-xyz"


def client(handler, sleep, **kw) -> HttpClient:
    return HttpClient(
        "https://acme.zendesk.com",
        service="Zendesk",
        auth=TokenHeaderAuth("Bearer", Secret(SECRET)),
        secrets=[Secret(SECRET)],
        transport=httpx.MockTransport(handler),
        sleep=sleep,
        rng=random.Random(1),
        **kw,
    )


def test_retry_after_seconds_and_http_date():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 1.5 ") == 1.5
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Wed, 01 Jan 2025 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now) == 0.0  # in the past: now
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_secret_never_shows():
    s = Secret(SECRET)
    assert SECRET not in repr(s) and SECRET not in str(s) and SECRET not in f"{s}"
    assert s.reveal() == SECRET
    auth = TokenHeaderAuth.basic("me@x.test/token", s)
    assert SECRET not in repr(auth)


def test_token_is_redacted_from_logs_even_if_someone_logs_it(caplog):
    caplog.set_level(logging.DEBUG)
    client(lambda r: httpx.Response(200, json={}), lambda s: None)
    logging.getLogger("assist.helpdesk.zendesk").info("debugging with token=%s", SECRET)
    assert "token=********" in caplog.text and SECRET not in caplog.text


def test_backoff_is_jittered_and_capped(fake_sleep):
    calls = {"n": 0}

    def handler(request):
        calls["n"] += 1
        return httpx.Response(503)

    with pytest.raises(UnavailableError):
        client(handler, fake_sleep, retry=RetryPolicy(attempts=6, backoff=1.0, max_backoff=4.0)).request(
            "GET", "/x"
        )
    assert calls["n"] == 6
    caps = [1, 2, 4, 4, 4]
    assert all(c / 2 <= d <= c for d, c in zip(fake_sleep.calls, caps, strict=True))
    assert len(set(fake_sleep.calls)) > 1


def test_retry_after_is_honoured_over_backoff(fake_sleep):
    replies = iter(
        [httpx.Response(429, headers={"Retry-After": "5"}, text="slow"), httpx.Response(200, json={"a": 1})]
    )
    assert client(lambda r: next(replies), fake_sleep).get_json("/x") == {"a": 1}
    assert 5.0 <= fake_sleep.calls[0] <= 5.25


def test_429_without_retry_after_backs_off(fake_sleep):
    replies = iter([httpx.Response(429, text="slow"), httpx.Response(200, json={})])
    client(lambda r: next(replies), fake_sleep).get_json("/x")
    assert 0.25 <= fake_sleep.calls[0] <= 0.5


def test_rate_limited_error_carries_retry_after(fake_sleep):
    c = client(lambda r: httpx.Response(429, headers={"Retry-After": "90"}), fake_sleep)
    with pytest.raises(RateLimitedError) as info:
        c.get_json("/x")
    assert info.value.retry_after == 90 and "90" in str(info.value)


def test_post_timeout_is_not_retried_but_connect_error_is(fake_sleep):
    seen = []

    def timeout(request):
        seen.append(request.method)
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(UnavailableError):
        client(timeout, fake_sleep).send_json("POST", "/notes", {"body": "x"})
    assert seen == ["POST"]  # it may have landed; do not post it twice

    seen.clear()

    def refused(request):
        seen.append(request.method)
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(UnavailableError):
        client(refused, fake_sleep).send_json("POST", "/notes", {"body": "x"})
    assert seen == ["POST"] * 3  # nothing was sent: safe to try again


def test_403_is_auth_error_with_a_hint(fake_sleep):
    with pytest.raises(AuthError, match="scope"):
        client(lambda r: httpx.Response(403, json={"error": "Forbidden"}), fake_sleep).get_json("/x")


def test_other_4xx_shows_redacted_body(fake_sleep):
    c = client(lambda r: httpx.Response(422, text=f"bad field; your token {SECRET} is fine"), fake_sleep)
    with pytest.raises(HelpdeskError) as info:
        c.get_json("/x")
    assert "422" in str(info.value) and "bad field" in str(info.value) and SECRET not in str(info.value)


def test_redirects_are_not_followed(fake_sleep):
    # Following a 302 to another host would hand it our Authorization header.
    c = client(lambda r: httpx.Response(302, headers={"Location": "https://evil.test/"}), fake_sleep)
    with pytest.raises(HelpdeskError):
        c.get_json("/x")


def test_pagination_stops_on_a_repeating_cursor(fake_sleep):
    body = {"items": [1], "meta": {"has_more": True}, "links": {"next": "https://acme.zendesk.com/x?page=2"}}
    pages = list(
        client(lambda r: httpx.Response(200, json=body), fake_sleep).paginate("/x", None, cursor_next)
    )
    assert len(pages) == 2  # page 1, then page 2 whose next repeats itself: stop


def test_pagination_is_bounded(fake_sleep):
    n = {"i": 0}

    def handler(request):
        n["i"] += 1
        return httpx.Response(
            200,
            json={"meta": {"has_more": True}, "links": {"next": f"https://acme.zendesk.com/x?p={n['i']}"}},
        )

    pages = list(client(handler, fake_sleep).paginate("/x", None, cursor_next, max_pages=5))
    assert len(pages) == 5


def test_parse_time_normalizes_to_utc_and_drops_rt_epoch():
    assert parse_time("2016-05-18T04:36:04Z") == datetime(2016, 5, 18, 4, 36, 4, tzinfo=UTC)
    assert parse_time("2014-12-31T12:27:09+10:00") == datetime(2014, 12, 31, 2, 27, 9, tzinfo=UTC)
    assert parse_time("1970-01-01T00:00:00Z") is None
    assert parse_time("garbage") is None and parse_time(None) is None
