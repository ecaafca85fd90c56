"""Which ticket is the agent working on, and a fresh copy of it, without hammering the helpdesk.

Sources, most trusted first: the browser extension, the clipboard, a pinned id, the picker.
No helpdesk API says which ticket is open, so each source *offers* a reference:

- The newest offer wins, except that a less trusted source cannot override a more trusted one
  that spoke within `hold_seconds` (a navigation can also put the URL on the clipboard; the
  extension's word stands).
- An offer for another helpdesk than the configured one is ignored (it could not be fetched).
- Fetching waits until the reference has been stable for `debounce_seconds` (tab flicking).

`poll()` is called from a timer on a worker thread and does at most one fetch:

- a new reference → fetch the ticket;
- the same one → at most every `refresh_seconds`, first asking the cheap `ticket_updated_at`
  (where the provider has it) and re-reading the conversation only if it changed;
- RateLimitedError → wait Retry-After (or back off exponentially), keep showing the last ticket;
- UnavailableError → back off exponentially, keep showing the last ticket (marked stale);
- AuthError → stop refreshing until `retry_now()` (e.g. after the token is re-entered): a wrong
  token retried every minute can lock the agent's account;
- NotFoundError → wait for another reference.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from assist.helpdesk.base import HelpdeskProvider
from assist.tickets import Ticket, TicketRef
from assist.watcher.urls import HelpdeskSite, normalize_base
from common.errors import AuthError, HelpdeskError, NotFoundError, RateLimitedError

log = logging.getLogger(__name__)

Source = Literal["extension", "clipboard", "pinned", "picker"]
RANK: dict[str, int] = {"extension": 0, "clipboard": 1, "pinned": 2, "picker": 3}


@dataclass(frozen=True, slots=True)
class TrackerState:
    """What the sidebar shows. `ticket` is the last good copy, kept through errors."""

    ref: TicketRef | None = None
    source: Source | None = None
    ticket: Ticket | None = None
    error: str | None = None
    """Last failure, phrased for the agent; None when the last fetch worked."""
    stale: bool = False
    """True when `ticket` could not be refreshed (or belongs to the previous reference)."""
    paused: bool = False
    """Refreshing stopped until `retry_now()` (credentials refused)."""


class ActiveTicketTracker:
    """Combines ticket-reference sources and keeps the active ticket fresh. Thread-safe.

    Args:
        provider: the configured helpdesk.
        site: its kind and base URL; offers for other sites are ignored. None accepts any offer
            whose provider matches `provider.name` (the demo helpdesk).
        on_change: called with the new TrackerState after every change (from the calling thread).
        clock: monotonic seconds, injectable for tests.
    """

    def __init__(
        self,
        provider: HelpdeskProvider,
        site: HelpdeskSite | None = None,
        *,
        on_change: Callable[[TrackerState], None] | None = None,
        refresh_seconds: float = 60.0,
        debounce_seconds: float = 0.4,
        hold_seconds: float = 3.0,
        max_backoff: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._provider = provider
        self._site = site
        self._on_change = on_change
        self.refresh_seconds = refresh_seconds
        self.debounce_seconds = debounce_seconds
        self.hold_seconds = hold_seconds
        self.max_backoff = max_backoff
        self._clock = clock
        self._lock = threading.RLock()
        self._fetch_lock = threading.Lock()
        self._state = TrackerState()
        self._offered_at: dict[str, float] = {}
        self._changed_at = 0.0
        self._fetched_ref: TicketRef | None = None
        self._fetched_at = float("-inf")
        self._next_allowed = float("-inf")
        self._failures = 0
        self._missing: TicketRef | None = None
        """A reference the helpdesk said does not exist: not fetched again until it changes."""
        self.fetches = 0
        """Full `get_ticket` calls made; for tests and the debug panel."""

    # -- state -----------------------------------------------------------------------------------

    @property
    def state(self) -> TrackerState:
        with self._lock:
            return self._state

    def _set(self, **changes: object) -> TrackerState:
        with self._lock:
            self._state = replace(self._state, **changes)
            state = self._state
        if self._on_change is not None:
            self._on_change(state)
        return state

    # -- offers ----------------------------------------------------------------------------------

    def accepts(self, ref: TicketRef) -> bool:
        if ref.provider != self._provider.name:
            return False
        if self._site is None or ref.base_url is None:
            return True
        return normalize_base(ref.base_url) == self._site.base_url

    def offer(self, source: Source, ref: TicketRef) -> bool:
        """A source reports the ticket the agent is on. True if it became (or stays) active."""
        if not self.accepts(ref):
            log.info("ignoring a %s ticket from another helpdesk (%s)", source, ref.provider)
            return False
        ref = _canonical(ref, self._site)
        now = self._clock()
        with self._lock:
            current = self._state
            self._offered_at[source] = now
            if current.source is not None and RANK[source] > RANK[current.source]:
                stronger_recent = any(
                    RANK[s] < RANK[source] and now - t < self.hold_seconds
                    for s, t in self._offered_at.items()
                )
                if stronger_recent and current.ref != ref:
                    return False
            if current.ref == ref:
                if current.source != source:
                    self._state = replace(current, source=source)
                return True
            self._changed_at = now
            self._missing = None
        self._set(ref=ref, source=source, error=None, stale=current.ticket is not None, paused=False)
        return True

    def offer_extension(self, ref: TicketRef) -> bool:
        return self.offer("extension", ref)

    def pin(self, ref: TicketRef) -> bool:
        return self.offer("pinned", ref)

    def pick(self, ref: TicketRef) -> bool:
        return self.offer("picker", ref)

    def retry_now(self) -> None:
        """Lift a pause or back-off (after the agent fixed the token, or pressed Refresh)."""
        with self._lock:
            self._next_allowed = float("-inf")
            self._fetched_at = float("-inf")
            self._failures = 0
            self._missing = None
        if self.state.paused:
            self._set(paused=False)

    # -- fetching --------------------------------------------------------------------------------

    def due(self) -> bool:
        """Would `poll()` call the helpdesk now?"""
        now = self._clock()
        with self._lock:
            st = self._state
            if st.ref is None or st.paused or now < self._next_allowed or st.ref == self._missing:
                return False
            if now - self._changed_at < self.debounce_seconds:
                return False
            if st.ref != self._fetched_ref:
                return True
            return now - self._fetched_at >= self.refresh_seconds

    def poll(self) -> TrackerState:
        """Fetch if due (at most one helpdesk round); return the current state."""
        if not self.due() or not self._fetch_lock.acquire(blocking=False):
            return self.state
        try:
            return self._fetch()
        finally:
            self._fetch_lock.release()

    def _fetch(self) -> TrackerState:
        with self._lock:
            ref = self._state.ref
            previous = self._state.ticket
        assert ref is not None
        same = ref == self._fetched_ref and previous is not None and previous.id == ref.ticket_id
        try:
            if same and previous is not None and previous.updated_at is not None:
                probe = getattr(self._provider, "ticket_updated_at", None)
                if probe is not None:
                    updated: datetime | None = probe(ref.ticket_id)
                    if updated is not None and updated == previous.updated_at:
                        self._succeeded(ref)
                        return self._set(error=None, stale=False)
            ticket = self._provider.get_ticket(ref.ticket_id)
            self.fetches += 1
        except HelpdeskError as exc:
            return self._failed(ref, exc)
        self._succeeded(ref)
        with self._lock:
            if self._state.ref != ref:  # the agent moved on while we were fetching
                return self._state
        return self._set(ticket=ticket, error=None, stale=False)

    def _succeeded(self, ref: TicketRef) -> None:
        with self._lock:
            self._fetched_ref = ref
            self._fetched_at = self._clock()
            self._failures = 0
            self._next_allowed = float("-inf")

    def _failed(self, ref: TicketRef, exc: HelpdeskError) -> TrackerState:
        now = self._clock()
        with self._lock:
            self._failures += 1
            backoff = min(self.max_backoff, self.refresh_seconds * 2 ** (self._failures - 1))
            if isinstance(exc, RateLimitedError) and exc.retry_after is not None:
                backoff = min(self.max_backoff, max(exc.retry_after, backoff / 2))
            self._next_allowed = now + backoff
            if isinstance(exc, NotFoundError):
                # Retrying the same id will not make it exist; wait for another reference.
                self._missing = ref
                self._next_allowed = float("-inf")
        log.info("active ticket %s: %s", ref.ticket_id, type(exc).__name__)
        keep = self.state.ticket
        return self._set(
            error=str(exc),
            stale=keep is not None,
            paused=isinstance(exc, AuthError),
            ticket=None if isinstance(exc, NotFoundError) else keep,
        )

    def next_poll_in(self) -> float:
        """Seconds until `poll()` may do something; for a timer that sleeps instead of spinning."""
        now = self._clock()
        with self._lock:
            if self._state.ref is None or self._state.paused or self._state.ref == self._missing:
                return self.refresh_seconds
            waits = [self._next_allowed - now, self._changed_at + self.debounce_seconds - now]
            if self._state.ref == self._fetched_ref:
                waits.append(self._fetched_at + self.refresh_seconds - now)
            return max(0.0, *waits)


def _canonical(ref: TicketRef, site: HelpdeskSite | None) -> TicketRef:
    base = site.base_url if site is not None else (normalize_base(ref.base_url) if ref.base_url else None)
    return TicketRef(provider=ref.provider, ticket_id=ref.ticket_id, base_url=base)


def site_for(kind: str, url: str) -> HelpdeskSite | None:
    return HelpdeskSite(kind, url) if kind != "demo" and url else None


def sites_for(kind: str, url: str) -> Sequence[HelpdeskSite]:
    site = site_for(kind, url)
    return (site,) if site else ()
