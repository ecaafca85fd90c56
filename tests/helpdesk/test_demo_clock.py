"""The demo's live clock: the shipped tickets' moment becomes "now", notes keep their real time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assist.config import load_settings
from assist.escalation.clocks import waiting_minutes
from assist.helpdesk import make_provider
from assist.helpdesk.demo import RECORDED_NOW, DemoProvider


def test_recorded_clock_keeps_the_files_times():
    t = DemoProvider().get_ticket("1001")
    assert t.messages[0].created_at == datetime(2026, 11, 20, 5, 45, tzinfo=UTC)


def test_live_clock_moves_every_time_by_one_offset():
    recorded = DemoProvider().get_ticket("1001")
    before = datetime.now(UTC)
    live = DemoProvider(live_clock=True)
    ticket = live.get_ticket("1001")
    offset = ticket.messages[0].created_at - recorded.messages[0].created_at
    assert offset >= before - RECORDED_NOW - timedelta(seconds=1)
    assert ticket.created_at - recorded.created_at == offset
    assert ticket.sla.first_response_due - recorded.sla.first_response_due == offset
    assert ticket.sla.resolution_due - recorded.sla.resolution_due == offset
    # As written: the customer of 1001 has waited 3 h 15 min at the tickets' moment.
    assert 194 <= waiting_minutes(ticket, datetime.now(UTC)) < 200
    assert not ticket.sla.breached  # first reply due 09:45, "now" is 09:00


def test_notes_made_in_the_demo_keep_their_real_time():
    live = DemoProvider(live_clock=True)
    note = live.add_internal_note("1001", "Checked the router model.")
    assert abs(note.created_at - datetime.now(UTC)) < timedelta(minutes=1)


def test_the_setting_and_env_reach_the_provider():
    settings = load_settings(environ={"ASSIST_HELPDESK_KIND": "demo", "ASSIST_DEMO_LIVE_CLOCK": "1"})
    ticket = make_provider(settings.helpdesk).get_ticket("1001")
    assert ticket.messages[0].created_at > datetime(2026, 11, 20, 5, 45, tzinfo=UTC) + timedelta(days=1)
