"""The injection set as tickets, and the internal-only text of an index (tests and the answer bench)."""

from __future__ import annotations

from typing import Any

from assist.helpdesk.demo import map_ticket
from assist.tickets import Ticket


def injection_ticket(row: dict[str, Any]) -> Ticket:
    """A row of eval/injection_tickets.jsonl as the demo helpdesk (and `assist ask --ticket`) builds it."""
    return map_ticket(
        {
            "id": row["id"],
            "subject": row["subject"],
            "status": "open",
            "requester": row["requester"],
            "messages": [
                {
                    "id": f"{row['id']}-1",
                    "author": row["requester"]["name"],
                    "role": "customer",
                    "body": row["body"],
                }
            ],
        }
    )


def internal_texts(store: Any) -> list[str]:
    """The passages of every document the index records as internal-only."""
    texts: list[str] = []
    for uid in store.docs():
        chunks = store.doc_chunks(uid)
        if chunks and chunks[0].meta.get("internal"):
            texts += [c.text for c in chunks]
    return texts
