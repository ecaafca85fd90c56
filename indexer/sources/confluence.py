"""Reader for Confluence HTML space exports (Cloud, and Server/Data Center's same format).

An export is a zip or an unzipped folder; the space usually sits in a top folder named after
its key:

    SUPKB/index.html                           space details + the "Available Pages" tree
    SUPKB/Title-Of-The-Page_123456.html        one file per page; `<id>.html` when the title
    SUPKB/123457.html                          had characters Confluence had to percent-encode
    SUPKB/attachments/<pageId>/<attId>.<ext>   files attached to a page (images, PDFs…)
    SUPKB/styles/…, SUPKB/images/…             theme assets, never documents

Documents produced:

- one per page, key `page:<id>`: the `#main-content` as Markdown (code blocks fenced with their
  `brush:` language, tables as pipe tables, info/note/warning panels as labelled quotes). The
  page chrome (breadcrumbs, title header, page metadata, "Attachments:" list, footer) is left
  out. A page without body text but with child pages (a "folder" page) gets a list of its
  children, so it is still findable; a page with nothing but its title is skipped.
- one per text attachment (PDF, DOCX, TXT, Markdown), key `attachment:<pageId>/<attId>`, child
  of its page, titled with the file name the page's "Attachments:" list shows. Images are not
  documents.

Decisions worth knowing:

- `hierarchy` is the page's breadcrumb trail: space name first, then the ancestor pages, e.g.
  ("Support Knowledge Base", "Support Knowledge Base Home", "Software Support", "Upload"). The
  space name stays so results from different spaces can be told apart. It comes from
  index.html (parsed once in `scan`), or from the page's own breadcrumbs for pages that
  index.html does not list. Attachments add their page's title at the end.
- `DocRef.fingerprint` = the file's fingerprint + a hash of what index.html says about the page
  (title, ancestors, children), so moving a page in the tree re-indexes it even when its file
  is unchanged. Attachments also include their page's fingerprint (their title and place
  come from it).
- `updated` is the "last modified" date of the page-metadata line, as ISO 8601. When the line
  names no separate editor ("Created by X on D", "Created by X, last modified on D") the creator
  was also the last editor, so `editor` is the author.
- Links to other pages of the export become deep links when `base_url` is given, and plain text
  otherwise (a relative `123.html` is a dead link once the text is in the index); links to
  attachments and in-page anchors become plain text too.

Example:
    reader = ConfluenceReader(base_url="https://example.atlassian.net/wiki")
    refs = reader.scan(tree, skipped)
    doc = reader.load(refs[0])
"""

from __future__ import annotations

import hashlib
import html
import json
import posixpath
import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import unquote

from bs4 import BeautifulSoup, Tag

from indexer.convert import decode_text, html_to_markdown, parse_html, text_of
from indexer.documents import DocRef, RawDocument, Skipped
from indexer.sources import SkipFile, decode_or_skip, read_or_skip
from indexer.sources._filetext import TEXT_FILE_SUFFIXES, file_to_markdown
from indexer.sources._tree import SourceTree

__all__ = ["ConfluenceReader", "looks_like_confluence"]

_FORMAT_VERSION = "1"
"""Part of every fingerprint: bump it when the reader's output changes, so exports are re-read."""

try:  # lxml parses a page several times faster than html.parser; both give the same tree here.
    import lxml  # noqa: F401

    _PARSER = "lxml"
except ImportError:  # pragma: no cover - lxml is a dependency, but stay usable without it
    _PARSER = "html.parser"

_PAGE_FILE = re.compile(r"^(?:.*_)?(\d+)\.html?$", re.IGNORECASE)
"""`Title_123.html` or `123.html`: the page id is the trailing number."""
_PAGE_LINK = re.compile(r"^(?:[^/?#:]*_)?(\d+)\.html?(#.*)?$", re.IGNORECASE)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)
_ATTACHMENT_LINK = re.compile(
    r"""<a\s[^>]*?href=["']attachments/(\d+)/([^"'/?#]+)["'][^>]*>(.*?)</a>""", re.IGNORECASE | re.DOTALL
)
_TAGS = re.compile(r"<[^>]+>")
_INDEX_TITLE = re.compile(r"^\s*(\S+)\s+\((.+)\)\s*$")
_MEDIA_SUFFIXES = frozenset(
    {
        ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".svg", ".webp", ".ico", ".tif", ".tiff", ".heic",
        ".mp4", ".mov", ".avi", ".webm", ".mkv", ".wmv", ".mp3", ".wav", ".m4a",
    }
)  # fmt: skip
"""Attachments that are never documents and not worth a line in the report each."""
_ASSET_DIRS = frozenset({"styles", "images", "thumbnails"})
_META_LINE = re.compile(
    r"Created by\s+(?P<author>.+?)"
    r"(?:,\s*last (?:modified|updated)(?:\s+by\s+(?P<editor>.+?))?)?"
    r"\s+on\s+(?P<date>.+?)\s*$",
    re.IGNORECASE,
)
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%b %d, %Y",  # Confluence's default: "Jul 05, 2024"
    "%B %d, %Y",
    "%d %b %Y",
    "%d %B %Y",
    "%d %b, %Y",
    "%Y/%m/%d",
    "%d.%m.%Y",
)
_DATETIME_FORMATS = ("%Y-%m-%d %H:%M", "%b %d, %Y %H:%M", "%B %d, %Y %H:%M", "%Y-%m-%dT%H:%M:%S")
_NOISE_CLASSES = frozenset(
    {
        # Table-of-contents macros repeat the headings as a link list: noise in every chunk.
        "toc-macro",
        "expand-control-icon",
        "confluence-anchor-link",
        # Cloud UI pasted into pages (seen in real exports): flag notifications portal.
        "atlaskit-portal-container",
    }
)
_NOISE_CLASS_PARTS = ("likesAndLabels", "CommentsSection")
"""Cloud's generated class names (`ViewPage_likesAndLabelsContainer_nyS`): likes, labels, comments."""
_CHROME = (
    "#breadcrumb-section",
    "#breadcrumbs",
    "#main-header",
    "#title-heading",
    ".page-metadata",
    "#footer",
    ".footer-body",
    "div.pageSection",
)


@dataclass(frozen=True, slots=True)
class _Space:
    root: str
    """Folder of the space inside the export, with a trailing slash ("" at the top)."""
    key: str | None
    name: str | None


@dataclass(frozen=True, slots=True)
class _IndexEntry:
    title: str
    hierarchy: tuple[str, ...]
    children: tuple[str, ...]


@dataclass(slots=True)
class _SpaceIndex:
    space: _Space
    entries: dict[str, _IndexEntry] = field(default_factory=dict)
    """By page file name (no folder)."""


@dataclass(frozen=True, slots=True)
class _PageInfo:
    page_id: str
    path: str
    space: _Space
    entry: _IndexEntry | None
    """Title and place in the tree from index.html; None for pages it does not list."""


@dataclass(frozen=True, slots=True)
class _AttachmentInfo:
    page: _PageInfo
    attachment_id: str
    path: str
    file_name: str | None
    """Display name resolved during the scan (only for attachments stored without a suffix)."""


@dataclass(frozen=True, slots=True)
class _PageHead:
    """What a page file says about itself, outside the body."""

    title: str | None
    breadcrumbs: tuple[str, ...]
    author: str | None
    editor: str | None
    updated: str | None
    attachment_names: dict[str, str]
    labels: tuple[str, ...] = ()
    """The page's labels, when the export shows them (Cloud and Data Center page views do)."""
    restrictions: str | None = None
    """What the export says about page restrictions ("Restrictions apply"), None when nothing."""


# -- detection ------------------------------------------------------------------------------------


def looks_like_confluence(tree: SourceTree) -> bool:
    """True when an `index.html` at the top or one folder down is a Confluence space index.

    Reads only those index files (a few KB each); page files are recognised by name.
    """
    files = tree.files()
    page_dirs = {posixpath.dirname(f.path) for f in files if _is_page_name(posixpath.basename(f.path))}
    candidates = [
        f.path for f in files if f.path.count("/") <= 1 and posixpath.basename(f.path) == "index.html"
    ]
    for path in candidates[:16]:
        try:
            text = tree.read(path)[: 512 * 1024].decode("utf-8", errors="replace")
        except (OSError, ValueError):
            continue
        if "pageSectionTitle" in text and "Available Pages" in text:
            return True
        markers = ("pageSection", "Available Pages", "generated by Confluence", "confluenceTable")
        if any(m in text for m in markers) and posixpath.dirname(path) in page_dirs:
            return True
    return False


def _is_page_name(name: str) -> bool:
    return name.lower() != "index.html" and _PAGE_FILE.match(name) is not None


# -- the reader -----------------------------------------------------------------------------------


class ConfluenceReader:
    """Confluence HTML space export → one document per page and per text attachment."""

    kind = "confluence"

    def __init__(self, base_url: str | None = None) -> None:
        self.base_url = base_url.rstrip("/") if base_url else None
        self._tree: SourceTree | None = None
        self._pages: dict[str, _PageInfo] = {}
        self._attachments: dict[str, _AttachmentInfo] = {}
        self._heads: dict[str, _PageHead] = {}
        """Page heads parsed while loading attachments, so a page with 5 PDFs is parsed once."""

    # -- scan ---------------------------------------------------------------------------------

    def scan(self, tree: SourceTree, skipped: list[Skipped]) -> list[DocRef]:
        self._tree = tree
        self._pages = {}
        self._attachments = {}
        self._heads = {}
        files = tree.files()
        roots = _space_roots([f.path for f in files])
        indexes = {root: self._read_index(tree, root, skipped) for root in roots}

        page_files: list[tuple[str, str, str]] = []  # (root, path, page id)
        attachment_files: list[tuple[str, str, str, str]] = []  # (root, path, page id, attachment id)
        for f in files:
            root = _root_of(f.path, roots)
            if root is None:
                skipped.append(Skipped(f.path, "not part of the Confluence space export"))
                continue
            parts = f.path[len(root) :].split("/")
            name = parts[-1]
            if len(parts) == 1:
                if name.lower() == "index.html":
                    continue
                m = _PAGE_FILE.match(name)
                if m:
                    page_files.append((root, f.path, m.group(1)))
                elif name.lower().endswith((".html", ".htm")):
                    skipped.append(Skipped(f.path, "HTML file without a Confluence page id, not a page"))
                else:
                    skipped.append(Skipped(f.path, "not a Confluence page or attachment"))
            elif parts[0] == "attachments":
                if len(parts) == 3 and parts[1].isdigit():
                    attachment_files.append((root, f.path, parts[1], posixpath.splitext(name)[0]))
                elif parts[1] != "thumbnails" and posixpath.splitext(name)[1].lower() not in _MEDIA_SUFFIXES:
                    skipped.append(Skipped(f.path, "unexpected file in attachments/, not attached to a page"))
            elif parts[0] not in _ASSET_DIRS:
                skipped.append(Skipped(f.path, "not a Confluence page or attachment"))

        page_by_id: dict[str, _PageInfo] = {}
        page_fingerprints: dict[str, str] = {}
        for root, path, page_id in page_files:
            if page_id in page_by_id:
                skipped.append(
                    Skipped(path, f"duplicate page id {page_id} (also {page_by_id[page_id].path})")
                )
                continue
            index = indexes[root]
            info = _PageInfo(page_id, path, index.space, index.entries.get(posixpath.basename(path)))
            page_by_id[page_id] = info
            self._pages[f"page:{page_id}"] = info
            # For folders a fingerprint hashes the file: compute it once for the page and its files.
            page_fingerprints[page_id] = self._page_fingerprint(tree, info)

        present = {posixpath.basename(info.path) for info in page_by_id.values()}
        for root, index in indexes.items():
            for name in index.entries:
                if name not in present:
                    skipped.append(
                        Skipped(f"{root}{name}", "listed in index.html but missing from the export")
                    )

        attachments_by_page: dict[str, list[DocRef]] = {}
        page_names: dict[str, dict[str, str]] = {}
        for _root, path, page_id, attachment_id in attachment_files:
            suffix = posixpath.splitext(path)[1].lower()
            if suffix in _MEDIA_SUFFIXES:
                continue
            page = page_by_id.get(page_id)
            if page is None:
                skipped.append(Skipped(path, f"attachment of page {page_id}, which is not in the export"))
                continue
            file_name: str | None = None
            if not suffix:
                # Older exports store attachments without a suffix; the page's attachment list
                # has the real name. Only such pages are read during the scan.
                if page.path not in page_names:
                    page_names[page.path] = self._attachment_names(page.path)
                file_name = page_names[page.path].get(attachment_id)
                suffix = posixpath.splitext(file_name or "")[1].lower()
                if suffix in _MEDIA_SUFFIXES:
                    continue
            if suffix not in TEXT_FILE_SUFFIXES:
                shown = suffix or "unknown"
                skipped.append(
                    Skipped(path, f"attachment type {shown} is not indexed (text: pdf, docx, txt, md)")
                )
                continue
            info = _AttachmentInfo(page, attachment_id, path, file_name)
            key = f"attachment:{page_id}/{attachment_id}"
            if key in self._attachments:
                skipped.append(Skipped(path, f"duplicate attachment id {attachment_id}"))
                continue
            self._attachments[key] = info
            ref = DocRef(
                key=key,
                path=path,
                fingerprint=_attachment_fingerprint(tree, info, page_fingerprints[page_id]),
                parent_key=f"page:{page_id}",
            )
            attachments_by_page.setdefault(page_id, []).append(ref)

        # Each page is followed by its attachments, so a parent always comes before its children.
        refs: list[DocRef] = []
        for key, info in self._pages.items():
            refs.append(DocRef(key=key, path=info.path, fingerprint=page_fingerprints[info.page_id]))
            refs.extend(attachments_by_page.get(info.page_id, []))
        return refs

    def _read_index(self, tree: SourceTree, root: str, skipped: list[Skipped]) -> _SpaceIndex:
        path = f"{root}index.html"
        fallback = _Space(root, None, None)
        if not tree.exists(path):
            return _SpaceIndex(fallback)
        try:
            text = decode_text(tree.read(path))
        except (OSError, ValueError) as exc:
            skipped.append(Skipped(path, f"space index unreadable ({exc}); page tree taken from breadcrumbs"))
            return _SpaceIndex(fallback)
        return _parse_index(text, root)

    def _page_fingerprint(self, tree: SourceTree, info: _PageInfo) -> str:
        entry = info.entry
        context = [
            _FORMAT_VERSION,
            self.base_url,
            info.space.key,
            info.space.name,
            entry.title if entry else None,
            list(entry.hierarchy) if entry else None,
            list(entry.children) if entry else None,
        ]
        return f"{tree.fingerprint(info.path)}-{_digest(context)}"

    # -- load ---------------------------------------------------------------------------------

    def load(self, ref: DocRef) -> RawDocument:
        if self._tree is None:
            raise SkipFile("the source was not scanned")
        page = self._pages.get(ref.key)
        if page is not None:
            return self._load_page(self._tree, page)
        attachment = self._attachments.get(ref.key)
        if attachment is not None:
            return self._load_attachment(self._tree, attachment)
        raise SkipFile("not found in the last scan of this source")

    def _load_page(self, tree: SourceTree, info: _PageInfo) -> RawDocument:
        soup = _parse(_read_text(tree, info.path))
        head = _page_head(soup, info.space)
        title = _page_title(info, head)
        hierarchy = _page_hierarchy(info, head)

        content = _main_content(soup)
        markdown = ""
        if content is not None:
            self._clean_content(content)
            # Hand the converter a document of its own: given a bare Tag it would re-serialise
            # and re-parse it (with the slower html.parser) to avoid touching the caller's tree.
            fragment = BeautifulSoup("", _PARSER)
            fragment.append(content.extract())
            markdown = html_to_markdown(fragment)
        if not markdown.strip():
            children = info.entry.children if info.entry else ()
            if not children:
                raise SkipFile("empty page (nothing but its title)")
            # A "folder" page: its children are what a reader of the page would see.
            markdown = "Child pages:\n\n" + "\n".join(f"- {child}" for child in children) + "\n"

        return RawDocument(
            key=f"page:{info.page_id}",
            path=info.path,
            title=title,
            markdown=markdown,
            hierarchy=hierarchy,
            url=self._page_url(info.page_id),
            updated=head.updated,
            author=head.author,
            editor=head.editor,
            tags=head.labels,
            properties=_properties(info.space, page_id=info.page_id, restrictions=head.restrictions),
        )

    def _load_attachment(self, tree: SourceTree, info: _AttachmentInfo) -> RawDocument:
        page = info.page
        head = self._heads.get(page.path)
        if head is None:
            try:
                head = _page_head(_parse(_read_text(tree, page.path)), page.space, attachments=True)
            except SkipFile:
                # The attachment is still worth indexing; it only loses its display name.
                head = _PageHead(None, (), None, None, None, {})
            self._heads[page.path] = head
        file_name = info.file_name or head.attachment_names.get(info.attachment_id)
        if not file_name:
            file_name = posixpath.basename(info.path)
        # The stored file's suffix decides the type; suffix-less files use the display name's.
        type_name = info.path if posixpath.splitext(info.path)[1] else file_name
        try:
            data = tree.read(info.path)
        except (OSError, ValueError) as exc:
            raise SkipFile(f"cannot read: {exc}") from exc
        try:
            markdown = file_to_markdown(type_name, data)
        except ValueError as exc:
            raise SkipFile(str(exc)) from exc

        page_title = _page_title(page, head)
        return RawDocument(
            key=f"attachment:{page.page_id}/{info.attachment_id}",
            path=info.path,
            title=file_name,
            markdown=markdown,
            hierarchy=(*_page_hierarchy(page, head), page_title),
            url=self._page_url(page.page_id),
            parent_key=f"page:{page.page_id}",
            properties=_properties(
                page.space,
                page_id=page.page_id,
                page_title=page_title,
                attachment_id=info.attachment_id,
                file_name=file_name,
                file_type=posixpath.splitext(type_name)[1].lower().lstrip("."),
            ),
        )

    def _attachment_names(self, page_path: str) -> dict[str, str]:
        assert self._tree is not None
        try:
            return _attachment_names(decode_text(self._tree.read(page_path)))
        except (OSError, ValueError):
            return {}

    # -- body ---------------------------------------------------------------------------------

    def _page_url(self, page_id: str) -> str | None:
        if not self.base_url:
            return None
        return f"{self.base_url}/pages/viewpage.action?pageId={page_id}"

    def _clean_content(self, content: Tag) -> None:
        # One walk over the tags instead of a CSS select per rule: this is the hot path of load.
        for el in content.find_all(True):
            if el.decomposed:
                continue
            classes = el.get("class") or []
            if any(c in _NOISE_CLASSES or any(p in c for p in _NOISE_CLASS_PARTS) for c in classes):
                el.decompose()
            elif el.name == "ul" and "inline-task-list" in classes:
                _mark_tasks(el)
            elif el.name == "a" and el.has_attr("href"):
                self._fix_link(el)

    def _fix_link(self, a: Tag) -> None:
        href = str(a.get("href") or "").strip()
        if _SCHEME.match(href) or href.startswith("//"):
            return
        m = _PAGE_LINK.match(unquote(href))
        if m and self.base_url:
            a["href"] = f"{self._page_url(m.group(1))}{m.group(2) or ''}"
        else:
            a.unwrap()


def _mark_tasks(ul: Tag) -> None:
    # Confluence task lists: keep the done/open state, drop empty placeholder tasks.
    for li in ul.find_all("li", recursive=False):
        if not li.get_text(strip=True):
            li.decompose()
        else:
            li.insert(0, "[x] " if "checked" in (li.get("class") or []) else "[ ] ")


# -- index.html -----------------------------------------------------------------------------------


def _space_roots(paths: list[str]) -> list[str]:
    """Folders (top or one down) that hold a space: an index.html or page files."""
    roots: set[str] = set()
    for path in paths:
        parts = path.split("/")
        if len(parts) > 2:
            continue
        name = parts[-1]
        if name.lower() == "index.html" or _PAGE_FILE.match(name):
            roots.add("" if len(parts) == 1 else f"{parts[0]}/")
    # Longest first, so `_root_of` picks "SUPKB/" over "" for SUPKB's files.
    return sorted(roots, key=len, reverse=True)


def _root_of(path: str, roots: list[str]) -> str | None:
    for root in roots:
        if path.startswith(root):
            return root
    return None


def _parse_index(text: str, root: str) -> _SpaceIndex:
    soup = _parse(text)
    key = name = None
    for tr in soup.find_all("tr"):
        th, td = tr.find("th"), tr.find("td")
        if th is None or td is None:
            continue
        label = text_of(th).lower()
        if label == "key" and not key:
            key = text_of(td) or None
        elif label == "name" and not name:
            name = text_of(td) or None
    # The <title> is "KEY (Space Name)": a fallback when the details table is missing.
    m = _INDEX_TITLE.match(text_of(soup.title)) if soup.title else None
    if m:
        key = key or m.group(1)
        name = name or m.group(2)
    if not key and root:
        key = root.rstrip("/")
    space = _Space(root, key, name)
    index = _SpaceIndex(space)
    base = (name,) if name else ()

    section = _pages_section(soup)
    if section is None:
        # No tree: remember the titles; ancestors then come from each page's breadcrumbs.
        return index
    tops = [ul for ul in section.find_all("ul") if ul.find_parent("ul") is None]
    stack: list[tuple[Tag, tuple[str, ...]]] = [(ul, base) for ul in reversed(tops)]
    while stack:  # iterative: page trees can be deeper than Python's recursion limit allows
        ul, ancestors = stack.pop()
        for li in ul.find_all("li", recursive=False):
            link = _own_link(li)
            if link is None:
                continue
            file_name = posixpath.basename(unquote(str(link.get("href") or "").split("#", 1)[0]))
            title = text_of(link)
            subs = li.find_all("ul", recursive=False)
            children = tuple(
                text_of(child_link)
                for sub in subs
                for child in sub.find_all("li", recursive=False)
                if (child_link := _own_link(child)) is not None
            )
            if _is_page_name(file_name) and file_name not in index.entries:
                index.entries[file_name] = _IndexEntry(title, ancestors, children)
            for sub in reversed(subs):
                stack.append((sub, (*ancestors, title)))
    return index


def _pages_section(soup: BeautifulSoup) -> Tag | None:
    for heading in soup.find_all(["h2", "h3"]):
        if "available pages" in text_of(heading).lower():
            section = heading.find_parent("div", class_="pageSection")
            if section is None and heading.parent is not None:
                section = heading.parent.parent
            return section if isinstance(section, Tag) else None
    return None


def _own_link(li: Tag) -> Tag | None:
    link = li.find("a", href=True, recursive=False)
    if isinstance(link, Tag):
        return link
    # Themes sometimes wrap the link in a span; take the first link not inside a nested list.
    for a in li.find_all("a", href=True):
        if a.find_parent("li") is li:
            return a
    return None


# -- page files -----------------------------------------------------------------------------------


def _parse(text: str) -> BeautifulSoup:
    return parse_html(text, _PARSER)


def _read_text(tree: SourceTree, path: str) -> str:
    text = decode_or_skip(read_or_skip(tree, path))
    if not text.strip():
        raise SkipFile("empty file")
    return text


def _page_head(soup: BeautifulSoup, space: _Space, *, attachments: bool = False) -> _PageHead:
    title_el = soup.find(id="title-text") or soup.find(id="title-heading") or soup.title
    title = _strip_space_prefix(text_of(title_el), space.name) or None
    crumbs_el = soup.find(id="breadcrumbs")
    crumbs = tuple(t for li in crumbs_el.find_all("li") if (t := text_of(li))) if crumbs_el else ()
    author, editor, updated = _metadata(soup.find(class_="page-metadata"))
    names = _attachment_names_from(soup) if attachments else {}
    return _PageHead(title, crumbs, author, editor, updated, names, _labels(soup), _restrictions(soup))


_LABEL_CONTAINERS = ".label-list, #labels-section, .labels-section, [class*=labelsSection]"
_NOT_LABELS = frozenset({"no labels", "labels", "edit labels", "add label", "add labels"})
_RESTRICTION_MARKS = (
    "#content-metadata-page-restrictions, [class*=page-restrictions], .restricted, "
    "[title*=Restrictions], [title*=restricted], [aria-label*=Restrictions], [aria-label*=restricted]"
)
_UNRESTRICTED = re.compile(r"\b(?:no|un)\s*restrict|\bunrestricted\b|\bnot restricted\b", re.IGNORECASE)


def _labels(soup: BeautifulSoup) -> tuple[str, ...]:
    """Labels from the page's label list: links in Data Center (`a[rel=tag]`), spans in Cloud."""
    found: list[str] = []
    for box in soup.select(_LABEL_CONTAINERS):
        items = box.find_all("a") or [s for s in box.find_all("span") if not s.find("span")]
        for item in items:
            name = text_of(item).strip()
            if name and name.lower() not in _NOT_LABELS and name not in found:
                found.append(name)
    return tuple(found)


def _restrictions(soup: BeautifulSoup) -> str | None:
    """"Restrictions apply" when the page view marks the page restricted (Data Center's
    `#content-metadata-page-restrictions` icon, or an element classed or titled so), outside
    the page body (a body that merely mentions restrictions is not restricted)."""
    for el in soup.select(_RESTRICTION_MARKS):
        if el.find_parent(class_="wiki-content") or el.find_parent(id="main-content"):
            continue
        label = " ".join(str(el.get(a) or "") for a in ("title", "aria-label", "data-tooltip")).strip()
        said = label or text_of(el).strip() or "restricted"
        ident = " ".join([str(el.get("id") or ""), *(el.get("class") or [])])
        if not (_UNRESTRICTED.search(said) or _UNRESTRICTED.search(ident)):
            return said[:80]
    return None


def _strip_space_prefix(title: str, space_name: str | None) -> str:
    # Page titles are shown as "Space Name : Page Title"; the space is already in the hierarchy.
    if space_name and title.startswith(f"{space_name} : "):
        return title[len(space_name) + 3 :].strip()
    if not space_name and " : " in title:
        return title.split(" : ", 1)[1].strip()
    return title


def _page_title(info: _PageInfo, head: _PageHead) -> str:
    if info.entry and info.entry.title:
        return info.entry.title
    if head.title:
        return head.title
    stem = posixpath.splitext(posixpath.basename(info.path))[0]
    words = stem.rsplit("_", 1)[0] if "_" in stem else stem
    return words.replace("-", " ")


def _page_hierarchy(info: _PageInfo, head: _PageHead) -> tuple[str, ...]:
    if info.entry is not None and info.entry.hierarchy:
        return info.entry.hierarchy
    if head.breadcrumbs:
        return head.breadcrumbs
    return (info.space.name,) if info.space.name else ()


def _metadata(block: Tag | None) -> tuple[str | None, str | None, str | None]:
    """(author, editor, ISO date) from "Created by A, last modified by B on DATE" and variants."""
    if block is None:
        return None, None, None
    text = text_of(block)
    m = _META_LINE.search(text)
    author_el, editor_el = block.find(class_="author"), block.find(class_="editor")
    author = text_of(author_el) if author_el else (m.group("author").strip() if m else None)
    editor = text_of(editor_el) if editor_el else (m.group("editor") if m and m.group("editor") else None)
    editor = editor or author  # no separate editor named: the creator made the last change
    updated = _iso_date(m.group("date")) if m else None
    return author or None, editor or None, updated


def _iso_date(text: str) -> str | None:
    text = " ".join(text.replace("\u202f", " ").split()).rstrip(".")
    for fmt in _DATETIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).isoformat(timespec="minutes")
        except ValueError:
            pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            pass
    return None


def _attachment_names_from(soup: BeautifulSoup) -> dict[str, str]:
    names: dict[str, str] = {}
    for a in soup.find_all("a", href=True):
        m = re.match(r"^attachments/\d+/([^/?#]+)", str(a.get("href") or ""))
        name = text_of(a)
        if m and name:
            names.setdefault(posixpath.splitext(unquote(m.group(1)))[0], name)
    # Embedded files also carry their real name; fills gaps when the list is missing.
    for el in soup.find_all(attrs={"data-linked-resource-default-alias": True}):
        if el.get("data-linked-resource-type") == "attachment" and el.has_attr("data-linked-resource-id"):
            names.setdefault(
                str(el["data-linked-resource-id"]), str(el["data-linked-resource-default-alias"])
            )
    return names


def _attachment_names(text: str) -> dict[str, str]:
    """Attachment id → display name, by regex: used in `scan`, where parsing pages is too slow."""
    names: dict[str, str] = {}
    for m in _ATTACHMENT_LINK.finditer(text):
        name = html.unescape(_TAGS.sub("", m.group(3))).strip()
        if name:
            names.setdefault(posixpath.splitext(unquote(m.group(2)))[0], name)
    return names


def _main_content(soup: BeautifulSoup) -> Tag | None:
    content = soup.find(id="main-content")
    if isinstance(content, Tag):
        return content
    # Not the Cloud template: drop the known chrome and take what is left.
    for selector in _CHROME:
        for el in soup.select(selector):
            el.decompose()
    for selector in (".wiki-content", "#content", "body"):
        content = soup.select_one(selector)
        if content is not None:
            return content
    return soup


def _attachment_fingerprint(tree: SourceTree, info: _AttachmentInfo, page_fingerprint: str) -> str:
    # The attachment's title comes from its page's attachment list, and its hierarchy from the
    # page's place in the tree: the page's fingerprint covers both.
    return f"{tree.fingerprint(info.path)}-{_digest([page_fingerprint, info.file_name])}"


def _properties(space: _Space, **values: str | None) -> dict[str, str]:
    props = {"space_key": space.key, "space_name": space.name, **values}
    return {k: v for k, v in props.items() if v}


def _digest(value: object) -> str:
    return hashlib.sha1(json.dumps(value, ensure_ascii=False).encode("utf-8")).hexdigest()[:12]
