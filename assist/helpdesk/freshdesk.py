"""Freshdesk API v2.

Calls per `get_ticket`: `GET /api/v2/tickets/{id}?include=requester,stats` and its conversations
(`per_page=100`, `Link: rel="next"` pagination). The ticket's description is the first message.

Auth: the agent's API key as the Basic-auth user, with any password (`X`), as Freshdesk documents.
SLA: `fr_due_by` (first response), `due_by` (resolution), `nr_due_by` (next reply, newer
accounts); `fr_escalated` / `is_escalated` / `nr_escalated` say a target was missed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from email.utils import parseaddr
from typing import Any

import httpx

from assist.config import HelpdeskSettings
from assist.helpdesk._http import (
    DEFAULT_RETRY,
    HttpClient,
    RetryPolicy,
    Secret,
    TokenHeaderAuth,
    link_header_next,
    parse_time,
)
from assist.helpdesk._text import html_to_text, text_to_html, tidy
from assist.helpdesk.base import normalize_id
from assist.tickets import Message, Sla, Ticket
from common.errors import ConfigError

NAME = "freshdesk"
Json = Mapping[str, Any]

STATUS = {2: "open", 3: "pending", 4: "resolved", 5: "closed"}
PRIORITY = {1: "low", 2: "medium", 3: "high", 4: "urgent"}
_UNSOLVED = {2, 3}


def _text(item: Json, text_key: str, html_key: str) -> str:
    if item.get(text_key):
        return tidy(item[text_key])
    return html_to_text(item.get(html_key) or "")


def map_sla(ticket: Json) -> Sla | None:
    fr = parse_time(ticket.get("fr_due_by") or ticket.get("frDueBy"))
    due = parse_time(ticket.get("due_by"))
    nr = parse_time(ticket.get("nr_due_by"))
    if not (fr or due or nr):
        return None
    breached = any(
        bool(ticket.get(k)) for k in ("fr_escalated", "is_escalated", "nr_escalated", "isescalated")
    )
    return Sla(first_response_due=fr, resolution_due=due, next_reply_due=nr, breached=breached)


def map_conversation(conv: Json, requester_id: Any, requester_name: str = "") -> Message:
    # `incoming` is set on everything the customer sent in (email, portal); a note is never that.
    from_name, from_addr = parseaddr(conv.get("from_email") or "")
    is_customer = bool(conv.get("incoming")) or (
        requester_id is not None and conv.get("user_id") == requester_id
    )
    name = from_name or from_addr or (requester_name if is_customer else f"agent {conv.get('user_id', '')}")
    return Message(
        id=str(conv.get("id", "")),
        author_name=name.strip(),
        author_role="customer" if is_customer else "agent",
        body=_text(conv, "body_text", "body"),
        created_at=parse_time(conv.get("created_at")),
        public=not conv.get("private", False),
    )


def map_ticket(ticket: Json, *, base_url: str, conversations: Iterable[Json] = ()) -> Ticket:
    tid = str(ticket["id"])
    requester = ticket.get("requester") or {}
    requester_id = ticket.get("requester_id")
    requester_name = requester.get("name") or ticket.get("requester_name") or ""
    messages: list[Message] = []
    description = _text(ticket, "description_text", "description")
    if description:
        messages.append(
            Message(
                id=f"{tid}-description",
                author_name=requester_name,
                author_role="customer",
                body=description,
                created_at=parse_time(ticket.get("created_at")),
                public=True,
            )
        )
    messages.extend(map_conversation(c, requester_id, requester_name) for c in conversations)
    status = ticket.get("status")
    priority = ticket.get("priority")
    extra = {
        k: str(v)
        for k, v in {
            "type": ticket.get("type") or ticket.get("ticket_type"),
            "source": ticket.get("source"),
            "group_id": ticket.get("group_id"),
            "responder_id": ticket.get("responder_id"),
        }.items()
        if v is not None
    }
    return Ticket(
        id=tid,
        subject=ticket.get("subject") or "",
        # Custom statuses (ids ≥ 6) have no fixed name in the API; keep the number visible.
        status=STATUS.get(status, ticket.get("status_name") or str(status or "")).lower(),
        provider=NAME,
        requester_name=requester_name,
        requester_email=requester.get("email") or "",
        priority=PRIORITY.get(priority) or (str(priority) if priority is not None else None),
        tags=tuple(ticket.get("tags") or ()),
        messages=tuple(messages),
        created_at=parse_time(ticket.get("created_at")),
        updated_at=parse_time(ticket.get("updated_at")),
        url=f"{base_url.rstrip('/')}/a/tickets/{tid}",
        sla=map_sla(ticket),
        extra=extra,
    )


class FreshdeskProvider:
    name = NAME

    def __init__(
        self,
        settings: HelpdeskSettings,
        token: Secret | None,
        *,
        client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not token:
            raise ConfigError(
                "No Freshdesk API key: add it in Settings (OS keyring) or set ASSIST_HELPDESK_TOKEN."
            )
        self.base_url = settings.url.rstrip("/")
        self._http = HttpClient.for_helpdesk(
            settings,
            "Freshdesk",
            TokenHeaderAuth.basic(token.reveal(), Secret("X")),
            token,
            client=client,
            transport=transport,
            retry=retry,
            sleep=sleep,
        )
        self._me: Json | None = None

    def __repr__(self) -> str:
        return f"FreshdeskProvider({self.base_url!r})"

    def ticket_url(self, ticket_id: str) -> str:
        return f"{self.base_url}/a/tickets/{normalize_id(ticket_id)}"

    def get_ticket(self, ticket_id: str) -> Ticket:
        tid = normalize_id(ticket_id)
        ticket = self._http.get_json(f"/api/v2/tickets/{tid}", {"include": "requester,stats"})
        conversations: list[Json] = []
        for page in self._http.paginate(
            f"/api/v2/tickets/{tid}/conversations", {"per_page": 100}, link_header_next
        ):
            conversations.extend(page if isinstance(page, list) else ())
        return map_ticket(ticket, base_url=self.base_url, conversations=conversations)

    def ticket_updated_at(self, ticket_id: str) -> datetime | None:
        """One cheap call (no conversations) to see whether a refresh is needed."""
        return parse_time(self._http.get_json(f"/api/v2/tickets/{normalize_id(ticket_id)}").get("updated_at"))

    def my_open_tickets(self, limit: int = 50) -> list[Ticket]:
        # `new_and_my_open` is Freshdesk's own "my open tickets" view (assigned to me or unassigned
        # new); we keep only open/pending so a resolved ticket never shows up in the picker.
        params = {
            "filter": "new_and_my_open",
            "order_by": "updated_at",
            "order_type": "desc",
            "per_page": min(max(limit, 1), 100),
            "include": "requester",
        }
        out: list[Ticket] = []
        for page in self._http.paginate("/api/v2/tickets", params, link_header_next, max_pages=5):
            for item in page if isinstance(page, list) else ():
                if item.get("status") in _UNSOLVED or item.get("status") not in STATUS:
                    out.append(map_ticket(item, base_url=self.base_url))
            if len(out) >= limit:
                break
        return out[:limit]

    def add_internal_note(self, ticket_id: str, body: str) -> Message:
        tid = normalize_id(ticket_id)
        note = self._http.send_json(
            "POST", f"/api/v2/tickets/{tid}/notes", {"body": text_to_html(body), "private": True}
        )
        message = map_conversation(note, requester_id=None)
        return Message(
            id=message.id,
            author_name=message.author_name if not message.author_name.startswith("agent ") else "me",
            author_role="agent",
            body=message.body or body,
            created_at=message.created_at,
            public=False,
        )

    def recently_viewed(self) -> list[str]:
        return []  # Freshdesk's API has no "recently viewed"

    def close(self) -> None:
        self._http.close()
