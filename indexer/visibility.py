"""Does a document say it is internal-only? One decision per document, made while indexing.

Configured patterns (`AnswerSettings.internal_only`) are the team's word; this module is the
document's own: a page that is marked internal stays out of customer drafts even when nobody
remembered to configure anything. The pipeline records the verdict and its reason in every chunk's
metadata (`internal`, `internal_reason`); retrieval puts them on `DocHit`.

A document is internal when any of these hold (first match wins, and is the reason):

- a front-matter key or Notion property says so: `audience: internal`, `visibility: private`,
  `access: restricted`, `internal: true`, `Internal: Yes`, `Confidential: ✓`;
- a tag or label is `internal`, `internal-only`, `confidential`, `restricted` or `agents-only`
  (front-matter tags, Notion `Tags`, Confluence labels);
- the Confluence export shows page restrictions (`properties["restrictions"]`);
- one of the first lines of the body is a banner: "INTERNAL ONLY", "Internal use only",
  "For internal use only", "Confidential", "Agents only", "Do not share with customers",
  also inside a callout (`> **Warning:** INTERNAL ONLY. …`), or the title is tagged
  "[Internal] …";
- a folder in its path or breadcrumb is named Internal or Private (or "Internal only",
  "Confidential", "Restricted").

Example:
    >>> doc = RawDocument(key="a", path="Internal/Escalation/policy.md", title="Policy", markdown="…")
    >>> is_internal(doc)
    (True, 'folder "Internal"')
"""

from __future__ import annotations

import re

from indexer.documents import RawDocument

__all__ = ["is_internal"]

_MARK_WORDS = frozenset({"internal", "internalonly", "confidential", "restricted", "agentsonly", "staffonly"})
"""Tags and labels (normalised: case and separators dropped) that make a document internal."""

_AUDIENCE_KEYS = frozenset({"audience", "visibility", "access", "classification", "sensitivity"})
_AUDIENCE_VALUES = frozenset(
    {
        "internal",
        "internalonly",
        "private",
        "restricted",
        "confidential",
        "agents",
        "agentsonly",
        "staff",
        "staffonly",
        "employees",
        "employeesonly",
        "supportagents",
    }
)
_FLAG_KEYS = frozenset({"internal", "internalonly", "confidential", "restricted", "private", "agentsonly"})
_TRUE = frozenset({"true", "yes", "y", "1", "on", "x", "✓", "✔", "checked"})

_FOLDERS = frozenset({"internal", "private", "internalonly", "confidential", "restricted"})
_NOTION_ID = re.compile(r"\s+[0-9a-f]{32}$")

_END = r"(?=\s*$|\s*[.:;!|)\]*_\u2013\u2014-])"
_BANNER = re.compile(
    r"^(?:(?:for\s+)?internal[\s_-]+(?:use[\s_-]+)?only\b"
    r"|for\s+internal\s+use\b"
    r"|not\s+for\s+(?:customers|external\s+use|public\s+(?:use|release|distribution))\b"
    r"|do\s+not\s+(?:share|send|forward)\s+(?:this\s+\w+\s+)?(?:with|to)\s+customers\b"
    r"|(?:internal(?:\s+use)?|(?:strictly\s+)?confidential|restricted(?:\s+access)?"
    rf"|(?:agents?|staff|employees)\s+only){_END})",
    re.IGNORECASE,
)
"""A banner phrase at the start of a line. Single words ("Confidential", "Internal") count only
when punctuation or the line's end follows, so "Confidential information you share is…" on a
public privacy page or a title like "Internal wiring of the hub" is not a banner."""
_LINE_DECORATION = re.compile(
    # Quote, heading and emphasis marks, emoji, then an optional callout label ("Warning:").
    r"^(?:[>#*_`~\s]|[\u2600-\u27bf\U0001f300-\U0001faff\ufe0f]|\[!\w+\])*"
    r"(?:(?:warning|note|important|caution|info|notice|attention|danger)[*_]*\s*"
    r"[:\u2013\u2014-]\s*[*_]*\s*)?",
    re.IGNORECASE,
)
_TITLE_TAG = re.compile(
    r"^\s*[\[(](?:internal|confidential|restricted|internal[\s-]+only)[\])]", re.IGNORECASE
)
_BANNER_LINES = 3
"""How many non-empty lines at the top of the body may hold the banner."""


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def _from_properties(doc: RawDocument) -> str | None:
    for key, value in doc.properties.items():
        k = _norm(key)
        values = [_norm(v) for v in re.split(r"[,;/]", str(value))]
        if k in _AUDIENCE_KEYS and any(v in _AUDIENCE_VALUES for v in values):
            return f"{key}: {str(value).strip()}"
        if k in _FLAG_KEYS and str(value).strip().casefold() in _TRUE:
            return f"{key}: {str(value).strip()}"
    if doc.properties.get("restrictions"):
        return f"page restrictions: {doc.properties['restrictions']}"
    return None


def _from_tags(doc: RawDocument) -> str | None:
    for tag in doc.tags:
        if _norm(tag) in _MARK_WORDS:
            return f'tag "{tag.strip()}"'
    return None


def _from_banner(doc: RawDocument) -> str | None:
    if _TITLE_TAG.match(doc.title) or _BANNER.match(doc.title.strip()):
        return f'title "{doc.title.strip()}"'
    seen = 0
    for raw in doc.markdown.split("\n"):
        line = raw.strip()
        if not line or line.startswith("<!--") or set(line) <= set(">-*_=|: "):
            continue
        seen += 1
        if seen > _BANNER_LINES:
            break
        body = _LINE_DECORATION.sub("", line).lstrip("*_ ")
        if m := _BANNER.match(body):
            return f'banner "{m.group(0).strip()}"'
    return None


def _from_folders(doc: RawDocument) -> str | None:
    folders = [*doc.path.replace("\\", "/").split("/")[:-1], *doc.hierarchy]
    for folder in folders:
        name = _NOTION_ID.sub("", folder.strip())
        if _norm(name) in _FOLDERS:
            return f'folder "{name}"'
    return None


def is_internal(doc: RawDocument) -> tuple[bool, str]:
    """Whether the document marks itself internal-only, and why.

    Args:
        doc: the document as a reader returned it (front matter and Notion properties are in
            `properties`, tags and Confluence labels in `tags`).

    Returns:
        `(True, reason)`, e.g. `(True, "audience: internal")`, or `(False, "")`.
    """
    for rule in (_from_properties, _from_tags, _from_banner, _from_folders):
        reason = rule(doc)
        if reason:
            return True, reason
    return False, ""
