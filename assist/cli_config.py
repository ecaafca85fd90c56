"""`assist config show [--json]`: every setting's effective value and the layer it came from.

    assist config show
    assist config show --json   {"system_file":{"path","exists"},"user_file":{"path","exists"},
                                 "locked":[pattern],"settings":{"helpdesk.url":{"value","layer",
                                 "source","locked"},…},"secrets":{"helpdesk.token":"set (keyring)"},
                                 "log_dir":path,"warnings":[str]}

Layers: default < system < user < env < flag (`assist.layers`). The token is never printed, only
where it is: "set (keyring)", "set (env ASSIST_HELPDESK_TOKEN)" or "not set". The whole output is
also passed through the token's redaction, so a token pasted into another setting (a URL with
credentials in it) is masked as well.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def _value_text(value: Any) -> str:
    return json.dumps(list(value) if isinstance(value, tuple) else value, ensure_ascii=False)


def config_report(
    effective: Any,
    token_status: str,
    log_folder: str,
    index_token_status: str = "not needed (no index server)",
) -> dict[str, Any]:
    """The JSON form of `assist config show` (no secret in it but the tokens' status)."""
    return {
        "system_file": {"path": str(effective.system_path), "exists": effective.system_path.exists()},
        "user_file": {
            "path": str(effective.user_path) if effective.user_path else None,
            "exists": bool(effective.user_path and effective.user_path.exists()),
        },
        "locked": list(effective.locked),
        "settings": {
            key: {
                "value": list(o.value) if isinstance(o.value, tuple) else o.value,
                "layer": o.layer,
                "source": o.source,
                "locked": o.locked,
            }
            for key, o in effective.provenance.items()
        },
        "secrets": {"helpdesk.token": token_status, "index.token": index_token_status},
        "log_dir": log_folder,
        "warnings": list(effective.warnings),
    }


def _text(report: dict[str, Any]) -> str:
    def file_line(label: str, info: dict[str, Any]) -> str:
        if info["path"] is None:
            return f"{label:<12} (not read)"
        return f"{label:<12} {info['path']}" + ("" if info["exists"] else "  (not present)")

    lines = [
        file_line("System file", report["system_file"]),
        file_line("User file", report["user_file"]),
        f"{'Logs':<12} {report['log_dir']}",
        f"{'Locked':<12} {', '.join(report['locked']) or 'nothing'}",
        "",
        "Later layers win: default < system < user < env < flag; a locked key keeps the system value.",
        "",
    ]
    rows = [(key, _value_text(s["value"]), s) for key, s in report["settings"].items()]
    rows.extend((key, status, None) for key, status in report["secrets"].items())
    key_width = max(len(key) for key, _, _ in rows)
    value_width = min(40, max(len(value) for _, value, _ in rows))
    for key, value, origin in rows:
        where = "secret, never shown" if origin is None else f"{origin['layer']:<7} {origin['source']}"
        lock = "  LOCKED (set by your IT department)" if origin and origin["locked"] else ""
        lines.append(f"{key:<{key_width}}  {value:<{value_width}}  {where}{lock}")
    return "\n".join(lines)


def _cmd_config_show(args: argparse.Namespace) -> int:
    from assist.config import effective_settings
    from assist.helpdesk._http import redact
    from assist.secrets import get_index_token, get_token, index_token_status, token_status
    from common.paths import log_dir

    effective = effective_settings(args.config)
    helpdesk, index = effective.settings.helpdesk, effective.settings.index
    statuses = token_status(helpdesk), str(log_dir()), index_token_status(index.server)
    report = config_report(effective, *statuses)
    out = json.dumps(report, indent=2, ensure_ascii=False) if args.json else _text(report)
    tokens = [t for t in (get_token(helpdesk), get_index_token(index.server) if index.server else None) if t]
    print(redact(out, tokens))
    if not args.json:
        for warning in effective.warnings:
            print(f"warning: {redact(warning, tokens)}", file=sys.stderr)
    return 0


def add_config_commands(sub: argparse._SubParsersAction) -> None:
    config = sub.add_parser("config", help="the settings in effect and where each comes from")
    csub = config.add_subparsers(dest="config_cmd", required=True)
    show = csub.add_parser(
        "show", help="each setting's value and its layer (default, system, user, env, flag); no secrets"
    )
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(func=_cmd_config_show)
