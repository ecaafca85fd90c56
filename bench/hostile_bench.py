"""Hostile-file benchmark: what each hostile file costs the indexer, and that the good ones get in.

Writes the folder of `tests/helpers/hostile.py` (five good files, the two from the issue that found
the stall — 200,000 nested <div>s and a 61 MB page — and a dozen more), then
- indexes each hostile file alone (with the five good files) and reports its seconds and outcome;
- indexes the whole folder once, as `assist-index FOLDER --json` would, and reports the total.

    python bench/hostile_bench.py [--json] [--file-timeout 60]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from common.privacy import enforce_offline  # noqa: E402

enforce_offline()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--file-timeout", type=float, default=60.0)
    args = parser.parse_args()

    from indexer.bounds import FileLimits
    from indexer.pipeline import SourceSpec, index
    from models.embedder import make_embedder
    from tests.helpers.hostile import GOOD, write_hostile_folder

    embedder = make_embedder()
    embedder.warm_up()
    limits = FileLimits(seconds_per_file=args.file_timeout)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        kb = root / "kb"
        good, hostile = write_hostile_folder(kb)
        for rel, what in hostile.items():
            one = root / "one"
            shutil.rmtree(one, ignore_errors=True)
            for g in GOOD:
                (one / g).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(kb / g, one / g)
            (one / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(kb / rel, one / rel)
            db = root / f"db-{len(rows)}"
            started = time.perf_counter()
            report = index([SourceSpec(one)], db, embedder, limits=limits)
            seconds = time.perf_counter() - started
            skipped = {s.path: s.reason for s in report.skipped}
            rows.append(
                {
                    "file": rel,
                    "what": what,
                    "bytes": (kb / rel).stat().st_size,
                    "seconds": round(seconds, 2),
                    "outcome": f"skipped: {skipped[rel]}" if rel in skipped else "indexed (bounded)",
                    "good_indexed": report.added - (rel not in skipped),
                }
            )
            shutil.rmtree(db, ignore_errors=True)
        started = time.perf_counter()
        report = index([SourceSpec(kb)], root / "db-all", embedder, limits=limits)
        total = time.perf_counter() - started
    out = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "files": rows,
        "whole_folder": {
            "seconds": round(total, 1),
            "added": report.added,
            "skipped": len(report.skipped),
            "good_indexed": sum(1 for g in good if g not in {s.path for s in report.skipped}),
        },
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"machine: {out['machine']}  (each run: 5 good files + the hostile one, embedder warm)")
    for r in rows:
        print(f"{r['file']:32s} {r['bytes'] / 1e6:7.1f} MB {r['seconds']:7.2f} s  {r['outcome']}")
    w = out["whole_folder"]
    print(
        f"whole folder: {w['seconds']} s, {w['added']} documents added, {w['skipped']} skipped, "
        f"{w['good_indexed']}/{len(good)} good files indexed"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
