"""Zendesk Support API v2.

Calls per `get_ticket`: the ticket with `include=slas,users` (SLA policy metrics and the people on
it, sideloaded) and its comments (cursor pagination, `page[size]=100`, users sideloaded); one more
user lookup only if the requester was not sideloaded.

Auth: API token (`{email}/token:{token}`, Basic) or an OAuth bearer token.

Queue watch, requester history and reassign (issue #12), one call per 100 tickets each:

- `queue_updated_since`: `GET /api/v2/search.json` with `type:ticket assignee:me updated>…`
  (and `assignee:none`, kept when in one of my groups), sorted by `updated_at`, requesters
  sideloaded. Search, not the incremental export: it filters by assignee server-side and sorts,
  so one page is usually the whole answer; the index lags a few minutes
  (https://developer.zendesk.com/api-reference/ticketing/ticket-management/search/).
- `requester_tickets`: the same search with `requester:{id}` and `organization:{id}` and
  `created>…`; each result carries `description`, the first comment.
- `reassign`: one `PUT /api/v2/tickets/{id}.json` setting `group_id`, clearing `assignee_id` and
  adding the note as a private comment, so the move and its context land together or not at all.
- My groups: `GET /api/v2/users/me.json` then `/api/v2/users/{id}/groups.json`, kept ten minutes.

The mapping functions (`map_ticket`, `map_comment`, `map_sla`) are pure, so the recorded payloads
in tests exercise them without a server.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
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
    cursor_next,
    next_page_field,
    parse_time,
)
from assist.helpdesk._text import html_to_text, tidy
from assist.helpdesk._watch import Expiring, history, newest_first, utc, with_extra
from assist.helpdesk.base import normalize_id
from assist.tickets import AuthorRole, Group, Message, Sla, Ticket
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


def _id(value: Any) -> str:
    return "" if value is None else str(value)


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
        requester_id=_id(requester_id),
        organization=_id(ticket.get("organization_id")),
        group=_id(ticket.get("group_id")),
        assignee=_id(ticket.get("assignee_id")),
    )


def map_group(group: Json) -> Group:
    return Group(id=str(group["id"]), name=group.get("name") or str(group["id"]))


def search_time(when: datetime) -> str:
    """A search `updated>`/`created>` bound meaning "at or after `when`": search compares whole
    seconds and documents only the strict `>`, so one second earlier."""
    return (utc(when) - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


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
        self._my_groups = Expiring(self._load_my_groups)

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
        """One cheap call (no comments, no sideloads) to see whether a refresh is needed;
        conditional, so a server that sends ETags answers an unchanged ticket with a bare 304."""
        body = self._http.get_json(f"/api/v2/tickets/{normalize_id(ticket_id)}.json", conditional=True)
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

    def _search(self, query: str, sort_by: str, limit: int) -> list[tuple[Json, Mapping[int, Json]]]:
        """Ticket search results (newest `sort_by` first) with the users sideloaded per page."""
        params = {
            "query": query,
            "sort_by": sort_by,
            "sort_order": "desc",
            "per_page": min(max(limit, 1), 100),
            "include": "tickets(users)",
        }
        out: list[tuple[Json, Mapping[int, Json]]] = []
        # Search stops at 1,000 results (10 pages of 100); `limit` usually stops us after one.
        for page in self._http.paginate("/api/v2/search.json", params, next_page_field, max_pages=10):
            users = _users_by_id(page.get("users"))
            out.extend(
                (item, users)
                for item in page.get("results") or ()
                if item.get("result_type", "ticket") == "ticket"
            )
            if len(out) >= limit:
                break
        return out

    def queue_updated_since(
        self, since: datetime | None, *, include_group_unassigned: bool = False, limit: int = 200
    ) -> list[Ticket]:
        when = "status<solved" if since is None else f"updated>{search_time(since)}"
        found = [
            map_ticket(item, base_url=self.base_url, users=users)
            for item, users in self._search(f"type:ticket assignee:me {when}", "updated_at", limit)
        ]
        if include_group_unassigned:
            # One query for every unassigned ticket this agent can see, filtered to their groups
            # here: a `group:` term per group would cost a query per group.
            mine = {g.id for g in self._my_groups.get()}
            found += [
                t
                for t in (
                    map_ticket(item, base_url=self.base_url, users=users)
                    for item, users in self._search(f"type:ticket assignee:none {when}", "updated_at", limit)
                )
                if t.group in mine
            ]
        return newest_first(found, since, limit)

    def requester_tickets(self, ticket: Ticket, since: datetime, limit: int = 50) -> list[Ticket]:
        created = f"created>{search_time(since)}"

        def lookup(term: str) -> list[Ticket]:
            # One more than `limit`: the ticket itself is among the results and is dropped.
            return [
                with_extra(
                    map_ticket(item, base_url=self.base_url, users=users),
                    description=tidy(item.get("description") or ""),
                )
                for item, users in self._search(f"type:ticket {term} {created}", "created_at", limit + 1)
            ]

        # Ids only (digits): a name or email here would widen the search to whoever matches it.
        rid, org = ticket.requester_id, ticket.organization
        by_requester = lookup(f"requester:{rid}") if rid.isdigit() else []
        by_org = lookup(f"organization:{org}") if org.isdigit() else []
        return history(ticket, by_requester, by_org, since, limit)

    def rate_budget(self) -> RateBudget:
        return self._http.budget

    def groups(self) -> list[Group]:
        out: list[Group] = []
        for page in self._http.paginate("/api/v2/groups.json", {"page[size]": 100}, cursor_next):
            out.extend(map_group(g) for g in page.get("groups") or () if not g.get("deleted"))
        return out

    def _load_my_groups(self) -> list[Group]:
        me = self._http.get_json("/api/v2/users/me.json")["user"]["id"]
        out: list[Group] = []
        for page in self._http.paginate(
            f"/api/v2/users/{int(me)}/groups.json", {"page[size]": 100}, cursor_next
        ):
            out.extend(map_group(g) for g in page.get("groups") or () if not g.get("deleted"))
        return out

    def reassign(self, ticket_id: str, group_id: str, note: str) -> None:
        """Only after the agent confirmed it in the UI (see `SupportsReassign`). One PUT: the
        group, no assignee, and the note as a private comment."""
        tid = normalize_id(ticket_id)
        if not str(group_id).isdigit():
            raise NotFoundError(f"Zendesk has no group {group_id!r}; pick one from the list.")
        payload = {
            "ticket": {
                "group_id": int(group_id),
                "assignee_id": None,
                "comment": {"body": note, "public": False},
            }
        }
        # PUT, but it adds a comment: a timed-out request may have landed, so never replay it.
        self._http.send_json("PUT", f"/api/v2/tickets/{tid}.json", payload, idempotent=False)

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
