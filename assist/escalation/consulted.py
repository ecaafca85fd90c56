"""Which KB articles the agent consulted for each ticket: a small local log the handoff summary
lists ("shown", "opened" or "cited" in the sidebar) and routing reads the KB sections from.

Kept in SQLite in the user data dir, never sent anywhere. One row per ticket and article: an
article shown, then opened, then cited is stored once, as "cited" (the strongest use wins).

    log = ConsultedLog()                           # data_dir()/consulted.sqlite3
    log.record("1003", ConsultedArticle("docs:Bulbs.md", "Bulbs flicker when dimmed",
               "Troubleshooting > Bulbs", "https://kb/…", "opened", datetime.now(UTC)))
    log.for_ticket("1003")                         # strongest first, then oldest first
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

HOW_RANK = {"shown": 1, "opened": 2, "cited": 3}
"""How strongly the agent used an article; a stronger use replaces a weaker one."""


@dataclass(frozen=True, slots=True)
class ConsultedArticle:
    doc_id: str
    """The article's stable id (`DocHit.doc_uid`)."""
    title: str
    section: str
    """Where it sits in the KB ("Billing FAQ > Refunds"); routing matches the rules' `sections`."""
    url: str
    how: str
    """"shown", "opened" or "cited"."""
    at: datetime
    """When it was used that way (for the strongest use kept)."""


def default_consulted_path() -> Path:
    from common.paths import data_dir

    return data_dir() / "consulted.sqlite3"


def strongest(articles: Iterable[ConsultedArticle]) -> list[ConsultedArticle]:
    """One entry per article, its strongest use (the earliest at that strength); strongest first,
    then in the order the agent met them."""
    best: dict[str, ConsultedArticle] = {}
    for a in articles:
        seen = best.get(a.doc_id)
        if seen is None or HOW_RANK.get(a.how, 0) > HOW_RANK.get(seen.how, 0):
            best[a.doc_id] = a
    return sorted(best.values(), key=lambda a: (-HOW_RANK.get(a.how, 0), _utc(a.at)))


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class ConsultedLog:
    """Thread-safe: the sidebar records from its worker threads while the handoff reads.

    Args:
        path: The SQLite file; None = `default_consulted_path()` in the user data dir.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_consulted_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, timeout=10)
        with self._db:
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS consulted (ticket_id TEXT NOT NULL, doc_id TEXT NOT NULL, "
                "title TEXT, section TEXT, url TEXT, how TEXT NOT NULL, at TEXT NOT NULL, "
                "PRIMARY KEY (ticket_id, doc_id))"
            )

    def record(self, ticket_id: str, article: ConsultedArticle) -> None:
        """Keep `article` for the ticket unless a stronger (or equal, earlier) use is stored."""
        if article.how not in HOW_RANK:
            raise ValueError(f"how must be one of {', '.join(HOW_RANK)}, not {article.how!r}")
        key = (str(ticket_id), article.doc_id)
        with self._lock, self._db:
            row = self._db.execute(
                "SELECT how FROM consulted WHERE ticket_id = ? AND doc_id = ?", key
            ).fetchone()
            if row is not None and HOW_RANK.get(row[0], 0) >= HOW_RANK[article.how]:
                return
            self._db.execute(
                "INSERT OR REPLACE INTO consulted (ticket_id, doc_id, title, section, url, how, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    *key,
                    article.title,
                    article.section,
                    article.url,
                    article.how,
                    _utc(article.at).isoformat(),
                ),
            )

    def for_ticket(self, ticket_id: str) -> list[ConsultedArticle]:
        """The ticket's articles, strongest use first, then in the order the agent met them."""
        with self._lock:
            rows = self._db.execute(
                "SELECT doc_id, title, section, url, how, at FROM consulted WHERE ticket_id = ?",
                (str(ticket_id),),
            ).fetchall()
        articles = [
            ConsultedArticle(d, t or "", s or "", u or "", how, datetime.fromisoformat(at))
            for d, t, s, u, how, at in rows
        ]
        return strongest(articles)

    def close(self) -> None:
        with self._lock:
            self._db.close()
