"""ActiveTicketTracker: source priority, debounce, and a refresh policy that respects the helpdesk."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from assist.tickets import Ticket, TicketRef
from assist.watcher.active import ActiveTicketTracker
from assist.watcher.urls import HelpdeskSite
from common.errors import AuthError, NotFoundError, RateLimitedError, UnavailableError

BASE = "https://acme.zendesk.com"
SITE = HelpdeskSite("zendesk", BASE)
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def ref(n: int | str, base: str = BASE) -> TicketRef:
    return TicketRef("zendesk", str(n), base)


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, s: float) -> None:
        self.t += s


class FakeHelpdesk:
    """Counts calls; scripted failures. (The real providers are tested against real servers.)"""

    name = "zendesk"

    def __init__(self) -> None:
        self.updated = {}
        self.get_calls: list[str] = []
        self.probe_calls: list[str] = []
        self.fail: list[Exception] = []

    def _maybe_fail(self):
        if self.fail:
            raise self.fail.pop(0)

    def get_ticket(self, tid: str) -> Ticket:
        self.get_calls.append(tid)
        self._maybe_fail()
        return Ticket(
            id=tid, subject=f"T{tid}", status="open", provider="zendesk", updated_at=self.updated.get(tid, T0)
        )

    def ticket_updated_at(self, tid: str):
        self.probe_calls.append(tid)
        self._maybe_fail()
        return self.updated.get(tid, T0)


@pytest.fixture
def env():
    clock, hd, changes = Clock(), FakeHelpdesk(), []
    tracker = ActiveTicketTracker(hd, SITE, on_change=changes.append, refresh_seconds=60, clock=clock)
    return tracker, hd, clock, changes


def settle(tracker, clock, s=1.0):
    clock.advance(s)
    return tracker.poll()


def test_fetches_once_after_debounce(env):
    tracker, hd, clock, changes = env
    tracker.offer("extension", ref(1))
    assert tracker.poll().ticket is None and hd.get_calls == []  # still debouncing
    state = settle(tracker, clock)
    assert state.ticket.id == "1" and hd.get_calls == ["1"]
    assert settle(tracker, clock).ticket.id == "1" and hd.get_calls == ["1"]  # no refetch yet
    assert changes[0].ref == ref(1) and changes[-1].ticket.id == "1"


def test_tab_flicking_fetches_only_the_last(env):
    tracker, hd, clock, _ = env
    for n in (1, 2, 3):
        tracker.offer("extension", ref(n))
        clock.advance(0.1)
        tracker.poll()
    settle(tracker, clock)
    assert hd.get_calls == ["3"]


def test_refresh_only_when_updated_at_changed(env):
    tracker, hd, clock, _ = env
    tracker.offer("extension", ref(1))
    settle(tracker, clock)
    settle(tracker, clock, 61)
    assert hd.probe_calls == ["1"] and hd.get_calls == ["1"]  # unchanged: cheap probe only
    hd.updated["1"] = T0.replace(hour=5)
    state = settle(tracker, clock, 61)
    assert hd.get_calls == ["1", "1"] and state.ticket.updated_at == hd.updated["1"]


def test_same_ticket_again_does_not_refetch(env):
    tracker, hd, clock, changes = env
    tracker.offer("extension", ref(1))
    settle(tracker, clock)
    n = len(changes)
    assert tracker.offer("clipboard", ref(1, "https://ACME.zendesk.com/"))
    settle(tracker, clock)
    assert hd.get_calls == ["1"] and len(changes) == n


def test_extension_outranks_a_simultaneous_clipboard(env):
    tracker, _, clock, _ = env
    tracker.offer("extension", ref(1))
    assert tracker.offer("clipboard", ref(2)) is False  # same moment: the extension's word stands
    assert tracker.state.ref == ref(1)
    clock.advance(5)
    assert tracker.offer("clipboard", ref(2)) is True  # later, a copy does switch
    assert tracker.state.ref == ref(2) and tracker.state.source == "clipboard"
    assert tracker.offer("extension", ref(3)) and tracker.state.ref == ref(3)  # stronger: always


def test_pin_and_picker_switch_when_nothing_stronger_is_recent(env):
    tracker, _, clock, _ = env
    assert tracker.pick(ref(5)) and tracker.state.source == "picker"
    assert tracker.pin(ref(6)) and tracker.state.ref == ref(6)
    tracker.offer("clipboard", ref(7))
    assert tracker.pin(ref(8)) is False
    clock.advance(5)
    assert tracker.pin(ref(8)) is True


def test_other_helpdesks_are_ignored(env):
    tracker, _, _, changes = env
    assert tracker.offer("extension", ref(1, "https://other.zendesk.com")) is False
    assert tracker.offer("extension", TicketRef("rt", "1", "https://rt.x")) is False
    assert tracker.state.ref is None and changes == []


def test_rate_limited_waits_retry_after_and_keeps_the_ticket(env):
    tracker, hd, clock, _ = env
    tracker.offer("extension", ref(1))
    settle(tracker, clock)
    hd.updated["1"] = T0.replace(hour=9)
    hd.fail = [RateLimitedError("slow down", retry_after=120)]
    state = settle(tracker, clock, 61)
    assert state.ticket.id == "1" and state.stale and "slow down" in state.error
    calls = len(hd.probe_calls) + len(hd.get_calls)
    settle(tracker, clock, 100)
    assert len(hd.probe_calls) + len(hd.get_calls) == calls  # still inside Retry-After
    assert tracker.next_poll_in() == pytest.approx(20, abs=0.01)
    state = settle(tracker, clock, 21)
    assert state.error is None and not state.stale and state.ticket.updated_at == hd.updated["1"]


def test_unavailable_backs_off_exponentially(env):
    tracker, hd, clock, _ = env
    hd.fail = [UnavailableError("down"), UnavailableError("down"), UnavailableError("down")]
    tracker.offer("extension", ref(1))
    settle(tracker, clock)
    assert tracker.next_poll_in() == pytest.approx(60)
    settle(tracker, clock, 60)
    assert tracker.next_poll_in() == pytest.approx(120)
    settle(tracker, clock, 120)
    assert tracker.next_poll_in() == pytest.approx(240)
    assert len(hd.get_calls) == 3


def test_auth_error_pauses_until_retry_now(env):
    tracker, hd, clock, _ = env
    hd.fail = [AuthError("token refused")]
    tracker.offer("extension", ref(1))
    state = settle(tracker, clock)
    assert state.paused and "token" in state.error
    settle(tracker, clock, 3600)
    assert hd.get_calls == ["1"]  # no hammering with a bad token
    tracker.retry_now()
    assert settle(tracker, clock).ticket.id == "1"


def test_not_found_is_not_retried_for_the_same_id(env):
    tracker, hd, clock, _ = env
    hd.fail = [NotFoundError("no such ticket")]
    tracker.offer("clipboard", ref(404))
    state = settle(tracker, clock)
    assert state.ticket is None and "no such ticket" in state.error
    settle(tracker, clock, 600)
    assert hd.get_calls == ["404"]


def test_switching_marks_the_old_ticket_stale(env):
    tracker, _, clock, changes = env
    tracker.offer("extension", ref(1))
    settle(tracker, clock)
    tracker.offer("extension", ref(2))
    assert changes[-1].stale is True and changes[-1].ref == ref(2) and changes[-1].ticket.id == "1"
    assert replace(settle(tracker, clock), ticket=None).stale is False
