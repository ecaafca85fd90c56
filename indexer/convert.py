"""HTML → Markdown for every reader, with what support content needs kept intact.

- code blocks become fenced blocks with their language (Confluence's `brush: cpp`, `language-x`
  classes, Notion's `<code class="language-…">`);
- Confluence info/note/warning/tip panels and Notion callouts become labelled blockquotes;
- tables become pipe tables;
- scripts, styles, navigation, headers, footers and forms are dropped.
"""

from __future__ import annotations

import re
from typing import Any

from bs4 import BeautifulSoup, NavigableString, Tag
from markdownify import MarkdownConverter

from indexer.bounds import flatten_deep_html

_PANEL_LABELS = {
    "information": "Info",
    "info": "Info",
    "note": "Note",
    "warning": "Warning",
    "tip": "Tip",
    "success": "Tip",
    "error": "Warning",
}
_BRUSH = re.compile(r"brush:\s*([\w+#-]+)")
_LANG_CLASS = re.compile(r"^(?:language|lang|brush)-([\w+#-]+)$")
_CHROME_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "form", "button", "iframe", "svg")


def _pre_language(pre: Tag) -> str:
    params = pre.get("data-syntaxhighlighter-params")
    if isinstance(params, str):
        m = _BRUSH.search(params)
        if m:
            return m.group(1)
    candidates = [pre, *pre.find_all("code", limit=1)]
    for el in candidates:
        for cls in el.get("class") or []:
            m = _LANG_CLASS.match(cls)
            if m:
                return m.group(1)
    lang = pre.get("data-language") or pre.get("data-lang")
    return lang if isinstance(lang, str) else ""


class _Converter(MarkdownConverter):
    def convert_pre(self, el: Tag, text: str, *args: Any, **kwargs: Any) -> str:
        code = el.get_text()
        if not code.strip():
            return ""
        lang = _pre_language(el)
        fence = "````" if "```" in code else "```"
        return f"\n\n{fence}{lang}\n{code.strip(chr(10))}\n{fence}\n\n"

    def convert_summary(self, el: Tag, text: str, *args: Any, **kwargs: Any) -> str:
        # A toggle's label (Notion toggles, <details> FAQs) stays a line of its own and bold, so a
        # question there starts its own section like a bold FAQ question does.
        label = " ".join(el.get_text().split())
        return f"\n\n**{label}**\n\n" if label else ""

    def convert_img(self, el: Tag, text: str, *args: Any, **kwargs: Any) -> str:
        # Images carry no searchable text; keep their alt text only.
        alt = (el.get("alt") or "").strip()
        return f"[image: {alt}]" if alt else ""


_CONVERTER = _Converter(heading_style="ATX", bullets="-", escape_underscores=False, escape_asterisks=False)


def _label_panels(soup: BeautifulSoup) -> None:
    for div in soup.select("div.confluence-information-macro"):
        kind = "Info"
        for cls in div.get("class") or []:
            if cls.startswith("confluence-information-macro-") and cls.rsplit("-", 1)[-1] in _PANEL_LABELS:
                kind = _PANEL_LABELS[cls.rsplit("-", 1)[-1]]
        title = div.select_one(".title")
        body = div.select_one(".confluence-information-macro-body") or div
        quote = soup.new_tag("blockquote")
        label = soup.new_tag("p")
        strong = soup.new_tag("strong")
        strong.string = f"{kind}:" + (f" {title.get_text(strip=True)}" if title else "")
        label.append(strong)
        quote.append(label)
        for child in list(body.children):
            quote.append(child.extract())
        div.replace_with(quote)
    for aside in soup.find_all(["aside"]):
        quote = soup.new_tag("blockquote")
        for child in list(aside.children):
            quote.append(child.extract())
        aside.replace_with(quote)
    # Confluence anchors and empty spans only add noise.
    for span in soup.select("span.confluence-anchor-link"):
        span.decompose()


def strip_chrome(soup: BeautifulSoup | Tag) -> None:
    for tag in soup.find_all(_CHROME_TAGS):
        tag.decompose()


def parse_html(text: str, parser: str = "html.parser") -> BeautifulSoup:
    """Every reader's way into BeautifulSoup: nesting past `bounds.MAX_HTML_DEPTH` is flattened
    first (a recursive converter would overflow on it, and lxml drops what lies past depth 256)."""
    text, _ = flatten_deep_html(text)
    try:
        return BeautifulSoup(text, parser)
    except Exception:  # lxml refuses a few malformed inputs html.parser still reads
        if parser != "html.parser":
            try:
                return BeautifulSoup(text, "html.parser")
            except Exception:
                pass
    # html.parser itself rejects a few shapes (a broken "<![" declaration such as "<![\nCDATA[",
    # found by the fuzz test): read the declarations as text, then, failing that, everything.
    try:
        return BeautifulSoup(text.replace("<!", "&lt;!"), "html.parser")
    except Exception:
        return BeautifulSoup(text.replace("<", "&lt;"), "html.parser")


def html_to_markdown(html: str | Tag | BeautifulSoup) -> str:
    """Convert an HTML fragment (or parsed element) to clean Markdown."""
    soup = parse_html(html) if isinstance(html, str) else html
    if isinstance(soup, Tag) and not isinstance(soup, BeautifulSoup):
        soup = BeautifulSoup(str(soup), "html.parser")
    strip_chrome(soup)
    _label_panels(soup)
    markdown = _CONVERTER.convert_soup(soup)
    return tidy_markdown(markdown)


def tidy_markdown(markdown: str) -> str:
    """Normalise whitespace: no trailing spaces, at most one blank line in a row."""
    lines = [line.rstrip() for line in markdown.replace("\r\n", "\n").replace("\xa0", " ").split("\n")]
    out: list[str] = []
    blank = False
    in_fence = False
    for line in lines:
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        if not line.strip() and not in_fence:
            if blank:
                continue
            blank = True
        else:
            blank = False
        out.append(line)
    return "\n".join(out).strip() + "\n"


def text_of(node: Tag | NavigableString | None) -> str:
    if node is None:
        return ""
    return re.sub(r"\s+", " ", node.get_text(" ", strip=True)).strip()


def decode_text(data: bytes) -> str:
    """Decode text of unknown encoding: BOMs, UTF-8, then UTF-16 and cp1252 fallbacks.

    Raises ValueError for binary data (NUL bytes outside UTF-16) so the reader can skip it.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data[:8192]:
        raise ValueError("binary content, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1252", errors="replace")
    # Lots of control characters means this was never text.
    sample = text[:8192]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t\f")
    if sample and controls / len(sample) > 0.05:
        raise ValueError("binary content, not text")
    return text
