"""A file-backed helpdesk: the shipped demo tickets, for the README walkthrough and offline use.

Reads `demo/tickets.jsonl` (one ticket per line). Internal notes go to a JSON sidecar in the user
data dir (`demo_notes.json`), never into the shipped file, which may be read-only inside an app
bundle and must stay pristine for the next demo. Hand-offs (`reassign`) go to a second sidecar,
`demo_assignments.json`, and `get_ticket` shows the ticket in its new group.

Optional keys of a demo ticket, beyond the conversation:

    "organization": "Riverside Elementary"     # also accepted as requester.organization
    "group": "Tier 1"                          # a group's id or name from groups.json
    "assignee": "You"                          # missing: the demo agent ("You"); "" or null:
                                               # unassigned; any other name: another agent
    "requester": {"id": "u-17", ...}           # defaults to the requester's email

Groups come from `groups.json` next to the tickets file (`[{"id", "name", "member"?}]`; the demo
agent belongs to the groups marked `"member": true`, or to all when none is), else from the
small built-in list in `assist/data/demo_groups.json`.

The shipped tickets were written as of `RECORDED_NOW` (2026-11-20 09:00 UTC). With
`live_clock=True` (`[helpdesk] demo_live_clock`, `ASSIST_DEMO_LIVE_CLOCK=1`, what `run-demo.sh`
uses) every time in the file moves by the same offset so that moment is when the provider was
created: waits, SLA countdowns and alerts then look as they did when the tickets were written,
and keep running. Notes and hand-offs made in the demo keep their real times.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from assist.helpdesk._http import DEFAULT_CALLS_PER_MINUTE, RateBudget, parse_time
from assist.helpdesk._watch import history, newest_first, with_extra
from assist.tickets import Group, Message, Sla, Ticket
from common.errors import ConfigError, NotFoundError

NAME = "demo"
DEMO_AGENT = "You"
"""The agent the demo helpdesk is signed in as (also the author of demo notes)."""
RECORDED_NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
"""The moment the shipped demo tickets describe (see `live_clock`)."""
_SOLVED = {"solved", "closed", "resolved"}


def _shift(value: Any, offset: timedelta) -> Any:
    when = parse_time(value)
    return (when + offset).isoformat() if when is not None else value


def shift_times(raw: Mapping[str, Any], offset: timedelta) -> dict[str, Any]:
    """A raw demo ticket with every time in it moved by `offset`."""
    out = dict(raw)
    for key in ("created_at", "updated_at"):
        if key in out:
            out[key] = _shift(out[key], offset)
    if isinstance(out.get("sla"), Mapping):
        out["sla"] = {k: _shift(v, offset) if k.endswith("_due") else v for k, v in out["sla"].items()}
    out["messages"] = [
        {**m, "created_at": _shift(m.get("created_at"), offset)} if isinstance(m, Mapping) else m
        for m in out.get("messages") or ()
    ]
    return out


_ROLES = {"customer", "agent", "system"}


def default_tickets_path() -> Path:
    from common.paths import demo_dir

    return demo_dir() / "tickets.jsonl"


def default_notes_path() -> Path:
    from common.paths import data_dir

    return data_dir() / "demo_notes.json"


def default_assignments_path() -> Path:
    from common.paths import data_dir

    return data_dir() / "demo_assignments.json"


def load_groups(path: Path | None) -> list[tuple[Group, bool]]:
    """(group, the demo agent is a member) from `path`, else the built-in list."""
    if path is not None and path.exists():
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"The demo groups file {path} is not valid JSON ({exc}).") from None
    else:
        raw = json.loads(resources.files("assist.data").joinpath("demo_groups.json").read_text("utf-8"))
    groups = [
        (Group(id=str(g["id"]), name=str(g.get("name") or g["id"])), bool(g.get("member"))) for g in raw
    ]
    if not any(member for _, member in groups):
        groups = [(g, True) for g, _ in groups]
    return groups


def _group_index(groups: Sequence[Group]) -> dict[str, str]:
    """Group id or lower-cased name → id, so a demo ticket may name its group either way."""
    index = {g.name.lower(): g.id for g in groups}
    index.update({g.id: g.id for g in groups})
    return index


def map_message(raw: Mapping[str, Any], index: int, ticket_id: str) -> Message:
    role = raw.get("role", "customer")
    return Message(
        id=str(raw.get("id") or f"{ticket_id}-{index}"),
        author_name=str(raw.get("author") or raw.get("author_name") or ""),
        author_role=role if role in _ROLES else "customer",
        body=str(raw.get("body") or ""),
        created_at=parse_time(raw.get("created_at")),
        public=bool(raw.get("public", True)),
    )


def map_ticket(
    raw: Mapping[str, Any],
    notes: Sequence[Mapping[str, Any]] = (),
    assignment: Mapping[str, Any] | None = None,
    group_ids: Mapping[str, str] | None = None,
) -> Ticket:
    """A demo ticket with its sidecar notes and, after a hand-off, its `assignment`
    (`{"group", "assignee", "at"}`); `group_ids` resolves a group given by name."""
    tid = str(raw["id"])
    requester = raw.get("requester") or {}
    messages = [map_message(m, i, tid) for i, m in enumerate(raw.get("messages") or ())]
    messages += [map_message(n, len(messages) + i, tid) for i, n in enumerate(notes)]
    sla_raw = raw.get("sla") or {}
    sla = None
    if sla_raw:
        fr = parse_time(sla_raw.get("first_response_due"))
        res = parse_time(sla_raw.get("resolution_due"))
        now = datetime.now(UTC)
        open_ = str(raw.get("status", "")).lower() not in _SOLVED
        answered = any(m.author_role == "agent" and m.public for m in messages)
        missed = (res is not None and res <= now) or (fr is not None and fr <= now and not answered)
        sla = Sla(
            first_response_due=fr,
            resolution_due=res,
            next_reply_due=parse_time(sla_raw.get("next_reply_due")),
            breached=bool(sla_raw.get("breached")) or (open_ and missed),
            policy=sla_raw.get("policy"),
        )
    times = [m.created_at for m in messages if m.created_at]
    created = parse_time(raw.get("created_at"))
    updated = parse_time(raw.get("updated_at")) or max(times + ([created] if created else []), default=None)
    group = str(raw.get("group") or "")
    group = (group_ids or {}).get(group.lower(), group) if group else ""
    assignee = raw.get("assignee", DEMO_AGENT)
    if assignment:
        group = str(assignment.get("group") or group)
        assignee = assignment.get("assignee", "")
        moved = parse_time(assignment.get("at"))
        updated = max(updated, moved) if updated and moved else updated or moved
    return Ticket(
        id=tid,
        subject=str(raw.get("subject") or ""),
        status=str(raw.get("status") or "open").lower(),
        provider=NAME,
        requester_name=str(requester.get("name") or ""),
        requester_email=str(requester.get("email") or ""),
        priority=raw.get("priority"),
        tags=tuple(raw.get("tags") or ()),
        messages=tuple(messages),
        created_at=created,
        updated_at=updated,
        url=f"demo://tickets/{tid}",
        sla=sla,
        extra={},
        requester_id=str(requester.get("id") or requester.get("email") or ""),
        organization=str(raw.get("organization") or requester.get("organization") or ""),
        group=group,
        assignee=str(assignee or ""),
    )


class DemoProvider:
    """The demo helpdesk. Thread-safe: the sidebar may add a note while the tracker refreshes."""

    name = NAME

    def __init__(
        self,
        tickets_path: Path | None = None,
        notes_path: Path | None = None,
        *,
        groups_path: Path | None = None,
        assignments_path: Path | None = None,
        calls_per_minute: int = DEFAULT_CALLS_PER_MINUTE,
        live_clock: bool = False,
    ) -> None:
        self.tickets_path = Path(tickets_path or default_tickets_path())
        self.notes_path = Path(notes_path or default_notes_path())
        self.groups_path = Path(groups_path or self.tickets_path.parent / "groups.json")
        self.assignments_path = Path(assignments_path or default_assignments_path())
        self._lock = threading.Lock()
        self._offset = datetime.now(UTC) - RECORDED_NOW if live_clock else timedelta(0)
        self._tickets: dict[str, Mapping[str, Any]] | None = None
        self._groups: list[tuple[Group, bool]] | None = None
        # Nothing goes over a network, but the watcher's budget logic should behave as it does
        # against a real helpdesk: each queue, history, groups or reassign call counts as one.
        self._budget = RateBudget(calls_per_minute)

    def __repr__(self) -> str:
        return f"DemoProvider({str(self.tickets_path)!r})"

    def _load(self) -> dict[str, Mapping[str, Any]]:
        if self._tickets is None:
            if not self.tickets_path.exists():
                raise ConfigError(f"The demo tickets file {self.tickets_path} is missing.")
            tickets: dict[str, Mapping[str, Any]] = {}
            with self.tickets_path.open(encoding="utf-8") as fh:
                for lineno, line in enumerate(fh, 1):
                    if not line.strip():
                        continue
                    try:
                        raw = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise ConfigError(
                            f"{self.tickets_path}:{lineno} is not valid JSON ({exc.msg})."
                        ) from None
                    tickets[str(raw["id"])] = shift_times(raw, self._offset) if self._offset else raw
            self._tickets = tickets
        return self._tickets

    @staticmethod
    def _sidecar(path: Path) -> dict[str, Any]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (json.JSONDecodeError, UnicodeDecodeError):
            return {}  # a damaged sidecar loses demo notes, it must not break the demo
        return data if isinstance(data, dict) else {}

    @staticmethod
    def _write(path: Path, data: Mapping[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(tmp, path)  # atomic: a crash never leaves half a file

    def _notes(self) -> dict[str, list[dict[str, Any]]]:
        return self._sidecar(self.notes_path)

    def _group_list(self) -> list[tuple[Group, bool]]:
        if self._groups is None:
            self._groups = load_groups(self.groups_path)
        return self._groups

    def _all(self) -> list[Ticket]:
        """Every demo ticket as `get_ticket` shows it; call with the lock held."""
        notes = self._notes()
        moves = self._sidecar(self.assignments_path)
        index = _group_index([g for g, _ in self._group_list()])
        return [
            map_ticket(raw, notes.get(key, []), moves.get(key), index) for key, raw in self._load().items()
        ]

    @staticmethod
    def _key(ticket_id: str) -> str:
        return str(ticket_id).strip().lstrip("#")

    def get_ticket(self, ticket_id: str) -> Ticket:
        key = self._key(ticket_id)
        with self._lock:
            raw = self._load().get(key)
            if raw is None:
                raise NotFoundError(f"The demo helpdesk has no ticket {key}.")
            index = _group_index([g for g, _ in self._group_list()])
            moves = self._sidecar(self.assignments_path)
            return map_ticket(raw, self._notes().get(key, []), moves.get(key), index)

    def ticket_updated_at(self, ticket_id: str) -> datetime | None:
        return self.get_ticket(ticket_id).updated_at

    def my_open_tickets(self, limit: int = 50) -> list[Ticket]:
        with self._lock:
            tickets = [
                map_ticket(raw)
                for raw in self._load().values()
                if str(raw.get("status", "")).lower() not in _SOLVED
            ]
        epoch = datetime.min.replace(tzinfo=UTC)
        tickets.sort(key=lambda t: t.updated_at or t.created_at or epoch, reverse=True)
        return [Ticket(**{**_fields(t), "messages": ()}) for t in tickets[:limit]]

    def add_internal_note(self, ticket_id: str, body: str) -> Message:
        key = self._key(ticket_id)
        with self._lock:
            if key not in self._load():
                raise NotFoundError(f"The demo helpdesk has no ticket {key}.")
            entry = self._add_note(key, body)
        return map_message(entry, 0, key)

    def _add_note(self, key: str, body: str) -> dict[str, Any]:
        notes = self._notes()
        entry = {
            "id": f"{key}-note-{sum(len(v) for v in notes.values()) + 1}",
            "author": DEMO_AGENT,
            "role": "agent",
            "public": False,
            "created_at": datetime.now(UTC).isoformat(),
            "body": body,
        }
        notes.setdefault(key, []).append(entry)
        self._write(self.notes_path, notes)
        return entry

    def queue_updated_since(
        self, since: datetime | None, *, include_group_unassigned: bool = False, limit: int = 200
    ) -> list[Ticket]:
        self._budget.record(None)
        with self._lock:
            tickets = self._all()
            mine = {g.id for g, member in self._group_list() if member}
        chosen = [
            with_extra(t)
            for t in tickets
            if (t.assignee == DEMO_AGENT or (include_group_unassigned and not t.assignee and t.group in mine))
            and (since is not None or t.status not in _SOLVED)
        ]
        return newest_first(chosen, since, limit)

    def requester_tickets(self, ticket: Ticket, since: datetime, limit: int = 50) -> list[Ticket]:
        self._budget.record(None)
        with self._lock:
            tickets = self._all()

        def described(t: Ticket) -> Ticket:
            first = next((m.body for m in t.customer_messages()), "")
            return with_extra(t, description=first) if first else with_extra(t)

        rid, org = ticket.requester_id, ticket.organization
        by_requester = [described(t) for t in tickets if rid and t.requester_id == rid]
        by_org = [described(t) for t in tickets if org and t.organization == org]
        return history(ticket, by_requester, by_org, since, limit)

    def rate_budget(self) -> RateBudget:
        return self._budget

    def groups(self) -> list[Group]:
        self._budget.record(None)
        with self._lock:
            return [g for g, _ in self._group_list()]

    def reassign(self, ticket_id: str, group_id: str, note: str) -> None:
        """Only after the agent confirmed it in the UI (see `SupportsReassign`). The note goes to
        the notes sidecar first, then the new group to `demo_assignments.json`."""
        self._budget.record(None)
        key = self._key(ticket_id)
        with self._lock:
            if key not in self._load():
                raise NotFoundError(f"The demo helpdesk has no ticket {key}.")
            if group_id not in {g.id for g, _ in self._group_list()}:
                raise NotFoundError(f"The demo helpdesk has no group {group_id!r}.")
            self._add_note(key, note)
            moves = self._sidecar(self.assignments_path)
            moves[key] = {"group": group_id, "assignee": "", "at": datetime.now(UTC).isoformat()}
            self._write(self.assignments_path, moves)

    def ticket_url(self, ticket_id: str) -> str:
        return f"demo://tickets/{self._key(ticket_id)}"

    def recently_viewed(self) -> list[str]:
        return []

    def close(self) -> None:
        pass


def _fields(ticket: Ticket) -> dict[str, Any]:
    return {f: getattr(ticket, f) for f in Ticket.__dataclass_fields__}
