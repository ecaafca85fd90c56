"""Helpdesk test fixtures: the replay server and a fake sleep (the real Request Tracker 5,
`rt_server`, is in tests/rt_fixture.py, shared with the browser round trip)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.helpdesk.replay import ReplayServer, replay_server

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


@pytest.fixture
def unused_port() -> int:
    """A port nothing listens on (bound, then closed)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
