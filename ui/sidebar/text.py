"""Pure text helpers for the sidebar's views (no Qt): highlighting, excerpts, ages, citations.

highlight_html("Restart the hub", ("hub",))  ->  'Restart the <b class="hl">hub</b>'
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

_WORD_RE = re.compile(r"[\w'-]+", re.UNICODE)
_CITE_RE = re.compile(r"\[(\d{1,3})\]")


def _matcher(terms: Iterable[str]) -> re.Pattern[str] | None:
    # Query terms are lower-cased content words, sometimes stems ("restart" for "restarting"),
    # so a term matches a word it starts; very short terms would light up half the text.
    cleaned = sorted({t.lower() for t in terms if len(t) >= 3}, key=len, reverse=True)
    if not cleaned:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(t) for t in cleaned) + r")[\w'-]*", re.IGNORECASE)


def plain(text: str) -> str:
    """Passage text without Markdown markup (chunks keep `**bold**` and code fences), one line."""
    text = re.sub(r"\*\*|__|`{1,3}|^#{1,6}\s+", "", text, flags=re.MULTILINE)
    return " ".join(text.split())


def excerpt(text: str, terms: Sequence[str], limit: int = 320) -> str:
    """About `limit` characters of `text` around the first query term (whole words, with …)."""
    text = plain(text)
    if len(text) <= limit:
        return text
    m = _matcher(terms)
    start = 0
    if m is not None:
        hit = m.search(text)
        if hit is not None and hit.start() > limit // 3:
            start = hit.start() - limit // 4
            start = text.rfind(" ", 0, start) + 1
    end = start + limit
    if end < len(text):
        cut = text.rfind(" ", start, end)
        end = cut if cut > start else end
    body = text[start:end].strip()
    if end < len(text):
        body = body.rstrip(".,;:") + "…"
    return ("…" if start else "") + body


def highlight_html(text: str, terms: Sequence[str], tag: str = "b") -> str:
    """HTML-escaped `text` with every word starting with a query term wrapped in `<tag>`."""
    m = _matcher(terms)
    if m is None:
        return html.escape(text)
    out: list[str] = []
    last = 0
    for hit in m.finditer(text):
        out.append(html.escape(text[last : hit.start()]))
        out.append(f"<{tag}>{html.escape(hit.group(0))}</{tag}>")
        last = hit.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def answer_html(text: str, valid: Iterable[int], link_color: str = "") -> str:
    """Answer text as HTML: paragraphs kept, `[n]` turned into `cite:n` anchors for valid n."""
    allowed = set(valid)
    style = f' style="color:{link_color}; text-decoration:none"' if link_color else ""

    def link(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n not in allowed:
            return m.group(0)
        return f'<a href="cite:{n}"{style}>[{n}]</a>'

    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    parts = []
    for p in paragraphs:
        body = _CITE_RE.sub(link, html.escape(p)).replace("\n", "<br>")
        parts.append(f"<p>{body}</p>")
    return "".join(parts)


def human_age(then: datetime | None, now: datetime | None = None) -> str:
    """'5 min', '3 h', '2 d' since `then` (or 'in 3 h' for a time ahead)."""
    if then is None:
        return ""
    now = now or datetime.now(UTC)
    seconds = (now - then).total_seconds()
    ahead = seconds < 0
    s = abs(seconds)
    if s < 60:
        span = "<1 min"
    elif s < 3600:
        span = f"{int(s // 60)} min"
    elif s < 48 * 3600:
        h, m = divmod(int(s // 60), 60)
        span = f"{h} h {m:02d} min" if h < 10 and m else f"{h} h"
    else:
        span = f"{int(s // 86400)} d"
    return f"in {span}" if ahead else span


def short_date(value: str | None) -> str:
    """'2026-10-27T…' → '2026-10-27'; anything else unchanged."""
    if not value:
        return ""
    return value[:10] if re.match(r"\d{4}-\d{2}-\d{2}", value) else value
