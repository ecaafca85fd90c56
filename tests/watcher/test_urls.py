"""Ticket URL recognition, from the case table the browser extension's JS tests share."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assist.watcher.urls import HelpdeskSite, normalize_base, parse_clipboard, parse_hash_id, parse_ticket_url

CASES = json.loads((Path(__file__).resolve().parents[2] / "extension" / "url_cases.json").read_text())[
    "cases"
]


@pytest.mark.parametrize("case", CASES, ids=[c["why"] for c in CASES])
def test_shared_url_cases(case):
    sites = [HelpdeskSite(**s) for s in case["sites"]]
    ref = parse_ticket_url(case["text"], sites)
    got = (
        None
        if ref is None
        else {"provider": ref.provider, "ticket_id": ref.ticket_id, "base_url": ref.base_url}
    )
    assert got == case["expect"]


def test_the_table_covers_each_helpdesk_and_lookalikes():
    providers = {c["expect"]["provider"] for c in CASES if c["expect"]}
    assert providers == {"zendesk", "freshdesk", "rt"}
    assert sum(c["expect"] is None for c in CASES) >= 20


SITE = HelpdeskSite("zendesk", "https://acme.zendesk.com/")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#12345", "12345"),
        ("  #77 ", "77"),
        ("# 8", "8"),
        ("#0", None),
        ("#12a", None),
        ("12345", None),
        ("ticket #12345", None),
        ("#1234567890123", None),
    ],
)
def test_hash_ids(text, expected):
    ref = parse_hash_id(text, SITE)
    assert (ref.ticket_id if ref else None) == expected
    if ref:
        assert ref.provider == "zendesk" and ref.base_url == "https://acme.zendesk.com"


def test_hash_ids_only_when_enabled():
    assert parse_clipboard("#12345", [SITE], hash_site=None) is None
    assert parse_clipboard("#12345", [SITE], hash_site=SITE).ticket_id == "12345"
    assert parse_clipboard("https://acme.zendesk.com/agent/tickets/9", [SITE]).ticket_id == "9"
    assert parse_clipboard("x" * 5000, [SITE], SITE) is None


def test_normalize_base():
    assert normalize_base("HTTPS://Acme.Zendesk.com:443/") == "https://acme.zendesk.com"
    assert normalize_base("http://rt.local:8080/rt/") == "http://rt.local:8080/rt"
