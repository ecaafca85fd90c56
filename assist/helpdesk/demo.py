"""A file-backed helpdesk: the shipped demo tickets, for the README walkthrough and offline use.

Reads `demo/tickets.jsonl` (one ticket per line). Internal notes go to a JSON sidecar in the user
data dir (`demo_notes.json`), never into the shipped file, which may be read-only inside an app
bundle and must stay pristine for the next demo.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assist.helpdesk._http import parse_time
from assist.tickets import Message, Sla, Ticket
from common.errors import ConfigError, NotFoundError

NAME = "demo"
_SOLVED = {"solved", "closed", "resolved"}
_ROLES = {"customer", "agent", "system"}


def default_tickets_path() -> Path:
    from common.paths import demo_dir

    return demo_dir() / "tickets.jsonl"


def default_notes_path() -> Path:
    from common.paths import data_dir

    return data_dir() / "demo_notes.json"


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


def map_ticket(raw: Mapping[str, Any], notes: Sequence[Mapping[str, Any]] = ()) -> Ticket:
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
        updated_at=parse_time(raw.get("updated_at"))
        or max(times + ([created] if created else []), default=None),
        url=f"demo://tickets/{tid}",
        sla=sla,
        extra={},
    )


class DemoProvider:
    """The demo helpdesk. Thread-safe: the sidebar may add a note while the tracker refreshes."""

    name = NAME

    def __init__(self, tickets_path: Path | None = None, notes_path: Path | None = None) -> None:
        self.tickets_path = Path(tickets_path or default_tickets_path())
        self.notes_path = Path(notes_path or default_notes_path())
        self._lock = threading.Lock()
        self._tickets: dict[str, Mapping[str, Any]] | None = None

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
                    tickets[str(raw["id"])] = raw
            self._tickets = tickets
        return self._tickets

    def _notes(self) -> dict[str, list[dict[str, Any]]]:
        try:
            data = json.loads(self.notes_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (json.JSONDecodeError, UnicodeDecodeError):
            return {}  # a damaged sidecar loses demo notes, it must not break the demo
        return data if isinstance(data, dict) else {}

    @staticmethod
    def _key(ticket_id: str) -> str:
        return str(ticket_id).strip().lstrip("#")

    def get_ticket(self, ticket_id: str) -> Ticket:
        key = self._key(ticket_id)
        with self._lock:
            raw = self._load().get(key)
            if raw is None:
                raise NotFoundError(f"The demo helpdesk has no ticket {key}.")
            return map_ticket(raw, self._notes().get(key, []))

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
            notes = self._notes()
            entry = {
                "id": f"{key}-note-{sum(len(v) for v in notes.values()) + 1}",
                "author": "You",
                "role": "agent",
                "public": False,
                "created_at": datetime.now(UTC).isoformat(),
                "body": body,
            }
            notes.setdefault(key, []).append(entry)
            self.notes_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.notes_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(notes, indent=1), encoding="utf-8")
            os.replace(tmp, self.notes_path)  # atomic: a crash never leaves half a file
        return map_message(entry, 0, key)

    def ticket_url(self, ticket_id: str) -> str:
        return f"demo://tickets/{self._key(ticket_id)}"

    def recently_viewed(self) -> list[str]:
        return []

    def close(self) -> None:
        pass


def _fields(ticket: Ticket) -> dict[str, Any]:
    return {f: getattr(ticket, f) for f in Ticket.__dataclass_fields__}
