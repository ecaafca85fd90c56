"""One indexing run: read → chunk → embed → store, incremental and resumable.

    scan every source (cheap) ─ compare fingerprints with the catalog
        ├─ unchanged: skipped without parsing (and without loading the embedder)
        ├─ new / changed: parsed and chunked in a background thread, embedded in batches
        └─ gone from the source: removed (only that source's documents)

See `indexer.store` for how a run killed at any point is finished by the next one.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.errors import SourceUnreadableError
from indexer.bounds import FileLimits
from indexer.chunker import CHUNKING_VERSION, Chunker
from indexer.documents import Chunk, DocRef, RawDocument, Skipped
from indexer.isolation import IsolatedLoader, LoadRequest
from indexer.sources import detect_kind, make_reader, open_tree
from indexer.sources._tree import SourceTree
from indexer.store import ChunkRow, DocRecord, IndexStore, doc_uid
from indexer.vectors import IndexServer
from indexer.visibility import is_internal
from models.embedder import Embedder

EMBED_BATCH_CHUNKS = 1024
"""Chunks per write batch. The encoder sorts a batch by length to pad less, so bigger batches
encode faster (256 → 1024 took the indexer from 0.88 to 0.90 of the raw encoder's speed);
a kill loses at most one batch of work."""


@dataclass(slots=True)
class IndexReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    documents: int = 0
    chunks: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    """Sources that could not be read as a whole (their indexed documents were kept)."""
    embedded_chunks: int = 0
    encode_seconds: float = 0.0
    recovered: int = 0
    """Documents left half-written by an interrupted run and redone."""

    def as_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "documents": self.documents,
            "chunks": self.chunks,
            "seconds": round(self.seconds, 3),
            "errors": self.errors,
        }


@dataclass(slots=True)
class SourceSpec:
    path: Path
    kind: str | None = None
    base_url: str | None = None

    @property
    def source_id(self) -> str:
        return str(self.path.expanduser().resolve())


class Progress:
    """What the pipeline reports while it works (the CLI draws a bar from it)."""

    def start(self, total: int) -> None: ...

    def advance(self, n: int = 1, label: str = "") -> None: ...

    def stop(self) -> None: ...


@dataclass(slots=True)
class _Loaded:
    source_id: str
    ref: DocRef
    doc: RawDocument | None
    chunks: list[Chunk]
    meta: dict[str, Any]
    content_hash: str
    skip_reason: str | None = None


def _chunk_meta(source: SourceSpec, kind: str, doc: RawDocument, uid: str) -> dict[str, Any]:
    space = doc.properties.get("space") or (doc.hierarchy[0] if doc.hierarchy else "")
    internal, internal_reason = is_internal(doc)
    return {
        "source_kind": kind,
        "source_root": source.source_id,
        "path": doc.path,
        "title": doc.title,
        "url": doc.url,
        "updated": doc.updated,
        "doc_id": doc.key,
        "doc_uid": uid,
        "parent_key": doc.parent_key,
        "hierarchy": " / ".join(doc.hierarchy),
        "space": space,
        "tags": list(doc.tags),
        "author": doc.author or doc.editor,
        "internal": internal,
        "internal_reason": internal_reason,
    }


class Indexer:
    """Runs indexing over sources into one store. Build one per run."""

    def __init__(
        self,
        store: IndexStore,
        embedder: Embedder,
        *,
        progress: Progress | None = None,
        target_tokens: int = 200,
        limits: FileLimits | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.progress = progress or Progress()
        self.limits = limits or FileLimits()
        self.chunker = Chunker(embedder.count_tokens, embedder.max_tokens, target_tokens=target_tokens)
        self._trees: list[SourceTree] = []

    # -- recovery -------------------------------------------------------------------------------

    def recover(self) -> int:
        """Undo what an interrupted run left half-written; those documents get re-indexed."""
        pending = [d for d in self.store.docs().values() if d.state == "pending"]
        unclean = self.store.get_meta("run_state") == "running"
        if not pending and not unclean:
            return 0
        ids = sorted({i for d in pending for i in (*d.pending_ids, *d.chunk_ids)})
        if ids:
            self.store.delete_vectors(ids)
            self.store.delete_lexical_ids(ids)
        self.store.forget_docs([d.uid for d in pending])
        if unclean and self.store.server is None and self.store.vectors.exists():
            # Belt and braces after a crash: vectors with no lexical twin are orphans. Not on a
            # server, whose collection may hold another catalog's vectors (a staging index).
            orphans = sorted(self.store.vector_ids() - self.store.all_chunk_ids())
            self.store.delete_vectors(orphans)
        return len(pending)

    # -- the run --------------------------------------------------------------------------------

    def run(self, sources: list[SourceSpec], *, dry_run: bool = False) -> IndexReport:
        started = time.perf_counter()
        report = IndexReport()
        self.store.check_embedder(self.embedder.name, self.embedder.dimension)
        if not dry_run:
            self.store.check_vectors_location()
        if not dry_run:
            report.recovered = self.recover()
            self.store.set_meta("run_state", "running")

        # One catalog read serves planning, change detection and writing.
        catalog = self.store.docs()
        by_source: dict[str, dict[str, DocRecord]] = {}
        for uid, rec in catalog.items():
            by_source.setdefault(rec.source_id, {})[uid] = rec

        plans: list[tuple[SourceSpec, str, Any, list[DocRef], set[str]]] = []
        seen_sources: set[str] = set()
        for source in sources:
            if source.source_id in seen_sources:
                continue
            seen_sources.add(source.source_id)
            try:
                plans.append(self._plan(source, report, by_source.get(source.source_id, {})))
            except SourceUnreadableError as exc:
                report.errors.append(str(exc))

        # Pages chunked by an older chunker are re-chunked even though their files are unchanged.
        rechunk = {
            source.source_id
            for source, *_ in plans
            if by_source.get(source.source_id) and self._chunked_by(source.source_id) != CHUNKING_VERSION
        }
        to_load: list[tuple[SourceSpec, str, Any, DocRef]] = []
        for source, kind, reader, refs, removed in plans:
            existing = by_source.get(source.source_id, {})
            for ref in refs:
                rec = existing.get(doc_uid(source.source_id, ref.key))
                same = rec is not None and rec.state == "ok" and rec.fingerprint == ref.fingerprint
                if same and source.source_id not in rechunk:
                    report.unchanged += 1
                else:
                    to_load.append((source, kind, reader, ref))
            if removed:
                report.removed += len(removed)
                if not dry_run:
                    gone = [existing[u] for u in removed]
                    self.store.mark_pending(
                        [(d.uid, d.source_id, d.doc_key, d.path, d.chunk_ids) for d in gone]
                    )
                    self.store.delete_vectors([i for d in gone for i in d.chunk_ids])
                    self.store.forget_docs(removed)

        if dry_run:
            for source, _kind, _reader, ref in to_load:
                if doc_uid(source.source_id, ref.key) in catalog:
                    report.updated += 1
                else:
                    report.added += 1
        elif to_load:
            self._index(to_load, report, catalog, rechunk=rechunk)

        for tree in self._trees:
            tree.close()
        self._trees.clear()
        if not dry_run:
            if report.added or report.updated or report.removed or report.recovered:
                self.store.bump_generation()
            for source, kind, _reader, _refs, _removed in plans:
                self.store.upsert_source(source.source_id, kind, str(source.path))
                self.store.set_meta(f"chunking:{source.source_id}", CHUNKING_VERSION)
            self.store.set_meta("run_state", "clean" if not report.errors else "clean-with-errors")
        report.documents, report.chunks = self.store.counts()
        report.seconds = time.perf_counter() - started
        return report

    def _chunked_by(self, source_id: str) -> str | None:
        """The chunking version that source's pages were indexed with (None: before versions)."""
        return self.store.get_meta(f"chunking:{source_id}")

    def _plan(
        self, source: SourceSpec, report: IndexReport, existing: dict[str, DocRecord]
    ) -> tuple[SourceSpec, str, Any, list[DocRef], set[str]]:
        tree = open_tree(source.path, self.limits)
        kind = source.kind or detect_kind(tree)
        reader = make_reader(kind, base_url=source.base_url)
        skipped: list[Skipped] = list(tree.skipped)
        try:
            refs = reader.scan(tree, skipped)
        except (OSError, ValueError) as exc:
            tree.close()
            raise SourceUnreadableError(f"{source.path}: cannot read as a {kind} export ({exc}).") from exc
        self._trees.append(tree)  # readers load from it until the end of the run
        unique: dict[str, DocRef] = {}
        for ref in refs:
            if ref.key in unique:
                skipped.append(Skipped(ref.path, f"duplicate of {unique[ref.key].path}"))
                continue
            unique[ref.key] = ref
        report.skipped.extend(skipped)
        if not unique and existing:
            tree.close()
            raise SourceUnreadableError(
                f"{source.path}: no documents found as a {kind} export, but {len(existing)} were indexed "
                "from it before. Nothing was removed; check the path and --kind."
            )
        wanted = {doc_uid(source.source_id, k) for k in unique}
        removed = set(existing) - wanted
        return source, kind, reader, list(unique.values()), removed

    def _load_all(self, work: list[tuple[SourceSpec, str, Any, DocRef]]) -> Iterator[_Loaded]:
        """Parse and chunk in a worker process (the per-file time budget, `indexer.isolation`), fed
        from a background thread so the encoder never waits on parsing."""
        out: queue.Queue[_Loaded | BaseException | None] = queue.Queue(maxsize=64)
        stop = threading.Event()

        def produce() -> None:
            try:
                with IsolatedLoader(self.chunker, self.limits) as loader:
                    for source, kind, _reader, ref in work:
                        if stop.is_set():
                            return
                        out.put(self._load_one(loader, source, kind, ref))
                out.put(None)
            except BaseException as exc:
                out.put(exc)

        thread = threading.Thread(target=produce, name="assist-index-reader", daemon=True)
        thread.start()
        try:
            while True:
                item = out.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()

    def _load_one(self, loader: IsolatedLoader, source: SourceSpec, kind: str, ref: DocRef) -> _Loaded:
        uid = doc_uid(source.source_id, ref.key)
        loaded = loader.load(LoadRequest(source.source_id, kind, source.base_url, ref, uid))
        doc = loaded.doc
        if doc is None:
            return _Loaded(source.source_id, ref, None, [], {}, "", skip_reason=loaded.skip_reason)
        chunks = loaded.chunks if loader.chunks_in_worker else self.chunker.chunk(doc, uid)
        too_many = self.limits.too_many_chunks(len(chunks))
        if too_many:
            return _Loaded(source.source_id, ref, None, [], {}, "", skip_reason=too_many)
        return _Loaded(
            source.source_id,
            ref,
            doc,
            chunks,
            _chunk_meta(source, kind, doc, uid),
            doc.content_hash(),
        )

    def _index(
        self,
        work: list[tuple[SourceSpec, str, Any, DocRef]],
        report: IndexReport,
        existing: dict[str, DocRecord],
        *,
        rechunk: set[str] | frozenset[str] = frozenset(),
    ) -> None:
        self.progress.start(len(work))
        batch: list[_Loaded] = []
        batch_chunks = 0
        try:
            for item in self._load_all(work):
                uid = doc_uid(item.source_id, item.ref.key)
                rec = existing.get(uid)
                if item.doc is None:
                    # Keep what was indexed before: a file that broke is not a file that was deleted.
                    report.skipped.append(Skipped(item.ref.path, item.skip_reason or "unreadable"))
                    self.progress.advance(1, item.ref.path)
                    continue
                same = rec is not None and rec.state == "ok" and rec.content_hash == item.content_hash
                if same and item.source_id not in rechunk:
                    self.store.update_fingerprint(uid, item.ref.fingerprint)
                    report.unchanged += 1
                    self.progress.advance(1, item.ref.path)
                    continue
                if rec is None or rec.state != "ok":
                    report.added += 1
                else:
                    report.updated += 1
                batch.append(item)
                batch_chunks += len(item.chunks)
                if batch_chunks >= EMBED_BATCH_CHUNKS:
                    self._write(batch, existing, report)
                    batch, batch_chunks = [], 0
            if batch:
                self._write(batch, existing, report)
            self.store.commit()
        finally:
            self.progress.stop()

    def _write(self, batch: list[_Loaded], existing: dict[str, DocRecord], report: IndexReport) -> None:
        entries = []
        for item in batch:
            uid = doc_uid(item.source_id, item.ref.key)
            old = existing.get(uid)
            old_ids = old.chunk_ids if old else ()
            entries.append(
                (uid, item.source_id, item.ref.key, item.ref.path, (*old_ids, *(c.id for c in item.chunks)))
            )
        self.store.mark_pending(entries)

        chunks = [c for item in batch for c in item.chunks]
        t0 = time.perf_counter()
        vectors = self.embedder.encode([c.embed_text for c in chunks]) if chunks else None
        report.encode_seconds += time.perf_counter() - t0
        report.embedded_chunks += len(chunks)

        stale: list[str] = []
        for item in batch:
            old = existing.get(doc_uid(item.source_id, item.ref.key))
            if old:
                new_ids = {c.id for c in item.chunks}
                stale.extend(i for i in old.chunk_ids if i not in new_ids)
        self.store.delete_vectors(stale)
        if chunks:
            metas = []
            for item in batch:
                for c in item.chunks:
                    metas.append({**item.meta, "heading": c.heading, "page": c.page, "ordinal": c.ordinal})
            self.store.upsert_vectors([c.id for c in chunks], vectors, metas)

        rows = []
        for item in batch:
            assert item.doc is not None
            doc = item.doc
            uid = doc_uid(item.source_id, item.ref.key)
            chunk_rows = [
                ChunkRow(
                    id=c.id,
                    ordinal=c.ordinal,
                    text=c.text,
                    title=doc.title,
                    heading=c.heading,
                    meta={**item.meta, "heading": c.heading, "page": c.page, "ordinal": c.ordinal},
                )
                for c in item.chunks
            ]
            rows.append(
                (
                    uid,
                    item.source_id,
                    item.ref.key,
                    item.ref.path,
                    doc.title,
                    item.ref.fingerprint,
                    item.content_hash,
                    doc.parent_key,
                    chunk_rows,
                )
            )
        self.store.commit_docs(rows)
        # Advance when documents are stored, not when parsed: embedding is where the time goes.
        self.progress.advance(len(batch), batch[-1].ref.path)


def index(
    sources: list[SourceSpec],
    db: Path,
    embedder: Embedder,
    *,
    rebuild: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    on_store: Callable[[IndexStore], None] | None = None,
    limits: FileLimits | None = None,
    server: IndexServer | None = None,
) -> IndexReport:
    """Index `sources` into the store at `db`.

    Raises IndexingError (e.g. EmbedderMismatchError) for whole-run failures; a source that can't be
    read is reported in `IndexReport.errors` and the others are still indexed.
    """
    store = IndexStore(db, server=server)
    try:
        if on_store:
            on_store(store)
        if rebuild and not dry_run:
            store.reset()
        return Indexer(store, embedder, progress=progress, limits=limits).run(sources, dry_run=dry_run)
    finally:
        store.close()
