"""Reader for Notion exports: "Markdown & CSV" (zip, multi-part zip, folder) and "HTML".

Layout of an export (ids are 32 hex digits Notion appends to every page name):

    Export-<uuid>/                          top folder of newer exports (dropped)
      index.html                            tree of links, not a page
      Handbook <id>.md                      a page; its sub-pages live in the folder of the same name
      Handbook <id>/
        Payments <id>.csv                   a database: one row per record (UTF-8 BOM, CRLF)
        Payments <id>_all.csv               the same rows with every property: a duplicate
        Payments <id>/Refunds <id>.md       a row's page: "# Title", "Key: value" lines, body
        Payments <id>/Refunds <id>/x.png    attachments: not documents

A database row's CSV values become the document's properties, tags and `updated`, and one
"Owner: … · Tags: …" line at the top of its Markdown, replacing the page's own property lines so
they are not indexed twice. Rows without a page (databases exported without their pages, or rows
whose page was never opened) become small documents of their properties when they hold any
value, unless a page of the same title exists elsewhere in the export (linked database views
repeat rows of the original database).

Example:
    reader = NotionReader()
    refs = reader.scan(open_tree(Path("Export.zip")), skipped)
    doc = reader.load(refs[0])
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from bs4 import Tag

from indexer.convert import decode_text, html_to_markdown, parse_html, text_of, tidy_markdown
from indexer.documents import DocRef, RawDocument, Skipped
from indexer.sources import SkipFile, decode_or_skip, read_or_skip
from indexer.sources._tree import SourceTree
from indexer.sources.docs import html_parser, parse_date, rewrite_md_images

__all__ = ["NotionReader", "looks_like_notion", "split_notion_name"]

_FORMAT_VERSION = "notion1"
"""Part of every fingerprint: bump it when parsing changes so documents are re-read."""

_ID_NAME = re.compile(r"^(?P<name>.*?)\s*(?P<id>[0-9a-f]{32})(?P<all>_all)?$")
_PAGE_SUFFIXES = {".md", ".html"}
_EXPORT_FOLDER = re.compile(r"^Export-[0-9a-f-]{36}(?:-Part-\d+)?$", re.IGNORECASE)
_DEFAULT_BASE_URL = "https://www.notion.so"


def split_notion_name(name: str) -> tuple[str, str | None, bool]:
    """("Refunds", "0123…", False) for "Refunds 0123….md"; the id is None when there is none."""
    stem = name.rsplit(".", 1)[0] if "." in name else name
    m = _ID_NAME.match(stem)
    if not m:
        return stem.strip(), None, False
    return m.group("name").strip(), m.group("id"), bool(m.group("all"))


def looks_like_notion(tree: SourceTree) -> bool:
    """Most pages and tables of the tree are named like Notion's `Title <32-hex id>.md|html|csv`."""
    candidates = 0
    with_id = 0
    for f in tree.files():
        suffix = PurePosixPath(f.path).suffix.lower()
        if suffix not in {".md", ".html", ".csv"}:
            continue
        if PurePosixPath(f.path).name.lower() == "index.html":
            continue  # newer exports add an index.html without id next to the pages
        candidates += 1
        if split_notion_name(PurePosixPath(f.path).name)[1]:
            with_id += 1
    return with_id > 0 and with_id >= 0.6 * candidates


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def _hierarchy(path: str) -> tuple[str, ...]:
    """Folder names without their ids; the export's own top folder is not part of the workspace."""
    names: list[str] = []
    parts = PurePosixPath(path).parts[:-1]
    for index, part in enumerate(parts):
        name, page_id, _ = split_notion_name(part + ".x")
        if page_id is None and (index == 0 or _EXPORT_FOLDER.match(part)):
            continue  # "Export-<uuid>" or the folder someone zipped the export in
        names.append(name or part)
    return tuple(names)


# -- Markdown clean-up ----------------------------------------------------------------------------

_ASIDE_OPEN = re.compile(r"^(?P<indent>\s*)<aside>\s*(?P<rest>.*)$")
_ASIDE_CLOSE = re.compile(r"^(?P<before>.*?)</aside>\s*$")


def _callouts_to_quotes(markdown: str) -> str:
    """Notion callouts are raw `<aside>` blocks: make them blockquotes (Markdown inside them kept)."""
    out: list[str] = []
    inside = False
    indent = ""
    for line in markdown.split("\n"):
        if not inside:
            m = _ASIDE_OPEN.match(line)
            if not m:
                out.append(line)
                continue
            inside, indent = True, m.group("indent")
            line = m.group("rest")
            if not line.strip():
                continue
        close = _ASIDE_CLOSE.match(line)
        if close:
            inside = False
            line = close.group("before")
            if not line.strip():
                # Drop the blank quote line Notion leaves before </aside>.
                while out and out[-1].strip() == f"{indent}>".strip():
                    out.pop()
                continue
        content = line[len(indent) :] if line.startswith(indent) else line.lstrip()
        out.append(f"{indent}> {content}".rstrip())
    return "\n".join(out)


# `[text](target)`: relative targets may hold unencoded parentheses (Notion does not encode them,
# and one real title has an unbalanced ")"), so they end at the first ".md)" / ".csv)" / ".html)".
_LINK_TEXT = r"\[((?:[^\[\]]|\[[^\[\]]*\])*)\]"  # one level of nested brackets: "[[1]](…)" footnotes
_RELATIVE_LINK = re.compile(
    rf"(?<!!){_LINK_TEXT}\((?!https?:|mailto:)[^\s\[\]]*?\.(?:md|csv|html?)(?:#[^\s)]*)?\)"
)
_NOTION_LINK = re.compile(rf"(?<!!){_LINK_TEXT}\(https?://(?:www\.)?notion\.so/[^\s)]*\)")
_RELATIVE_IMAGE = re.compile(
    rf"!{_LINK_TEXT}\((?!https?:)[^\s\[\]]*?\.(?:png|jpe?g|gif|svg|webp|bmp|tiff?|heic|pdf|mp4|mov)\)",
    re.IGNORECASE,
)


def _clean_links(markdown: str) -> str:
    """Links into the export and to notion.so mean nothing outside Notion: keep their text."""

    def image(m: re.Match[str]) -> str:
        alt = m.group(1).strip()
        # Without a caption Notion uses the file path as alt text: that is not worth indexing.
        if not alt or "%20" in alt or "/" in alt or _FILE_NAME.search(alt):
            return ""
        return f"[image: {alt}]"

    markdown = _RELATIVE_IMAGE.sub(image, markdown)
    markdown = _RELATIVE_LINK.sub(lambda m: m.group(1), markdown)
    markdown = _NOTION_LINK.sub(lambda m: m.group(1), markdown)
    return rewrite_md_images(markdown)


_RELATION_TARGET = re.compile(r"\s*\((?:[^()\s]|\([^()\s]*\))*?\.(?:md|csv|html)\)")


def _clean_value(value: str) -> str:
    """Relation cells read "Page (Page%20<id>.md)": the page name is the value."""
    return _clean_links(_RELATION_TARGET.sub("", value)).strip()


_FILE_NAME = re.compile(r"\.(?:png|jpe?g|gif|svg|webp|bmp|tiff?|heic)$", re.IGNORECASE)

_PROPERTY_LINE = re.compile(r"^(?P<key>[^:\n]{1,60}):(?:\s+(?P<value>.*))?$")


def _split_title(text: str) -> tuple[str | None, list[str]]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if lines and lines[0].startswith("# "):
        return lines[0][2:].strip(), lines[1:]
    return None, lines


def _split_property_lines(lines: list[str], columns: frozenset[str]) -> tuple[dict[str, str], list[str]]:
    """The "Key: value" block Notion writes after a database row's title, and the rest.

    Only a block whose keys are all columns of the database counts, so a first paragraph
    such as "Note: …" stays in the body.
    """
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    end = start
    props: dict[str, str] = {}
    while end < len(lines) and lines[end].strip():
        m = _PROPERTY_LINE.match(lines[end])
        if not m or m.group("key").strip().casefold() not in columns:
            return {}, lines  # not a property block after all: leave the page untouched
        props[m.group("key").strip()] = _clean_value(m.group("value") or "")
        end += 1
    return props, lines[end:]


# -- database rows --------------------------------------------------------------------------------


@dataclass(slots=True)
class _Row:
    database: str
    """Database name (the CSV's name without its id)."""
    database_id: str
    csv_path: str
    values: dict[str, str]
    """Column → value, in CSV order, the title column included."""
    title_column: str
    digest: str
    """Hash of the row's CSV record: part of the page's fingerprint."""

    @property
    def title(self) -> str:
        return self.values.get(self.title_column, "").strip() or "Untitled"


@dataclass(slots=True)
class _Entry:
    path: str
    kind: str
    """"md", "html" or "row" (a database row without a page)."""
    page_id: str | None
    hierarchy: tuple[str, ...]
    row: _Row | None = None
    columns: frozenset[str] = frozenset()
    """Case-folded column names of the database the page is a row of (empty: not a row)."""


def _read_csv(data: bytes) -> tuple[list[str], list[tuple[dict[str, str], str]]]:
    """Header and (row, digest) pairs of a Notion CSV (BOM, CRLF, quoted multi-line cells)."""
    text = decode_text(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = list(reader)
    if not rows:
        return [], []
    header = [h.strip() for h in rows[0]]
    out: list[tuple[dict[str, str], str]] = []
    for record in rows[1:]:
        if not any(cell.strip() for cell in record):
            continue  # Notion writes blank rows for empty database entries
        values = {
            header[i] if i < len(header) else f"Column {i + 1}": _clean_value(cell)
            for i, cell in enumerate(record)
        }
        digest = hashlib.sha1("\x1f".join(record).encode("utf-8")).hexdigest()[:12]
        out.append((values, digest))
    return header, out


def _property_fields(
    props: dict[str, str], title_column: str | None
) -> tuple[dict[str, str], tuple[str, ...], str | None, str | None, str | None]:
    """(properties, tags, updated, author, editor) from database properties."""
    properties: dict[str, str] = {}
    tags: tuple[str, ...] = ()
    updated: str | None = None
    author: str | None = None
    editor: str | None = None
    for key, value in props.items():
        if key == title_column or not value:
            continue
        properties[key] = value
        lowered = key.lower()
        if lowered in {"tags", "tag", "labels", "label", "keywords"}:
            tags = tuple(t for t in (p.strip() for p in value.split(",")) if t)
        elif lowered in {"last edited time", "last edited", "last updated", "updated", "last modified"}:
            updated = updated or parse_date(value)
        elif lowered in {"owner", "author", "created by"}:
            author = author or value
        elif lowered in {"last edited by", "editor", "updated by"}:
            editor = editor or value
    return properties, tags, updated, author, editor


def _header_line(properties: dict[str, str]) -> str:
    return " · ".join(f"{k}: {v}" for k, v in properties.items())


# -- the reader -----------------------------------------------------------------------------------


class NotionReader:
    """Notion "Markdown & CSV" and "HTML" exports, zipped (also multi-part) or unzipped."""

    kind = "notion"

    def __init__(self, base_url: str | None = None) -> None:
        self.base_url = (base_url or _DEFAULT_BASE_URL).rstrip("/")
        self._tree: SourceTree | None = None
        self._entries: dict[str, _Entry] = {}

    # -- scanning -----------------------------------------------------------------------------

    def scan(self, tree: SourceTree, skipped: list[Skipped]) -> list[DocRef]:
        self._tree = tree
        self._entries = {}
        files = [f.path for f in tree.files()]
        pages: dict[str, _Entry] = {}
        keys: dict[str, str] = {}
        csvs: dict[str, list[str]] = {}  # folder of the database → its CSV files
        for path in files:
            p = PurePosixPath(path)
            suffix = p.suffix.lower()
            if suffix == ".csv":
                csvs.setdefault(str(p.with_suffix("")), []).append(path)
                continue
            if suffix not in _PAGE_SUFFIXES:
                continue  # images and other attachments are not documents
            _, page_id, _ = split_notion_name(p.name)
            if suffix == ".html" and page_id is None:
                continue  # index.html (the export's table of contents) and stray HTML
            key = f"notion:{page_id}" if page_id else path
            if key in keys:
                # Multi-part exports can repeat a page; one copy is enough.
                skipped.append(Skipped(path, f"duplicate of {keys[key]}"))
                continue
            keys[key] = path
            pages[path] = _Entry(path, suffix[1:], page_id, _hierarchy(path))

        rows_without_page: list[_Row] = []
        for stem, paths in sorted(csvs.items()):
            name, db_id, _ = split_notion_name(PurePosixPath(stem).name)
            base = stem[: -len("_all")] if stem.endswith("_all") else stem
            if stem.endswith("_all") and base in csvs:
                continue  # `X_all.csv` repeats `X.csv` with more columns: read one of them
            csv_path = paths[0]
            try:
                header, records = _read_csv(tree.read(csv_path))
            except (OSError, ValueError, csv.Error) as exc:
                skipped.append(Skipped(csv_path, f"unreadable database CSV: {exc}"))
                continue
            if not header:
                continue
            folder = base  # the row pages live in the folder named like the CSV
            row_pages = {
                path: entry for path, entry in pages.items() if str(PurePosixPath(path).parent) == folder
            }
            columns = {h.casefold() for h in header}
            if base + "_all" in csvs and base in csvs:
                # The view's CSV may hide columns the row pages still list: take them from _all.
                try:
                    columns |= {h.casefold() for h in _read_csv(tree.read(csvs[base + "_all"][0]))[0]}
                except (OSError, ValueError, csv.Error):
                    pass
            for entry in row_pages.values():
                entry.columns = frozenset(columns)
            unclaimed = dict(row_pages)
            for values, digest in records:
                row = _Row(name, db_id or "", csv_path, values, header[0], digest)
                match = _match_row_page(row.title, unclaimed)
                if match is None:
                    rows_without_page.append(row)
                    continue
                del unclaimed[match]
                pages[match].row = row

        page_titles = {_norm(split_notion_name(PurePosixPath(p).name)[0]) for p in pages}
        # Linked views of one database are exported as more CSVs with the same name and the
        # same rows (fewer columns): keep the fullest copy of each row.
        fullest: dict[tuple[str, str], _Row] = {}
        for row in rows_without_page:
            filled = sum(1 for v in row.values.values() if v)
            ident = (_norm(row.database), _norm(row.title))
            known = fullest.get(ident)
            if known is None or filled > sum(1 for v in known.values.values() if v):
                fullest[ident] = row
        row_keys: set[str] = set()
        for row in rows_without_page:
            if fullest.get((_norm(row.database), _norm(row.title))) is not row:
                continue
            if not any(v for k, v in row.values.items() if k != row.title_column):
                continue  # nothing but a name: no content to index
            if _norm(row.title) in page_titles:
                continue  # a linked view repeating a row whose page is indexed elsewhere
            key = f"notion:{row.database_id or row.csv_path}:{_norm(row.title)[:80] or 'untitled'}"
            n = 2
            base_key = key
            while key in row_keys:
                key, n = f"{base_key}-{n}", n + 1
            row_keys.add(key)
            hierarchy = (*_hierarchy(row.csv_path), row.database)
            self._entries[key] = _Entry(row.csv_path, "row", None, hierarchy, row=row)

        for path, entry in pages.items():
            key = f"notion:{entry.page_id}" if entry.page_id else path
            self._entries[key] = entry

        refs: list[DocRef] = []
        for key, entry in sorted(self._entries.items(), key=lambda kv: (kv[1].path, kv[0])):
            refs.append(DocRef(key=key, path=entry.path, fingerprint=self._fingerprint(tree, entry)))
        return refs

    @staticmethod
    def _fingerprint(tree: SourceTree, entry: _Entry) -> str:
        parts = [_FORMAT_VERSION, entry.path, "/".join(entry.hierarchy)]
        if entry.kind != "row":
            parts.append(tree.fingerprint(entry.path))
        if entry.row is not None:
            parts.append(entry.row.digest)
            parts.append(entry.row.database)
        return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]

    # -- loading ------------------------------------------------------------------------------

    def load(self, ref: DocRef) -> RawDocument:
        if self._tree is None:
            raise RuntimeError("NotionReader.load called before scan")
        entry = self._entries.get(ref.key)
        if entry is None:
            raise SkipFile("not found in the export any more")
        if entry.kind == "row":
            return self._load_row(ref, entry)
        text = decode_or_skip(read_or_skip(self._tree, entry.path))
        if entry.kind == "html":
            return self._load_html(ref, entry, text)
        return self._load_md(ref, entry, text)

    def _url(self, page_id: str | None) -> str | None:
        return f"{self.base_url}/{page_id}" if page_id else None

    def _load_md(self, ref: DocRef, entry: _Entry, text: str) -> RawDocument:
        title, lines = _split_title(text)
        file_title = split_notion_name(PurePosixPath(entry.path).name)[0]
        page_props: dict[str, str] = {}
        if entry.columns:
            page_props, lines = _split_property_lines(lines, entry.columns)
        row = entry.row
        props: dict[str, str] = dict(row.values) if row else {}
        for key, value in page_props.items():
            # The CSV is authoritative; the page adds the columns the CSV view leaves out.
            if not props.get(key):
                props[key] = value
        title_column = row.title_column if row else None
        properties, tags, updated, author, editor = _property_fields(props, title_column)
        body = _clean_links(_callouts_to_quotes("\n".join(lines)))
        if properties:
            body = f"{_header_line(properties)}\n\n{body}"
        markdown = tidy_markdown(body) if body.strip() else ""
        if not markdown.strip():
            raise SkipFile("empty page")
        return RawDocument(
            key=ref.key,
            path=entry.path,
            title=title or (row.title if row else "") or file_title or "Untitled",
            markdown=markdown,
            hierarchy=entry.hierarchy,
            url=self._url(entry.page_id),
            updated=updated,
            author=author,
            editor=editor,
            tags=tags,
            properties=properties,
        )

    def _load_row(self, ref: DocRef, entry: _Entry) -> RawDocument:
        row = entry.row
        assert row is not None
        properties, tags, updated, author, editor = _property_fields(row.values, row.title_column)
        return RawDocument(
            key=ref.key,
            path=entry.path,
            title=row.title,
            markdown=tidy_markdown(_header_line(properties)),
            hierarchy=entry.hierarchy,
            url=self._url(row.database_id or None),
            updated=updated,
            author=author,
            editor=editor,
            tags=tags,
            properties=properties,
        )

    def _load_html(self, ref: DocRef, entry: _Entry, text: str) -> RawDocument:
        soup = parse_html(text, html_parser())
        title_el = soup.select_one("h1.page-title")
        title = text_of(title_el) or (text_of(soup.title) if soup.title else "")
        props: dict[str, str] = {}
        table = soup.select_one("table.properties")
        if isinstance(table, Tag):
            for tr in table.find_all("tr"):
                th, td = tr.find("th"), tr.find("td")
                if isinstance(th, Tag) and isinstance(td, Tag):
                    props[text_of(th)] = _html_property_value(td)
        body_el = soup.select_one("div.page-body") or soup.find("article") or soup.body or soup
        if isinstance(body_el, Tag):
            # Sub-page links are block figures; as inline they would glue onto the previous text.
            for figure in body_el.select("figure.link-to-page"):
                figure.name = "p"
            for time_el in body_el.find_all("time"):
                time_el.string = time_el.get_text().lstrip("@")
        markdown = html_to_markdown(body_el) if isinstance(body_el, Tag) else ""
        markdown = _clean_links(markdown)
        properties, tags, updated, author, editor = _property_fields(props, None)
        if properties:
            markdown = f"{_header_line(properties)}\n\n{markdown}"
        if not markdown.strip():
            raise SkipFile("empty page")
        return RawDocument(
            key=ref.key,
            path=entry.path,
            title=title or split_notion_name(PurePosixPath(entry.path).name)[0] or "Untitled",
            markdown=tidy_markdown(markdown),
            hierarchy=entry.hierarchy,
            url=self._url(entry.page_id),
            updated=updated,
            author=author,
            editor=editor,
            tags=tags,
            properties=properties,
        )


def _html_property_value(td: Tag) -> str:
    # People and multi-select cells hold one span per value, with avatar initials inside.
    for noise in td.select(".user-icon, img, svg"):
        noise.decompose()
    items = td.select(".selected-value, .user")
    if len(items) > 1:
        return ", ".join(t for t in (text_of(i) for i in items) if t)
    return text_of(td).lstrip("@").strip()


def _match_row_page(title: str, candidates: dict[str, _Entry]) -> str | None:
    """The row's page among the database folder's pages, by the title in the file name.

    File names drop characters such as `?` and `/`, and long titles are cut, so names are
    compared on letters and digits only, falling back to a prefix match.
    """
    wanted = _norm(title)
    prefix_match: str | None = None
    for path in sorted(candidates):
        name = _norm(split_notion_name(PurePosixPath(path).name)[0])
        if name == wanted:
            return path
        if prefix_match is None and len(name) >= 20 and wanted.startswith(name):
            prefix_match = path
    return prefix_match
