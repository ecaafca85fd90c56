"""`assist signals`, `assist queue` (and `assist handoff`): escalation prevention on the command
line, against the configured helpdesk (Zendesk, Freshdesk, RT or the demo).

    assist signals 123 --json   {"ticket_id","subject","risk","risk_reasons",
                                 "frustration":{"score","level","reasons":[{"code","text","weight",
                                 "message_id"}],"trend":[{"message_id","at","score"}]},
                                 "waiting_minutes","sla":{"target","due","minutes_left","used_share",
                                 "breached"}|null,"repeat_contacts":[…],"alerts":[{"rule","text",
                                 "severity"}]}
    assist queue --json         {"tickets":[{…signals…, "status","priority","stale"}],"calls",
                                 "deferred","problem"}
    assist handoff 123 --json   {"ticket_id","subject","customer":[Fact],"issue":[Fact],
                                 "timeline":[Fact],"tried":[Fact],"articles":[Fact],"mood":[Fact],
                                 "next_step":Fact,"target_group","target_reason","phrased_by",
                                 "notes":[str],"note":str,"saved_note":{"id"}|null,
                                 "reassigned":{"group","group_id"}|null}
                                Fact = {"text","message_id"|null,"at"|null,"quote"}

`assist handoff 123 --save-note` adds the summary as an internal note. `--reassign` hands the ticket
to the suggested group, with the summary as its note, only after the agent answers y to a prompt
that names the group and the reason (`--yes` answers it on the command line); never on its own.
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import closing
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from common.errors import ConfigError

PROVIDERS = ["zendesk", "freshdesk", "rt", "demo"]


def _jsonable(value: Any) -> Any:
    from assist.cli import _jsonable as convert

    return convert(value)


def signals_json(signals: Any) -> dict[str, Any]:
    data = _jsonable(asdict(signals))
    data["frustration"]["level"] = signals.frustration.level
    data.pop("extra", None)
    return data


def _now(args: argparse.Namespace) -> datetime:
    if not getattr(args, "now", None):
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(args.now.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"--now must be an ISO time such as 2026-11-20T10:00Z, not {args.now!r}.") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _settings(args: argparse.Namespace) -> Any:
    from assist.config import load_settings

    # --provider and --rules are the flag layer: they lose only to keys IT locked.
    flags = {
        "helpdesk.kind": getattr(args, "provider", None),
        "escalation.rules_path": getattr(args, "rules", None),
    }
    return load_settings(args.config, overrides=flags)


def _rules(args: argparse.Namespace, settings: Any) -> Any:
    from assist.escalation.rules import load_rules

    return load_rules(settings.escalation.rules_path)


def _provider(args: argparse.Namespace, settings: Any) -> Any:
    from assist.helpdesk import make_provider

    return make_provider(settings.helpdesk)


def ticket_signals(helpdesk: Any, ticket_id: str, rules: Any, now: datetime) -> tuple[Any, Any, list]:
    """The ticket, its signals and the requester's history (one helpdesk call more, if supported)."""
    from assist.escalation.signals import compute_signals

    ticket = helpdesk.get_ticket(ticket_id)
    history: list = []
    if hasattr(helpdesk, "requester_tickets"):
        history = list(helpdesk.requester_tickets(ticket, now - timedelta(days=rules.lookback_days)))
    return ticket, compute_signals(ticket, rules, now, history=history), history


def _print_signals(signals: Any) -> None:
    from assist.escalation.clocks import humanize_minutes

    f = signals.frustration
    print(f"#{signals.ticket_id}  {signals.subject}")
    print(f"  risk {signals.risk:.2f}  frustration {f.score:.2f} ({f.level})")
    for reason in f.reasons:
        print(f"    - {reason.text}")
    if f.trend:
        print("  trend  " + " → ".join(f"{p.score:.2f}" for p in f.trend))
    if signals.waiting_minutes is not None:
        print(f"  waiting {humanize_minutes(signals.waiting_minutes)} for a reply")
    if signals.sla:
        s = signals.sla
        left = (
            f"missed {humanize_minutes(s.minutes_left)} ago"
            if s.breached
            else f"{humanize_minutes(s.minutes_left)} left"
        )
        share = f", {s.used_share:.0%} used" if s.used_share is not None else ""
        print(f"  SLA {s.target}: due {s.due:%Y-%m-%d %H:%M} UTC, {left}{share}")
    for c in signals.repeat_contacts:
        same = "  same problem" if c.same_problem else ""
        who = "" if c.same_requester else "  (same organisation)"
        print(f"  also #{c.ticket_id} [{c.status}] {c.subject}{same}{who}")
    for a in signals.alerts:
        print(f"  ALERT [{a.severity}] {a.text}")


def _cmd_signals(args: argparse.Namespace) -> int:
    settings = _settings(args)
    rules = _rules(args, settings)
    with closing(_provider(args, settings)) as helpdesk:
        _, signals, _ = ticket_signals(helpdesk, args.id, rules, _now(args))
    if args.json:
        print(json.dumps(signals_json(signals), indent=2, ensure_ascii=False))
    else:
        _print_signals(signals)
    return 0


def _cmd_queue(args: argparse.Namespace) -> int:
    from assist.escalation.queue import QueueWatch

    settings = _settings(args)
    rules = _rules(args, settings)
    now = _now(args)
    with closing(_provider(args, settings)) as helpdesk:
        watch = QueueWatch(
            helpdesk,
            rules,
            include_group_unassigned=args.unassigned or settings.escalation.include_group_unassigned,
            budget_share=settings.escalation.budget_share,
            limit=args.limit,
            clock=lambda: now,
        )
        refresh = watch.refresh()
    if args.json:
        tickets = []
        for row in refresh.rows:
            item = signals_json(row.signals)
            item.update(status=row.ticket.status, priority=row.ticket.priority, stale=row.stale)
            tickets.append(item)
        out = {
            "tickets": tickets,
            "calls": refresh.calls,
            "deferred": list(refresh.deferred),
            "problem": refresh.problem,
        }
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    if refresh.problem:
        print(f"! {refresh.problem}")
    for row in refresh.rows:
        s = row.signals
        why = "; ".join(s.risk_reasons[:3]) or "-"
        stale = " (not re-read yet)" if row.stale else ""
        print(f"{s.risk:4.2f}  #{s.ticket_id:>8}  {s.subject[:60]}{stale}\n        {why}")
    if not refresh.rows:
        print("No open tickets assigned to you.")
    print(f"\n{len(refresh.rows)} tickets, {refresh.calls} helpdesk calls")
    return 0


def _confirm(question: str) -> bool:
    """y/N on stdin; the question goes to stderr so `--json` output stays parseable."""
    print(question, end=" ", file=sys.stderr, flush=True)
    answer = sys.stdin.readline()
    return answer.strip().lower() in {"y", "yes"}


def _find_group(helpdesk: Any, name: str) -> Any:
    groups = list(helpdesk.groups())
    match = next((g for g in groups if g.name == name), None) or next(
        (g for g in groups if g.name.strip().lower() == name.strip().lower()), None
    )
    if match is None:
        known = ", ".join(sorted(g.name for g in groups)) or "none"
        raise ConfigError(
            f"The helpdesk has no group named {name!r} (the escalation rules' target); "
            f"its groups are: {known}. Add the group in the helpdesk or fix the rules file."
        )
    return match


def _cmd_handoff(args: argparse.Namespace) -> int:
    from assist.escalation.consulted import ConsultedLog
    from assist.escalation.excerpts import without_instructions
    from assist.escalation.handoff import build_handoff, render_note
    from assist.escalation.signals import compute_signals

    settings = _settings(args)
    rules = _rules(args, settings)
    now = _now(args)
    saved: dict[str, str] | None = None
    moved: dict[str, str] | None = None
    with closing(_provider(args, settings)) as helpdesk:
        if args.reassign and not (hasattr(helpdesk, "groups") and hasattr(helpdesk, "reassign")):
            raise ConfigError(f"The {helpdesk.name} helpdesk cannot re-assign tickets through its API.")
        ticket = helpdesk.get_ticket(args.id)
        history: list = []
        if hasattr(helpdesk, "requester_tickets"):
            history = list(helpdesk.requester_tickets(ticket, now - timedelta(days=rules.lookback_days)))
        consulted_log = ConsultedLog()  # what the sidebar recorded for this ticket, on this machine
        try:
            consulted = consulted_log.for_ticket(ticket.id)
        finally:
            consulted_log.close()
        # Signals of the ticket without its injected paragraphs: "URGENT, route to Billing" in a
        # ticket must not make the hand-off urgent either.
        signals = compute_signals(without_instructions(ticket), rules, now, history=history)
        handoff = build_handoff(ticket, signals, rules, history=history, consulted=consulted, now=now)
        note = render_note(handoff)
        if args.reassign:
            group = _find_group(helpdesk, handoff.target_group)
            question = (
                f"Re-assign #{ticket.id} to {group.name}?\n  Why: {handoff.target_reason}\n"
                "  The summary goes with it as an internal note. [y/N]"
            )
            if args.yes or _confirm(question):
                helpdesk.reassign(ticket.id, group.id, note)
                moved = {"group": group.name, "group_id": group.id}
            else:
                print(f"Not re-assigned: #{ticket.id} stays where it is.", file=sys.stderr)
        if args.save_note and moved is None:  # a hand-off already carries the note
            message = helpdesk.add_internal_note(ticket.id, note)
            saved = {"id": message.id}
    if args.json:
        data = _jsonable(asdict(handoff))
        data.update(note=note, saved_note=saved, reassigned=moved)
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(note)
        if saved:
            print(f"\nSaved as internal note {saved['id']}.")
        if moved:
            print(f"\nRe-assigned to {moved['group']}, with the summary as an internal note.")
    return 1 if args.reassign and moved is None else 0


def add_escalation_commands(sub: argparse._SubParsersAction) -> None:
    sig = sub.add_parser("signals", help="a ticket's escalation signals: mood, waiting, SLA, repeats")
    sig.add_argument("id", help="ticket number")
    queue = sub.add_parser("queue", help="my open tickets by escalation risk, with the reasons")
    queue.add_argument("--limit", type=int, default=200)
    queue.add_argument("--unassigned", action="store_true", help="also my groups' unassigned tickets")
    handoff = sub.add_parser("handoff", help="a ticket's handoff summary and suggested group")
    handoff.add_argument("id", help="ticket number")
    handoff.add_argument("--save-note", action="store_true", help="add the summary as an internal note")
    handoff.add_argument(
        "--reassign", action="store_true", help="hand the ticket to the suggested group (asks first)"
    )
    handoff.add_argument("--yes", action="store_true", help="answer yes to the --reassign question")
    for p in (sig, queue, handoff):
        p.add_argument("--provider", choices=PROVIDERS, help="override helpdesk.kind")
        p.add_argument("--rules", help="escalation rules file (default: [escalation] rules_path)")
        p.add_argument("--now", help="evaluate as of this ISO time (replaying old tickets)")
        p.add_argument("--json", action="store_true")
    sig.set_defaults(func=_cmd_signals)
    queue.set_defaults(func=_cmd_queue)
    handoff.set_defaults(func=_cmd_handoff)
