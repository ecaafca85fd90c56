"""Index server benchmark: retrieval through a Chroma server (`chroma run`) against a local index, at
100k and 1M synthetic chunks, with one client and with 20 concurrent clients (issue #14 §3).

    python bench/index_server_bench.py [--sizes 100000,1000000] [--clients 20] [--mode thread]
                                       [--rounds 3] [--hybrid-rounds 1] [--hybrid-per-client 20]
                                       [--work DIR] [--max-load-minutes 60] [--json]

What it measures, per size:
- load: writing the chunks through the product's API — `IndexStore.commit_docs` (catalog + FTS5)
  and `upsert_vectors` — into a local index (`LocalChroma`, `<db>/chroma`) and into an index whose
  vectors are on a `chroma run` server (`ServerChroma`; its folder holds the catalog only, which
  remembers the server): seconds and disk size of each;
- the dense step alone (`IndexStore.vector_search`, 100 candidates as retrieval asks): p50/p95 local
  vs server. Local is an exact scan up to 250k chunks and Chroma's HNSW above; the server is
  always its HNSW;
- full hybrid retrieval (`Retriever.search`: embed + dense + lexical + fuse), p50/p95 and parts;
- top-10 agreement of the dense step: server vs local, and each vs an exact numpy scan;
- `--clients` concurrent clients against the server, each with its own `IndexStore` (and, for
  hybrid, its own `Retriever` and single-thread embedder), all starting together: per-query
  p50/p95, errors, and total throughput. `--mode thread` runs them as threads of one process,
  `process` as processes (no shared GIL, no shared chromadb HTTP pool: chromadb keeps one client
  per host and process), `thread,process` both. There is no 20-client local figure: a local index
  is one agent's, on its own machine, so the comparison is with the one-client local figures.

Data. Chunk texts and vectors are derived from the shared KB (414 articles → 455 documents,
~2,240 chunks, indexed once with the product's indexer and embedder): synthetic document j is
variant j // D of real document j % D, with the same number of chunks. Variant 0 is the real
document; in the others every chunk keeps its headings and ~65% of its sentences, ~25% are
swapped for sentences of one random "donor" chunk of another document and ~10% are dropped. Its
vector is the real chunk's embedding mixed with the donor's in that proportion, plus isotropic
gaussian noise scaled so the cosine to the mix is 0.86-0.96 (paraphrase-like), re-normalised:
neighbourhoods are clustered around real articles like real data, without embedding 1M texts
(MiniLM does ~40 chunks/s on two cores). Queries are real tickets: the 30 shared dev tickets and
the 70 held-out ones of `eval/extra_tickets.jsonl`, embedded by the product's embedder.

Everything built is cached under `--work` (default: <tmp>/assist-index-server-bench), one folder
per size: local/ (the local index: catalog.sqlite, chroma/), served/ (the served index's catalog),
server/ (the server's data), vectors.npy and ids.txt (for the exact scan), state.json (load
progress and times). Loading is resumable and
doc-aligned in batches; with `--max-load-minutes` it stops after the batch that crosses the limit
and measures the prefix it loaded (reported as `chunks_loaded` < `chunks`, with the load rates for
an extrapolation); a re-run continues the load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from common.privacy import enforce_offline  # noqa: E402

enforce_offline()
SHARED = REPO.parent / "shared" / "data"
SOURCE_ID = "synthetic-kb"
DENSE_K = 100  # RetrievalSettings.candidates: what retrieval asks the dense side for
LAYOUT = 2  # of the folders under --work: older ones are rebuilt
BATCH_DOCS = 4000  # ~20k chunks per write batch
_PLURAL = {"thread": "threads", "process": "processes"}
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _ms(x: float) -> float:
    return round(x * 1000, 1)


def _stats(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    return {"n": len(values), "p50_ms": _ms(statistics.median(values)), "p95_ms": _ms(_pct(values, 95))}


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _du_mb(*paths: Path) -> float:
    total = 0
    for path in paths:
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            total += sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return round(total / 1e6, 1)


def _embedder():
    try:
        from models.embedder import make_embedder
    except ImportError:  # before the ONNX embedder: sentence-transformers only
        from models.embedder import SentenceTransformerEmbedder as make_embedder
    return make_embedder(threads=1)


# -- the real KB the synthetic chunks are made from ----------------------------------------------


@dataclass(slots=True)
class RealChunk:
    ordinal: int
    heading: str
    meta: dict[str, Any]
    lines: list[list[str]]
    """Text as lines of sentences (headings and list markers stay on their lines)."""
    vector: Any


@dataclass(slots=True)
class RealDoc:
    doc_key: str
    path: str
    title: str
    parent_key: str | None
    chunks: list[RealChunk]


def real_kb(work: Path) -> tuple[list[RealDoc], dict[str, str]]:
    """The shared KB indexed once (cached in work/kb): documents, chunk texts and embeddings."""
    import numpy as np

    from indexer.pipeline import SourceSpec, index
    from indexer.store import IndexStore

    db = work / "kb"
    built = False
    if (db / "catalog.sqlite").exists():
        store = IndexStore(db, create=False)
        built = store.get_meta("run_state") is not None
        store.close()
    if not built:
        kb = SHARED / "exports" / "kb"
        sources = [kb / "confluence" / "SUPKB-html-export.zip", kb / "notion" / "Store-and-Cloud-export.zip"]
        print("indexing the shared KB once (a few minutes)…", file=sys.stderr)
        index([SourceSpec(p) for p in [*sources, kb / "docs"]], db, _embedder())
    store = IndexStore(db, create=False)
    vectors: dict[str, Any] = {}
    for ids, page in store.vectors.pages():
        page = page / np.linalg.norm(page, axis=1, keepdims=True)
        vectors.update(zip(ids, page, strict=True))
    docs: list[RealDoc] = []
    rows = store.sql.execute(
        "SELECT uid, doc_key, path, title, parent_key FROM docs WHERE state='ok' ORDER BY uid"
    ).fetchall()
    for uid, doc_key, path, title, parent_key in rows:
        chunks = [
            RealChunk(
                ordinal=int(c.meta.get("ordinal", i)),
                heading=str(c.meta.get("heading") or ""),
                meta=c.meta,
                lines=[_SENTENCE.split(line) for line in c.text.split("\n")],
                vector=vectors[c.id],
            )
            for i, c in enumerate(store.doc_chunks(uid))
            if c.id in vectors
        ]
        if chunks:
            docs.append(RealDoc(doc_key, path, title, parent_key, chunks))
    meta = {k: store.get_meta(k) or "" for k in ("embedder", "dimension", "schema")}
    store.close()
    return docs, meta


# -- synthetic chunks ------------------------------------------------------------------------------


class Synthetic:
    """N chunks in documents made from the real ones; batch b is always the same (seeded by b)."""

    def __init__(self, docs: list[RealDoc], n: int, seed: int = 7) -> None:
        self.docs = docs
        self.n = n
        self.seed = seed
        self.pool = [c for d in docs for c in d.chunks]
        sizes = [len(d.chunks) for d in docs]
        # documents needed to reach n chunks (the last one cut short)
        j = n // len(self.pool) * len(docs)
        total = n // len(self.pool) * len(self.pool)
        while total < n:
            total += sizes[j % len(docs)]
            j += 1
        self.n_docs = j
        self.batches = -(-self.n_docs // BATCH_DOCS)

    def _chunks_before_doc(self, j: int) -> int:
        per_round = len(self.pool)
        rounds, rest = divmod(j, len(self.docs))
        return rounds * per_round + sum(len(self.docs[i].chunks) for i in range(rest))

    def batch(self, b: int) -> tuple[list[tuple], list[str], Any, list[dict[str, Any]]]:
        """(commit_docs rows, chunk ids, vectors, vector metadata) of batch b."""
        import numpy as np

        from indexer.chunker import chunk_id
        from indexer.store import ChunkRow, doc_uid

        rng = np.random.default_rng([self.seed, b])
        pick = random.Random(self.seed * 1_000_003 + b)
        rows: list[tuple] = []
        ids: list[str] = []
        mixes: list[tuple[Any, Any, float, float]] = []
        metas: list[dict[str, Any]] = []
        emitted = self._chunks_before_doc(b * BATCH_DOCS)
        for j in range(b * BATCH_DOCS, min(self.n_docs, (b + 1) * BATCH_DOCS)):
            variant, real = divmod(j, len(self.docs))
            doc = self.docs[real]
            key = f"{doc.doc_key}@{variant}"
            uid = doc_uid(SOURCE_ID, key)
            path = f"v{variant}/{doc.path}"
            chunk_rows = []
            for c in doc.chunks:
                if emitted >= self.n:
                    break
                emitted += 1
                if variant == 0:
                    text, share, noise, donor = "\n".join(" ".join(s) for s in c.lines), 0.0, 0.0, c
                else:
                    donor = self.pool[pick.randrange(len(self.pool))]
                    donor_sentences = [s for line in donor.lines for s in line if s.strip()] or [""]
                    swapped = kept = 0
                    lines = []
                    for line in c.lines:
                        if line and line[0].lstrip().startswith("#"):
                            lines.append(" ".join(line))
                            continue
                        out = []
                        for s in line:
                            r = pick.random()
                            if r < 0.25:
                                out.append(pick.choice(donor_sentences))
                                swapped += 1
                            elif r >= 0.35:
                                out.append(s)
                                kept += 1
                        lines.append(" ".join(out))
                    text = "\n".join(lines)
                    share = swapped / max(1, swapped + kept)
                    noise = pick.uniform(0.30, 0.60)  # cos to the mix = 1/sqrt(1 + noise²): 0.86-0.96
                cid = chunk_id(uid, c.ordinal)
                meta = {
                    **c.meta,
                    "path": path,
                    "doc_id": f"{c.meta.get('doc_id', '')}@{variant}",
                    "source_root": SOURCE_ID,
                }
                ids.append(cid)
                metas.append(meta)
                mixes.append((c.vector, donor.vector, share, noise))
                chunk_rows.append(ChunkRow(cid, c.ordinal, text, doc.title, c.heading, meta))
            if chunk_rows:
                parent = f"{doc.parent_key}@{variant}" if doc.parent_key else None
                rows.append((uid, SOURCE_ID, key, path, doc.title, f"f{j}", f"h{j}", parent, chunk_rows))
        base = np.stack([m[0] for m in mixes]).astype(np.float32)
        donor = np.stack([m[1] for m in mixes]).astype(np.float32)
        share = np.array([m[2] for m in mixes], dtype=np.float32)[:, None]
        noise = np.array([m[3] for m in mixes], dtype=np.float32)[:, None]
        vecs = (1 - share) * base + share * donor
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        gauss = rng.standard_normal(vecs.shape).astype(np.float32) / np.sqrt(vecs.shape[1])
        vecs = vecs + noise * gauss
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        return rows, ids, vecs.astype(np.float32), metas


# -- building an index of one size -----------------------------------------------------------------


def _state(folder: Path) -> dict[str, Any]:
    path = folder / "state.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _save_state(folder: Path, state: dict[str, Any]) -> None:
    (folder / "state.json").write_text(json.dumps(state, indent=1))


def prepare(folder: Path, synth: Synthetic) -> dict[str, Any]:
    """The load state of one size; a folder built for other data is emptied (server stopped)."""
    state = _state(folder)
    if (state.get("n"), state.get("seed"), state.get("layout")) != (synth.n, synth.seed, LAYOUT):
        if folder.exists():
            for sub in ("local", "served", "server", "vectors.npy", "ids.txt"):
                p = folder / sub
                shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
        folder.mkdir(parents=True, exist_ok=True)
        state = {
            "n": synth.n,
            "seed": synth.seed,
            "layout": LAYOUT,
            "batches": synth.batches,
            "batches_done": 0,
            "chunks_loaded": 0,
            "seconds": {"catalog": 0.0, "local": 0.0, "catalog_served": 0.0, "server": 0.0},
            "load_avg": [],
        }
        _save_state(folder, state)
    return state


def build(
    folder: Path, synth: Synthetic, state: dict, kb_meta: dict[str, str], server_url: str, limit_s: float
) -> dict:
    """Load (or continue loading) one size into the local index and the server; returns state."""
    import numpy as np

    from indexer.store import IndexStore
    from indexer.vectors import IndexServer

    if state["batches_done"] >= synth.batches:
        return state

    matrix = np.lib.format.open_memmap(
        folder / "vectors.npy",
        mode="r+" if (folder / "vectors.npy").exists() else "w+",
        dtype=np.float32,
        shape=(synth.n, len(synth.pool[0].vector)),
    )
    ids_path = folder / "ids.txt"
    kept = ids_path.read_text().splitlines()[: state["chunks_loaded"]] if ids_path.exists() else []
    ids_path.write_text("".join(f"{i}\n" for i in kept))

    local = IndexStore(folder / "local")
    server = IndexStore(folder / "served", server=IndexServer(server_url, timeout=600.0))
    for store in (local, server):
        for key, value in kb_meta.items():
            store.set_meta(key, value)
        store.upsert_source(SOURCE_ID, "synthetic", SOURCE_ID)
    started = time.perf_counter()
    secs = state["seconds"]
    try:
        with open(ids_path, "a") as ids_file:
            for b in range(state["batches_done"], synth.batches):
                rows, ids, vecs, metas = synth.batch(b)
                t0 = time.perf_counter()
                local.commit_docs(rows)
                t1 = time.perf_counter()
                local.upsert_vectors(ids, vecs, metas)
                t2 = time.perf_counter()
                server.commit_docs(rows)
                t3 = time.perf_counter()
                server.upsert_vectors(ids, vecs, metas)
                t4 = time.perf_counter()
                secs["catalog"] += t1 - t0
                secs["local"] += t2 - t1
                secs["catalog_served"] += t3 - t2
                secs["server"] += t4 - t3
                at = state["chunks_loaded"]
                matrix[at : at + len(ids)] = vecs
                matrix.flush()
                ids_file.write("".join(f"{i}\n" for i in ids))
                ids_file.flush()
                state["chunks_loaded"] = at + len(ids)
                state["batches_done"] = b + 1
                state["load_avg"].append(os.getloadavg()[0])
                _save_state(folder, state)
                print(
                    f"  {state['chunks_loaded']:>9,} chunks  catalog {secs['catalog']:7.0f} s  "
                    f"local {secs['local']:7.0f} s  server {secs['server']:7.0f} s  "
                    f"load {os.getloadavg()[0]:.1f}",
                    file=sys.stderr,
                    flush=True,
                )
                if time.perf_counter() - started > limit_s and b + 1 < synth.batches:
                    print(
                        f"  stopping the load after {limit_s / 60:.0f} min (--max-load-minutes)",
                        file=sys.stderr,
                    )
                    break
    finally:
        for store in (local, server):
            store.bump_generation()
            store.set_meta("run_state", "clean")
            store.close()
    return state


# -- measuring -------------------------------------------------------------------------------------


def tickets() -> list[tuple[str, str]]:
    out = []
    for path in (SHARED / "eval" / "dev_tickets.jsonl", REPO / "eval" / "extra_tickets.jsonl"):
        if path.exists():
            out += [(t["subject"], t["body"]) for t in map(json.loads, path.read_text().splitlines()) if t]
    return out


def _client(
    folder: str,
    url: str,
    kind: str,
    work: list,
    barrier: Any,
    results: Any,
    index: int,
) -> None:
    """One concurrent client: its own store (and retriever), warmed, then its queries in a row."""
    from assist.query import build_query
    from assist.retrieval import Retriever
    from common.errors import IndexServerError
    from indexer.store import IndexStore
    from indexer.vectors import IndexServer

    store = IndexStore(Path(folder) / "served", create=False, server=IndexServer(url))
    retriever = Retriever(store, _embedder()) if kind == "hybrid" else None
    queries = [build_query(s, b) for s, b in work] if retriever else work

    def one(q: Any) -> None:
        if retriever is not None:
            retriever.search(q)
        else:
            store.vector_search(q, DENSE_K)

    errors: list[str] = []
    try:
        one(queries[0])  # warm: connection, model
    except IndexServerError as exc:
        errors.append(str(exc)[:200])
    barrier.wait()
    times: list[float] = []
    start = time.monotonic()
    for q in queries:
        t0 = time.perf_counter()
        try:
            one(q)
            times.append(time.perf_counter() - t0)
        except IndexServerError as exc:
            errors.append(str(exc)[:200])
    end = time.monotonic()
    store.close()
    results.put((index, times, errors, start, end))


def concurrent(
    folder: Path, url: str, kind: str, clients: int, mode: str, qvs: list, texts: list, per_client: int
) -> dict:
    """`clients` clients against the server, each running `per_client` queries (from its own
    offset in the ticket list)."""
    import multiprocessing
    import queue

    source = texts if kind == "hybrid" else qvs
    count = min(len(source), per_client)
    work = [
        (source[(i * 5) % len(source) :] + source[: (i * 5) % len(source)])[:count] for i in range(clients)
    ]
    load_before = _load()
    if mode == "thread":
        barrier: Any = threading.Barrier(clients)
        results: Any = queue.Queue()
        runners: list[Any] = [
            threading.Thread(target=_client, args=(str(folder), url, kind, work[i], barrier, results, i))
            for i in range(clients)
        ]
    else:
        ctx = multiprocessing.get_context("spawn")
        barrier = ctx.Barrier(clients)
        results = ctx.Queue()
        runners = [
            ctx.Process(target=_client, args=(str(folder), url, kind, work[i], barrier, results, i))
            for i in range(clients)
        ]
    for r in runners:
        r.start()
    got = [results.get(timeout=3600) for _ in runners]
    for r in runners:
        r.join()
    times = [t for _, ts, _, _, _ in got for t in ts]
    errors = [e for _, _, es, _, _ in got for e in es]
    wall = max(g[4] for g in got) - min(g[3] for g in got)
    return {
        **_stats(times),
        "clients": clients,
        "mode": mode,
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "queries_per_s": round(len(times) / wall, 1) if wall else None,
        "wall_s": round(wall, 1),
        "load_avg": [load_before, _load()],
    }


def measure(folder: Path, state: dict, url: str, args: argparse.Namespace, cold_s: float) -> dict:
    import numpy as np

    from assist.query import build_query
    from assist.retrieval import Retriever
    from indexer.store import EXACT_SEARCH_MAX, IndexStore
    from indexer.vectors import IndexServer, LocalChroma, ServerChroma

    n = state["chunks_loaded"]
    local = IndexStore(folder / "local", create=False)
    server = IndexStore(folder / "served", create=False, server=IndexServer(url))
    assert isinstance(local.vectors, LocalChroma) and isinstance(server.vectors, ServerChroma)
    embedder = _embedder()
    texts = tickets()
    queries = [build_query(s, b) for s, b in texts]
    retr_local = Retriever(local, embedder)
    retr_server = Retriever(server, embedder)
    qvs = [retr_local.embed_query(q).tolist() for q in queries]

    # exact: loads the matrix; HNSW: reads the graph. In a fresh process: this one loaded the
    # collection to write it, and chromadb keeps one embedded client per path and process.
    local_first = _cold_local(folder, qvs[0])
    local.vector_search(qvs[0], DENSE_K)
    out: dict[str, Any] = {
        "chunks": state["n"],
        "chunks_loaded": n,
        "local_dense": "exact scan" if n <= EXACT_SEARCH_MAX else "Chroma HNSW (embedded)",
        "server_dense": "Chroma HNSW (chroma run)",
        "load_seconds": {k: round(v, 1) for k, v in state["seconds"].items()},
        "load_chunks_per_s": {k: round(n / v) for k, v in state["seconds"].items() if v},
        "load_avg_during_load": round(statistics.mean(state["load_avg"]), 2) if state["load_avg"] else None,
        "disk_mb": {
            "catalog": _du_mb(*(folder / "local").glob("catalog.sqlite*")),
            "local_vectors": _du_mb(folder / "local" / "chroma"),
            "server": _du_mb(folder / "server"),
        },
        "first_query_s": {"local": round(local_first, 2), "server_after_start": round(cold_s, 2)},
        "queries": len(queries),
        "rounds": {"dense": args.rounds, "hybrid": args.hybrid_rounds},
    }

    # dense step alone; the two sides alternate which goes first in a round
    print("  dense step…", file=sys.stderr, flush=True)
    load_before = _load()
    dense: dict[str, list[float]] = {"local": [], "server": []}
    top10: dict[str, list[list[str]]] = {"local": [], "server": []}
    for r in range(args.rounds):
        order = [("local", local), ("server", server)]
        for name, store in order if r % 2 == 0 else order[::-1]:
            for qv in qvs:
                t0 = time.perf_counter()
                hits = store.vector_search(qv, DENSE_K)
                dense[name].append(time.perf_counter() - t0)
                if r == 0:
                    top10[name].append([cid for cid, _ in hits[:10]])
    out["dense"] = {k: _stats(v) for k, v in dense.items()}
    out["dense"]["load_avg"] = [load_before, _load()]

    # agreement, and recall against an exact numpy scan of the loaded vectors
    ids = (folder / "ids.txt").read_text().splitlines()[:n]
    matrix = np.load(folder / "vectors.npy", mmap_mode="r")
    q = np.asarray(qvs, dtype=np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    best: list[list[tuple[float, int]]] = [[] for _ in qvs]
    for start in range(0, n, 100_000):
        sims = np.asarray(matrix[start : min(n, start + 100_000)]) @ q.T
        top = np.argpartition(-sims, 9, axis=0)[:10]
        for qi in range(len(qvs)):
            best[qi] = sorted(best[qi] + [(float(sims[i, qi]), start + int(i)) for i in top[:, qi]])[-10:]
    exact = [[ids[i] for _, i in b] for b in best]

    def overlap(a: list[list[str]], b: list[list[str]]) -> float:
        return round(statistics.mean(len(set(x) & set(y)) / 10 for x, y in zip(a, b, strict=True)), 3)

    out["top10_agreement"] = {
        "server_vs_local": overlap(top10["server"], top10["local"]),
        "server_vs_exact": overlap(top10["server"], exact),
        "local_vs_exact": overlap(top10["local"], exact),
    }

    # full hybrid retrieval
    print("  hybrid retrieval…", file=sys.stderr, flush=True)
    load_before = _load()
    retr_local.search(queries[0])
    retr_server.search(queries[0])
    hybrid: dict[str, list[float]] = {"local": [], "server": []}
    parts: dict[str, dict[str, list[float]]] = {"local": {}, "server": {}}
    for r in range(args.hybrid_rounds):
        order = [("local", retr_local), ("server", retr_server)]
        for name, retriever in order if r % 2 == 0 else order[::-1]:
            for query in queries:
                t0 = time.perf_counter()
                result = retriever.search(query)
                hybrid[name].append(time.perf_counter() - t0)
                for k, v in result.timings.items():
                    parts[name].setdefault(k, []).append(v)
    out["hybrid"] = {
        k: {**_stats(v), "parts_p50_ms": {p: _ms(statistics.median(x)) for p, x in parts[k].items()}}
        for k, v in hybrid.items()
    }
    out["hybrid"]["load_avg"] = [load_before, _load()]
    local.close()
    server.close()

    for mode in args.mode.split(","):
        for kind in ("dense", "hybrid"):
            print(f"  {args.clients} clients ({_PLURAL[mode]}), {kind}…", file=sys.stderr, flush=True)
            per_client = args.hybrid_per_client if kind == "hybrid" else len(qvs)
            out.setdefault("concurrent", {}).setdefault(mode, {})[kind] = concurrent(
                folder, url, kind, args.clients, mode, qvs, texts, per_client
            )
    return out


def run_size(n: int, docs: list[RealDoc], kb_meta: dict[str, str], args: argparse.Namespace) -> dict:
    from tests.helpers.chroma_server import ChromaServer

    folder = args.work / f"n{n}"
    synth = Synthetic(docs, n)
    state = prepare(folder, synth)
    server = ChromaServer(folder / "server", startup_seconds=600)
    t0 = time.perf_counter()
    server.start()
    start_s = time.perf_counter() - t0
    try:
        print(f"{n:,} chunks: loading (server {server.url})…", file=sys.stderr, flush=True)
        state = build(folder, synth, state, kb_meta, server.url, args.max_load_minutes * 60)
        # the server's first query after a restart reads its HNSW index from disk
        server.stop()
        t0 = time.perf_counter()
        server.start()
        start_s = time.perf_counter() - t0
        cold = _cold_query(folder, server.url, len(synth.pool[0].vector))
        print(f"{n:,} chunks: measuring…", file=sys.stderr, flush=True)
        out = measure(folder, state, server.url, args, cold)
        out["server_start_s"] = round(start_s, 1)
        return out
    finally:
        server.stop()


def _first_local_search(folder: str, qv: list[float]) -> float:
    from indexer.store import IndexStore

    store = IndexStore(Path(folder) / "local", create=False)
    t0 = time.perf_counter()
    store.vector_search(qv, DENSE_K)
    took = time.perf_counter() - t0
    store.close()
    return took


def _cold_local(folder: Path, qv: list[float]) -> float:
    """The first dense search of a fresh process on the local index."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_first_local_search, (str(folder), qv))


def _cold_query(folder: Path, url: str, dim: int) -> float:
    from indexer.store import IndexStore
    from indexer.vectors import IndexServer

    store = IndexStore(folder / "served", create=False, server=IndexServer(url, timeout=600.0))
    t0 = time.perf_counter()
    store.vector_search([1.0 / dim**0.5] * dim, DENSE_K)
    took = time.perf_counter() - t0
    store.close()
    return took


# -- report ----------------------------------------------------------------------------------------


def table(figures: dict) -> str:
    rows = ["| figure | " + " | ".join(f"{int(n):,} chunks" for n in figures["sizes"]) + " |"]
    rows.append("|---|" + "---|" * len(figures["sizes"]))
    sizes = list(figures["sizes"].values())

    def row(label: str, fn) -> None:
        cells = []
        for s in sizes:
            try:
                cells.append(fn(s))
            except (KeyError, TypeError):
                cells.append("–")
        rows.append(f"| {label} | " + " | ".join(cells) + " |")

    def pp(d: dict) -> str:
        return f"{d['p50_ms']:g} / {d['p95_ms']:g}"

    def la(pair: list) -> str:  # the 1-min load average when the block started
        return f"load {pair[0][0]:.1f}"

    row("chunks loaded", lambda s: f"{s['chunks_loaded']:,}")
    row(
        "load time: catalog + FTS5 (each index) / local Chroma / server (s)",
        lambda s: " / ".join(f"{s['load_seconds'][k]:,.0f}" for k in ("catalog", "local", "server")),
    )
    row(
        "disk: catalog / local vectors / server (MB)",
        lambda s: " / ".join(f"{s['disk_mb'][k]:,.0f}" for k in ("catalog", "local_vectors", "server")),
    )
    row(
        "first query: local (new process) / server just started (s)",
        lambda s: f"{s['first_query_s']['local']} / {s['first_query_s']['server_after_start']}",
    )
    row("local dense search is", lambda s: s["local_dense"])
    row(
        "dense step, local p50 / p95 (ms)",
        lambda s: f"{pp(s['dense']['local'])} ({la(s['dense']['load_avg'])})",
    )
    row("dense step, server p50 / p95 (ms)", lambda s: pp(s["dense"]["server"]))
    row(
        "hybrid search, local p50 / p95 (ms)",
        lambda s: f"{pp(s['hybrid']['local'])} ({la(s['hybrid']['load_avg'])})",
    )
    row("hybrid search, server p50 / p95 (ms)", lambda s: pp(s["hybrid"]["server"]))
    row(
        "hybrid parts p50 local / server (ms)",
        lambda s: "; ".join(
            f"{p} {s['hybrid']['local']['parts_p50_ms'].get(p, 0):g}"
            f"/{s['hybrid']['server']['parts_p50_ms'].get(p, 0):g}"
            for p in ("embed", "dense", "lexical", "fuse")
        ),
    )
    for mode in ("thread", "process"):
        for kind in ("dense", "hybrid"):

            def conc(s: dict, mode: str = mode, kind: str = kind) -> str:
                c = s["concurrent"][mode][kind]
                return f"{pp(c)} ms, {c['queries_per_s']:g} q/s, {c['errors']} errors ({la(c['load_avg'])})"

            if any(mode in s.get("concurrent", {}) for s in sizes):
                row(
                    f"server, {figures['clients']} clients ({_PLURAL[mode]}), {kind}: p50 / p95, throughput",
                    conc,
                )
    row(
        "top-10 agreement server∩local (server∩exact, local∩exact)",
        lambda s: "{server_vs_local} ({server_vs_exact}, {local_vs_exact})".format(**s["top10_agreement"]),
    )
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated chunk counts")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--mode", default="thread", help="thread, process or thread,process")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the tickets, dense step")
    parser.add_argument("--hybrid-rounds", type=int, default=1, help="passes over the tickets, hybrid")
    parser.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "assist-index-server-bench"
    )
    parser.add_argument(
        "--hybrid-per-client",
        type=int,
        default=20,
        help="hybrid searches per concurrent client (dense: every ticket)",
    )
    parser.add_argument("--max-load-minutes", type=float, default=60.0)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON, not a table")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)

    import chromadb

    docs, kb_meta = real_kb(args.work)
    figures: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "chromadb": chromadb.__version__,
        "real_kb": {"documents": len(docs), "chunks": sum(len(d.chunks) for d in docs)},
        "clients": args.clients,
        "command": " ".join(["python", "bench/index_server_bench.py", *sys.argv[1:]]),
        "load_avg_at_start": _load(),
        "commit": subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip(),
        "sizes": {},
    }
    for n in (int(x) for x in args.sizes.split(",")):
        figures["sizes"][str(n)] = run_size(n, docs, kb_meta, args)
        (args.work / "figures.json").write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2) if args.json else table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
