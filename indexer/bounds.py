"""Bounds on the work one file may cost the indexer, so one hostile file never holds back the rest.

Three bounds, each with the reason a skipped file shows in the report:

- **Size**: a document file larger than `FileLimits.max_file_bytes` (20 MB by default,
  `assist-index --max-file-mb`) is skipped before it is read: "larger than 20 MB".
- **Time**: each file is parsed and chunked in a worker process (`indexer.isolation`); one that takes
  longer than `FileLimits.seconds_per_file` (60 s, `--file-timeout`) is stopped and skipped:
  "took longer than 60 s to parse". This is the backstop for whatever the two bounds below miss.
- **Passages**: a file that yields more than `MAX_CHUNKS_PER_FILE` (2,000 passages of ~200 tokens,
  ~1,300 pages) is skipped before anything is embedded: embedding is where the time goes.
- **Shape**, cheap and linear, applied before any parser sees the text:
  - HTML nested deeper than `MAX_HTML_DEPTH` (48) elements is flattened: the tags below that depth
    are dropped and their text kept; so are the tags after the first `MAX_HTML_ELEMENTS` (20,000)
    elements (`flatten_deep_html`). No KB page comes near either (the shared KB's largest page has
    850 elements, nesting ~25 deep); a page that does is generated or hostile. A recursive converter
    overflows the stack on deep nesting, lxml silently drops everything past depth 256, and
    BeautifulSoup's and markdownify's per-element work grows with the depth, so the cost of
    converting a page is bounded by elements × depth.
  - Text lines longer than `MAX_LINE_CHARS` are broken at spaces (or hard, when there are none),
    and runs of one Markdown punctuation character (`*`, `_`, `[`, `|`, backticks…) longer than
    `MAX_PUNCT_RUN` are shortened (`tame_text`): no prose has them, and they are what makes
    Markdown-ish regular expressions slow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MB = 1024 * 1024
DEFAULT_MAX_FILE_BYTES = 20 * MB
DEFAULT_SECONDS_PER_FILE = 60.0
MAX_HTML_DEPTH = 48
MAX_HTML_ELEMENTS = 20_000
MAX_LINE_CHARS = 4000
MAX_PUNCT_RUN = 64
MAX_CHUNKS_PER_FILE = 2000


@dataclass(frozen=True, slots=True)
class FileLimits:
    """What one file may cost. Passed from the CLI through the pipeline to the tree and readers."""

    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    seconds_per_file: float = DEFAULT_SECONDS_PER_FILE
    max_chunks_per_file: int = MAX_CHUNKS_PER_FILE

    def too_many_chunks(self, count: int) -> str | None:
        if count <= self.max_chunks_per_file:
            return None
        return (
            f"yields {count:,} passages, more than the {self.max_chunks_per_file:,} allowed per file: "
            "split it into smaller documents"
        )

    def too_large(self, size: int) -> str | None:
        """The skip reason for a file of `size` bytes, or None when it is within the cap."""
        if size <= self.max_file_bytes:
            return None
        return f"larger than {_mb(self.max_file_bytes)} ({_mb(size)})"

    def too_slow(self) -> str:
        return f"took longer than {self.seconds_per_file:g} s to parse (per-file time budget)"


def _mb(size: int) -> str:
    value = size / MB
    return f"{value:.0f} MB" if value >= 10 or value == int(value) else f"{value:.1f} MB"


# -- HTML depth -------------------------------------------------------------------------------------

# Linear: one pass of a regex with no nested quantifiers. Comments and scripts are not special-cased:
# a `<div>` inside a script only makes the depth estimate higher, never lower.
# Attributes are bounded and stop at the next "<", so text full of "<a " without a ">" stays linear.
_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]{0,40})(?:\s[^<>]{0,2000})?(/?)>")
_VOID = frozenset(
    ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr")
)
_BLOCK = frozenset(
    {
        *("address", "article", "aside", "blockquote", "dd", "details", "div", "dl", "dt", "fieldset"),
        *("figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "li"),
        *("main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th"),
        *("thead", "tr", "ul"),
    }
)
_CLOSE_SEARCH = 16
"""How far up the open elements an end tag looks for its start tag (bounded, so unbalanced HTML
stays linear); an end tag without a match nearby is left to the parser."""


def flatten_deep_html(
    html: str, max_depth: int = MAX_HTML_DEPTH, max_elements: int = MAX_HTML_ELEMENTS
) -> tuple[str, bool]:
    """Drop the tags nested deeper than `max_depth`, and those after the first `max_elements`
    elements, keeping their text.

    A run of dropped block tags becomes one line break, so their text stays a paragraph of its own.
    Returns the HTML and whether anything was dropped. Linear in the length of `html`.
    """
    if html.count("<") <= max_depth:  # the common case: too few tags to nest that deep
        return html, False
    out: list[str] = []
    stack: list[tuple[str, bool]] = []  # (tag name, dropped)
    last = 0
    kept = 0
    flattened = broke = False
    for m in _TAG_RE.finditer(html):
        closing, name, self_closing = m.group(1), m.group(2).lower(), m.group(3)
        if name in _VOID or self_closing:
            continue
        if not closing:
            drop = len(stack) >= max_depth or kept >= max_elements
            kept += not drop
            stack.append((name, drop))
        else:
            for back in range(1, min(len(stack), _CLOSE_SEARCH) + 1):
                if stack[-back][0] == name:
                    break
            else:
                continue
            drop = stack[-back][1]
            del stack[-back:]
        if drop:
            flattened = True
            between = html[last : m.start()]
            out.append(between)
            # One break (or space) for a run of dropped tags with nothing between them; the
            # breaks count against the element budget too.
            if between.strip() or not broke:
                block = name in _BLOCK and kept < max_elements
                out.append("<br>" if block else " ")
                kept += block
                broke = True
            last = m.end()
    if not flattened:
        return html, False
    out.append(html[last:])
    return "".join(out), True


# -- long lines and punctuation runs ----------------------------------------------------------------

# A unit of one to four punctuation characters repeated past the limit ("*****", "](](](", "| | |").
_PUNCT_RUN_RE = re.compile(rf"([*_\[\]|`~#=<>\\(){{}}\s-]{{1,4}}?)\1{{{MAX_PUNCT_RUN},}}")


def tame_text(text: str) -> str:
    """Break over-long lines and shorten long runs of one punctuation character (see module doc).

    Text without either is returned as is (the same object), so ordinary documents pay one scan.
    """
    if _PUNCT_RUN_RE.search(text):
        text = _PUNCT_RUN_RE.sub(_shorten_run, text)
    if not any(len(line) > MAX_LINE_CHARS for line in text.split("\n")):
        return text
    return "\n".join(_break_line(line) for line in text.split("\n"))


def _shorten_run(m: re.Match[str]) -> str:
    unit = m.group(1)
    return m.group(0) if unit.isspace() else unit * 3  # whitespace runs are indentation, not noise


def _break_line(line: str) -> str:
    if len(line) <= MAX_LINE_CHARS:
        return line
    pieces: list[str] = []
    start = 0
    while len(line) - start > MAX_LINE_CHARS:
        cut = line.rfind(" ", start + MAX_LINE_CHARS // 2, start + MAX_LINE_CHARS)
        if cut == -1:
            cut = start + MAX_LINE_CHARS
        pieces.append(line[start:cut].rstrip())
        start = cut + 1 if line[cut : cut + 1] == " " else cut
    pieces.append(line[start:])
    return "\n".join(pieces)
