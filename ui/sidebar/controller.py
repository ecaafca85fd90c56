"""The sidebar's logic: active ticket → search → answer → draft, all in workers, as signals.

Widgets never call the engine or the helpdesk; they call this controller's methods and render its
signals (`SidebarWindow.connect_controller` does the wiring). Everything blocking runs on the
`WorkerPool`; results come back queued on the GUI thread.

Two generation gates drop stale work:

- `ticket gate`: bumped when the active ticket changes. Its cancel event stops the old ticket's
  search; results tagged with an older generation are dropped.
- `llm gate`: bumped for every LLM job (answer + draft, a regenerated draft, an Ask). Bumping it
  sets the previous job's event, which the engine passes to llama.cpp, so the old generation stops
  within one token. A ticket switch bumps both.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices

from assist import Answer, Draft, FeedbackEntry, SearchResult, Ticket, TicketRef, Token
from assist.verify import SentenceVerdict
from assist.watcher import ActiveTicketTracker, HelpdeskSite, TrackerState
from common.errors import (
    AssistError,
    AuthError,
    HelpdeskError,
    IndexMissingError,
    IndexServerError,
    NotFoundError,
    RateLimitedError,
    UnavailableError,
)
from common.logs import sensitive_error
from ui.qtcompat import emit
from ui.workers import Gate, WorkerPool

if TYPE_CHECKING:
    from assist.engine import Engine
    from assist.helpdesk.base import HelpdeskProvider
    from ui.sidebar.consulted import ConsultedRecorder

log = logging.getLogger(__name__)

TONES = ("friendly", "concise", "formal")


class ObservedProvider:
    """Wraps a helpdesk provider to remember why the last ticket fetch failed.

    The tracker keeps only the message of a failure (`TrackerState.error`); the banner needs the
    kind (re-enter token vs. retrying). Every attribute is the wrapped provider's.
    """

    _FETCHES = frozenset({"get_ticket", "ticket_updated_at"})

    def __init__(self, inner: HelpdeskProvider) -> None:
        self.inner = inner
        self.name = inner.name
        self.fetch_error: HelpdeskError | None = None

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self.inner, attr)
        if attr not in self._FETCHES:
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                out = value(*args, **kwargs)
            except HelpdeskError as exc:
                self.fetch_error = exc
                raise
            self.fetch_error = None
            return out

        return call


def _customer_key(ticket: Ticket) -> tuple[str, ...]:
    """What, when it changes, makes new suggestions worthwhile: the customer's messages.
    (An internal note saved from the sidebar changes `updated_at` but must not wipe the draft.)"""
    return (ticket.id, ticket.subject, *(m.id for m in ticket.customer_messages()))


def describe_helpdesk_error(exc: BaseException, retry_in: float | None = None) -> tuple[str, str, str]:
    """(level, text, action) of the banner for a helpdesk failure."""
    if isinstance(exc, AuthError):
        return (
            "error",
            "The helpdesk refused the sign-in (401/403). Re-enter your API token; "
            "refreshing is paused so the account is not locked.",
            "settings",
        )
    if isinstance(exc, RateLimitedError):
        wait = retry_in if retry_in is not None else exc.retry_after
        when = f"Retrying in {max(1, round(wait))} s." if wait else "Retrying shortly."
        return "warning", f"The helpdesk is rate-limiting requests. {when}", "retry"
    if isinstance(exc, UnavailableError):
        when = f" Retrying in {max(1, round(retry_in))} s." if retry_in else ""
        return "warning", f"Can't reach the helpdesk: {exc}{when} Showing the last copy.", "retry"
    if isinstance(exc, NotFoundError):
        return "info", f"{exc}", ""
    return "error", f"Helpdesk error: {exc}", "retry"


class SidebarController(QObject):
    """Drives the sidebar. One per window; `shutdown()` before quitting.

    Args:
        engine: the shared `assist.Engine` (searches, answers, drafts, feedback).
        provider: the helpdesk; None when it is not configured (a banner says so).
        pool: worker threads.
        site: the configured helpdesk site, for URL matching (None for the demo).
        index_builder: builds the index first (`--demo` with a missing or stale demo index);
            called in a worker with a `(done, total)` progress callback.
        poll_ms: how often the tracker is asked whether a fetch is due (a cheap, lock-only check).

    Signals:
        ticket_loading(str): the agent switched to this ticket id; it is being fetched.
        ticket_changed(object): a new active `Ticket` (views clear).
        ticket_updated(object): a fresher copy of the same ticket (header only).
        results_ready(object, str): `SearchResult`, origin "ticket" or "question".
        answer_started(str): an answer is being written; the question text, or "" for the ticket.
        answer_preview(object): the instant extractive `Answer`, shown while the model works.
        answer_token(str): a streamed piece of the answer.
        answer_verdict(object): the `SentenceVerdict` of the answer sentence just streamed.
        answer_done(object): the final `Answer`.
        draft_started(str): a draft is being written in this tone.
        draft_token(str): a streamed piece of the draft.
        draft_done(object): the final `Draft`.
        ticket_complete(str): cards, answer and draft of this ticket are all done.
        banner_shown(str, str, str, str): key, level (info/warning/error), text, action
            ("" | "settings" | "retry" | "rebuild").
        banner_cleared(str): key.
        status_changed(str): a one-line state for the status bar.
        models_changed(str): "loading", "ready", "extractive" or "no-index".
        tickets_listed(object): the agent's open tickets (`list[Ticket]`) for the picker.
        note_saved(object): the `Message` created by "Save as internal note".
        note_failed(str): why it could not be saved.
        feedback_recorded(str): the feedback kind stored.
        index_progress(int, int): done, total while building the demo index.
    """

    ticket_loading = Signal(str)
    ticket_changed = Signal(object)
    ticket_updated = Signal(object)
    results_ready = Signal(object, str)
    answer_started = Signal(str)
    answer_preview = Signal(object)
    answer_token = Signal(str)
    answer_verdict = Signal(object)
    answer_done = Signal(object)
    draft_started = Signal(str)
    draft_token = Signal(str)
    draft_done = Signal(object)
    ticket_complete = Signal(str)
    banner_shown = Signal(str, str, str, str)
    banner_cleared = Signal(str)
    status_changed = Signal(str)
    models_changed = Signal(str)
    tickets_listed = Signal(object)
    note_saved = Signal(object)
    note_failed = Signal(str)
    feedback_recorded = Signal(str)
    index_progress = Signal(int, int)

    # Internal: tracker callbacks arrive on a worker thread; a signal hops them onto ours.
    _tracker_state = Signal(object)

    def __init__(
        self,
        engine: Engine,
        provider: HelpdeskProvider | None,
        pool: WorkerPool,
        *,
        site: HelpdeskSite | None = None,
        index_builder: Callable[[Callable[[int, int], None]], Any] | None = None,
        tone: str = "friendly",
        poll_ms: int = 50,
        debounce_seconds: float = 0.15,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.pool = pool
        self.tone = tone if tone in TONES else "friendly"
        self._site = site
        self._index_builder = index_builder
        self._debounce = debounce_seconds
        self._ticket_gate = Gate()
        self._llm_gate = Gate()
        self._ticket: Ticket | None = None
        self._loading_id: str | None = None
        self._mode = "ticket"
        self._ticket_result: SearchResult | None = None
        self._ticket_answer: Answer | None = None
        self._ticket_draft: Draft | None = None
        self._current_result: SearchResult | None = None
        self._llm_steps: tuple[str, ...] = ()
        self._index_ready = False
        self._llm_checked = False
        self._polling = False
        self._retry_deadline: float | None = None
        self._retry_exc: HelpdeskError | None = None
        self._index_version: str | None = None
        self._server_failures = 0
        self._server_again: Callable[[], None] | None = None
        self._last_question = ""
        # Retries a search the index server could not answer, backing off (5, 10, 20 … 60 s).
        self._server_retry = QTimer(self)
        self._server_retry.setSingleShot(True)
        self._server_retry.timeout.connect(self.on_server_retry)
        self.provider: ObservedProvider | None = None
        self.tracker: ActiveTicketTracker | None = None
        self.consulted: ConsultedRecorder | None = None
        """Records the articles shown, opened and cited per ticket (set by the app)."""
        self._tracker_state.connect(self.on_tracker_state)

        self._poll_timer = QTimer(self)
        self._poll_timer.setInterval(poll_ms)
        self._poll_timer.timeout.connect(self.on_poll_timer)
        # Counts down "retrying in N s" once a second while a helpdesk banner waits.
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self.on_countdown)
        self.set_provider(provider)

    # -- state for views and tests ---------------------------------------------------------------

    @property
    def ticket(self) -> Ticket | None:
        return self._ticket

    @property
    def result(self) -> SearchResult | None:
        """The result the cards show (the ticket's, or the last question's)."""
        return self._current_result

    @property
    def generation(self) -> int:
        return self._ticket_gate.current

    @property
    def llm_cancel_event(self) -> threading.Event:
        """The cancel event of the current LLM job (tests check it gets set on a switch)."""
        return self._llm_gate.event

    @property
    def index_ready(self) -> bool:
        return self._index_ready

    # -- helpdesk ---------------------------------------------------------------------------------

    def set_provider(self, provider: HelpdeskProvider | None) -> None:
        """Use this helpdesk from now on (after the settings changed); builds a new tracker."""
        self._poll_timer.stop()
        self.provider = ObservedProvider(provider) if provider is not None else None
        if self.provider is None:
            self.tracker = None
            emit(
                self.banner_shown,
                "helpdesk",
                "warning",
                "No helpdesk is set up yet. Open Settings to connect one.",
                "settings",
            )
            return
        self.tracker = ActiveTicketTracker(
            self.provider,  # type: ignore[arg-type]  # duck-typed wrapper
            self._site,
            on_change=lambda state: emit(self._tracker_state, state),
            debounce_seconds=self._debounce,
        )
        emit(self.banner_cleared, "helpdesk")
        self._poll_timer.start()

    def offer_extension(self, ref: TicketRef) -> None:
        """Called by the browser-extension relay (on its thread): the tracker is thread-safe."""
        if self.tracker is not None:
            self.tracker.offer_extension(ref)

    def pick(self, ticket_id: str) -> None:
        """The agent chose a ticket in the picker (or Prev/Next)."""
        if self.tracker is not None and self.provider is not None:
            self.tracker.pick(TicketRef(self.provider.name, str(ticket_id), self._site_url()))

    def pin(self, text: str) -> bool:
        """Pin a ticket by id (`1001`, `#1001`) or helpdesk URL; False if not recognised."""
        from assist.watcher import parse_ticket_url

        if self.tracker is None or self.provider is None:
            return False
        text = text.strip()
        ref: TicketRef | None = None
        digits = text.lstrip("#").strip()
        if digits.isdigit():
            ref = TicketRef(self.provider.name, str(int(digits)), self._site_url())
        elif text.startswith("demo://tickets/") and self.provider.name == "demo":
            ref = TicketRef("demo", text.rsplit("/", 1)[-1])
        else:
            ref = parse_ticket_url(text, (self._site,) if self._site else ())
        return bool(ref and self.tracker.pin(ref))

    def _site_url(self) -> str | None:
        return self._site.base_url if self._site else None

    def refresh(self) -> None:
        """Re-fetch now (lifts a pause after the token was re-entered) and reload the picker."""
        self._retry_deadline = None
        self._countdown.stop()
        if self.tracker is not None:
            self.tracker.retry_now()
        self.list_tickets()

    def list_tickets(self) -> None:
        if self.provider is None:
            return
        provider = self.provider
        self.pool.submit(
            lambda _ev: provider.my_open_tickets(),
            name="my_open_tickets",
            returned=self.on_tickets_returned,
            errored=self.on_helpdesk_errored,
        )

    def on_tickets_returned(self, _tag: int, tickets: list[Ticket]) -> None:
        emit(self.tickets_listed, tickets)

    def on_helpdesk_errored(self, _tag: int, exc: BaseException) -> None:
        self._show_helpdesk_error(exc, getattr(exc, "retry_after", None))

    def on_poll_timer(self) -> None:
        tracker = self.tracker
        if tracker is None or self._polling or not tracker.due():
            return
        self._polling = True
        self.pool.submit(
            lambda _ev: tracker.poll(),
            name="tracker.poll",
            finished=self.on_poll_finished,
        )

    def on_poll_finished(self, _tag: int) -> None:
        self._polling = False

    def on_tracker_state(self, state: TrackerState) -> None:
        """Every tracker change, on the GUI thread: banners, switches, fresher copies."""
        self._update_helpdesk_banner(state)
        ref_id = state.ref.ticket_id if state.ref else None
        ticket = state.ticket
        if ref_id is None:
            return
        current_id = self._ticket.id if self._ticket else None
        if ticket is None or ticket.id != ref_id:
            # The agent moved to another ticket: stop the old one's work now, not when the new
            # one has been fetched (that can take seconds on a slow helpdesk).
            if ref_id != current_id and ref_id != self._loading_id:
                self._loading_id = ref_id
                self._ticket_gate.bump()
                self._llm_gate.bump()
                self._ticket = None
                emit(self.ticket_loading, ref_id)
            return
        if self._ticket is None or ticket.id != self._ticket.id:
            self._start_ticket(ticket)
        elif _customer_key(ticket) != _customer_key(self._ticket):
            self._start_ticket(ticket)  # the customer wrote again: new suggestions
        elif ticket != self._ticket:
            self._ticket = ticket
            emit(self.ticket_updated, ticket)

    def _update_helpdesk_banner(self, state: TrackerState) -> None:
        if state.error is None:
            if self._retry_exc is not None:
                self._retry_exc = None
                self._retry_deadline = None
                self._countdown.stop()
                emit(self.banner_cleared, "helpdesk")
            return
        exc = self.provider.fetch_error if self.provider else None
        if exc is None:
            exc = AuthError(state.error) if state.paused else UnavailableError(state.error)
        wait = None if self.tracker is None or state.paused else self.tracker.next_poll_in()
        self._show_helpdesk_error(exc, wait)

    def _show_helpdesk_error(self, exc: BaseException, wait: float | None) -> None:
        self._retry_exc = exc if isinstance(exc, HelpdeskError) else UnavailableError(str(exc))
        if wait and isinstance(exc, RateLimitedError | UnavailableError):
            self._retry_deadline = time.monotonic() + wait
            self._countdown.start()
        else:
            self._retry_deadline = None
            self._countdown.stop()
        level, text, action = describe_helpdesk_error(exc, wait)
        emit(self.banner_shown, "helpdesk", level, text, action)

    def on_countdown(self) -> None:
        if self._retry_deadline is None or self._retry_exc is None:
            self._countdown.stop()
            return
        left = self._retry_deadline - time.monotonic()
        if left <= 0:
            self._countdown.stop()
            left = 0.5
        level, text, action = describe_helpdesk_error(self._retry_exc, left)
        emit(self.banner_shown, "helpdesk", level, text, action)

    # -- startup ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Build the demo index if asked, then load the models; all in workers."""
        emit(self.models_changed, "loading")
        if self._index_builder is not None:
            builder = self._index_builder
            emit(
                self.banner_shown,
                "index",
                "info",
                "Building the demo index… (first start only, about a minute)",
                "",
            )
            emit(self.status_changed, "Building the demo index…")
            self.pool.submit(
                lambda _ev: builder(lambda done, total: emit(self.index_progress, done, total)),
                name="build index",
                returned=self.on_index_built,
                errored=self.on_index_failed,
            )
        else:
            self._warm_retrieval()
        self.list_tickets()

    def on_index_built(self, _tag: int, _value: object) -> None:
        self._index_builder = None
        emit(self.banner_cleared, "index")
        self._warm_retrieval()

    def on_index_failed(self, _tag: int, exc: BaseException) -> None:
        emit(self.models_changed, "no-index")
        emit(self.banner_shown, "index", "error", f"Building the demo index failed: {exc}", "rebuild")

    def _warm_retrieval(self) -> None:
        emit(self.status_changed, "Loading the search index…")
        engine = self.engine

        def warm(_ev: threading.Event) -> None:
            # A real search loads the embedder, opens the index and primes both caches.
            engine.search_text("warm up", k=1)

        self.pool.submit(
            warm,
            name="warm retrieval",
            returned=self.on_retrieval_ready,
            errored=self.on_retrieval_failed,
        )

    def on_retrieval_ready(self, _tag: int, _value: object) -> None:
        self._index_ready = True
        self._server_back()
        self._index_version = self.engine.index_version
        emit(self.banner_cleared, "index")
        if self._ticket is not None and self._ticket_result is None:
            self._search_ticket(self._ticket)  # a ticket arrived while the index was loading
        else:
            self._load_llm()

    def on_retrieval_failed(self, _tag: int, exc: BaseException) -> None:
        if isinstance(exc, IndexServerError):
            self._server_down(exc)
            return
        emit(self.models_changed, "no-index")
        if isinstance(exc, IndexMissingError):
            db = self.engine.db
            text = (
                f"No knowledge index at {db} yet. Build one with "
                f"“assist-index <your export .zip or folder> --db {db}”, or try the demo with "
                "“assist-sidebar --demo”."
            )
            emit(self.banner_shown, "index", "error", text, "settings")
        else:
            emit(self.banner_shown, "index", "error", f"The search index could not be opened: {exc}", "retry")
        emit(self.status_changed, "No knowledge index")

    def _load_llm(self) -> None:
        if self._llm_checked:
            return
        self._llm_checked = True
        emit(self.status_changed, "Loading the language model…")
        engine = self.engine
        self.pool.submit(
            lambda _ev: engine.llm(),
            name="load llm",
            finished=self.on_llm_loaded,
        )

    def on_llm_loaded(self, _tag: int) -> None:
        self._check_model()

    def _check_model(self) -> None:
        err = self.engine.llm_error
        if err is not None or not self.engine.use_llm:
            reason = str(err) if err is not None else "The language model is turned off."
            emit(
                self.banner_shown,
                "model",
                "warning",
                f"Language model unavailable: {reason} Answers and drafts are quoted from the best "
                "article instead. Choose a model file in Settings.",
                "settings",
            )
            emit(self.models_changed, "extractive")
            emit(self.status_changed, "Ready (extractive answers)")
        else:
            emit(self.banner_cleared, "model")
            emit(self.models_changed, "ready")
            emit(self.status_changed, "Ready")

    # -- the ticket flow --------------------------------------------------------------------------

    def _start_ticket(self, ticket: Ticket) -> None:
        self._server_retry.stop()  # the new ticket's search replaces a pending retry
        self._server_again = None
        self._ticket_gate.bump()
        self._llm_gate.bump()
        self._ticket = ticket
        self._loading_id = None
        self._mode = "ticket"
        self._ticket_result = self._current_result = None
        self._ticket_answer = None
        self._ticket_draft = None
        emit(self.ticket_changed, ticket)
        if self._index_ready:
            self._search_ticket(ticket)

    def _search_ticket(self, ticket: Ticket) -> None:
        engine = self.engine
        tag, cancel = self._ticket_gate.current, self._ticket_gate.event

        def search(_ev: threading.Event) -> tuple[SearchResult, Answer]:
            result = engine.search_ticket(ticket)
            return result, engine.extractive(result)

        emit(self.status_changed, f"Searching for #{ticket.id}…")
        self.pool.submit(
            search,
            tag,
            cancel,
            name=f"search {ticket.id}",
            returned=self.on_search_returned,
            errored=self.on_search_errored,
        )

    def on_search_returned(self, tag: int, value: tuple[SearchResult, Answer]) -> None:
        if not self._ticket_gate.is_current(tag) or self._ticket is None:
            return  # a late result of a ticket the agent left
        result, preview = value
        self._server_back()
        self._note_index_version()
        self._ticket_result = self._current_result = result
        self._mode = "ticket"
        emit(self.results_ready, result, "ticket")
        self._record_shown(result)
        emit(self.answer_started, "")
        if not result.abstained and result.hits:
            emit(self.answer_preview, preview)
        self._run_llm(self._ticket, result, ("answer", "draft"))

    def on_search_errored(self, tag: int, exc: BaseException) -> None:
        if not self._ticket_gate.is_current(tag):
            return
        if isinstance(exc, IndexMissingError):
            self._index_ready = False
            self.on_retrieval_failed(tag, exc)
            return
        if isinstance(exc, IndexServerError):
            self._server_down(exc)
            return
        log.warning("search failed: %s", sensitive_error(exc))  # FTS5 errors quote the query
        emit(self.banner_shown, "search", "error", f"Search failed: {_message(exc)}", "retry")

    def _run_llm(self, subject: Ticket | str, result: SearchResult, steps: tuple[str, ...]) -> None:
        """One LLM job for `steps` ("answer", "draft"), in order: llama.cpp runs one generation at
        a time, and a second stream would cancel the first."""
        tag, cancel = self._llm_gate.bump()
        self._llm_steps = steps
        engine = self.engine
        ticket = self._ticket

        def generate(ev: threading.Event) -> Iterator[tuple[str, object]]:
            if "answer" in steps:
                for event in engine.answer(subject, result, ev):
                    yield "answer", event
            if "draft" in steps and ticket is not None and not ev.is_set():
                for event in engine.draft(ticket, result, self.tone, ev):
                    yield "draft", event

        if "answer" not in steps:
            emit(self.draft_started, self.tone)
        emit(self.status_changed, "Writing…")
        self.pool.submit(
            generate,
            tag,
            cancel,
            name="llm",
            yielded=self.on_llm_yielded,
            errored=self.on_llm_errored,
            finished=self.on_llm_finished,
        )

    def on_llm_yielded(self, tag: int, item: tuple[str, object]) -> None:
        if not self._llm_gate.is_current(tag):
            return
        kind, event = item
        if isinstance(event, Token):
            emit(self.answer_token if kind == "answer" else self.draft_token, event.text)
            return
        if isinstance(event, SentenceVerdict):
            if kind == "answer":
                emit(self.answer_verdict, event)
            return
        if isinstance(event, Answer):
            if self._mode == "ticket":
                self._ticket_answer = event
            emit(self.answer_done, event)
            if "draft" in self._llm_steps:
                emit(self.draft_started, self.tone)
        elif isinstance(event, Draft):
            self._ticket_draft = event
            emit(self.draft_done, event)
            if self._ticket is not None and self._ticket_answer is not None:
                emit(self.ticket_complete, self._ticket.id)

    def on_llm_errored(self, tag: int, exc: BaseException) -> None:
        if not self._llm_gate.is_current(tag):
            return
        log.warning("generation failed: %s", sensitive_error(exc))
        emit(self.banner_shown, "llm", "error", f"Writing failed: {_message(exc)}", "")

    def on_llm_finished(self, tag: int) -> None:
        if not self._llm_checked:
            self._llm_checked = True  # the first answer loaded the model
        if self._llm_gate.is_current(tag):
            self._check_model()

    # -- agent actions ----------------------------------------------------------------------------

    def set_tone(self, tone: str) -> None:
        """A new tone rewrites the draft (unless it has not started: it will use the new tone)."""
        if tone not in TONES or tone == self.tone:
            return
        self.tone = tone
        if self._ticket_draft is not None:
            self.regenerate_draft()

    def regenerate_draft(self) -> None:
        if self._ticket is None or self._ticket_result is None:
            return
        if self._ticket_answer is None:
            self._run_llm(self._ticket, self._ticket_result, ("answer", "draft"))
        else:
            self._ticket_draft = None
            self._run_llm(self._ticket, self._ticket_result, ("draft",))

    def ask(self, question: str) -> None:
        """A follow-up question against the KB: its own cards and answer; the draft is kept."""
        question = question.strip()
        if not question:
            return
        if not self._index_ready:
            emit(self.status_changed, "The index is not ready yet.")
            return
        tag, cancel = self._llm_gate.bump()
        self._mode = "question"
        self._last_question = question
        engine = self.engine
        subject = self._ticket.subject if self._ticket else ""

        def search(_ev: threading.Event) -> tuple[SearchResult, Answer]:
            result = engine.search_text(question, subject=subject)
            return result, engine.extractive(result)

        emit(self.status_changed, "Searching…")
        self.pool.submit(
            search,
            tag,
            cancel,
            name="ask",
            returned=lambda t, v, q=question: self.on_ask_returned(t, v, q),
            errored=self.on_ask_errored,
        )

    def on_ask_returned(self, tag: int, value: tuple[SearchResult, Answer], question: str) -> None:
        if not self._llm_gate.is_current(tag):
            return
        result, preview = value
        self._server_back()
        self._current_result = result
        emit(self.results_ready, result, "question")
        self._record_shown(result)
        emit(self.answer_started, question)
        if not result.abstained and result.hits:
            emit(self.answer_preview, preview)
        self._run_llm(question, result, ("answer",))

    def on_ask_errored(self, tag: int, exc: BaseException) -> None:
        if self._llm_gate.is_current(tag):
            if isinstance(exc, IndexServerError):
                self._server_down(exc, again=lambda q=self._last_question: self.ask(q))
                return
            emit(self.banner_shown, "search", "error", f"Search failed: {_message(exc)}", "")

    # -- the index server ---------------------------------------------------------------------------

    def _server_down(self, exc: IndexServerError, again: Callable[[], None] | None = None) -> None:
        """A banner, the last results kept on screen, and a retry with back-off of what failed
        (`again`; by default the index warm-up or the ticket's search)."""
        self._server_failures += 1
        self._server_again = again
        wait = min(60, 5 * 2 ** min(self._server_failures - 1, 4))
        self._server_retry.start(wait * 1000)
        shown = " The cards show the last results." if self._current_result is not None else ""
        emit(self.banner_shown, "index-server", "warning", f"{exc} Retrying in {wait} s.{shown}", "retry")
        emit(self.status_changed, "Index server unreachable")

    def _server_back(self) -> None:
        self._server_retry.stop()
        self._server_again = None
        if self._server_failures:
            self._server_failures = 0
            emit(self.banner_cleared, "index-server")

    def on_server_retry(self) -> None:
        """The timer, or the banner's "Retry now": once (a manual retry cancels the timer's)."""
        self._server_retry.stop()
        again, self._server_again = self._server_again, None
        if not self._index_ready:
            self._warm_retrieval()
        elif again is not None:
            again()
        elif self._ticket is not None:
            self._search_ticket(self._ticket)

    @property
    def server_retry_pending(self) -> bool:
        return self._server_retry.isActive()

    def _note_index_version(self) -> None:
        """Say so when the engine switched to a newer published version of the index."""
        version = self.engine.index_version
        if version is not None and version != self._index_version:
            if self._index_version is not None:
                emit(self.status_changed, f"Knowledge index updated ({version})")
            self._index_version = version

    def back_to_ticket(self) -> None:
        """Show the ticket's cards and answer again after a question; finish what was cut short."""
        if self._ticket is None or self._ticket_result is None:
            return
        self._mode = "ticket"
        self._current_result = self._ticket_result
        emit(self.results_ready, self._ticket_result, "ticket")
        emit(self.answer_started, "")
        if self._ticket_answer is not None:
            emit(self.answer_done, self._ticket_answer)
            if self._ticket_draft is None:
                self._run_llm(self._ticket, self._ticket_result, ("draft",))
        else:
            self._run_llm(self._ticket, self._ticket_result, ("answer", "draft"))

    def save_note(self, body: str) -> None:
        """Add `body` to the ticket as an internal note (the window asked for confirmation)."""
        if self._ticket is None or self.provider is None or not body.strip():
            emit(self.note_failed, "There is no ticket or no text to save.")
            return
        provider, ticket_id = self.provider, self._ticket.id
        self.record_cited()
        emit(self.status_changed, "Saving the internal note…")
        self.pool.submit(
            lambda _ev: provider.add_internal_note(ticket_id, body),
            name="note",
            returned=self.on_note_returned,
            errored=self.on_note_errored,
        )

    def on_note_returned(self, _tag: int, message: object) -> None:
        emit(self.status_changed, "Saved as an internal note.")
        emit(self.note_saved, message)

    def on_note_errored(self, _tag: int, exc: BaseException) -> None:
        if isinstance(exc, HelpdeskError):
            self._show_helpdesk_error(exc, getattr(exc, "retry_after", None))
        emit(self.note_failed, f"The note was not saved: {_message(exc)}")

    def record_feedback(self, kind: str, doc_uid: str = "", title: str = "") -> None:
        """Store helpful / wrong_source / missing locally (for the gap report)."""
        result = self._current_result
        entry = FeedbackEntry(
            kind=kind,  # type: ignore[arg-type]  # checked by the store
            ticket_id=self._ticket.id if self._ticket else "",
            query=result.query.text if result else "",
            doc_uid=doc_uid,
            title=title,
        )
        engine = self.engine
        self.pool.submit(
            lambda _ev: engine.record_feedback(entry),
            name="feedback",
            returned=lambda _t, _v, k=kind: self.on_feedback_returned(k),
            errored=lambda _t, exc: emit(self.status_changed, f"Feedback not saved: {_message(exc)}"),
        )

    def on_feedback_returned(self, kind: str) -> None:
        emit(self.status_changed, "Thanks, feedback stored on this computer.")
        emit(self.feedback_recorded, kind)

    def open_source(self, doc_uid: str) -> None:
        """Open the article of a card (or a citation) in the browser."""
        result = self._current_result
        hit = next((h for h in result.hits if h.doc_uid == doc_uid), None) if result else None
        if hit is None:
            return
        if self.consulted is not None and self._ticket is not None:
            self.consulted.opened(self._ticket.id, hit)
        from ui.sidebar.sources import source_location

        self.pool.submit(
            lambda _ev: source_location(hit),
            name="open source",
            returned=self.on_source_located,
        )

    def on_source_located(self, _tag: int, url: str | None) -> None:
        if url:
            QDesktopServices.openUrl(QUrl(url))
        else:
            emit(self.status_changed, "This article has no link and its export file is gone.")

    # -- consulted articles (for the handoff summary) ---------------------------------------------

    def _record_shown(self, result: SearchResult) -> None:
        """The cards the sidebar shows for the ticket (or a question about it)."""
        from ui.sidebar.cards import MAX_CARDS

        if self.consulted is not None and self._ticket is not None and not result.abstained:
            hits = sorted(result.hits, key=lambda h: h.rank)[:MAX_CARDS]
            self.consulted.shown(self._ticket.id, hits)

    def record_cited(self) -> None:
        """The agent copied (or saved) the draft: the articles it is based on count as cited."""
        draft, ticket = self._ticket_draft, self._ticket
        if self.consulted is None or draft is None or ticket is None:
            return
        hits = self._ticket_result.hits if self._ticket_result is not None else ()
        self.consulted.cited(ticket.id, draft.sources, hits)

    # -- shutdown ---------------------------------------------------------------------------------

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        self._poll_timer.stop()
        self._countdown.stop()
        self._ticket_gate.cancel()
        self._llm_gate.cancel()
        return self.pool.shutdown(timeout_ms)


def _message(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, AssistError) else f"{type(exc).__name__}: {exc}"


def index_exists(db: Path) -> bool:
    return (db / "catalog.sqlite").exists()
