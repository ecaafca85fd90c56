"""Request Tracker 5 REST2 (`/REST/2.0/`).

Calls per `get_ticket`: the ticket; its history with the creators expanded
(`fields[Creator]=Name,RealName,EmailAddress`); all its attachments in one collection call (the
message bodies); the requestor's user record; and, once per provider, each non-requestor author's
user record to tell privileged staff from customers who were Cc'd. User lookups are cached.

Conversation = transactions of type Create and Correspond (public: they are mailed to the
requestor) and Comment (internal). Auth: `Authorization: token …` (RT::Authen::Token, core in RT 5).

RT has no first-response target: its SLA extension sets `Due` (and `Starts`) from the queue's
service levels, so `Due` → `Sla.resolution_due`, and the ticket's `SLA` value → `Sla.policy`.

Queue watch, requester history and reassign (issue #12), all TicketSQL over `GET /tickets`:

- `queue_updated_since`: `Owner = '__CurrentUser__' AND LastUpdated >= 'now - N seconds'` (with
  `OR (Owner = 'Nobody' AND (Queue = '…' OR …))` for the queues this account can see). RT reads
  an absolute date in TicketSQL in the *user's* timezone, which the API does not tell us; a
  relative one is counted back from the server's own clock, so it means the same everywhere.
  Not `'N seconds ago'`: Time::ParseDate reads a 3- or 4-digit N there as a clock time (3700 →
  37:00) and matched nothing in our tests against RT 5.
- `requester_tickets`: `Requestor.Name = '…'` and `Requestor.Organization = '…'` (the
  requestor's user record) with `Created >= 'now - N seconds'`.
- `groups`: `GET /queues/all`. A queue's *name* is its `Group.id`: TicketSQL, `PUT Queue` and
  `Ticket.group` all speak names.
- `reassign`: `POST /ticket/{id}/comment` first (after the move the agent may no longer have
  the right to comment there), then `PUT /ticket/{id}` with `Queue` and `Owner: Nobody`, read
  back: RT answers 200 even when it refused a field.
- RT sends no rate-limit headers, so the budget is our own `calls_per_minute`. Single records
  carry ETags: `ticket_updated_at` revalidates with `If-None-Match` (RT::REST2 "Conditional
  requests").
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from assist.config import HelpdeskSettings
from assist.helpdesk._http import (
    DEFAULT_RETRY,
    HttpClient,
    RateBudget,
    RetryPolicy,
    Secret,
    TokenHeaderAuth,
    parse_time,
)
from assist.helpdesk._text import html_to_text, tidy
from assist.helpdesk._watch import Expiring, history, newest_first, utc
from assist.helpdesk.base import normalize_id
from assist.tickets import AuthorRole, Group, Message, Sla, Ticket
from common.errors import AuthError, ConfigError, HelpdeskError, NotFoundError

NAME = "rt"
Json = Mapping[str, Any]

CONVERSATION_TYPES = {"Create": True, "Correspond": True, "Comment": False}  # type → public
_SYSTEM_USERS = {"RT_System", "Nobody"}
LIST_FIELDS = "Subject,Status,Priority,Created,LastUpdated,Due,Requestor,Queue,Owner"
CLOCK_SLACK = 120
"""Seconds added to a relative TicketSQL bound, for the difference between our clock and RT's;
the exact bound is applied to RT's own timestamps afterwards."""
# RT 5's default %PriorityAsString; other numbers are shown as they are.
_PRIORITY_NAMES = {0: "low", 50: "medium", 100: "high"}


def rt_next(body: Any, _response: httpx.Response) -> str | None:
    """REST2 collections: `next_page` when there is one (RT 5.0.2+)."""
    return body.get("next_page") or None


def _ref_id(ref: Any) -> str:
    return str(ref.get("id", "")) if isinstance(ref, Mapping) else str(ref or "")


def body_for_transaction(attachments: Iterable[Json]) -> str:
    """The readable body of one transaction: its first text/plain part, else text/html as text."""
    plain = html = None
    for att in attachments:
        ctype = (att.get("ContentType") or "").lower()
        content = att.get("Content") or ""
        if not content:
            continue
        if ctype == "text/plain" and plain is None:
            plain = content
        elif ctype == "text/html" and html is None:
            html = content
    if plain is not None:
        return tidy(plain)
    return html_to_text(html) if html is not None else ""


def sql_quote(value: str) -> str:
    """A TicketSQL string literal: `O'Brien` must not end the string (or start new SQL)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def seconds_ago(when: datetime, now: datetime | None = None) -> str:
    """A TicketSQL date CLOCK_SLACK seconds before `when`, relative to RT's clock."""
    now = now or datetime.now(UTC)
    return f"now - {max(0, math.ceil((now - utc(when)).total_seconds())) + CLOCK_SLACK} seconds"


def map_priority(value: Any) -> str | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return str(value).lower()  # PriorityAsString already applied server-side
    return _PRIORITY_NAMES.get(number, str(number))


def role_for(creator: Json, requestors: set[str], privileged: Mapping[str, bool]) -> AuthorRole:
    name = _ref_id(creator)
    if name in _SYSTEM_USERS:
        return "system"
    if name in requestors or (creator.get("EmailAddress") or "").lower() in requestors:
        return "customer"
    # Unprivileged users are customers (a Cc'd colleague of the requestor); staff are privileged.
    return "agent" if privileged.get(name, True) else "customer"


def map_transaction(txn: Json, body: str, requestors: set[str], privileged: Mapping[str, bool]) -> Message:
    creator = txn.get("Creator") or {}
    return Message(
        id=str(txn.get("id", "")),
        author_name=creator.get("RealName") or creator.get("Name") or _ref_id(creator),
        author_role=role_for(creator, requestors, privileged),
        body=body,
        created_at=parse_time(txn.get("Created")),
        public=CONVERSATION_TYPES.get(txn.get("Type", ""), True),
    )


def map_ticket(
    ticket: Json,
    *,
    base_url: str,
    requestor: Json | None = None,
    transactions: Iterable[Json] = (),
    attachments: Iterable[Json] = (),
    privileged: Mapping[str, bool] | None = None,
    now: datetime | None = None,
) -> Ticket:
    tid = str(ticket.get("id") or _ref_id(ticket.get("EffectiveId")))
    requestor = requestor or {}
    requestors = {_ref_id(r).lower() for r in ticket.get("Requestor") or ()}
    by_txn: dict[str, list[Json]] = {}
    for att in attachments:
        by_txn.setdefault(str(att.get("TransactionId", "")), []).append(att)
    messages = tuple(
        map_transaction(
            t, body_for_transaction(by_txn.get(str(t.get("id")), ())), requestors, privileged or {}
        )
        for t in transactions
        if t.get("Type") in CONVERSATION_TYPES
    )
    due = parse_time(ticket.get("Due"))
    status = (ticket.get("Status") or "").lower()
    sla = None
    if due or ticket.get("SLA"):
        now = now or datetime.now(UTC)
        open_ = status not in {"resolved", "rejected", "deleted"}
        sla = Sla(
            resolution_due=due, breached=bool(due and open_ and due <= now), policy=ticket.get("SLA") or None
        )
    queue = ticket.get("Queue")
    owner = _ref_id(ticket.get("Owner"))
    extra = {
        k: v
        for k, v in {
            "queue": _ref_id(queue) if queue else "",
            "owner": owner,
        }.items()
        if v
    }
    requestor_refs = [_ref_id(r) for r in ticket.get("Requestor") or ()]
    return Ticket(
        id=tid,
        subject=ticket.get("Subject") or "",
        status=status,
        provider=NAME,
        requester_name=requestor.get("RealName") or requestor.get("Name") or "",
        requester_email=requestor.get("EmailAddress") or "",
        priority=map_priority(ticket.get("Priority")),
        tags=(),
        messages=messages,
        created_at=parse_time(ticket.get("Created")),
        updated_at=parse_time(ticket.get("LastUpdated")),
        url=f"{base_url.rstrip('/')}/Ticket/Display.html?id={tid}",
        sla=sla,
        extra=extra,
        requester_id=requestor_refs[0] if requestor_refs else "",
        organization=requestor.get("Organization") or "",
        # Only with `fields[Queue]=Name` does RT name the queue; every call here asks for it.
        group=(queue.get("Name") or "") if isinstance(queue, Mapping) else "",
        assignee="" if owner in _SYSTEM_USERS else owner,
    )


class RtProvider:
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
                "No RT auth token: create one under Logged in as → Settings → Auth Tokens, then add it "
                "in Settings (OS keyring) or set ASSIST_HELPDESK_TOKEN."
            )
        self.base_url = settings.url.rstrip("/")  # RT may live under a path: https://host/rt
        self._http = HttpClient.for_helpdesk(
            settings,
            "Request Tracker",
            TokenHeaderAuth("token", token),
            token,
            client=client,
            transport=transport,
            retry=retry,
            sleep=sleep,
        )
        self._users: dict[str, Json] = {}
        self._queues = Expiring(self._load_queues)

    def __repr__(self) -> str:
        return f"RtProvider({self.base_url!r})"

    def _api(self, path: str) -> str:
        return f"{self.base_url}/REST/2.0/{path.lstrip('/')}"

    def ticket_url(self, ticket_id: str) -> str:
        return f"{self.base_url}/Ticket/Display.html?id={normalize_id(ticket_id)}"

    def _collection(self, path: str, params: dict[str, Any], max_pages: int = 20) -> list[Json]:
        items: list[Json] = []
        for page in self._http.paginate(self._api(path), params, rt_next, max_pages=max_pages):
            items.extend(page.get("items") or ())
        return items

    def _user(self, name: str) -> Json:
        if name not in self._users:
            try:
                self._users[name] = self._http.get_json(self._api(f"user/{quote(name, safe='@')}"))
            except NotFoundError:
                self._users[name] = {"Name": name}
        return self._users[name]

    def get_ticket(self, ticket_id: str) -> Ticket:
        tid = normalize_id(ticket_id)
        ticket = self._http.get_json(self._api(f"ticket/{tid}"), {"fields[Queue]": "Name"})
        if not isinstance(ticket, Mapping) or "Subject" not in ticket:
            raise NotFoundError(f"Request Tracker has no ticket {tid} visible to this account.")
        transactions = self._collection(
            f"ticket/{tid}/history",
            {
                "fields": "Type,Creator,Created",
                "fields[Creator]": "Name,RealName,EmailAddress",
                "per_page": 100,
                "orderby": "id",
                "order": "ASC",
            },
        )
        conversation_ids = {str(t.get("id")) for t in transactions if t.get("Type") in CONVERSATION_TYPES}
        attachments = [
            a
            for a in self._collection(
                f"ticket/{tid}/attachments",
                # Not `Parent`: RT 5.0.3 answers 500 when it is asked for on a top-level part.
                {"fields": "TransactionId,ContentType,Content", "per_page": 100},
            )
            if str(a.get("TransactionId")) in conversation_ids
        ]
        requestors = [_ref_id(r) for r in ticket.get("Requestor") or ()]
        requestor = self._user(requestors[0]) if requestors else None
        privileged: dict[str, bool] = {}
        lowered = {r.lower() for r in requestors}
        for t in transactions:
            name = _ref_id(t.get("Creator"))
            if (
                t.get("Type") in CONVERSATION_TYPES
                and name
                and name not in _SYSTEM_USERS
                and name.lower() not in lowered
                and name not in privileged
            ):
                privileged[name] = bool(int(self._user(name).get("Privileged") or 0))
        return map_ticket(
            ticket,
            base_url=self.base_url,
            requestor=requestor,
            transactions=transactions,
            attachments=attachments,
            privileged=privileged,
        )

    def ticket_updated_at(self, ticket_id: str) -> datetime | None:
        """One cheap call (no history, no attachments) to see whether a refresh is needed. RT
        sends an ETag (the last transaction id) on a ticket, so an unchanged ticket costs a 304
        with no body."""
        ticket = self._http.get_json(self._api(f"ticket/{normalize_id(ticket_id)}"), conditional=True)
        return parse_time(ticket.get("LastUpdated"))

    def _search(self, query: str, orderby: str, limit: int) -> list[Ticket]:
        items = self._collection(
            "tickets",
            {
                "query": query,
                "fields": LIST_FIELDS,
                "fields[Queue]": "Name",
                "orderby": orderby,
                "order": "DESC",
                "per_page": min(max(limit, 1), 100),
            },
            max_pages=max(1, (limit + 99) // 100),
        )
        return [map_ticket(item, base_url=self.base_url) for item in items[:limit]]

    def my_open_tickets(self, limit: int = 50) -> list[Ticket]:
        return self._search("Owner = '__CurrentUser__' AND Status = '__Active__'", "LastUpdated", limit)

    def queue_updated_since(
        self, since: datetime | None, *, include_group_unassigned: bool = False, limit: int = 200
    ) -> list[Ticket]:
        who = "Owner = '__CurrentUser__'"
        if include_group_unassigned:
            # RT has no queue membership to ask for: "my groups" are the queues this account
            # can see, which is what RT's rights already narrow an agent to.
            queues = " OR ".join(f"Queue = {sql_quote(g.id)}" for g in self._queues.get())
            if queues:
                who = f"({who} OR (Owner = 'Nobody' AND ({queues})))"
        when = "Status = '__Active__'" if since is None else f"LastUpdated >= '{seconds_ago(since)}'"
        return newest_first(self._search(f"{who} AND {when}", "LastUpdated", limit), since, limit)

    def requester_tickets(self, ticket: Ticket, since: datetime, limit: int = 50) -> list[Ticket]:
        created = f"Created >= '{seconds_ago(since)}'"
        rid, org = ticket.requester_id, ticket.organization
        # One more than `limit`: the ticket itself is among the results and is dropped.
        by_requester = (
            self._search(f"Requestor.Name = {sql_quote(rid)} AND {created}", "Created", limit + 1)
            if rid
            else []
        )
        by_org = (
            self._search(f"Requestor.Organization = {sql_quote(org)} AND {created}", "Created", limit + 1)
            if org
            else []
        )
        return history(ticket, by_requester, by_org, since, limit)

    def rate_budget(self) -> RateBudget:
        return self._http.budget

    def _load_queues(self) -> list[Group]:
        items = self._collection("queues/all", {"fields": "Name,Disabled", "per_page": 100})
        return [
            Group(id=q["Name"], name=q["Name"])
            for q in items
            if q.get("Name") and str(q.get("Disabled") or "0") == "0"
        ]

    def groups(self) -> list[Group]:
        return list(self._queues.get())

    def reassign(self, ticket_id: str, group_id: str, note: str) -> None:
        """Only after the agent confirmed it in the UI (see `SupportsReassign`)."""
        tid = normalize_id(ticket_id)
        queue = str(group_id).strip()
        if not queue:
            raise NotFoundError("Request Tracker has no queue ''; pick one from the list.")
        # RT's PUT answers 200 with "Queue … does not exist" for an unknown queue: check first,
        # so a note about a hand-off that cannot happen is never written.
        try:
            found = self._http.get_json(self._api(f"queue/{quote(queue, safe='')}"))
        except NotFoundError as exc:
            raise NotFoundError(f"Request Tracker has no queue {queue!r} visible to this account.") from exc
        if str(found.get("Disabled") or "0") != "0":
            raise NotFoundError(f"The Request Tracker queue {queue!r} is disabled.")
        self._http.send_json(
            "POST", self._api(f"ticket/{tid}/comment"), {"Content": note, "ContentType": "text/plain"}
        )
        result = self._http.send_json("PUT", self._api(f"ticket/{tid}"), {"Queue": queue, "Owner": "Nobody"})
        try:
            moved = self._http.get_json(self._api(f"ticket/{tid}"), {"fields[Queue]": "Name"})
        except (AuthError, NotFoundError):
            return  # out of this agent's sight now: only the move does that
        said = "; ".join(str(m) for m in result) if isinstance(result, list) else ""
        if (moved.get("Queue") or {}).get("Name") != queue:
            raise HelpdeskError(
                f"Request Tracker kept ticket {tid} in its queue ({said or 'no reason given'}); "
                "the note was added."
            )
        if _ref_id(moved.get("Owner")) != "Nobody":
            raise HelpdeskError(
                f"Request Tracker moved ticket {tid} to {queue} but it is still owned by "
                f"{_ref_id(moved.get('Owner'))} ({said or 'no reason given'})."
            )

    def add_internal_note(self, ticket_id: str, body: str) -> Message:
        tid = normalize_id(ticket_id)
        self._http.send_json(
            "POST", self._api(f"ticket/{tid}/comment"), {"Content": body, "ContentType": "text/plain"}
        )
        # RT answers with a list of status strings, not the transaction: read it back.
        recent = self._http.get_json(
            self._api(f"ticket/{tid}/history"),
            {
                "fields": "Type,Creator,Created",
                "fields[Creator]": "Name,RealName,EmailAddress",
                "orderby": "id",
                "order": "DESC",
                "per_page": 10,
            },
        )
        for txn in recent.get("items") or ():
            if txn.get("Type") == "Comment":
                return map_transaction(txn, body, set(), {})
        raise NotFoundError("Request Tracker accepted the comment but it is not in the history yet.")

    def recently_viewed(self) -> list[str]:
        return []  # RT keeps no viewed-tickets list reachable through REST2

    def close(self) -> None:
        self._http.close()
