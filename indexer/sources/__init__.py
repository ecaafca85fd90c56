"""Readers for each export kind, and detection of which kind a source is.

A reader scans a `SourceTree` (folder or zip) into `DocRef`s cheaply, then loads only the
documents the pipeline asks for. Single bad files are reported as `Skipped`, never raised.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from common.errors import SourceUnreadableError
from indexer.documents import DocRef, RawDocument, Skipped
from indexer.sources._tree import SourceTree, open_tree

__all__ = [
    "READERS",
    "Reader",
    "SkipFile",
    "decode_or_skip",
    "detect_kind",
    "make_reader",
    "open_tree",
    "read_or_skip",
]


class SkipFile(Exception):
    """Raised by a reader for a file it cannot use; the message is the reason shown."""


def read_or_skip(tree: SourceTree, path: str) -> bytes:
    """A file's bytes; `SkipFile` when unreadable or empty (every reader reports these alike)."""
    try:
        data = tree.read(path)
    except (OSError, ValueError) as exc:
        raise SkipFile(f"cannot read: {exc}") from exc
    if not data.strip():
        raise SkipFile("empty file")
    return data


def decode_or_skip(data: bytes) -> str:
    """Text of unknown encoding (see `decode_text`); `SkipFile` for binary content.

    Over-long lines and long runs of Markdown punctuation are tamed here (`bounds.tame_text`), before
    any reader's regular expressions see the text."""
    from indexer.bounds import tame_text
    from indexer.convert import decode_text

    try:
        return tame_text(decode_text(data))
    except ValueError as exc:
        raise SkipFile(str(exc)) from exc


class Reader(Protocol):
    """One export kind (Confluence HTML, Notion, docs folder)."""

    kind: str

    def scan(self, tree: SourceTree, skipped: list[Skipped]) -> list[DocRef]:
        """List the documents in the tree, appending unusable files to `skipped`."""
        ...

    def load(self, ref: DocRef) -> RawDocument:
        """Parse one document. Raises `SkipFile` with a reason when it cannot be used."""
        ...


def _reader_class(kind: str) -> Callable[..., Reader]:
    # Imported on demand: each reader pulls in its own parsing libraries.
    if kind == "confluence":
        from indexer.sources.confluence import ConfluenceReader

        return ConfluenceReader
    if kind == "notion":
        from indexer.sources.notion import NotionReader

        return NotionReader
    from indexer.sources.docs import DocsReader

    return DocsReader


READERS = ("confluence", "notion", "docs")


def detect_kind(tree: SourceTree) -> str:
    """Guess the export kind: Confluence, then Notion, else a plain docs folder."""
    from indexer.sources.confluence import looks_like_confluence
    from indexer.sources.notion import looks_like_notion

    if looks_like_confluence(tree):
        return "confluence"
    if looks_like_notion(tree):
        return "notion"
    return "docs"


def make_reader(kind: str, **options: object) -> Reader:
    if kind not in READERS:
        raise SourceUnreadableError(f"Unknown source kind {kind!r}; use one of {', '.join(READERS)}.")
    return _reader_class(kind)(**options)
