"""Deterministic stand-ins for unit tests of answer mechanics (citations, budgeting, fallbacks).

Every mechanic that needs a real model is also tested with the real default GGUF; these fakes are
for what a 135M model can't make deterministic (e.g. "the model cites [7]").
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Sequence

from assist.results import DocHit, Passage, Query, SearchResult
from assist.tickets import Message, Ticket
from models.llm import ChatMessage, ChatStream, ContextOverflowError, FinishReason

_TOKEN_RE = re.compile(r"\w+|[^\w\s]")

Reply = str | Callable[[Sequence[ChatMessage]], str]


class FakeLLM:
    """An `LLM` whose tokens are words and punctuation marks and whose replies are scripted.

    Args:
        reply: The text to stream, or a function of the messages returning it.
        pieces: Stream exactly these pieces instead (to split a citation across pieces).
        n_ctx: Context window, enforced like the real model (`ContextOverflowError`).
        fail: Raised when the stream is first iterated (as a real load or decode error would be).
        n_params: The parameter count the model claims (what `answering.trusts_model` reads);
            None = unknown, which is treated like a small model.
    """

    def __init__(
        self,
        reply: Reply = "",
        *,
        pieces: Sequence[str] | None = None,
        n_ctx: int = 4096,
        fail: Exception | None = None,
        n_params: int | None = None,
    ) -> None:
        self.reply = reply
        self.n_params = n_params
        self.pieces = list(pieces) if pieces is not None else None
        self._n_ctx = n_ctx
        self.fail = fail
        self.calls: list[dict] = []

    @property
    def n_ctx(self) -> int:
        return self._n_ctx

    def count_tokens(self, text: str) -> int:
        return len(_TOKEN_RE.findall(text))

    def count_chat_tokens(self, messages: Sequence[ChatMessage]) -> int:
        # Roughly what a chat template adds: role markers per message and a generation prompt.
        return sum(self.count_tokens(m["content"]) + 4 for m in messages) + 3

    def stream_chat(
        self,
        messages: Sequence[ChatMessage],
        max_tokens: int = 256,
        stop: Sequence[str] = (),
        cancel: threading.Event | None = None,
        temperature: float | None = None,
    ) -> ChatStream:
        messages = list(messages)
        self.calls.append({"messages": messages, "max_tokens": max_tokens, "temperature": temperature})
        own = threading.Event()

        def generate():
            if self.fail is not None:
                raise self.fail
            used = self.count_chat_tokens(messages)
            if used + max_tokens > self.n_ctx:
                raise ContextOverflowError(f"{used} + {max_tokens} > {self.n_ctx}")
            text = self.reply(messages) if callable(self.reply) else self.reply
            pieces = self.pieces if self.pieces is not None else re.findall(r"\s*\S+", text)
            finish: FinishReason = "stop"
            for piece in pieces:
                if own.is_set() or (cancel is not None and cancel.is_set()):
                    return "cancelled"
                yield piece
            return finish

        return ChatStream(generate(), own)

    # What the last call showed the model, for structure assertions.
    @property
    def last_system(self) -> str:
        return self.calls[-1]["messages"][0]["content"]

    @property
    def last_user(self) -> str:
        return self.calls[-1]["messages"][-1]["content"]


# -- builders ----------------------------------------------------------------------------------


_chunk_ids = itertools.count(1)


def passage(text: str, heading: str = "", score: float = 0.8) -> Passage:
    return Passage(chunk_id=f"c{next(_chunk_ids)}", text=text, heading=heading, score=score)


def doc_hit(
    rank: int,
    title: str,
    *texts: str,
    heading: str = "",
    source: str = "docs",
    path: str = "",
    url: str | None = None,
    tags: tuple[str, ...] = (),
    space: str = "",
    hierarchy: str = "",
    score: float | None = None,
) -> DocHit:
    path = path or f"{title.replace(' ', '-')}.md"
    return DocHit(
        rank=rank,
        score=score if score is not None else max(0.1, 1.0 - 0.1 * rank),
        doc_id=path,
        doc_uid=f"{source}:{path}",
        title=title,
        source=source,
        source_root="/kb",
        path=path,
        url=url,
        hierarchy=hierarchy,
        updated=None,
        passages=tuple(passage(t, heading) for t in texts),
        tags=tags,
        space=space,
    )


def search_result(
    *hits: DocHit, query: str = "reset password", abstained: bool = False, confidence: float | None = None
) -> SearchResult:
    terms = tuple(w for w in re.findall(r"\w+", query.lower()) if len(w) > 2)
    return SearchResult(
        query=Query(text=query, terms=terms),
        hits=tuple(hits),
        confidence=confidence if confidence is not None else (0.2 if abstained else 0.8),
        abstained=abstained,
    )


def ticket(
    *bodies: str,
    subject: str = "Can't log in",
    requester: str = "Anna Smith",
    notes: Sequence[str] = (),
) -> Ticket:
    """A ticket whose customer wrote `bodies` (in order), plus private agent `notes`."""
    messages = [
        Message(id=f"m{i}", author_name=requester, author_role="customer", body=b)
        for i, b in enumerate(bodies)
    ]
    messages += [
        Message(id=f"n{i}", author_name="Sam", author_role="agent", body=b, public=False)
        for i, b in enumerate(notes)
    ]
    return Ticket(
        id="1001",
        subject=subject,
        status="open",
        provider="demo",
        requester_name=requester,
        messages=tuple(messages),
    )


# -- helpdesk stand-ins for the sidebar's banner states -------------------------------------------


class FailingProvider:
    """A helpdesk provider whose every call raises `error` (AuthError, RateLimitedError, …).

    Stands in for a helpdesk that refuses the token, rate-limits or is down; `calls` records the
    method names so tests can check the tracker stopped retrying (e.g. after a 401).
    """

    name = "demo"

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls: list[str] = []

    def _fail(self, method: str):
        self.calls.append(method)
        raise self.error

    def get_ticket(self, ticket_id: str) -> Ticket:
        return self._fail("get_ticket")

    def my_open_tickets(self, limit: int = 50) -> list[Ticket]:
        return self._fail("my_open_tickets")

    def add_internal_note(self, ticket_id: str, body: str) -> Message:
        return self._fail("add_internal_note")

    def ticket_url(self, ticket_id: str) -> str:
        return f"demo://tickets/{ticket_id}"

    def recently_viewed(self) -> list[str]:
        return []

    def close(self) -> None:
        pass
