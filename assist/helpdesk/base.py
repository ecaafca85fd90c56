"""The contract every helpdesk provider meets, whatever the helpdesk.

Providers read tickets and may add *internal* notes. There is deliberately no method to send a
public reply: the agent sends replies from their helpdesk, where they can see and edit them.

Optional capabilities are separate protocols, checked with `isinstance` (all four providers have
them today; a future one may not):

    if isinstance(helpdesk, SupportsQueueWatch) and helpdesk.rate_budget().allowance(0.3) > 2:
        changed = helpdesk.queue_updated_since(last_poll - OVERLAP)
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from assist.tickets import Group, Message, Ticket

if TYPE_CHECKING:
    from assist.helpdesk._http import RateBudget


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


@runtime_checkable
class SupportsQueueWatch(Protocol):
    """Optional: follow the agent's queue incrementally, within the API's budget."""

    def queue_updated_since(
        self, since: datetime | None, *, include_group_unassigned: bool = False, limit: int = 200
    ) -> list[Ticket]:
        """Tickets assigned to the authenticated agent (and, with `include_group_unassigned`,
        unassigned tickets in the agent's groups) updated at or after `since`; every unsolved
        one when `since` is None. Without messages, most recently updated first, at most `limit`.

        Tickets solved or closed since `since` are included with that status, so the caller can
        drop them from its queue. Zendesk and Freshdesk answer from a search index that lags a few
        minutes and every helpdesk stamps updates with its own clock: pass the previous poll's
        start *minus a few minutes* and de-duplicate by `(id, updated_at)`.
        """
        ...

    def rate_budget(self) -> RateBudget:
        """The API budget this provider's calls count against (`allowance(share)` says how many
        calls background work may still make now)."""
        ...


@runtime_checkable
class SupportsRequesterHistory(Protocol):
    """Optional: the requester's (and their organisation's) other tickets, for repeat contacts."""

    def requester_tickets(self, ticket: Ticket, since: datetime, limit: int = 50) -> list[Ticket]:
        """Other tickets, any status, created at or after `since` by `ticket`'s requester, plus
        those of the requester's organisation when `ticket.organization` is set; never `ticket`
        itself. Newest first, at most `limit`, without messages.

        Each has `extra["match"]` = "requester" or "organization" (a requester's own ticket is
        "requester" even when it also matches the organisation) and, where the list payload
        carries it at no extra call, `extra["description"]`: the first customer message as plain
        text, so the caller can compare problems without one call per ticket.
        """
        ...


@runtime_checkable
class SupportsReassign(Protocol):
    """Optional: hand a ticket to another team, with a note that carries the context."""

    def groups(self) -> list[Group]:
        """The groups (RT: queues) a ticket can be handed to, by name."""
        ...

    def reassign(self, ticket_id: str, group_id: str, note: str) -> None:
        """Move the ticket to `group_id` (a `Group.id`), unassigned so that group picks it up, and
        add `note` as an internal note (never public). The note is written first or in the same
        request, so a hand-off never arrives without its context.

        Only ever called after the agent confirmed the hand-off in the UI: it changes who owns
        the customer's ticket. Nothing in Agent Assist reassigns on its own.

        Raises NotFoundError for an unknown ticket or group, and never repeats a write that may
        have landed (a timed-out note is not posted twice).
        """
        ...


def normalize_id(ticket_id: str | int) -> str:
    """Ticket ids are positive integers in all three helpdesks; reject anything else before it is
    pasted into a URL path."""
    from common.errors import NotFoundError

    text = str(ticket_id).strip().lstrip("#")
    if not text.isdigit() or int(text) <= 0 or len(text) > 19:
        raise NotFoundError(f"{ticket_id!r} is not a ticket number.")
    return str(int(text))
