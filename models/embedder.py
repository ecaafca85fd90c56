"""The sentence embedder: token counting (cheap, no torch) and encoding (lazy, torch).

The chunker needs exact token counts to respect the model's input limit; the `tokenizers` Rust
library gives them in microseconds without importing torch, so unchanged re-runs stay fast.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from common.privacy import enforce_offline
from models.locate import EmbedderSpec, resolve_embedder

if TYPE_CHECKING:
    import numpy as np


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


class SentenceTransformerEmbedder:
    """A sentence-transformers model folder, loaded on first `encode`."""

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
