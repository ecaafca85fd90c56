"""Time-based signals: how long the customer has been waiting on the agent, and the SLA clock."""

from __future__ import annotations

from datetime import datetime

from assist.escalation.model import SlaClock
from assist.tickets import Ticket

SOLVED = frozenset({"solved", "closed", "resolved", "rejected", "deleted"})


def _public(ticket: Ticket, role: str) -> list[datetime]:
    return [m.created_at for m in ticket.messages if m.public and m.author_role == role and m.created_at]


def waiting_since(ticket: Ticket) -> datetime | None:
    """When the customer's unanswered wait began: their first public message after the agent's
    last public reply (a customer who wrote three times has waited since the first of them)."""
    if ticket.status in SOLVED:
        return None
    agent = max(_public(ticket, "agent"), default=None)
    pending = [t for t in _public(ticket, "customer") if agent is None or t > agent]
    return min(pending, default=None)


def waiting_minutes(ticket: Ticket, now: datetime) -> float | None:
    """Minutes the customer has waited for a public reply; None when the ball is in their court."""
    since = waiting_since(ticket)
    return None if since is None else max(0.0, (now - since).total_seconds() / 60)


def sla_clock(ticket: Ticket, now: datetime) -> SlaClock | None:
    """The SLA target closest to being missed (or already missed) among those still running.

    Running: the first-reply target until the agent's first public reply; the next-reply target
    while the customer waits; the resolution target until the ticket is solved. The share used is
    measured from the target's window start (ticket created / wait began) when that is known.
    """
    sla = ticket.sla
    if sla is None or ticket.status in SOLVED:
        return None
    answered = bool(_public(ticket, "agent"))
    started = ticket.created_at or min((m.created_at for m in ticket.messages if m.created_at), default=None)
    candidates: list[tuple[str, datetime, datetime | None]] = []
    if sla.first_response_due and not answered:
        candidates.append(("first reply", sla.first_response_due, started))
    if sla.next_reply_due and waiting_since(ticket) is not None:
        candidates.append(("next reply", sla.next_reply_due, waiting_since(ticket)))
    if sla.resolution_due:
        candidates.append(("resolution", sla.resolution_due, started))
    clocks = []
    for target, due, start in candidates:
        left = (due - now).total_seconds() / 60
        window = (due - start).total_seconds() if start and due > start else None
        share = (now - start).total_seconds() / window if window and start else None
        clocks.append(
            SlaClock(target=target, due=due, minutes_left=left, used_share=share, breached=left < 0)
        )
    if not clocks:
        if sla.breached:  # the helpdesk says so without telling when
            return SlaClock(target="SLA", due=now, minutes_left=0.0, used_share=1.0, breached=True)
        return None
    # Missed ones first, then the highest share used, then the soonest due.
    clocks.sort(key=lambda c: (not c.breached, -(c.used_share or 0.0), c.minutes_left))
    return clocks[0]


def humanize_minutes(minutes: float) -> str:
    """ "45 min", "3 h 10 min", "26 h", "3 days"."""
    minutes = abs(minutes)
    if minutes < 60:
        return f"{minutes:.0f} min"
    hours, rest = divmod(round(minutes), 60)
    if hours >= 48:
        return f"{hours // 24} days"
    if hours >= 10 or rest == 0:
        return f"{hours} h"
    return f"{hours} h {rest} min"
