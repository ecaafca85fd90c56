"""The handoff summary: one ticket as the next person needs it, each fact pointing at its source.

    handoff = build_handoff(ticket, signals, rules, history=history, consulted=log.for_ticket(id))
    print(render_note(handoff))            # the internal-note text, with [message · time] references

Extractive first. Every `Fact` that comes from a message carries the message's id and `quote`,
the verbatim words of that message it rests on; facts from helpdesk fields (requester, SLA) and
the sidebar's own records (signals, consulted articles) have no message. The issue is the 1–2
most informative sentences of the customer's first message (`excerpts.issue_sentences`); "tried"
is the agents' reply and note sentences that did or asked something (cues in
`assist/data/handoff.toml`, EN/DE/FR/ES). A model, when given, may only re-phrase the issue, and
only if it is trusted to write (at least `llm.trusted_min_params`, as for answers) and every
sentence passes the answer checks against the customer's messages (`rephrase.rephrase_issue`);
otherwise the quote stays and `notes` says why.

Ticket text is data: customer paragraphs that read like instructions ("ignore previous
instructions", "assign this to Billing", "mark as solved") are never quoted, never routing
evidence, and never reach the next step: the target and next step are computed from the ticket
without them (`excerpts.without_instructions`). Internal notes appear (this is an internal note
itself) but always labelled "internal".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from assist.escalation.clocks import humanize_minutes, waiting_since
from assist.escalation.consulted import ConsultedArticle, strongest
from assist.escalation.excerpts import (
    cues,
    first_line,
    instruction_messages,
    is_instruction,
    issue_sentences,
    mood_quote,
    tried_sentences,
    without_instructions,
    without_internal_label,
)
from assist.escalation.model import RepeatContact, TicketSignals
from assist.escalation.repeats import repeat_contacts
from assist.escalation.routing import RouteChoice, choose_route
from assist.escalation.rules import EscalationRules
from assist.tickets import Message, Ticket
from assist.verify import Encode
from models.llm import LLM

EXTRACTIVE = "extractive"


@dataclass(frozen=True, slots=True)
class Fact:
    text: str
    message_id: str | None = None
    """The message it came from (None for helpdesk fields and the sidebar's own records)."""
    at: datetime | None = None
    quote: str = ""
    """The words of that message the fact rests on (a verbatim substring of its body); "" when it
    rests on the message's time rather than its words."""


@dataclass(frozen=True, slots=True)
class Handoff:
    ticket_id: str
    subject: str
    customer: tuple[Fact, ...]
    """Name, email, organisation, and the other recent tickets (subjects, states)."""
    issue: tuple[Fact, ...]
    """The issue in one or two sentences."""
    timeline: tuple[Fact, ...]
    """Opened, customer messages (first line), agent replies, internal notes, the wait, the SLA."""
    tried: tuple[Fact, ...]
    """What was already done or asked, from the agents' public replies and internal notes."""
    articles: tuple[Fact, ...]
    """KB articles consulted in the sidebar (title, how, url)."""
    mood: tuple[Fact, ...]
    """Score and level, then each reason linked to its message."""
    next_step: Fact
    target_group: str
    target_reason: str
    """One line, from `choose_route`."""
    phrased_by: str = EXTRACTIVE
    """"extractive", or the model's name when its issue sentences passed the checks."""
    notes: tuple[str, ...] = ()
    """What the checks dropped and why."""


def _utc(when: datetime | None) -> datetime | None:
    if when is None:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _internal(text: str) -> str:
    return f"(internal) {without_internal_label(text)}"


# -- sections ----------------------------------------------------------------------------------


def _customer(ticket: Ticket, contacts: Sequence[RepeatContact], lookback_days: int) -> list[Fact]:
    facts = []
    if ticket.requester_name:
        facts.append(Fact(f"Name: {ticket.requester_name}"))
    if ticket.requester_email:
        facts.append(Fact(f"Email: {ticket.requester_email}"))
    organization = getattr(ticket, "organization", "")  # newer `Ticket`s have it
    if organization:
        facts.append(Fact(f"Organisation: {organization}"))
    own = [c for c in contacts if c.same_requester]
    if own:
        same = sum(c.same_problem for c in own)
        about = f", {same} about the same problem" if same else ""
        facts.append(Fact(f"Contact number {len(own) + 1} in {lookback_days} days{about}"))
    for c in contacts:
        # Another ticket's subject is the customer's text too: shown, unless it reads like orders.
        subject = (
            "(subject not shown: it reads like instructions)" if is_instruction(c.subject) else c.subject
        )
        marks = [
            m
            for m, on in (("same problem", c.same_problem), ("same organisation", not c.same_requester))
            if on
        ]
        tail = f" ({', '.join(marks)})" if marks else ""
        facts.append(Fact(f"Also #{c.ticket_id} [{c.status}] {subject}{tail}", at=_utc(c.created_at)))
    return facts


def _issue(ticket: Ticket) -> list[Fact]:
    message, sentences = issue_sentences(ticket)
    if message is None:
        subject = ticket.subject if not is_instruction(ticket.subject) else "(no description)"
        return [Fact(subject or "(no description)")]
    return [Fact(s, message.id, _utc(message.created_at), s) for s in sentences]


def _message_event(m: Message, opened: bool, after: str, limit: int) -> Fact:
    line = first_line(m)
    who = m.author_name or m.author_role
    if not m.public:
        shown = _clip(without_internal_label(line), limit) if line else "(no text of its own)"
        text = f"Internal note ({who}): {shown}"
    else:
        shown = _clip(line, limit) if line else "(no text of its own)"
        if m.author_role == "customer":
            text = f"Opened by {who}: {shown}" if opened else f"Customer wrote: {shown}"
        elif m.author_role == "agent":
            text = f"Agent reply ({who}){after}: {shown}"
        else:
            text = f"{who}: {shown}"
    return Fact(text, m.id, _utc(m.created_at), line)


def _timeline(ticket: Ticket, signals: TicketSignals | None) -> list[Fact]:
    settings = cues()["timeline"]
    limit = settings["first_line_chars"]
    events: list[Fact] = []
    unanswered_since: datetime | None = None
    conversation = [m for m in ticket.messages if m.author_role != "system"]
    for i, m in enumerate(conversation):
        after = ""
        if m.public and m.author_role == "customer" and unanswered_since is None:
            unanswered_since = _utc(m.created_at)
        elif m.public and m.author_role == "agent":
            if unanswered_since and m.created_at:
                gap = (_utc(m.created_at) - unanswered_since).total_seconds() / 60  # type: ignore[operator]
                if gap >= settings["slow_reply_minutes"]:
                    after = f" after {humanize_minutes(gap)}"
            unanswered_since = None
        events.append(_message_event(m, i == 0 and m.author_role == "customer", after, limit))
    if not conversation:
        events.append(Fact(f"Opened: {ticket.subject}", at=_utc(ticket.created_at)))
    cap = settings["max_events"]
    if len(events) > cap:
        # The opening and the latest events tell the story; the middle is one line.
        skipped = len(events) - (cap - 1)
        events = [*events[:2], Fact(f"… {skipped} more messages …"), *events[2 + skipped :]]
    if signals is not None and signals.waiting_minutes is not None:
        since = waiting_since(ticket)
        first = next(
            (
                m
                for m in ticket.messages
                if m.public and m.author_role == "customer" and m.created_at == since
            ),
            None,
        )
        events.append(
            Fact(
                f"Customer waiting {humanize_minutes(signals.waiting_minutes)} for a reply",
                first.id if first else None,
                _utc(since),
            )
        )
    if signals is not None and signals.sla is not None:
        s = signals.sla
        due = f"due {s.due:%Y-%m-%d %H:%M} UTC"
        if s.breached:
            text = f"SLA {s.target} missed {humanize_minutes(s.minutes_left)} ago ({due})"
        else:
            share = f", {s.used_share:.0%} used" if s.used_share is not None else ""
            text = f"SLA {s.target}: {humanize_minutes(s.minutes_left)} left{share} ({due})"
        events.append(Fact(text, at=_utc(s.due)))
    return events


def _tried(ticket: Ticket) -> list[Fact]:
    facts = []
    for m, sentence in tried_sentences(ticket):
        text = sentence if m.public else _internal(sentence)
        if m.public and sentence.rstrip().endswith("?"):
            text = f"Asked the customer: {sentence}"  # a question is a diagnostic step, not a fix
        who = m.author_name or "agent"
        facts.append(Fact(f"{text} — {who}", m.id, _utc(m.created_at), sentence))
    return facts


def _articles(consulted: Sequence[ConsultedArticle]) -> list[Fact]:
    facts = []
    for a in strongest(consulted):
        where = f" — {a.section}" if a.section else ""
        url = f" {a.url}" if a.url else ""
        facts.append(Fact(f"{a.title or a.doc_id} ({a.how}){where}{url}", at=_utc(a.at)))
    return facts


def _mood(ticket: Ticket, signals: TicketSignals | None) -> list[Fact]:
    if signals is None:
        return [Fact("Mood not computed")]
    f = signals.frustration
    trend = " (trend " + " → ".join(f"{p.score:.2f}" for p in f.trend) + ")" if len(f.trend) > 1 else ""
    facts = [Fact(f"Frustration {f.score:.2f}, {f.level}{trend}")]
    by_id = {m.id: m for m in ticket.messages}
    for r in f.reasons:
        m = by_id.get(r.message_id or "")
        if m is None:
            facts.append(Fact(r.text))
        else:
            facts.append(Fact(r.text, m.id, _utc(m.created_at), mood_quote(m, r.code, r.text)))
    return facts


def _next_step(signals: TicketSignals | None, rules: EscalationRules, route: RouteChoice) -> Fact:
    """The parts of [next_step] in handoff.toml that apply, in order, then the hand-over."""
    t = cues()["next_step"]
    parts = []
    if signals is not None:
        if signals.waiting_minutes is not None and signals.waiting_minutes >= t["reply_first_after_minutes"]:
            parts.append(t["waiting"].format(waiting=humanize_minutes(signals.waiting_minutes)))
        sla = signals.sla
        near = rules.threshold("sla_used_share") or 0.75
        if sla is not None and sla.breached:
            parts.append(
                t["sla_missed"].format(target=sla.target, overdue=humanize_minutes(sla.minutes_left))
            )
        elif sla is not None and (sla.used_share or 0.0) >= near:
            parts.append(
                t["sla_near"].format(target=sla.target, minutes_left=humanize_minutes(sla.minutes_left))
            )
        same = [c for c in signals.repeat_contacts if c.same_problem and c.same_requester]
        if same:
            parts.append(t["repeat"].format(tickets=", ".join(f"#{c.ticket_id}" for c in same)))
        high = rules.threshold("frustration") or 0.6
        if signals.frustration.score >= high:
            parts.append(t["frustration"])
    why = route.reason.removeprefix(f"{route.group}: ")
    parts.append(t["hand"].format(group=route.group, why=why))
    return Fact(" ".join(parts))


# -- building ----------------------------------------------------------------------------------


def _trusted(llm: LLM, min_params: int | None, notes: list[str]) -> bool:
    from assist.answering import model_params
    from assist.config import LLMSettings

    floor = LLMSettings().trusted_min_params if min_params is None else min_params
    params = model_params(llm)
    if floor and (params is None or params < floor):
        size = f"{params / 1e6:.0f}M-parameter" if params else "unknown-size"
        notes.append(f"A small ({size}) model is not asked to re-phrase the issue; it is quoted.")
        return False
    return True


def build_handoff(
    ticket: Ticket,
    signals: TicketSignals | None,
    rules: EscalationRules,
    *,
    history: Sequence[Ticket] = (),
    consulted: Sequence[ConsultedArticle] = (),
    llm: LLM | None = None,
    now: datetime | None = None,
    encode: Encode | None = None,
    trusted_min_params: int | None = None,
) -> Handoff:
    """The summary of `ticket` for the next person.

    Args:
        signals: `compute_signals` of the ticket (compute it on `without_instructions(ticket)` so
            injected text cannot raise the urgency); None = no mood, wait or SLA facts.
        history: The requester's other tickets, for repeat contacts when `signals` has none.
        consulted: The articles the agent consulted (`ConsultedLog.for_ticket`); their sections
            also steer routing.
        llm: Optional; may re-phrase the issue, kept only if it passes the checks.
        now: For repeat contacts from `history` (default: now).
        encode: The embedder's `encode`, to check the model's sentences by meaning (None: by
            shared words, stricter).
        trusted_min_params: `llm.trusted_min_params` (default: its default, 1B). A smaller model,
            or one of unknown size, is not asked: like answers, its fluent sentences can pass the
            checks and still shift the meaning ("the customer has a solid red light").
    """
    now = now or datetime.now(UTC)
    notes: list[str] = []
    contacts: Sequence[RepeatContact] = signals.repeat_contacts if signals is not None else ()
    if not contacts and history:
        contacts = repeat_contacts(
            ticket,
            history,
            now,
            lookback_days=rules.lookback_days,
            same_problem_similarity=rules.same_problem_similarity,
            include_organization=rules.include_organization,
        )
    injected = instruction_messages(ticket)
    if injected:
        ids = ", ".join(m.id for m in injected)
        notes.append(
            f"Message {ids} contains instructions (to an AI or about the ticket's handling); "
            "treated as data: not quoted, not followed, not used for routing."
        )
    articles = strongest(consulted)
    route = choose_route(
        without_instructions(ticket), signals, rules, [a.section for a in articles if a.section]
    )
    issue = _issue(ticket)
    phrased_by = EXTRACTIVE
    if (
        llm is not None
        and issue
        and issue[0].message_id is not None
        and _trusted(llm, trusted_min_params, notes)
    ):
        from assist.escalation.rephrase import rephrase_issue

        result = rephrase_issue(
            llm,
            ticket,
            [f.quote for f in issue],
            encode=encode,
            max_sentences=cues()["issue"]["max_sentences"],
        )
        notes.extend(result.notes)
        if result.sentences:
            at = {m.id: _utc(m.created_at) for m in ticket.messages}
            issue = [
                Fact(s.text, s.message_id, at.get(s.message_id or ""), s.quote) for s in result.sentences
            ]
            phrased_by = result.model
    return Handoff(
        ticket_id=ticket.id,
        subject=ticket.subject if not is_instruction(ticket.subject) else "(subject reads like instructions)",
        customer=tuple(_customer(ticket, contacts, rules.lookback_days)),
        issue=tuple(issue),
        timeline=tuple(_timeline(ticket, signals)),
        tried=tuple(_tried(ticket)),
        articles=tuple(_articles(articles)),
        mood=tuple(_mood(ticket, signals)),
        next_step=_next_step(signals, rules, route),
        target_group=route.group,
        target_reason=route.reason,
        phrased_by=phrased_by,
        notes=tuple(notes),
    )


# -- the note ----------------------------------------------------------------------------------

_SECTIONS = (
    ("customer", "Customer", "No requester details."),
    ("issue", "Issue", "No description."),
    ("timeline", "Timeline", "No messages."),
    ("tried", "Already tried", "Nothing recorded in the replies or notes."),
    ("articles", "KB articles consulted", "None recorded in the sidebar."),
    ("mood", "Customer mood", "Not computed."),
)


def reference(fact: Fact) -> str:
    """ "[1003-3 · 2026-11-18 19:40 UTC]"; "" for a fact that comes from no message."""
    if fact.message_id is None:
        return ""
    when = f" · {_utc(fact.at):%Y-%m-%d %H:%M} UTC" if fact.at is not None else ""
    return f"[{fact.message_id}{when}]"


def render_note(handoff: Handoff) -> str:
    """The summary as an internal note: plain text with light Markdown, every fact that comes
    from a message followed by its [message id · time] reference. Facts from internal notes say
    "internal" in their text."""
    lines = [
        f"**Handoff summary: #{handoff.ticket_id} {handoff.subject}**",
        f"Hand to: {handoff.target_group}",
    ]
    for attr, title, empty in _SECTIONS:
        facts: tuple[Fact, ...] = getattr(handoff, attr)
        lines += ["", f"**{title}**"]
        if not facts:
            lines.append(f"- {empty}")
        for fact in facts:
            quoted = f": “{_clip(fact.quote, 160)}”" if fact.quote and fact.quote not in fact.text else ""
            ref = reference(fact)
            lines.append(f"- {fact.text}{quoted}" + (f" {ref}" if ref else ""))
    lines += ["", "**Next step**", handoff.next_step.text]
    lines += ["", "**Suggested group**", handoff.target_reason]
    source = (
        "quoted from the ticket"
        if handoff.phrased_by == EXTRACTIVE
        else f"the issue re-phrased by {handoff.phrased_by} and checked against the customer's messages"
    )
    lines += ["", f"_Agent Assist summary, {source}; [references] point at the messages._"]
    lines += [f"_Check: {n}_" for n in handoff.notes]
    return "\n".join(lines)
