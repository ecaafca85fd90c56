"""Where Agent Assist keeps its files. The only module that knows about platform dirs.

Every location can be overridden by an env var, so tests and IT can point elsewhere:
`ASSIST_DATA_DIR` (index, feedback), `ASSIST_MODELS_DIR`, `ASSIST_CONFIG_DIR`, `ASSIST_CACHE_DIR`.
"""

from __future__ import annotations

import os
import sys
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


def bundle_dir() -> Path:
    """Root of the installed code: the repo in development, `sys._MEIPASS` in a PyInstaller build."""
    meipass = getattr(sys, "_MEIPASS", None)
    if meipass:
        return Path(meipass)
    return Path(__file__).resolve().parent.parent


def demo_dir() -> Path:
    """The demo KB and demo tickets shipped with the product."""
    return bundle_dir() / "demo"
