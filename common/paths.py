"""Where Agent Assist keeps its files. The only module that knows about platform dirs.

Every location can be overridden by an env var, so tests and IT can point elsewhere:
`ASSIST_DATA_DIR` (index, feedback), `ASSIST_MODELS_DIR`, `ASSIST_CONFIG_DIR`, `ASSIST_CACHE_DIR`,
`ASSIST_LOG_DIR`, `ASSIST_SYSTEM_CONFIG` (the system-wide policy file).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

APP_NAME = "agent-assist"


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else None


def data_dir() -> Path:
    """The user data dir: default home of the index and local feedback."""
    from platformdirs import user_data_dir

    return _env_path("ASSIST_DATA_DIR") or Path(user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    from platformdirs import user_config_dir

    return _env_path("ASSIST_CONFIG_DIR") or Path(user_config_dir(APP_NAME, appauthor=False))


def default_index_dir() -> Path:
    return _env_path("ASSIST_DB") or data_dir() / "index"


def models_dir() -> Path:
    return _env_path("ASSIST_MODELS_DIR") or data_dir() / "models"


def cache_dir() -> Path:
    """Files derived from others that can be rebuilt at any time (e.g. CPU-friendly model copies)."""
    from platformdirs import user_cache_dir

    return _env_path("ASSIST_CACHE_DIR") or Path(user_cache_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    """Where each entry point writes its rotated log (`assist.log`, `assist-sidebar.log`…)."""
    from platformdirs import user_log_dir

    return _env_path("ASSIST_LOG_DIR") or Path(user_log_dir(APP_NAME, appauthor=False))


def system_config_file(environ: Mapping[str, str] | None = None) -> Path:
    """IT's machine-wide `config.toml`, read before the user's; it may lock keys (`[policy]`).

    Fixed paths rather than platformdirs' `site_config_dir`, which is `/etc/xdg/…` on Linux where
    deployment tools don't look. `ASSIST_SYSTEM_CONFIG` (tests, staging) counts only on a machine
    without that file: an agent's environment must not be able to swap IT's policy out.
    """
    env = os.environ if environ is None else environ
    if sys.platform == "win32":
        from platformdirs import site_data_dir

        # The shell's CSIDL_COMMON_APPDATA, not %PROGRAMDATA%, which a user can set for a process.
        fixed = Path(site_data_dir("AgentAssist", appauthor=False)) / "config.toml"
    elif sys.platform == "darwin":
        fixed = Path("/Library/Application Support/AgentAssist/config.toml")
    else:
        fixed = Path("/etc/agent-assist/config.toml")
    override = env.get("ASSIST_SYSTEM_CONFIG")
    if override and not fixed.exists():
        return Path(override).expanduser()
    return fixed


def bundle_dir() -> Path:
    """Root of the installed code: the repo in development, `sys._MEIPASS` in a PyInstaller build."""
    meipass = getattr(sys, "_MEIPASS", None)
    if meipass:
        return Path(meipass)
    return Path(__file__).resolve().parent.parent


def demo_dir() -> Path:
    """The demo KB and demo tickets shipped with the product."""
    return bundle_dir() / "demo"
