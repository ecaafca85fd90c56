"""Credentials: the OS keyring first, then the environment. Never a config file.

The helpdesk's keyring entry is keyed by helpdesk kind, URL and email, so an agent with two
helpdesks (or a sandbox) keeps both tokens. `ASSIST_HELPDESK_TOKEN` overrides the keyring for
scripting and IT. The index server's token (for a proxy in front of a Chroma server) is keyed by
its URL; `ASSIST_INDEX_TOKEN` overrides it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from assist.config import HelpdeskSettings
from assist.helpdesk._http import Secret
from common.errors import ConfigError

log = logging.getLogger(__name__)

SERVICE = "agent-assist"
ENV_TOKEN = "ASSIST_HELPDESK_TOKEN"
ENV_INDEX_TOKEN = "ASSIST_INDEX_TOKEN"


def _account(settings: HelpdeskSettings) -> str:
    return f"{settings.kind}:{settings.url.rstrip('/')}:{settings.email}"


def get_token(settings: HelpdeskSettings, environ: Mapping[str, str] | None = None) -> Secret | None:
    """The token for these settings, or None if neither the env nor the keyring has one."""
    env = os.environ if environ is None else environ
    if env.get(ENV_TOKEN):
        return Secret(env[ENV_TOKEN])
    value = _keyring_get(_account(settings))
    return Secret(value) if value else None


def get_index_token(server_url: str, environ: Mapping[str, str] | None = None) -> Secret | None:
    """The index server's token (`ASSIST_INDEX_TOKEN`, then the keyring), or None."""
    env = os.environ if environ is None else environ
    if env.get(ENV_INDEX_TOKEN):
        return Secret(env[ENV_INDEX_TOKEN])
    value = _keyring_get(_index_account(server_url))
    return Secret(value) if value else None


def index_token_status(server_url: str, environ: Mapping[str, str] | None = None) -> str:
    """Where the index server's token comes from, never the token."""
    env = os.environ if environ is None else environ
    if not server_url:
        return "not needed (no index server)"
    if env.get(ENV_INDEX_TOKEN):
        return f"set (env {ENV_INDEX_TOKEN})"
    return "set (keyring)" if get_index_token(server_url, environ={}) is not None else "not set"


def set_index_token(server_url: str, token: str) -> None:
    _keyring_set(_index_account(server_url), token, ENV_INDEX_TOKEN)


def _index_account(server_url: str) -> str:
    return f"index:{server_url.rstrip('/')}"


def _keyring_set(account: str, token: str, env_var: str) -> None:
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(SERVICE, account, token)
    except KeyringError as exc:
        raise ConfigError(
            f"Could not store the token in the OS keyring ({type(exc).__name__}); set {env_var} instead."
        ) from None


def _keyring_get(account: str) -> str | None:
    try:
        import keyring
        from keyring.errors import KeyringError

        try:
            return keyring.get_password(SERVICE, account)
        except KeyringError as exc:  # no backend (headless CI), locked store …
            log.info("keyring unavailable: %s", type(exc).__name__)
            return None
    except Exception as exc:  # a broken backend must not stop the env route from working
        log.info("keyring unavailable: %s", type(exc).__name__)
        return None


def token_status(settings: HelpdeskSettings, environ: Mapping[str, str] | None = None) -> str:
    """Where the token comes from, never the token: "set (env ASSIST_HELPDESK_TOKEN)",
    "set (keyring)", "not set", or "not needed (demo)"."""
    env = os.environ if environ is None else environ
    if settings.kind == "demo":
        return "not needed (demo)"
    if env.get(ENV_TOKEN):
        return f"set (env {ENV_TOKEN})"
    return "set (keyring)" if get_token(settings, environ={}) is not None else "not set"


def set_token(settings: HelpdeskSettings, token: str) -> None:
    _keyring_set(_account(settings), token, ENV_TOKEN)


def delete_token(settings: HelpdeskSettings) -> None:
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        keyring.delete_password(SERVICE, _account(settings))
    except PasswordDeleteError:
        pass
    except KeyringError as exc:
        raise ConfigError(f"Could not reach the OS keyring ({type(exc).__name__}).") from None
