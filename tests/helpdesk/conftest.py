"""Helpdesk test fixtures: the replay server, a fake sleep, and a real Request Tracker 5."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpdesk.replay import ReplayServer, replay_server

REPO = Path(__file__).resolve().parents[2]
TOKEN = "zd-Tok3n-s3cr3t-VALUE-123456"


@pytest.fixture(autouse=True)
def _no_helpdesk_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in list(os.environ):
        if var.startswith("ASSIST_HELPDESK_"):
            monkeypatch.delenv(var)


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    with replay_server() as server:
        yield server


class FakeSleep:
    """Records the waits the retry loop asked for instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def fake_sleep() -> FakeSleep:
    return FakeSleep()


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
        import shutil

        shutil.rmtree(server.dir, ignore_errors=True)  # the per-run database and log


@pytest.fixture
def unused_port() -> int:
    """A port nothing listens on (bound, then closed)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
