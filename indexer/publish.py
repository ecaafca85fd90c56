"""A published index: versions a KB owner writes to a share, which agents open read-only.

    <dir>/CURRENT                     {"version": …}: the version readers open, replaced atomically
    <dir>/versions/<version>/         catalog.sqlite, vectors.npy, vector_ids.json, manifest.json
                                      (+ the second stage's folder, if the index has one)

A version is written completely under a temporary name, its files flushed to disk, then renamed
into `versions/`; only then does `CURRENT` change, by an atomic rename over it. A reader resolves
`CURRENT` once per opening and keeps that version's files for as long as it has them open, so a
search never sees half of one version and half of another. Old versions are removed only once
they are older than `grace` seconds and not among the newest `keep`, so a reader that resolved
`CURRENT` a moment before the switch still finds its files.

With an index server, the vectors stay on the server and a version holds the catalog and the
lexical index only; its manifest names the server (never its token).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from common.errors import IndexingError, IndexMissingError
from indexer.store import _ExactIndex
from indexer.vectors import IndexServer, PublishedMatrix

if TYPE_CHECKING:
    from indexer.store import IndexStore

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
VERSIONS = "versions"
MANIFEST = "manifest.json"
_SKIP = {"chroma", "catalog.sqlite", "catalog.sqlite-wal", "catalog.sqlite-shm", "catalog.sqlite-journal"}


@dataclass(frozen=True, slots=True)
class PublishedIndex:
    """The version a published folder's `CURRENT` names."""

    root: Path
    version: str
    folder: Path
    server: IndexServer | None

    @staticmethod
    def current_version(root: Path) -> str | None:
        """The version `CURRENT` names, or None when `root` is not a published folder (cheap: one
        small read, for polling)."""
        try:
            data = json.loads((Path(root) / CURRENT).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise IndexMissingError(f"{root}: the published {CURRENT} is unreadable ({exc})") from None
        version = data.get("version") if isinstance(data, dict) else None
        safe = isinstance(version, str) and version and not version.startswith(".")
        if not safe or {"/", "\\"} & set(version):
            raise IndexMissingError(f"{root}: the published index's {CURRENT} file names no valid version")
        return version

    @classmethod
    def open(cls, root: Path) -> PublishedIndex | None:
        version = cls.current_version(root)
        if version is None:
            return None
        folder = Path(root) / VERSIONS / version
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexMissingError(f"{root}: published version {version} is damaged ({exc})") from None
        server = None
        if manifest.get("vectors") == "server":
            server = IndexServer(url=manifest["server"], collection=manifest.get("collection") or "kb_chunks")
        return cls(Path(root), version, folder, server)


@dataclass(frozen=True, slots=True)
class PublishReport:
    version: str
    folder: Path
    documents: int
    chunks: int
    bytes: int
    seconds: float
    unchanged: bool
    removed: tuple[str, ...]

    def as_json(self) -> dict:
        return {
            "version": self.version,
            "folder": str(self.folder),
            "documents": self.documents,
            "chunks": self.chunks,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 2),
            "unchanged": self.unchanged,
            "removed_versions": list(self.removed),
        }


def publish(store: IndexStore, dest: Path, *, keep: int = 3, grace: float = 600.0) -> PublishReport:
    """Publish the index `store` holds as a new version of `dest` (unless it is already current)."""
    import numpy as np

    started = time.perf_counter()
    dest = Path(dest)
    if store.read_only:
        raise IndexingError(f"{store.root} is itself a published index: publish from the KB owner's index")
    if store.get_meta("run_state") not in {"clean", "clean-with-errors"}:
        raise IndexingError(f"{store.db_dir}: the last index run did not finish; run assist-index first")
    if dest.resolve() == store.db_dir.resolve() or store.db_dir.resolve() in dest.resolve().parents:
        raise IndexingError(f"Publish somewhere else than inside the index folder {store.db_dir}")
    generation = store.get_meta("generation") or "0"
    docs, chunks = store.counts()
    current = PublishedIndex.current_version(dest)
    if current is not None:
        try:
            manifest = json.loads((dest / VERSIONS / current / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = {}
        if (
            manifest.get("generation") == generation
            and manifest.get("server") == (store.server.url if store.server else None)
            and manifest.get("extras") == _extras_fingerprint(store.db_dir)
        ):
            return PublishReport(current, dest / VERSIONS / current, docs, chunks, 0, 0.0, True, ())

    version = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + f"-{generation[-8:]}"
    versions = dest / VERSIONS
    versions.mkdir(parents=True, exist_ok=True)
    tmp = versions / f".tmp-{version}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        # SQLite's online backup: a consistent copy even if an index run were writing meanwhile.
        target = sqlite3.connect(str(tmp / "catalog.sqlite"))
        try:
            store.sql.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")  # readers open it immutable: no WAL
            target.commit()
        finally:
            target.close()
        if store.server is None:
            # The same normalised float32 matrix the exact scan searches.
            exact = _ExactIndex.load(store.vectors, generation)
            ids, matrix = exact.ids, exact.matrix
            if not ids:
                matrix = np.zeros((0, int(store.get_meta("dimension") or 1)), dtype=np.float32)
            if set(ids) != store.all_chunk_ids():
                raise IndexingError(f"{store.db_dir}: vectors and catalog disagree; run assist-index first")
            np.save(tmp / PublishedMatrix.MATRIX, matrix)
            (tmp / PublishedMatrix.IDS).write_text(json.dumps(ids), encoding="utf-8")
        for extra in _extras(store.db_dir):  # e.g. the second stage's model
            if extra.is_dir():
                shutil.copytree(extra, tmp / extra.name)
            else:
                shutil.copy2(extra, tmp / extra.name)
        manifest = {
            "version": version,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "generation": generation,
            "documents": docs,
            "chunks": chunks,
            "embedder": store.get_meta("embedder"),
            "dimension": int(store.get_meta("dimension") or 0),
            "vectors": "server" if store.server else "matrix",
            "server": store.server.url if store.server else None,
            "collection": store.server.collection if store.server else None,
            "extras": _extras_fingerprint(store.db_dir),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        _fsync_tree(tmp)
        final = versions / version
        os.replace(tmp, final)
        _write_atomically(dest / CURRENT, json.dumps({"version": version}) + "\n")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    size = sum(p.stat().st_size for p in final.rglob("*") if p.is_file())
    removed = prune(dest, keep=keep, grace=grace)
    log.info("published %s to %s (%d chunks, %d bytes)", version, dest, chunks, size)
    return PublishReport(version, final, docs, chunks, size, time.perf_counter() - started, False, removed)


def prune(dest: Path, *, keep: int = 3, grace: float = 600.0) -> tuple[str, ...]:
    """Remove versions that are neither current nor among the newest `keep`; and temporary
    folders a killed publisher left behind. Nothing is removed within `grace` seconds of the last
    switch of `CURRENT`: a reader that resolved it just before still opens the version it named."""
    versions = Path(dest) / VERSIONS
    current = PublishedIndex.current_version(dest)
    now = time.time()
    try:
        since_switch = now - (Path(dest) / CURRENT).stat().st_mtime
    except OSError:
        since_switch = 0.0
    removed = []
    entries = sorted((p for p in versions.iterdir() if p.is_dir()), key=lambda p: p.name, reverse=True)
    finished = [p for p in entries if not p.name.startswith(".")]
    for path in entries:
        if path.name.startswith(".tmp-"):
            if now - path.stat().st_mtime > max(grace, 3600):
                shutil.rmtree(path, ignore_errors=True)
            continue
        if path.name == current or path in finished[:keep] or since_switch < grace:
            continue
        try:
            shutil.rmtree(path)
            removed.append(path.name)
        except OSError as exc:  # a reader on Windows may still hold a file open: next time
            log.info("could not remove old version %s yet: %s", path.name, exc)
    return tuple(removed)


def _extras(db_dir: Path) -> list[Path]:
    return [p for p in db_dir.iterdir() if p.name not in _SKIP and not p.name.startswith(".")]


def _extras_fingerprint(db_dir: Path) -> str:
    """Of what a version copies besides the catalog (the second stage's model): a refit with the
    same KB content is a new version too."""
    import hashlib

    digest = hashlib.sha1()
    for extra in sorted(_extras(db_dir)):
        for path in sorted([extra] if extra.is_file() else extra.rglob("*")):
            if path.is_file():
                st = path.stat()
                digest.update(f"{path.relative_to(db_dir)}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "r+b") as fh:  # Windows flushes only files open for writing
                os.fsync(fh.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":
        return  # directories can't be opened for fsync on Windows; NTFS/SMB renames are durable
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
