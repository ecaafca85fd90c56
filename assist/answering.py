"""Grounded answers for the agent: streamed, with numbered citations that are checked.

    answerer = Answerer(llm_from_settings(settings.llm), settings)
    for event in answerer.answer(ticket, result, cancel=stop_event):
        if isinstance(event, Token):
            show(event.text)                 # streamed, citations already filtered
        else:
            final = event                    # Answer: replace the streamed text with final.text

Rules:
- The model sees numbered passages `[1]…[k]`; a citation number that points nowhere is removed
  from the text, and an answer left with no valid citation is `verified=False`.
- When retrieval abstained, the model is not asked at all: the answer says the knowledge base
  doesn't seem to cover this and lists the nearest articles as low-confidence.
- No model configured, or it fails to load or run: the extractive answer (best steps of the top
  passage, cited [1]) is returned instead, with `note` saying why.
- Cancelled (the caller's event, or a newer request on the same model): the iterator ends without
  an `Answer`.
- Answers not written by the model (abstained, extractive fallbacks) come as one `Answer` with no
  `Token`s; the sidebar can show `extractive_answer(result)` at once while the model works.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from assist.config import LLMSettings, Settings
from assist.extractive import extract, format_extract, query_terms
from assist.prompting import SYSTEM, Prompt, PromptPassage, build_prompt, candidate_passages
from assist.results import DocHit, SearchResult
from assist.tickets import Ticket
from common.errors import ModelError
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


AnswerEvent = Token | Answer


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


def extractive_answer(result: SearchResult, note: str = "") -> Answer:
    """The best steps/sentences of the top passage, cited [1]. Instant."""
    passages = candidate_passages(result, max_passages=1)
    if not passages:
        return abstained_answer(result, note=note)
    top = passages[0]
    ex = extract(top.passage.text, result.query)
    lead = f"From “{top.title_line}”"
    text = format_extract(ex, lead=lead, cite=1)
    source = _sources(passages)
    return Answer(
        text, source, verified=bool(ex.lines), abstained=False, extractive=True, sources=source, note=note
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


class Answerer:
    """Writes the internal answer for the agent from a search result.

    Args:
        llm: Any `LLM`; None = extractive answers only.
        settings: `settings.llm.max_answer_tokens` and `temperature` are used.
    """

    def __init__(self, llm: LLM | None, settings: Settings | None = None) -> None:
        self.llm = llm
        self.settings = settings or Settings()

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
            temperature = self.settings.llm.temperature
            reply = CheckedStream(self.llm, prompt, prompt.valid_numbers, cancel, temperature)
            for shown in reply:
                yield Token(shown)
        except ModelError as exc:  # ModelLoadError included: missing/corrupt model, template errors
            log.warning("LLM answer failed, using the extractive answer: %s", exc)
            yield extractive_answer(result, note=f"{exc} Showing the best passage instead.")
            return
        if reply.cancelled:
            return

        text, cited = check_citations(reply.text, prompt.valid_numbers)
        if not text:
            yield extractive_answer(result, note="The model returned nothing; showing the best passage.")
            return
        by_n = {p.n: p for p in prompt.passages}
        citations = [citation_for(n, by_n[n].hit, by_n[n].passage.heading) for n in cited]
        yield Answer(
            text,
            citations,
            verified=bool(citations),
            abstained=False,
            extractive=False,
            sources=_sources(prompt.passages),
            note="" if citations else "Unverified: the answer cites no passage.",
        )
