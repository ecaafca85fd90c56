"""The sentence embedder run by ONNX Runtime: no torch, no transformers, no sentence-transformers.

The model folder is the same sentence-transformers folder `SentenceTransformerEmbedder` reads, plus
the transformer exported to `onnx/model.onnx` (`scripts/export_onnx.py`, run by `build.spec` when
the app is built; the bundle ships no torch). What sentence-transformers does around the
transformer is redone here with `tokenizers` and numpy: truncation to `max_seq_length`, padding
to the batch's longest text (longest texts batched together), mean (or CLS) pooling as the
model's pooling config says, L2 normalisation. The vectors match sentence-transformers' to ~1e-7
(`tests/test_onnx_embedder.py`, README "Building the app"), so an index keeps the embedder's
name (all-MiniLM-L6-v2) whichever of the two built it, and either can search it.

Models with other modules (a Dense layer, weighted-mean or max pooling) are not handled here:
`onnx_unsupported` says why, and `models.embedder.make_embedder` uses sentence-transformers
for them.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from common.errors import ModelLoadError
from models.locate import ONNX_FILE, EmbedderSpec, resolve_embedder

if TYPE_CHECKING:
    import numpy as np

_SUPPORTED_MODULES = ("Transformer", "Pooling", "Normalize")
"""sentence-transformers modules (by class name) this embedder reproduces."""


def _read_json(path: Path) -> dict | list:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _pooling_dir(model_dir: Path) -> Path:
    for module in _read_json(model_dir / "modules.json") or []:
        if isinstance(module, dict) and str(module.get("type", "")).endswith("Pooling"):
            return model_dir / str(module.get("path") or "1_Pooling")
    return model_dir / "1_Pooling"


def _pooling_mode(model_dir: Path) -> str | None:
    config = _read_json(_pooling_dir(model_dir) / "config.json")
    if not isinstance(config, dict) or not config:
        return "mean"  # sentence-transformers' default for a folder without a pooling module
    modes = [k for k, v in config.items() if k.startswith("pooling_mode_") and v]
    if modes == ["pooling_mode_mean_tokens"]:
        return "mean"
    if modes == ["pooling_mode_cls_token"]:
        return "cls"
    return None


def onnx_unsupported(model_dir: Path) -> str | None:
    """Why this model folder can't be run by `OnnxEmbedder`, or None when it can."""
    if not (model_dir / ONNX_FILE).is_file():
        return f"no {ONNX_FILE} in {model_dir}"
    if not (model_dir / "tokenizer.json").is_file():
        return f"no tokenizer.json in {model_dir}"
    modules = _read_json(model_dir / "modules.json") or []
    for module in modules if isinstance(modules, list) else []:
        kind = str(module.get("type", "")).rsplit(".", 1)[-1] if isinstance(module, dict) else "?"
        if kind not in _SUPPORTED_MODULES:
            return f"its {kind} module is not supported without sentence-transformers"
    if _pooling_mode(model_dir) is None:
        return "its pooling mode is not supported without sentence-transformers"
    return None


class OnnxEmbedder:
    """A sentence-transformers model folder with `onnx/model.onnx`, run on first `encode`."""

    backend = "onnxruntime"

    def __init__(self, spec: EmbedderSpec | None = None, *, threads: int | None = None) -> None:
        self.spec = spec or resolve_embedder()
        self.name = self.spec.name
        self._threads = threads
        reason = onnx_unsupported(self.spec.path)
        if reason:
            raise ModelLoadError(f"Embedder {self.name!r} can't run with ONNX Runtime: {reason}.")
        self._pooling = _pooling_mode(self.spec.path) or "mean"
        self._dimension: int | None = None
        self._session = None
        self._inputs: tuple[str, ...] = ()
        self._counter = None
        self._batcher = None
        self._lock = threading.Lock()
        st_config = _read_json(self.spec.path / "sentence_bert_config.json")
        max_len = int(st_config.get("max_seq_length") or 0) if isinstance(st_config, dict) else 0
        if not max_len:  # as sentence-transformers: the tokenizer's limit, capped by the model's
            tok_config = _read_json(self.spec.path / "tokenizer_config.json")
            config = _read_json(self.spec.path / "config.json")
            limits = [
                int(v)
                for v in (tok_config.get("model_max_length"), config.get("max_position_embeddings"))
                if isinstance(v, int | float) and 0 < v < 1_000_000
            ]
            max_len = min(limits) if limits else 512
        self._max_seq_length = max_len

    def __getstate__(self) -> dict:
        # Pickled into the indexer's parser process for its token counts: the spec travels, the
        # session, tokenizers and lock don't (the tokenizer reloads there in milliseconds).
        return {"spec": self.spec, "threads": self._threads}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["spec"], threads=state["threads"])

    # -- cheap side -----------------------------------------------------------------------------

    def _tokenizer(self):
        from tokenizers import Tokenizer

        return Tokenizer.from_file(str(self.spec.path / "tokenizer.json"))

    def _load_counter(self):
        if self._counter is None:
            tok = self._tokenizer()
            tok.no_truncation()
            tok.no_padding()
            self._counter = tok
        return self._counter

    @property
    def max_tokens(self) -> int:
        return self._max_seq_length

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(e.ids) for e in self._load_counter().encode_batch(texts, add_special_tokens=True)]

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            pooling = _read_json(_pooling_dir(self.spec.path) / "config.json")
            dim = pooling.get("word_embedding_dimension") if isinstance(pooling, dict) else None
            config = _read_json(self.spec.path / "config.json")
            self._dimension = int(
                dim or config.get("hidden_size") or self._load()[0].get_outputs()[0].shape[-1]
            )
        return self._dimension

    # -- model side -----------------------------------------------------------------------------

    def _load(self):
        with self._lock:
            if self._session is None:
                import onnxruntime as ort

                options = ort.SessionOptions()
                options.log_severity_level = 3  # errors only: no initializer warnings on stderr
                if self._threads:
                    options.intra_op_num_threads = self._threads
                    options.inter_op_num_threads = 1
                try:
                    session = ort.InferenceSession(
                        str(self.spec.path / ONNX_FILE), options, providers=["CPUExecutionProvider"]
                    )
                except Exception as exc:  # onnxruntime raises its own unrelated exception types
                    raise ModelLoadError(f"Can't load {self.spec.path / ONNX_FILE}: {exc}") from exc
                tok = self._tokenizer()
                tok.enable_truncation(self._max_seq_length)
                padding = tok.padding or {}
                pad_token = padding.get("pad_token") or "[PAD]"
                pad_id = tok.token_to_id(pad_token)
                tok.enable_padding(pad_id=pad_id if pad_id is not None else 0, pad_token=pad_token)
                self._batcher = tok
                self._inputs = tuple(i.name for i in session.get_inputs())
                unknown = set(self._inputs) - {"input_ids", "attention_mask", "token_type_ids"}
                if unknown:
                    raise ModelLoadError(
                        f"{self.spec.path / ONNX_FILE} takes inputs this embedder doesn't give: "
                        + ", ".join(sorted(unknown))
                    )
                self._session = session
            return self._session, self._batcher

    def warm_up(self) -> None:
        self.encode(["warm up"])

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        import numpy as np

        session, tok = self._load()
        dim = self.dimension
        out = np.zeros((len(texts), dim), dtype=np.float32)
        # As sentence-transformers does: texts stripped, longest first, so a batch pads little.
        texts = [str(t).strip() for t in texts]
        order = np.argsort([-len(t) for t in texts], kind="stable")
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            enc = tok.encode_batch([texts[i] for i in rows])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            available = {
                "input_ids": ids,
                "attention_mask": mask,
                "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64),
            }
            tokens = session.run(None, {name: available[name] for name in self._inputs})[0]
            if self._pooling == "cls":
                pooled = tokens[:, 0, :]
            else:
                weights = mask[..., None].astype(np.float32)
                pooled = (tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            out[rows] = pooled / norms
        return out
