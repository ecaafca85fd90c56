"""Which KB articles the agent consulted for a ticket, for the handoff summary and its routing.

The controller calls the recorder at three moments: the sidebar shows source cards ("shown"), the
agent opens an article ("opened"), and the agent copies or saves a draft that cites articles
("cited"). Writes go to the `ConsultedLog` (SQLite in the user data dir) in a worker; the same
ticket, article and use is written once per session.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ui.workers import WorkerPool

if TYPE_CHECKING:
    from assist import Citation, DocHit

log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def section_of(hit: DocHit | None) -> str:
    """Where the article sits in the KB: its breadcrumb, else its space (routing globs match it)."""
    if hit is None:
        return ""
    return hit.hierarchy or hit.space or ""


class ConsultedRecorder:
    """Records consulted articles without blocking the GUI thread.

    Args:
        log: a `ConsultedLog` (anything with `record(ticket_id, ConsultedArticle)`).
        pool: the sidebar's worker threads.
    """

    def __init__(self, log: Any, pool: WorkerPool, clock: Callable[[], datetime] = _utcnow) -> None:
        self.log = log
        self.pool = pool
        self.clock = clock
        self._seen: set[tuple[str, str, str]] = set()

    def shown(self, ticket_id: str, hits: Iterable[DocHit]) -> None:
        self._record(ticket_id, [(h.doc_uid, h.title, section_of(h), h.url or "") for h in hits], "shown")

    def opened(self, ticket_id: str, hit: DocHit) -> None:
        self._record(ticket_id, [(hit.doc_uid, hit.title, section_of(hit), hit.url or "")], "opened")

    def cited(self, ticket_id: str, citations: Iterable[Citation], hits: Iterable[DocHit] = ()) -> None:
        """`hits`: the results shown, to find each cited article's section."""
        by_uid = {h.doc_uid: h for h in hits}
        items = [
            (c.doc_uid, c.title, section_of(by_uid.get(c.doc_uid)), c.url or "")
            for c in citations
            if c.doc_uid
        ]
        self._record(ticket_id, items, "cited")

    def _record(self, ticket_id: str, items: list[tuple[str, str, str, str]], how: str) -> None:
        fresh = []
        for doc_id, title, section, url in items:
            key = (ticket_id, doc_id, how)
            if ticket_id and key not in self._seen:
                self._seen.add(key)
                fresh.append((doc_id, title, section, url))
        if not fresh:
            return
        store, at = self.log, self.clock()

        def work(_ev: threading.Event) -> int:
            from assist.escalation.consulted import ConsultedArticle

            for doc_id, title, section, url in fresh:
                store.record(ticket_id, ConsultedArticle(doc_id, title, section, url, how, at))
            return len(fresh)

        self.pool.submit(
            work,
            name=f"consulted {how}",
            errored=lambda _t, exc: log.warning("consulted articles not recorded: %r", exc),
        )
