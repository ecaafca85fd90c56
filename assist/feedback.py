"""Local feedback from the agent: helpful / wrong source / the KB is missing this.

Stored in SQLite in the user data dir, never sent anywhere; the gap report reads it.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

FeedbackKind = Literal["helpful", "wrong_source", "missing"]
KINDS: tuple[str, ...] = ("helpful", "wrong_source", "missing")


@dataclass(frozen=True, slots=True)
class FeedbackEntry:
    kind: FeedbackKind
    ticket_id: str
    query: str
    doc_uid: str = ""
    """The article the feedback is about (empty for "the KB is missing this")."""
    title: str = ""
    note: str = ""
    created_at: float = 0.0


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS feedback (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, "
            "ticket_id TEXT, query TEXT, doc_uid TEXT, title TEXT, note TEXT, created_at REAL)"
        )
        self._db.commit()

    def record(self, entry: FeedbackEntry) -> None:
        if entry.kind not in KINDS:
            raise ValueError(f"feedback kind must be one of {', '.join(KINDS)}")
        with self._db:
            self._db.execute(
                "INSERT INTO feedback(kind, ticket_id, query, doc_uid, title, note, created_at) "
                "VALUES (?,?,?,?,?,?,?)",
                (
                    entry.kind,
                    entry.ticket_id,
                    entry.query,
                    entry.doc_uid,
                    entry.title,
                    entry.note,
                    entry.created_at or time.time(),
                ),
            )

    def entries(self, kind: str | None = None) -> list[FeedbackEntry]:
        sql = "SELECT kind, ticket_id, query, doc_uid, title, note, created_at FROM feedback"
        rows = (
            self._db.execute(sql + " WHERE kind=? ORDER BY id", (kind,))
            if kind
            else self._db.execute(sql + " ORDER BY id")
        )
        return [FeedbackEntry(*r) for r in rows]

    def close(self) -> None:
        self._db.close()
