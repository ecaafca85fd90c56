"""The contract every helpdesk provider meets, whatever the helpdesk.

Providers read tickets and may add *internal* notes. There is deliberately no method to send a
public reply: the agent sends replies from their helpdesk, where they can see and edit them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from assist.tickets import Message, Ticket


@runtime_checkable
class HelpdeskProvider(Protocol):
    """Reads tickets from one helpdesk. Every method raises only `HelpdeskError` subclasses:
    `AuthError` (re-enter the token), `NotFoundError`, `RateLimitedError` (retry_after) and
    `UnavailableError` (network, timeouts, 5xx, malformed responses)."""

    name: str
    """"zendesk", "freshdesk", "rt" or "demo"; also `Ticket.provider`."""

    def get_ticket(self, ticket_id: str) -> Ticket:
        """The ticket with its whole conversation (public and internal), oldest first."""
        ...

    def my_open_tickets(self, limit: int = 50) -> list[Ticket]:
        """Unsolved tickets assigned to the authenticated agent, most recently updated first.
        `messages` may be empty: these feed a picker, not the sidebar."""
        ...

    def add_internal_note(self, ticket_id: str, body: str) -> Message:
        """Add a note only agents can see; returns it as a (non-public) Message."""
        ...

    def ticket_url(self, ticket_id: str) -> str:
        """Where the agent opens this ticket in the helpdesk's own UI."""
        ...

    def recently_viewed(self) -> list[str]:
        """Ticket ids the agent viewed lately, newest first, where the helpdesk tells (a hint for
        the picker; `[]` where it does not)."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class SupportsUpdatedAt(Protocol):
    """Optional: providers that can tell a ticket's last update with one cheap call, so the
    active-ticket refresh re-reads the whole conversation only when something changed."""

    def ticket_updated_at(self, ticket_id: str) -> datetime | None: ...


def normalize_id(ticket_id: str | int) -> str:
    """Ticket ids are positive integers in all three helpdesks; reject anything else before it is
    pasted into a URL path."""
    from common.errors import NotFoundError

    text = str(ticket_id).strip().lstrip("#")
    if not text.isdigit() or int(text) <= 0 or len(text) > 19:
        raise NotFoundError(f"{ticket_id!r} is not a ticket number.")
    return str(int(text))
