"""Text out of binary office files (PDF, DOCX), as Markdown, for every reader.

Each helper takes the file's bytes and returns Markdown, or raises `ValueError` whose message is
the reason shown in the report ("encrypted PDF", "broken DOCX: …"), so a reader can turn it into
`SkipFile(str(exc))` unchanged. Nothing here knows about exports, paths or readers.

- PDF: one `<!-- page N -->` line before each page's text, so chunks can cite their page.
- DOCX: headings, lists and tables keep their structure (`#`, `- `, pipe tables), in document order.

Example:
    markdown = file_to_markdown("guide.pdf", data)
"""

from __future__ import annotations

import io
import logging
import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from indexer.convert import decode_text, tidy_markdown

if TYPE_CHECKING:  # python-docx is imported lazily: most runs never meet a DOCX
    from docx.table import Table
    from docx.text.paragraph import Paragraph

__all__ = ["TEXT_FILE_SUFFIXES", "docx_to_markdown", "file_to_markdown", "pdf_to_markdown", "pipe_table"]

TEXT_FILE_SUFFIXES = frozenset({".pdf", ".docx", ".md", ".markdown", ".txt", ".text"})
"""File types `file_to_markdown` can read."""

PAGE_MARKER = "<!-- page {n} -->"

_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


# -- PDF ------------------------------------------------------------------------------------------


def pdf_to_markdown(data: bytes) -> str:
    """Text of every page, each preceded by a `<!-- page N -->` line (N counts from 1).

    Raises ValueError for encrypted PDFs that need a password, unreadable files, and PDFs
    without a text layer (scans), since indexing any of them would store nothing useful.
    """
    from pypdf import PdfReader

    # pypdf logs every recoverable oddity of real-world PDFs as a warning; the report only
    # needs the outcome, so keep the log readable.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    if b"%PDF-" not in data[:1024]:
        # pypdf would "repair" almost anything; a file without the header is not a PDF at all.
        raise ValueError("broken PDF: not a PDF file (no %PDF header)" if data.strip() else "empty file")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
    except Exception as exc:  # pypdf raises many types (KeyError, struct.error…) on bad files
        raise ValueError(f"broken PDF: {_short(exc)}") from exc
    if encrypted:
        # Many "encrypted" PDFs only restrict printing/copying and open with an empty user
        # password; only the ones that really need a password are refused.
        try:
            opened = reader.decrypt("")
        except Exception as exc:  # unsupported algorithm, missing crypto backend, damaged keys
            raise ValueError(f"encrypted PDF (cannot decrypt: {_short(exc)})") from exc
        if not opened:
            raise ValueError("encrypted PDF (password required)")
    try:
        pages = reader.pages
        page_count = len(pages)
    except Exception as exc:
        raise ValueError(f"broken PDF: {_short(exc)}") from exc

    parts: list[str] = []
    failures = 0
    for number in range(page_count):
        try:
            text = pages[number].extract_text() or ""
        except Exception:
            # One damaged page should not cost the rest of the document.
            failures += 1
            continue
        text = _clean_pdf_text(text)
        if text:
            parts.append(f"{PAGE_MARKER.format(n=number + 1)}\n\n{text}")
    if not parts:
        if page_count and failures == page_count:
            raise ValueError("broken PDF: no page could be read")
        raise ValueError("no extractable text (scanned PDF?)")
    return tidy_markdown("\n\n".join(parts))


def _clean_pdf_text(text: str) -> str:
    text = _CONTROL_CHARS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip()


# -- DOCX -----------------------------------------------------------------------------------------


def docx_to_markdown(data: bytes) -> str:
    """Body of a Word document as Markdown: headings, list items and tables, in order.

    Headers, footers, comments and images are left out. Raises ValueError for files python-docx
    cannot open (not a DOCX, corrupt zip, legacy .doc) and for documents without any text.
    """
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
        blocks: list[str] = []
        for item in document.iter_inner_content():
            if isinstance(item, Paragraph):
                line = _docx_paragraph(item)
                if line:
                    blocks.append(line)
            elif isinstance(item, Table):
                table = _docx_table(item)
                if table:
                    blocks.append(table)
    except Exception as exc:  # python-docx surfaces zip, XML and package errors of all kinds
        raise ValueError(f"broken DOCX: {_short(exc)}") from exc
    markdown = _join_blocks(blocks)
    if not markdown.strip():
        raise ValueError("empty document (no text)")
    return tidy_markdown(markdown)


def _docx_paragraph(paragraph: Paragraph) -> str:
    text = " ".join(paragraph.text.split())
    if not text:
        return ""
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    if style == "Title":
        return f"# {text}"
    m = _HEADING_STYLE.match(style)
    if m:
        return f"{'#' * max(1, min(int(m.group(1)), 6))} {text}"
    level = _list_level(paragraph)
    if level is not None:
        bullet = "1." if "number" in style.lower() else "-"
        return f"{'  ' * level}{bullet} {text}"
    return text


def _list_level(paragraph: Paragraph) -> int | None:
    """Nesting level for list paragraphs (list styles or Word numbering), else None."""
    style = ((paragraph.style.name if paragraph.style is not None else "") or "").lower()
    ppr = paragraph._p.pPr
    num_pr = ppr.numPr if ppr is not None else None
    if num_pr is None and not style.startswith("list"):
        return None
    if num_pr is not None and num_pr.ilvl is not None and num_pr.ilvl.val is not None:
        return int(num_pr.ilvl.val)
    # "List Bullet 2" and friends carry the level in the style name.
    m = re.search(r"(\d)$", style)
    return int(m.group(1)) - 1 if m else 0


def _docx_table(table: Table) -> str:
    rows: list[list[str]] = []
    for row in table.rows:
        rows.append([_cell_text(cell.text) for cell in row.cells])
    rows = [r for r in rows if any(r)]
    if not rows:
        return ""
    return pipe_table(rows)


def _cell_text(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def pipe_table(rows: list[list[str]]) -> str:
    """A Markdown pipe table; the first row is the header (Word tables have no <th>)."""
    width = max(len(r) for r in rows)
    padded = [r + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(padded[0]) + " |", "| " + " | ".join(["---"] * width) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in padded[1:]]
    return "\n".join(lines)


def _join_blocks(blocks: list[str]) -> str:
    # Consecutive list items stay in one list; everything else is its own paragraph.
    out: list[str] = []
    for block in blocks:
        if out and _is_list_item(block) and _is_list_item(out[-1]):
            out[-1] += "\n" + block
        else:
            out.append(block)
    return "\n\n".join(out) + "\n"


def _is_list_item(block: str) -> bool:
    return bool(re.match(r"^\s*(?:-|1\.) ", block))


# -- any supported file ---------------------------------------------------------------------------


def file_to_markdown(name: str, data: bytes) -> str:
    """Markdown for a PDF, DOCX, Markdown or plain-text file, chosen by the name's suffix.

    Raises ValueError with a reason for unsupported types and unusable content.
    """
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".pdf":
        return pdf_to_markdown(data)
    if suffix == ".docx":
        return docx_to_markdown(data)
    if suffix in TEXT_FILE_SUFFIXES:
        if not data.strip():
            raise ValueError("empty file")
        text = decode_text(data)
        if not text.strip():
            raise ValueError("empty file")
        return tidy_markdown(text)
    raise ValueError(f"unsupported file type {suffix or '(none)'}")


def _short(exc: BaseException) -> str:
    message = str(exc).strip() or type(exc).__name__
    return message if len(message) <= 160 else message[:157] + "…"
