"""The real Request Tracker 5 for the whole suite (registered by tests/conftest.py): the helpdesk
tests and the browser-extension round trip (tests/watcher) share one server per session."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def rt_server():
    """Request Tracker 5 from Debian's packages on 127.0.0.1, started once per session and stopped
    by pid. Skips only when apt cannot provide RT here; under CI (CI=true) a failed bring-up fails."""
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import rt_server as rts
    finally:
        sys.path.pop(0)
    started = time.monotonic()
    try:
        server = rts.up(log=lambda m: print(m, file=sys.stderr))
    except rts.RtPackagesUnavailableError as exc:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"Request Tracker bring-up failed in CI: {exc}")
        pytest.skip(f"Request Tracker packages unavailable here: {exc}")
    except rts.RtSetupError as exc:
        pytest.fail(f"Request Tracker bring-up failed: {exc}")
    print(f"\nRT up in {time.monotonic() - started:.1f}s on {server.url} (pid {server.pid})", file=sys.stderr)
    try:
        yield server
    finally:
        rts.down(server.pid)
        shutil.rmtree(server.dir, ignore_errors=True)  # the per-run database and log
