"""The index: a catalog + lexical index (SQLite FTS5) beside the vectors (`indexer.vectors`).

    <db>/catalog.sqlite   catalog (doc → fingerprint, content hash, chunk ids), chunk texts, FTS5
    <db>/chroma/          Chroma PersistentClient, one collection of chunk embeddings
                          (or a Chroma server's collection, or a published version's vectors.npy)

The two sides are kept consistent across crashes with a write-ahead mark in the catalog: before
touching Chroma for a document, its row is set `pending` with every chunk id that may be written
or deleted; only after Chroma is updated does one SQLite transaction replace the lexical rows and
mark the document `ok`. A run that finds `pending` rows (the last one was killed) deletes those
ids from both sides and re-indexes the documents, so the result equals a clean run's.

Chroma is imported only when vectors are actually read or written: an unchanged re-run never
pays for it.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.request import pathname2url

from common.errors import EmbedderMismatchError, IndexingError, IndexMissingError
from indexer.vectors import COLLECTION, IndexServer, LocalChroma, PublishedMatrix, ServerChroma, VectorStore

if TYPE_CHECKING:
    import numpy as np

SCHEMA_VERSION = "1"
WRITE_TIMEOUT = 300.0
"""Seconds per request to an index server for the indexer (readers use `IndexServer.timeout`)."""
EXACT_SEARCH_MAX = 250_000
"""Above this many chunks, vector search uses Chroma's HNSW index instead of an exact scan."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
    source_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    root TEXT NOT NULL,
    last_run REAL
);
CREATE TABLE IF NOT EXISTS docs (
    uid TEXT PRIMARY KEY,
    source_id TEXT NOT NULL,
    doc_key TEXT NOT NULL,
    path TEXT NOT NULL,
    title TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    chunk_ids TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'ok',
    pending_ids TEXT NOT NULL DEFAULT '[]',
    parent_key TEXT
);
CREATE INDEX IF NOT EXISTS docs_by_source ON docs(source_id);
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY,
    id TEXT UNIQUE NOT NULL,
    doc_uid TEXT NOT NULL,
    source_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    meta TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks(doc_uid);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    title, heading, body, tokenize = 'porter unicode61 remove_diacritics 2'
);
"""


@dataclass(frozen=True, slots=True)
class DocRecord:
    uid: str
    source_id: str
    doc_key: str
    path: str
    title: str
    fingerprint: str
    content_hash: str
    chunk_ids: tuple[str, ...]
    state: str
    pending_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StoredChunk:
    """A chunk as the store hands it to retrieval."""

    id: str
    doc_uid: str
    text: str
    meta: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ChunkRow:
    """What the pipeline writes for one chunk."""

    id: str
    ordinal: int
    text: str
    title: str
    heading: str
    meta: dict[str, Any]


def doc_uid(source_id: str, doc_key: str) -> str:
    return f"{source_id}::{doc_key}"


class IndexStore:
    """Read/write access to one index directory."""

    def __init__(self, db_dir: Path, *, create: bool = True, server: IndexServer | None = None) -> None:
        """`db_dir` is an index folder, or a published folder (`indexer.publish`), which opens its
        current version read-only. With `server`, the vectors live on that Chroma server and
        `db_dir` holds the catalog and the lexical index only."""
        from indexer.publish import PublishedIndex

        self.root = Path(db_dir)
        published = PublishedIndex.open(self.root)
        self.version: str | None = None
        if published is not None:
            self.read_only = True
            self.version = published.version
            self.db_dir = published.folder
            # The manifest says where this version's vectors are; a configured server only adds
            # its token and timeout when it is the same one.
            if published.server is None:
                server = None
            elif _where(server) != _where(published.server):
                server = published.server
            if server is None and not (self.db_dir / PublishedMatrix.MATRIX).exists():
                raise IndexMissingError(f"{self.root}: the published version has no vectors")
        else:
            self.read_only = False
            self.db_dir = self.root
        catalog = self.db_dir / "catalog.sqlite"
        if not create and not catalog.exists():
            raise IndexMissingError(
                f"No index at {self.db_dir}. Build one with `assist-index <export>` (see the README)."
            )
        if self.read_only:
            # A published version never changes: no locks, no WAL files on the share.
            # pathname2url, not as_uri(): a UNC path (a share, //fs01/kb) must become
            # file:////fs01/kb, as SQLite refuses a URI with an authority (file://fs01/kb).
            uri = f"file:{pathname2url(str(catalog.resolve()))}?mode=ro&immutable=1"
            self.sql = sqlite3.connect(uri, uri=True, check_same_thread=False)
        else:
            self.db_dir.mkdir(parents=True, exist_ok=True)
            self.sql = sqlite3.connect(str(catalog), timeout=30, check_same_thread=False)
            self.sql.execute("PRAGMA journal_mode=WAL")
            self.sql.execute("PRAGMA synchronous=NORMAL")
            self.sql.executescript(_SCHEMA)
            self.sql.commit()
        if server is None and published is None:
            server = self._recorded_server()  # the catalog says where its vectors are
        if server is not None and create and not self.read_only:
            # A writer (the indexer) waits longer: a busy server may take a while over a batch.
            server = dataclasses.replace(server, timeout=max(server.timeout, WRITE_TIMEOUT))
        self.server = server
        self.vectors: VectorStore
        if server is not None:
            self.vectors = ServerChroma(server, create=create and not self.read_only)
        elif self.read_only:
            self.vectors = PublishedMatrix(self.db_dir)
        else:
            self.vectors = LocalChroma(self.db_dir / "chroma")
        self._chunk_count: int | None = None
        self._exact_index: _ExactIndex | None = None

    def _recorded_server(self) -> IndexServer | None:
        url = self.get_meta("vectors_server")
        return IndexServer(url, self.get_meta("vectors_collection") or COLLECTION) if url else None

    def check_vectors_location(self) -> None:
        """For an index run: the vectors stay where the catalog says they are (moving them to or
        from a server, or to another collection, takes --rebuild: unchanged documents would not
        be uploaded again, and the new place would hold only the changed ones). A new index
        records its place."""
        recorded, wanted = _where(self._recorded_server()), _where(self.server)
        if recorded == wanted:
            return
        if self.sql.execute("SELECT 1 FROM docs LIMIT 1").fetchone() is not None:
            local = f"in {self.db_dir / 'chroma'}"
            where = f"on {recorded[0]} (collection {recorded[1]})" if recorded else local
            asked = f"on {wanted[0]} (collection {wanted[1]})" if wanted else "locally"
            raise IndexingError(
                f"This index keeps its vectors {where}, and this run would put them {asked}. "
                "Use the same --server and --collection, or --rebuild to move them."
            )
        if wanted:
            self.set_meta("vectors_server", wanted[0])
            self.set_meta("vectors_collection", wanted[1])
        else:
            with self.sql:
                self.sql.execute("DELETE FROM meta WHERE key IN ('vectors_server', 'vectors_collection')")

    def close(self) -> None:
        self.sql.close()
        self.vectors.close()
        self._exact_index = None

    # -- meta -----------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self.sql.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.sql.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))
        self.sql.commit()

    def check_embedder(self, name: str, dimension: int) -> None:
        """Refuse to mix embedders in one index; record the first one used."""
        stored = self.get_meta("embedder")
        stored_dim = self.get_meta("dimension")
        has_docs = self.sql.execute("SELECT 1 FROM docs LIMIT 1").fetchone() is not None
        if stored and has_docs and (stored != name or stored_dim != str(dimension)):
            raise EmbedderMismatchError(
                f"This index was built with embedder {stored!r} ({stored_dim} dimensions), not {name!r} "
                f"({dimension}). Vectors from different models can't be mixed: re-run with --rebuild "
                "to re-embed everything with the new model."
            )
        if stored != name or stored_dim != str(dimension):
            self.set_meta("embedder", name)
            self.set_meta("dimension", str(dimension))
            self.set_meta("schema", SCHEMA_VERSION)

    # -- catalog --------------------------------------------------------------------------------

    def upsert_source(self, source_id: str, kind: str, root: str) -> None:
        self.sql.execute(
            "INSERT INTO sources(source_id, kind, root, last_run) VALUES (?,?,?,?) "
            "ON CONFLICT(source_id) DO UPDATE SET kind=excluded.kind, root=excluded.root, "
            "last_run=excluded.last_run",
            (source_id, kind, root, time.time()),
        )
        self.sql.commit()

    def sources(self) -> list[tuple[str, str, str, float | None]]:
        return list(self.sql.execute("SELECT source_id, kind, root, last_run FROM sources ORDER BY root"))

    def docs(self, source_id: str | None = None) -> dict[str, DocRecord]:
        query = "SELECT uid, source_id, doc_key, path, title, fingerprint, content_hash, chunk_ids, state, "
        query += "pending_ids FROM docs"
        rows = (
            self.sql.execute(query + " WHERE source_id=?", (source_id,))
            if source_id
            else self.sql.execute(query)
        )
        out = {}
        for r in rows:
            out[r[0]] = DocRecord(
                uid=r[0],
                source_id=r[1],
                doc_key=r[2],
                path=r[3],
                title=r[4],
                fingerprint=r[5],
                content_hash=r[6],
                chunk_ids=tuple(json.loads(r[7])),
                state=r[8],
                pending_ids=tuple(json.loads(r[9])),
            )
        return out

    def update_fingerprint(self, uid: str, fingerprint: str) -> None:
        self.sql.execute("UPDATE docs SET fingerprint=? WHERE uid=?", (fingerprint, uid))

    def commit(self) -> None:
        self.sql.commit()

    def mark_pending(self, entries: Sequence[tuple[str, str, str, str, Iterable[str]]]) -> None:
        """Write-ahead mark: (uid, source_id, doc_key, path, ids that may change) per document."""
        with self.sql:
            for uid, source_id, doc_key, path, ids in entries:
                ids_json = json.dumps(sorted(set(ids)))
                self.sql.execute(
                    "INSERT INTO docs(uid, source_id, doc_key, path, title, fingerprint, content_hash, "
                    "chunk_ids, state, pending_ids) VALUES (?,?,?,?,'','','','[]','pending',?) "
                    "ON CONFLICT(uid) DO UPDATE SET state='pending', pending_ids=excluded.pending_ids",
                    (uid, source_id, doc_key, path, ids_json),
                )

    def commit_docs(
        self,
        docs: Sequence[tuple[str, str, str, str, str, str, str, str | None, Sequence[ChunkRow]]],
    ) -> None:
        """Replace lexical rows and catalog entries of documents, in one transaction.

        Each entry: (uid, source_id, doc_key, path, title, fingerprint, content_hash, parent_key, chunks).
        """
        with self.sql:
            for uid, source_id, doc_key, path, title, fingerprint, content_hash, parent_key, chunks in docs:
                self._delete_lexical(uid)
                for c in chunks:
                    cur = self.sql.execute(
                        "INSERT INTO chunks(id, doc_uid, source_id, ordinal, text, meta) "
                        "VALUES (?,?,?,?,?,?)",
                        (c.id, uid, source_id, c.ordinal, c.text, json.dumps(c.meta, ensure_ascii=False)),
                    )
                    self.sql.execute(
                        "INSERT INTO chunks_fts(rowid, title, heading, body) VALUES (?,?,?,?)",
                        (cur.lastrowid, c.title, c.heading, c.text),
                    )
                self.sql.execute(
                    "INSERT INTO docs(uid, source_id, doc_key, path, title, fingerprint, content_hash, "
                    "chunk_ids, state, pending_ids, parent_key) VALUES (?,?,?,?,?,?,?,?,'ok','[]',?) "
                    "ON CONFLICT(uid) DO UPDATE SET path=excluded.path, title=excluded.title, "
                    "fingerprint=excluded.fingerprint, content_hash=excluded.content_hash, "
                    "chunk_ids=excluded.chunk_ids, state='ok', pending_ids='[]', "
                    "parent_key=excluded.parent_key",
                    (
                        uid,
                        source_id,
                        doc_key,
                        path,
                        title,
                        fingerprint,
                        content_hash,
                        json.dumps([c.id for c in chunks]),
                        parent_key,
                    ),
                )

    def forget_docs(self, uids: Iterable[str]) -> None:
        """Remove documents from the catalog and the lexical index (vectors handled by the caller)."""
        with self.sql:
            for uid in uids:
                self._delete_lexical(uid)
                self.sql.execute("DELETE FROM docs WHERE uid=?", (uid,))

    def _delete_lexical(self, uid: str) -> None:
        rowids = [r[0] for r in self.sql.execute("SELECT rowid FROM chunks WHERE doc_uid=?", (uid,))]
        if rowids:
            marks = ",".join("?" * len(rowids))
            self.sql.execute(f"DELETE FROM chunks_fts WHERE rowid IN ({marks})", rowids)
            self.sql.execute(f"DELETE FROM chunks WHERE rowid IN ({marks})", rowids)

    def delete_lexical_ids(self, ids: Sequence[str]) -> None:
        """Delete chunk rows by id (crash recovery: ids that may belong to no document any more)."""
        with self.sql:
            for start in range(0, len(ids), 500):
                part = list(ids[start : start + 500])
                marks = ",".join("?" * len(part))
                rowids = [
                    r[0] for r in self.sql.execute(f"SELECT rowid FROM chunks WHERE id IN ({marks})", part)
                ]
                if rowids:
                    rmarks = ",".join("?" * len(rowids))
                    self.sql.execute(f"DELETE FROM chunks_fts WHERE rowid IN ({rmarks})", rowids)
                    self.sql.execute(f"DELETE FROM chunks WHERE rowid IN ({rmarks})", rowids)

    def counts(self) -> tuple[int, int]:
        docs = self.sql.execute("SELECT COUNT(*) FROM docs WHERE state='ok'").fetchone()[0]
        chunks = self.sql.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        return docs, chunks

    def all_chunk_ids(self) -> set[str]:
        return {r[0] for r in self.sql.execute("SELECT id FROM chunks")}

    def reset(self) -> None:
        """Forget everything (for --rebuild)."""
        with self.sql:
            for table in ("docs", "chunks", "chunks_fts", "sources", "meta"):
                self.sql.execute(f"DELETE FROM {table}")
        self.vectors.reset()

    # -- vectors ------------------------------------------------------------------------------

    def upsert_vectors(self, ids: list[str], embeddings: np.ndarray, metas: list[dict[str, Any]]) -> None:
        self.vectors.upsert(ids, embeddings, metas)

    def delete_vectors(self, ids: Sequence[str]) -> None:
        self.vectors.delete(ids)

    def vector_ids(self) -> set[str]:
        return self.vectors.ids()

    # -- reading (retrieval) ----------------------------------------------------------------------

    def vector_search(
        self, embedding: Sequence[float], k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """Nearest chunks as (chunk id, cosine similarity), best first.

        Where the vectors are local, up to `EXACT_SEARCH_MAX` chunks the search is exact, over a
        matrix loaded once: Chroma's persisted HNSW graph gave different (sometimes unrelated)
        neighbours from one process start to the next on the same data (chroma-core/chroma#2675,
        #3638), and an exact scan of 100k × 384 floats takes a few milliseconds anyway. Larger
        indexes, and an index server, use Chroma's HNSW query.
        """
        if where is None and self.vectors.exact_scan and self.chunk_count() <= EXACT_SEARCH_MAX:
            return self._exact().search(embedding, k)
        return self.vectors.query(embedding, k, where)

    def warm(self) -> None:
        """Load what the first search would (the exact-scan matrix), now."""
        if self.vectors.exact_scan and self.chunk_count() <= EXACT_SEARCH_MAX:
            self._exact()

    def _exact(self) -> _ExactIndex:
        generation = self.get_meta("generation") or "0"
        if self._exact_index is None or self._exact_index.generation != generation:
            self._exact_index = _ExactIndex.load(self.vectors, generation)
        return self._exact_index

    def bump_generation(self) -> None:
        """Tell readers (maybe in another process) that vectors changed."""
        self.set_meta("generation", str(time.time_ns()))
        self._chunk_count = None

    def lexical_search(self, fts_query: str, k: int) -> list[tuple[str, float]]:
        """BM25 over title (weight 3), heading (2) and body (1); higher score is better."""
        if not fts_query.strip():
            return []
        try:
            rows = self.sql.execute(
                "SELECT c.id, -bm25(chunks_fts, 3.0, 2.0, 1.0) AS score FROM chunks_fts "
                "JOIN chunks c ON c.rowid = chunks_fts.rowid WHERE chunks_fts MATCH ? "
                "ORDER BY bm25(chunks_fts, 3.0, 2.0, 1.0) LIMIT ?",
                (fts_query, k),
            ).fetchall()
        except sqlite3.OperationalError:
            return []
        return [(r[0], float(r[1])) for r in rows]

    def get_chunks(self, ids: Sequence[str]) -> dict[str, StoredChunk]:
        out: dict[str, StoredChunk] = {}
        ids = list(ids)
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            for cid, uid, text, meta in self.sql.execute(
                f"SELECT id, doc_uid, text, meta FROM chunks WHERE id IN ({marks})", part
            ):
                out[cid] = StoredChunk(cid, uid, text, json.loads(meta))
        return out

    def get_vectors(self, ids: Sequence[str]) -> dict[str, list[float]]:
        return self.vectors.get(ids) if ids else {}

    def titles(self) -> set[str]:
        """Lower-cased titles of every indexed document."""
        return {r[0].strip().lower() for r in self.sql.execute("SELECT title FROM docs WHERE state='ok'")}

    def chunk_count(self) -> int:
        if self._chunk_count is None:
            self._chunk_count = self.sql.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        return self._chunk_count

    def term_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        """In how many chunks each term occurs (stemmed like the index), for IDF weights."""
        out: dict[str, int] = {}
        for term in terms:
            safe = re.sub(r"[^\w]+", " ", term).strip()
            if not safe:
                continue
            try:
                row = self.sql.execute(
                    "SELECT COUNT(*) FROM chunks_fts WHERE chunks_fts MATCH ?", (f'"{safe}"',)
                ).fetchone()
            except sqlite3.OperationalError:
                continue
            out[term] = int(row[0])
        return out

    def doc_text(self, uid: str) -> list[str]:
        return [
            r[0] for r in self.sql.execute("SELECT text FROM chunks WHERE doc_uid=? ORDER BY ordinal", (uid,))
        ]

    def doc_chunks(self, uid: str) -> list[StoredChunk]:
        return [
            StoredChunk(cid, uid, text, json.loads(meta))
            for cid, text, meta in self.sql.execute(
                "SELECT id, text, meta FROM chunks WHERE doc_uid=? ORDER BY ordinal", (uid,)
            )
        ]


class _ExactIndex:
    """All chunk vectors in one normalised float32 matrix, for exact cosine search."""

    def __init__(self, ids: list[str], matrix: np.ndarray, generation: str) -> None:
        self.ids = ids
        self.matrix = matrix
        self.generation = generation

    @classmethod
    def load(cls, vectors: VectorStore, generation: str) -> _ExactIndex:
        import numpy as np

        ids: list[str] = []
        parts: list[np.ndarray] = []
        for page_ids, page in vectors.pages():
            ids.extend(page_ids)
            parts.append(page)
        matrix = np.concatenate(parts) if parts else np.zeros((0, 1), dtype=np.float32)
        if len(matrix):
            norms = np.linalg.norm(matrix, axis=1, keepdims=True)
            matrix = matrix / np.maximum(norms, 1e-12)
        return cls(ids, matrix, generation)

    def search(self, embedding: Sequence[float], k: int) -> list[tuple[str, float]]:
        import numpy as np

        if not self.ids:
            return []
        q = np.asarray(embedding, dtype=np.float32)
        q = q / max(float(np.linalg.norm(q)), 1e-12)
        sims = self.matrix @ q
        k = min(k, len(sims))
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.argsort(-sims[top], kind="stable")]
        return [(self.ids[i], float(sims[i])) for i in top]


def _where(server: IndexServer | None) -> tuple[str, str] | None:
    return (server.url, server.collection) if server else None
