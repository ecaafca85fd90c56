"""The team's escalation rules file (TOML): alert thresholds, repeat-contact window, risk scaling
and handoff routing. Parsed once into frozen values; a mistake in the file is a `ConfigError`
naming the rule, so a team lead sees what to fix."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from common.errors import ConfigError

SIGNALS = ("waiting_minutes", "sla_used_share", "sla_breached", "frustration", "contacts", "same_problem")
SEVERITIES = ("info", "warning", "critical")
REARM = ("on_clear", "never")


@dataclass(frozen=True, slots=True)
class AlertRule:
    name: str
    signal: str
    at_least: float
    text: str
    severity: str = "warning"
    rearm: str = "on_clear"


@dataclass(frozen=True, slots=True)
class Route:
    group: str
    reason: str
    tags: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    urgent_group: str = ""


@dataclass(frozen=True, slots=True)
class EscalationRules:
    alerts: tuple[AlertRule, ...]
    routes: tuple[Route, ...] = ()
    snooze_minutes: float = 60.0
    lookback_days: int = 7
    same_problem_similarity: float = 0.36
    same_problem_similarity_embedder: float = 0.72
    include_organization: bool = True
    waiting_half_minutes: float = 180.0
    contacts_full: int = 4
    risk_spread: float = 0.25
    urgent_risk: float = 0.7
    default_group: str = "Tier 2"
    default_reason: str = "no routing rule matched"
    source: str = "built-in"

    def threshold(self, signal: str) -> float | None:
        """The lowest threshold any alert sets on `signal` (the queue view marks values past it)."""
        values = [r.at_least for r in self.alerts if r.signal == signal]
        return min(values) if values else None


def builtin_rules_text() -> str:
    return resources.files("assist.data").joinpath("escalation_rules.toml").read_text(encoding="utf-8")


def load_rules(path: Path | str | None = None) -> EscalationRules:
    """The rules at `path`, or the built-in ones when `path` is empty."""
    if not path:
        return parse_rules(builtin_rules_text(), source="built-in")
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"The escalation rules file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"The escalation rules file {path} cannot be read: {exc}") from None
    return parse_rules(text, source=str(path))


def _num(table: Mapping[str, Any], key: str, default: float, where: str) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where} {key} must be a number, not {value!r}.")
    return float(value)


def _strings(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, ())
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} {key} must be a list of strings.")
    return tuple(v.strip() for v in value if v.strip())


def parse_rules(text: str, source: str = "rules") -> EscalationRules:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"The escalation rules ({source}) are not valid TOML: {exc}") from None
    alerts: list[AlertRule] = []
    seen: set[str] = set()
    for i, raw in enumerate(data.get("alert", ()), 1):
        where = f"[[alert]] #{i} ({source})"
        if not isinstance(raw, dict):
            raise ConfigError(f"{where} must be a table.")
        name = str(raw.get("name") or "").strip()
        if not name or name in seen:
            raise ConfigError(f"{where} needs a unique name (got {name!r}).")
        seen.add(name)
        signal = raw.get("signal")
        if signal not in SIGNALS:
            raise ConfigError(f"{where} signal must be one of {', '.join(SIGNALS)}, not {signal!r}.")
        severity = raw.get("severity", "warning")
        if severity not in SEVERITIES:
            raise ConfigError(f"{where} severity must be one of {', '.join(SEVERITIES)}.")
        rearm = raw.get("rearm", "on_clear")
        if rearm not in REARM:
            raise ConfigError(f"{where} rearm must be 'on_clear' or 'never'.")
        alerts.append(
            AlertRule(
                name=name,
                signal=signal,
                at_least=_num(raw, "at_least", 0, where),
                text=str(raw.get("text") or name),
                severity=severity,
                rearm=rearm,
            )
        )
    routes: list[Route] = []
    for i, raw in enumerate(data.get("route", ()), 1):
        where = f"[[route]] #{i} ({source})"
        if not isinstance(raw, dict) or not str(raw.get("group") or "").strip():
            raise ConfigError(f"{where} needs a group.")
        routes.append(
            Route(
                group=str(raw["group"]).strip(),
                reason=str(raw.get("reason") or raw["group"]),
                tags=tuple(t.lower() for t in _strings(raw, "tags", where)),
                keywords=_strings(raw, "keywords", where),
                sections=_strings(raw, "sections", where),
                urgent_group=str(raw.get("urgent_group") or "").strip(),
            )
        )
    repeat = data.get("repeat", {})
    risk = data.get("risk", {})
    routing = data.get("routing", {})
    alerts_table = data.get("alerts", {})
    rules = EscalationRules(
        alerts=tuple(alerts),
        routes=tuple(routes),
        snooze_minutes=_num(alerts_table, "snooze_minutes", 60, "[alerts]"),
        lookback_days=int(_num(repeat, "lookback_days", 7, "[repeat]")),
        same_problem_similarity=_num(repeat, "same_problem_similarity", 0.36, "[repeat]"),
        same_problem_similarity_embedder=_num(repeat, "same_problem_similarity_embedder", 0.72, "[repeat]"),
        include_organization=bool(repeat.get("include_organization", True)),
        waiting_half_minutes=_num(risk, "waiting_half_minutes", 180, "[risk]"),
        contacts_full=int(_num(risk, "contacts_full", 4, "[risk]")),
        risk_spread=_num(risk, "spread", 0.25, "[risk]"),
        urgent_risk=_num(routing, "urgent_risk", 0.7, "[routing]"),
        default_group=str(routing.get("default_group") or "Tier 2"),
        default_reason=str(routing.get("default_reason") or "no routing rule matched"),
        source=source,
    )
    if rules.lookback_days < 1 or rules.contacts_full < 1 or rules.waiting_half_minutes <= 0:
        raise ConfigError(
            f"[repeat] lookback_days, [risk] contacts_full and waiting_half_minutes ({source}) "
            "must be positive."
        )
    return rules
