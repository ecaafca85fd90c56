"""Repeat contacts: the requester's (and their organisation's) other recent tickets, with the ones
about the same problem marked — a customer writing again about the same thing is the classic path
to "let me speak to your manager"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from assist.escalation.model import RepeatContact
from assist.escalation.similarity import PairwiseSimilarity, char_ngram_similarities
from assist.tickets import Ticket


def problem_text(ticket: Ticket) -> str:
    """The subject plus the first customer message (or the list payload's description)."""
    first = next((m.body for m in ticket.messages if m.author_role == "customer" and m.public), "")
    return f"{ticket.subject}\n{first or ticket.extra.get('description', '')}"[:2000]


def repeat_contacts(
    ticket: Ticket,
    history: Sequence[Ticket],
    now: datetime,
    *,
    lookback_days: int = 7,
    same_problem_similarity: float = 0.45,
    include_organization: bool = True,
    similarities: PairwiseSimilarity = char_ngram_similarities,
) -> tuple[RepeatContact, ...]:
    """`history`: the requester's other tickets (from `SupportsRequesterHistory`); newest first."""
    since = now - timedelta(days=lookback_days)
    others = []
    for other in history:
        if other.id == ticket.id:
            continue
        by_org = other.extra.get("match") == "organization"
        if by_org and not include_organization:
            continue
        when = other.created_at or other.updated_at
        if when is not None and when < since:
            continue
        others.append((other, by_org))
    if not others:
        return ()
    scores = similarities(problem_text(ticket), [problem_text(o) for o, _ in others])
    contacts = [
        RepeatContact(
            ticket_id=o.id,
            subject=o.subject,
            status=o.status,
            created_at=o.created_at,
            same_problem=score >= same_problem_similarity,
            similarity=round(score, 3),
            same_requester=not by_org,
        )
        for (o, by_org), score in zip(others, scores, strict=True)
    ]
    # Same problem first, then the requester's own before the organisation's, newest first.
    contacts.sort(
        key=lambda c: (not c.same_problem, not c.same_requester, -(c.created_at or now).timestamp())
    )
    return tuple(contacts)
