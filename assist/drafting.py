"""Reply drafts for the customer, composed from the knowledge base, for the agent to approve.

    drafter = Drafter(llm, settings, encode=embedder.encode)
    for event in drafter.draft(ticket, result, tone="formal", cancel=stop_event):
        if isinstance(event, Token):
            show(event.text)                 # the composed draft, at once
        else:
            draft = event                    # Draft: replace the shown text with draft.text

A draft is composed, not written by the model:
- a greeting by the requester's first name (neutral when unknown);
- one sentence acknowledging the problem in the ticket's own terms, from its subject
  ("Thanks for letting us know that your hub went offline after changing your router.");
- the steps (or sentences) of the public article(s) that address the ticket, quoted;
- the article's link when it has one; a closing next step; the sign-off with the agent's name.

The tone changes only the frame sentences, which live in `assist/data/draft_frames.toml`. The
model may reword the acknowledgement and the closing; the rewording is used only if it passes
`check_rewrite` (no new specifics, no promise the KB doesn't make, no echo of the ticket, no prompt
scaffolding or disclaimer, same meaning), else the composed frame stands. So no refund, date or
replacement appears in a draft unless an article states it.

Internal-only articles (`AnswerSettings.internal_only`, or the hit's own metadata) are never
quoted. `redact_internal` is the last check of the final text: a sentence that names an internal
article or shares a long word sequence with one is removed, and the draft says why.
Abstained retrieval, or no public source: a short holding reply, no model call.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import logging
import re
import threading
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources

from assist.answering import Citation, Token, check_citations, citation_for
from assist.audience import looks_like_instructions, without_agent_notes
from assist.config import TONES, Settings, Tone
from assist.extractive import extract_focused, format_blocks
from assist.prompting import SYSTEM, PromptPassage, candidate_passages, neutralise
from assist.results import DocHit, SearchResult
from assist.tickets import Ticket
from assist.verify import ECHO_THRESHOLD, Encode, SupportChecker, specifics, split_sentences
from common.errors import ConfigError, ModelError
from common.logs import sensitive_error
from models.llm import LLM, ChatMessage

log = logging.getLogger(__name__)


@functools.cache
def frames() -> dict[str, dict[str, str]]:
    """The frame sentences per tone, from `assist/data/draft_frames.toml` (read once)."""
    text = resources.files("assist.data").joinpath("draft_frames.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    missing = [t for t in TONES if t not in data]
    if missing:
        raise ConfigError(f"draft_frames.toml has no frame for tone(s) {', '.join(missing)}.")
    return data


TONE_STYLE: dict[str, str] = {tone: frames()[tone]["style"] for tone in TONES}

REWRITE_TASK = (
    "Reword the two sentences inside <draft> for a reply to a customer. Tone: {style}. Keep each "
    "sentence's meaning. Add no facts, names, numbers, links, dates or promises. Write exactly two "
    "lines, one per sentence, and nothing else."
)
REWRITE_MEANING = 0.5
"""Least cosine similarity between a reworded frame sentence and the original."""
REWRITE_MAX_TOKENS = 96

_HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam"})
# Only a bare greeting line ("Hi there,", "Dear valued customer,"), not a sentence that starts with one.
_GREETING_LINE_RE = re.compile(
    r"^\s*(?:hi|hello|hey|dear|greetings|good\s+(?:morning|afternoon|evening))(?:\s+[\w.'-]+){0,3}\s*[,!:.]?\s*$",
    re.IGNORECASE,
)
# "Best regards,", "Thanks!", "Kind regards, Sam"; not "Thanks for your patience."
_SIGN_OFF_LINE_RE = re.compile(
    r"^\s*(?i:best(?:\s+(?:regards|wishes))?|kind\s+regards|warm\s+regards|regards|sincerely|"
    r"yours\s+(?:sincerely|truly)|thanks|thank\s+you|many\s+thanks|cheers)\s*[,.!]?\s*"
    r"(?:[A-Z][\w .'-]{0,30})?$",  # an optional name, capitalised: not "Thanks for your patience."
)
_TAG_RE = re.compile(
    r"</?\s*(?:ticket|passages?|question|system|instructions|task|draft)\b[^<>]{0,80}>|<\|[^<>|]*\|>",
    re.IGNORECASE,
)
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")
_PROMISE_RE = re.compile(
    r"\b(refund\w*|reimburs\w*|credit(?:s|ed)?\b|compensat\w*|discount\w*|replac\w*|waive\w*|"
    r"free of charge|money back|guarantee\w*|promise\w*|today|tomorrow|tonight|next (?:week|month)|"
    r"within \w+ (?:hours?|days?)|monday|tuesday|wednesday|thursday|friday|saturday|sunday)",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"[a-z0-9]+")
# Workspace links a customer can't open (a Notion page needs the team's login; notion.site is public).
_PRIVATE_URL_RE = re.compile(r"^https?://(?:www\.)?notion\.so/|^file:|://localhost\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Draft:
    text: str
    """Final text, greeting to sign-off; authoritative over the streamed tokens."""
    tone: Tone
    sources: list[Citation]
    """Public passages the draft is based on (for the agent to check; never shown to the customer)."""
    extractive: bool
    """The body is quoted from the articles (always, since drafts are composed)."""
    abstained: bool
    """Retrieval abstained: the draft is a holding reply, not an answer."""
    redacted: bool = False
    """Sentences that would leak internal-only material were removed."""
    warnings: tuple[str, ...] = ()
    """Things the agent must check before sending (e.g. why a sentence was removed)."""
    note: str = ""
    reworded: bool = False
    """The model's rewording of the frame sentences passed the checks and is used."""


DraftEvent = Token | Draft


class InternalOnly:
    """Tells whether a search hit is internal-only, from `AnswerSettings.internal_only` patterns.

    `docs:Internal/*` (source kind + glob on the path or breadcrumb), `confluence:space=OPS`,
    `tag:internal` (glob on tags); `*` as kind matches every source. Case-insensitive.
    """

    def __init__(self, patterns: Iterable[str]) -> None:
        self._rules: list[tuple[str, str, str]] = []
        for pattern in patterns:
            kind, sep, rest = (part.strip() for part in pattern.partition(":"))
            if not sep or not kind or not rest:
                raise ConfigError(
                    f"Bad internal_only pattern {pattern!r}: use 'docs:Internal/*' or 'tag:internal'."
                )
            if kind.lower() == "tag":
                self._rules.append(("tag", "*", rest.lower()))
            elif rest.lower().startswith("space="):
                self._rules.append(("space", kind.lower(), rest[6:].strip().lower()))
            else:
                self._rules.append(("path", kind.lower(), rest.lower().lstrip("/")))

    def __bool__(self) -> bool:
        return bool(self._rules)

    def __call__(self, hit: DocHit) -> bool:
        if hit.internal:
            return True
        for rule, kind, glob in self._rules:
            if rule == "tag":
                if any(fnmatch.fnmatchcase(t.lower(), glob) for t in hit.tags):
                    return True
                continue
            if kind != "*" and hit.source.lower() != kind:
                continue
            if rule == "space":
                if hit.space and fnmatch.fnmatchcase(hit.space.lower(), glob):
                    return True
                continue
            crumbs = "/".join(part.strip() for part in hit.hierarchy.split(" / ")) if hit.hierarchy else ""
            for candidate in (hit.path, crumbs, f"{crumbs}/{hit.title}" if crumbs else ""):
                if candidate and fnmatch.fnmatchcase(candidate.lower().lstrip("/"), glob):
                    return True
        return False


# What helpdesks and imports put where a name is missing: "Hi Customer," reads worse than "Hi there,".
_PLACEHOLDER_NAMES = frozenset(
    {"customer", "user", "client", "requester", "requestor", "unknown", "anonymous", "guest", "none"}
)


def first_name(ticket: Ticket) -> str:
    """The customer's first name for the greeting; "" when there is no usable name."""
    name = ticket.requester_name.strip()
    if not name:
        name = next((m.author_name.strip() for m in ticket.customer_messages() if m.author_name.strip()), "")
    if not name or "@" in name:
        return ""
    if "," in name:  # "Smith, Anna"
        last, _, first = name.partition(",")
        name = first.strip() or last.strip()
    words = [w for w in name.split() if w.lower().rstrip(".") not in _HONORIFICS]
    first = words[0].strip(".,;:!?\"'()") if words else ""
    if not first or not first[0].isalpha() or len(first) > 40 or first.lower() in _PLACEHOLDER_NAMES:
        return ""
    return first.capitalize() if first.islower() else first


def greeting(ticket: Ticket, tone: str) -> str:
    name = first_name(ticket)
    frame = frames()[tone]
    return frame["greeting"].format(name=name) if name else frame["greeting_no_name"]


def sign_off(tone: str, agent_name: str = "", company_name: str = "") -> str:
    lines = [frames()[tone]["sign_off"], *(x.strip() for x in (agent_name, company_name) if x.strip())]
    return "\n".join(lines)


INJECTION_WARNING = (
    "The ticket contains text that reads like instructions to an AI; it was treated as data, "
    "and none of it is quoted in this draft. Check what the customer is really asking."
)


def ticket_text(ticket: Ticket) -> str:
    """The customer-written text of a ticket: its subject and public messages."""
    return "\n".join([ticket.subject, *(m.body for m in ticket.messages if m.public)])


# -- the acknowledgement -------------------------------------------------------------------------

# First person → second person, so the customer's subject reads as our sentence about them.
_PERSON = {
    "i": "you", "we": "you", "me": "you", "us": "you", "my": "your", "our": "your", "mine": "yours",
    "ours": "yours", "myself": "yourself", "ourselves": "yourselves", "i'm": "you're", "we're": "you're",
    "i've": "you've", "we've": "you've", "i'd": "you'd", "we'd": "you'd", "am": "are", "was": "were",
}  # fmt: skip
_DETERMINERS = frozenset(
    ["my", "our", "your", "the", "a", "an", "this", "these", "those", "their", "his", "her", "its", "i", "we"]
)
# A subject opening with one of these is a question or a request, not a statement of the problem.
_NOT_A_CLAUSE = frozenset({
    "how", "why", "what", "when", "where", "which", "who", "can", "can't", "cannot", "could", "would",
    "should", "is", "are", "do", "does", "did", "help", "need", "please", "unable", "urgent", "question",
    "request", "re", "fw", "fwd", "not", "no", "any",
})  # fmt: skip
_VERBS = frozenset({
    "is", "are", "was", "were", "says", "shows", "keeps", "stays", "goes", "went", "gets", "got",
    "turns", "turned", "flashes", "blinks", "stops", "works", "fails", "crashes", "drops", "won't",
    "doesn't", "don't", "isn't", "aren't", "can't", "didn't", "wasn't", "has", "have", "had", "will",
    "arrived", "charged", "disconnects", "flickers", "buzzes", "appears", "lost", "broke", "broken",
})  # fmt: skip
_SUBJECT_PREFIX_RE = re.compile(r"^\s*(?:(?:re|fw|fwd|aw)\s*:\s*|\[[^\]]{0,30}\]\s*)+", re.IGNORECASE)


def _second_person(words: list[str]) -> list[str]:
    out = []
    for w in words:
        low = w.lower()
        swap = _PERSON.get(low)
        if swap is None or (low == "us" and w == "US"):
            out.append(w)
        else:
            out.append(swap)
    return out


def _named_mid_sentence(word: str, text: str) -> bool:
    """`word` occurs capitalised in `text` where a sentence doesn't start: a proper name."""
    for m in re.finditer(rf"\b{re.escape(word)}\b", text):
        before = text[: m.start()].rstrip()
        if before and before[-1] not in ".!?:\n" and not before.endswith(("Hi", "Hello")):
            return True
    return False


def acknowledgement(ticket: Ticket, tone: str, names_text: str = "") -> str:
    """One sentence acknowledging the problem in the ticket's own terms (its subject).

    Args:
        names_text: More text in which a capitalised word mid-sentence marks a proper name (the
            articles: "Lumen" stays "Lumen").
    """
    frame = frames()[tone]
    subject = _SUBJECT_PREFIX_RE.sub("", ticket.subject).strip().rstrip(".!")
    subject = " ".join(subject.split())
    words = subject.split()
    if not words or len(words) > 20 or looks_like_instructions(subject):
        # Nothing to quote, or a subject that reads like instructions: a neutral thank-you.
        return frame["holding"].split(". ")[0].rstrip(".!") + "."
    first = words[0].lower().strip(",:;")
    lower_words = {w.lower().strip(",.;:!?") for w in words[1:]}
    is_clause = (
        not subject.endswith("?")
        and " - " not in subject
        and first not in _NOT_A_CLAUSE
        and first not in _VERBS
        and not first.endswith("ed")
        and (bool(lower_words & _VERBS) or any(w.endswith("ed") and len(w) > 4 for w in lower_words))
    )
    if not is_clause:
        return frame["acknowledge_topic"].format(topic=subject)
    body = " ".join([*(m.body for m in ticket.customer_messages()), names_text])
    head = words[0]
    # Keep a proper name ("Lumen", "E-104") as written; lower a common noun and make it theirs.
    proper = any(ch.isdigit() for ch in head) or head.isupper() or _named_mid_sentence(head, body)
    if head.lower() in _DETERMINERS:
        words = _second_person([head.lower(), *words[1:]])
    elif proper:
        words = ["your", *_second_person(words)]
    else:
        words = ["your", head.lower(), *_second_person(words[1:])]
    return frame["acknowledge"].format(problem=" ".join(words))


# -- post-processing ---------------------------------------------------------------------------


def clean_body(text: str) -> str:
    """Strip what must not reach the customer: [n] markers, prompt tags, greeting and sign-off lines."""
    text, _ = check_citations(_TAG_RE.sub("", text), ())  # no number is valid in a customer reply
    # Small models echo prompt scaffolding: bare "<<<"/">>" runs and quoted passage labels.
    text = re.sub(r"[<>]{2,}", "", text)
    lines = [ln for ln in text.strip().splitlines() if not ln.lstrip().startswith(">")]
    while lines and (not lines[0].strip() or _GREETING_LINE_RE.match(lines[0])):
        lines.pop(0)
    # The sign-off is whatever follows the last "Best regards"-like line near the end.
    for i in range(len(lines) - 1, max(-1, len(lines) - 5), -1):
        if _SIGN_OFF_LINE_RE.match(lines[i]):
            lines = lines[:i]
            break
    text = "\n".join(lines)
    text = re.sub(r"[ \t]+([.,;:!?])", r"\1", text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _shingles(text: str, size: int = 8) -> set[tuple[str, ...]]:
    words = _WORD_RE.findall(text.lower())
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def _leak_needles(internal: Sequence[DocHit], public: Sequence[DocHit]) -> list[tuple[str, DocHit]]:
    public_titles = {h.title.strip().lower() for h in public}
    needles: list[tuple[str, DocHit]] = []
    for hit in internal:
        if hit.url:
            needles.append((hit.url.lower(), hit))
            needles.append((re.sub(r"^[a-z]+://", "", hit.url.lower()), hit))
        if len(hit.path) >= 6:
            needles.append((hit.path.lower(), hit))
        title = hit.title.strip().lower()
        # A one-word title ("Refunds") is an ordinary word in a reply; a specific one is a leak.
        if title and title not in public_titles and (" " in title or len(title) >= 12):
            needles.append((title, hit))
    return needles


def find_leaks(text: str, internal: Sequence[DocHit], public: Sequence[DocHit] = ()) -> list[tuple[str, str]]:
    """The sentences of `text` that name an internal-only article (title, URL, path) or share a
    run of 8 words with one, each with the reason."""
    if not internal:
        return []
    needles = _leak_needles(internal, public)
    quoted: dict[tuple[str, ...], DocHit] = {}
    for hit in internal:
        for passage in hit.passages:
            for shingle in _shingles(passage.text):
                quoted.setdefault(shingle, hit)
    leaks = []
    for line in text.splitlines():
        for sentence in _SENTENCE_RE.split(line):
            low = sentence.lower()
            named = next((hit for needle, hit in needles if needle in low), None)
            if named is not None:
                leaks.append((sentence, f"it names the internal-only article “{named.title}”"))
                continue
            shared = next((quoted[sh] for sh in _shingles(sentence) if sh in quoted), None)
            if shared is not None:
                leaks.append((sentence, f"it quotes the internal-only article “{shared.title}”"))
    return leaks


def redact_internal(text: str, internal: Sequence[DocHit], public: Sequence[DocHit] = ()) -> tuple[str, bool]:
    """Remove sentences that name an internal-only article (title, URL, path) or quote its text.

    Returns:
        The text and whether anything was removed (`find_leaks` says why).
    """
    leaks = {sentence for sentence, _ in find_leaks(text, internal, public)}
    if not leaks:
        return text, False
    out_lines = []
    for line in text.splitlines():
        kept = [sentence for sentence in _SENTENCE_RE.split(line) if sentence not in leaks]
        if line.strip() and not any(k.strip() for k in kept):
            continue  # a line that was all leak goes, not just its words
        out_lines.append(" ".join(kept))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out_lines)).strip(), True


def promise_warnings(body: str, passages: Iterable[PromptPassage]) -> tuple[str, ...]:
    """Refund/credit/replacement/date words in the draft that no source passage mentions."""
    source_text = " ".join(p.passage.text for p in passages).lower()
    warnings = []
    for word in dict.fromkeys(m.group(1).lower() for m in _PROMISE_RE.finditer(body)):
        stem = word[:6]
        if stem not in source_text:
            warnings.append(f"The draft mentions “{word}”, which no source article states; check it.")
    return tuple(warnings)


def check_rewrite(
    original: str,
    rewrite: str,
    *,
    ticket_text: str,
    source_text: str,
    encode: Encode | None = None,
) -> str:
    """Why `rewrite` may not replace the frame sentence `original` ("" = it may).

    The rewrite must add no specifics (numbers, codes, names, URLs, durations, labels), no
    promise or date the articles don't state, no prompt scaffolding or disclaimer, must not
    repeat the ticket more than the original does, and must keep the original's meaning.
    """
    rewrite = rewrite.strip()
    words = rewrite.split()
    if not 3 <= len(words) <= 2.5 * max(6, len(original.split())):
        return "its length is off"
    if _GREETING_LINE_RE.match(rewrite) or _SIGN_OFF_LINE_RE.match(rewrite):
        return "it is a greeting or sign-off"
    noise = SupportChecker([], ticket_text=ticket_text).noise_reason(rewrite, echo=False)
    if noise:
        return noise
    added = specifics(rewrite) - specifics(original)
    if added:
        return "it adds " + ", ".join(f"“{a}”" for a in sorted(added))
    low_original, low_source = original.lower(), source_text.lower()
    for m in _PROMISE_RE.finditer(rewrite):
        word = m.group(1).lower()
        if word[:6] not in low_original and word[:6] not in low_source:
            return f"it promises “{word}”, which no article states"
    grams = _trigrams(rewrite)
    if grams:
        echo = len(grams & _trigrams(ticket_text)) / len(grams)
        before = _trigrams(original)
        echo_before = len(before & _trigrams(ticket_text)) / len(before) if before else 0.0
        if echo >= ECHO_THRESHOLD and echo > echo_before + 0.2:
            return "it repeats the ticket"
    if encode is not None:
        a, b = encode([original, rewrite])
        if float(a @ b) < REWRITE_MEANING:
            return "it changes the meaning"
    return ""


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = _WORD_RE.findall(text.lower())
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


# -- the drafter -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Parts:
    """A composed draft, frame and quoted body apart (the model may reword only the frame)."""

    greeting: str
    acknowledge: str
    body: str
    links: tuple[str, ...]
    closing: str
    sign_off: str
    sources: tuple[PromptPassage, ...]
    warnings: tuple[str, ...] = ()
    """What the agent should know about how the draft was composed (e.g. an injection not quoted)."""

    def text(self, acknowledge: str | None = None, closing: str | None = None) -> str:
        parts = [
            self.greeting,
            acknowledge if acknowledge is not None else self.acknowledge,
            self.body,
            "\n".join(self.links),
            closing if closing is not None else self.closing,
            self.sign_off,
        ]
        return "\n\n".join(p for p in parts if p.strip())


class Drafter:
    """Composes customer reply drafts from a ticket and a search result.

    Args:
        llm: Any `LLM`, used only to reword the frame sentences; None = the composed frame.
        settings: `settings.answer` (tone, internal_only, names) and `settings.llm`
            (`temperature`).
        encode: The embedder's `encode`, to check that a rewording keeps the meaning.
    """

    def __init__(
        self, llm: LLM | None, settings: Settings | None = None, encode: Encode | None = None
    ) -> None:
        self.llm = llm
        self.settings = settings or Settings()
        self.encode = encode
        self.is_internal = InternalOnly(self.settings.answer.internal_only)

    def _tone(self, tone: str | None) -> Tone:
        tone = tone or self.settings.answer.tone
        if tone not in TONES:
            raise ConfigError(f"Tone must be one of {', '.join(TONES)}, not {tone!r}.")
        return tone  # type: ignore[return-value]

    def _sign_off(self, tone: str) -> str:
        return sign_off(tone, self.settings.answer.agent_name, self.settings.answer.company_name)

    def holding_draft(self, ticket: Ticket, tone: str | None = None, note: str = "") -> Draft:
        """ "We're looking into it": for when the knowledge base has nothing to say."""
        tone = self._tone(tone)
        text = f"{greeting(ticket, tone)}\n\n{frames()[tone]['holding']}\n\n{self._sign_off(tone)}"
        return Draft(text, tone, [], extractive=False, abstained=True, note=note)

    def compose(self, ticket: Ticket, result: SearchResult, tone: str | None = None) -> _Parts | None:
        """The draft's parts from the public passages; None when none has usable lines."""
        tone = self._tone(tone)
        frame = frames()[tone]
        passages = candidate_passages(result, exclude=self.is_internal, max_passages=3)
        # A public article's notes for agents ("💡 Agents: goodwill exceptions…") are not quoted.
        blocks = extract_focused(
            [(p.n, without_agent_notes(p.passage.text)) for p in passages],
            result.query,
            max_words=60,
            prefer_steps=True,
        )
        if not blocks:
            return None
        body = format_blocks(blocks, {}, cite=False)
        intro = frame["steps_intro"] if any(b.extract.steps for b in blocks) else frame["info_intro"]
        by_n = {p.n: p for p in passages}
        used = tuple(by_n[b.n] for b in blocks)
        links = []
        for p in used:
            public = p.hit.url and not _PRIVATE_URL_RE.search(p.hit.url)
            line = frame["link"].format(title=p.hit.title, url=p.hit.url) if public else ""
            if line and line not in links:
                links.append(line)
        return _Parts(
            greeting=greeting(ticket, tone),
            acknowledge=acknowledgement(ticket, tone, " ".join(p.passage.text for p in passages)),
            body=f"{intro}\n\n{body}" if intro else body,
            links=tuple(links),
            closing=frame["closing"],
            sign_off=self._sign_off(tone),
            sources=used,
            warnings=(INJECTION_WARNING,) if looks_like_instructions(ticket_text(ticket)) else (),
        )

    def extractive_draft(
        self, ticket: Ticket, result: SearchResult, tone: str | None = None, note: str = ""
    ) -> Draft:
        """The composed draft, without the model."""
        tone = self._tone(tone)
        parts = self.compose(ticket, result, tone)
        if parts is None:
            return self.holding_draft(ticket, tone, note=note or "No public article has usable steps.")
        return self._final(result, tone, parts, parts.text(), note=note)

    def _final(
        self,
        result: SearchResult,
        tone: Tone,
        parts: _Parts,
        text: str,
        *,
        note: str = "",
        reworded: bool = False,
    ) -> Draft:
        """The last check: nothing of an internal-only article leaves in the draft."""
        internal = [h for h in result.hits if self.is_internal(h)]
        public = [h for h in result.hits if not self.is_internal(h)]
        leaks = find_leaks(text, internal, public)
        warnings = [*parts.warnings]
        warnings += [f"Removed a sentence because {reason}." for _, reason in dict.fromkeys(leaks)]
        text, redacted = redact_internal(text, internal, public)
        warnings += promise_warnings(text, parts.sources)
        notes = [note] if note else []
        if redacted:
            notes.append("Sentences quoting internal-only material were removed.")
        return Draft(
            text,
            tone,
            [citation_for(p.n, p.hit, p.passage.heading) for p in parts.sources],
            extractive=True,
            abstained=False,
            redacted=redacted,
            warnings=tuple(dict.fromkeys(warnings)),
            note=" ".join(notes),
            reworded=reworded,
        )

    def rewrite_messages(self, parts: _Parts, tone: str) -> tuple[ChatMessage, ...]:
        """What the model is asked: reword the two frame sentences (the ticket's subject inside
        the acknowledgement is data, delimited and neutralised)."""
        lines = neutralise(f"{parts.acknowledge}\n{parts.closing}")
        task = REWRITE_TASK.format(style=TONE_STYLE[tone])
        return (
            ChatMessage(role="system", content=SYSTEM),
            ChatMessage(role="user", content=f"<draft>\n{lines}\n</draft>\n\n{task}"),
        )

    def draft(
        self,
        ticket: Ticket,
        result: SearchResult,
        tone: str | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[DraftEvent]:
        """Yield the composed draft as one `Token`, then one final `Draft` (none if cancelled).

        Never sends anything."""
        tone = self._tone(tone)
        if result.abstained:
            yield self.holding_draft(ticket, tone, note="Retrieval abstained: low confidence.")
            return
        if not [h for h in result.hits if not self.is_internal(h)]:
            yield self.holding_draft(ticket, tone, note="Only internal-only articles matched.")
            return
        parts = self.compose(ticket, result, tone)
        if parts is None:
            yield self.holding_draft(ticket, tone, note="No public article has usable steps.")
            return
        composed = self._final(result, tone, parts, parts.text())
        yield Token(composed.text)
        if self.llm is None:
            yield dataclasses.replace(
                composed, note="No language model configured: the frame is as composed."
            )
            return
        try:
            stream = self.llm.stream_chat(
                self.rewrite_messages(parts, tone),
                max_tokens=REWRITE_MAX_TOKENS,
                cancel=cancel,
                temperature=self.settings.llm.temperature,
            )
            raw = "".join(stream)
        except ModelError as exc:
            log.warning("LLM rewording failed, keeping the composed frame: %s", sensitive_error(exc))
            yield dataclasses.replace(composed, note=f"{exc} The frame is as composed.")
            return
        if stream.cancelled or (cancel is not None and cancel.is_set()):
            return
        reason, lines = self._check_rewording(ticket, parts, raw)
        if reason:
            yield dataclasses.replace(composed, note=f"The model's rewording was not used: {reason}.")
            return
        text = parts.text(acknowledge=lines[0], closing=lines[1])
        yield self._final(result, tone, parts, text, reworded=True)

    def _check_rewording(self, ticket: Ticket, parts: _Parts, raw: str) -> tuple[str, list[str]]:
        if _TAG_RE.search(raw) or re.search(r"\[\d{1,3}\]", raw):
            return "it contains prompt scaffolding", []
        cleaned = clean_body(raw)
        lines = [ln.strip().strip('"“”') for ln in cleaned.splitlines() if ln.strip()]
        if len(lines) != 2:
            lines = split_sentences(" ".join(lines))
        if len(lines) != 2:
            return f"it has {len(lines)} sentences, not 2", []
        ticket_words = ticket_text(ticket)
        source_text = " ".join(p.passage.text for p in parts.sources)
        for original, rewrite in zip((parts.acknowledge, parts.closing), lines, strict=True):
            reason = check_rewrite(
                original, rewrite, ticket_text=ticket_words, source_text=source_text, encode=self.encode
            )
            if reason:
                return f"“{rewrite[:60]}” — {reason}", []
        return "", lines
