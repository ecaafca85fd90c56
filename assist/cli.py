"""`assist`: the command line. Each command group registers itself with a small `_add_*` function;
heavy imports (models, Chroma, httpx) happen inside the handlers, so `assist --help` is instant.

    assist search "text" [--db DIR] [--k 10] [--json] | --queries FILE.jsonl
    assist ask "question" | --ticket FILE [--db DIR] [--json]
    assist eval TICKETS.jsonl --db DIR
    assist ticket show 123 [--provider rt] [--json]
    assist ticket mine [--limit 20] [--json]
    assist signals 123 [--json];  assist queue [--json];  assist handoff 123 [--json]
    assist watcher install [--extension-id ID] [--system];  assist watcher host (what the browser starts)
    assist config show [--json]
    assist --self-test [--with-helpdesk]   (offline check of the models, index, answer, draft)

Flags that name a setting (`--provider` → helpdesk.kind, `--rules` → escalation.rules_path,
`--tone` → answer.tone) are the top configuration layer (`load_settings(overrides=…)`): they win
over the files and the environment, except for keys IT locked in the system file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from common.errors import AssistError


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def ticket_to_json(ticket: Any) -> dict[str, Any]:
    return _jsonable(asdict(ticket))


def _provider(args: argparse.Namespace):
    from assist.config import load_settings
    from assist.helpdesk import make_provider

    settings = load_settings(args.config, overrides={"helpdesk.kind": getattr(args, "provider", None)})
    return make_provider(settings.helpdesk)


def _print_ticket(ticket: Any) -> None:
    sla = ""
    if ticket.sla and (ticket.sla.first_response_due or ticket.sla.resolution_due):
        due = ticket.sla.first_response_due or ticket.sla.resolution_due
        sla = f"  SLA due {due:%Y-%m-%d %H:%M} UTC" + ("  BREACHED" if ticket.sla.breached else "")
    print(f"#{ticket.id}  {ticket.subject}")
    who = f"{ticket.requester_name} <{ticket.requester_email}>"
    print(f"  {ticket.status}  priority {ticket.priority or '-'}  {who}{sla}")
    if ticket.tags:
        print(f"  tags: {', '.join(ticket.tags)}")
    for m in ticket.messages:
        when = f"{m.created_at:%Y-%m-%d %H:%M}" if m.created_at else ""
        kind = "" if m.public else " [internal]"
        print(f"\n--- {m.author_name} ({m.author_role}){kind} {when}\n{m.body}")


def _cmd_ticket_show(args: argparse.Namespace) -> int:
    from contextlib import closing

    with closing(_provider(args)) as helpdesk:
        ticket = helpdesk.get_ticket(args.id)
    if args.json:
        print(json.dumps(ticket_to_json(ticket), indent=2, ensure_ascii=False))
    else:
        _print_ticket(ticket)
    return 0


def _cmd_ticket_mine(args: argparse.Namespace) -> int:
    from contextlib import closing

    with closing(_provider(args)) as helpdesk:
        tickets = helpdesk.my_open_tickets(limit=args.limit)
    if args.json:
        print(json.dumps([ticket_to_json(t) for t in tickets], indent=2, ensure_ascii=False))
    else:
        for t in tickets:
            print(f"#{t.id:>8}  {t.status:<8} {t.priority or '-':<7} {t.subject}")
        if not tickets:
            print("No open tickets assigned to you.")
    return 0


def _cmd_watcher_install(args: argparse.Namespace) -> int:
    from assist.watcher.install import install

    result = install(args.extension_id or None, system=args.system)
    print(f"Native-messaging host: {result.launcher}")
    for path in result.manifests:
        print(f"  manifest {path}")
    for key in result.registry_keys:
        print(f"  registry {key}")
    if args.system:
        print("Every user's browser now finds the host; deploy the extension by policy (README).")
    else:
        print("Load extension/chromium (or extension/firefox) in the browser, then open a ticket.")
    return 0


def _cmd_watcher_host(args: argparse.Namespace) -> int:
    from assist.watcher.native_host import main as host_main

    return host_main()


def _add_ticket_commands(sub: argparse._SubParsersAction) -> None:
    ticket = sub.add_parser("ticket", help="read tickets from the configured helpdesk")
    tsub = ticket.add_subparsers(dest="ticket_cmd", required=True)
    show = tsub.add_parser("show", help="print one ticket with its conversation")
    show.add_argument("id", help="ticket number (#123 works too)")
    show.add_argument(
        "--provider", choices=["zendesk", "freshdesk", "rt", "demo"], help="override helpdesk.kind"
    )
    show.add_argument("--json", action="store_true", help="print the normalized ticket as JSON")
    show.set_defaults(func=_cmd_ticket_show)
    mine = tsub.add_parser("mine", help="list my open tickets")
    mine.add_argument(
        "--provider", choices=["zendesk", "freshdesk", "rt", "demo"], help="override helpdesk.kind"
    )
    mine.add_argument("--limit", type=int, default=50)
    mine.add_argument("--json", action="store_true")
    mine.set_defaults(func=_cmd_ticket_mine)


def _add_watcher_commands(sub: argparse._SubParsersAction) -> None:
    watcher = sub.add_parser("watcher", help="the browser extension's native-messaging host")
    wsub = watcher.add_subparsers(dest="watcher_cmd", required=True)
    inst = wsub.add_parser("install", help="register the native-messaging host for this user (or --system)")
    inst.add_argument(
        "--extension-id",
        action="append",
        help="Chromium extension id allowed to talk to the host (repeatable; default: the unpacked one)",
    )
    inst.add_argument(
        "--system",
        action="store_true",
        help="register it for every user of this machine, in the browsers' system-wide locations "
        "(needs root/administrator; for IT)",
    )
    inst.set_defaults(func=_cmd_watcher_install)
    # What the launcher runs in the PyInstaller app; the browser appends the caller's origin.
    host = wsub.add_parser("host", help="run the native-messaging host (the browser starts it)")
    host.add_argument("browser_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    host.set_defaults(func=_cmd_watcher_host)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assist",
        description="Agent Assist command line",
        epilog="`assist --self-test [--with-helpdesk]` checks this installation offline (exit 0 = all pass).",
    )
    parser.add_argument("--config", type=_path, default=None, help="config.toml (default: user config dir)")
    sub = parser.add_subparsers(dest="command", required=True)
    from assist.cli_kb import add_kb_commands

    add_kb_commands(sub, _path)
    from assist.cli_escalation import add_escalation_commands

    add_escalation_commands(sub)
    from assist.cli_config import add_config_commands

    add_config_commands(sub)
    _add_ticket_commands(sub)
    _add_watcher_commands(sub)
    return parser


def _path(value: str):
    from pathlib import Path

    return Path(value).expanduser()


def _setup_logging(args: argparse.Namespace) -> None:
    from assist.config import debug_logging
    from common.logs import setup_logging

    # The native-messaging host runs beside the sidebar all day: a file of its own, so that two
    # processes never rotate the same file.
    app = "assist-watcher" if args.command == "watcher" else "assist"
    setup_logging(app, debug=debug_logging(args.config))


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from assist.selftest import wants_self_test

    if wants_self_test(argv):  # `assist --self-test [--with-helpdesk]`: before the sub-commands
        from assist.selftest import main as self_test_main

        return self_test_main(argv, prog="assist")
    args = build_parser().parse_args(argv)
    _setup_logging(args)
    try:
        return args.func(args)
    except AssistError as exc:
        print(f"assist: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `assist search … | head`: the reader left; not an error
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
