"""Extractive answers: the most relevant steps or sentences of a passage, quoted verbatim.

Instant (no model), so the sidebar can show it while the LLM warms up, and the fallback when no
LLM is configured or loadable, or when retrieval abstained.

    >>> ex = extract("1. Open Settings.\\n2. Click Reset password.\\n3. Check your inbox.", "reset password")
    >>> ex.lines
    ('Open Settings.', 'Click Reset password.', 'Check your inbox.')

Selection: numbered or bulleted list items, and imperative sentences ("Click …", "Open …"), that
share terms with the query come first. A list is kept as a whole procedure in document order,
since steps out of order are worse than no steps; otherwise the best-scoring sentences are shown
in document order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assist.results import Query

_LIST_ITEM_RE = re.compile(r"^\s*(?:\d{1,3}[.)]|[-*•‣▪]|\(?[a-z]\))\s+(.+)$")
_NUMBERED_RE = re.compile(r"^\s*\d{1,3}[.)]\s+")
_HEADING_RE = re.compile(r"^\s*#{1,6}\s+")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOPWORDS = _words(
    """a an and are as at be but by can could did do does for from has have how i if in into is it its
    me my no not of on or our please so than that the their them then there these this to too was we
    were what when where which who why will with would you your yours hi hello thanks thank regards"""
)
# Verbs that open instructions in help articles; a sentence starting with one is probably a step.
_IMPERATIVES = _words(
    """add allow check choose click clear close confirm contact copy create delete disable download
    edit enable enter find follow go install log make navigate note open paste press remove rename
    request reset restart restore review run save scroll search select send set sign switch tap try
    type uninstall update upload use verify visit wait"""
)


def _stem(word: str) -> str:
    # Crude suffix folding so "resetting"/"resets"/"reset" meet; good enough for overlap scoring.
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    # "resett(ing)" → "reset"; applied to every word, so "install"/"installed" still meet.
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiou":
        word = word[:-1]
    return word


def terms_of(text: str) -> frozenset[str]:
    """Content-word stems of `text`."""
    return frozenset(_stem(w) for w in _WORD_RE.findall(text.lower()) if w not in _STOPWORDS)


def query_terms(query: Query | str) -> frozenset[str]:
    if isinstance(query, str):
        return terms_of(query)
    return terms_of(" ".join([query.text, *query.terms, *query.phrases]))


@dataclass(frozen=True, slots=True)
class Extract:
    lines: tuple[str, ...]
    """Selected steps or sentences, verbatim (list markers removed), in document order."""
    steps: bool
    """True when the lines are items of one list (a procedure), to be shown numbered."""
    matched: bool
    """True when at least one line shares a term with the query."""


@dataclass(frozen=True, slots=True)
class _Unit:
    text: str
    pos: int
    block: int
    """Index of the list the item belongs to; -1 for prose."""
    numbered: bool


_QUOTE_MARK_RE = re.compile(r"^(?:>\s?)+")
_EMPHASIS_RE = re.compile(r"\*\*|__|`")


_PROPERTIES_RE = re.compile(r"(?:[\w][\w ]{0,24}: [^·|]{1,80}\s·\s){2,}")


def _is_label(text: str) -> bool:
    """ "**Note:**", a bare title line ("E-104 Hub offline") or a row of page properties
    ("Owner: … · Last edited time: … · Tags: …"): nothing to quote on its own."""
    words = text.split()
    if not words or _PROPERTIES_RE.search(text):
        return True
    if len(words) <= 3 and text.endswith(":"):
        return True
    return len(words) <= 4 and text[-1] not in ".!?:)" and not text.startswith("|")


def _logical_lines(text: str) -> list[str]:
    """Lines with hard wraps undone: a prose line that continues the one before ("ship as" /
    "delivery for a full refund") joins it, so a fragment is never quoted on its own."""
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if out and line and out[-1]:
            previous = out[-1]
            structural = _HEADING_RE.match(line) or _LIST_ITEM_RE.match(line) or line.startswith(("|", ">"))
            previous_open = _HEADING_RE.match(previous) is None and not previous.startswith("|")
            continues = line[0].islower() or (
                previous[-1] not in ".!?:|)" and _LIST_ITEM_RE.match(previous) is None
            )
            if not structural and previous_open and continues:
                out[-1] = f"{previous} {line}"
                continue
        out.append(line)
    return out


def _units(text: str) -> list[_Unit]:
    units: list[_Unit] = []
    block, in_list, numbered = -1, False, False
    for raw in _logical_lines(text):
        # Quoted notes ("> **Note:** …") and emphasis are markup, not words to quote.
        line = _EMPHASIS_RE.sub("", _QUOTE_MARK_RE.sub("", raw.strip()))
        stripped = line.strip()
        if not stripped:
            continue  # blank lines separate items of a loose list without ending it
        if _HEADING_RE.match(stripped):
            in_list = False
            continue
        item = _LIST_ITEM_RE.match(stripped)
        if item:
            is_numbered = bool(_NUMBERED_RE.match(stripped))
            # A new list starts after prose or a heading, or where numbering turns into bullets.
            if not in_list or is_numbered != numbered:
                block += 1
                in_list, numbered = True, is_numbered
            units.append(_Unit(item.group(1).strip(), len(units), block, is_numbered))
            continue
        in_list = False
        if stripped.startswith("|"):
            # A table row reads as its cells: "Solid red — Hardware fault (app shows E-110). — …"
            cells = [c.strip() for c in stripped.strip("|").split("|") if c.strip()]
            row = " — ".join(cells)
            if cells and not all(set(c) <= set("-: ") for c in cells) and not _is_label(row):
                units.append(_Unit(row, len(units), -1, False))
            continue
        for sentence in _SENTENCE_RE.split(stripped):
            if sentence.strip() and not _is_label(sentence.strip()):
                units.append(_Unit(sentence.strip(), len(units), -1, False))
    return units


def _score(unit: _Unit, terms: frozenset[str]) -> float:
    words = _WORD_RE.findall(unit.text.lower())
    overlap = len(terms & {_stem(w) for w in words})
    imperative = bool(words) and words[0] in _IMPERATIVES
    return 2.0 * overlap + (1.0 if unit.block >= 0 else 0.0) + (1.0 if imperative else 0.0)


def extract(text: str, query: Query | str, *, max_steps: int = 8, max_sentences: int = 3) -> Extract:
    """The lines of `text` that best answer `query`.

    Args:
        text: A passage (markdown-ish: list items one per line).
        query: The retrieval query, or plain text.
        max_steps: Longest procedure shown; a longer list is cut after this many items.
        max_sentences: How many prose sentences to show when no list fits.
    """
    terms = query_terms(query)
    units = _units(text)
    if not units:
        return Extract((), steps=False, matched=False)
    scores = {u.pos: _score(u, terms) for u in units}
    overlaps = {u.pos: scores[u.pos] - (1.0 if u.block >= 0 else 0.0) for u in units}

    # Best list: the items plus the sentence that introduces them ("To reset your password:").
    blocks: dict[int, list[_Unit]] = {}
    for u in units:
        if u.block >= 0:
            blocks.setdefault(u.block, []).append(u)
    best_block, best_value = None, 0.0
    for items in blocks.values():
        lead = units[items[0].pos - 1] if items[0].pos > 0 and units[items[0].pos - 1].block < 0 else None
        value = sum(overlaps[u.pos] for u in items) + (overlaps[lead.pos] if lead else 0.0)
        if len(items) >= 2 and value > best_value:
            best_block, best_value = items, value
    if best_block is not None:
        lines = tuple(u.text for u in best_block[:max_steps])
        return Extract(lines, steps=True, matched=True)

    ranked = sorted(units, key=lambda u: (-scores[u.pos], u.pos))[:max_sentences]
    matched = any(overlaps[u.pos] > 0 for u in ranked)
    if not matched:
        # Nothing shares a word with the query: the opening of the passage is the honest summary.
        ranked = units[:max_sentences]
    return Extract(tuple(u.text for u in sorted(ranked, key=lambda u: u.pos)), steps=False, matched=matched)


def format_extract(ex: Extract, *, lead: str = "", cite: int | None = 1) -> str:
    """Render as a numbered procedure or bullet list, with `[cite]` after the lead line."""
    marker = f" [{cite}]" if cite is not None else ""
    head = f"{lead}{marker}:" if lead else ""
    if ex.steps:
        body = "\n".join(f"{i}. {line}" for i, line in enumerate(ex.lines, start=1))
    else:
        body = "\n".join(f"- {line}" for line in ex.lines)
    if not head:
        return body + marker if body else ""
    return f"{head}\n{body}" if body else head


MIN_OFFER_TERMS = 2
"""A passage's lines must cover at least this many distinct query terms to join an extract."""


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = _WORD_RE.findall(text.lower())
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def _echoes(line: str, ticket_grams: set[tuple[str, ...]]) -> bool:
    grams = _trigrams(line)
    return bool(grams) and len(grams & ticket_grams) / len(grams) >= 0.6


@dataclass(frozen=True, slots=True)
class Block:
    """The lines one passage contributes to a query-focused extract."""

    n: int
    """The passage's number (its `[n]`)."""
    extract: Extract


def _line_overlap(line: str, terms: frozenset[str]) -> int:
    return len(terms & {_stem(w) for w in _WORD_RE.findall(line.lower())})


def extract_focused(
    passages: list[tuple[int, str]],
    query: Query | str,
    *,
    max_words: int = 120,
    max_steps: int = 8,
    prefer_steps: bool = False,
) -> list[Block]:
    """The steps, sentences and table rows of the top passages that address `query`.

    Each passage offers its best procedure (whole, up to `max_steps`) or the sentences that share
    a query term. Offers are taken by how much of the question they cover (terms of the ticket's
    subject count double), best first, until about `max_words`; a procedure is never cut for the
    word budget, and at most one is taken (two would read as one mixed-up list). The blocks come
    back in passage order, lines in document order. If no line shares a term with the query,
    the first passage's opening lines are the honest summary.

    Lines the ticket itself contains (an article's sample of the error screen the customer
    pasted) are not offered, nor offers that cover fewer than `MIN_OFFER_TERMS` query terms.

    Args:
        passages: `(n, text)` best first.
        query: The retrieval query, or plain text.
        prefer_steps: Take the best procedure first (a reply to a customer is mostly steps).
    """
    terms = query_terms(query)
    ticket_grams = _trigrams(query.text if isinstance(query, Query) else query)
    focus = terms_of(" ".join(query.focus)) if isinstance(query, Query) else frozenset()
    offers: list[tuple[float, int, Block]] = []
    for i, (n, text) in enumerate(passages):
        ex = extract(text, query, max_steps=max_steps)
        if not ex.lines or not ex.matched:
            continue
        lines = ex.lines
        if not ex.steps:
            lines = tuple(ln for ln in ex.lines if _line_overlap(ln, terms) and not _echoes(ln, ticket_grams))
        if not lines:
            continue
        covered: set[str] = set()
        for line in lines:
            covered |= terms & {_stem(w) for w in _WORD_RE.findall(line.lower())}
        if len(covered) < MIN_OFFER_TERMS:
            continue
        value = len(covered) + len(covered & focus) + (1.5 if ex.steps else 0.0) - 0.01 * i
        if prefer_steps and ex.steps:
            value += 100.0
        offers.append((value, i, Block(n, Extract(lines, ex.steps, True))))
    if not offers:
        if not passages:
            return []
        n, text = passages[0]
        ex = extract(text, query, max_steps=max_steps)
        return [Block(n, ex)] if ex.lines else []
    chosen: list[tuple[int, Block]] = []
    words = 0
    for _value, i, block in sorted(offers, key=lambda o: (-o[0], o[1])):
        if chosen and words >= max_words:
            break
        if block.extract.steps:
            if any(b.extract.steps for _, b in chosen):
                continue
            chosen.append((i, block))
            words += sum(len(line.split()) for line in block.extract.lines)
            continue
        kept: list[str] = []
        for line in block.extract.lines:
            if (chosen or kept) and words + len(line.split()) > max_words:
                break
            kept.append(line)
            words += len(line.split())
        if kept:
            chosen.append((i, Block(block.n, Extract(tuple(kept), False, True))))
    return [block for _, block in sorted(chosen, key=lambda c: c[0])]


INTERNAL_LABEL = " (INTERNAL — not for customers)"


def format_blocks(
    blocks: list[Block], titles: dict[int, str], *, cite: bool = True, internal: frozenset[int] = frozenset()
) -> str:
    """Render blocks under a `From “title” [n]:` lead each (`INTERNAL_LABEL` after the title of the
    passages in `internal`); without `cite`, no markers or leads (for a customer draft), steps
    numbered and other lines as bullets."""
    parts = []
    for block in blocks:
        if cite:
            label = INTERNAL_LABEL if block.n in internal else ""
            lead = f"From “{titles[block.n]}”{label}"
            parts.append(format_extract(block.extract, lead=lead, cite=block.n))
        elif block.extract.steps:
            parts.append(format_extract(block.extract, lead="", cite=None))
        else:  # a reply reads sentences as a paragraph, not as bullets; table rows stay lines
            text = ""
            for line in block.extract.lines:
                text += ("" if not text else " " if text[-1] in ".!?" and line[-1] in ".!?" else "\n") + line
            parts.append(text)
    return "\n\n".join(p for p in parts if p)
