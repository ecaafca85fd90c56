"""`assist-index --publish DIR`: versions on a share that agents open read-only and that a running
engine picks up without a restart, with no failed search during the switch."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from assist import Engine, Settings
from assist.config import IndexSettings
from common.errors import IndexingError, IndexMissingError
from indexer.publish import CURRENT, VERSIONS, PublishedIndex, prune, publish
from indexer.store import IndexStore
from tests.conftest import DEMO_KB, REPO
from tests.index_sharing.conftest import demo_queries, top_uids

NEW_ARTICLE = """# Pairing the Lumen Orbit remote

Hold the Orbit remote's moon button for twelve seconds until the quasar ring blinks teal, then
choose "Add remote" in the Lumen app. The Orbit remote pairs with one hub at a time.
"""


def _publish(db: Path, dest: Path, **kwargs):
    store = IndexStore(db, create=False)
    try:
        return publish(store, dest, **kwargs)
    finally:
        store.close()


def _docs_index(tmp_path: Path, embedder) -> tuple[Path, Path]:
    """A KB owner's own copy of the demo docs folder, indexed: (export folder, index folder)."""
    from indexer.pipeline import SourceSpec, index

    export = tmp_path / "export"
    shutil.copytree(DEMO_KB / "docs", export)
    db = tmp_path / "owner-index"
    report = index([SourceSpec(export)], db, embedder)
    assert not report.errors and report.documents >= 5
    return export, db


def test_a_published_index_searches_like_the_original(demo_index, tmp_path, embedder):
    from assist.retrieval import Retriever

    report = _publish(demo_index, tmp_path / "share")
    version = tmp_path / "share" / VERSIONS / report.version
    assert not report.unchanged and report.chunks > 100
    assert json.loads((tmp_path / "share" / CURRENT).read_text())["version"] == report.version
    assert {p.name for p in version.iterdir()} >= {
        "catalog.sqlite",
        "vectors.npy",
        "vector_ids.json",
        "manifest.json",
    }
    assert not (version / "chroma").exists()  # agents never open Chroma on a share

    local = Retriever(IndexStore(demo_index, create=False), embedder)
    shared = Retriever(IndexStore(tmp_path / "share", create=False), embedder)
    assert shared.store.read_only and shared.store.version == report.version
    for subject, body in demo_queries():
        assert top_uids(shared, subject, body) == top_uids(local, subject, body), subject
    # Read-only for real: the catalog is opened immutable, and nothing writes to the share.
    with pytest.raises(sqlite3.OperationalError):
        shared.store.set_meta("x", "y")
    with pytest.raises(PermissionError):
        shared.store.delete_vectors(["any"])
    with pytest.raises(IndexingError, match="itself a published index"):
        publish(shared.store, tmp_path / "elsewhere")


def test_republishing_an_unchanged_index_writes_nothing(demo_index, tmp_path):
    first = _publish(demo_index, tmp_path / "share")
    again = _publish(demo_index, tmp_path / "share")
    assert again.unchanged and again.version == first.version
    assert [p.name for p in (tmp_path / "share" / VERSIONS).iterdir()] == [first.version]


def test_a_running_engine_switches_versions_with_no_failed_search(tmp_path, embedder):
    export, db = _docs_index(tmp_path, embedder)
    share = tmp_path / "share"
    v1 = _publish(db, share).version
    engine = Engine(Settings(index=IndexSettings(refresh_seconds=0.05)), db=share, use_llm=False)
    engine.retriever.embedder = embedder  # the session's loaded model: same vectors, no reload
    question = "How do I pair the Orbit remote? The quasar ring should blink teal."
    assert engine.search_text(question).hits[0].title != "Pairing the Lumen Orbit remote"
    assert engine.index_version == v1

    seen: list[tuple[str | None, str]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def search_all_the_time() -> None:
        while not stop.is_set():
            try:
                result = engine.search_text(question, k=3)
                seen.append((engine.index_version, result.hits[0].title if result.hits else ""))
            except BaseException as exc:
                errors.append(exc)

    searcher = threading.Thread(target=search_all_the_time)
    searcher.start()
    try:
        from indexer.pipeline import SourceSpec, index

        (export / "Devices").mkdir()
        (export / "Devices" / "Pairing-the-Lumen-Orbit-remote.md").write_text(NEW_ARTICLE)
        assert index([SourceSpec(export)], db, embedder).added == 1
        v2 = _publish(db, share).version
        assert v2 != v1
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any(v == v2 for v, _ in seen):
            time.sleep(0.05)
        time.sleep(0.3)  # a few more searches on the new version
    finally:
        stop.set()
        searcher.join(60)
    assert not errors, errors[:3]
    versions = [v for v, _ in seen]
    assert versions[0] == v1 and versions[-1] == v2
    assert versions == sorted(versions, key=[v1, v2].index)  # never back to the old one
    # The new article is found exactly from the switch on: no search saw half a version.
    for version, top in seen:
        assert (top == "Pairing the Lumen Orbit remote") == (version == v2), (version, top)
    # The old version stays for readers that resolved it a moment ago, until its grace is over.
    assert (share / VERSIONS / v1).is_dir()
    assert prune(share, keep=1, grace=0) == (v1,)
    assert engine.search_text(question).hits[0].title == "Pairing the Lumen Orbit remote"
    engine.close()


def test_an_interrupted_publish_changes_nothing(tmp_path, embedder, monkeypatch):
    import numpy as np

    _export, db = _docs_index(tmp_path, embedder)
    share = tmp_path / "share"
    v1 = _publish(db, share).version
    store = IndexStore(db, create=False)
    store.bump_generation()  # pretend the KB changed, so a new version is due

    def disk_full(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "save", disk_full)
    with pytest.raises(OSError, match="No space"):
        publish(store, share)
    store.close()
    assert PublishedIndex.current_version(share) == v1
    assert [p.name for p in (share / VERSIONS).iterdir()] == [v1]  # no half-written version left
    reader = IndexStore(share, create=False)
    assert reader.version == v1 and reader.counts()[1] > 0


def test_a_damaged_current_file_is_a_clear_error_and_a_running_engine_keeps_its_version(tmp_path, embedder):
    _export, db = _docs_index(tmp_path, embedder)
    share = tmp_path / "share"
    v1 = _publish(db, share).version
    engine = Engine(Settings(index=IndexSettings(refresh_seconds=0.05)), db=share, use_llm=False)
    engine.retriever.embedder = embedder
    assert engine.search_text("warranty replacement").hits

    # A version whose vectors didn't finish copying (a sync tool, a person): not switched to.
    half = share / VERSIONS / "20990101T000000Z-half"
    shutil.copytree(share / VERSIONS / v1, half)
    (half / "vector_ids.json").unlink()
    (share / CURRENT).write_text(json.dumps({"version": half.name}))
    assert engine.refresh_index() is False
    assert engine.index_version == v1 and engine.search_text("warranty replacement").hits

    (share / CURRENT).write_text(json.dumps({"version": "20990101T000000Z-missing"}))
    assert engine.refresh_index() is False
    assert engine.index_version == v1 and engine.search_text("warranty replacement").hits
    with pytest.raises(IndexMissingError, match="20990101T000000Z-missing"):
        IndexStore(share, create=False)
    (share / CURRENT).write_text('{"version": "../../etc"}')
    with pytest.raises(IndexMissingError, match="no valid version"):
        IndexStore(share, create=False)
    engine.close()


def test_assist_index_publish_and_search_the_share(tmp_path):
    share = tmp_path / "share"
    db = tmp_path / "owner"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "assist.cli_index",
            str(DEMO_KB / "docs"),
            "--db",
            str(db),
            "--publish",
            str(share),
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    published = json.loads(run.stdout)["published"]
    assert published["version"] == PublishedIndex.current_version(share) and published["chunks"] > 0
    found = subprocess.run(
        [sys.executable, "-m", "assist.cli", "search", "warranty replacement", "--db", str(share), "--json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
    )
    assert found.returncode == 0, found.stderr[-2000:]
    assert "Request a warranty replacement" in found.stdout
