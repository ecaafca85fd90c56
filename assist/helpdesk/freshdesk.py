"""Freshdesk API v2.

Calls per `get_ticket`: `GET /api/v2/tickets/{id}?include=requester,stats` and its conversations
(`per_page=100`, `Link: rel="next"` pagination). The ticket's description is the first message.

Auth: the agent's API key as the Basic-auth user, with any password (`X`), as Freshdesk documents.
SLA: `fr_due_by` (first response), `due_by` (resolution), `nr_due_by` (next reply, newer
accounts); `fr_escalated` / `is_escalated` / `nr_escalated` say a target was missed.

Queue watch, requester history and reassign (issue #12), per https://developers.freshdesk.com/api/:

- `queue_updated_since`: `GET /api/v2/search/tickets?query="agent_id:{me} AND updated_at:>'{day}'"`
  (Filter Tickets; `OR (agent_id:null AND (group_id:…))` for my groups' unassigned tickets).
  It filters by agent server-side, so the cost follows the agent's own tickets, not the account's
  traffic as `/api/v2/tickets?updated_since=` would (that list cannot filter by agent). Search
  compares whole days and pages by 30 up to 10 pages; the exact `since` is applied here.
- `requester_tickets`: `GET /api/v2/tickets?requester_id=…` / `?company_id=…` with
  `updated_since` (the list otherwise only covers 30 days) and `include=description`.
- `reassign`: `POST /api/v2/tickets/{id}/notes` (private) first, then `PUT /api/v2/tickets/{id}`
  with `group_id` and no `responder_id`.
- Me: `GET /api/v2/agents/me`; my groups: its `group_ids`, else the groups listing me in
  `agent_ids`; kept ten minutes.
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
    RateBudget,
    RetryPolicy,
    Secret,
    TokenHeaderAuth,
    link_header_next,
    parse_time,
)
from assist.helpdesk._text import html_to_text, text_to_html, tidy
from assist.helpdesk._watch import Expiring, history, newest_first, utc, with_extra
from assist.helpdesk.base import normalize_id
from assist.tickets import Group, Message, Sla, Ticket
from common.errors import ConfigError, NotFoundError

NAME = "freshdesk"
Json = Mapping[str, Any]

STATUS = {2: "open", 3: "pending", 4: "resolved", 5: "closed"}
PRIORITY = {1: "low", 2: "medium", 3: "high", 4: "urgent"}
_UNSOLVED = {2, 3}
SEARCH_PAGE = 30
"""Filter Tickets answers 30 per page, pages 1 to 10."""
SEARCH_MAX_PAGES = 10
SEARCH_MAX_QUERY = 512


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
        requester_id=_id(requester_id),
        organization=_id(ticket.get("company_id")),
        group=_id(ticket.get("group_id")),
        assignee=_id(ticket.get("responder_id")),
    )


def _id(value: Any) -> str:
    return "" if value is None else str(value)


def map_list_ticket(ticket: Json, *, base_url: str) -> Ticket:
    """A ticket from a list or search: no messages; its description (where the payload has
    one) as `extra["description"]`."""
    mapped = map_ticket(ticket, base_url=base_url)
    description = _text(ticket, "description_text", "description")
    return with_extra(mapped, description=description) if description else with_extra(mapped)


def map_group(group: Json) -> Group:
    return Group(id=str(group["id"]), name=group.get("name") or str(group["id"]))


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
        self._me = Expiring(lambda: self._http.get_json("/api/v2/agents/me"))
        self._my_group_ids = Expiring(self._load_my_group_ids)

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
        """One cheap call (no conversations) to see whether a refresh is needed; conditional, in
        case the server sends ETags."""
        body = self._http.get_json(f"/api/v2/tickets/{normalize_id(ticket_id)}", conditional=True)
        return parse_time(body.get("updated_at"))

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

    def _filter(self, query: str) -> list[Json]:
        """Every ticket Filter Tickets returns for `query` (at most 10 pages of 30)."""
        out: list[Json] = []
        for page in range(1, SEARCH_MAX_PAGES + 1):
            # The query goes in double quotes, as Filter Tickets requires.
            body = self._http.get_json("/api/v2/search/tickets", {"query": f'"{query}"', "page": page})
            if not isinstance(body, Mapping):
                break
            results = body.get("results") or []
            out.extend(results)
            total = body.get("total")
            if len(results) < SEARCH_PAGE or (isinstance(total, int) and len(out) >= total):
                break
        return out

    def queue_updated_since(
        self, since: datetime | None, *, include_group_unassigned: bool = False, limit: int = 200
    ) -> list[Ticket]:
        me = int(self._me.get()["id"])
        who = f"agent_id:{me}"
        groups: set[str] = set()
        if include_group_unassigned:
            groups = set(self._my_group_ids.get())
            in_groups = " OR ".join(f"group_id:{g}" for g in sorted(groups, key=int))
            who = f"(agent_id:{me} OR (agent_id:null AND ({in_groups})))" if groups else who
        # Search takes dates, not times: ask for the whole day, keep the exact `since` below.
        when = "(status:2 OR status:3)" if since is None else f"updated_at:>'{utc(since):%Y-%m-%d}'"
        query = f"{who} AND {when}"
        if len(query) > SEARCH_MAX_QUERY:  # too many groups to spell out: filter them here
            query = f"(agent_id:{me} OR agent_id:null) AND {when}"
        tickets = [map_list_ticket(item, base_url=self.base_url) for item in self._filter(query)]
        mine = [
            t
            for t in tickets
            if t.assignee == str(me) or (include_group_unassigned and not t.assignee and t.group in groups)
        ]
        return newest_first(mine, since, limit)

    def requester_tickets(self, ticket: Ticket, since: datetime, limit: int = 50) -> list[Ticket]:
        def lookup(key: str, value: str) -> list[Ticket]:
            params = {
                key: value,
                # Tickets created since `since` were updated since then too; the list without
                # `updated_since` would only reach back 30 days.
                "updated_since": utc(since).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "order_by": "created_at",
                "order_type": "desc",
                "per_page": min(limit + 1, 100),
                "include": "description",
            }
            found: list[Ticket] = []
            pages = max(1, (limit + 100) // 100)
            for page in self._http.paginate("/api/v2/tickets", params, link_header_next, max_pages=pages):
                found.extend(map_list_ticket(t, base_url=self.base_url) for t in page or ())
            return found

        rid, org = ticket.requester_id, ticket.organization
        by_requester = lookup("requester_id", rid) if rid.isdigit() else []
        by_org = lookup("company_id", org) if org.isdigit() else []
        return history(ticket, by_requester, by_org, since, limit)

    def rate_budget(self) -> RateBudget:
        return self._http.budget

    def groups(self) -> list[Group]:
        return [map_group(g) for g in self._group_payloads()]

    def _group_payloads(self) -> list[Json]:
        out: list[Json] = []
        for page in self._http.paginate("/api/v2/groups", {"per_page": 100}, link_header_next):
            out.extend(page if isinstance(page, list) else ())
        return out

    def _load_my_group_ids(self) -> list[str]:
        me = self._me.get()
        if me.get("group_ids") is not None:
            return [str(g) for g in me["group_ids"]]
        # Older accounts do not put group_ids on the agent; the groups list their agents.
        return [str(g["id"]) for g in self._group_payloads() if me["id"] in (g.get("agent_ids") or ())]

    def reassign(self, ticket_id: str, group_id: str, note: str) -> None:
        """Only after the agent confirmed it in the UI (see `SupportsReassign`). The private note
        goes first: if the move then fails, the context is still on the ticket; the other way
        round, a moved ticket could arrive without it (or out of this agent's sight, if their
        scope is their groups' tickets)."""
        tid = normalize_id(ticket_id)
        if not str(group_id).isdigit():
            raise NotFoundError(f"Freshdesk has no group {group_id!r}; pick one from the list.")
        self.add_internal_note(tid, note)
        self._http.send_json(
            "PUT", f"/api/v2/tickets/{tid}", {"group_id": int(group_id), "responder_id": None}
        )

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
