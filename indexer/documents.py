"""The values that flow through the indexer: DocRef → RawDocument → Chunk → stored chunk."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

SOURCE_KINDS = ("confluence", "notion", "docs")


@dataclass(frozen=True, slots=True)
class DocRef:
    """A document a reader found while scanning a source, before it is parsed.

    Scanning is cheap (no parsing); the pipeline compares `fingerprint` with the catalog and
    only calls `Reader.load` for new or changed documents, so a no-op re-run stays fast.
    """

    key: str
    """Stable id of the document inside its source (e.g. `page:12345` or a member path)."""
    path: str
    """Path of the file inside the export (for a zip, the member path)."""
    fingerprint: str
    """Changes whenever anything the document is built from changes (file bytes, page tree…)."""
    parent_key: str | None = None
    """For attachments: the key of the page they belong to."""


@dataclass(frozen=True, slots=True)
class RawDocument:
    """One page/article/attachment as Markdown with its metadata, as a reader returns it."""

    key: str
    path: str
    title: str
    markdown: str
    """Body as Markdown. PDF readers mark page starts with `<!-- page N -->` lines."""
    hierarchy: tuple[str, ...] = ()
    """Ancestors from the top of the space/workspace/folder down to the parent, not the title."""
    url: str | None = None
    updated: str | None = None
    """ISO 8601 date (or datetime) of the last change, when the export has it."""
    author: str | None = None
    editor: str | None = None
    parent_key: str | None = None
    tags: tuple[str, ...] = ()
    properties: dict[str, str] = field(default_factory=dict)
    """Extra metadata: database properties, space key, page id, file type…"""

    def content_hash(self) -> str:
        """Hash of everything that ends up in the index for this document."""
        payload = json.dumps(
            [
                self.title,
                self.markdown,
                list(self.hierarchy),
                self.url,
                self.updated,
                self.author,
                self.editor,
                self.parent_key,
                list(self.tags),
                sorted(self.properties.items()),
            ],
            ensure_ascii=False,
        )
        return hashlib.sha1(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file that was not indexed, and why (shown in the report)."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Chunk:
    """A heading-bounded piece of a document, small enough for the embedder's input limit."""

    id: str
    doc_key: str
    ordinal: int
    text: str
    """The passage itself (Markdown), as shown to the agent."""
    embed_text: str
    """What the embedder sees: title and heading path, then the passage. Never truncated."""
    heading: str
    """Heading path inside the document, ` > `-joined; empty for the lead section."""
    page: int | None = None
    """PDF page the passage starts on, for citations."""
