"""The provider-independent half of queue watching and requester history.

Each provider asks its helpdesk in its own way (search, list filters, TicketSQL); the rules for
what comes back are here, once, so the four providers agree: updated at or after `since`, newest
first, one entry per ticket, the ticket itself never in its own history.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Generic, TypeVar

from assist.tickets import Ticket

T = TypeVar("T")
_EPOCH = datetime.min.replace(tzinfo=UTC)
GROUPS_TTL = 600.0
"""Group membership and the list of groups change rarely: ask again after ten minutes."""


def _updated(ticket: Ticket) -> datetime:
    return ticket.updated_at or ticket.created_at or _EPOCH


def newest_first(tickets: Iterable[Ticket], since: datetime | None, limit: int) -> list[Ticket]:
    """Tickets updated at or after `since` (all when None), one per id (its latest update),
    most recently updated first, at most `limit`. A ticket without an update time is kept: the
    helpdesk matched it, and dropping it would hide it for good."""
    since = whole_second(since) if since is not None else None
    latest: dict[str, Ticket] = {}
    for t in tickets:
        if since is not None and t.updated_at is not None and t.updated_at < since:
            continue
        if t.id not in latest or _updated(t) > _updated(latest[t.id]):
            latest[t.id] = t
    # Ties (whole seconds) go to the higher id: all three helpdesks number tickets upwards.
    return sorted(latest.values(), key=lambda t: (_updated(t), _id_key(t)), reverse=True)[: max(0, limit)]


def with_extra(ticket: Ticket, **extra: str) -> Ticket:
    """A copy of `ticket` without messages and with `extra` added (Ticket is frozen)."""
    return dataclasses.replace(ticket, messages=(), extra={**ticket.extra, **extra})


def history(
    ticket: Ticket,
    by_requester: Iterable[Ticket],
    by_organization: Iterable[Ticket],
    since: datetime,
    limit: int,
) -> list[Ticket]:
    """`requester_tickets()`'s answer from the two lookups: created at or after `since`, never
    `ticket` itself, `extra["match"]` set ("requester" wins when a ticket is in both), newest
    created first, at most `limit`."""
    since = whole_second(since)
    found: dict[str, Ticket] = {}
    for match, tickets in (("requester", by_requester), ("organization", by_organization)):
        for t in tickets:
            if t.id == ticket.id or t.id in found:
                continue
            if t.created_at is not None and t.created_at < since:
                continue
            found[t.id] = with_extra(t, match=match)
    ordered = sorted(found.values(), key=lambda t: (t.created_at or _EPOCH, _id_key(t)), reverse=True)
    return ordered[: max(0, limit)]


def _id_key(ticket: Ticket) -> tuple[int, str]:
    return (int(ticket.id), "") if ticket.id.isdigit() else (-1, ticket.id)


def whole_second(when: datetime) -> datetime:
    """`when` without its fraction: all three helpdesks stamp updates in whole seconds, so a
    ticket updated at 10:00:00.7 reads 10:00:00 and must still count as "at or after" 10:00:00.2."""
    return utc(when).replace(microsecond=0)


def utc(when: datetime) -> datetime:
    """`when` in UTC; a naive datetime is taken to be UTC already."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


class Expiring(Generic[T]):
    """A value loaded on first use and again once it is `ttl` seconds old; thread-safe."""

    def __init__(
        self, load: Callable[[], T], ttl: float = GROUPS_TTL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._load = load
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._value: T | None = None
        self._loaded_at: float | None = None

    def get(self) -> T:
        with self._lock:
            now = self._clock()
            if self._loaded_at is None or now - self._loaded_at >= self._ttl:
                self._value = self._load()
                self._loaded_at = now
            return self._value  # type: ignore[return-value]  # set just above on first use
