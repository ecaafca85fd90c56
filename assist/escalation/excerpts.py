"""Sentences picked verbatim from a ticket's messages for the handoff summary: the issue, what
was already tried, a message's first line, the sentence a mood reason rests on.

Every excerpt is a substring of its message's body, so the summary can point at the words it
rests on. Ticket text is data: a customer sentence that reads like instructions (to an AI, or to
the helpdesk: "assign this to Billing", "mark as solved") is never picked and never counts as
routing evidence (`without_instructions`). The cue lists are in `assist/data/handoff.toml`.
"""

from __future__ import annotations

import dataclasses
import math
import re
import tomllib
from collections import Counter
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

from assist.audience import looks_like_instructions
from assist.extractive import terms_of
from assist.tickets import Message, Ticket
from assist.verify import sentence_spans, specifics


@cache
def cues() -> dict[str, Any]:
    with resources.files("assist.data").joinpath("handoff.toml").open("rb") as fh:
        return tomllib.load(fh)


def _any_re(patterns: Sequence[str], flags: int = re.IGNORECASE) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), flags)


@cache
def _skip_re() -> re.Pattern[str]:
    return _any_re(cues()["issue"]["skip"])


@cache
def _quote_start_re() -> re.Pattern[str]:
    return _any_re(cues()["issue"]["quote_start"])


@cache
def _sign_off_re() -> re.Pattern[str]:
    return _any_re(cues()["issue"]["sign_off"])


@cache
def _tried_re() -> re.Pattern[str]:
    return _any_re(cues()["tried"]["cues"])


@cache
def _helpdesk_instruction_re() -> re.Pattern[str]:
    return _any_re(cues()["helpdesk_instructions"]["cues"])


_INTERNAL_LABEL_RE = re.compile(
    r"^\s*(?:internal(?:\s+note)?|private\s+note|note)\s*[:\-–—]\s*", re.IGNORECASE
)
_WORD_RE = re.compile(r"\w+")


def is_instruction(text: str) -> bool:
    """Whether a customer's `text` tells an AI or the helpdesk what to do (data, never obeyed)."""
    return looks_like_instructions(text) or bool(_helpdesk_instruction_re().search(text))


def _is_filler(sentence: str) -> bool:
    """Greetings, thanks, sign-offs, bare names ("Marcus", "Lumen Support")."""
    words = _WORD_RE.findall(sentence)
    if len(words) < 3 and not any(ch.isdigit() for ch in sentence):
        return True
    return bool(_skip_re().search(sentence.strip()))


def _has_instruction(line: str) -> bool:
    return any(is_instruction(line[a:b]) for a, b in sentence_spans(line))


def message_sentences(body: str, *, customer: bool = False) -> list[str]:
    """The sentences of a message's own words, verbatim, in order: quoted earlier messages
    ("> …", everything after "On … wrote:") and greeting/sign-off lines left out. For a
    `customer` message, a line (paragraph) with an instruction-like sentence goes whole: the rest
    of an injected paragraph ("Paste the policy in full.") is part of it."""
    out: list[str] = []
    for line in body.split("\n"):
        stripped = line.strip()
        if _quote_start_re().search(stripped) or _sign_off_re().search(stripped):
            break  # a quoted earlier message, or the signature block
        if not stripped or stripped.startswith(">") or (customer and _has_instruction(line)):
            continue
        for a, b in sentence_spans(line):
            sentence = line[a:b].strip()
            if sentence and not _is_filler(sentence):
                out.append(sentence)
    return out


def clean_sentences(message: Message) -> list[str]:
    """`message_sentences`, instruction-like paragraphs left out when the customer wrote it."""
    return message_sentences(message.body, customer=message.author_role == "customer")


def instruction_messages(ticket: Ticket) -> list[Message]:
    """The customer messages with instruction-like text (named in the summary's notes, unquoted)."""
    return [m for m in ticket.messages if m.author_role == "customer" and _has_instruction(m.body)]


def without_instructions(ticket: Ticket) -> Ticket:
    """The ticket without its customers' instruction-like paragraphs (and with an instruction-like
    subject blanked): what routing and the next step may read, so "route this to Billing" in a
    ticket cannot move it."""
    messages = []
    for m in ticket.messages:
        if m.author_role == "customer":
            kept = [line for line in m.body.split("\n") if not _has_instruction(line)]
            m = dataclasses.replace(m, body="\n".join(kept))
        messages.append(m)
    subject = "" if is_instruction(ticket.subject) else ticket.subject
    return dataclasses.replace(ticket, subject=subject, messages=tuple(messages))


# -- the issue ---------------------------------------------------------------------------------


def _score(sentence: str, position: int, subject: frozenset[str], df: Counter[str], n: int) -> float:
    """Informative = shares words with the subject, carries specifics (codes, numbers, names),
    is central (its words recur in the customer's other sentences) and comes early (customers
    lead with the problem). Divided by a length term so a ramble does not win on word count, and
    halved for a fragment (a pasted error line, a heading) that is not a sentence."""
    terms = terms_of(sentence)
    if not terms:
        return 0.0
    central = sum(math.log1p(df[t] - 1) for t in terms) / max(1.0, math.log1p(n))
    raw = 2.0 * len(terms & subject) + 0.75 * len(specifics(sentence)) + central + 1.0 / (1 + position)
    score = raw / math.sqrt(1.0 + 0.2 * len(terms))
    return score * 0.5 if len(_WORD_RE.findall(sentence)) < 6 else score


def issue_sentences(ticket: Ticket) -> tuple[Message | None, list[str]]:
    """The 1–2 most informative sentences of the customer's first message (or their first message
    that has any), verbatim and in order; (None, []) when no customer message has words."""
    settings = cues()["issue"]
    customer = [m for m in ticket.messages if m.author_role == "customer" and m.public]
    all_sentences = [s for m in customer for s in clean_sentences(m)]
    df: Counter[str] = Counter(t for s in all_sentences for t in terms_of(s))
    subject = terms_of(ticket.subject) if not is_instruction(ticket.subject) else frozenset()
    for message in customer:
        candidates = clean_sentences(message)
        if not candidates:
            continue
        scored = sorted(
            ((_score(s, i, subject, df, len(all_sentences)), i) for i, s in enumerate(candidates)),
            key=lambda x: (-x[0], x[1]),
        )
        picked = [scored[0][1]]
        top = scored[0][0]
        for score, i in scored[1 : settings["max_sentences"]]:
            if score < settings["second_min_share"] * top:
                break
            if sum(len(candidates[j]) for j in picked) + len(candidates[i]) <= settings["max_chars"]:
                picked.append(i)
        return message, [candidates[i] for i in sorted(picked)]
    return None, []


# -- what was tried ----------------------------------------------------------------------------


def tried_sentences(ticket: Ticket) -> list[tuple[Message, str]]:
    """Sentences of the agents' replies and internal notes that say something was done or asked."""
    out = []
    for m in ticket.messages:
        if m.author_role != "agent":
            continue
        for sentence in message_sentences(m.body):
            if _tried_re().search(sentence):
                out.append((m, sentence))
    return out


def without_internal_label(sentence: str) -> str:
    """ "Internal note: order … delivered" → "order … delivered" (the summary labels it itself)."""
    return _INTERNAL_LABEL_RE.sub("", sentence, count=1) or sentence


# -- first lines and mood quotes ---------------------------------------------------------------


def first_line(message: Message) -> str:
    """The message's first sentence of its own words ("" when it has none); a customer's
    instruction-like sentences are skipped."""
    sentences = clean_sentences(message)
    return sentences[0] if sentences else ""


@cache
def _mood_cues() -> list[tuple[re.Pattern[str], re.Pattern[str]]]:
    out = []
    for raw in cues()["mood"]["quote"]:
        flags = 0 if raw.get("case_sensitive") else re.IGNORECASE
        out.append((re.compile(raw["reason"], re.IGNORECASE), re.compile(raw["sentence"], flags)))
    return out


_QUOTED_RE = re.compile(r"[“\"]([^”\"]{2,60})[”\"]")


def mood_quote(message: Message, code: str, text: str) -> str:
    """The sentence of `message` a frustration reason rests on, or "" (a reason on timing or on the
    whole message, or no sentence carries its cue)."""
    label = f"{code} {text}"
    if re.search(cues()["mood"]["no_quote"], label, re.IGNORECASE):
        return ""
    sentences = clean_sentences(message)
    for phrase in _QUOTED_RE.findall(text):  # 'says “third time”', 'shouts “ALREADY”, “WHITE”'
        hit = next((s for s in sentences if phrase.lower() in s.lower()), None)
        if hit:
            return hit
    for reason_re, sentence_re in _mood_cues():
        if reason_re.search(label):
            hit = next((s for s in sentences if sentence_re.search(s)), None)
            if hit:
                return hit
    return ""
