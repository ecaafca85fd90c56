"""Indexing benchmark on the shared KB export (Confluence zip + Notion zip + docs folder).

Reports, in one run on the same chunks:
- full index wall time and the indexer's chunks/s (read → chunk → embed → store, everything);
- the raw encoder's chunks/s: `SentenceTransformer.encode` alone on the very same chunk texts;
- their ratio (goal ≥ 0.9: the pipeline adds little to the encoder);
- a no-op re-run's time, in-process and as the `assist-index` command (goal < 2 s).

    python bench/index_bench.py [--kb ../shared/data/exports/kb] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from common.privacy import enforce_offline  # noqa: E402

enforce_offline()


def _sources(kb: Path) -> list[Path]:
    return [
        kb / "confluence" / "SUPKB-html-export.zip",
        kb / "notion" / "Store-and-Cloud-export.zip",
        kb / "docs",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kb", type=Path, default=REPO.parent / "shared" / "data" / "exports" / "kb")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from indexer.pipeline import SourceSpec, index
    from indexer.sources import detect_kind, make_reader, open_tree
    from indexer.store import doc_uid
    from models.embedder import make_embedder

    sources = _sources(args.kb)
    embedder = make_embedder()
    embedder.warm_up()  # model load is the same for both sides; not part of either figure

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "db"
        t0 = time.perf_counter()
        report = index([SourceSpec(p) for p in sources], db, embedder)
        full = time.perf_counter() - t0

        # The same chunks, re-made with the same readers and chunker, encoded raw.
        from indexer.chunker import Chunker

        chunker = Chunker(embedder.count_tokens, embedder.max_tokens)
        texts: list[str] = []
        for src in sources:
            tree = open_tree(src)
            reader = make_reader(detect_kind(tree))
            sid = str(src.resolve())
            for ref in reader.scan(tree, []):
                try:
                    doc = reader.load(ref)
                except Exception:
                    continue
                texts.extend(c.embed_text for c in chunker.chunk(doc, doc_uid(sid, ref.key)))
        t0 = time.perf_counter()
        embedder.encode(texts)
        raw = time.perf_counter() - t0

        t0 = time.perf_counter()
        noop = index([SourceSpec(p) for p in sources], db, embedder)
        noop_inproc = time.perf_counter() - t0
        cmd = [sys.executable, "-m", "indexer.cli", *map(str, sources), "--db", str(db), "--json"]
        t0 = time.perf_counter()
        out = subprocess.run(
            cmd, capture_output=True, text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}
        )
        noop_cli = time.perf_counter() - t0
        cli_report = json.loads(out.stdout)

    figures = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "documents": report.documents,
        "chunks": report.chunks,
        "skipped": len(report.skipped),
        "full_index_seconds": round(full, 2),
        "indexer_chunks_per_s": round(report.chunks / full, 1),
        "encode_seconds_inside_indexer": round(report.encode_seconds, 2),
        "raw_encoder_chunks_per_s": round(len(texts) / raw, 1),
        "raw_encoder_chunks": len(texts),
        "ratio_indexer_to_raw": round((report.chunks / full) / (len(texts) / raw), 3),
        "noop_rerun_seconds_in_process": round(noop_inproc, 3),
        "noop_rerun_seconds_cli": round(noop_cli, 3),
        "noop_unchanged": noop.unchanged,
        "noop_cli_unchanged": cli_report["unchanged"],
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        width = max(map(len, figures))
        for key, value in figures.items():
            print(f"{key:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
