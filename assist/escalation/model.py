"""The plain values the escalation parts hand each other.

Data flows one way: ticket → signals (frustration, waiting, SLA, repeat contacts) → rules → alerts
→ notifications / queue view / handoff summary. Every value here is frozen and JSON-friendly
(`assist.cli._jsonable(asdict(x))`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Reason:
    """One thing that raised a signal, in words an agent reads at a glance."""

    code: str
    """Stable id, e.g. "asked_for_manager", "repeated_message", "all_caps", "waiting"."""
    text: str
    """e.g. "asked for a manager", "third message without a reply", "waiting 26 h"."""
    weight: float = 0.0
    """How much it contributed to the score (0–1 scale, before the final squash)."""
    message_id: str | None = None
    """The message it came from, when it came from one."""


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """The frustration score as it stood after one customer message."""

    message_id: str
    at: datetime | None
    score: float


@dataclass(frozen=True, slots=True)
class Frustration:
    score: float
    """0 (calm) … 1 (furious, about to escalate)."""
    reasons: tuple[Reason, ...] = ()
    """Strongest first."""
    trend: tuple[TrendPoint, ...] = ()
    """One point per public customer message, oldest first; the last equals `score`."""

    @property
    def level(self) -> str:
        return "high" if self.score >= 0.6 else "elevated" if self.score >= 0.35 else "calm"


@dataclass(frozen=True, slots=True)
class SlaClock:
    """The nearest SLA target still running (or the one already missed)."""

    target: str
    """"first reply", "next reply" or "resolution"."""
    due: datetime
    minutes_left: float
    """Negative once breached."""
    used_share: float | None
    """Share of the target's window already used (0–1+), when the window's start is known."""
    breached: bool


@dataclass(frozen=True, slots=True)
class RepeatContact:
    """Another ticket from the same requester (or organisation) in the look-back window."""

    ticket_id: str
    subject: str
    status: str
    created_at: datetime | None
    same_problem: bool
    """Its subject/description is about the same problem as this ticket."""
    similarity: float = 0.0
    same_requester: bool = True
    """False when it matched on the organisation only."""


@dataclass(frozen=True, slots=True)
class Alert:
    """A rule of the team's rules file that fired for a ticket."""

    rule: str
    """The rule's name in the rules file, e.g. "waiting"."""
    ticket_id: str
    text: str
    """One line for the notification, e.g. "#1003 waiting 3 h 10 min for a reply"."""
    severity: str = "warning"
    """"info", "warning" or "critical"."""


@dataclass(frozen=True, slots=True)
class TicketSignals:
    ticket_id: str
    subject: str
    frustration: Frustration
    waiting_minutes: float | None
    """Minutes since the customer's last public message, if it is newer than the agent's last
    public reply; None when the ball is in the customer's court."""
    sla: SlaClock | None
    repeat_contacts: tuple[RepeatContact, ...] = ()
    alerts: tuple[Alert, ...] = ()
    risk: float = 0.0
    """0–1, for sorting the queue: the strongest of the normalised signals, nudged by the rest."""
    risk_reasons: tuple[str, ...] = ()
    computed_at: datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)
