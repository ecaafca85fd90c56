"""Grounded answers for the agent: streamed, with numbered citations that are checked.

    answerer = Answerer(llm_from_settings(settings.llm), settings)
    for event in answerer.answer(ticket, result, cancel=stop_event):
        if isinstance(event, Token):
            show(event.text)                 # streamed, citations already filtered
        elif isinstance(event, SentenceVerdict):
            mark(event)                      # the sentence just streamed: supported or not, why
        else:
            final = event                    # Answer: replace the streamed text with final.text

Rules:
- The model sees numbered passages `[1]…[k]`; a citation number that points nowhere is removed
  from the text, and an answer left with no valid citation is `verified=False`.
- When retrieval abstained, the model is not asked at all: the answer says the knowledge base
  doesn't seem to cover this and lists the nearest articles as low-confidence.
- No model configured, or it fails to load or run: the extractive answer (the steps and sentences
  of the top passages that address the question, each block cited) is returned instead, with
  `note` saying why.
- Every generated sentence is checked against the passages as it completes (`assist.verify`) and
  its `SentenceVerdict` is yielded after its tokens. The generated answer is shown only when at
  least `answer.min_support` (0.8) of its sentences, and its first sentence, are supported;
  otherwise the extractive answer is the answer and `note` says why. Noise (scaffolding, ticket
  echoes, disclaimers, repeats) is removed; an unsupported sentence that stays is prefixed
  "(unverified)" and listed in `Answer.unsupported`; a sentence citing the wrong `[n]` is re-cited.
- A model below `llm.trusted_min_params` (the default 135M one) never writes the answer: the agent
  gets the extractive answer, plus the model's sentences that were verified, if it passed the gate.
- Cancelled (the caller's event, or a newer request on the same model): the iterator ends without
  an `Answer`.
- Answers not written by the model (abstained, extractive fallbacks) come as one `Answer` with no
  `Token`s; the sidebar can show `extractive_answer(result)` at once while the model works.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from assist.config import LLMSettings, Settings
from assist.extractive import extract, extract_focused, format_blocks, format_extract, query_terms
from assist.prompting import SYSTEM, Prompt, PromptPassage, build_prompt, candidate_passages
from assist.results import DocHit, SearchResult
from assist.tickets import Ticket
from assist.verify import Encode, Evidence, SentenceStream, SentenceVerdict, SupportChecker, recite
from common.errors import ModelError
from common.logs import sensitive_error
from models.llm import LLM, LocalLLM

log = logging.getLogger(__name__)

ANSWER_TASK = (
    "Using only the passages above, write a short answer for the support agent about the issue "
    "in the data above. Cite passages like [1]."
)

NOT_COVERED = "The knowledge base doesn't seem to cover this."


@dataclass(frozen=True, slots=True)
class Citation:
    """What `[n]` in an answer refers to."""

    n: int
    title: str
    path: str
    url: str | None
    doc_uid: str
    heading: str = ""


@dataclass(frozen=True, slots=True)
class Token:
    """A streamed piece of text."""

    text: str


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    """Final text; authoritative over the streamed tokens (citations checked, whitespace tidied)."""
    citations: list[Citation]
    """The sources the text cites, by number."""
    verified: bool
    """True when the text cites at least one passage that was shown (always False if abstained)."""
    abstained: bool
    """True when the knowledge base didn't seem to cover the question (no grounded answer)."""
    extractive: bool
    """True when the text is quoted from a passage rather than generated."""
    sources: list[Citation] = field(default_factory=list)
    """Every passage that was shown (or listed), numbered; `citations` is a subset."""
    note: str = ""
    """Why the answer is extractive or unverified, for the sidebar's status line."""
    unsupported: tuple[str, ...] = ()
    """Sentences of `text` no passage supports (shown marked "(unverified)"); the sidebar greys
    and strikes them through."""
    support: float | None = None
    """Share of the generated sentences the passages support; None when nothing was generated."""
    verdicts: tuple[SentenceVerdict, ...] = ()
    """Every generated sentence's verdict, noise included (for the eval and debugging)."""


AnswerEvent = Token | SentenceVerdict | Answer

UNVERIFIED = "(unverified) "
"""Prefix of a kept sentence that no passage supports, in `Answer.text`."""


def citation_for(n: int, hit: DocHit, heading: str = "") -> Citation:
    return Citation(n=n, title=hit.title, path=hit.path, url=hit.url, doc_uid=hit.doc_uid, heading=heading)


def _sources(passages: Iterable[PromptPassage]) -> list[Citation]:
    return [citation_for(p.n, p.hit, p.passage.heading) for p in passages]


# -- citation checking -------------------------------------------------------------------------

# "[1]", "[1, 2]", "[1-3]", "[Passage 2]", "[source #3]"; small models vary the spelling.
_CITATION_RE = re.compile(
    r"\[\s*(?:(?:passages?|sources?|docs?|documents?|refs?)\s*)?#?"
    r"(\d{1,3}(?:\s*(?:,|;|-|–|and)\s*#?\d{1,3})*)\s*\]",
    re.IGNORECASE,
)
_MAYBE_CITATION_RE = re.compile(r"\[[\w\s#,;–-]{0,40}$")


def _numbers(spec: str) -> list[int]:
    out: list[int] = []
    for part in re.split(r"\s*(?:,|;|and)\s*", spec):
        bounds = [int(b) for b in re.findall(r"\d+", part)]
        if len(bounds) == 2 and 0 <= bounds[1] - bounds[0] <= 10:
            out.extend(range(bounds[0], bounds[1] + 1))
        else:
            out.extend(bounds)
    return out


def check_citations(text: str, valid: Iterable[int]) -> tuple[str, list[int]]:
    """Drop citation numbers not in `valid`; returns the text and the valid numbers cited, sorted.

    `[1, 9]` with only 1 valid becomes `[1]`; a marker with no valid number is removed along with
    the space before it. Square brackets that aren't citations (`[Settings]`) are left alone.
    """
    allowed = set(valid)
    cited: set[int] = set()

    def fix(match: re.Match[str]) -> str:
        keep = [n for n in dict.fromkeys(_numbers(match.group(1))) if n in allowed]
        cited.update(keep)
        return "".join(f"[{n}]" for n in keep)

    text = _CITATION_RE.sub(fix, text)
    return _tidy(text), sorted(cited)


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+([.,;:!?])", r"\1", text)  # space left before punctuation by a removal
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


class CitationFilter:
    """Checks citations in a token stream: holds back an open `[…` until it is complete.

    Trailing spaces are held back too, so removing an invalid marker also removes the space before it.
    """

    def __init__(self, valid: Iterable[int]) -> None:
        self.valid = frozenset(valid)
        self._pending = ""

    def feed(self, piece: str) -> str:
        buf = self._pending + piece
        cut = len(buf)
        open_at = buf.rfind("[")
        if open_at != -1 and "]" not in buf[open_at:] and _MAYBE_CITATION_RE.match(buf, open_at):
            cut = open_at
        out = self._clean(buf[:cut])
        # Hold back trailing spaces (also those left by a removed marker) until we know whether
        # punctuation follows: "word [9]." must stream as "word.".
        kept = out.rstrip(" \t")
        self._pending = out[len(kept) :] + buf[cut:]
        return kept

    def flush(self) -> str:
        out, self._pending = self._pending, ""
        return self._clean(out)

    def _clean(self, text: str) -> str:
        def fix(match: re.Match[str]) -> str:
            keep = [n for n in dict.fromkeys(_numbers(match.group(1))) if n in self.valid]
            return "".join(f"[{n}]" for n in keep)

        text = _CITATION_RE.sub(fix, text)
        # The held-back spaces before a removed marker: "word [9]." must not become "word ."
        return re.sub(r"[ \t]+(?=[.,;:!?])", "", text)


# -- answers without the model -----------------------------------------------------------------


class CheckedStream:
    """The model's reply to a prompt, streamed with its `[n]` markers checked on the way.

    Iterating yields the text to show (invalid markers already removed); `text` is the raw reply
    for the final check, and `cancelled` says whether it was cut short.
    """

    def __init__(
        self,
        llm: LLM,
        prompt: Prompt,
        valid: Iterable[int],
        cancel: threading.Event | None,
        temperature: float,
    ) -> None:
        self._stream = llm.stream_chat(
            prompt.messages, max_tokens=prompt.max_tokens, cancel=cancel, temperature=temperature
        )
        self._filter = CitationFilter(valid)
        self._cancel = cancel
        self._raw: list[str] = []

    def __iter__(self) -> Iterator[str]:
        for piece in self._stream:
            self._raw.append(piece)
            shown = self._filter.feed(piece)
            if shown:
                yield shown
        tail = self._filter.flush()
        if tail:
            yield tail

    @property
    def text(self) -> str:
        return "".join(self._raw)

    @property
    def cancelled(self) -> bool:
        """Cut short: by the model (a newer request) or by the caller's cancel flag."""
        return self._stream.cancelled or (self._cancel is not None and self._cancel.is_set())


def extractive_answer(result: SearchResult, note: str = "", *, max_passages: int = 4) -> Answer:
    """The steps, sentences and table rows of the top passages that address the question, each
    block cited with its `[n]`, in document order. Instant; never needs the model."""
    passages = candidate_passages(result, max_passages=max_passages)
    if not passages:
        return abstained_answer(result, note=note)
    blocks = extract_focused([(p.n, p.passage.text) for p in passages], result.query)
    titles = {p.n: p.title_line for p in passages}
    # The agent may read internal-only material, but never without knowing it is internal.
    internal = frozenset(p.n for p in passages if p.hit.internal)
    text = format_blocks(blocks, titles, internal=internal)
    by_n = {p.n: p for p in passages}
    cited = [citation_for(b.n, by_n[b.n].hit, by_n[b.n].passage.heading) for b in blocks]
    return Answer(
        text,
        cited,
        verified=bool(blocks),
        abstained=False,
        extractive=True,
        sources=_sources(passages),
        note=note,
    )


def abstained_answer(result: SearchResult, *, max_articles: int = 3, note: str = "") -> Answer:
    """An honest "not covered" answer listing the nearest articles as low-confidence."""
    hits = sorted(result.hits, key=lambda h: h.rank)[:max_articles]
    if not hits:
        return Answer(
            f"{NOT_COVERED} No article came close.",
            [],
            verified=False,
            abstained=True,
            extractive=False,
            note=note,
        )
    sources = [citation_for(i, hit, hit.heading) for i, hit in enumerate(hits, start=1)]
    listing = "\n".join(
        f"[{c.n}] {c.title}" + (f" — {c.heading}" if c.heading and c.heading != c.title else "")
        for c in sources
    )
    text = (
        f"{NOT_COVERED} (confidence {result.confidence:.0%})\n\n"
        f"Nearest articles, low confidence — check before using:\n{listing}"
    )
    ex = extract(hits[0].snippet, result.query, max_steps=4, max_sentences=2)
    if ex.lines and ex.matched:
        text += "\n\n" + format_extract(ex, lead="Closest passage (may not apply)", cite=1)
    return Answer(
        text,
        [],
        verified=False,
        abstained=True,
        extractive=bool(ex.lines and ex.matched),
        sources=sources,
        note=note or "Retrieval abstained: low confidence.",
    )


# -- the answerer ------------------------------------------------------------------------------


def llm_from_settings(settings: LLMSettings) -> LocalLLM:
    """The configured local model (not loaded yet)."""
    return LocalLLM(
        settings.model_path or None,
        n_ctx=settings.n_ctx,
        threads=settings.threads or None,
        temperature=settings.temperature,
        cpu_copy=settings.cpu_copy,
    )


_SIZE_LABEL_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMBT])\s*$", re.IGNORECASE)
_SCALE = {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}


def model_params(llm: LLM | None) -> int | None:
    """The model's parameter count, or None when it can't be told.

    From an `n_params` attribute (fakes, wrappers), then the GGUF metadata
    (`general.parameter_count`, `general.size_label` such as "135M" or "1.5B").
    """
    if llm is None:
        return None
    value = getattr(llm, "n_params", None)
    if isinstance(value, int | float) and value > 0:
        return int(value)
    try:
        meta = getattr(llm, "metadata", None) or {}
    except ModelError:
        return None
    try:
        return int(meta["general.parameter_count"])
    except (KeyError, ValueError, TypeError):
        pass
    for label in str(meta.get("general.size_label", "")).split(","):
        m = _SIZE_LABEL_RE.match(label.split("x")[-1])
        if m:
            return int(float(m.group(1)) * _SCALE[m.group(2).upper()])
    return None


def trusts_model(llm: LLM | None, settings: LLMSettings) -> bool:
    """Whether a verified generated answer from `llm` may be shown as the answer.

    Below `settings.trusted_min_params`, or of unknown size, the model only adds verified
    sentences to the extractive answer."""
    params = model_params(llm)
    return params is not None and params >= settings.trusted_min_params


def ticket_text(subject: Ticket | str) -> str:
    """What the customer (or agent) wrote, to recognise echoes of it."""
    if isinstance(subject, str):
        return subject
    return "\n".join([subject.subject, *(m.body for m in subject.messages if m.public)])


class Answerer:
    """Writes the internal answer for the agent from a search result.

    Args:
        llm: Any `LLM`; None = extractive answers only.
        settings: `settings.llm` (`max_answer_tokens`, `temperature`, `trusted_min_params`) and
            `settings.answer.min_support` are used.
        encode: The embedder's `encode`, to check generated sentences by meaning; None = by
            shared words only (stricter).
    """

    def __init__(
        self, llm: LLM | None, settings: Settings | None = None, encode: Encode | None = None
    ) -> None:
        self.llm = llm
        self.settings = settings or Settings()
        self.encode = encode

    def prompt(self, question_or_ticket: Ticket | str, result: SearchResult) -> Prompt:
        """The budgeted prompt `answer()` would send (for tests, the CLI's --show-prompt, debugging)."""
        if self.llm is None:
            raise ModelError("No language model is configured.")
        return build_prompt(
            self.llm,
            system=SYSTEM,
            task=ANSWER_TASK,
            passages=candidate_passages(result, max_passages=self.settings.llm.max_passages),
            subject=question_or_ticket,
            max_tokens=self.settings.llm.max_answer_tokens,
            prompt_budget=self.settings.llm.max_prompt_tokens or None,
            terms=query_terms(result.query),
        )

    def warm(self) -> int:
        """Put the answer instructions in the model's KV cache (at startup), so the first ticket's
        answer only waits for its passages and ticket to be evaluated. Returns the cached tokens."""
        if not isinstance(self.llm, LocalLLM):
            return 0
        prompt = build_prompt(
            self.llm,
            system=SYSTEM,
            task=ANSWER_TASK,
            passages=[],
            subject="",
            max_tokens=self.settings.llm.max_answer_tokens,
        )
        return self.llm.prefill(prompt.messages)

    def answer(
        self,
        question_or_ticket: Ticket | str,
        result: SearchResult,
        cancel: threading.Event | None = None,
    ) -> Iterator[AnswerEvent]:
        """Stream `Token`s, then one final `Answer` (none if cancelled)."""
        if result.abstained or not result.hits:
            yield abstained_answer(result)
            return
        if self.llm is None:
            yield extractive_answer(result, note="No language model configured: quoting the best passage.")
            return

        try:
            prompt = self.prompt(question_or_ticket, result)
            checker = SupportChecker(
                [Evidence(p.n, p.passage.text) for p in prompt.passages],
                encode=self.encode,
                ticket_text=ticket_text(question_or_ticket),
            )
            temperature = self.settings.llm.temperature
            reply = CheckedStream(self.llm, prompt, prompt.valid_numbers, cancel, temperature)
            sentences = SentenceStream()
            for shown in reply:
                yield Token(shown)
                for sentence in sentences.feed(shown):
                    yield checker.check(sentence)
            if not reply.cancelled:
                for sentence in sentences.flush():
                    yield checker.check(sentence)
        except ModelError as exc:  # ModelLoadError included: missing/corrupt model, template errors
            log.warning("LLM answer failed, using the extractive answer: %s", sensitive_error(exc))
            yield extractive_answer(result, note=f"{exc} Showing the best passages instead.")
            return
        if reply.cancelled:
            return
        yield self._final(result, prompt, checker.verdicts, sentences.breaks)

    def _final(
        self,
        result: SearchResult,
        prompt: Prompt,
        verdicts: list[SentenceVerdict],
        breaks: list[bool],
    ) -> Answer:
        """The gate: the generated answer if enough of it is supported, else the extractive one."""
        quoted = extractive_answer(result)
        if not verdicts:
            return _with(quoted, note="The model returned nothing; showing the best passages.")
        judged = tuple(verdicts)
        share = sum(v.supported for v in judged) / len(judged)
        failed = [v for v in judged if not v.supported]
        min_support = self.settings.answer.min_support
        if not judged[0].supported or share < min_support:
            first = failed[0]
            return _with(
                quoted,
                note=f"The generated answer was not shown: {len(failed)} of {len(judged)} sentences "
                f"aren't supported by the articles (“{_short(first.plain)}”: {first.reason}).",
                support=share,
                verdicts=judged,
            )
        kept = [(v, brk) for v, brk in zip(judged, breaks, strict=False) if not v.noise]
        if not trusts_model(self.llm, self.settings.llm):
            confirmed = [recite(v) for v, _ in kept if v.supported]
            params = model_params(self.llm)
            size = f"{params / 1e6:.0f}M-parameter" if params else "unknown-size"
            summary = " ".join(_strip_list_marker(c) for c in confirmed)
            return _with(
                quoted,
                text=quoted.text + (f"\n\nIn short: {summary}" if summary else ""),
                citations=_merge(quoted.citations, confirmed, prompt),
                note=f"A small ({size}) model: showing the quoted steps, plus only its sentences "
                "that the articles confirm.",
                support=share,
                verdicts=judged,
            )
        lines: list[str] = []
        for v, brk in kept:
            sentence = recite(v) if v.supported else _mark_unverified(v.text)
            if lines and not brk:
                lines[-1] += " " + sentence
            else:
                lines.append(sentence)
        text = _tidy("\n".join(lines))
        unsupported = tuple(_mark_unverified(v.text) for v, _ in kept if not v.supported)
        cited = sorted({v.source for v, _ in kept if v.supported and v.source is not None})
        by_n = {p.n: p for p in prompt.passages}
        citations = [citation_for(n, by_n[n].hit, by_n[n].passage.heading) for n in cited if n in by_n]
        removed = sum(v.noise for v in judged)
        notes = []
        if unsupported:
            notes.append(f"{len(unsupported)} sentence(s) marked (unverified): no article says that.")
        if removed:
            notes.append(f"{removed} sentence(s) removed (prompt text, repeats or echoes of the ticket).")
        return Answer(
            text,
            citations,
            verified=bool(citations) and not unsupported,
            abstained=False,
            extractive=False,
            sources=_sources(prompt.passages),
            note=" ".join(notes),
            unsupported=unsupported,
            support=share,
            verdicts=judged,
        )


def _with(answer: Answer, **changes: object) -> Answer:
    return dataclasses.replace(answer, **changes)  # type: ignore[arg-type]


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


_LIST_MARKER_RE = re.compile(r"^(\s*(?:\d{1,3}[.)]|[-*•])\s+)")


def _strip_list_marker(text: str) -> str:
    return _LIST_MARKER_RE.sub("", text)


def _mark_unverified(sentence: str) -> str:
    """The sentence without its markers (they would vouch for it), prefixed `(unverified)` after
    any list marker."""
    plain = _CITATION_RE.sub("", sentence).rstrip()
    plain = re.sub(r"[ \t]+([.,;:!?])", r"\1", plain)
    m = _LIST_MARKER_RE.match(plain)
    return plain[: m.end()] + UNVERIFIED + plain[m.end() :] if m else UNVERIFIED + plain


def _merge(citations: list[Citation], sentences: list[str], prompt: Prompt) -> list[Citation]:
    """`citations` plus the passages the confirmed sentences cite."""
    have = {c.n for c in citations}
    by_n = {p.n: p for p in prompt.passages}
    out = list(citations)
    for sentence in sentences:
        for n in _numbers(",".join(m.group(1) for m in _CITATION_RE.finditer(sentence))):
            if n not in have and n in by_n:
                have.add(n)
                out.append(citation_for(n, by_n[n].hit, by_n[n].passage.heading))
    return sorted(out, key=lambda c: c.n)
