"""One ticket → its escalation signals, the alerts the team's rules raise, and a risk for sorting.

Pure: the caller fetches the ticket and the requester's history (the queue watch does, within the
helpdesk's rate budget) and passes `now`, so the same inputs always give the same signals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from assist.escalation.clocks import humanize_minutes, sla_clock, waiting_minutes
from assist.escalation.model import Alert, Frustration, RepeatContact, SlaClock, TicketSignals
from assist.escalation.repeats import repeat_contacts
from assist.escalation.rules import AlertRule, EscalationRules
from assist.escalation.similarity import PairwiseSimilarity, char_ngram_similarities, uses_embedder
from assist.tickets import Ticket

if TYPE_CHECKING:
    from models.embedder import Embedder

FrustrationScorer = Callable[[Ticket, datetime], Frustration]


def default_frustration(embedder: Embedder | None = None) -> FrustrationScorer:
    """The frustration scorer: restatements measured by character n-grams, or by the sentence
    embedder when one is given (it also sees paraphrases; it carries its own similarity band)."""
    from assist.escalation.frustration import embedder_similarity, score_frustration

    similarity = embedder_similarity(embedder) if embedder is not None else None
    return lambda ticket, now: score_frustration(ticket, now, similarity=similarity)


def signal_values(
    frustration: Frustration,
    waiting: float | None,
    sla: SlaClock | None,
    contacts: Sequence[RepeatContact],
) -> dict[str, float]:
    """The numbers the rules file's `signal` names refer to."""
    own = [c for c in contacts if c.same_requester]
    return {
        "waiting_minutes": waiting or 0.0,
        "sla_used_share": (max(1.0, sla.used_share or 1.0) if sla.breached else sla.used_share or 0.0)
        if sla
        else 0.0,
        "sla_breached": 1.0 if sla and sla.breached else 0.0,
        "frustration": frustration.score,
        "contacts": 1.0 + len(own),
        "same_problem": 1.0 + sum(c.same_problem for c in own),
    }


def _alert_text(
    rule: AlertRule,
    ticket: Ticket,
    values: dict[str, float],
    frustration: Frustration,
    sla: SlaClock | None,
    rules: EscalationRules,
) -> str:
    value = values[rule.signal]
    fields = {
        "id": ticket.id,
        "subject": ticket.subject,
        "value": f"{value:g}" if rule.signal in ("contacts", "same_problem") else f"{value:.2f}",
        "waiting": humanize_minutes(values["waiting_minutes"]),
        "time_left": (
            f"{humanize_minutes(sla.minutes_left)} overdue"
            if sla.minutes_left < 0
            else f"{humanize_minutes(sla.minutes_left)} left"
        )
        if sla
        else "",
        "target": sla.target if sla else "SLA",
        "share": f"{min(values['sla_used_share'], 9.99):.0%}",
        "reasons": ", ".join(r.text for r in frustration.reasons[:3]) or "tone",
        "days": str(rules.lookback_days),
    }
    try:
        return rule.text.format(**fields)
    except (KeyError, IndexError, ValueError):  # a typo in the team's file must not hide the alert
        return f"{rule.name}: {value:g}"


def rules_by_signal(rules: EscalationRules, name: str) -> str:
    return next((r.signal for r in rules.alerts if r.name == name), "")


def risk_of(values: dict[str, float], rules: EscalationRules) -> float:
    """See the rules file's [risk] table."""
    wait = values["waiting_minutes"]
    parts = sorted(
        [
            min(1.0, values["frustration"]),
            wait / (wait + rules.waiting_half_minutes) if wait > 0 else 0.0,
            1.0 if values["sla_breached"] else min(1.0, values["sla_used_share"]) ** 2,
            min(1.0, (values["contacts"] - 1) / max(1, rules.contacts_full - 1)),
        ],
        reverse=True,
    )
    calm = 1.0 - parts[0]
    for part in parts[1:]:
        calm *= 1.0 - rules.risk_spread * part
    return round(1.0 - calm, 3)


def compute_signals(
    ticket: Ticket,
    rules: EscalationRules,
    now: datetime | None = None,
    *,
    history: Sequence[Ticket] = (),
    frustration: FrustrationScorer | None = None,
    similarities: PairwiseSimilarity = char_ngram_similarities,
) -> TicketSignals:
    now = now or datetime.now(UTC)
    mood = (frustration or default_frustration())(ticket, now)
    waiting = waiting_minutes(ticket, now)
    sla = sla_clock(ticket, now)
    contacts = repeat_contacts(
        ticket,
        history,
        now,
        lookback_days=rules.lookback_days,
        same_problem_similarity=rules.same_problem_similarity_embedder
        if uses_embedder(similarities)
        else rules.same_problem_similarity,
        include_organization=rules.include_organization,
        similarities=similarities,
    )
    values = signal_values(mood, waiting, sla, contacts)
    alerts = tuple(
        Alert(
            rule=rule.name,
            ticket_id=ticket.id,
            text=_alert_text(rule, ticket, values, mood, sla, rules),
            severity=rule.severity,
        )
        for rule in rules.alerts
        if values[rule.signal] >= rule.at_least
    )
    if any(rules_by_signal(rules, a.rule) == "sla_breached" for a in alerts):
        # "SLA missed" says it all; "121 % of the SLA used" beside it is noise.
        alerts = tuple(a for a in alerts if rules_by_signal(rules, a.rule) != "sla_used_share")
    reasons = [a.text for a in alerts]
    if not alerts:  # below every threshold: say what there is, if anything worth a word
        if waiting is not None and waiting >= 30:
            reasons.append(f"waiting {humanize_minutes(waiting)} for a reply")
        if mood.level != "calm" and mood.reasons:
            reasons.append(mood.reasons[0].text)
    return TicketSignals(
        ticket_id=ticket.id,
        subject=ticket.subject,
        frustration=mood,
        waiting_minutes=None if waiting is None else round(waiting, 1),
        sla=sla,
        repeat_contacts=contacts,
        alerts=alerts,
        risk=risk_of(values, rules),
        risk_reasons=tuple(reasons),
        computed_at=now,
    )
