"""What retrieval returns: documents (articles) with their best passages, and a confidence."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Passage:
    """One chunk of an article that matched the query."""

    chunk_id: str
    text: str
    heading: str
    """Heading path inside the article, ` > `-joined; empty for the lead section."""
    score: float
    page: int | None = None


@dataclass(frozen=True, slots=True)
class DocHit:
    """One article in the results, with its best passages (best first)."""

    rank: int
    score: float
    """Fused relevance in 0..1 (1 = the best possible agreement of all signals)."""
    doc_id: str
    """The document's key inside its source (page id, Notion id, file path)."""
    doc_uid: str
    """Unique across sources."""
    title: str
    source: str
    """Source kind: confluence, notion or docs."""
    source_root: str
    path: str
    """The file's path inside its export (for a zip, the member path)."""
    url: str | None
    hierarchy: str
    """Breadcrumb, ` / `-joined."""
    updated: str | None
    passages: tuple[Passage, ...]
    tags: tuple[str, ...] = ()
    space: str = ""
    parent_key: str | None = None
    internal: bool = False
    """The document says it is internal-only (front matter, tags, banner, folder…), see
    `indexer.visibility`. Agents may read it; customer drafts never use it."""
    internal_reason: str = ""
    """Why it counts as internal, e.g. "front matter audience: internal"; empty when public."""

    @property
    def heading(self) -> str:
        return self.passages[0].heading if self.passages else ""

    @property
    def snippet(self) -> str:
        return self.passages[0].text if self.passages else ""


@dataclass(frozen=True, slots=True)
class Query:
    """A search query built from a ticket or typed by the agent."""

    text: str
    """Cleaned natural-language text for the dense side."""
    terms: tuple[str, ...] = ()
    """Content words for the lexical side."""
    phrases: tuple[str, ...] = ()
    """Verbatim strings (pasted error messages, codes) matched as phrases on the lexical side."""
    focus: tuple[str, ...] = ()
    """Terms of the headline (the ticket's subject): what the customer is asking about."""


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: Query
    hits: tuple[DocHit, ...]
    confidence: float
    """Calibrated 0..1: how likely the top article answers the query."""
    abstained: bool
    """True when confidence is below the threshold: the KB likely doesn't cover this."""
    timings: dict[str, float] = field(default_factory=dict)
