"""Where a handoff should go: the rules file's routes, matched on the ticket's tags, the customer's
words and the sections of the KB articles the agent consulted, and explained in one line."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass

from assist.escalation.model import TicketSignals
from assist.escalation.rules import EscalationRules, Route
from assist.tickets import Ticket


@dataclass(frozen=True, slots=True)
class RouteChoice:
    group: str
    reason: str
    """One line: why this group, e.g. "Billing escalations: billing or payment problem (tagged
    refund; mentions “charged”); urgent: customer is frustrated"."""
    urgent: bool = False
    matched: tuple[str, ...] = ()


def _customer_text(ticket: Ticket) -> str:
    words = [ticket.subject] + [m.body for m in ticket.messages if m.author_role == "customer" and m.public]
    return "\n".join(words)


# A tag is the team's own classification, a KB section what the agent found relevant, a word in
# the customer's text the weakest hint ("refund" comes up in shipping complaints too).
_WEIGHTS = {"tag": 3.0, "section": 2.0, "keyword": 1.0}


def _matches(route: Route, ticket: Ticket, text: str, sections: Sequence[str]) -> tuple[float, list[str]]:
    found: list[str] = []
    score = 0.0
    tags = {t.lower() for t in ticket.tags}
    for tag in route.tags:
        if tag in tags:
            found.append(f"tagged {tag}")
            score += _WEIGHTS["tag"]
    for pattern in route.sections:
        hit = next((s for s in sections if fnmatch.fnmatch(s.lower(), pattern.lower())), None)
        if hit:
            found.append(f"KB section {hit}")
            score += _WEIGHTS["section"]
    for word in route.keywords:
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE):
            found.append(f"mentions “{word}”")
            score += _WEIGHTS["keyword"]
    return score, found


def choose_route(
    ticket: Ticket,
    signals: TicketSignals | None,
    rules: EscalationRules,
    consulted_sections: Sequence[str] = (),
) -> RouteChoice:
    """The route with the strongest evidence wins (tags 3, KB sections 2, words 1 each; the
    earlier route on a tie); the strongest evidence is named first."""
    urgent_because = ""
    if signals is not None:
        if signals.sla and signals.sla.breached:
            urgent_because = f"{signals.sla.target} SLA missed"
        elif signals.risk >= rules.urgent_risk:
            urgent_because = (signals.risk_reasons or (f"risk {signals.risk:.2f}",))[0]
    text = _customer_text(ticket)
    best: tuple[float, Route, list[str]] | None = None
    for route in rules.routes:
        score, found = _matches(route, ticket, text, consulted_sections)
        if found and (best is None or score > best[0]):
            best = (score, route, found)
    if best is not None:
        _, route, found = best
        urgent = bool(urgent_because) and bool(route.urgent_group)
        group = route.urgent_group if urgent else route.group
        reason = f"{group}: {route.reason} ({'; '.join(found[:3])})"
        if urgent_because:
            reason += f"; urgent: {urgent_because}"
        return RouteChoice(group=group, reason=reason, urgent=bool(urgent_because), matched=tuple(found))
    reason = f"{rules.default_group}: {rules.default_reason}"
    if urgent_because:
        reason += f"; urgent: {urgent_because}"
    return RouteChoice(group=rules.default_group, reason=reason, urgent=bool(urgent_because))
