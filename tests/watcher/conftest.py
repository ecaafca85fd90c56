from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest


@pytest.fixture
def socket_address(monkeypatch):
    """A short private socket path (AF_UNIX paths are limited to ~104 bytes)."""
    directory = Path(tempfile.mkdtemp(prefix="aw-", dir="/tmp"))
    address = str(directory / "w.sock")
    monkeypatch.setenv("ASSIST_WATCHER_SOCKET", address)
    yield address
    if os.path.exists(address):
        os.unlink(address)
    directory.rmdir()
