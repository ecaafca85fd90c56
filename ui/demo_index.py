"""The demo index behind `assist-sidebar --demo`: where it lives, whether it is stale, building it.

Qt-free (the sidebar runs `build()` in a worker). "Stale" means the shipped demo KB changed since
the index was built (a new release, or `python demo/make_demo.py`): a stamp beside the index
records the size and mtime of every KB file, and the indexer itself is incremental, so a rebuild
after a small change only re-embeds what changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from common.paths import data_dir, demo_dir

STAMP = "demo-stamp.json"


def demo_index_dir() -> Path:
    return data_dir() / "demo-index"


def demo_sources(kb: Path | None = None) -> list[Path]:
    """The three demo sources: Confluence export, Notion export, docs folder."""
    kb = kb or demo_dir() / "kb"
    return [
        kb / "confluence" / "LUMEN-html-export.zip",
        kb / "notion" / "Lumen-Notion-export.zip",
        kb / "docs",
    ]


def _fingerprint(sources: list[Path]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for source in sources:
        files = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
        for f in files:
            st = f.stat()
            out[str(f)] = [st.st_size, st.st_mtime_ns]
    return out


def is_stale(db: Path | None = None, sources: list[Path] | None = None) -> bool:
    """True when there is no demo index at `db`, or the demo KB changed since it was built."""
    db = db or demo_index_dir()
    if not (db / "catalog.sqlite").exists():
        return True
    try:
        stamp = json.loads((db / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True
    return stamp != _fingerprint(sources or demo_sources())


class _Progress:
    """Adapts the indexer's progress protocol to one callback: (done, total)."""

    def __init__(self, report: Callable[[int, int], None]) -> None:
        self._report = report
        self._total = 0
        self._done = 0

    def start(self, total: int) -> None:
        self._total = total
        self._report(0, total)

    def advance(self, n: int = 1, label: str = "") -> None:
        self._done += n
        self._report(self._done, self._total)

    def stop(self) -> None: ...


def build(
    db: Path | None = None,
    sources: list[Path] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Index the demo KB into `db` (incremental) and stamp it; returns the number of documents.

    Blocking (seconds to a minute): call from a worker.
    """
    from indexer.pipeline import SourceSpec, index
    from models.embedder import make_embedder

    db = db or demo_index_dir()
    sources = sources or demo_sources()
    report = index(
        [SourceSpec(path=p) for p in sources],
        db,
        make_embedder(),
        progress=_Progress(progress) if progress else None,
    )
    if report.errors:
        from common.errors import IndexingError

        raise IndexingError("Could not build the demo index: " + "; ".join(report.errors))
    (db / STAMP).write_text(json.dumps(_fingerprint(sources)), encoding="utf-8")
    return report.documents
