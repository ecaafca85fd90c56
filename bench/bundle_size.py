"""What the app bundle weighs, and the ONNX Runtime embedder it ships against torch (issue #14 §1).

    .venv/bin/python bench/bundle_size.py [--bundle dist/AgentAssist] [--sizes-only]
        [--kb ../shared/data/exports/kb] [--tickets ../shared/data/eval/dev_tickets.jsonl]
        [--work /tmp/bundle-size] [--threads 2] [--json]

1. Sizes: torch, onnxruntime and the other big packages in the venv; with `--bundle`, what the
   built app's folders weigh (the largest entries of `_internal/` and each executable).
2. Export: the default embedder's transformer (all-MiniLM-L6-v2) to ONNX by the build step,
   `scripts/export_onnx.py` (needs the `onnx` package: the `[build]` extra), into a model folder
   laid out as the bundle's (`<work>/models/all-MiniLM-L6-v2/onnx/model.onnx`).
3. Embeddings: every chunk text the indexer embeds for the shared KB, by sentence-transformers on
   torch and by `models.onnx_embedder.OnnxEmbedder` (the bundle's): the largest absolute
   difference and each side's encode speed (same batches, same threads), and one short query's.
4. Recall: `assist eval`'s figures on the dev tickets with each embedder encoding the queries.

The figures are in README "Building the app".
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
    # Not the symlinks PyInstaller puts beside them (libicudata → PySide6/, OpenBLAS → numpy.libs/).
    entries = [p for p in internal.iterdir() if not p.is_symlink()]
    rows = sorted(((p.name, tree_bytes(p)) for p in entries), key=lambda r: r[1], reverse=True)
    programs = {p.name: round(p.stat().st_size / MB, 1) for p in sorted(app.iterdir()) if p.is_file()}
    return {
        "total_mb": round(tree_bytes(app) / MB, 1),
        "internal_mb": round(tree_bytes(internal) / MB, 1),
        "executables_mb": programs,
        "largest_mb": {name: round(size / MB, 1) for name, size in rows[:top]},
    }


# -- the ONNX model folder -------------------------------------------------------------------------


def export_onnx(model_dir: Path, models: Path) -> tuple[Path, float]:
    """`models/<name>/` as the bundle ships it (the model's files, onnx/model.onnx, no torch
    weights), exported by the build step; returns the folder and the export's seconds."""
    import subprocess

    from models.locate import ONNX_FILE

    folder = models / "all-MiniLM-L6-v2"
    folder.mkdir(parents=True, exist_ok=True)
    for item in model_dir.iterdir():
        link = folder / item.name
        if item.suffix != ".safetensors" and not link.exists():
            link.symlink_to(item, target_is_directory=item.is_dir())
    started = time.perf_counter()
    cmd = [
        sys.executable,
        str(REPO / "scripts" / "export_onnx.py"),
        str(folder / ONNX_FILE),
        "--model",
        str(model_dir),
    ]
    subprocess.run(cmd, check=True)
    return folder, time.perf_counter() - started


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
    from models.embedder import make_embedder
    from models.locate import ONNX_FILE, EmbedderSpec, resolve_embedder

    spec = resolve_embedder()
    folder, export_s = export_onnx(spec.path, work / "models")
    onnx_spec = EmbedderSpec(spec.name, folder)
    onnx_file = folder / ONNX_FILE
    torch_emb = make_embedder(spec, threads=threads, backend="torch")
    onnx_emb = make_embedder(onnx_spec, threads=threads, backend="onnx")

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
    one_torch = make_embedder(spec, threads=1, backend="torch")
    one_onnx = make_embedder(onnx_spec, threads=1, backend="onnx")
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
