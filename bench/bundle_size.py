"""What an ONNX Runtime embedder would save the bundle, and what it would cost (issue #14 §1).

    PYTHONPATH=DIR_WITH_onnx .venv/bin/python bench/bundle_size.py [--bundle dist/AgentAssist]
        [--kb ../shared/data/exports/kb] [--tickets ../shared/data/eval/dev_tickets.jsonl]
        [--work /tmp/bundle-size] [--json]

1. Sizes: torch, onnxruntime and the other big packages in the venv; with `--bundle`, what the
   built app's folders weigh.
2. Export: the default embedder's transformer (all-MiniLM-L6-v2) to ONNX with `torch.onnx.export`
   (needs the `onnx` package; `onnxscript` is not needed by the TorchScript exporter). The
   sentence-transformers ONNX backend (`SentenceTransformer(path, backend="onnx")`) would read
   `onnx/model.onnx` from the model folder, or export it through `optimum` — but it runs inside
   sentence-transformers, which imports torch, so it saves nothing on disk. What would let the
   bundle drop torch is the model run by onnxruntime + tokenizers + numpy alone: `OnnxEmbedder`
   below (mean pooling and L2 normalisation, as the model's `1_Pooling` config says).
3. Embeddings: every chunk text the indexer embeds for the shared KB, by torch and by ONNX: the
   largest absolute difference and each side's encode speed (same batches, same threads).
4. Recall: `assist eval`'s figures on the dev tickets with each embedder encoding the queries.

Nothing here changes the product; the figures are in README "Building the app".
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SHARED = REPO.parent / "shared" / "data"
MB = 1024 * 1024


# -- sizes ------------------------------------------------------------------------------------------


def tree_bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def venv_package_sizes(names: list[str]) -> dict[str, float]:
    """MB per package folder in site-packages (with its `*.libs` folder of vendored libraries)."""
    import site

    site_dir = Path(next(p for p in site.getsitepackages() if p.endswith("site-packages")))
    out: dict[str, float] = {}
    for name in names:
        total = 0
        for folder in (site_dir / name, site_dir / f"{name}.libs"):
            if folder.exists():
                total += tree_bytes(folder)
        out[name] = round(total / MB, 1)
    return out


def bundle_sizes(app: Path, top: int = 15) -> dict[str, Any]:
    internal = app / "_internal"
    rows = sorted(((p.name, tree_bytes(p)) for p in internal.iterdir()), key=lambda r: r[1], reverse=True)
    return {
        "total_mb": round(tree_bytes(app) / MB, 1),
        "largest_mb": {name: round(size / MB, 1) for name, size in rows[:top]},
    }


# -- the ONNX embedder ------------------------------------------------------------------------------


def export_onnx(model_dir: Path, out: Path) -> float:
    """Export the transformer (token embeddings, before pooling) to `out`; returns seconds."""
    import torch
    from transformers import AutoModel

    started = time.perf_counter()
    model = AutoModel.from_pretrained(model_dir, local_files_only=True, attn_implementation="eager").eval()

    class _Tokens(torch.nn.Module):  # keyword arguments: transformers 5's forward takes many more
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, ids: torch.Tensor, mask: torch.Tensor, types: torch.Tensor) -> torch.Tensor:
            return self.inner(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    # A padded example (second row shorter), so the trace keeps the mask's path general.
    ids = torch.ones((2, 16), dtype=torch.long)
    mask = torch.ones((2, 16), dtype=torch.long)
    mask[1, 9:] = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        _Tokens(model),
        (ids, mask, torch.zeros_like(ids)),
        str(out),
        input_names=names,
        output_names=["last_hidden_state"],
        dynamic_axes={n: {0: "batch", 1: "seq"} for n in [*names, "last_hidden_state"]},
        opset_version=17,
        dynamo=False,
    )
    return time.perf_counter() - started


class OnnxEmbedder:
    """all-MiniLM-L6-v2 through onnxruntime + tokenizers + numpy: no torch, no transformers."""

    def __init__(self, model_dir: Path, onnx_file: Path, threads: int = 0, name: str = "") -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        st = json.loads((model_dir / "sentence_bert_config.json").read_text())
        self.name = name or model_dir.name
        self.max_tokens = int(st["max_seq_length"])
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_tokens)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        self.dimension = int(
            json.loads((model_dir / "1_Pooling" / "config.json").read_text())["word_embedding_dimension"]
        )

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(e.ids) for e in self.tokenizer.encode_batch(texts)]

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # Like sentence-transformers: longest first, so each batch pads little.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            enc = self.tokenizer.encode_batch([texts[i] for i in rows])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            tokens = self.session.run(None, feeds)[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            out[rows] = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return out


class _Recording:
    """Wraps the torch embedder during indexing: keeps each text it embeds, its vector and time."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.texts: list[str] = []
        self.vectors: list[np.ndarray] = []
        self.seconds = 0.0

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    @property
    def max_tokens(self) -> int:
        return self.inner.max_tokens

    def count_tokens(self, texts: list[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        started = time.perf_counter()
        vectors = self.inner.encode(texts, batch_size=batch_size)
        self.seconds += time.perf_counter() - started
        self.texts += texts
        self.vectors.append(np.asarray(vectors))
        return vectors


# -- the study --------------------------------------------------------------------------------------


def _eval(retriever: Any, tickets: Path, manifest: Path) -> dict[str, Any]:
    from assist.evaluation import evaluate

    report = evaluate(retriever, tickets, manifest).as_json()
    return {k: report[k] for k in ("recall@1", "recall@5", "mrr@10", "abstentions")} | {
        "ranks": [row["rank"] for row in report["per_ticket"]]
    }


def study(kb: Path, tickets: Path, work: Path, threads: int) -> dict[str, Any]:
    from assist.evaluation import find_manifest
    from assist.retrieval import Retriever
    from indexer.pipeline import SourceSpec, index
    from indexer.store import IndexStore
    from models.embedder import SentenceTransformerEmbedder
    from models.locate import resolve_embedder

    spec = resolve_embedder()
    onnx_file = work / "onnx" / "model.onnx"
    export_s = export_onnx(spec.path, onnx_file)
    torch_emb = SentenceTransformerEmbedder(spec, threads=threads)
    onnx_emb = OnnxEmbedder(spec.path, onnx_file, threads=threads, name=spec.name)

    recording = _Recording(torch_emb)
    db = work / "index"
    sources = [kb / "confluence" / "SUPKB-html-export.zip", kb / "notion" / "Store-and-Cloud-export.zip"]
    report = index([SourceSpec(p) for p in [*sources, kb / "docs"]], db, recording, rebuild=True)
    texts = recording.texts
    torch_vectors = np.concatenate(recording.vectors)

    started = time.perf_counter()
    onnx_vectors = np.concatenate(
        [onnx_emb.encode(texts[i : i + 1024]) for i in range(0, len(texts), 1024)]  # the indexer's batches
    )
    onnx_s = time.perf_counter() - started
    diff = np.abs(torch_vectors - onnx_vectors)
    cosine = (torch_vectors * onnx_vectors).sum(axis=1)

    # A single short query, one thread each: what the sidebar does per ticket.
    one_torch = SentenceTransformerEmbedder(spec, threads=1)
    one_onnx = OnnxEmbedder(spec.path, onnx_file, threads=1)
    query = ["My hub keeps blinking red after the firmware update and the app can't find it"]
    for emb in (one_torch, one_onnx):
        emb.encode(query)  # load and warm up

    def per_query_ms(emb: Any, n: int = 30) -> float:
        started = time.perf_counter()
        for _ in range(n):
            emb.encode(query)
        return round((time.perf_counter() - started) / n * 1000, 2)

    manifest = find_manifest(tickets)
    assert manifest is not None, f"no manifest.jsonl beside {tickets}"
    store = IndexStore(db, create=False)
    try:
        recall_torch = _eval(Retriever(store, torch_emb), tickets, manifest)
        recall_onnx = _eval(Retriever(store, onnx_emb), tickets, manifest)
    finally:
        store.close()
    return {
        "chunks": len(texts),
        "documents": report.documents,
        "export_seconds": round(export_s, 1),
        "onnx_file_mb": round(onnx_file.stat().st_size / MB, 1),
        "max_abs_diff": float(diff.max()),
        "mean_abs_diff": float(diff.mean()),
        "min_cosine": float(cosine.min()),
        "encode_chunks_per_s": {
            "torch": round(len(texts) / recording.seconds, 1),
            "onnx": round(len(texts) / onnx_s, 1),
        },
        "query_ms": {"torch": per_query_ms(one_torch), "onnx": per_query_ms(one_onnx)},
        "threads": threads,
        "eval_torch_queries": recall_torch,
        "eval_onnx_queries": recall_onnx,
        "same_ranks": recall_torch["ranks"] == recall_onnx["ranks"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, help="a built dist/AgentAssist folder to measure")
    parser.add_argument("--kb", type=Path, default=SHARED / "exports" / "kb")
    parser.add_argument("--tickets", type=Path, default=SHARED / "eval" / "dev_tickets.jsonl")
    parser.add_argument("--work", type=Path, default=Path("/tmp/bundle-size"))
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--sizes-only", action="store_true", help="skip the export and the KB study")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from common.privacy import enforce_offline

    enforce_offline()
    big = ["torch", "onnxruntime", "transformers", "llama_cpp", "PySide6", "chromadb", "sklearn", "scipy"]
    result: dict[str, Any] = {"venv_mb": venv_package_sizes(big)}
    if args.bundle:
        result["bundle"] = bundle_sizes(args.bundle)
    if not args.sizes_only:
        result["study"] = study(args.kb, args.tickets, args.work, args.threads)
    print(json.dumps(result, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
