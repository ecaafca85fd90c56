"""Heading-aware chunking sized to the embedder's real input limit.

A document is split into sections at Markdown headings; each section's blocks (paragraphs, lists,
fenced code, tables) are packed into chunks of about `target_tokens`. Code blocks and tables stay
whole when they fit; when one does not, it is split on line/row boundaries (a table repeats its
header row). Every chunk's `embed_text` — title, heading path and passage — is checked against
the model's limit with the model's own tokenizer, so nothing is ever silently truncated.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from indexer.documents import Chunk, RawDocument

TokenCounter = Callable[[list[str]], list[int]]

CHUNKING_VERSION = "3"
"""Bump when chunks of the same page change: the next run then re-chunks every indexed page.
2: FAQ questions written as bold lines start their own sections.
3: chunk metadata records whether the page is internal-only (`indexer.visibility`)."""

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_PAGE_MARK = re.compile(r"^<!--\s*page\s+(\d+)\s*-->$")
_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+")
_MD_INLINE = re.compile(r"[*_`]+")
# A line that is nothing but a bold question ("* **Why is X disabled?**", "**Can I …?**"): FAQ
# pages write their questions this way instead of as headings.
_BOLD_QUESTION = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?(\*\*|__)([^*_\n]{8,200}?)\1\s*$")
_FAQ_LEVEL = 7
"""Deeper than any Markdown heading: the next question or any real heading closes it."""


@dataclass(slots=True)
class _Block:
    text: str
    page: int | None
    kind: str  # "text", "code", "table"


@dataclass(slots=True)
class _Section:
    heading_path: tuple[str, ...]
    blocks: list[_Block]


def chunk_id(doc_uid: str, ordinal: int) -> str:
    """Deterministic: the same document and position always give the same id."""
    return f"{hashlib.sha1(doc_uid.encode('utf-8')).hexdigest()[:20]}-{ordinal:04d}"


def _clean_heading(text: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return _MD_INLINE.sub("", text).strip()


def _bold_question(line: str) -> str | None:
    """The question of a FAQ entry written as a bold line, so each Q&A gets its own section.

    Without this a FAQ page is packed into windows that cut answers from their questions, and
    its one heading-less section matches no question well.
    """
    m = _BOLD_QUESTION.match(line)
    if not m:
        return None
    text = _clean_heading(m.group(2))
    return text if text.endswith("?") else None


def split_sections(markdown: str) -> list[_Section]:
    """Split Markdown into heading sections made of whole blocks."""
    sections: list[_Section] = [_Section((), [])]
    stack: list[tuple[int, str]] = []
    page: int | None = None
    buf: list[str] = []
    buf_page: int | None = None
    lines = markdown.split("\n")
    i = 0

    faq_entry = False

    def flush(kind: str = "text") -> None:
        nonlocal buf
        text = "\n".join(buf).strip("\n")
        if faq_entry and kind == "text":
            text = textwrap.dedent(text)  # the answer was indented under its list-item question
        if text.strip():
            if kind == "text" and all(ln.lstrip().startswith("|") for ln in text.split("\n") if ln.strip()):
                kind = "table"
            sections[-1].blocks.append(_Block(text, buf_page, kind))
        buf = []

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        mark = _PAGE_MARK.match(stripped)
        if mark:
            flush()
            page = int(mark.group(1))
            i += 1
            continue
        fence = _FENCE.match(line)
        if fence:
            flush()
            marker = fence.group(1)
            code = [line]
            i += 1
            while i < len(lines):
                code.append(lines[i])
                if (
                    lines[i].strip().startswith(marker[0] * len(marker))
                    and lines[i].strip().strip(marker[0]) == ""
                ):
                    i += 1
                    break
                i += 1
            buf, buf_page = code, page
            flush("code")
            continue
        heading = _HEADING.match(line)
        question = None if heading else _bold_question(line)
        if heading or question:
            flush()
            level = len(heading.group(1)) if heading else _FAQ_LEVEL
            title = _clean_heading(heading.group(2)) if heading else question
            while stack and stack[-1][0] >= level:
                stack.pop()
            if title:
                stack.append((level, title))
            sections.append(_Section(tuple(t for _, t in stack), []))
            faq_entry = question is not None
            i += 1
            continue
        if not stripped:
            flush()
        else:
            if not buf:
                buf_page = page
            # A table starting right after text is its own block.
            if buf and stripped.startswith("|") and not buf[-1].lstrip().startswith("|"):
                flush()
                buf_page = page
            buf.append(line)
        i += 1
    flush()
    return [s for s in sections if s.blocks or s.heading_path]


class Chunker:
    """Packs sections into chunks that fit the embedder."""

    def __init__(self, count_tokens: TokenCounter, max_tokens: int, target_tokens: int = 200) -> None:
        self.count_tokens = count_tokens
        self.max_tokens = max_tokens
        self.target_tokens = min(target_tokens, max_tokens)

    def _prefix(self, doc: RawDocument, heading_path: tuple[str, ...]) -> str:
        # Titles and heading paths are capped so the passage always keeps most of the budget.
        title = doc.title[:200]
        head = " > ".join(heading_path)[:200]
        return f"{title}\n{head}\n\n" if head else f"{title}\n\n"

    def chunk(self, doc: RawDocument, doc_uid: str) -> list[Chunk]:
        pieces: list[tuple[tuple[str, ...], str, int | None]] = []
        for section in split_sections(doc.markdown):
            prefix = self._prefix(doc, section.heading_path)
            if not section.blocks:
                continue
            budget = self.max_tokens - self.count_tokens([prefix])[0] - 2
            target = max(32, min(self.target_tokens - self.count_tokens([prefix])[0], budget))
            blocks = self._fit_blocks(section.blocks, budget)
            sizes = self.count_tokens([b.text for b in blocks])
            cur: list[_Block] = []
            cur_tokens = 0
            for block, size in zip(blocks, sizes, strict=True):
                if cur and cur_tokens + size > target:
                    pieces.append(self._piece(section, cur))
                    cur, cur_tokens = [], 0
                cur.append(block)
                cur_tokens += size + 1
            if cur:
                pieces.append(self._piece(section, cur))
        if not pieces and doc.title.strip():
            # A page with a title and no body (a category page) is still findable by its title.
            pieces.append(((), doc.title, None))
        return self._enforce_limit(doc, doc_uid, self._build(doc, doc_uid, pieces))

    def _build(
        self, doc: RawDocument, doc_uid: str, pieces: list[tuple[tuple[str, ...], str, int | None]]
    ) -> list[Chunk]:
        """Number (heading path, passage, page) pieces into chunks with deterministic ids."""
        return [
            Chunk(
                id=chunk_id(doc_uid, n),
                doc_key=doc.key,
                ordinal=n,
                text=text,
                embed_text=self._prefix(doc, path) + text,
                heading=" > ".join(path),
                page=page,
            )
            for n, (path, text, page) in enumerate(pieces)
        ]

    @staticmethod
    def _piece(section: _Section, blocks: list[_Block]) -> tuple[tuple[str, ...], str, int | None]:
        page = next((b.page for b in blocks if b.page is not None), None)
        return section.heading_path, "\n\n".join(b.text for b in blocks), page

    def _fit_blocks(self, blocks: list[_Block], budget: int) -> list[_Block]:
        """Split blocks that alone exceed the budget, on the most natural boundary."""
        sizes = self.count_tokens([b.text for b in blocks])
        out: list[_Block] = []
        for block, size in zip(blocks, sizes, strict=True):
            if size <= budget:
                out.append(block)
            else:
                out.extend(self._split_block(block, budget))
        return out

    def _split_block(self, block: _Block, budget: int) -> list[_Block]:
        if block.kind == "code":
            lines = block.text.split("\n")
            opener, closer = lines[0], lines[-1] if len(lines) > 1 else "```"
            body = lines[1:-1] if len(lines) > 1 else lines
            units = body
            wrap = (opener + "\n", "\n" + closer)
            joiner = "\n"
        elif block.kind == "table":
            lines = block.text.split("\n")
            header = "\n".join(lines[:2]) if len(lines) > 2 else ""
            units = lines[2:] if header else lines
            wrap = (header + "\n" if header else "", "")
            joiner = "\n"
        else:
            units = [u for u in re.split(r"\n(?=\s*(?:[-*+]|\d+\.)\s)", block.text) if u.strip()]
            if len(units) <= 1:
                units = [u for u in _SENTENCE_END.split(block.text) if u.strip()]
            wrap = ("", "")
            joiner = "\n" if "\n" in block.text else " "
        overhead = self.count_tokens([wrap[0] + wrap[1]])[0] if any(wrap) else 0
        if overhead > budget // 4:
            # A header or fence line that is itself most of the budget (a 50,000-column table) would
            # be repeated on every piece and leave each piece a few tokens: don't repeat it.
            units = [wrap[0].strip(), *units] if wrap[0].strip() else units
            wrap, overhead = ("", ""), 0
        unit_budget = max(8, budget - overhead)
        sizes = self.count_tokens(units) if units else []
        pieces: list[list[str]] = []
        cur: list[str] = []
        cur_tokens = 0
        for unit, size in zip(units, sizes, strict=True):
            if size > unit_budget:
                if cur:
                    pieces.append(cur)
                    cur, cur_tokens = [], 0
                pieces.extend([[w] for w in self._split_words(unit, unit_budget)])
                continue
            if cur and cur_tokens + size > unit_budget:
                pieces.append(cur)
                cur, cur_tokens = [], 0
            cur.append(unit)
            cur_tokens += size
        if cur:
            pieces.append(cur)
        return [_Block(wrap[0] + joiner.join(p) + wrap[1], block.page, block.kind) for p in pieces]

    def _split_words(self, text: str, budget: int) -> list[str]:
        """Last resort for a run-on line: split on whitespace, halving until each part fits."""
        words = text.split()
        if len(words) <= 1:
            # One giant token-run (a hash, minified data): split by characters.
            step = max(16, len(text) // 2)
            parts = [text[i : i + step] for i in range(0, len(text), step)]
            if self.count_tokens([parts[0]])[0] > budget and step > 16:
                return [p for part in parts for p in self._split_words(part, budget)]
            return parts
        half = len(words) // 2
        out: list[str] = []
        for part in (" ".join(words[:half]), " ".join(words[half:])):
            if self.count_tokens([part])[0] > budget:
                out.extend(self._split_words(part, budget))
            else:
                out.append(part)
        return out

    def _enforce_limit(self, doc: RawDocument, doc_uid: str, chunks: list[Chunk]) -> list[Chunk]:
        """Guarantee: every embed_text fits the model. Re-split any chunk that does not."""
        sizes = self.count_tokens([c.embed_text for c in chunks])
        if all(s <= self.max_tokens for s in sizes):
            return chunks
        fixed: list[tuple[tuple[str, ...], str, int | None]] = []
        for chunk, size in zip(chunks, sizes, strict=True):
            path = tuple(chunk.heading.split(" > ")) if chunk.heading else ()
            if size <= self.max_tokens:
                fixed.append((path, chunk.text, chunk.page))
                continue
            prefix = chunk.embed_text[: len(chunk.embed_text) - len(chunk.text)]
            budget = self.max_tokens - self.count_tokens([prefix])[0] - 4
            for part in self._split_words(chunk.text, max(8, budget)):
                fixed.append((path, part, chunk.page))
        return self._build(doc, doc_uid, fixed)
