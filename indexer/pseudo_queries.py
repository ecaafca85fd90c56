"""Queries a KB asks of itself: what the second stage is trained on instead of labelled tickets.

Each article yields a few (query, article) pairs, written the way a ticket would carry them:

- section: a section's heading as the subject, its first sentence as the body, with the product
  the article is about named (tickets name their board); the section itself is left out of the
  index for that query, so the article must be found by the rest of it, as a ticket's words are
  rarely the article's own;
- title: the title turned into a customer's framing ("If your board is not detected" → "my board
  is not detected", "How to reset X" → "how do I reset X"), the lead's first sentence as the
  body, with the lead left out;
- faq: a FAQ entry's question;
- error: a line the article quotes that reads like an error message, pasted as a ticket would.

Selection is deterministic: the same KB gives the same queries, in the same order.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from indexer.gazetteer import Gazetteer
from indexer.store import IndexStore, StoredChunk

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_MD = re.compile(r"[*_`#>|]+|\[([^\]]*)\]\([^)]*\)|!\[[^\]]*\]\([^)]*\)")
_ERRORISH = re.compile(
    r"\b(error|failed|failure|exception|cannot|can't|unable|not found|denied|timeout|invalid|exit status)\b",
    re.IGNORECASE,
)
_GENERIC_HEADINGS = re.compile(
    r"^(solution|option|method|step|steps|note|notes|summary|overview|introduction|further reading|"
    r"related|more|learn more|next steps|resources|contents|attachments|see also)\b",
    re.IGNORECASE,
)
_REFRAME = (
    (re.compile(r"^if (your|you)\b\s*", re.I), "my "),
    (re.compile(r"^if\b\s*", re.I), ""),
    (re.compile(r"^how to\b", re.I), "how do I"),
    (re.compile(r"^how can i\b", re.I), "how can I"),
    (re.compile(r"^about\b\s*", re.I), "what is "),
)


@dataclass(frozen=True, slots=True)
class PseudoQuery:
    subject: str
    body: str
    uid: str
    """The article that answers it."""
    kind: str
    """section | title | faq | error"""
    exclude: tuple[str, ...] = ()
    """Chunk ids to leave out of the index while searching for it."""


def _plain(text: str) -> str:
    text = _MD.sub(lambda m: m.group(1) or " ", text)
    return " ".join(text.split())


def _first_sentence(text: str, limit: int = 220) -> str:
    plain = _plain(text)
    first = _SENTENCE.split(plain, maxsplit=1)[0]
    return first[:limit].rsplit(" ", 1)[0] if len(first) > limit else first


def _reframe(title: str) -> str:
    for pattern, repl in _REFRAME:
        if pattern.search(title):
            return pattern.sub(repl, title, count=1).strip()
    return title


def _stable_order(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _error_lines(chunk: StoredChunk) -> list[str]:
    out = []
    for line in chunk.text.split("\n"):
        line = line.strip().strip("`").strip()
        if (
            12 <= len(line) <= 160
            and _ERRORISH.search(line)
            and not line.startswith(("#", "-", "*", "|"))
            and re.search(r"[:\"'()]|exit status|\.exe|0x", line)
        ):
            out.append(line)
    return out


def pseudo_queries(store: IndexStore, gazetteer: Gazetteer, per_article: int = 4) -> list[PseudoQuery]:
    """Up to `per_article` queries per indexed article (hub pages with one chunk give at most one)."""
    out: list[PseudoQuery] = []
    for uid, rec in sorted(store.docs().items()):
        if rec.state != "ok":
            continue
        chunks = store.doc_chunks(uid)
        if not chunks:
            continue
        names = gazetteer.names_in(rec.title)
        product = " ".join(names[0]) if names else ""
        found: list[PseudoQuery] = []
        lead = chunks[0]
        lead_sentence = _first_sentence(lead.text)
        if lead_sentence and len(chunks) > 1:
            found.append(PseudoQuery(_reframe(rec.title), lead_sentence, uid, "title", (lead.id,)))
        sections: list[PseudoQuery] = []
        for chunk in chunks[1:]:
            heading = str(chunk.meta.get("heading") or "").split(" > ")[-1].strip()
            if heading.endswith("?"):
                found.append(PseudoQuery(heading, "", uid, "faq"))
                continue
            if not heading or _GENERIC_HEADINGS.match(heading) or heading.lower() == rec.title.lower():
                continue
            sentence = _first_sentence(chunk.text)
            if len(sentence) < 20:
                continue
            subject = (
                f"{product} {heading}".strip() if product and product not in heading.lower() else heading
            )
            sections.append(PseudoQuery(subject, sentence, uid, "section", (chunk.id,)))
        errors = [line for c in chunks for line in _error_lines(c)]
        if errors:
            line = min(errors, key=_stable_order)
            found.append(PseudoQuery(f"{product} error".strip(), line, uid, "error"))
        sections.sort(key=lambda q: _stable_order(q.subject + q.body))
        found.extend(sections)
        # A deterministic mix: the title query, then FAQ entries and errors, then sections.
        out.extend(found[:per_article])
    return out
