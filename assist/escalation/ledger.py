"""Which alerts the agent has already been told about: one notification per ticket and rule, with
snooze. Kept in a small JSON file in the user data dir so a restart does not repeat every alert.

A rule with `rearm = "on_clear"` is forgotten once its condition no longer holds for the ticket,
so a new episode (a new wait after the agent replied) notifies again; "never" stays quiet.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from assist.escalation.model import Alert
from assist.escalation.rules import EscalationRules


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    notified_at: datetime
    snoozed_until: datetime | None = None


def _key(ticket_id: str, rule: str) -> str:
    return f"{ticket_id}\t{rule}"


class AlertLedger:
    def __init__(self, path: Path | None = None) -> None:
        """`path=None` keeps the ledger in memory only (tests, `assist queue` one-shots)."""
        self.path = path
        self._lock = threading.Lock()
        self._entries: dict[str, LedgerEntry] = self._read()

    def _read(self) -> dict[str, LedgerEntry]:
        if self.path is None:
            return {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # a damaged ledger costs at most one repeated notification per alert
        entries = {}
        for key, value in raw.items() if isinstance(raw, dict) else ():
            try:
                snooze = value.get("snoozed_until")
                entries[key] = LedgerEntry(
                    datetime.fromisoformat(value["notified_at"]),
                    datetime.fromisoformat(snooze) if snooze else None,
                )
            except (KeyError, TypeError, ValueError, AttributeError):
                continue
        return entries

    def _write(self) -> None:
        if self.path is None:
            return
        data = {
            k: {
                "notified_at": e.notified_at.isoformat(),
                "snoozed_until": e.snoozed_until.isoformat() if e.snoozed_until else None,
            }
            for k, e in self._entries.items()
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(tmp, self.path)

    def to_notify(
        self, ticket_id: str, alerts: Iterable[Alert], rules: EscalationRules, now: datetime
    ) -> list[Alert]:
        """The alerts of this ticket the agent has not been told about yet (and records them)."""
        firing = {a.rule: a for a in alerts}
        rearm = {r.name: r.rearm for r in rules.alerts}
        fresh: list[Alert] = []
        with self._lock:
            changed = False
            for rule, mode in rearm.items():
                key = _key(ticket_id, rule)
                entry = self._entries.get(key)
                if rule not in firing:
                    snoozed = entry and entry.snoozed_until and entry.snoozed_until > now
                    if entry is not None and mode == "on_clear" and not snoozed:
                        del self._entries[key]
                        changed = True
                    continue
                if entry is None:
                    self._entries[key] = LedgerEntry(now)
                    fresh.append(firing[rule])
                    changed = True
                elif entry.snoozed_until is not None and entry.snoozed_until <= now:
                    self._entries[key] = LedgerEntry(now)  # the snooze is over: remind once
                    fresh.append(firing[rule])
                    changed = True
            if changed:
                self._write()
        return fresh

    def snooze(self, ticket_id: str, rule: str, minutes: float, now: datetime | None = None) -> datetime:
        now = now or datetime.now(UTC)
        until = now + timedelta(minutes=minutes)
        with self._lock:
            self._entries[_key(ticket_id, rule)] = LedgerEntry(now, until)
            self._write()
        return until

    def snoozed_until(self, ticket_id: str, rule: str) -> datetime | None:
        entry = self._entries.get(_key(ticket_id, rule))
        return entry.snoozed_until if entry else None

    def forget_ticket(self, ticket_id: str) -> None:
        """The ticket left the queue (solved, re-assigned): its alerts start afresh if it returns."""
        with self._lock:
            prefix = f"{ticket_id}\t"
            keys = [k for k in self._entries if k.startswith(prefix)]
            for k in keys:
                del self._entries[k]
            if keys:
                self._write()
