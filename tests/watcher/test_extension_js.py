"""Runs the extension's JS URL parser tests (node --test) so CI checks both implementations."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

EXT = Path(__file__).resolve().parents[2] / "extension"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_js_parser_passes_the_shared_cases():
    out = subprocess.run(
        ["node", "--test", "ticket_url.test.js"], cwd=EXT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "# fail 0" in out.stdout
