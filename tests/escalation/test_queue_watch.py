"""The queue watch against a scripted helpdesk: incremental listing, re-reading only what changed,
staying inside the rate budget, and surviving a 429 in the middle. (The real providers' queue
calls have their own tests in tests/helpdesk/.)"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime

from assist.escalation.queue import QueueWatch
from assist.escalation.rules import load_rules
from assist.tickets import Ticket
from common.errors import RateLimitedError, UnavailableError
from tests.escalation.conftest import at, calm, msg, ticket

RULES = load_rules()


class Budget:
    def __init__(self, per_refresh: int) -> None:
        self.per_refresh = per_refresh
        self.calls_made = 0
        self.window_start = 0

    def allowance(self, share: float) -> int:
        return self.per_refresh - (self.calls_made - self.window_start)


class ScriptedHelpdesk:
    """Tickets in memory; every method counts as one API call against `budget`."""

    name = "demo"

    def __init__(self, tickets: list[Ticket], per_refresh: int = 1000) -> None:
        self.tickets = {t.id: t for t in tickets}
        self.budget = Budget(per_refresh)
        self.log: list[tuple[str, object]] = []
        self.fail_next: Exception | None = None
        self.fail_on_get: Exception | None = None
        self.threads: set[int] = set()

    def _call(self, what: str, arg: object) -> None:
        self.threads.add(threading.get_ident())
        self.budget.calls_made += 1
        self.log.append((what, arg))

    def rate_budget(self) -> Budget:
        return self.budget

    def queue_updated_since(self, since: datetime | None, *, include_group_unassigned=False, limit=200):
        self._call("list", since)
        if self.fail_next is not None:
            exc, self.fail_next = self.fail_next, None
            raise exc
        items = [
            t for t in self.tickets.values() if since is None or (t.updated_at and t.updated_at >= since)
        ]
        if since is None:
            items = [t for t in items if t.status not in ("solved", "closed")]
        return [replace(t, messages=()) for t in sorted(items, key=lambda t: t.updated_at, reverse=True)]

    def get_ticket(self, tid: str) -> Ticket:
        self._call("get", tid)
        if self.fail_on_get is not None:
            exc, self.fail_on_get = self.fail_on_get, None
            raise exc
        return self.tickets[tid]

    def requester_tickets(self, t: Ticket, since: datetime, limit: int = 50):
        self._call("history", t.requester_email)
        return [o for o in self.tickets.values() if o.requester_email == t.requester_email and o.id != t.id]

    def gets(self) -> list[object]:
        return [arg for what, arg in self.log if what == "get"]


class Clock:
    def __init__(self, minutes: float) -> None:
        self.minutes = minutes

    def __call__(self) -> datetime:
        return at(self.minutes)


def queue(n: int) -> list[Ticket]:
    return [
        ticket(str(i), (msg(f"{i}-1", "customer", i, f"problem {i}"),), requester_email=f"c{i}@example.com")
        for i in range(1, n + 1)
    ]


def test_first_refresh_reads_all_then_only_what_changed():
    helpdesk = ScriptedHelpdesk(queue(5))
    clock = Clock(10)
    watch = QueueWatch(helpdesk, RULES, clock=clock, frustration=calm())
    first = watch.refresh()
    assert len(first.rows) == 5 and sorted(helpdesk.gets()) == ["1", "2", "3", "4", "5"]
    helpdesk.log.clear()
    clock.minutes = 12
    t3 = helpdesk.tickets["3"]
    helpdesk.tickets["3"] = replace(
        t3, messages=(*t3.messages, msg("3-2", "customer", 11, "hello?")), updated_at=at(11)
    )
    second = watch.refresh()
    assert helpdesk.gets() == ["3"]
    since = next(arg for what, arg in helpdesk.log if what == "list")
    assert since is not None and since <= at(10)  # incremental, with overlap for clock skew
    assert len(second.rows) == 5


def test_a_refresh_stays_inside_the_budget_and_catches_up_later():
    helpdesk = ScriptedHelpdesk(queue(12), per_refresh=5)
    clock = Clock(10)
    watch = QueueWatch(helpdesk, RULES, clock=clock, frustration=calm())
    first = watch.refresh()
    assert first.calls <= 5
    assert len(first.deferred) > 0
    seen = {r.ticket.id for r in first.rows}
    for minute in range(11, 20):
        clock.minutes = minute
        helpdesk.budget.window_start = helpdesk.budget.calls_made  # a new rate window
        refresh = watch.refresh()
        assert refresh.calls <= 5
        seen |= {r.ticket.id for r in refresh.rows}
        if not refresh.deferred:
            break
    assert seen == {str(i) for i in range(1, 13)}
    assert refresh.deferred == ()


def test_a_429_in_the_middle_keeps_the_queue_and_backs_off():
    helpdesk = ScriptedHelpdesk(queue(4))
    clock = Clock(10)
    watch = QueueWatch(helpdesk, RULES, clock=clock, frustration=calm())
    assert len(watch.refresh().rows) == 4
    clock.minutes = 12
    helpdesk.fail_next = RateLimitedError("slow down", retry_after=300)
    limited = watch.refresh()
    assert len(limited.rows) == 4 and "Rate limited" in limited.problem
    assert limited.retry_at == at(17)
    calls = len(helpdesk.log)
    clock.minutes = 14  # before Retry-After: no call at all
    waiting = watch.refresh()
    assert len(helpdesk.log) == calls and len(waiting.rows) == 4
    clock.minutes = 18
    assert watch.refresh().problem == ""


def test_a_429_while_reading_one_ticket_keeps_it_stale_not_lost():
    helpdesk = ScriptedHelpdesk(queue(3))
    clock = Clock(10)
    watch = QueueWatch(helpdesk, RULES, clock=clock, frustration=calm())
    watch.refresh()
    clock.minutes = 12
    t2 = helpdesk.tickets["2"]
    helpdesk.tickets["2"] = replace(t2, updated_at=at(11))
    helpdesk.fail_on_get = RateLimitedError("429", retry_after=60)
    refresh = watch.refresh()
    assert {r.ticket.id for r in refresh.rows} == {"1", "2", "3"}
    assert next(r for r in refresh.rows if r.ticket.id == "2").stale
    assert refresh.deferred == ("2",)


def test_an_outage_is_reported_and_survived():
    helpdesk = ScriptedHelpdesk(queue(2))
    clock = Clock(10)
    watch = QueueWatch(helpdesk, RULES, clock=clock, frustration=calm())
    watch.refresh()
    clock.minutes = 12
    helpdesk.fail_next = UnavailableError("connection refused")
    refresh = watch.refresh()
    assert len(refresh.rows) == 2 and "connection refused" in refresh.problem


def test_solved_and_reassigned_tickets_leave_the_queue():
    helpdesk = ScriptedHelpdesk(queue(3))
    clock = Clock(10)
    watch = QueueWatch(helpdesk, RULES, clock=clock, frustration=calm(), full_listing_minutes=30)
    watch.refresh()
    clock.minutes = 12
    helpdesk.tickets["1"] = replace(helpdesk.tickets["1"], status="solved", updated_at=at(11))
    assert {r.ticket.id for r in watch.refresh().rows} == {"2", "3"}
    del helpdesk.tickets["2"]  # re-assigned to someone else: no longer in my list at all
    clock.minutes = 45  # the periodic full listing notices
    assert {r.ticket.id for r in watch.refresh().rows} == {"3"}


def test_alerts_come_once_and_the_queue_is_sorted_by_risk():
    helpdesk = ScriptedHelpdesk(queue(3))
    clock = Clock(10)
    scores = {"1": 0.1, "2": 0.9, "3": 0.4}
    watch = QueueWatch(helpdesk, RULES, clock=clock, frustration=lambda t, now: calm(scores[t.id])(t, now))
    first = watch.refresh()
    assert [r.ticket.id for r in first.rows] == ["2", "3", "1"]
    assert [(a.ticket_id, a.rule) for a in first.new_alerts] == [("2", "frustration")]
    clock.minutes = 11
    assert watch.refresh().new_alerts == ()
    clock.minutes = 110  # ticket 1's customer (message at minute 1) has now waited > 90 min
    fresh = {(a.ticket_id, a.rule) for a in watch.refresh().new_alerts}
    assert ("1", "waiting") in fresh and ("2", "frustration") not in fresh


def test_requester_history_is_read_once_per_window():
    tickets = queue(2)
    tickets.append(
        ticket(
            "9", (msg("9-1", "customer", 0, "problem 1"),), requester_email="c1@example.com", status="solved"
        )
    )
    helpdesk = ScriptedHelpdesk(tickets)
    clock = Clock(10)
    watch = QueueWatch(helpdesk, RULES, clock=clock, frustration=calm(), history_minutes=30)
    first = watch.refresh()
    row = next(r for r in first.rows if r.ticket.id == "1")
    assert [c.ticket_id for c in row.signals.repeat_contacts] == ["9"]
    histories = sum(1 for what, _ in helpdesk.log if what == "history")
    clock.minutes = 12
    watch.refresh()
    assert sum(1 for what, _ in helpdesk.log if what == "history") == histories
