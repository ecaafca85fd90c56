"""Builders for tickets with a timeline, so each test states only what it is about."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assist.escalation.model import Frustration, Reason
from assist.tickets import Message, Sla, Ticket

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def msg(mid: str, role: str, minutes: float, body: str = "text", public: bool = True) -> Message:
    return Message(
        id=mid, author_name=role, author_role=role, body=body, created_at=at(minutes), public=public
    )


def ticket(
    tid: str = "1",
    messages: tuple[Message, ...] = (),
    *,
    subject: str = "Hub offline",
    status: str = "open",
    sla: Sla | None = None,
    tags: tuple[str, ...] = (),
    requester_email: str = "a@example.com",
    updated: float | None = None,
    extra: dict[str, str] | None = None,
) -> Ticket:
    times = [m.created_at for m in messages if m.created_at]
    return Ticket(
        id=tid,
        subject=subject,
        status=status,
        provider="demo",
        requester_name="Ann",
        requester_email=requester_email,
        tags=tags,
        messages=messages,
        created_at=min(times) if times else T0,
        updated_at=at(updated) if updated is not None else max(times, default=T0),
        sla=sla,
        extra=extra or {},
    )


def calm(score: float = 0.1):
    """A frustration scorer that returns a fixed score (the real one has its own tests)."""

    def scorer(t: Ticket, now: datetime) -> Frustration:
        reasons = (Reason("caps", "all caps", score),) if score >= 0.35 else ()
        return Frustration(score=score, reasons=reasons)

    return scorer
