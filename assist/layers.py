"""Configuration layers: which value wins, which keys IT locked, and where each value came from.

Five layers, later wins: built-in defaults < the system file < the user file < the environment <
command-line flags. A key the system file lists in `[policy] locked` keeps the system file's value
(or the default, when the system file doesn't set it) whatever a later layer says. The attempt is a
warning, not an error: a user file written before the lock must not stop the app from starting.

`assist.config` knows the sections and their types; this module only knows the rules:

    origins, warnings = resolve(defaults, [system, user, env, flags], ("helpdesk.*",), coerce, path)
    origins["helpdesk.url"]
    # Origin(value='https://acme.zendesk.com', layer='system', source='/etc/agent-assist/config.toml',
    #        locked=True)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Literal, get_args

from common.errors import ConfigError

Layer = Literal["default", "system", "user", "env", "flag"]
LAYERS: tuple[Layer, ...] = get_args(Layer)
"""Lowest first."""

LAYER_NAMES: dict[str, str] = {
    "default": "built-in default",
    "system": "system file",
    "user": "user file",
    "env": "environment",
    "flag": "command line",
}

Coerce = Callable[[str, Any, str], Any]
"""(dotted key, raw value, source) → the typed value; raises ConfigError naming the source."""


@dataclass(frozen=True, slots=True)
class Origin:
    """One key's effective value and where it came from."""

    value: Any
    layer: Layer
    source: str
    """The file, environment variable or flag that set the value; "built-in" for a default."""
    locked: bool = False
    """Listed in the system file's `[policy] locked`: no later layer could change it."""


@dataclass(frozen=True, slots=True)
class LayerValues:
    """What one layer sets: dotted key ("helpdesk.url") → (raw value, where it was set)."""

    layer: Layer
    values: Mapping[str, tuple[Any, str]]


_REFUSED = object()  # a locked key's override that doesn't even parse: never equal to the value


def _where(layer: Layer, source: str) -> str:
    if layer == "env":
        return f"the environment ({source})"
    if layer == "flag":
        return "the command line" if source == "command line" else f"the command line ({source})"
    return f"the {LAYER_NAMES[layer]} {source}"


def is_locked(key: str, patterns: Sequence[str]) -> bool:
    """`patterns` are dotted keys with shell wildcards: "helpdesk.url", "helpdesk.*", "*"."""
    return any(fnmatchcase(key, pattern) for pattern in patterns)


def resolve(
    defaults: Mapping[str, Any],
    layers: Sequence[LayerValues],
    locked: Sequence[str],
    coerce: Coerce,
    policy_source: str,
) -> tuple[dict[str, Origin], list[str]]:
    """Apply `layers` (lowest first) over `defaults`, keeping locked keys at the system value.

    Args:
        defaults: Every known key with its built-in value; layers may only set these keys.
        layers: The system layer first, if any; its values are the ones locks keep.
        locked: The system file's lock patterns.
        coerce: Parses one raw value; errors propagate (a bad value is the user's to fix), except
            for a locked key's override, which is ignored either way.
        policy_source: The system file, named in the warnings.

    Returns:
        The origin of every key in `defaults`, and warnings naming each key a later layer tried to
        change in spite of its lock, and each lock pattern that matches no key.
    """
    warnings = [
        f"[policy] locked entry {pattern!r} in {policy_source} matches no setting."
        for pattern in locked
        if not any(fnmatchcase(key, pattern) for key in defaults)
    ]
    origins = {
        key: Origin(value, "default", "built-in", is_locked(key, locked)) for key, value in defaults.items()
    }
    for layer in layers:
        for key, (raw, source) in layer.values.items():
            current = origins[key]
            if current.locked and layer.layer != "system":
                try:
                    value = coerce(key, raw, source)
                except ConfigError:
                    value = _REFUSED
                if value != current.value:  # the same value (a copy of IT's) is no attempt
                    warnings.append(
                        f"{key} is set by your IT department ({policy_source}); ignoring the value "
                        f"from {_where(layer.layer, source)}."
                    )
                continue
            origins[key] = Origin(coerce(key, raw, source), layer.layer, source, current.locked)
    return origins, warnings
