"""Turn a ticket (subject + the customer's messages) into a search query.

What an agent would skim past is dropped: greetings, sign-offs and signatures, quoted history
("On Tue, … wrote:", "> …", forwarded headers), order numbers, emails and URLs. What an agent
would copy into a search box is kept verbatim for the lexical side: pasted error messages,
quoted strings, error codes (`E-104`, `LIBUSB_ERROR_PIPE`, `exit status 74`).
"""

from __future__ import annotations

import re

from assist.results import Query
from assist.tickets import Ticket

_QUOTE_HEADERS = re.compile(
    r"^\s*(?:on\s.{3,120}\bwrote:|am\s.{3,120}\bschrieb:|le\s.{3,120}\ba écrit\s?:|"
    r"-{2,}\s*(?:original message|forwarded message)\s*-{2,}|from:\s.+|sent:\s.+|"
    r"_{5,})\s*$",
    re.IGNORECASE,
)
_SIGNOFF = re.compile(
    r"^\s*(?:thanks(?: (?:a lot|in advance|so much))?|thank you(?: (?:so much|in advance))?|many thanks|"
    r"cheers|best(?: regards| wishes)?|kind regards|regards|br|sincerely|yours(?: truly| sincerely)?|"
    r"thx|ty|greetings|danke|grazie|merci|mit freundlichen grüßen|saludos)\b[\s,.!]*$",
    re.IGNORECASE,
)
_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|hallo|hola|bonjour|ciao|greetings)"
    r"\b[^,.!?:\n]{0,30}(?:[,!.:]|$)\s*",
    re.IGNORECASE,
)
_ORDER_NOISE = re.compile(
    r"(?:\b(?:order|invoice|ticket|case|ref(?:erence)?|tracking)(?:\s*(?:no\.?|number|id))?\s*[#:]?\s*"
    r"[A-Z0-9-]*\d[A-Z0-9-]{3,}\b)|(?:#\d{4,})|\b\d{6,}\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_URL = re.compile(r"https?://\S+")
_QUOTED = re.compile(r"[\"“'`‘]([^\"“”'`‘’\n]{6,200})[\"”'`’]")
_CODE_TOKEN = re.compile(
    r"\b(?:[A-Z]{2,}(?:_[A-Z0-9]+)+|[A-Z]{1,4}-\d{2,5}|0x[0-9a-fA-F]{2,}|exit status \d+|error \d{2,})\b"
)
_MODEL_NAME = re.compile(r"\b(?=\w*[A-Za-z])(?=\w*\d)\w{4,}\b")
"""A word of letters and digits: ATmega16U2, ESP32S3, COM3, 0x1A."""
_ERRORISH = re.compile(
    r"\b(?:error|failed|failure|exception|cannot|can't|unable|not found|denied|timeout)\b", re.I
)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_+.#-]*[A-Za-z0-9+#]|[A-Za-z0-9]")

STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are aren't as at be because been before
    being below between both but by can can't cannot could couldn't did didn't do does doesn't doing
    don't down during each few for from further had hadn't has hasn't have haven't having he he'd
    he'll he's her here here's hers herself him himself his how how's i i'd i'll i'm i've if in into
    is isn't it it's its itself let's me more most mustn't my myself no nor not of off on once only
    or other ought our ours ourselves out over own same shan't she she'd she'll she's should
    shouldn't so some such than that that's the their theirs them themselves then there there's
    these they they'd they'll they're they've this those through to too under until up very was
    wasn't we we'd we'll we're we've were weren't what what's when when's where where's which while
    who who's whom why why's with won't would wouldn't you you'd you'll you're you've your yours
    yourself yourselves also just get got please thanks thank hi hello hey dear help need want know
    like really still already since now anymore anything something someone way tried try trying
    anyone yesterday today tomorrow day days week weeks month months time times keep keeps kept does
    did done make made use used using able one two lot lots much many thing things im ive dont
    doesnt cant wont isnt didnt whats
    """.split()  # noqa: SIM905 - a word list reads better as text
)


def _strip_quoted_history(text: str) -> str:
    out: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if _QUOTE_HEADERS.match(line):
            break  # everything below a quote header is the previous conversation
        if line.lstrip().startswith(">"):
            continue
        out.append(line)
    return "\n".join(out)


def _strip_signature(text: str) -> str:
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.strip() in ("--", "-- ", "—"):
            return "\n".join(lines[:i])
        if _SIGNOFF.match(line) and i >= 1:
            # A sign-off followed only by a few short lines (name, title, phone) ends the message.
            rest = [ln for ln in lines[i + 1 :] if ln.strip()]
            if len(rest) <= 4 and all(len(ln) < 60 for ln in rest):
                return "\n".join(lines[:i])
    return text


def _strip_greeting(text: str) -> str:
    lines = text.strip().split("\n")
    if lines and _GREETING.match(lines[0]):
        first = _GREETING.sub("", lines[0], count=1).strip()
        lines[0] = first
    return "\n".join(lines)


def clean_message(body: str) -> str:
    """A customer message without greeting, quoted history and signature."""
    text = _strip_quoted_history(body)
    text = _strip_signature(text)
    text = _strip_greeting(text)
    return text.strip()


def _verbatim_phrases(text: str) -> list[str]:
    phrases: list[str] = []
    for m in _QUOTED.finditer(text):
        candidate = m.group(1).strip()
        # Quoted error text or what a screen shows ("lists it as 'ATmega16U2 DFU'"), not a quoted
        # opinion: needs an error-ish word, a code, a colon, or a short name with a model number.
        if (
            _ERRORISH.search(candidate)
            or _CODE_TOKEN.search(candidate)
            or ":" in candidate
            or (len(candidate.split()) <= 4 and _MODEL_NAME.search(candidate))
        ):
            phrases.append(candidate)
    for line in text.split("\n"):
        stripped = line.strip()
        if 8 <= len(stripped) <= 200 and (
            re.match(r"^[\w.\-]+(?:\.exe)?:\s", stripped)
            or stripped.lower().startswith(("error", "warning:"))
        ):
            phrases.append(stripped)
    phrases.extend(m.group(0) for m in _CODE_TOKEN.finditer(text))
    seen: set[str] = set()
    unique = []
    for p in phrases:
        key = p.lower()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique[:8]


def _terms(text: str) -> list[str]:
    terms: list[str] = []
    seen: set[str] = set()
    for m in _WORD.finditer(text):
        word = m.group(0).lower().strip(".-")
        if len(word) < 2 or word in STOPWORDS or (word.isdigit() and len(word) > 4):
            continue
        if word not in seen:
            seen.add(word)
            terms.append(word)
    return terms


def build_query(subject: str, body: str) -> Query:
    """Query from a subject line and free text (one or more customer messages)."""
    cleaned = clean_message(body)
    raw = f"{subject}\n{cleaned}".strip()
    phrases = _verbatim_phrases(raw)
    denoised = _URL.sub(" ", raw)
    denoised = _EMAIL.sub(" ", denoised)
    denoised = _ORDER_NOISE.sub(" ", denoised)
    denoised = re.sub(r"[ \t]+", " ", denoised).strip()
    terms = _terms(denoised)
    headline = _ORDER_NOISE.sub(" ", subject) if subject.strip() else cleaned.split("\n", 1)[0]
    focus = _terms(headline) or terms[:8]
    return Query(text=denoised, terms=tuple(terms), phrases=tuple(phrases), focus=tuple(focus))


def query_from_ticket(ticket: Ticket) -> Query:
    """Subject plus the customer's public messages (all public messages if none is the customer's)."""
    messages = ticket.customer_messages() or [m for m in ticket.messages if m.public]
    body = "\n\n".join(clean_message(m.body) for m in messages)
    return build_query(ticket.subject, body)


def fts_query(query: Query, max_terms: int = 32) -> str:
    """SQLite FTS5 MATCH expression: OR of terms (BM25 ranks by how many match) plus phrases."""
    parts = [f'"{p.replace(chr(34), " ")}"' for p in query.phrases]
    for term in query.terms[:max_terms]:
        safe = re.sub(r"[^\w]+", " ", term).strip()
        if safe:
            parts.append(f'"{safe}"')
    return " OR ".join(parts)
