"""Zendesk Support API v2.

Calls per `get_ticket`: the ticket with `include=slas,users` (SLA policy metrics and the people on
it, sideloaded) and its comments (cursor pagination, `page[size]=100`, users sideloaded); one more
user lookup only if the requester was not sideloaded.

Auth: API token (`{email}/token:{token}`, Basic) or an OAuth bearer token.

The mapping functions (`map_ticket`, `map_comment`, `map_sla`) are pure, so the recorded payloads
in tests exercise them without a server.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from assist.config import HelpdeskSettings
from assist.helpdesk._http import (
    DEFAULT_RETRY,
    HttpClient,
    RetryPolicy,
    Secret,
    TokenHeaderAuth,
    cursor_next,
    next_page_field,
    parse_time,
)
from assist.helpdesk._text import html_to_text, tidy
from assist.helpdesk.base import normalize_id
from assist.tickets import AuthorRole, Message, Sla, Ticket
from common.errors import ConfigError, NotFoundError

NAME = "zendesk"
Json = Mapping[str, Any]

# policy_metrics.metric → which Sla field it fills. Zendesk has no single "resolution" metric;
# the requester/agent wait clocks and total resolution all bound when the ticket must be solved.
_RESOLUTION_METRICS = (
    "total_resolution_time",
    "requester_wait_time",
    "agent_work_time",
    "periodic_update_time",
)


def _users_by_id(users: Iterable[Json] | None) -> dict[int, Json]:
    return {u["id"]: u for u in users or () if isinstance(u, Mapping) and "id" in u}


def _role_for(author_id: Any, users: Mapping[int, Json], requester_id: Any) -> AuthorRole:
    if author_id in (None, -1):  # -1: Zendesk itself (triggers, automations)
        return "system"
    user = users.get(author_id)
    if user is not None:
        return "customer" if user.get("role") == "end-user" else "agent"
    # Not sideloaded: the requester is the one customer we know for sure.
    return "customer" if author_id == requester_id else "agent"


def map_comment(comment: Json, users: Mapping[int, Json], requester_id: Any = None) -> Message:
    author_id = comment.get("author_id")
    user = users.get(author_id) or {}
    if comment.get("plain_body") or comment.get("body"):
        body = tidy(comment.get("plain_body") or comment.get("body") or "")
    else:
        body = html_to_text(comment.get("html_body") or "")
    role = _role_for(author_id, users, requester_id)
    return Message(
        id=str(comment.get("id", "")),
        author_name=user.get("name") or ("Zendesk" if role == "system" else f"user {author_id}"),
        author_role=role,
        body=body,
        created_at=parse_time(comment.get("created_at")),
        public=bool(comment.get("public", True)),
    )


def map_sla(ticket: Json, now: datetime | None = None) -> Sla | None:
    """From `include=slas`: `ticket.slas.policy_metrics[]` = {metric, stage, breach_at}."""
    slas = ticket.get("slas") or {}
    metrics = slas.get("policy_metrics") or [] if isinstance(slas, Mapping) else []
    policy = ticket.get("sla_policy") or {}
    if not metrics and not policy:
        return None
    now = now or datetime.now(UTC)
    due: dict[str, datetime] = {}
    breached = False
    for m in metrics:
        breach_at = parse_time(m.get("breach_at"))
        if breach_at is None:
            continue
        if m.get("stage") == "active" and breach_at <= now:
            breached = True
        metric = m.get("metric", "")
        key = (
            "first_response_due"
            if metric == "first_reply_time"
            else "next_reply_due"
            if metric == "next_reply_time"
            else "resolution_due"
            if metric in _RESOLUTION_METRICS
            else None
        )
        if key and (key not in due or breach_at < due[key]):
            due[key] = breach_at
    return Sla(
        first_response_due=due.get("first_response_due"),
        resolution_due=due.get("resolution_due"),
        next_reply_due=due.get("next_reply_due"),
        breached=breached,
        policy=(policy.get("title") if isinstance(policy, Mapping) else None) or None,
    )


def map_ticket(
    ticket: Json,
    *,
    base_url: str,
    users: Mapping[int, Json] | None = None,
    comments: Iterable[Json] = (),
    now: datetime | None = None,
) -> Ticket:
    users = users or {}
    requester_id = ticket.get("requester_id")
    requester = users.get(requester_id) or {}
    messages = tuple(map_comment(c, users, requester_id) for c in comments)
    extra = {
        k: str(v)
        for k, v in {
            "type": ticket.get("type"),
            "channel": (ticket.get("via") or {}).get("channel"),
            "group_id": ticket.get("group_id"),
            "assignee_id": ticket.get("assignee_id"),
            "due_at": ticket.get("due_at"),
        }.items()
        if v is not None
    }
    tid = str(ticket["id"])
    return Ticket(
        id=tid,
        subject=ticket.get("subject") or ticket.get("raw_subject") or "",
        status=ticket.get("status") or "",
        provider=NAME,
        requester_name=requester.get("name") or "",
        requester_email=requester.get("email") or "",
        priority=ticket.get("priority"),
        tags=tuple(ticket.get("tags") or ()),
        messages=messages,
        created_at=parse_time(ticket.get("created_at")),
        updated_at=parse_time(ticket.get("updated_at")),
        url=f"{base_url.rstrip('/')}/agent/tickets/{tid}",
        sla=map_sla(ticket, now),
        extra=extra,
    )


def map_note_audit(audit: Json, users: Mapping[int, Json], fallback_author: str) -> Message:
    """The private comment we just added, from the ticket update's `audit.events`."""
    for event in audit.get("events") or ():
        if event.get("type") == "Comment":
            author = users.get(event.get("author_id") or audit.get("author_id")) or {}
            return Message(
                id=str(event.get("id", "")),
                author_name=author.get("name") or fallback_author,
                author_role="agent",
                body=tidy(event.get("plain_body") or event.get("body") or ""),
                created_at=parse_time(audit.get("created_at")),
                public=bool(event.get("public", False)),
            )
    raise NotFoundError("Zendesk accepted the update but returned no comment; check the ticket.")


class ZendeskProvider:
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
                "No Zendesk token: add it in Settings (OS keyring) or set ASSIST_HELPDESK_TOKEN."
            )
        if settings.auth_mode == "oauth":
            auth = TokenHeaderAuth("Bearer", token)
        else:
            auth = TokenHeaderAuth.basic(f"{settings.email}/token", token)
        self.base_url = settings.url.rstrip("/")
        self._email = settings.email
        self._http = HttpClient.for_helpdesk(
            settings,
            "Zendesk",
            auth,
            token,
            client=client,
            transport=transport,
            retry=retry,
            sleep=sleep,
        )

    def __repr__(self) -> str:
        return f"ZendeskProvider({self.base_url!r})"

    def ticket_url(self, ticket_id: str) -> str:
        return f"{self.base_url}/agent/tickets/{normalize_id(ticket_id)}"

    def get_ticket(self, ticket_id: str) -> Ticket:
        tid = normalize_id(ticket_id)
        body = self._http.get_json(f"/api/v2/tickets/{tid}.json", {"include": "slas,users"})
        ticket = body["ticket"]
        users = _users_by_id(body.get("users"))
        comments: list[Json] = []
        for page in self._http.paginate(
            f"/api/v2/tickets/{tid}/comments.json",
            {"page[size]": 100, "include": "users", "include_inline_images": "false"},
            cursor_next,
        ):
            comments.extend(page.get("comments") or ())
            users.update(_users_by_id(page.get("users")))
        requester_id = ticket.get("requester_id")
        if requester_id and requester_id not in users:
            try:
                users[requester_id] = self._http.get_json(f"/api/v2/users/{int(requester_id)}.json")["user"]
            except NotFoundError:
                pass  # a deleted requester: the ticket is still worth showing
        return map_ticket(ticket, base_url=self.base_url, users=users, comments=comments)

    def ticket_updated_at(self, ticket_id: str) -> datetime | None:
        """One cheap call (no comments, no sideloads) to see whether a refresh is needed."""
        body = self._http.get_json(f"/api/v2/tickets/{normalize_id(ticket_id)}.json")
        return parse_time((body.get("ticket") or {}).get("updated_at"))

    def my_open_tickets(self, limit: int = 50) -> list[Ticket]:
        # Search, not /users/me/tickets/assigned: it filters by status server-side and sorts by
        # update, so one page is usually all we need.
        params = {
            "query": "type:ticket assignee:me status<solved",
            "sort_by": "updated_at",
            "sort_order": "desc",
            "per_page": min(max(limit, 1), 100),
            "include": "tickets(users)",
        }
        out: list[Ticket] = []
        for page in self._http.paginate("/api/v2/search.json", params, next_page_field, max_pages=10):
            users = _users_by_id(page.get("users"))
            for item in page.get("results") or ():
                if item.get("result_type", "ticket") == "ticket":
                    out.append(map_ticket(item, base_url=self.base_url, users=users))
            if len(out) >= limit:
                break
        return out[:limit]

    def add_internal_note(self, ticket_id: str, body: str) -> Message:
        tid = normalize_id(ticket_id)
        payload = {"ticket": {"comment": {"body": body, "public": False}}}
        # PUT, but adding a comment is not idempotent: never replay it after a timeout.
        result = self._http.send_json("PUT", f"/api/v2/tickets/{tid}.json", payload, idempotent=False)
        return map_note_audit(result.get("audit") or {}, {}, self._email or "me")

    def recently_viewed(self) -> list[str]:
        """`GET /api/v2/tickets/recent.json`: the agent's recently viewed tickets (a hint only)."""
        try:
            body = self._http.get_json("/api/v2/tickets/recent.json", {"per_page": 10})
        except NotFoundError:
            return []  # endpoint retired on some accounts; the hint is optional
        return [str(t["id"]) for t in body.get("tickets") or () if "id" in t]

    def close(self) -> None:
        self._http.close()
