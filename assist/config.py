"""Settings: one `Settings` with a sub-section per concern, loaded once in `main()` and passed down.

Layers, later wins (`assist.layers`): built-in defaults < the system file IT deploys
(`common.paths.system_config_file()`: `/etc/agent-assist/config.toml`,
`%PROGRAMDATA%\\AgentAssist\\config.toml`, `/Library/Application Support/AgentAssist/config.toml`)
< the user's `config.toml` in `common.paths.config_dir()` < environment (`ENV_OVERRIDES`) < flags
(`overrides={"helpdesk.kind": "rt"}`). Keys the system file locks keep its value whatever the
later layers say; `effective_settings()` tells where each value came from (`assist config show`).

    [helpdesk]
    kind = "zendesk"                    # zendesk | freshdesk | rt | demo
    url = "https://acme.zendesk.com"
    email = "agent@acme.com"            # Zendesk API-token auth only
    auth_mode = "token"                 # zendesk: token | oauth
    clipboard_hash_ids = true           # copying "#12345" switches the sidebar
    refresh_seconds = 60
    calls_per_minute = 60               # own API cap where the helpdesk reports none (RT)

    [llm]
    model_path = ""                     # empty = ASSIST_LLM_MODEL, then the models dir, then the default
    n_ctx = 4096
    threads = 0                         # 0 = physical cores
    trusted_min_params = 1000000000     # smaller models only add verified sentences to the quote

    [answer]
    tone = "friendly"                   # friendly | concise | formal
    internal_only = ["docs:Internal/*", "confluence:space=OPS", "tag:internal"]
    company_name = "Acme"
    agent_name = "Sam"
    min_support = 0.8                   # share of supported sentences for a generated answer

    [escalation]
    rules_path = ""                     # the team's rules file; empty = built-in rules
    poll_seconds = 120                  # queue re-listing interval
    include_group_unassigned = false
    budget_share = 0.25                 # most of the helpdesk API budget the watch may use
    notify = true                       # tray notifications

    [index]
    path = ""                           # index folder or published folder; empty = user data dir
    server = ""                         # a Chroma server for the vectors, e.g. "http://kb:8000"
    refresh_seconds = 30                # a published folder's new versions are picked up this often

    [logging]
    debug = false                       # true (or ASSIST_DEBUG=1): ticket text may reach the log

    [policy]                            # the system file only
    locked = ["helpdesk.url", "helpdesk.kind", "llm.*"]

Secrets are never read from or written to this file (see `assist.secrets`); a `token` key here is
an error, so a token pasted into the file does not silently sit on disk.

Adding a section later: a frozen dataclass, a field on `Settings`,
and a line in `_SECTIONS`; `_layer_from_toml()` and `_coerce()` do the typed parsing, and a
`validate()` method, if the section has one, is called on the merged result. List values are tuples
(`tuple[str, ...]`), given in TOML as arrays or in the environment comma-separated.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from assist.layers import LayerValues, Origin, resolve
from common.errors import ConfigError

HelpdeskKind = Literal["zendesk", "freshdesk", "rt", "demo"]
Tone = Literal["friendly", "concise", "formal"]
TONES: tuple[str, ...] = get_args(Tone)
AuthMode = Literal["token", "oauth", "apikey"]
KINDS: tuple[str, ...] = get_args(HelpdeskKind)
log = logging.getLogger(__name__)
_SECRET_KEYS = {"token", "api_key", "apikey", "password", "secret", "oauth_token"}


@dataclass(frozen=True, slots=True)
class HelpdeskSettings:
    """Which helpdesk to read tickets from. No secrets here: see `assist.secrets`."""

    kind: HelpdeskKind = "demo"
    url: str = ""
    """Root URL of the helpdesk, e.g. https://acme.zendesk.com, https://acme.freshdesk.com,
    https://rt.example.com/rt (RT may live under a path)."""
    email: str = ""
    """Zendesk API-token auth signs in as `email/token`."""
    auth_mode: AuthMode = "token"
    timeout_seconds: float = 15.0
    refresh_seconds: float = 60.0
    """The active ticket is re-fetched at most this often (and only if it changed)."""
    calls_per_minute: int = 60
    """API calls per minute we allow ourselves where the helpdesk reports no budget of its own
    (RT); Zendesk and Freshdesk report theirs in every response. Background work (the queue
    watcher) uses only a share of either."""
    clipboard_hash_ids: bool = False
    """Treat a copied `#12345` as a ticket id of this helpdesk."""
    demo_path: str = ""
    """Demo helpdesk tickets file; empty = the shipped demo/tickets.jsonl."""
    demo_live_clock: bool = False
    """Move the demo tickets' times so the moment they describe is now (run-demo.sh sets it):
    waits, SLA countdowns and alerts look as written instead of days old."""

    def validate(self) -> HelpdeskSettings:
        if self.kind not in KINDS:
            raise ConfigError(f"helpdesk.kind must be one of {', '.join(KINDS)}, not {self.kind!r}.")
        if self.calls_per_minute <= 0:
            raise ConfigError(f"helpdesk.calls_per_minute must be positive, not {self.calls_per_minute}.")
        if self.auth_mode not in get_args(AuthMode):
            raise ConfigError(f"helpdesk.auth_mode must be token, oauth or apikey, not {self.auth_mode!r}.")
        if self.kind != "demo":
            if not self.url:
                raise ConfigError(
                    f"Set the {self.kind} URL (helpdesk.url in config.toml or ASSIST_HELPDESK_URL)."
                )
            if not self.url.startswith(("https://", "http://")):
                raise ConfigError(f"helpdesk.url must start with https:// (got {self.url!r}).")
        if self.kind == "zendesk" and self.auth_mode == "token" and not self.email:
            raise ConfigError(
                "Zendesk API-token sign-in needs the agent's email "
                '(helpdesk.email or ASSIST_HELPDESK_EMAIL), or auth_mode = "oauth".'
            )
        return self


@dataclass(frozen=True, slots=True)
class LLMSettings:
    """The local GGUF model that writes answers and drafts."""

    model_path: str = ""
    """A .gguf file; empty = `models.locate.resolve_llm()` (ASSIST_LLM_MODEL, models dir, bundled)."""
    n_ctx: int = 4096
    """Context window in tokens (prompt + answer); capped at what the model was trained for."""
    threads: int = 0
    """CPU threads for generation; 0 = the number of physical cores."""
    max_answer_tokens: int = 384
    max_draft_tokens: int = 320
    max_passages: int = 3
    """Passages shown to the model (condensed to what fits `max_prompt_tokens`)."""
    max_prompt_tokens: int = 640
    """Cap on what each ticket adds to the prompt (passages, ticket, task); the instructions are
    evaluated once when the model loads and stay cached. 0 = whatever the context window allows.
    Prompt evaluation is most of the wait for the first answer token on a CPU (~650 tokens/s for
    the default model on two cores); raise it for a bigger context on a faster machine."""
    temperature: float = 0.2
    trusted_min_params: int = 1_000_000_000
    """Models with fewer parameters than this (the default SmolLM2-135M) are not trusted to write
    answers: the agent gets the quoted (extractive) answer plus, at most, the generated sentences
    the articles confirm. From this size up, a generated answer that passes the sentence checks
    is shown as the answer. Small models reproduce steps but also write fluent wrong ones; 1B is
    roughly where instruction-tuned models stop inventing procedures on most tickets."""
    cpu_copy: bool = True
    """Run a small model stored in a quantization that is slow on CPUs (Q4_1, Q5_0, Q5_1; the
    default model is Q4_1) from a cached Q8_0 copy: the same weights, about twice as fast."""

    def validate(self) -> LLMSettings:
        if self.n_ctx < 256:
            raise ConfigError(f"llm.n_ctx must be at least 256 tokens (got {self.n_ctx}).")
        if self.threads < 0:
            raise ConfigError(f"llm.threads must be 0 (auto) or a positive number (got {self.threads}).")
        for name in ("max_answer_tokens", "max_draft_tokens"):
            value = getattr(self, name)
            if not 16 <= value < self.n_ctx:
                raise ConfigError(f"llm.{name} must be between 16 and n_ctx - 1 (got {value}).")
        if self.max_prompt_tokens and not 256 <= self.max_prompt_tokens <= self.n_ctx:
            raise ConfigError(
                f"llm.max_prompt_tokens must be 0 (no cap) or between 256 and n_ctx "
                f"(got {self.max_prompt_tokens})."
            )
        if not 1 <= self.max_passages <= 20:
            raise ConfigError(f"llm.max_passages must be between 1 and 20 (got {self.max_passages}).")
        if self.trusted_min_params < 0:
            raise ConfigError("llm.trusted_min_params must be 0 or more.")
        if not 0.0 <= self.temperature <= 2.0:
            raise ConfigError(f"llm.temperature must be between 0 and 2 (got {self.temperature}).")
        return self


DEFAULT_INTERNAL_ONLY: tuple[str, ...] = (
    "*:Internal/*",
    "*:*/Internal/*",
    "*:Private/*",
    "*:*/Private/*",
    "tag:internal",
    "tag:confidential",
    "tag:restricted",
)
"""Safe by default: folders named Internal or Private and the usual tags. Setting
`answer.internal_only` replaces this list (the documents' own markings still apply)."""


@dataclass(frozen=True, slots=True)
class AnswerSettings:
    """How answers and customer reply drafts are written."""

    tone: Tone = "friendly"
    """Reply draft tone: friendly, concise or formal."""
    internal_only: tuple[str, ...] = DEFAULT_INTERNAL_ONLY
    """Sources never given to the model for a customer draft, nor quoted in one. Patterns:
    `<kind>:<path glob>` (`docs:Internal/*`), `<kind>:space=<KEY>` (`confluence:space=OPS`),
    `tag:<tag glob>` (`tag:internal`); `*` as kind matches any source. A document that marks
    itself internal (front matter, tags, a banner, an Internal/Private folder; see
    `indexer.visibility`) is internal whatever this list says."""
    company_name: str = ""
    """Signed under the agent's name in drafts."""
    agent_name: str = ""
    min_support: float = 0.8
    """Least share of a generated answer's sentences that the passages must support (see
    `assist.verify`) for it to be shown; its first sentence must be supported too. Below it the
    quoted answer is shown instead, with the reason. 0.8 lets one doubtful sentence in five through,
    visibly marked; lower it and agents read more marked text, raise it to 1.0 for none."""

    def validate(self) -> AnswerSettings:
        if not 0.0 <= self.min_support <= 1.0:
            raise ConfigError(f"answer.min_support must be between 0 and 1 (got {self.min_support}).")
        if self.tone not in TONES:
            raise ConfigError(f"answer.tone must be one of {', '.join(TONES)}, not {self.tone!r}.")
        for pattern in self.internal_only:
            kind, sep, rest = pattern.partition(":")
            if not sep or not kind.strip() or not rest.strip():
                raise ConfigError(
                    f"answer.internal_only entry {pattern!r} must look like 'docs:Internal/*', "
                    "'confluence:space=OPS' or 'tag:internal'."
                )
        return self


@dataclass(frozen=True, slots=True)
class EscalationSettings:
    """The queue watch and its alerts (see `assist.escalation`)."""

    rules_path: str = ""
    """The team's rules file (TOML); empty = the built-in `assist/data/escalation_rules.toml`."""
    poll_seconds: float = 120.0
    """How often the queue is re-listed (only tickets that changed are re-read)."""
    include_group_unassigned: bool = False
    """Also watch unassigned tickets in the agent's groups."""
    budget_share: float = 0.25
    """The most of the helpdesk's API rate budget the background watch may use, so the agent's
    own work in the helpdesk never runs into the limit."""
    notify: bool = True
    """Desktop notifications from the tray (the queue view shows the alerts either way)."""

    def validate(self) -> EscalationSettings:
        if not 0.0 < self.budget_share <= 1.0:
            raise ConfigError(f"escalation.budget_share must be in (0, 1] (got {self.budget_share}).")
        if self.poll_seconds < 15:
            raise ConfigError(f"escalation.poll_seconds must be at least 15 (got {self.poll_seconds}).")
        return self


@dataclass(frozen=True, slots=True)
class IndexSettings:
    """Where the index is: a folder, a published folder on a share, and/or a Chroma server."""

    path: str = ""
    """An index folder, or a folder `assist-index --publish` writes (opened read-only, its new
    versions picked up while running). Empty = the user data dir (or the sidebar's choice)."""
    server: str = ""
    """A Chroma server (`chroma run`) holding the vectors, e.g. "http://kb.internal:8000"; empty =
    the vectors are in the index folder. The token for a proxy in front of it comes from the keyring
    or ASSIST_INDEX_TOKEN, never this file."""
    collection: str = "kb_chunks"
    token_header: str = "Authorization"
    """Where the token goes: "Authorization" sends `Bearer <token>`; any other header the token as is."""
    timeout_seconds: float = 10.0
    refresh_seconds: float = 30.0
    """How often a published folder is checked for a new version."""

    def validate(self) -> IndexSettings:
        if self.server and not self.server.startswith(("http://", "https://")):
            raise ConfigError(f"index.server must be an http:// or https:// URL (got {self.server!r}).")
        if self.timeout_seconds <= 0 or self.refresh_seconds <= 0:
            raise ConfigError("index.timeout_seconds and index.refresh_seconds must be positive.")
        return self


@dataclass(frozen=True, slots=True)
class LoggingSettings:
    """The rotated log file each entry point writes (`common.logs`)."""

    debug: bool = False
    """Log at DEBUG, with ticket text (subjects, bodies, queries, error messages) left in. Off, the
    log says what happened to which ticket id without its text."""


@dataclass(frozen=True, slots=True)
class Settings:
    helpdesk: HelpdeskSettings = field(default_factory=HelpdeskSettings)
    llm: LLMSettings = field(default_factory=LLMSettings)
    answer: AnswerSettings = field(default_factory=AnswerSettings)
    escalation: EscalationSettings = field(default_factory=EscalationSettings)
    index: IndexSettings = field(default_factory=IndexSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)


_SECTIONS: dict[str, type] = {
    "helpdesk": HelpdeskSettings,
    "llm": LLMSettings,
    "answer": AnswerSettings,
    "escalation": EscalationSettings,
    "index": IndexSettings,
    "logging": LoggingSettings,
}

# Env overrides: variable → (section, field). Enough to configure a helpdesk with no file at all.
ENV_OVERRIDES: dict[str, tuple[str, str]] = {
    "ASSIST_HELPDESK_KIND": ("helpdesk", "kind"),
    "ASSIST_HELPDESK_URL": ("helpdesk", "url"),
    "ASSIST_HELPDESK_EMAIL": ("helpdesk", "email"),
    "ASSIST_HELPDESK_AUTH_MODE": ("helpdesk", "auth_mode"),
    "ASSIST_HELPDESK_DEMO_PATH": ("helpdesk", "demo_path"),
    "ASSIST_DEMO_LIVE_CLOCK": ("helpdesk", "demo_live_clock"),
    "ASSIST_ESCALATION_RULES": ("escalation", "rules_path"),
    "ASSIST_INDEX_PATH": ("index", "path"),
    "ASSIST_INDEX_SERVER": ("index", "server"),
    "ASSIST_DEBUG": ("logging", "debug"),
}


def default_config_path() -> Path:
    from common.paths import config_dir

    return config_dir() / "config.toml"


def _coerce(value: Any, target: Any, where: str) -> Any:
    if target in (int, "int"):
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ConfigError(f"{where} must be a whole number.")
        try:
            return int(value)
        except ValueError:
            raise ConfigError(f"{where} must be a whole number, not {value!r}.") from None
    if target in (tuple[str, ...], "tuple[str, ...]"):
        # TOML gives arrays; the environment gives one comma-separated string.
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
            raise ConfigError(f"{where} must be a list of strings.")
        return tuple(i.strip() for i in items if i.strip())
    if target in (float, "float"):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ConfigError(f"{where} must be a number.")
        try:
            return float(value)
        except ValueError:
            raise ConfigError(f"{where} must be a number, not {value!r}.") from None
    if target in (bool, "bool"):
        if isinstance(value, str):
            return value.strip().lower() in {"1", "true", "yes", "on"}
        return bool(value)
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be a string.")
    return value.strip()


@dataclass(frozen=True, slots=True)
class EffectiveSettings:
    """The settings, and for every key ("helpdesk.url") its value, layer, source and lock."""

    settings: Settings
    provenance: Mapping[str, Origin]
    locked: tuple[str, ...]
    """The system file's `[policy] locked` patterns ("helpdesk.*")."""
    warnings: tuple[str, ...]
    """Ignored keys and sections, and later layers' attempts at locked keys."""
    system_path: Path
    user_path: Path | None
    """None when the user file was left out (`fallback_settings`)."""

    def is_locked(self, key: str) -> bool:
        return self.provenance[key].locked

    def locked_keys(self) -> frozenset[str]:
        return frozenset(key for key, origin in self.provenance.items() if origin.locked)


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    except OSError as exc:  # e.g. a system file only root may read: say so rather than guess
        raise ConfigError(f"{path} could not be read: {exc}") from None


def _field_types(section: str) -> dict[str, Any]:
    return {f.name: f.type for f in dataclasses.fields(_SECTIONS[section])}


def _layer_from_toml(
    data: Mapping[str, Any], layer: Literal["system", "user"], path: Path
) -> tuple[LayerValues, list[str]]:
    values: dict[str, tuple[Any, str]] = {}
    warnings: list[str] = []
    for name, raw in data.items():
        if name == "policy":
            continue  # the caller reads it from the system file, and ignores it elsewhere
        if name not in _SECTIONS:
            # Warn, don't fail: a config written by a newer version must still start this one.
            warnings.append(f"Ignoring unknown section [{name}] in {path}")
            continue
        if not isinstance(raw, dict):
            raise ConfigError(f"[{name}] in {path} must be a table.")
        fields = _field_types(name)
        for key, value in raw.items():
            if key.lower() in _SECRET_KEYS:
                raise ConfigError(
                    f"[{name}] {key} must not be in the config file: tokens live in the OS keyring "
                    "(Settings → Helpdesk) or ASSIST_HELPDESK_TOKEN. Remove it from the file."
                )
            if key not in fields:
                warnings.append(f"Ignoring unknown setting [{name}] {key} in {path}")
                continue
            values[f"{name}.{key}"] = (value, str(path))
    return LayerValues(layer, values), warnings


def _policy(data: Mapping[str, Any], path: Path) -> tuple[tuple[str, ...], list[str]]:
    """The system file's lock patterns."""
    policy = data.get("policy", {})
    if not isinstance(policy, dict):
        raise ConfigError(f"[policy] in {path} must be a table.")
    warnings = [f"Ignoring unknown setting [policy] {key} in {path}" for key in policy if key != "locked"]
    locked = policy.get("locked", [])
    if isinstance(locked, str):
        locked = [locked]
    if not isinstance(locked, list) or not all(isinstance(p, str) for p in locked):
        raise ConfigError(f'[policy] locked in {path} must be a list of keys, e.g. ["helpdesk.url"].')
    return tuple(p.strip() for p in locked if p.strip()), warnings


def _coerce_key(key: str, value: Any, source: str) -> Any:
    section, name = key.split(".", 1)
    return _coerce(value, _field_types(section)[name], f"[{section}] {name} (from {source})")


def _defaults() -> dict[str, Any]:
    return {
        f"{name}.{f.name}": getattr(instance, f.name)
        for name, cls in _SECTIONS.items()
        for instance in [cls()]
        for f in dataclasses.fields(cls)
    }


def _flags(overrides: Mapping[str, Any] | None) -> LayerValues:
    values: dict[str, tuple[Any, str]] = {}
    for key, value in (overrides or {}).items():
        if value is None:  # a flag that was not given
            continue
        section, _, name = key.partition(".")
        if section not in _SECTIONS or name not in _field_types(section):
            raise ConfigError(f"Unknown setting {key!r} (expected section.key, e.g. 'helpdesk.kind').")
        values[key] = (value, "command line")
    return LayerValues("flag", values)


def _resolve(
    user_path: Path | None,
    env: Mapping[str, str],
    overrides: Mapping[str, Any] | None,
    system_path: Path | None,
) -> EffectiveSettings:
    """`None` for a path leaves that layer out; `env` = {} leaves the environment out."""
    from common.paths import system_config_file

    layers: list[LayerValues] = []
    warnings: list[str] = []
    locked: tuple[str, ...] = ()
    shown_system = system_path or system_config_file(env)
    if system_path is not None:
        data = _read_toml(system_path)
        locked, policy_warnings = _policy(data, system_path)
        layer, layer_warnings = _layer_from_toml(data, "system", system_path)
        layers.append(layer)
        warnings += policy_warnings + layer_warnings
    if user_path is not None:
        data = _read_toml(user_path)
        if "policy" in data:
            warnings.append(
                f"Ignoring [policy] in {user_path}: only the system file ({shown_system}) can lock settings."
            )
        layer, layer_warnings = _layer_from_toml(data, "user", user_path)
        layers.append(layer)
        warnings += layer_warnings
    env_values = {f"{s}.{k}": (env[var], var) for var, (s, k) in ENV_OVERRIDES.items() if env.get(var)}
    layers += [LayerValues("env", env_values), _flags(overrides)]
    origins, lock_warnings = resolve(_defaults(), layers, locked, _coerce_key, str(shown_system))
    sections: dict[str, Any] = {}
    for name, cls in _SECTIONS.items():
        fields = [f.name for f in dataclasses.fields(cls)]
        sections[name] = cls(**{f: origins[f"{name}.{f}"].value for f in fields})
        validate = getattr(sections[name], "validate", None)
        if validate is not None:
            validate()
    return EffectiveSettings(
        settings=Settings(**sections),
        provenance=origins,
        locked=locked,
        warnings=tuple(warnings + lock_warnings),
        system_path=shown_system,
        user_path=user_path,
    )


def _user_path(path: Path | None, env: Mapping[str, str]) -> Path:
    if path is not None:
        return path
    return Path(env["ASSIST_CONFIG"]) if env.get("ASSIST_CONFIG") else default_config_path()


def effective_settings(
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    system_path: Path | None = None,
) -> EffectiveSettings:
    """All five layers, validated, with where each value came from; warnings are returned, not logged.

    Args:
        path: The user file; None = `ASSIST_CONFIG`, then `config.toml` in the user config dir.
        environ: The environment (default `os.environ`): `ENV_OVERRIDES`, `ASSIST_CONFIG`,
            `ASSIST_SYSTEM_CONFIG`.
        overrides: Flags, as dotted keys: `{"helpdesk.kind": "rt"}`; None values are skipped.
        system_path: The system file; None = `common.paths.system_config_file()`.
    """
    from common.paths import system_config_file

    env = os.environ if environ is None else environ
    return _resolve(_user_path(path, env), env, overrides, system_path or system_config_file(env))


def load_settings(
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    system_path: Path | None = None,
) -> Settings:
    """Defaults < system file < user file (if present) < environment < `overrides`; validated.
    Keys the system file locks keep its value (a warning is logged for each attempt)."""
    effective = effective_settings(path, environ, overrides=overrides, system_path=system_path)
    for warning in effective.warnings:
        log.warning("%s", warning)
    return effective.settings


def fallback_settings(
    environ: Mapping[str, str] | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    system_path: Path | None = None,
) -> EffectiveSettings:
    """Defaults, the system file and `overrides` only: what to run on when the user's file or the
    environment is broken, so that breaking one's own file doesn't lift IT's locks. Defaults alone
    if even those fail."""
    from common.paths import system_config_file

    env = os.environ if environ is None else environ
    system = system_path or system_config_file(env)
    try:
        return _resolve(None, {}, overrides, system)
    except ConfigError:
        try:
            return _resolve(None, {}, None, system)
        except ConfigError:
            return _resolve(None, {}, None, None)


def debug_logging(path: Path | None = None, environ: Mapping[str, str] | None = None) -> bool:
    """`[logging] debug` as the layers decide it, without logging their warnings (entry points ask
    before the log is set up, and load the settings for real afterwards)."""
    try:
        return effective_settings(path, environ).settings.logging.debug
    except ConfigError:
        return fallback_settings(environ).settings.logging.debug
