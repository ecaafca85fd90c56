"""Reply drafts for the customer, in the agent's tone, for the agent to approve. Nothing is sent.

    drafter = Drafter(llm, settings)
    for event in drafter.draft(ticket, result, tone="formal", cancel=stop_event):
        if isinstance(event, Token):
            show(event.text)
        else:
            draft = event                    # Draft: replace the streamed text with draft.text

Rules:
- Sources matching `AnswerSettings.internal_only` (`docs:Internal/*`, `confluence:space=OPS`,
  `tag:internal`) are never given to the model, and a draft that mentions one of their titles or
  URLs, or quotes their text (e.g. because the ticket asked to "reveal the internal policy"), has
  those sentences removed (`redacted=True`).
- No `[n]` markers; the greeting (customer's first name) and sign-off are ours, not the model's,
  so they are always right and in the chosen tone.
- The model is told never to promise refunds or actions the passages don't state; a draft that
  still mentions one gets a warning for the agent.
- Abstained retrieval, or no public source: a short holding reply, no model call. No model
  available: the best public passage's steps, quoted.
"""

from __future__ import annotations

import fnmatch
import logging
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from assist.answering import CheckedStream, Citation, Token, check_citations, citation_for
from assist.config import TONES, Settings, Tone
from assist.extractive import extract, format_extract, query_terms
from assist.prompting import SYSTEM, Prompt, PromptPassage, build_prompt, candidate_passages
from assist.results import DocHit, SearchResult
from assist.tickets import Ticket
from common.errors import ConfigError, ModelError
from models.llm import LLM

log = logging.getLogger(__name__)

TONE_STYLE: dict[str, str] = {
    "friendly": "warm and plain-spoken. Acknowledge the problem in one short sentence, then help. "
    "Short paragraphs, simple words.",
    "concise": "as short as possible while complete: only the steps or facts the customer needs, "
    "no pleasantries.",
    "formal": "courteous and formal: complete sentences, no contractions, no slang, no exclamation marks.",
}
GREETING: dict[str, str] = {"friendly": "Hi {name},", "concise": "Hi {name},", "formal": "Dear {name},"}
GREETING_NO_NAME: dict[str, str] = {"friendly": "Hi there,", "concise": "Hi,", "formal": "Hello,"}
SIGN_OFF: dict[str, str] = {"friendly": "Best,", "concise": "Thanks,", "formal": "Kind regards,"}
HOLDING_REPLY: dict[str, str] = {
    "friendly": "Thanks for getting in touch! I'm looking into this for you and will get back to you "
    "as soon as I can.",
    "concise": "Thanks for your message. I'm looking into this and will follow up shortly.",
    "formal": "Thank you for contacting us. I am looking into your request and will respond as soon "
    "as possible.",
}
STEPS_INTRO: dict[str, str] = {
    "friendly": "Here's what should sort this out:",
    "concise": "Steps:",
    "formal": "Please follow these steps:",
}
INFO_INTRO: dict[str, str] = {
    "friendly": "Here's what I found:",
    "concise": "",
    "formal": "Please find the relevant information below:",
}

DRAFT_TASK = (
    "Write the body of the reply to the customer's latest message in the ticket above, using only "
    "the passages above. Tone: {style}"
)

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
    r"</?\s*(?:ticket|passages?|question|system|instructions|task)\b[^<>]{0,80}>|<\|[^<>|]*\|>", re.IGNORECASE
)
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")
_PROMISE_RE = re.compile(
    r"\b(refund\w*|reimburs\w*|credit(?:s|ed)?\b|compensat\w*|discount\w*|replacement\w*|waive\w*|"
    r"free of charge|money back)",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Draft:
    text: str
    """Final text, greeting to sign-off; authoritative over the streamed tokens."""
    tone: Tone
    sources: list[Citation]
    """Public passages the draft is based on (for the agent to check; never shown to the customer)."""
    extractive: bool
    """Quoted from a passage rather than generated."""
    abstained: bool
    """Retrieval abstained: the draft is a holding reply, not an answer."""
    redacted: bool = False
    """Sentences that would leak internal-only material were removed."""
    warnings: tuple[str, ...] = ()
    """Things the agent must check before sending (e.g. a refund no source mentions)."""
    note: str = ""


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
    if not first or not first[0].isalpha() or len(first) > 40:
        return ""
    return first.capitalize() if first.islower() else first


def greeting(ticket: Ticket, tone: str) -> str:
    name = first_name(ticket)
    return GREETING[tone].format(name=name) if name else GREETING_NO_NAME[tone]


def sign_off(tone: str, agent_name: str = "", company_name: str = "") -> str:
    lines = [SIGN_OFF[tone], *(x.strip() for x in (agent_name, company_name) if x.strip())]
    return "\n".join(lines)


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


def _leak_needles(internal: Sequence[DocHit], public: Sequence[DocHit]) -> list[str]:
    public_titles = {h.title.strip().lower() for h in public}
    needles: list[str] = []
    for hit in internal:
        if hit.url:
            needles.append(hit.url.lower())
            needles.append(re.sub(r"^[a-z]+://", "", hit.url.lower()))
        if len(hit.path) >= 6:
            needles.append(hit.path.lower())
        title = hit.title.strip().lower()
        # A one-word title ("Refunds") is an ordinary word in a reply; a specific one is a leak.
        if title and title not in public_titles and (" " in title or len(title) >= 12):
            needles.append(title)
    return needles


def redact_internal(text: str, internal: Sequence[DocHit], public: Sequence[DocHit] = ()) -> tuple[str, bool]:
    """Remove sentences that name an internal-only article (title, URL, path) or quote its text.

    Returns:
        The text and whether anything was removed.
    """
    if not internal:
        return text, False
    needles = _leak_needles(internal, public)
    quoted: set[tuple[str, ...]] = set()
    for hit in internal:
        for passage in hit.passages:
            quoted |= _shingles(passage.text)
    removed = False
    out_lines = []
    for line in text.splitlines():
        kept = []
        for sentence in _SENTENCE_RE.split(line):
            low = sentence.lower()
            if any(n in low for n in needles) or (quoted and _shingles(sentence) & quoted):
                removed = True
                continue
            kept.append(sentence)
        out_lines.append(" ".join(kept))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out_lines)).strip(), removed


def promise_warnings(body: str, passages: Iterable[PromptPassage]) -> tuple[str, ...]:
    """Refund/credit/compensation words in the draft that no source passage mentions."""
    source_text = " ".join(p.passage.text for p in passages).lower()
    warnings = []
    for word in dict.fromkeys(m.group(1).lower() for m in _PROMISE_RE.finditer(body)):
        stem = word[:6]
        if stem not in source_text:
            warnings.append(f"The draft mentions “{word}”, which no source article states; check it.")
    return tuple(warnings)


# -- the drafter -------------------------------------------------------------------------------


class Drafter:
    """Writes customer reply drafts from a ticket and a search result.

    Args:
        llm: Any `LLM`; None = quoted (extractive) drafts only.
        settings: `settings.answer` (tone, internal_only, names) and `settings.llm`
            (`max_draft_tokens`, `temperature`).
    """

    def __init__(self, llm: LLM | None, settings: Settings | None = None) -> None:
        self.llm = llm
        self.settings = settings or Settings()
        self.is_internal = InternalOnly(self.settings.answer.internal_only)

    def _tone(self, tone: str | None) -> Tone:
        tone = tone or self.settings.answer.tone
        if tone not in TONES:
            raise ConfigError(f"Tone must be one of {', '.join(TONES)}, not {tone!r}.")
        return tone  # type: ignore[return-value]

    def prompt(self, ticket: Ticket, result: SearchResult, tone: str | None = None) -> Prompt:
        """The budgeted prompt `draft()` would send; internal-only sources are not in it."""
        if self.llm is None:
            raise ModelError("No language model is configured.")
        return build_prompt(
            self.llm,
            system=SYSTEM,
            task=DRAFT_TASK.format(style=TONE_STYLE[self._tone(tone)]),
            passages=candidate_passages(
                result, exclude=self.is_internal, max_passages=self.settings.llm.max_passages
            ),
            subject=ticket,
            max_tokens=self.settings.llm.max_draft_tokens,
            prompt_budget=self.settings.llm.max_prompt_tokens or None,
            terms=query_terms(result.query),
        )

    def _frame(self, ticket: Ticket, tone: str, body: str) -> str:
        closing = sign_off(tone, self.settings.answer.agent_name, self.settings.answer.company_name)
        return f"{greeting(ticket, tone)}\n\n{body}\n\n{closing}"

    def holding_draft(self, ticket: Ticket, tone: str | None = None, note: str = "") -> Draft:
        """ "We're looking into it": for when the knowledge base has nothing to say."""
        tone = self._tone(tone)
        text = self._frame(ticket, tone, HOLDING_REPLY[tone])
        return Draft(text, tone, [], extractive=False, abstained=True, note=note)

    def extractive_draft(
        self, ticket: Ticket, result: SearchResult, tone: str | None = None, note: str = ""
    ) -> Draft:
        """The best public passage's steps, quoted without markers."""
        tone = self._tone(tone)
        passages = candidate_passages(result, exclude=self.is_internal, max_passages=1)
        if not passages:
            return self.holding_draft(ticket, tone, note=note or "No public article matched.")
        ex = extract(passages[0].passage.text, result.query)
        if not ex.lines:
            return self.holding_draft(ticket, tone, note=note)
        intro = STEPS_INTRO[tone] if ex.steps else INFO_INTRO[tone]
        body = format_extract(ex, lead="", cite=None)
        body = f"{intro}\n\n{body}" if intro else body
        internal = [h for h in result.hits if self.is_internal(h)]
        body, redacted = redact_internal(body, internal, [p.hit for p in passages])
        source = citation_for(1, passages[0].hit, passages[0].passage.heading)
        return Draft(
            self._frame(ticket, tone, body),
            tone,
            [source],
            extractive=True,
            abstained=False,
            redacted=redacted,
            note=note,
        )

    def draft(
        self,
        ticket: Ticket,
        result: SearchResult,
        tone: str | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[DraftEvent]:
        """Stream `Token`s, then one final `Draft` (none if cancelled). Never sends anything."""
        tone = self._tone(tone)
        internal = [h for h in result.hits if self.is_internal(h)]
        public = [h for h in result.hits if not self.is_internal(h)]
        if result.abstained:
            yield self.holding_draft(ticket, tone, note="Retrieval abstained: low confidence.")
            return
        if not public:
            yield self.holding_draft(ticket, tone, note="Only internal-only articles matched.")
            return
        if self.llm is None:
            yield self.extractive_draft(ticket, result, tone, note="No language model configured.")
            return

        try:
            prompt = self.prompt(ticket, result, tone)
            # No number is valid in a reply to the customer: every [n] is stripped as it streams.
            reply = CheckedStream(self.llm, prompt, (), cancel, self.settings.llm.temperature)
            head = greeting(ticket, tone) + "\n\n"
            for shown in reply:
                if head:
                    yield Token(head)
                    head = ""
                yield Token(shown)
            answer = self.settings.answer
            yield Token("\n\n" + sign_off(tone, answer.agent_name, answer.company_name))
        except ModelError as exc:
            log.warning("LLM draft failed, using the extractive draft: %s", exc)
            yield self.extractive_draft(ticket, result, tone, note=str(exc))
            return
        if reply.cancelled:
            return
        body = clean_body(reply.text)
        body, redacted = redact_internal(body, internal, public)
        if not body:
            yield self.extractive_draft(ticket, result, tone, note="The model wrote nothing usable.")
            return
        yield Draft(
            self._frame(ticket, tone, body),
            tone,
            [citation_for(p.n, p.hit, p.passage.heading) for p in prompt.passages],
            extractive=False,
            abstained=False,
            redacted=redacted,
            warnings=promise_warnings(body, prompt.passages),
            note="Sentences naming internal-only material were removed." if redacted else "",
        )
