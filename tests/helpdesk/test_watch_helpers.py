"""The provider-independent rules of queue watching and history, and RT's TicketSQL pieces."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assist.helpdesk._watch import Expiring, history, newest_first
from assist.helpdesk.rt import CLOCK_SLACK, seconds_ago, sql_quote
from assist.tickets import Message, Ticket

T0 = datetime(2026, 11, 20, 9, 0, 0, tzinfo=UTC)


def ticket(tid: str, updated: datetime | None, created: datetime | None = None, **kw) -> Ticket:
    return Ticket(tid, f"s{tid}", "open", "demo", updated_at=updated, created_at=created or updated, **kw)


def test_newest_first_bounds_dedups_and_orders():
    found = newest_first(
        [
            ticket("1", T0 - timedelta(seconds=1)),  # before since
            ticket("2", T0),  # exactly at since: kept
            ticket("3", T0 + timedelta(minutes=5)),
            ticket("2", T0 + timedelta(minutes=9)),  # a later update of 2 wins
            ticket("4", None),  # no time: kept, last
        ],
        T0,
        limit=10,
    )
    assert [(t.id, t.updated_at) for t in found] == [
        ("2", T0 + timedelta(minutes=9)),
        ("3", T0 + timedelta(minutes=5)),
        ("4", None),
    ]
    # Updated in the same second: the higher id (the newer ticket) first, whatever the input order.
    assert [t.id for t in newest_first([ticket("1", T0), ticket("2", T0)], None, limit=1)] == ["2"]
    assert [t.id for t in newest_first([ticket("2", T0), ticket("10", T0)], None, limit=2)] == ["10", "2"]


def test_since_compares_whole_seconds():
    # RT/Zendesk/Freshdesk stamp in whole seconds: an update at 09:00:00.7 reads 09:00:00.
    assert [t.id for t in newest_first([ticket("1", T0)], T0 + timedelta(milliseconds=700), 5)] == ["1"]


def test_history_excludes_itself_marks_matches_and_bounds_creation():
    this = ticket("10", T0)
    by_requester = [this, ticket("11", T0 - timedelta(days=1)), ticket("12", T0 - timedelta(days=40))]
    by_org = [ticket("11", T0 - timedelta(days=1)), ticket("13", T0 - timedelta(hours=1))]
    found = history(this, by_requester, by_org, since=T0 - timedelta(days=30), limit=10)
    assert [(t.id, t.extra["match"]) for t in found] == [("13", "organization"), ("11", "requester")]


def test_history_strips_messages_and_keeps_extra():
    m = Message("m", "a", "customer", "body")
    t = ticket("2", T0, messages=(m,), extra={"description": "body"})
    (found,) = history(ticket("1", T0), [t], [], since=T0 - timedelta(days=1), limit=5)
    assert found.messages == () and found.extra == {"description": "body", "match": "requester"}


def test_expiring_reloads_after_its_ttl():
    now = {"t": 0.0}
    loads = []
    value = Expiring(lambda: loads.append(1) or len(loads), ttl=10, clock=lambda: now["t"])
    assert value.get() == 1 and value.get() == 1
    now["t"] = 10.0
    assert value.get() == 2


def test_ticketsql_literals_cannot_break_out():
    assert sql_quote("General") == "'General'"
    assert sql_quote("Rita's Lamps") == "'Rita\\'s Lamps'"
    assert sql_quote("x\\' OR 1=1") == "'x\\\\\\' OR 1=1'"


def test_relative_date_counts_back_from_rts_clock():
    now = datetime(2026, 11, 20, 10, 0, 0, tzinfo=UTC)
    assert seconds_ago(now - timedelta(hours=1), now) == f"now - {3600 + CLOCK_SLACK} seconds"
    assert seconds_ago(now + timedelta(minutes=5), now) == f"now - {CLOCK_SLACK} seconds"
    naive = datetime(2026, 11, 20, 9, 59, 0)  # naive means UTC
    assert seconds_ago(naive, now) == f"now - {60 + CLOCK_SLACK} seconds"
