"""Normalized helpdesk values shared by providers, retrieval and the sidebar."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

AuthorRole = Literal["customer", "agent", "system"]


@dataclass(frozen=True, slots=True)
class Message:
    """One entry of a ticket's conversation."""

    id: str
    author_name: str
    author_role: AuthorRole
    body: str
    """Plain text (HTML already converted)."""
    created_at: datetime | None = None
    public: bool = True
    """False for internal notes / private comments, which the customer never sees."""


@dataclass(frozen=True, slots=True)
class Sla:
    """Service-level targets, where the helpdesk has them."""

    first_response_due: datetime | None = None
    resolution_due: datetime | None = None
    next_reply_due: datetime | None = None
    breached: bool = False
    policy: str | None = None


@dataclass(frozen=True, slots=True)
class Ticket:
    id: str
    subject: str
    status: str
    provider: str
    """"zendesk", "freshdesk", "rt" or "demo"."""
    requester_name: str = ""
    requester_email: str = ""
    priority: str | None = None
    tags: tuple[str, ...] = ()
    messages: tuple[Message, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    url: str | None = None
    sla: Sla | None = None
    extra: dict[str, str] = field(default_factory=dict)
    requester_id: str = ""
    """The requester's id in the helpdesk (Zendesk/Freshdesk user id, RT user name); what
    `requester_tickets()` looks other tickets up by."""
    organization: str = ""
    """The requester's organisation (Zendesk organization id, Freshdesk company id, RT user
    Organization), "" when none."""
    group: str = ""
    """The team the ticket sits with: always a `Group.id` of the same provider (Zendesk/Freshdesk
    group id, RT queue name)."""
    assignee: str = ""
    """The assigned agent (Zendesk assignee id, Freshdesk responder id, RT owner name); "" when
    unassigned."""

    def customer_messages(self) -> list[Message]:
        return [m for m in self.messages if m.author_role == "customer" and m.public]

    def last_customer_message_at(self) -> datetime | None:
        times = [m.created_at for m in self.customer_messages() if m.created_at]
        return max(times) if times else None


@dataclass(frozen=True, slots=True)
class Group:
    """A team a ticket can be handed to: a Zendesk or Freshdesk group, an RT queue."""

    id: str
    """What `reassign()` takes and `Ticket.group` holds."""
    name: str


@dataclass(frozen=True, slots=True)
class TicketRef:
    """What the watcher knows about the ticket the agent has open."""

    provider: str
    ticket_id: str
    base_url: str | None = None
