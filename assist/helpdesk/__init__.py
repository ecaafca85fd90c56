"""Helpdesk providers: read the agent's tickets from Zendesk, Freshdesk, Request Tracker or the demo.

settings = load_settings().helpdesk
with closing(make_provider(settings)) as helpdesk:
    ticket = helpdesk.get_ticket("123")
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx

from assist.config import HelpdeskSettings
from assist.helpdesk._http import DEFAULT_RETRY, RateBudget, RetryPolicy, Secret
from assist.helpdesk.base import (
    HelpdeskProvider,
    SupportsQueueWatch,
    SupportsReassign,
    SupportsRequesterHistory,
)
from assist.tickets import Group

__all__ = [
    "Group",
    "HelpdeskProvider",
    "HelpdeskSettings",
    "RateBudget",
    "RetryPolicy",
    "Secret",
    "SupportsQueueWatch",
    "SupportsReassign",
    "SupportsRequesterHistory",
    "make_provider",
]


def make_provider(
    settings: HelpdeskSettings,
    token: Secret | str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    sleep: Callable[[float], None] | None = None,
) -> HelpdeskProvider:
    """The provider for `settings.kind`. The token comes from the argument, else the env
    (ASSIST_HELPDESK_TOKEN), else the OS keyring. Raises ConfigError if settings are incomplete."""
    import time

    settings.validate()
    if settings.kind == "demo":
        from pathlib import Path

        from assist.helpdesk.demo import DemoProvider

        return DemoProvider(
            Path(settings.demo_path) if settings.demo_path else None,
            calls_per_minute=settings.calls_per_minute,
            live_clock=settings.demo_live_clock,
        )
    if token is None:
        from assist.secrets import get_token

        token = get_token(settings, environ)
    elif isinstance(token, str):
        token = Secret(token)
    kwargs = {"transport": transport, "retry": retry, "sleep": sleep or time.sleep}
    if settings.kind == "zendesk":
        from assist.helpdesk.zendesk import ZendeskProvider

        return ZendeskProvider(settings, token, **kwargs)
    if settings.kind == "freshdesk":
        from assist.helpdesk.freshdesk import FreshdeskProvider

        return FreshdeskProvider(settings, token, **kwargs)
    from assist.helpdesk.rt import RtProvider

    return RtProvider(settings, token, **kwargs)
