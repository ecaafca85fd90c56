"""The sentence embedder: token counting (cheap, no torch) and encoding (lazy).

The chunker needs exact token counts to respect the model's input limit; the `tokenizers` Rust
library gives them in microseconds without importing torch, so unchanged re-runs stay fast.

Two implementations of `Embedder`, chosen by `make_embedder` (every part of the product gets its
embedder there): `models.onnx_embedder.OnnxEmbedder` (ONNX Runtime, no torch) when the model
folder has `onnx/model.onnx` — the app bundle's has, and the bundle ships no torch — and
`SentenceTransformerEmbedder` (sentence-transformers on torch) otherwise. Both give the same
vectors under the same name, so either can search an index the other built.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from common.errors import ModelLoadError
from common.privacy import enforce_offline
from models.locate import ONNX_FILE, EmbedderSpec, resolve_embedder

if TYPE_CHECKING:
    import numpy as np

    from models.onnx_embedder import OnnxEmbedder


class Embedder(Protocol):
    name: str

    @property
    def dimension(self) -> int: ...

    @property
    def max_tokens(self) -> int:
        """Longest input, in word pieces including special tokens, the model reads in full."""
        ...

    def count_tokens(self, texts: list[str]) -> list[int]: ...

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray: ...


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


FULL_INSTALL = (
    "needs the full Python install with torch (`pip install agent-assist`): the app bundle has no "
    "torch and runs its embedder with ONNX Runtime"
)


class FullInstallRequired(ModelLoadError):
    """A feature that runs on torch (sentence-transformers) was asked for where there is none."""


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: blocked with sys.modules[module] = None
        return False


def torch_available() -> bool:
    """torch and sentence-transformers can be imported (found without importing them)."""
    return _importable("torch") and _importable("sentence_transformers")


def require_torch(feature: str, hint: str = "") -> None:
    """Raise `FullInstallRequired` ("<feature> needs the full Python install …; <hint>.") unless
    torch and sentence-transformers are installed. Call before importing them: the app bundle
    has neither."""
    if not torch_available():
        raise FullInstallRequired(f"{feature} {FULL_INSTALL}" + (f"; {hint}." if hint else "."))


def make_embedder(
    spec: EmbedderSpec | None = None, *, threads: int | None = None, backend: str | None = None
) -> OnnxEmbedder | SentenceTransformerEmbedder:
    """The embedder for `spec` (default: `resolve_embedder()`), not loaded yet.

    `backend`: "onnx", "torch" or None for the automatic choice: ONNX Runtime when the model
    folder has `onnx/model.onnx` it can run, sentence-transformers otherwise.
    """
    from models.onnx_embedder import OnnxEmbedder, onnx_unsupported

    spec = spec or resolve_embedder()
    if backend not in (None, "onnx", "torch"):
        raise ValueError(f"unknown embedder backend {backend!r}")
    if backend == "onnx":
        return OnnxEmbedder(spec, threads=threads)
    if backend is None:
        reason = onnx_unsupported(spec.path)
        if reason is None:
            return OnnxEmbedder(spec, threads=threads)
        if not torch_available():
            raise FullInstallRequired(
                f"Embedder {spec.name!r} can't run here: {reason}; without ONNX Runtime it {FULL_INSTALL}."
            )
    return SentenceTransformerEmbedder(spec, threads=threads)


class SentenceTransformerEmbedder:
    """A sentence-transformers model folder, loaded on first `encode`."""

    backend = "sentence-transformers"

    def __init__(self, spec: EmbedderSpec | None = None, *, threads: int | None = None) -> None:
        self.spec = spec or resolve_embedder()
        self.name = self.spec.name
        self._threads = threads
        self._model = None
        self._tokenizer = None
        self._lock = threading.Lock()
        st_config = _read_json(self.spec.path / "sentence_bert_config.json")
        self._max_seq_length = int(st_config.get("max_seq_length") or 0) or None

    def __getstate__(self) -> dict:
        # Pickled into the indexer's parser process for its token counts: the spec travels, the
        # loaded model, tokenizer and lock don't (the tokenizer reloads there in milliseconds).
        return {"spec": self.spec, "threads": self._threads}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["spec"], threads=state["threads"])

    # -- cheap side -----------------------------------------------------------------------------

    def _load_tokenizer(self):
        if self._tokenizer is None:
            tok_file = self.spec.path / "tokenizer.json"
            if tok_file.exists():
                from tokenizers import Tokenizer

                tok = Tokenizer.from_file(str(tok_file))
                tok.no_truncation()
                tok.no_padding()
                self._tokenizer = tok
            else:  # Exotic models without a fast tokenizer file: use the model's own.
                self._tokenizer = self._load_model().tokenizer
        return self._tokenizer

    @property
    def max_tokens(self) -> int:
        if self._max_seq_length:
            return self._max_seq_length
        return int(self._load_model().max_seq_length)

    def count_tokens(self, texts: list[str]) -> list[int]:
        tok = self._load_tokenizer()
        if hasattr(tok, "encode_batch"):
            return [len(e.ids) for e in tok.encode_batch(texts, add_special_tokens=True)]
        return [len(tok(t)["input_ids"]) for t in texts]

    # -- model side -----------------------------------------------------------------------------

    def _load_model(self):
        with self._lock:
            if self._model is None:
                require_torch(f"Embedder {self.name!r} without {ONNX_FILE}")
                enforce_offline()
                import torch
                from sentence_transformers import SentenceTransformer

                if self._threads:
                    torch.set_num_threads(self._threads)
                self._model = SentenceTransformer(str(self.spec.path), device="cpu", local_files_only=True)
                if self._max_seq_length is None:
                    self._max_seq_length = int(self._model.max_seq_length)
            return self._model

    @property
    def dimension(self) -> int:
        config = _read_json(self.spec.path / "config.json")
        dim = config.get("hidden_size")
        pooling = _read_json(self.spec.path / "1_Pooling" / "config.json")
        dim = pooling.get("word_embedding_dimension", dim)
        if dim and not (self.spec.path / "2_Dense").exists():
            return int(dim)
        return int(self._load_model().get_sentence_embedding_dimension())

    def warm_up(self) -> None:
        self._load_model()

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        model = self._load_model()
        return model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
