"""Fixtures shared by the whole suite: real models, the shared data dir, isolated user dirs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from common.privacy import enforce_offline

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

enforce_offline()
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real user's config, data or keyring."""
    base = tmp_path_factory.mktemp("userdirs")
    monkeypatch.setenv("ASSIST_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("ASSIST_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    # No machine policy and no real log dir (honoured only where /etc/agent-assist/config.toml is absent).
    monkeypatch.setenv("ASSIST_SYSTEM_CONFIG", str(base / "system" / "config.toml"))
    monkeypatch.setenv("ASSIST_LOG_DIR", str(base / "logs"))
    for var in ("ASSIST_DB", "ASSIST_EMBEDDER", "ASSIST_LLM_MODEL", "ASSIST_MODELS_DIR", "ASSIST_DEBUG"):
        monkeypatch.delenv(var, raising=False)
    # One cache for the session: derived files (the default model's Q8_0 copy) are made once.
    monkeypatch.setenv("ASSIST_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared/ (test data beside the repo) is not present")
    return SHARED


@pytest.fixture(scope="session")
def embedder():
    """The real default embedder (all-MiniLM-L6-v2), loaded once per test session."""
    from models.embedder import make_embedder

    emb = make_embedder()
    emb.warm_up()
    return emb


DEMO_KB = REPO / "demo" / "kb"


def demo_sources() -> list[Path]:
    return [
        DEMO_KB / "confluence" / "LUMEN-html-export.zip",
        DEMO_KB / "notion" / "Lumen-Notion-export.zip",
        DEMO_KB / "docs",
    ]


@pytest.fixture(scope="session")
def demo_index(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """The demo KB indexed once per session with the real embedder into real Chroma."""
    from indexer.pipeline import SourceSpec, index

    db = tmp_path_factory.mktemp("demo-index") / "db"
    report = index([SourceSpec(p) for p in demo_sources()], db, embedder)
    assert not report.errors and report.documents > 30
    return db
