"""Reader for a plain docs folder (or zip): Markdown, HTML, text, reStructuredText, PDF and DOCX.

Every supported file is one document; its folders are the hierarchy. Each format is reduced to
Markdown with the parts that help an agent (headings, code, tables, callouts) and without the
parts that only add noise to retrieval (site chrome around HTML pages, page footers in PDFs,
export breadcrumbs repeating the folder path).

Example:
    reader = DocsReader(base_url="https://docs.example.com")
    refs = reader.scan(open_tree(Path("docs/")), skipped)
    doc = reader.load(refs[0])
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from bs4 import BeautifulSoup, Tag

from indexer.convert import html_to_markdown, parse_html, text_of, tidy_markdown
from indexer.documents import DocRef, RawDocument, Skipped
from indexer.sources import SkipFile, decode_or_skip, read_or_skip
from indexer.sources._tree import SourceTree

__all__ = ["DocsReader", "html_parser", "parse_date", "pretty_file_title", "rewrite_md_images"]

_FORMAT_VERSION = "docs1"
"""Part of every fingerprint: bump it when parsing changes so documents are re-read."""

_SUFFIXES = {
    ".md": "md",
    ".markdown": "md",
    ".mdown": "md",
    ".txt": "txt",
    ".text": "txt",
    ".rst": "rst",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}


def html_parser() -> str:
    """lxml is much faster and more lenient than html.parser; use it when installed."""
    try:
        import lxml  # noqa: F401
    except ImportError:
        return "html.parser"
    return "lxml"


# -- dates ----------------------------------------------------------------------------------------

_DATETIME_FORMATS = (
    "%B %d, %Y %I:%M %p",  # Notion: "February 22, 2022 1:40 PM"
    "%B %d, %Y %H:%M",
    "%b %d, %Y %I:%M %p",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
)
_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%B %Y", "%Y-%m-%d", "%Y/%m/%d")
_PDF_DATE = re.compile(r"^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?")


def parse_date(value: object) -> str | None:
    """ISO 8601 for the date spellings exports use ("February 22, 2022 1:40 PM", "2024-01-05",
    "@April 21, 2022", PDF "D:20231012135100Z", YAML dates); None when it is not a date."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(timespec="seconds" if value.second else "minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        return None
    text = value.strip().lstrip("@").strip()
    # Notion date ranges ("May 2, 2023 → May 5, 2023") and time zones ("… (GMT+2)"): keep the start.
    text = re.split(r"\s*(?:→|->)\s*", text, maxsplit=1)[0]
    text = re.sub(r"\s*\((?:GMT|UTC)[^)]*\)$", "", text).strip()
    if not text:
        return None
    m = _PDF_DATE.match(text)
    if m:
        parts = [int(p) if p else None for p in m.groups()]
        year, month, day, hour, minute, second = parts
        try:
            if hour is None:
                return dt.date(year or 1, month or 1, day or 1).isoformat()
            stamp = dt.datetime(year or 1, month or 1, day or 1, hour, minute or 0, second or 0)
        except ValueError:
            return None
        return stamp.isoformat(timespec="seconds" if stamp.second else "minutes")
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    else:
        if len(text) <= 10:
            return parsed.date().isoformat()
        return parsed.replace(tzinfo=None).isoformat(timespec="seconds" if parsed.second else "minutes")
    for fmt in _DATETIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).isoformat(timespec="minutes")
        except ValueError:
            continue
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


# -- shared text helpers ----------------------------------------------------------------------------


def pretty_file_title(path: str) -> str:
    """The last-resort title: "Reset-the-password_for-you.md" -> "Reset the password for you"."""
    stem = PurePosixPath(path).stem
    words = re.sub(r"[-_]+", " ", stem).strip()
    return words or stem


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


_MD_IMAGE = re.compile(r"!\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"]*\")?\)")


def rewrite_md_images(markdown: str) -> str:
    """Images carry no searchable text: keep their alt text like html_to_markdown does."""

    def repl(m: re.Match[str]) -> str:
        alt = m.group(1).strip()
        return f"[image: {alt}]" if alt else ""

    return _MD_IMAGE.sub(repl, markdown)


_ALERT = re.compile(r"^(\s*>\s*)\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*$", re.MULTILINE)


def _label_alerts(markdown: str) -> str:
    # GitHub alerts (> [!NOTE]) read like the labelled panels of the other readers.
    return _ALERT.sub(lambda m: f"{m.group(1)}**{m.group(2).capitalize()}:**", markdown)


_HTML_BLOCK_START = re.compile(r"^ {0,3}(?:<(?:/?[A-Za-z][A-Za-z0-9-]*)(?:[\s/>]|$)|<!--)")


def _convert_html_blocks(markdown: str) -> str:
    """Raw HTML blocks inside Markdown (common in help-center sources) → Markdown.

    CommonMark does not parse Markdown inside an HTML block and ends the block at a blank line,
    so each block is converted on its own; code fences are left alone.
    """
    lines = markdown.split("\n")
    out: list[str] = []
    i = 0
    fence: str | None = None
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        if fence is None and stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
        elif fence is not None and stripped.startswith(fence):
            fence = None
        if fence is None and _HTML_BLOCK_START.match(line):
            block: list[str] = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i])
                i += 1
            converted = html_to_markdown("\n".join(block)).strip()
            if converted:
                out.extend(["", converted, ""])
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


_TITLE_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$")


def _split_leading_heading(markdown: str) -> tuple[str | None, str]:
    """The first line as a title when it is a `# ` heading, and the body without it."""
    lines = markdown.lstrip("\n").split("\n")
    if lines and (m := _TITLE_HEADING.match(lines[0])):
        return m.group(1).strip(), "\n".join(lines[1:])
    return None, markdown


# Export-generated lead lines: "About Arduino › Contribute", "Updated 12 October 2023 · Source: …"
_META_SPLIT = re.compile(r"\s+·\s+")
_UPDATED_PART = re.compile(r"^(?:Updated|Last updated|Last modified)[:\s]+(.+)$", re.IGNORECASE)
_SOURCE_PART = re.compile(r"^Source:\s*(https?://\S+)$", re.IGNORECASE)
_READ_TIME_PART = re.compile(r"^\d+\s+min(?:ute)?s?\s+read$", re.IGNORECASE)
_PAGE_FOOTER = re.compile(r"^(?:.{0,120}\s[·|–-]\s)?Page\s+\d+\s*(?:/|of)\s*\d+$", re.IGNORECASE)


def _strip_lead_metadata(
    markdown: str, hierarchy: tuple[str, ...], title: str
) -> tuple[str, str | None, str | None]:
    """Drop a repeated title, breadcrumb and "Updated … · Source: …" lines at the top.

    A line is only dropped when every ` · ` part of it is recognised, so real text never goes;
    returns (markdown, updated, source_url).
    """
    crumbs = {_norm(" ".join(hierarchy[i:])) for i in range(len(hierarchy))} if hierarchy else set()
    lines = markdown.split("\n")
    updated: str | None = None
    source: str | None = None
    examined = 0
    i = 0
    while i < len(lines) and examined < 4:
        line = lines[i].strip()
        if not line or line.startswith("<!-- page"):
            i += 1
            continue
        examined += 1
        if _norm(line) == _norm(title) and examined == 1:
            del lines[i]
            continue
        recognised = True
        line_updated: str | None = None
        line_source: str | None = None
        for part in _META_SPLIT.split(line):
            crumb = re.split(r"\s+[›>»]\s+", part)
            if (m := _UPDATED_PART.match(part)) and parse_date(m.group(1)):
                line_updated = parse_date(m.group(1))
            elif m := _SOURCE_PART.match(part):
                line_source = m.group(1)
            elif _READ_TIME_PART.match(part) or (
                crumbs and len(crumb) > 1 and _norm(" ".join(crumb)) in crumbs
            ):
                pass
            else:
                recognised = False
                break
        if not recognised:
            break
        updated = updated or line_updated
        source = source or line_source
        del lines[i]
    return "\n".join(lines), updated, source


# -- front matter ---------------------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)


def _parse_front_matter(text: str) -> tuple[dict[str, Any], str]:
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    raw = m.group(1)
    meta: dict[str, Any] = {}
    try:
        import yaml

        loaded = yaml.safe_load(raw)
        if isinstance(loaded, dict):
            meta = {str(k): v for k, v in loaded.items()}
    except ImportError:
        meta = _simple_front_matter(raw)
    except Exception:
        # Broken YAML should not cost the document: fall back to plain "key: value" lines.
        meta = _simple_front_matter(raw)
    return meta, text[m.end() :]


def _simple_front_matter(raw: str) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for line in raw.splitlines():
        m = re.match(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$", line)
        if m:
            value = m.group(2).strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            meta[m.group(1)] = value
    return meta


def _meta_str(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_meta_str(v) for v in value)
    if isinstance(value, dt.date | dt.datetime):
        return parse_date(value) or str(value)
    return str(value).strip()


def _meta_tags(value: object) -> tuple[str, ...]:
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return tuple(t for t in (str(i).strip() for i in items) if t)


_UPDATED_KEYS = ("updated", "last_updated", "lastmod", "modified", "last_modified", "date", "updated_at")
_AUTHOR_KEYS = ("author", "owner", "authors")


# -- reStructuredText ---------------------------------------------------------------------------

_RST_ADORNMENT = re.compile(r"^([=\-`:'\"~^_*+#<>.])\1{2,}\s*$")
_RST_CODE_DIRECTIVE = re.compile(r"^\.\.\s+(?:code-block|code|sourcecode)::\s*(\S*)\s*$")
_RST_ADMONITION = re.compile(
    r"^\.\.\s+(note|warning|tip|important|caution|attention|danger|hint|error|seealso)::\s*(.*)$",
    re.IGNORECASE,
)
_RST_DIRECTIVE = re.compile(r"^\.\.\s+")


def _rst_to_markdown(text: str) -> tuple[str | None, str]:
    """The document title and a Markdown body: headings, code blocks, admonitions, links.

    Heading levels follow the order in which adornment styles first appear, as in docutils.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    styles: list[tuple[str, bool]] = []
    out: list[str] = []
    title: str | None = None
    i = 0

    def indented_block(start: int) -> tuple[list[str], int]:
        block: list[str] = []
        j = start
        while j < len(lines) and (not lines[j].strip() or lines[j].startswith((" ", "\t"))):
            block.append(lines[j])
            j += 1
        while block and not block[-1].strip():
            block.pop()
            j -= 1
        while block and not block[0].strip():
            block.pop(0)
        indents = [len(b) - len(b.lstrip()) for b in block if b.strip()]
        cut = min(indents) if indents else 0
        return [b[cut:] for b in block], j

    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        after = lines[i + 2] if i + 2 < len(lines) else ""
        heading: str | None = None
        style: tuple[str, bool] | None = None
        # Overlined heading: ===== / Title / =====
        if _RST_ADORNMENT.match(line) and nxt.strip() and _RST_ADORNMENT.match(after) and after[0] == line[0]:
            heading, style, consumed = nxt.strip(), (line[0], True), 3
        # Underlined heading: Title / =====
        elif (
            line.strip()
            and not line.startswith((" ", "\t"))
            and _RST_ADORNMENT.match(nxt)
            and len(nxt.rstrip()) >= len(line.strip()) * 0.6
            and not _RST_ADORNMENT.match(line)
        ):
            heading, style, consumed = line.strip(), (nxt[0], False), 2
        if heading is not None and style is not None:
            if style not in styles:
                styles.append(style)
            level = styles.index(style) + 1
            if level == 1 and title is None:
                title = heading
            else:
                out.extend(["", f"{'#' * min(level, 6)} {heading}", ""])
            i += consumed
            continue
        if m := _RST_CODE_DIRECTIVE.match(line):
            j = i + 1
            while j < len(lines) and lines[j].strip().startswith(":") and lines[j].startswith((" ", "\t")):
                j += 1  # directive options such as :linenos:
            block, i = indented_block(j)
            out.extend(["", f"```{m.group(1)}", *block, "```", ""])
            continue
        if m := _RST_ADMONITION.match(line):
            block, i = indented_block(i + 1)
            label = "See also" if m.group(1).lower() == "seealso" else m.group(1).capitalize()
            first = m.group(2).strip()
            body = [first, *block] if first else block
            out.append("")
            out.append(f"> **{label}:**")
            out.extend(f"> {_rst_inline(b)}".rstrip() for b in body)
            out.append("")
            continue
        if _RST_DIRECTIVE.match(line):
            # Images, toctrees, targets, comments: nothing an agent reads.
            _, i = indented_block(i + 1)
            continue
        if line.rstrip().endswith("::") and not line.strip().startswith(".."):
            # "Paragraph::" introduces a literal block; a lone "::" disappears.
            text_part = line.rstrip()[:-2].rstrip()
            if text_part:
                out.append(_rst_inline(text_part + ":"))
            block, j = indented_block(i + 1)
            if block:
                out.extend(["", "```", *block, "```", ""])
                i = j
            else:
                i += 1
            continue
        out.append(_rst_inline(line))
        i += 1
    return title, "\n".join(out)


def _rst_inline(line: str) -> str:
    line = re.sub(r"`([^`<]+?)\s*<(https?://[^>]+)>`__?", r"[\1](\2)", line)
    line = re.sub(r"``([^`]+)``", r"`\1`", line)
    line = re.sub(r":[\w:-]+:`([^`]+)`", r"`\1`", line)
    return line


# -- plain text -----------------------------------------------------------------------------------

_TXT_UNDERLINE = re.compile(r"^(=+|-+)\s*$")


def _txt_title_and_body(text: str) -> tuple[str | None, str]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return None, ""
    first = lines[0].strip()
    nxt = lines[1] if len(lines) > 1 else ""
    underlined = bool(_TXT_UNDERLINE.match(nxt.strip())) and len(nxt.strip()) >= 3
    # A title is short, not a sentence, and stands alone (blank line or underline after it).
    looks_like_title = (
        len(first) <= 120
        and not first.endswith((".", ",", ";", ":"))
        and (underlined or not nxt.strip())
        and len(lines) > 1
    )
    if not looks_like_title:
        return None, _txt_headings("\n".join(lines))
    rest = lines[2:] if underlined else lines[1:]
    return first, _txt_headings("\n".join(rest))


def _txt_headings(text: str) -> str:
    """Setext-style headings in plain text ("Title" over "=====") become `##`/`###` headings."""
    lines = text.split("\n")
    out: list[str] = []
    for line in lines:
        m = _TXT_UNDERLINE.match(line.strip())
        prev = out[-1] if out else ""
        if (
            m
            and len(line.strip()) >= 3
            and prev.strip()
            and not prev.startswith(("#", " ", "-", "*"))
            and len(line.strip()) >= len(prev.strip()) * 0.6
            and (len(out) < 2 or not out[-2].strip())
        ):
            out[-1] = ("## " if m.group(1)[0] == "=" else "### ") + prev.strip()
            continue
        out.append(line)
    return "\n".join(out)


# -- HTML -----------------------------------------------------------------------------------------

_CHROME_ROLES = {"navigation", "banner", "contentinfo", "complementary", "dialog", "search", "alertdialog"}
_CHROME_NAMES = re.compile(
    r"(?:^|[\s_-])(?:cookie|cookies|consent|gdpr|breadcrumbs?|related|share|sharing|social|"
    r"newsletter|subscribe|sidebar|site-header|site-footer|skip-link|article-votes|votes|feedback|"
    r"pagination|pager|comments?)(?:$|[\s_-])",
    re.IGNORECASE,
)
_SITE_SUFFIX = re.compile(r"\s+[–—|]\s+[^–—|]{1,60}$")


def _is_chrome(tag: Tag) -> bool:
    if tag.name in {"nav", "header", "footer", "script", "style", "noscript", "form", "template"}:
        return True
    role = str(tag.get("role") or "").lower()
    if role in _CHROME_ROLES:
        return True
    names = " ".join([str(tag.get("id") or ""), " ".join(tag.get("class") or [])])
    return bool(names.strip()) and bool(_CHROME_NAMES.search(names))


def _html_main(soup: BeautifulSoup) -> Tag:
    """The element holding the page's own content, without the site around it."""
    candidates: list[Tag | None] = [
        soup.find(attrs={"role": "main"}),
        soup.find("main"),
    ]
    for found in candidates:
        if isinstance(found, Tag):
            articles = found.find_all("article")
            return articles[0] if len(articles) == 1 else found
    articles = soup.find_all("article")
    if articles:
        return max(articles, key=lambda a: len(a.get_text()))
    for selector in ("#content", ".content", "#main", ".main-content", ".post", ".entry-content"):
        found = soup.select_one(selector)
        if isinstance(found, Tag):
            return found
    body = soup.body or soup
    divs = [d for d in body.find_all("div") if not _is_chrome(d)]
    if divs:
        # The div with the most paragraph text is the content column on most sites.
        best = max(divs, key=lambda d: sum(len(p.get_text()) for p in d.find_all(["p", "li", "pre"])))
        if best.get_text(strip=True):
            return best
    return body


def _html_document(
    text: str, hierarchy: tuple[str, ...]
) -> tuple[str | None, str, dict[str, str], str | None, str | None]:
    """(title, markdown, properties, updated, canonical url) of a standalone HTML page."""
    soup = parse_html(text, html_parser())
    properties: dict[str, str] = {}
    for meta in soup.find_all("meta"):
        name = str(meta.get("name") or meta.get("property") or "").lower()
        content = str(meta.get("content") or "").strip()
        if name in {"article-id", "article:id"} and content:
            properties["article_id"] = content
        elif name in {"author", "article:author"} and content:
            properties["author"] = content
        elif name in {"article:modified_time", "last-modified", "dcterms.modified"} and content:
            properties["modified"] = content
    canonical = soup.find("link", rel="canonical")
    url = str(canonical.get("href")) if isinstance(canonical, Tag) and canonical.get("href") else None
    page_title = text_of(soup.title) if soup.title else ""

    root = _html_main(soup)
    # The title first: article headers (<article><header><h1>) count as chrome below.
    title: str | None = None
    h1 = root.find("h1") or soup.find("h1")
    if isinstance(h1, Tag) and text_of(h1):
        title = text_of(h1)
        if root in h1.parents:
            h1.decompose()
    elif page_title:
        title = _SITE_SUFFIX.sub("", page_title).strip() or page_title

    for tag in list(root.find_all(True)):
        if tag.decomposed:
            continue
        if tag.name == "header" and (root.name == "article" or tag.find_parent("article")):
            continue  # an article's own header holds its date line; the site header is outside
        if _is_chrome(tag) or (
            tag.name == "aside" and _CHROME_NAMES.search(" ".join(tag.get("class") or []))
        ):
            tag.decompose()

    updated = parse_date(properties.get("modified", ""))
    # "Updated July 7, 2024 · 1 min read" meta lines, or <time datetime>: keep the date, drop the line.
    for meta_el in root.find_all(class_=re.compile(r"meta|updated|date", re.IGNORECASE)):
        if meta_el.decomposed:
            continue
        meta_text = text_of(meta_el)
        time_el = meta_el.find("time")
        stamp = parse_date(str(time_el.get("datetime") or "")) if isinstance(time_el, Tag) else None
        for part in _META_SPLIT.split(meta_text):
            m = _UPDATED_PART.match(part)
            if m and parse_date(m.group(1)):
                stamp = stamp or parse_date(m.group(1))
        if stamp and len(meta_text) <= 120:
            updated = updated or stamp
            meta_el.decompose()
    markdown = html_to_markdown(root)
    markdown, lead_updated, source = _strip_lead_metadata(markdown, hierarchy, title or "")
    return title, markdown, properties, updated or lead_updated, url or source


# -- the reader -----------------------------------------------------------------------------------


class DocsReader:
    """Plain docs folder: one document per supported file, folders as hierarchy."""

    kind = "docs"

    def __init__(self, base_url: str | None = None) -> None:
        self.base_url = base_url.rstrip("/") if base_url else None
        self._tree: SourceTree | None = None

    def scan(self, tree: SourceTree, skipped: list[Skipped]) -> list[DocRef]:
        self._tree = tree
        refs: list[DocRef] = []
        for f in tree.files():
            parts = PurePosixPath(f.path).parts
            # Hidden folders (.git, .github, .vscode) hold tooling files, never articles.
            if any(p.startswith(".") for p in parts):
                continue
            if PurePosixPath(f.path).suffix.lower() not in _SUFFIXES:
                continue  # images, stylesheets, scripts, archives: not documents
            fingerprint = f"{_FORMAT_VERSION}:{tree.fingerprint(f.path)}"
            refs.append(DocRef(key=f"file:{f.path}", path=f.path, fingerprint=fingerprint))
        return refs

    def load(self, ref: DocRef) -> RawDocument:
        if self._tree is None:
            raise RuntimeError("DocsReader.load called before scan")
        data = read_or_skip(self._tree, ref.path)
        kind = _SUFFIXES.get(PurePosixPath(ref.path).suffix.lower())
        if kind is None:
            raise SkipFile("unsupported file type")
        hierarchy = tuple(PurePosixPath(ref.path).parts[:-1])
        loader: Callable[[bytes, DocRef, tuple[str, ...]], RawDocument] = getattr(self, f"_load_{kind}")
        doc = loader(data, ref, hierarchy)
        if not doc.markdown.strip():
            raise SkipFile("no text besides the title")
        return doc

    # -- per format ---------------------------------------------------------------------------

    def _decode(self, data: bytes) -> str:
        text = decode_or_skip(data)
        if not text.strip():
            raise SkipFile("empty file")
        return text

    def _doc(
        self,
        ref: DocRef,
        hierarchy: tuple[str, ...],
        title: str | None,
        markdown: str,
        file_type: str,
        **fields: Any,
    ) -> RawDocument:
        properties: dict[str, str] = {"file_type": file_type, **fields.pop("properties", {})}
        found_url = fields.pop("url", None)
        url = f"{self.base_url}/{quote(ref.path)}" if self.base_url else found_url
        return RawDocument(
            key=ref.key,
            path=ref.path,
            title=(title or "").strip() or pretty_file_title(ref.path),
            markdown=tidy_markdown(markdown) if markdown.strip() else "",
            hierarchy=hierarchy,
            url=url,
            properties=properties,
            **fields,
        )

    def _load_md(self, data: bytes, ref: DocRef, hierarchy: tuple[str, ...]) -> RawDocument:
        text = self._decode(data).replace("\r\n", "\n")
        meta, body = _parse_front_matter(text)
        title = _meta_str(meta["title"]) if meta.get("title") else None
        heading, rest = _split_leading_heading(body)
        if heading and (title is None or _norm(heading) == _norm(title)):
            # The first heading is the title: keep it out of the body so it is not indexed twice.
            title, body = title or heading, rest
        body = rewrite_md_images(_label_alerts(_convert_html_blocks(body)))
        tags: tuple[str, ...] = ()
        updated: str | None = None
        author: str | None = None
        properties: dict[str, str] = {}
        for key, value in meta.items():
            lowered = key.lower()
            if lowered == "title" or value is None or value == "":
                continue
            if lowered in {"tags", "tag", "keywords", "labels", "categories"}:
                tags += _meta_tags(value)
            elif lowered in _UPDATED_KEYS and updated is None and parse_date(value):
                updated = parse_date(value)
            elif lowered in _AUTHOR_KEYS and author is None:
                author = _meta_str(value)
            if not isinstance(value, dict):
                properties[key] = _meta_str(value)
        return self._doc(
            ref,
            hierarchy,
            title,
            body,
            "md",
            tags=tags,
            updated=updated,
            author=author,
            properties=properties,
        )

    def _load_txt(self, data: bytes, ref: DocRef, hierarchy: tuple[str, ...]) -> RawDocument:
        title, body = _txt_title_and_body(self._decode(data))
        body, updated, source = _strip_lead_metadata(body, hierarchy, title or "")
        return self._doc(
            ref, hierarchy, title, body, "txt", updated=updated, url=source or _closing_source(body)
        )

    def _load_rst(self, data: bytes, ref: DocRef, hierarchy: tuple[str, ...]) -> RawDocument:
        title, body = _rst_to_markdown(self._decode(data))
        return self._doc(ref, hierarchy, title, body, "rst")

    def _load_html(self, data: bytes, ref: DocRef, hierarchy: tuple[str, ...]) -> RawDocument:
        title, body, properties, updated, url = _html_document(self._decode(data), hierarchy)
        author = properties.pop("author", None)
        properties.pop("modified", None)
        return self._doc(
            ref,
            hierarchy,
            title,
            body,
            "html",
            updated=updated,
            author=author,
            url=url,
            properties=properties,
        )

    def _load_pdf(self, data: bytes, ref: DocRef, hierarchy: tuple[str, ...]) -> RawDocument:
        from indexer.sources._filetext import pdf_to_markdown

        try:
            markdown = pdf_to_markdown(data)
        except ValueError as exc:
            raise SkipFile(str(exc)) from exc
        info = _pdf_info(data)
        # Running page footers ("Title · Page 1/3") repeat on every page and split sentences.
        markdown = "\n".join(line for line in markdown.split("\n") if not _PAGE_FOOTER.match(line.strip()))
        title = info.get("title") or _first_line_title(markdown, ref.path)
        markdown, lead_updated, source = _strip_lead_metadata(markdown, hierarchy, title or "")
        return self._doc(
            ref,
            hierarchy,
            title,
            markdown,
            "pdf",
            updated=parse_date(info.get("modified") or info.get("created") or "") or lead_updated,
            author=info.get("author") or None,
            url=source,
        )

    def _load_docx(self, data: bytes, ref: DocRef, hierarchy: tuple[str, ...]) -> RawDocument:
        from indexer.sources._filetext import docx_to_markdown

        try:
            markdown = docx_to_markdown(data)
        except ValueError as exc:
            raise SkipFile(str(exc)) from exc
        info = _docx_info(data)
        heading, rest = _split_leading_heading(markdown)
        title = info.get("title") or heading
        if heading and _norm(heading) == _norm(title or ""):
            markdown = rest
        markdown, lead_updated, source = _strip_lead_metadata(markdown, hierarchy, title or "")
        return self._doc(
            ref,
            hierarchy,
            title,
            markdown,
            "docx",
            updated=info.get("modified") or lead_updated,
            author=info.get("author") or None,
            url=source or _closing_source(markdown),
        )


_SOURCE_LINE = re.compile(r"^Source:\s*(https?://\S+)\s*$", re.IGNORECASE)


def _closing_source(markdown: str) -> str | None:
    """The "Source: <url>" line exported articles end with: the original to cite."""
    tail = [line.strip() for line in markdown.strip().split("\n")[-5:]]
    for line in tail:
        if m := _SOURCE_LINE.match(line):
            return m.group(1)
    return None


def _first_line_title(markdown: str, path: str) -> str | None:
    """A PDF without a /Title: its first text line when it matches the file name."""
    for line in markdown.split("\n"):
        line = line.strip()
        if line and not line.startswith("<!--"):
            return line if _norm(line) == _norm(pretty_file_title(path)) else None
    return None


def _pdf_info(data: bytes) -> dict[str, str]:
    # Metadata is optional: any failure here just means "no metadata", never a skipped file.
    try:
        import io

        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            reader.decrypt("")
        meta = reader.metadata or {}
        return {
            "title": str(meta.get("/Title") or "").strip(),
            "author": str(meta.get("/Author") or "").strip(),
            "modified": str(meta.get("/ModDate") or "").strip(),
            "created": str(meta.get("/CreationDate") or "").strip(),
        }
    except Exception:
        return {}


def _docx_info(data: bytes) -> dict[str, str]:
    # docProps/core.xml straight from the zip: opening the document again with python-docx
    # would double the cost of every DOCX. Missing or odd metadata just means none.
    import io
    import zipfile
    from xml.etree import ElementTree

    ns = {
        "dc": "http://purl.org/dc/elements/1.1/",
        "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
        "dcterms": "http://purl.org/dc/terms/",
    }
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            root = ElementTree.fromstring(archive.read("docProps/core.xml"))
    except Exception:
        return {}

    def field(name: str) -> str:
        el = root.find(name, ns)
        return (el.text or "").strip() if el is not None else ""

    return {
        "title": field("dc:title"),
        "author": field("dc:creator"),
        "modified": parse_date(field("dcterms:modified")) or "",
    }
