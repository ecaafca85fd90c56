"""Stand-ins for the escalation UI tests: a scripted helpdesk queue, a fixed clock, a scripted mood.

The engine parts (`QueueWatch`, `AlertLedger`, rules, `compute_signals`) are the real ones; only the
helpdesk and the frustration scorer are scripted, so each test decides exactly which alerts fire.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from assist.escalation.model import Frustration, Reason, TrendPoint
from assist.escalation.rules import EscalationRules, parse_rules
from assist.tickets import Group, Message, Ticket
from common.errors import RateLimitedError

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

RULES_TOML = """
[alerts]
snooze_minutes = 30

[[alert]]
name = "waiting"
signal = "waiting_minutes"
at_least = 90
text = "waiting {waiting} for a reply"

[[alert]]
name = "frustration"
signal = "frustration"
at_least = 0.6
severity = "critical"
rearm = "never"
text = "customer is frustrated: {reasons}"

[[route]]
group = "Tier 2 hardware"
tags = ["bulbs"]
reason = "device fault"
"""


def rules() -> EscalationRules:
    return parse_rules(RULES_TOML, source="test")


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def ticket(
    tid: str,
    subject: str = "",
    *,
    waited_minutes: float = 10,
    now: datetime = NOW,
    status: str = "open",
    tags: tuple[str, ...] = (),
) -> Ticket:
    """An open ticket whose customer wrote `waited_minutes` before `now`, unanswered."""
    at = now - timedelta(minutes=waited_minutes)
    body = f"Problem {tid}: it does not work."
    return Ticket(
        tid,
        subject or f"Ticket {tid}",
        status,
        "fake",
        requester_name=f"Customer {tid}",
        requester_email=f"c{tid}@example.com",
        tags=tags,
        messages=(Message(f"{tid}-1", f"Customer {tid}", "customer", body, at),),
        created_at=at,
        updated_at=at,
    )


def scripted_mood(scores: dict[str, float]):
    """A frustration scorer: `scores[ticket id]` (default 0.1), one trend point per message."""

    def score(t: Ticket, _now: datetime) -> Frustration:
        value = scores.get(t.id, 0.1)
        reasons = (Reason("all_caps", "shouts"),) if value >= 0.6 else ()
        trend = tuple(TrendPoint(m.id, m.created_at, value) for m in t.customer_messages())
        return Frustration(value, reasons, trend)

    return score


@dataclass
class FakeQueueProvider:
    """A helpdesk queue that records which thread called it, can block a listing until released
    and can answer 429 from a given refresh on.

    Attributes:
        tickets: the queue, by id (full tickets; listings strip the messages).
        threads: the thread ident of every call.
        listings: how many listings were made.
        block: when set, listings wait for `release` (a refresh "in flight").
        rate_limit_from: the listing number (1-based) from which `get_ticket` answers 429.
    """

    tickets: dict[str, Ticket]
    name: str = "fake"
    threads: list[int] = field(default_factory=list)
    listings: int = 0
    block: bool = False
    release: threading.Event = field(default_factory=threading.Event)
    entered: threading.Event = field(default_factory=threading.Event)
    rate_limit_from: int | None = None
    notes: list[tuple[str, str]] = field(default_factory=list)

    def _called(self) -> None:
        self.threads.append(threading.get_ident())

    def queue_updated_since(
        self, since: datetime | None, *, include_group_unassigned: bool = False, limit: int = 200
    ) -> list[Ticket]:
        self._called()
        self.listings += 1
        self.entered.set()
        if self.block:
            assert self.release.wait(30), "the test never released the listing"
        listed = [replace(t, messages=()) for t in self.tickets.values()]
        return [t for t in listed if since is None or (t.updated_at and t.updated_at >= since)]

    def my_open_tickets(self, limit: int = 50) -> list[Ticket]:
        self._called()
        return [replace(t, messages=()) for t in self.tickets.values()][:limit]

    def get_ticket(self, ticket_id: str) -> Ticket:
        self._called()
        if self.rate_limit_from is not None and self.listings >= self.rate_limit_from:
            raise RateLimitedError("429 Too Many Requests", retry_after=60)
        return self.tickets[ticket_id]

    def add_internal_note(self, ticket_id: str, body: str) -> Message:
        self._called()
        self.notes.append((ticket_id, body))
        return Message(f"{ticket_id}-note", "You", "agent", body, NOW, public=False)

    def touch(self, tid: str, at: datetime) -> None:
        """The ticket changed on the helpdesk at `at`."""
        self.tickets[tid] = replace(self.tickets[tid], updated_at=at)

    def ticket_url(self, ticket_id: str) -> str:
        return f"fake://{ticket_id}"

    def recently_viewed(self) -> list[str]:
        return []

    def close(self) -> None:
        pass


@dataclass
class ReassigningProvider:
    """A helpdesk with notes, groups and re-assign, recording every write."""

    name: str = "fake"
    notes: list[tuple[str, str]] = field(default_factory=list)
    reassigned: list[tuple[str, str, str]] = field(default_factory=list)
    threads: list[int] = field(default_factory=list)

    def add_internal_note(self, ticket_id: str, body: str) -> Message:
        self.threads.append(threading.get_ident())
        self.notes.append((ticket_id, body))
        return Message(f"{ticket_id}-note", "You", "agent", body, NOW, public=False)

    def groups(self) -> list[Group]:
        return [Group("7", "Tier 2"), Group("9", "Tier 2 hardware")]

    def reassign(self, ticket_id: str, group_id: str, note: str) -> None:
        self.threads.append(threading.get_ident())
        self.reassigned.append((ticket_id, group_id, note))


@dataclass
class NotesOnlyProvider:
    """A helpdesk connection that can add notes but not re-assign."""

    name: str = "fake"
    notes: list[tuple[str, str]] = field(default_factory=list)

    def add_internal_note(self, ticket_id: str, body: str) -> Message:
        self.notes.append((ticket_id, body))
        return Message(f"{ticket_id}-note", "You", "agent", body, NOW, public=False)
