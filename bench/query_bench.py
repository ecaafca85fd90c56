"""Query benchmark: ticket → grouped results on the shared KB, and the store alone at 100k chunks.

- warm p50/p95 of `Retriever.search` for the 30 dev tickets (goal p50 < 300 ms), with the parts
  (embed, dense, lexical, fuse);
- the store part alone (dense scan + BM25 + chunk fetch) on 100k synthetic chunks (goal p50 < 100 ms).

First-token latency and generation speed of the LLM are measured by `bench/llm_bench.py`.

    python bench/query_bench.py [--db DIR] [--synthetic 100000] [--no-rerank] [--json]

With an index that has a second stage (`assist-index --rerank`), the ticket figures include it
(part "rerank"); `--no-rerank` measures the first stage alone on the same index.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from common.privacy import enforce_offline  # noqa: E402

enforce_offline()
SHARED = REPO.parent / "shared" / "data"


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _ms(x: float) -> float:
    return round(x * 1000, 1)


def bench_tickets(db: Path | None, rerank: bool = True) -> dict:
    from assist.query import build_query
    from assist.retrieval import RetrievalSettings, Retriever
    from indexer.pipeline import SourceSpec, index
    from indexer.store import IndexStore
    from models.embedder import make_embedder

    tmp = None
    if db is None:
        tmp = tempfile.TemporaryDirectory()
        db = Path(tmp.name) / "db"
        kb = SHARED / "exports" / "kb"
        sources = [
            kb / "confluence" / "SUPKB-html-export.zip",
            kb / "notion" / "Store-and-Cloud-export.zip",
            kb / "docs",
        ]
        index([SourceSpec(p) for p in sources], db, make_embedder())
    store = IndexStore(db, create=False)
    retriever = Retriever(store, make_embedder(threads=1), RetrievalSettings(rerank=rerank))
    tickets = [json.loads(x) for x in (SHARED / "eval" / "dev_tickets.jsonl").read_text().splitlines() if x]
    queries = [build_query(t["subject"], t["body"]) for t in tickets]
    retriever.search(queries[0])  # warm: model, matrix, SQLite pages
    totals: list[float] = []
    parts: dict[str, list[float]] = {}
    for _round in range(3):
        for q in queries:
            t0 = time.perf_counter()
            result = retriever.search(q)
            totals.append(time.perf_counter() - t0)
            for k, v in result.timings.items():
                parts.setdefault(k, []).append(v)
    store.close()
    if tmp:
        tmp.cleanup()
    return {
        "searches": len(totals),
        "second_stage": retriever.second_stage is not None,
        "p50_ms": _ms(statistics.median(totals)),
        "p95_ms": _ms(_pct(totals, 95)),
        "parts_p50_ms": {k: _ms(statistics.median(v)) for k, v in parts.items()},
    }


def bench_synthetic(n: int) -> dict:
    import numpy as np

    from assist.query import build_query, fts_query
    from indexer.store import ChunkRow, IndexStore

    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in range(20000)] + [
        "hub",
        "bulb",
        "router",
        "firmware",
        "reset",
        "pair",
        "offline",
        "error",
        "refund",
    ]
    dim = 384
    with tempfile.TemporaryDirectory() as tmp:
        store = IndexStore(Path(tmp) / "db")
        t0 = time.perf_counter()
        batch = 5000
        for start in range(0, n, batch):
            ids = [f"c{i:07d}" for i in range(start, min(n, start + batch))]
            vecs = rng.standard_normal((len(ids), dim)).astype(np.float32)
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            metas = [
                {"title": f"Doc {i // 8}", "path": f"d/{i // 8}.md", "doc_uid": f"u{i // 8}"}
                for i in range(start, start + len(ids))
            ]
            store.upsert_vectors(ids, vecs, metas)
            rows = []
            for cid, meta in zip(ids, metas, strict=True):
                text = " ".join(random.choices(words, k=120))
                rows.append((meta["doc_uid"], ChunkRow(cid, 0, text, meta["title"], "", meta)))
            grouped: dict[str, list[ChunkRow]] = {}
            for uid, row in rows:
                grouped.setdefault(uid, []).append(row)
            store.commit_docs([(uid, "src", uid, uid, uid, "f", "h", None, r) for uid, r in grouped.items()])
        build = time.perf_counter() - t0
        store.bump_generation()
        q = build_query(
            "hub offline after router change", "the hub shows offline and the bulbs do not respond"
        )
        expr = fts_query(q)
        qv = rng.standard_normal(dim).astype(np.float32)
        t0 = time.perf_counter()
        store.vector_search(qv.tolist(), 100)  # first call loads the matrix from Chroma
        load = time.perf_counter() - t0
        times: list[float] = []
        dense_t: list[float] = []
        for _ in range(30):
            t0 = time.perf_counter()
            dense = store.vector_search(qv.tolist(), 100)
            t1 = time.perf_counter()
            lexical = store.lexical_search(expr, 100)
            store.get_chunks([c for c, _ in dense] + [c for c, _ in lexical])
            times.append(time.perf_counter() - t0)
            dense_t.append(t1 - t0)
        store.close()
    return {
        "chunks": n,
        "build_seconds": round(build, 1),
        "first_query_matrix_load_seconds": round(load, 2),
        "store_p50_ms": _ms(statistics.median(times)),
        "store_p95_ms": _ms(_pct(times, 95)),
        "dense_scan_p50_ms": _ms(statistics.median(dense_t)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, default=None, help="an index of the shared KB (built if absent)")
    parser.add_argument("--synthetic", type=int, default=100_000)
    parser.add_argument("--no-rerank", action="store_true", help="the first stage alone")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "tickets": bench_tickets(args.db, rerank=not args.no_rerank),
        "synthetic": bench_synthetic(args.synthetic),
    }
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
