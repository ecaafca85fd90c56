"""Checks generated text sentence by sentence against the passages it may rely on.

    checker = SupportChecker(passages, encode=embedder.encode, ticket_text=ticket_text)
    for sentence in split_sentences(generated):
        verdict = checker.check(sentence)      # SentenceVerdict(text, supported, reason, …)
    checker.share                               # supported / checked so far

A sentence is *supported* when one passage says it:
- meaning: its embedding (all-MiniLM-L6-v2, the retrieval embedder) is at least
  `MEANING_THRESHOLD` cosine-similar to one sentence of the passage, and most of its content words
  (`COVERAGE_THRESHOLD`) occur in that passage, so a fluent sentence on the right topic that
  invents a procedure does not pass on topic alone. (No NLI or cross-encoder model ships its
  weights on PyPI, so entailment is approximated by these two signals.)
- specifics: every number, error code, model name, URL, amount, duration, quoted or bold UI label
  in the sentence occurs in that passage ("E-105" is not "E-104"; "10 seconds" is not "30 seconds").

The passages the sentence cites are tried first; if another passage supports it, the verdict is
re-pointed there (`source != cited`); if none does, it is unsupported. A sentence citing nothing
is checked against every passage. Noise is recognised before any of that and marked `noise=True`
(callers drop it rather than mark it): prompt scaffolding (`<passages>`, role labels, "passage",
"the agent wrote"), "as an AI…"/"I don't have access…" disclaimers, echoes of the ticket, and
repeated lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from assist.extractive import terms_of

Encode = Callable[[list[str]], np.ndarray]
"""Texts → L2-normalised embeddings, one row per text (`Embedder.encode`)."""

MEANING_THRESHOLD = 0.6
"""Least cosine similarity (all-MiniLM-L6-v2) between a sentence and one passage sentence for the
sentence to count as saying the same thing. Paraphrases of a step measure about 0.65-0.9; a
sentence on the same topic that says something else (another step, an invented fix) about
0.3-0.55 on the demo KB."""
COVERAGE_THRESHOLD = 0.6
"""Least share of a sentence's content words (stemmed) that must occur in the supporting passage."""
LEXICAL_ONLY_COVERAGE = 0.85
"""Without an embedder (tests of mechanics, a broken install), coverage alone must reach this."""
REPOINT_COVERAGE_WEIGHT = 0.5
"""How passages that all support a sentence are compared: cosine + this x word coverage."""
REPOINT_MARGIN = 0.1
"""A cited passage that supports the sentence keeps the citation unless another one scores more
than this higher."""
ECHO_THRESHOLD = 0.6
"""A sentence with at least this share of its word trigrams in the ticket (and fewer in the
passages) repeats the customer instead of answering."""

_CITE_RE = re.compile(r"\s*\[(\d{1,3})\]")
_LIST_MARK_RE = re.compile(r"^\s*(?:\d{1,3}[.)]|[-*•‣▪])\s+")
_WORD_RE = re.compile(r"[a-z0-9]+")

# -- noise -------------------------------------------------------------------------------------

_SCAFFOLD_RE = re.compile(
    r"</?\s*(?:passages?|ticket|question|system|instructions|task|draft)\b[^<>]{0,80}>"
    r"|<\|[^<>|]*\|>"
    r"|^\s*(?:the\s+)?(?:system|assistant|user|developer|human|ai|agent|customer|helpdesk)\s*"
    r"(?:\([^)]{0,60}\))?\s*:"
    r"|\bpassages?\b|\bthe agent (?:wrote|said|asked)\b|\bknowledge-base passages\b|^\s*subject\s*:"
    r"|\bcustomer'?s latest message\b|\bin the (?:data|ticket) above\b",
    re.IGNORECASE | re.MULTILINE,
)
_DISCLAIMER_RE = re.compile(
    r"\bas an? (?:ai|language model|assistant|virtual assistant)\b"
    r"|\bi (?:do not|don't|cannot|can't|am unable to|am not able to) (?:have )?(?:access|browse|see|"
    r"view|check|the ability)\b"
    r"|\bi(?:'m| am) (?:sorry, but i|just an ai|an ai|not able to access)\b"
    r"|\bi don't have the ability\b|\bi do not have the ability\b",
    re.IGNORECASE,
)

# -- specifics ---------------------------------------------------------------------------------

_URL_RE = re.compile(r"\bhttps?://[^\s)\]>\"']+|\bwww\.[^\s)\]>\"']+", re.IGNORECASE)
_UNITS = {
    "s": "second", "sec": "second", "secs": "second", "second": "second", "seconds": "second",
    "min": "minute", "mins": "minute", "minute": "minute", "minutes": "minute",
    "h": "hour", "hr": "hour", "hrs": "hour", "hour": "hour", "hours": "hour",
    "day": "day", "days": "day", "business day": "day", "business days": "day",
    "week": "week", "weeks": "week", "month": "month", "months": "month",
    "year": "year", "years": "year",
}  # fmt: skip
_DURATION_RE = re.compile(
    r"\b(\d+(?:\.\d+)?)(?:\s*-\s*|\s+)?(business days?|seconds?|secs?|minutes?|mins?|hours?|hrs?|"
    r"days?|weeks?|months?|years?|s|h)\b",
    re.IGNORECASE,
)
# Codes and model names: letters and digits in one token (E-104, BW-558213, 7F3A-22C1, A19, BR30).
_CODE_RE = re.compile(r"\b(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\b")
_NUMBER_RE = re.compile(r"(?<![\w.\-])[$€£]?\d+(?:[.,]\d+)*%?")
_QUOTED_RE = re.compile(r"[\"“”]([^\"“”\n]{2,60})[\"“”]|\*\*([^*\n]{2,60})\*\*")
# A product name: capitalised words in a row after the sentence's first word ("Lumen Hub Mini").
_NAME_RE = re.compile(r"(?<=\s)[A-Z][a-z]+(?:\s+[A-Z][\w-]*)+")


def strip_markers(text: str) -> str:
    """The sentence without `[n]` markers and list markers, whitespace collapsed."""
    text = _LIST_MARK_RE.sub("", _CITE_RE.sub("", text))
    return " ".join(text.split())


def _norm(text: str) -> str:
    text = text.replace("**", "").replace("`", "").replace("’", "'")
    text = re.sub(r"[“”]", '"', text)
    return " ".join(text.lower().split())


def _durations(text: str) -> set[tuple[str, str]]:
    return {(float(n).__format__("g"), _UNITS[u.lower()]) for n, u in _DURATION_RE.findall(text)}


def specifics(text: str) -> set[str]:
    """Specifics of `text` that must agree with the supporting passage, normalised (lower case).

    Durations come as "30 second" (unit singular), everything else as written.
    """
    text = strip_markers(text)
    found: set[str] = set()
    for url in _URL_RE.findall(text):
        found.add(url.rstrip(".,;:").lower())
    rest = _URL_RE.sub(" ", text)
    found |= {f"{n} {u}" for n, u in _durations(rest)}
    rest = _DURATION_RE.sub(lambda m: m.group(1), rest)  # "14-day" is a duration, not a code
    found |= {c.lower() for c in _CODE_RE.findall(rest)}
    found |= {n.rstrip(".,").lower() for n in _NUMBER_RE.findall(rest)}
    for a, b in _QUOTED_RE.findall(rest):
        found.add(_norm(a or b))
    for name in _NAME_RE.findall(" " + rest.split(" ", 1)[-1] if " " in rest else ""):
        found.add(_norm(name))
    return {s for s in found if s}


def missing_specifics(sentence: str, passage: str) -> list[str]:
    """The specifics of `sentence` that `passage` does not contain."""
    haystack = _norm(passage)
    durations = {f"{n} {u}" for n, u in _durations(passage)}
    numbers = {n.rstrip(".,").lower() for n in _NUMBER_RE.findall(passage)}
    codes = {c.lower() for c in _CODE_RE.findall(passage)}
    missing = []
    for spec in sorted(specifics(sentence)):
        if re.fullmatch(r"[\d.]+ (?:second|minute|hour|day|week|month|year)", spec):
            ok = spec in durations
        elif re.fullmatch(r"[$€£]?\d+(?:[.,]\d+)*%?", spec):
            ok = spec in numbers or spec.lstrip("$€£").rstrip("%") in {
                n.lstrip("$€£").rstrip("%") for n in numbers
            }
        elif _CODE_RE.fullmatch(spec):
            ok = spec in codes
        else:
            ok = spec in haystack
        if not ok:
            missing.append(spec)
    return missing


# -- splitting ---------------------------------------------------------------------------------

# A sentence ends at a line break, or after . ! ? (and any citation markers) before the next one;
# "1." at the start of a line and "e.g." are not ends.
_BOUNDARY_RE = re.compile(r"\n+|(?<=[.!?])((?:\s*\[\d{1,3}\])*)[ \t]+(?=[^\s\[])")
_NOT_AN_END_RE = re.compile(r"(?:^|\n)\s*\d{1,3}\.$|\b(?:e\.g|i\.e|etc|vs|approx|no)\.$", re.IGNORECASE)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence or line of `text`, citation markers kept with their sentence."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY_RE.finditer(text):
        end = match.start() + len(match.group(1) or "")
        at_line_end = match.group(0).startswith("\n")
        if not at_line_end and _NOT_AN_END_RE.search(text[start : match.start()]):
            continue
        if text[start:end].strip():
            spans.append((start, end))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def split_sentences(text: str) -> list[str]:
    return [text[a:b].strip() for a, b in sentence_spans(text)]


class SentenceStream:
    """Cuts streamed text into sentences as they complete.

    `feed(piece)` returns the sentences the piece completed; `flush()` returns the rest. A sentence
    is complete once the next one has begun (or a line ended), so a trailing `[n]` stays with it.
    `breaks[i]` says whether the i-th sentence returned began a new line (to rebuild the layout).
    """

    def __init__(self) -> None:
        self._buffer = ""
        self._after_break = False
        self.breaks: list[bool] = []

    def _take(self, spans: list[tuple[int, int]]) -> list[str]:
        out = []
        previous = 0
        for a, b in spans:
            gap = self._buffer[previous:a]
            self.breaks.append(bool(self.breaks) and ("\n" in gap or (previous == 0 and self._after_break)))
            out.append(self._buffer[a:b].strip())
            previous = b
        rest = self._buffer[previous:]
        self._after_break = "\n" in rest[: len(rest) - len(rest.lstrip())]
        self._buffer = rest.lstrip()
        return out

    def feed(self, piece: str) -> list[str]:
        self._buffer += piece
        spans = sentence_spans(self._buffer)
        if self._buffer.rstrip(" \t").endswith("\n"):
            return self._take(spans) if spans else []
        return self._take(spans[:-1]) if len(spans) > 1 else []

    def flush(self) -> list[str]:
        return self._take(sentence_spans(self._buffer))


# -- verdicts ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SentenceVerdict:
    """How one generated sentence stands against the passages."""

    text: str
    """The sentence as generated (markers kept)."""
    supported: bool
    reason: str = ""
    """Why it is unsupported or noise ("" when supported by a passage; a supported lead-in such
    as "Follow these steps:" says so here)."""
    cited: tuple[int, ...] = ()
    """The passage numbers it cited."""
    source: int | None = None
    """The passage that supports it; differs from `cited` when the citation was re-pointed."""
    score: float = 0.0
    """Best cosine similarity to a passage sentence (0 without an embedder)."""
    noise: bool = False
    """Scaffolding, a disclaimer, a ticket echo or a repeat: to be dropped, not just marked."""

    @property
    def repointed(self) -> bool:
        return self.supported and self.source is not None and self.source not in self.cited

    @property
    def plain(self) -> str:
        return strip_markers(self.text)


@dataclass(frozen=True, slots=True)
class Evidence:
    """A passage text may rely on, numbered as the text cites it."""

    n: int
    text: str


@dataclass(slots=True)
class _Prepared:
    n: int
    text: str
    terms: frozenset[str]
    units: list[str]
    vectors: np.ndarray | None = None


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = _WORD_RE.findall(text.lower())
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


@dataclass
class SupportChecker:
    """Judges sentences one at a time (streaming) against a fixed set of passages.

    Args:
        passages: What the text may rely on, numbered as cited.
        encode: The embedder's `encode`; None = lexical coverage only (stricter).
        ticket_text: The customer's words, to recognise echoes.
        meaning_threshold, coverage_threshold: See the module constants.
    """

    passages: Sequence[Evidence]
    encode: Encode | None = None
    ticket_text: str = ""
    meaning_threshold: float = MEANING_THRESHOLD
    coverage_threshold: float = COVERAGE_THRESHOLD
    verdicts: list[SentenceVerdict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._prepared = [self._prepare(p) for p in self.passages]
        if self.encode is not None:
            units = [u for p in self._prepared for u in p.units]
            if units:
                vectors = np.asarray(self.encode(units), dtype=np.float32)
                at = 0
                for p in self._prepared:
                    p.vectors = vectors[at : at + len(p.units)]
                    at += len(p.units)
        self._ticket_trigrams = _trigrams(self.ticket_text)
        self._passage_trigrams = (
            set().union(*(_trigrams(p.text) for p in self.passages)) if self.passages else set()
        )
        self._seen: list[frozenset[str]] = []

    @staticmethod
    def _prepare(p: Evidence) -> _Prepared:
        units = [strip_markers(u) for u in split_sentences(p.text)]
        units = [u for u in units if len(u) > 3 and not set(u) <= set("|-: ")]
        return _Prepared(p.n, p.text, terms_of(p.text), units or [p.text])

    @property
    def share(self) -> float:
        """Supported sentences / sentences checked (1.0 before any)."""
        if not self.verdicts:
            return 1.0
        return sum(v.supported for v in self.verdicts) / len(self.verdicts)

    def check_all(self, text: str) -> list[SentenceVerdict]:
        return [self.check(s) for s in split_sentences(text)]

    def check(self, sentence: str) -> SentenceVerdict:
        verdict = self._judge(sentence)
        self.verdicts.append(verdict)
        return verdict

    def noise_reason(self, sentence: str, *, echo: bool = True) -> str:
        """Why `sentence` is noise, or "" (it then goes on to the support check). Without `echo`,
        overlap with the ticket is not judged (a reworded acknowledgement may quote it)."""
        plain = strip_markers(sentence)
        if _SCAFFOLD_RE.search(sentence):
            return "prompt scaffolding"
        if _DISCLAIMER_RE.search(plain):
            return "a model disclaimer, not an answer"
        grams = _trigrams(plain)
        if echo and grams and self._ticket_trigrams:
            in_ticket = len(grams & self._ticket_trigrams) / len(grams)
            in_passages = len(grams & self._passage_trigrams) / len(grams)
            if in_ticket >= ECHO_THRESHOLD and in_ticket > in_passages:
                return "repeats the ticket"
        words = terms_of(plain)
        for earlier in self._seen:
            if words and len(words & earlier) / len(words | earlier) >= 0.9:
                return "repeats an earlier sentence"
        self._seen.append(words)
        return ""

    def _judge(self, sentence: str) -> SentenceVerdict:
        cited = tuple(dict.fromkeys(int(n) for n in _CITE_RE.findall(sentence)))
        noise = self.noise_reason(sentence)
        if noise:
            return SentenceVerdict(sentence, False, noise, cited, None, 0.0, noise=True)
        plain = strip_markers(sentence)
        if not _WORD_RE.search(plain.lower()):
            return SentenceVerdict(sentence, False, "empty", cited, None, 0.0, noise=True)
        if plain.endswith(":") and len(plain.split()) <= 10 and not specifics(plain):
            # "To fix this, follow these steps:" states nothing a passage could contradict.
            return SentenceVerdict(sentence, True, "a lead-in, nothing to verify", cited)
        if not self._prepared:
            return SentenceVerdict(sentence, False, "no passage to check against", cited)
        vector = None
        if self.encode is not None:
            vector = np.asarray(self.encode([plain]), dtype=np.float32)[0]
        words = terms_of(plain)
        cited_set = set(cited)
        supporting: list[tuple[float, _Prepared, float]] = []
        first_failure = ""
        best_score = 0.0
        for p in self._prepared:
            score = float((p.vectors @ vector).max()) if vector is not None and p.vectors is not None else 0.0
            best_score = max(best_score, score)
            coverage = len(words & p.terms) / len(words) if words else 1.0
            if vector is None:
                meaning_ok = coverage >= LEXICAL_ONLY_COVERAGE
            else:
                meaning_ok = score >= self.meaning_threshold and coverage >= self.coverage_threshold
                if meaning_ok and p.vectors is not None:
                    # An embedder barely sees "not": "the account was compromised" sits close to
                    # "do not tell the customer their account was compromised". The closest passage
                    # sentence and the claim must agree on negation.
                    closest = p.units[int((p.vectors @ vector).argmax())]
                    if _negated(closest) != _negated(plain):
                        meaning_ok = False
                        if not first_failure and (p.n in cited_set or not cited):
                            first_failure = f"[{p.n}] says it with the opposite sense (“{closest[:60]}”)"
            missing = missing_specifics(plain, p.text) if meaning_ok else []
            if meaning_ok and not missing:
                supporting.append((score + REPOINT_COVERAGE_WEIGHT * coverage, p, score))
            elif missing and not first_failure and (p.n in cited_set or not cited):
                first_failure = f"[{p.n}] doesn't say " + ", ".join(f"“{m}”" for m in missing)
        if supporting:
            # The cited passage keeps the citation unless another one supports the sentence clearly
            # better (a model that copies step 2 of article [2] and cites [1] is re-pointed).
            best = max(supporting, key=lambda s: s[0])
            own = max((s for s in supporting if s[1].n in cited_set), key=lambda s: s[0], default=None)
            pick = own if own is not None and own[0] >= best[0] - REPOINT_MARGIN else best
            return SentenceVerdict(sentence, True, "", cited, pick[1].n, pick[2])
        reason = first_failure or "no passage says this"
        if cited and not first_failure:
            reason = f"[{cited[0]}] and the other passages don't say this"
        return SentenceVerdict(sentence, False, reason, cited, None, best_score)


_NEGATION_RE = re.compile(
    r"\b(?:not|no|never|none|nothing|nor|without|cannot)\b|n't\b|\bdon['’]t\b", re.IGNORECASE
)


def _negated(text: str) -> bool:
    return bool(_NEGATION_RE.search(text))


def support_share(verdicts: Iterable[SentenceVerdict]) -> float:
    verdicts = list(verdicts)
    return sum(v.supported for v in verdicts) / len(verdicts) if verdicts else 0.0


def recite(verdict: SentenceVerdict) -> str:
    """The sentence with its markers replaced by the passage that supports it (`[source]`);
    an unsupported sentence loses its markers (they would vouch for it)."""
    plain = _CITE_RE.sub("", verdict.text).rstrip()
    if not verdict.supported or verdict.source is None:
        return plain
    marker = f" [{verdict.source}]"
    # Before the final punctuation, where the model puts it: "Open Settings [1]."
    m = re.search(r"([.!?:;]+)$", plain)
    return plain[: m.start()] + marker + m.group(1) if m else plain + marker
