"""Agent Assist engine: the public API the sidebar uses (and nothing Qt).

from assist import Engine, load_settings
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "Answer",
    "Citation",
    "DocHit",
    "Draft",
    "Engine",
    "FeedbackEntry",
    "InternalOnly",
    "Message",
    "Passage",
    "SearchFilters",
    "SearchResult",
    "Settings",
    "Ticket",
    "TicketRef",
    "Token",
    "load_settings",
]

_LOCATIONS = {
    "Answer": "assist.answering",
    "Citation": "assist.answering",
    "Token": "assist.answering",
    "Draft": "assist.drafting",
    "InternalOnly": "assist.drafting",
    "DocHit": "assist.results",
    "Passage": "assist.results",
    "SearchResult": "assist.results",
    "SearchFilters": "assist.retrieval",
    "Engine": "assist.engine",
    "FeedbackEntry": "assist.feedback",
    "Message": "assist.tickets",
    "Ticket": "assist.tickets",
    "TicketRef": "assist.tickets",
    "Settings": "assist.config",
    "load_settings": "assist.config",
}

if TYPE_CHECKING:
    from assist.answering import Answer, Citation, Token
    from assist.config import Settings, load_settings
    from assist.drafting import Draft, InternalOnly
    from assist.engine import Engine
    from assist.feedback import FeedbackEntry
    from assist.results import DocHit, Passage, SearchResult
    from assist.retrieval import SearchFilters
    from assist.tickets import Message, Ticket, TicketRef


def __getattr__(name: str) -> Any:
    # Lazy: `import assist` must stay instant (the sidebar shows its window before anything loads).
    if name in _LOCATIONS:
        import importlib

        return getattr(importlib.import_module(_LOCATIONS[name]), name)
    raise AttributeError(name)
