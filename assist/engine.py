"""The engine the sidebar and the CLI drive: ticket → query → retrieve → answer/draft.

Everything heavy is created lazily and kept: the embedder and index on the first search, the LLM
on the first answer. All methods block; callers off the GUI thread run them in workers, and pass
a `threading.Event` to cancel generation (a new ticket cancels the one in flight).

    engine = Engine(settings)
    result = engine.search_ticket(ticket)
    for event in engine.answer(ticket, result, cancel):
        ...
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from assist.answering import Answer, Answerer, AnswerEvent, extractive_answer
from assist.config import Settings
from assist.drafting import Draft, Drafter, DraftEvent
from assist.feedback import FeedbackEntry, FeedbackStore
from assist.index_location import index_folder, index_server
from assist.query import build_query, query_from_ticket
from assist.results import SearchResult
from assist.retrieval import RetrievalSettings, Retriever, SearchFilters
from assist.tickets import Ticket
from common.errors import AssistError, ModelError
from common.logs import Sensitive
from common.paths import data_dir

log = logging.getLogger(__name__)


class Engine:
    """One per app. Thread-safe: searches may run concurrently with a generation."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        db: Path | None = None,
        use_llm: bool = True,
        retrieval: RetrievalSettings | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.db = index_folder(self.settings.index, db)
        self.server = index_server(self.settings.index)
        self.use_llm = use_llm
        self._retrieval_settings = retrieval
        # Separate locks: a search must not wait for the LLM's first (slow) load.
        self._lock = threading.Lock()
        self._llm_lock = threading.Lock()
        self._retriever: Retriever | None = None
        self._llm = None
        self._llm_error: ModelError | None = None
        self._feedback: FeedbackStore | None = None
        self._checked = 0.0
        self._switching = False
        self.index_version: str | None = None

    # -- lazy parts -------------------------------------------------------------------------------

    @property
    def retriever(self) -> Retriever:
        """Opens the index (raises IndexMissingError with instructions if there is none).

        A published folder is checked for a new version at most every `[index] refresh_seconds`;
        a new one is opened and loaded beside the old, outside the lock (other searches go on
        with the old meanwhile), then swapped in: searches in flight finish on the version they
        started with and the next one uses the new.
        """
        with self._lock:
            if self._retriever is None:
                self._retriever = self._open_retriever(None)
                self.index_version = self._retriever.store.version
                self._checked = time.monotonic()
                return self._retriever
            current = self._retriever
            due = (
                current.store.version is not None
                and not self._switching
                and time.monotonic() - self._checked >= self.settings.index.refresh_seconds
            )
            if not due:
                return current
            self._checked = time.monotonic()
            self._switching = True
        try:
            return self._switch_from(current)
        finally:
            with self._lock:
                self._switching = False

    def _open_retriever(self, embedder) -> Retriever:
        from indexer.store import IndexStore

        store = IndexStore(self.db, create=False, server=self.server)
        if self.server is None and store.server is not None:
            # The index names its server (its catalog or a published manifest does): add this
            # machine's token for that server from the keyring (never ASSIST_INDEX_TOKEN, which
            # is for the configured server: a manifest on a share must not collect it).
            server = index_server(
                self.settings.index, url=store.server.url, collection=store.server.collection, environ={}
            )
            if server is not None:
                store.close()
                store = IndexStore(self.db, create=False, server=server)
        if embedder is None:
            from models.embedder import make_embedder
            from models.locate import resolve_embedder

            name = store.get_meta("embedder")
            spec = resolve_embedder(None if name == "all-MiniLM-L6-v2" else name)
            # One short query per search: a single thread is fastest, and with more, OpenMP's
            # spinning threads fight the LLM generating on the same cores (500 ms vs 15 ms).
            embedder = make_embedder(spec, threads=1)
        return Retriever(store, embedder, self._retrieval_settings)

    def _switch_from(self, current: Retriever) -> Retriever:
        """The retriever to search with: `current`, or a newer published version's."""
        from indexer.publish import PublishedIndex

        new: Retriever | None = None
        try:
            latest = PublishedIndex.current_version(self.db)
            if latest is None or latest == current.store.version:
                return current
            new = self._open_retriever(current.embedder)
            if new.store.get_meta("embedder") != current.store.get_meta("embedder"):
                new.store.close()
                new = self._open_retriever(None)
            new.store.warm()  # the first search on the new version must not pay for loading it
        except Exception as exc:  # a damaged or half-copied version: keep searching the one we have
            log.warning("Not switching to the new published index version: %s", exc)
            if new is not None:
                new.store.close()
            return current
        with self._lock:
            if self._retriever is not current:  # someone else switched meanwhile
                new.store.close()
                return self._retriever
            log.info(
                "published index %s: now on version %s (was %s)",
                self.db,
                new.store.version,
                current.store.version,
            )
            self._retriever = new
            self.index_version = new.store.version
        # The old store is not closed here: a search may still be running on it. Its connection
        # and matrix go with the last reference.
        return new

    def refresh_index(self) -> bool:
        """Check a published folder for a new version now; True when the engine switched."""
        with self._lock:
            current = self._retriever
            if current is None or current.store.version is None or self._switching:
                return False
            self._checked = time.monotonic()
            self._switching = True
        try:
            return self._switch_from(current) is not current
        finally:
            with self._lock:
                self._switching = False

    def llm(self):
        """The local LLM, or None when disabled or it cannot be loaded (answers become extractive)."""
        if not self.use_llm:
            return None
        with self._llm_lock:
            if self._llm is None and self._llm_error is None:
                from assist.answering import llm_from_settings

                try:
                    llm = llm_from_settings(self.settings.llm)
                    llm.load()
                    self._llm = llm
                except ModelError as exc:
                    self._llm_error = exc
                    return None
                try:
                    Answerer(llm, self.settings).warm()
                except ModelError as exc:  # only a head start; the answer will say what's wrong
                    log.warning("Could not pre-evaluate the answer instructions: %s", exc)
            return self._llm

    @property
    def llm_error(self) -> ModelError | None:
        return self._llm_error

    def warm_up(self) -> None:
        """Load the embedder, the index and the LLM now (call from a worker at startup)."""
        retriever = self.retriever
        retriever.store.vector_search(retriever.embedder.encode(["warm up"])[0].tolist(), 1)
        self.llm()

    @property
    def feedback(self) -> FeedbackStore:
        with self._lock:
            if self._feedback is None:
                self._feedback = FeedbackStore(data_dir() / "feedback.sqlite")
            return self._feedback

    # -- the flow ---------------------------------------------------------------------------------

    def search_ticket(self, ticket: Ticket, k: int = 8, filters: SearchFilters | None = None) -> SearchResult:
        query = query_from_ticket(ticket)
        result = self.retriever.search(query, k=k, filters=filters)
        log.info(
            "ticket %s: %d articles, confidence %.2f%s, for %s",
            ticket.id,
            len(result.hits),
            result.confidence,
            " (abstained)" if result.abstained else "",
            Sensitive(query.text),  # the customer's words: only in debug logs
        )
        return result

    def search_text(
        self, text: str, k: int = 8, filters: SearchFilters | None = None, subject: str = ""
    ) -> SearchResult:
        return self.retriever.search(build_query(subject, text), k=k, filters=filters)

    def extractive(self, result: SearchResult) -> Answer:
        """Instant answer quoted from the best passage (shown before the LLM's)."""
        return extractive_answer(result)

    def encoder(self):
        """The retrieval embedder's `encode`, which checks generated sentences by meaning; None
        when there is no index to take it from (the checks then fall back to shared words)."""
        try:
            return self.retriever.embedder.encode
        except AssistError as exc:
            log.warning("No embedder for checking generated text: %s", exc)
            return None

    def answer(
        self, ticket_or_question: Ticket | str, result: SearchResult, cancel: threading.Event | None = None
    ) -> Iterator[AnswerEvent]:
        answerer = Answerer(self.llm(), self.settings, encode=self.encoder())
        return answerer.answer(ticket_or_question, result, cancel)

    def draft(
        self,
        ticket: Ticket,
        result: SearchResult,
        tone: str | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[DraftEvent]:
        return Drafter(self.llm(), self.settings, encode=self.encoder()).draft(ticket, result, tone, cancel)

    def record_feedback(self, entry: FeedbackEntry) -> None:
        self.feedback.record(entry)

    def close(self) -> None:
        with self._lock:
            if self._retriever is not None:
                self._retriever.store.close()
                self._retriever = None
            if self._feedback is not None:
                self._feedback.close()
                self._feedback = None


__all__ = ["Answer", "Draft", "Engine"]
