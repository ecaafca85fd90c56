"""Knowing which ticket the agent has open: browser extension (native messaging), clipboard, a pin,
or the "my open tickets" picker, combined by `ActiveTicketTracker`. Qt-free."""

from __future__ import annotations

from assist.watcher.active import ActiveTicketTracker, TrackerState
from assist.watcher.urls import HelpdeskSite, parse_clipboard, parse_ticket_url

__all__ = ["ActiveTicketTracker", "HelpdeskSite", "TrackerState", "parse_clipboard", "parse_ticket_url"]
