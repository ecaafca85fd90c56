"""The frustration signal (issue #12 §2): how close the customer is to escalating, with the reasons.

    mood = score_frustration(ticket, now)
    mood.score, mood.level                # 0.72, "high"
    [r.text for r in mood.reasons]        # ["asked for a manager", "waited 26 h for a reply", …]
    [p.score for p in mood.trend]         # one point per public customer message

Only the customer's public messages speak for their mood; agent replies and internal notes count
only as the moments a wait ended, and system messages not at all. Quoted email history is cut off
first ("On … wrote:", "> …"), so an old angry paragraph quoted under a thank-you stays old.

Each message gives reasons, each with a weight on a 0–1 scale:
- escalation and displeasure cues (manager, cancel, chargeback, lawyer, review, complaint,
  regulator, "unacceptable", sarcasm…) and repetition phrases ("again", "third time", "as I
  already said") in English, German, French, Spanish, Italian, Portuguese and Dutch; a negation
  just before an escalation cue ("no need to escalate") turns it down;
- a restatement: its similarity to an earlier customer message (TF-IDF over character n-grams by
  default; `embedder_similarity` uses the MiniLM embedder instead);
- intensity: the share of ALL-CAPS words (acronyms, error codes and order numbers left out) and
  runs of "!!!" / "???";
- tone: VADER's compound score of its most negative sentence, for English text only (VADER's
  lexicon is English; the cue lists carry the other languages).
The conversation adds timing: how long each customer message waited for the next public agent
reply (or waits still, at `now`) and customer messages in a row without one.

Squash: the same kind of reason from several messages adds up with a decay (strongest first, each
further one at `repeat_decay` of the one before), capped at `per_code_cap`; the kinds combine as
independent pieces of evidence, score = 1 - Π(1 - w). A calm latest message that thanks the agent
or says it works multiplies the score by `relief_factor`. Every cue, weight and threshold is in
`assist/data/frustration.toml`, calibrated on `eval/conversations.jsonl`.
"""

from __future__ import annotations

import itertools
import math
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assist.escalation.model import Frustration, Reason, TrendPoint
from assist.escalation.similarity import char_ngram_similarities
from assist.tickets import Message, Ticket

if TYPE_CHECKING:
    import numpy as np

Similarity = Callable[[str, str], float]
"""Two texts → similarity, about 0 (unrelated) to 1 (the same). A callable may carry a `band`
attribute, (start, full), saying where a restatement starts to count and where it counts fully on
its own scale; without one, the lexical band of the cue file applies."""

__all__ = [
    "FrustrationCues",
    "embedder_similarity",
    "lexical_similarity",
    "load_cues",
    "score_frustration",
    "strip_quoted",
]


# -- the cue file --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CueGroup:
    """One kind of wording, e.g. asking for a manager, in every language of the cue file."""

    code: str
    text: str
    """What the agent reads; "{match}" becomes the matched words."""
    weight: float
    pattern: re.Pattern[str]
    negatable: bool = False
    context: re.Pattern[str] | None = None
    """When set, the cue counts only in a message that also matches this (sarcasm needs trouble)."""


@dataclass(frozen=True, slots=True)
class FrustrationCues:
    """The parsed `frustration.toml`: cue groups plus the numeric sections as read."""

    groups: tuple[CueGroup, ...]
    relief: re.Pattern[str]
    quote_header: re.Pattern[str]
    negation_words: frozenset[str]
    clause_words: frozenset[str]
    acronyms: frozenset[str]
    stopwords: Mapping[str, frozenset[str]]
    params: Mapping[str, Mapping[str, Any]]
    """The sections squash, negation, intensity, repetition, timing and tone, as in the file."""

    @classmethod
    def from_toml(cls, data: Mapping[str, Any]) -> FrustrationCues:
        flags = re.IGNORECASE | re.MULTILINE
        groups = tuple(
            CueGroup(
                code=code,
                text=spec["text"],
                weight=float(spec["weight"]),
                pattern=_alternation(spec["patterns"], flags),
                negatable=bool(spec.get("negatable", False)),
                context=_alternation(spec["context"], flags) if spec.get("context") else None,
            )
            for code, spec in data["cues"].items()
        )
        negation = data["negation"]
        return cls(
            groups=groups,
            relief=_alternation(data["relief"]["patterns"], flags),
            quote_header=_alternation(data["quote"]["headers"], flags),
            negation_words=frozenset(w.lower() for w in negation["words"]),
            clause_words=frozenset(w.lower() for w in negation["clause_words"]),
            acronyms=frozenset(a.upper() for a in data["intensity"]["acronyms"]),
            stopwords={lang: frozenset(words) for lang, words in data["stopwords"].items()},
            params={k: data[k] for k in ("squash", "negation", "intensity", "repetition", "timing", "tone")},
        )


def _alternation(patterns: Sequence[str], flags: int) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), flags)


def load_cues(path: Path | None = None) -> FrustrationCues:
    """The cue file at `path`, or the shipped one (parsed once)."""
    if path is None:
        return _default_cues()
    with open(path, "rb") as fh:
        return FrustrationCues.from_toml(tomllib.load(fh))


@cache
def _default_cues() -> FrustrationCues:
    with resources.files("assist.data").joinpath("frustration.toml").open("rb") as fh:
        return FrustrationCues.from_toml(tomllib.load(fh))


# -- similarity ----------------------------------------------------------------------------------


def lexical_similarity(a: str, b: str) -> float:
    """Cosine of TF-IDF vectors of character 3–5-grams (`similarity.char_ngram_similarities`):
    cheap, no model, robust to small rewordings and typos, blind to paraphrase in other words."""
    if not a.strip() or not b.strip():
        return 0.0
    return char_ngram_similarities(a, [b])[0]


class embedder_similarity:  # lower case: it reads like a function, similarity=embedder_similarity(e)
    """Cosine similarity of sentence embeddings, for `score_frustration(similarity=…)`.

    `embedder` is a `models.embedder.Embedder` (anything with `encode(list[str]) -> rows`) or an
    encode function itself, such as `Engine.encoder()`. Vectors are cached per text, so scoring the
    trend re-encodes nothing.

    On eval/conversations.jsonl, MiniLM puts a customer's different messages in one thread at
    0.07–0.70 and their restatements at 0.86–0.98 (TF-IDF: ≤ 0.32 and 0.40–0.76), hence its own
    `band`.
    """

    band = (0.75, 0.9)

    def __init__(self, embedder: Any) -> None:
        self._encode: Callable[[list[str]], np.ndarray] = getattr(embedder, "encode", embedder)
        self._cache: dict[str, Any] = {}

    def _vector(self, text: str) -> Any:
        if text not in self._cache:
            if len(self._cache) > 512:
                self._cache.clear()
            self._cache[text] = self._encode([text])[0]
        return self._cache[text]

    def __call__(self, a: str, b: str) -> float:
        if not a.strip() or not b.strip():
            return 0.0
        return float(self._vector(a) @ self._vector(b))  # Embedder.encode L2-normalises


# -- per message ---------------------------------------------------------------------------------

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})
_WORD_RE = re.compile(r"[^\W_][\w'\-]*")
_PUNCT_RUN_RE = re.compile(r"[!?¡¿]{2,}")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+|\n+")
_CLAUSE_BREAK_RE = re.compile(r"[.,;:!?()\n]")
_GREETING_RE = re.compile(
    r"^(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|hallo|guten tag|liebe|lieber|bonjour|"
    r"salut|hola|buenos días|buongiorno|ciao|olá|bom dia|goedemorgen)\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}


def strip_quoted(body: str, cues: FrustrationCues | None = None) -> str:
    """`body` without quoted email history: everything from an "On … wrote:" style header on, and
    every line that starts with ">"."""
    cues = cues or load_cues()
    text = body.translate(_APOSTROPHES).replace("\r\n", "\n")
    header = cues.quote_header.search(text)
    if header:
        text = text[: header.start()]
    return "\n".join(line for line in text.split("\n") if not line.lstrip().startswith(">")).strip()


@dataclass(frozen=True, slots=True)
class _Hit:
    code: str
    text: str
    weight: float
    message_id: str | None


@dataclass(frozen=True, slots=True)
class _MessageRead:
    message: Message
    text: str
    """Without quoted history."""
    hits: tuple[_Hit, ...]
    relief: bool
    """Calm and thanking the agent or saying it works: no frustration reason of its own."""


def _negated(text: str, start: int, cues: FrustrationCues) -> bool:
    """A negation word within the window before `start`, in the same clause."""
    before = text[max(0, start - 80) : start]
    clause = _CLAUSE_BREAK_RE.split(before)[-1]
    words = [w.lower() for w in re.findall(r"[\w']+", clause)]
    window = int(cues.params["negation"]["window"])
    for word in reversed(words[-window:]):
        if word in cues.negation_words or word.endswith("n't"):
            return True
        if word in cues.clause_words:
            return False
    return False


def _cue_hits(text: str, mid: str | None, cues: FrustrationCues) -> list[_Hit]:
    factor = float(cues.params["negation"]["factor"])
    hits = []
    for group in cues.groups:
        if group.context is not None and not group.context.search(text):
            continue
        best: tuple[float, str] | None = None
        for m in group.pattern.finditer(text):
            weight = group.weight
            if group.negatable and _negated(text, m.start(), cues):
                weight *= factor
            if best is None or weight > best[0]:
                best = (weight, m.group(0).strip())
            if weight == group.weight:
                break
        if best:
            hits.append(_Hit(group.code, group.text.replace("{match}", best[1]), best[0], mid))
    return hits


def _intensity_hits(text: str, mid: str | None, cues: FrustrationCues) -> list[_Hit]:
    p = cues.params["intensity"]
    hits = []
    words = [w for w in _WORD_RE.findall(text) if not any(c.isdigit() for c in w)]
    long_words = [w for w in words if sum(c.isalpha() for c in w) >= 4]
    caps = [w for w in long_words if w.isupper() and w.replace("-", "").upper() not in cues.acronyms]
    if caps:
        share = len(caps) / len(long_words)
        ramp = (share - p["caps_share_start"]) / (p["caps_share_full"] - p["caps_share_start"])
        caps_w = p["caps_weight"] * min(1.0, max(0.0, ramp)) if len(caps) >= p["caps_min_words"] else 0.0
        shout_w = min(p["shout_weight"] * len(caps), p["shout_max"])
        if caps_w >= shout_w:
            label = p["caps_text"] if share >= p["caps_share_full"] else p["caps_partial_text"]
            hits.append(_Hit("all_caps", label, caps_w, mid))
        else:
            shown = ", ".join(f"“{w}”" for w in dict.fromkeys(caps[:3]))
            hits.append(_Hit("all_caps", p["shout_text"].replace("“{match}”", shown), shout_w, mid))
    runs = [r for r in _PUNCT_RUN_RE.findall(text) if len(r) >= p["punct_min_run"]]
    if runs:
        weight = min(p["punct_weight"] + p["punct_step"] * (len(runs) - 1), p["punct_max"])
        hits.append(_Hit("punctuation", p["punct_text"], weight, mid))
    return hits


def _is_english(text: str, cues: FrustrationCues) -> bool:
    words = [w.lower() for w in re.findall(r"[^\W\d_]+", text)]
    if not words:
        return False
    counts = {lang: sum(w in stop for w in words) for lang, stop in cues.stopwords.items()}
    english = counts.pop("en", 0)
    share = english / len(words)
    return share >= cues.params["tone"]["english_min_share"] and english > max(counts.values(), default=0)


@cache
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def _tone_hit(text: str, mid: str | None, cues: FrustrationCues) -> _Hit | None:
    if not _is_english(text, cues):
        return None
    p = cues.params["tone"]
    sentences = [s for s in _SENTENCE_RE.split(text) if len(s.split()) >= 3]
    if not sentences:
        return None
    worst = min(_vader().polarity_scores(s)["compound"] for s in sentences)
    ramp = (worst - p["start"]) / (p["full"] - p["start"])
    if ramp <= 0:
        return None
    return _Hit("negative_tone", p["text"], p["weight"] * min(1.0, ramp), mid)


def _core(text: str) -> str:
    """The message without its greeting and sign-off lines, which would make any two messages of
    one customer look alike."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    if (
        len(lines) > 1
        and len(lines[0].split()) <= 4
        and (_GREETING_RE.match(lines[0]) or lines[0].endswith(","))
    ):
        lines = lines[1:]
    while len(lines) > 1 and len(lines[-1].split()) <= 4:
        lines = lines[:-1]
    return " ".join(lines)


def _restatement_hit(
    core: str, earlier: Sequence[str], mid: str | None, similarity: Similarity, cues: FrustrationCues
) -> _Hit | None:
    p = cues.params["repetition"]
    if len(core) < p["min_chars"]:
        return None
    start, full = getattr(similarity, "band", (p["start"], p["full"]))
    best = max((similarity(core, e) for e in earlier if len(e) >= p["min_chars"]), default=0.0)
    ramp = (best - start) / (full - start)
    if ramp <= 0:
        return None
    return _Hit("repeated_message", p["text"], p["weight"] * min(1.0, ramp), mid)


def _read_messages(
    customer: Sequence[Message], similarity: Similarity, cues: FrustrationCues
) -> list[_MessageRead]:
    reads: list[_MessageRead] = []
    cores: list[str] = []
    for message in customer:
        text = strip_quoted(message.body, cues)
        hits = _cue_hits(text, message.id, cues) + _intensity_hits(text, message.id, cues)
        tone = _tone_hit(text, message.id, cues)
        if tone:
            hits.append(tone)
        core = _core(text)
        restated = _restatement_hit(core, cores, message.id, similarity, cues)
        if restated:
            hits.append(restated)
        cores.append(core)
        relief = not hits and bool(cues.relief.search(text))
        reads.append(_MessageRead(message, text, tuple(hits), relief))
    return reads


# -- timing --------------------------------------------------------------------------------------


def _interpolate(points: Sequence[Sequence[float]], x: float) -> float:
    if x <= points[0][0]:
        return float(points[0][1])
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if x <= x1:
            return float(y0 + (y1 - y0) * (x - x0) / (x1 - x0))
    return float(points[-1][1])


def _duration(hours: float) -> str:
    if hours < 1:
        return f"{round(hours * 60)} min"
    if hours < 48:
        return f"{round(hours)} h"
    return f"{round(hours / 24)} days"


def _timing_hits(
    timeline: Sequence[Message], until: datetime | None, open_text: bool, cues: FrustrationCues
) -> list[_Hit]:
    """Waits and runs of unanswered customer messages in `timeline` (public customer and agent
    messages, oldest first), an unanswered run evaluated at `until`."""
    p = cues.params["timing"]
    hits: list[_Hit] = []
    start: Message | None = None  # first customer message since the last agent reply
    last: Message | None = None
    count = 0

    def close(end: datetime | None, still_waiting: bool) -> None:
        if start is None:
            return
        if start.created_at and end and end > start.created_at:
            hours = (end - start.created_at).total_seconds() / 3600
            weight = _interpolate(p["wait_points"], hours)
            if weight > 0:
                text = p["waiting_text"] if still_waiting else p["waited_text"]
                hits.append(_Hit("waiting", text.replace("{hours}", _duration(hours)), weight, start.id))
        weight = _interpolate(p["row_points"], count)
        if weight > 0 and last is not None:
            text = p["row_text"].replace("{count}", _NUMBER_WORDS.get(count, str(count)))
            hits.append(_Hit("messages_in_a_row", text, weight, last.id))

    for message in timeline:
        if message.author_role == "agent":
            close(message.created_at, False)
            start, last, count = None, None, 0
            continue
        burst = (
            last is not None
            and last.created_at is not None
            and message.created_at is not None
            and (message.created_at - last.created_at).total_seconds() < p["burst_minutes"] * 60
        )
        if start is None:
            start = message
        if not burst:
            count += 1
        last = message
    close(until, open_text)
    return hits


# -- combining -----------------------------------------------------------------------------------


def _combine(hits: Sequence[_Hit], cues: FrustrationCues) -> tuple[float, list[Reason]]:
    """Per kind: strongest first, each further hit at `repeat_decay` of the previous; then
    score = 1 - Π(1 - w) over the kinds."""
    p = cues.params["squash"]
    by_code: dict[str, list[_Hit]] = {}
    for hit in hits:
        by_code.setdefault(hit.code, []).append(hit)
    reasons = []
    for code, group in by_code.items():
        group.sort(key=lambda h: -h.weight)  # stable: ties keep the earlier message
        total = sum(h.weight * p["repeat_decay"] ** i for i, h in enumerate(group))
        total = min(total, p["per_code_cap"])
        reasons.append(Reason(code, group[0].text, round(total, 3), group[0].message_id))
    reasons.sort(key=lambda r: -r.weight)
    score = 1 - math.prod(1 - r.weight for r in reasons)
    return score, reasons


def _aware(when: datetime | None) -> datetime | None:
    if when is not None and when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when


def score_frustration(
    ticket: Ticket,
    now: datetime | None = None,
    *,
    similarity: Similarity | None = None,
    cues: FrustrationCues | None = None,
) -> Frustration:
    """The customer's frustration in `ticket`, as it stands at `now` (default: the current time).

    Args:
        ticket: Its messages; only public customer messages are read for mood, public agent
            replies end waits, internal notes and system messages are ignored.
        now: When the current wait is measured to.
        similarity: Compares two customer messages for restatements; default
            `lexical_similarity`; `embedder_similarity(embedder)` for MiniLM.
        cues: The cue file; default the shipped `assist/data/frustration.toml`.

    Returns:
        The score, its reasons (strongest first) and one trend point per public customer message.
    """
    cues = cues or load_cues()
    similarity = similarity or lexical_similarity
    now = _aware(now) or datetime.now(UTC)
    timeline = _timeline(ticket)
    positions = [i for i, m in enumerate(timeline) if m.author_role == "customer"]
    customer = [timeline[i] for i in positions]
    if not customer:
        return Frustration(0.0)
    reads = _read_messages(customer, similarity, cues)
    relief_factor = float(cues.params["squash"]["relief_factor"])

    trend: list[TrendPoint] = []
    reasons: list[Reason] = []
    hits: list[_Hit] = []
    for k, read in enumerate(reads):
        hits.extend(read.hits)
        is_last = k == len(reads) - 1
        nxt = None if is_last else reads[k + 1].message
        upto = len(timeline) if is_last else positions[k + 1]
        # The point stands until the next customer message; the last one until now. A thank-you
        # stops the clock: nobody waits for a reply to "thanks, it works".
        until = read.message.created_at if read.relief else (nxt.created_at if nxt else now)
        timing = _timing_hits(timeline[:upto], _aware(until), is_last and not read.relief, cues)
        score, reasons = _combine(hits + timing, cues)
        if read.relief:
            score *= relief_factor
        trend.append(TrendPoint(read.message.id, read.message.created_at, round(float(score), 3)))
    if reads[-1].relief and reasons:
        reasons.append(
            Reason("calmer", "calmer now: thanks the agent or says it works", 0.0, reads[-1].message.id)
        )
    return Frustration(trend[-1].score, tuple(reasons), tuple(trend))


def _timeline(ticket: Ticket) -> list[Message]:
    """Public customer and agent messages, oldest first (messages without a time keep their place
    relative to their neighbours)."""
    public = [
        m for m in ticket.messages if m.public and m.author_role in ("customer", "agent") and m.body.strip()
    ]
    if all(m.created_at for m in public):
        public.sort(key=lambda m: _aware(m.created_at))  # type: ignore[arg-type, return-value]
    return public
