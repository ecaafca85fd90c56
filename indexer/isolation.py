"""The per-file time budget: documents are parsed and chunked in a worker process that is stopped
when one file takes longer than `FileLimits.seconds_per_file`.

Pure-Python parsing (BeautifulSoup, markdownify, pypdf, regular expressions) cannot be interrupted
inside a thread, so a file that makes a parser crawl would otherwise hold back every file after it.
The worker is a `spawn`ed process (the same on Linux, macOS, Windows and in the frozen app) that
opens each source and scans it once, then loads documents on request:

    parent ── (source, kind, ref) ──▶ worker: scan once per source, then "started"
           ◀── "started" ──────────  (the clock for this file starts here)
           ◀── ("ok", doc, chunks) or ("skip", reason)

No answer within the budget, or a worker that died (a crash in a C parser, memory): the worker is
killed, the file is reported as skipped with the reason, and the next file gets a fresh worker.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from indexer.bounds import FileLimits
from indexer.chunker import Chunker
from indexer.documents import Chunk, DocRef, RawDocument

log = logging.getLogger(__name__)

STARTUP_SECONDS = 600.0
"""How long a fresh worker may take to start and scan a source before the first file's clock
starts. The parent already scanned that source, so this only guards against a dead worker."""


@dataclass(frozen=True, slots=True)
class LoadRequest:
    source_path: str
    kind: str
    base_url: str | None
    ref: DocRef
    uid: str


@dataclass(frozen=True, slots=True)
class Loaded:
    """A parsed, chunked document, or the reason it was skipped (`doc` is None)."""

    doc: RawDocument | None
    chunks: list[Chunk]
    skip_reason: str | None = None


def load_and_chunk(reader: Any, ref: DocRef, uid: str, chunker: Chunker | None) -> Loaded:
    """One document through its reader and the chunker; the reason when it can't be used."""
    from indexer.bounds import tame_text
    from indexer.sources import SkipFile

    try:
        doc = reader.load(ref)
    except SkipFile as exc:
        return Loaded(None, [], str(exc))
    except RecursionError:
        return Loaded(None, [], "nested too deeply to parse")
    except (OSError, ValueError, UnicodeError, LookupError) as exc:
        return Loaded(None, [], f"unreadable: {exc}")
    except MemoryError:
        return Loaded(None, [], "too large to parse in memory")
    # Converters can produce what no reader had (a PDF's one-line page, a table of pipes).
    markdown = tame_text(doc.markdown)
    if markdown is not doc.markdown:
        from dataclasses import replace

        doc = replace(doc, markdown=markdown)
    return Loaded(doc, chunker.chunk(doc, uid) if chunker is not None else [])


def _serve(
    conn: Connection, chunker: Chunker | None, limits: FileLimits, reader_factory: Callable[..., Any] | None
) -> None:
    """The worker's loop: one request in, "started", one `Loaded` out; None ends it."""
    from indexer.sources import make_reader, open_tree

    reader_factory = reader_factory or make_reader
    readers: dict[tuple[str, str, str | None], Any] = {}
    while True:
        try:
            request: LoadRequest | None = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        key = (request.source_path, request.kind, request.base_url)
        started = False
        try:
            if key not in readers:
                tree = open_tree(Path(request.source_path), limits)
                reader = reader_factory(request.kind, base_url=request.base_url)
                reader.scan(tree, [])
                readers[key] = reader
            conn.send("started")
            started = True
            result = load_and_chunk(readers[key], request.ref, request.uid, chunker)
        except Exception as exc:  # the parent turns any failure into a skip; the worker carries on
            if not started:
                conn.send("started")
            result = Loaded(None, [], f"unreadable: {type(exc).__name__}: {exc}")
        conn.send(result)


class IsolatedLoader:
    """Loads documents in a worker process under the per-file time budget. Use as a context manager.

    Args:
        chunker: Chunks in the worker when it can be pickled (the real embedder's token counter
            can); otherwise `Loaded.chunks` is empty and the caller chunks.
        limits: `seconds_per_file` is the budget; `max_file_bytes` applies to the worker's trees.
        reader_factory: Makes the worker's readers (default `indexer.sources.make_reader`); a
            module-level function, since it is pickled into the worker.
    """

    def __init__(
        self, chunker: Chunker, limits: FileLimits, reader_factory: Callable[..., Any] | None = None
    ) -> None:
        self.limits = limits
        self._reader_factory = reader_factory
        try:
            pickle.dumps(chunker)
            self._chunker: Chunker | None = chunker
        except Exception:
            self._chunker = None
        self.chunks_in_worker = self._chunker is not None
        self._ctx = multiprocessing.get_context("spawn")
        self._proc: Any = None
        self._conn: Connection | None = None

    def _start(self) -> Connection:
        if self._conn is None:
            parent, child = self._ctx.Pipe()
            self._proc = self._ctx.Process(
                target=_serve,
                args=(child, self._chunker, self.limits, self._reader_factory),
                name="assist-index-parser",
                daemon=True,
            )
            self._proc.start()
            child.close()
            self._conn = parent
        return self._conn

    def _stop(self, kill: bool) -> None:
        conn, proc = self._conn, self._proc
        self._conn = self._proc = None
        if proc is None:
            return
        if kill:
            proc.kill()
        else:
            with contextlib.suppress(OSError, ValueError):
                conn.send(None)  # type: ignore[union-attr]
        proc.join(5)
        if proc.is_alive():
            proc.kill()
            proc.join(5)
        with contextlib.suppress(OSError):
            conn.close()  # type: ignore[union-attr]

    def load(self, request: LoadRequest) -> Loaded:
        conn = self._start()
        try:
            conn.send(request)
            if not conn.poll(STARTUP_SECONDS) or conn.recv() != "started":
                self._stop(kill=True)
                return Loaded(None, [], "the parser process did not start")
            if not conn.poll(self.limits.seconds_per_file):
                log.warning("%s: over the per-file time budget, skipped", request.ref.path)
                self._stop(kill=True)
                return Loaded(None, [], self.limits.too_slow())
            return conn.recv()
        except (EOFError, OSError, pickle.PickleError) as exc:
            # The worker died mid-file (a crash in a C parser, out of memory): that file is the cause.
            self._stop(kill=True)
            return Loaded(None, [], f"the parser crashed on this file ({type(exc).__name__})")

    def close(self) -> None:
        self._stop(kill=False)

    def __enter__(self) -> IsolatedLoader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
