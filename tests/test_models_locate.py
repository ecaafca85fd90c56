"""Model resolution: defaults offline, overrides by env/argument, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.locate import DEFAULT_EMBEDDER_NAME, ModelNotFound, resolve_embedder, resolve_llm


def test_defaults_come_from_the_model_packages() -> None:
    spec = resolve_embedder()
    assert spec.name == DEFAULT_EMBEDDER_NAME
    assert (spec.path / "tokenizer.json").exists()
    gguf = resolve_llm()
    assert gguf.suffix == ".gguf" and gguf.stat().st_size > 50_000_000
    assert gguf.read_bytes()[:4] == b"GGUF"


def test_env_and_models_dir_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = tmp_path / "my.gguf"
    mine.write_bytes(b"GGUF" + b"\0" * 16)
    monkeypatch.setenv("ASSIST_LLM_MODEL", str(mine))
    assert resolve_llm() == mine.resolve()
    monkeypatch.delenv("ASSIST_LLM_MODEL")
    models = tmp_path / "models"
    models.mkdir()
    other = models / "other.gguf"
    other.write_bytes(b"GGUF")
    monkeypatch.setenv("ASSIST_MODELS_DIR", str(models))
    assert resolve_llm() == other.resolve()
    assert resolve_llm("other.gguf") == other.resolve()


def test_missing_models_say_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSIST_LLM_MODEL", str(tmp_path / "nope.gguf"))
    with pytest.raises(ModelNotFound, match="ASSIST_LLM_MODEL"):
        resolve_llm()
    with pytest.raises(ModelNotFound, match="never downloaded"):
        resolve_embedder("sentence-transformers/some-other-model")


def test_custom_embedder_folder(tmp_path: Path) -> None:
    folder = tmp_path / "my-embedder"
    folder.mkdir()
    (folder / "modules.json").write_text("[]")
    spec = resolve_embedder(folder)
    assert spec.name == "my-embedder" and spec.path == folder.resolve()
