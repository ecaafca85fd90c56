"""Incremental, resumable indexing into real Chroma + SQLite FTS5 with the real embedder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from common.errors import EmbedderMismatchError
from indexer.pipeline import IndexReport, SourceSpec, index
from indexer.store import IndexStore

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]


def _write_kb(root: Path, n: int = 6) -> Path:
    for i in range(n):
        folder = root / ("Hub" if i % 2 else "App")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"article-{i}.md").write_text(
            f"---\ntitle: Article {i}\n---\n\n# Article {i}\n\nIntro for topic {i}.\n\n"
            f"## Steps\n\n1. Open the app.\n2. Tap setting {i}.\n\n## Notes\n\nNote number {i}.\n",
            encoding="utf-8",
        )
    return root


def _snapshot(db: Path) -> dict:
    """Everything that must be equal between two indexes built from the same sources."""
    store = IndexStore(db)
    try:
        docs = {uid: (d.content_hash, d.chunk_ids, d.state) for uid, d in store.docs().items()}
        lexical = store.all_chunk_ids()
        vectors = store.vector_ids()
        fts = store.sql.execute("SELECT COUNT(*) FROM chunks_fts").fetchone()[0]
        return {"docs": docs, "lexical": lexical, "vectors": vectors, "fts": fts}
    finally:
        store.close()


def _run(src: Path, db: Path, embedder, **kw) -> IndexReport:
    return index([SourceSpec(src)], db, embedder, **kw)


def test_add_modify_delete_rerun(tmp_path: Path, embedder) -> None:
    src = _write_kb(tmp_path / "kb")
    db = tmp_path / "db"
    first = _run(src, db, embedder)
    assert (first.added, first.updated, first.removed, first.unchanged) == (6, 0, 0, 0)
    assert first.documents == 6 and first.chunks >= 12

    noop = _run(src, db, embedder)
    assert (noop.added, noop.updated, noop.removed, noop.unchanged) == (0, 0, 0, 6)
    assert noop.embedded_chunks == 0

    (src / "App" / "article-0.md").write_text("---\ntitle: Article 0\n---\n\nCompletely new text.\n")
    (src / "Hub" / "article-1.md").unlink()
    (src / "Hub" / "article-9.md").write_text("# Article 9\n\nBrand new.\n")
    touched = src / "App" / "article-2.md"
    touched.write_text(touched.read_text() + "\n")  # bytes change, content does not
    third = _run(src, db, embedder)
    assert (third.added, third.updated, third.removed) == (1, 1, 1)
    assert third.unchanged == 4

    snap = _snapshot(db)
    assert snap["lexical"] == snap["vectors"]
    assert snap["fts"] == len(snap["lexical"])
    store = IndexStore(db)
    try:
        titles = {d.title for d in store.docs().values()}
        assert "Article 1" not in titles and "Article 9" in titles
        hits = store.lexical_search('"Completely new text"', 5)
        assert hits and store.get_chunks([hits[0][0]])[hits[0][0]].meta["title"] == "Article 0"
        assert store.lexical_search("topic 0", 5) == [] or all(
            store.get_chunks([h])[h].meta["title"] != "Article 0"
            for h, _ in store.lexical_search("topic", 20)
        )
    finally:
        store.close()


def test_unchanged_rerun_never_loads_the_embedder(tmp_path: Path, embedder) -> None:
    src = _write_kb(tmp_path / "kb", n=2)
    db = tmp_path / "db"
    _run(src, db, embedder)

    class Refuses:
        name = embedder.name
        dimension = embedder.dimension
        max_tokens = embedder.max_tokens
        count_tokens = staticmethod(embedder.count_tokens)

        def encode(self, texts, batch_size=64):
            raise AssertionError("encoder used on an unchanged run")

    report = _run(src, db, Refuses())
    assert report.unchanged == 2


def test_index_from_an_older_chunker_is_rechunked_once(tmp_path: Path, embedder) -> None:
    src = _write_kb(tmp_path / "kb", n=3)
    (src / "App" / "faq.md").write_text(
        "# FAQ\n\n* **Can I pair two hubs?**\n\n  Yes, up to four.\n", encoding="utf-8"
    )
    db = tmp_path / "db"
    _run(src, db, embedder)
    store = IndexStore(db)
    try:
        # What an index written before CHUNKING_VERSION existed looks like.
        store.sql.execute("DELETE FROM meta WHERE key LIKE 'chunking%'")
        store.sql.commit()
    finally:
        store.close()

    upgrade = _run(src, db, embedder)
    assert (upgrade.added, upgrade.updated, upgrade.unchanged) == (0, 4, 0)
    assert upgrade.embedded_chunks > 0
    again = _run(src, db, embedder)
    assert (again.updated, again.unchanged, again.embedded_chunks) == (0, 4, 0)
    store = IndexStore(db)
    try:
        headings = {c.meta["heading"] for c in store.get_chunks(sorted(store.all_chunk_ids())).values()}
        assert "Can I pair two hubs?" in headings
    finally:
        store.close()


def test_other_embedder_is_refused_unless_rebuild(tmp_path: Path, embedder) -> None:
    src = _write_kb(tmp_path / "kb", n=2)
    db = tmp_path / "db"
    _run(src, db, embedder)

    class Renamed:
        name = "some-other-model"
        dimension = embedder.dimension
        max_tokens = embedder.max_tokens
        count_tokens = staticmethod(embedder.count_tokens)
        encode = staticmethod(embedder.encode)

    with pytest.raises(EmbedderMismatchError, match="--rebuild"):
        _run(src, db, Renamed())
    rebuilt = _run(src, db, Renamed(), rebuild=True)
    assert rebuilt.added == 2
    store = IndexStore(db)
    assert store.get_meta("embedder") == "some-other-model"
    store.close()


def test_only_that_sources_docs_are_removed(tmp_path: Path, embedder) -> None:
    a = _write_kb(tmp_path / "a", n=2)
    b = _write_kb(tmp_path / "b", n=2)
    db = tmp_path / "db"
    index([SourceSpec(a), SourceSpec(b)], db, embedder)
    (a / "App" / "article-0.md").unlink()
    report = _run(a, db, embedder)  # b is not mentioned this time: it must stay
    assert report.removed == 1
    assert report.documents == 3


def test_unreadable_source_keeps_what_was_indexed(tmp_path: Path, embedder) -> None:
    src = _write_kb(tmp_path / "kb", n=2)
    db = tmp_path / "db"
    _run(src, db, embedder)
    bad = tmp_path / "export.zip"
    bad.write_bytes(b"PK\x03\x04garbage")
    report = index([SourceSpec(bad)], db, embedder)
    assert report.errors and "zip" in report.errors[0]
    assert report.documents == 2
    # The source vanishing entirely is an error too, not a reason to delete its documents.
    os.rename(src, tmp_path / "moved")
    report = _run(src, db, embedder)
    assert report.errors and report.documents == 2


def test_bad_files_are_skipped_with_reasons_and_good_ones_indexed(tmp_path: Path, embedder) -> None:
    src = _write_kb(tmp_path / "kb", n=2)
    (src / "junk.md").write_bytes(os.urandom(4096).replace(b"\0", b"\1") + b"\0\0\0")
    (src / "empty.txt").write_bytes(b"")
    (src / "latin1.txt").write_bytes("Caf\xe9 opening hours\n\nThe caf\xe9 opens at 9.".encode("latin-1"))
    (src / "broken.pdf").write_bytes(b"%PDF-1.4 this is not a pdf")
    db = tmp_path / "db"
    report = _run(src, db, embedder)
    reasons = {s.path: s.reason for s in report.skipped}
    assert set(reasons) == {"junk.md", "empty.txt", "broken.pdf"}
    assert "binary" in reasons["junk.md"] and "empty" in reasons["empty.txt"]
    assert report.documents == 3
    store = IndexStore(db)
    assert store.lexical_search("café", 3), "latin-1 text decoded and indexed"
    store.close()


_KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import indexer.pipeline as pipeline
    from indexer.store import IndexStore
    from models.embedder import make_embedder

    point, after = sys.argv[3], int(sys.argv[4])
    pipeline.EMBED_BATCH_CHUNKS = 4
    calls = {"n": 0}

    def wrap(name):
        original = getattr(IndexStore, name)
        def patched(self, *a, **kw):
            calls["n"] += 1
            if point == "before-" + name and calls["n"] > after:
                os.kill(os.getpid(), signal.SIGKILL)
            result = original(self, *a, **kw)
            if point == "after-" + name and calls["n"] > after:
                os.kill(os.getpid(), signal.SIGKILL)
            return result
        setattr(IndexStore, name, patched)

    wrap(point.split("-", 1)[1])
    pipeline.index([pipeline.SourceSpec(Path(sys.argv[1]))], Path(sys.argv[2]), make_embedder())
    print("finished without being killed")
    """
)


@pytest.mark.parametrize(
    "point,after",
    [
        ("after-mark_pending", 1),  # marked, nothing written yet
        ("after-upsert_vectors", 1),  # vectors written, lexical/catalog not
        ("before-commit_docs", 2),  # several batches in
        ("after-delete_vectors", 0),  # while removing deleted documents
    ],
)
def test_killed_run_then_resumed_equals_clean_run(tmp_path: Path, embedder, point: str, after: int) -> None:
    src = _write_kb(tmp_path / "kb", n=10)
    clean_db = tmp_path / "clean"
    _run(src, clean_db, embedder)

    db = tmp_path / "db"
    if point == "after-delete_vectors":
        # Start from an older index holding a document that is then deleted from the source.
        extra = src / "App" / "old.md"
        extra.write_text("# Old\n\nTo be deleted.\n")
        _run(src, db, embedder)
        extra.unlink()
        (src / "Hub" / "article-1.md").write_text("# Article 1\n\nChanged.\n")
        _run(src, clean_db, embedder)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", _KILLER, str(src), str(db), point, str(after)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stdout + proc.stderr

    report = _run(src, db, embedder)
    assert report.recovered >= 0
    assert _snapshot(db) == _snapshot(clean_db)


def test_cli_json_report_and_status(tmp_path: Path) -> None:
    src = _write_kb(tmp_path / "kb", n=2)
    (src / "empty.md").write_bytes(b"")
    db = tmp_path / "db"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "indexer.cli", str(src), "--db", str(db), "--json"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert set(report) >= {
        "added",
        "updated",
        "removed",
        "unchanged",
        "skipped",
        "documents",
        "chunks",
        "seconds",
    }
    assert report["added"] == 2 and report["skipped"] == [{"path": "empty.md", "reason": "empty file"}]

    dry = subprocess.run([*cmd, "--dry-run"], env=env, capture_output=True, text=True, timeout=300)
    assert json.loads(dry.stdout)["unchanged"] == 2

    status = subprocess.run(
        [sys.executable, "-m", "indexer.cli", "status", "--db", str(db), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    info = json.loads(status.stdout)
    assert info["documents"] == 2 and info["embedder"] == "all-MiniLM-L6-v2"
    assert info["sources"][0]["kind"] == "docs"

    missing = subprocess.run(
        [sys.executable, "-m", "indexer.cli", str(tmp_path / "nope.zip"), "--db", str(db), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert missing.returncode == 1
    assert json.loads(missing.stdout)["errors"]
