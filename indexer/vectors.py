"""The vector side of an index: where chunk embeddings live and how they are searched.

Three implementations of one protocol, chosen by where the index is:

    LocalChroma     <db>/chroma/, a Chroma PersistentClient: one agent's or one KB owner's index
    ServerChroma    a Chroma server (`chroma run`) over HTTP: one index for many agents
    PublishedMatrix <published version>/vectors.npy: a read-only snapshot on a share (indexer.publish)

The catalog and the lexical index (SQLite FTS5) stay in `indexer.store`; this module knows nothing
of them. Chroma is imported only when vectors are actually read or written.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from common.errors import IndexMissingError, IndexServerError
from common.privacy import enforce_offline

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

COLLECTION = "kb_chunks"
HNSW = {"space": "cosine", "ef_search": 256, "ef_construction": 256, "max_neighbors": 32}
"""A wide HNSW search keeps recall high where HNSW is used (large or served indexes)."""
_STEP = 1000
_PAGE = 20000


class VectorStore(Protocol):
    """Chunk embeddings by chunk id."""

    exact_scan: bool
    """True when a whole-matrix exact scan is cheap (the vectors are local)."""

    def describe(self) -> str: ...

    def exists(self) -> bool:
        """Whether anything was ever written here (crash recovery looks for orphans only then)."""
        ...

    def upsert(self, ids: list[str], embeddings: np.ndarray, metas: list[dict[str, Any]]) -> None: ...

    def delete(self, ids: Sequence[str]) -> None: ...

    def ids(self) -> set[str]: ...

    def count(self) -> int: ...

    def query(
        self, embedding: Sequence[float], k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """Nearest chunks as (id, cosine similarity), best first."""
        ...

    def get(self, ids: Sequence[str]) -> dict[str, list[float]]: ...

    def pages(self) -> Iterator[tuple[list[str], np.ndarray]]:
        """Every (ids, vectors) in pages: for the exact scan and for publishing."""
        ...

    def reset(self) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class IndexServer:
    """A Chroma server that holds the vectors: `[index] server`, `--server`, `ASSIST_INDEX_SERVER`."""

    url: str
    collection: str = COLLECTION
    headers: dict[str, str] = field(default_factory=dict)
    """Sent with every request, e.g. a proxy's `Authorization: Bearer …` (a secret: never logged)."""
    timeout: float = 10.0
    """Seconds per request: a server that stops answering must not hang a search."""

    def __repr__(self) -> str:  # headers may hold a token
        return f"IndexServer({self.url!r}, collection={self.collection!r})"


def server_headers(
    token: str | None, token_header: str = "Authorization", extra: dict[str, str] | None = None
) -> dict[str, str]:
    """Request headers for a server behind a proxy: the token (from the keyring or env) goes in
    `token_header`, as `Bearer <token>` for Authorization and as-is for any other header."""
    headers = dict(extra or {})
    if token:
        headers[token_header] = f"Bearer {token}" if token_header.lower() == "authorization" else token
    return headers


# -- Chroma, embedded or served ------------------------------------------------------------------


class _Chroma:
    """What the embedded and the served Chroma share: one collection, written in steps."""

    exact_scan = True

    def __init__(self, collection: str = COLLECTION, *, create: bool = True) -> None:
        self._name = collection
        self._create = create
        self._client: Any = None
        self._collection: Any = None

    def _connect(self) -> Any:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def _call(self, what: str, fn, *args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    def collection(self) -> Any:
        if self._collection is None:
            # We always pass our own embeddings: no embedding function, so Chroma never tries to
            # fetch its default ONNX model.
            def open_collection() -> Any:
                if self._client is None:
                    self._client = self._connect()
                if not self._create:  # a reader: a mistyped name must not make an empty collection
                    return self._client.get_collection(self._name, embedding_function=None)
                return self._client.get_or_create_collection(
                    self._name, configuration={"hnsw": HNSW}, embedding_function=None
                )

            try:
                self._collection = self._call("open the collection", open_collection)
            except Exception as exc:
                if _is_not_found(exc):
                    raise IndexMissingError(
                        f"{self.describe()}: there is no collection {self._name!r}. "
                        "Index into it first (assist-index … --server URL --collection NAME)."
                    ) from None
                raise
        return self._collection

    def upsert(self, ids: list[str], embeddings: np.ndarray, metas: list[dict[str, Any]]) -> None:
        coll = self.collection()
        for start in range(0, len(ids), _STEP):
            self._call(
                "write vectors",
                coll.upsert,
                ids=ids[start : start + _STEP],
                embeddings=embeddings[start : start + _STEP],
                metadatas=[chroma_meta(m) for m in metas[start : start + _STEP]],
            )

    def delete(self, ids: Sequence[str]) -> None:
        if not ids:
            return
        coll = self.collection()
        for start in range(0, len(ids), _STEP):
            self._call("delete vectors", coll.delete, ids=list(ids[start : start + _STEP]))

    def ids(self) -> set[str]:
        coll = self.collection()
        out: set[str] = set()
        offset = 0
        while True:
            got = self._call("list vectors", coll.get, include=[], limit=5000, offset=offset)
            out.update(got["ids"])
            if len(got["ids"]) < 5000:
                return out
            offset += 5000

    def count(self) -> int:
        return int(self._call("count vectors", self.collection().count))

    def query(
        self, embedding: Sequence[float], k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        res = self._call(
            "search",
            self.collection().query,
            query_embeddings=[list(embedding)],
            n_results=k,
            where=where or None,
            include=["distances"],
        )
        return [(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0], strict=True)]

    def get(self, ids: Sequence[str]) -> dict[str, list[float]]:
        if not ids:
            return {}
        got = self._call("read vectors", self.collection().get, ids=list(ids), include=["embeddings"])
        return dict(zip(got["ids"], got["embeddings"], strict=True))

    def pages(self) -> Iterator[tuple[list[str], np.ndarray]]:
        import numpy as np

        coll = self.collection()
        offset = 0
        while True:
            got = self._call("read vectors", coll.get, include=["embeddings"], limit=_PAGE, offset=offset)
            if len(got["ids"]):
                yield list(got["ids"]), np.asarray(got["embeddings"], dtype=np.float32)
            if len(got["ids"]) < _PAGE:
                return
            offset += _PAGE

    def reset(self) -> None:
        if not self.exists():
            return
        if self._client is None:
            self._client = self._call("connect", self._connect)
        try:
            self._call("reset", self._client.delete_collection, self._name)
        except Exception as exc:
            if not _is_not_found(exc):  # no such collection yet is fine
                raise
        self._collection = None

    def close(self) -> None:
        self._collection = None
        self._client = None


def _is_not_found(exc: BaseException) -> bool:
    from chromadb.errors import NotFoundError

    return isinstance(exc, NotFoundError) or (isinstance(exc, ValueError) and "does not exist" in str(exc))


class LocalChroma(_Chroma):
    """`<db>/chroma/`: an embedded Chroma (PersistentClient)."""

    def __init__(self, path: Path, collection: str = COLLECTION, *, create: bool = True) -> None:
        super().__init__(collection)  # a local reader may create: the collection is its own
        self.path = Path(path)

    def describe(self) -> str:
        return str(self.path)

    def exists(self) -> bool:
        return self.path.exists()

    def _connect(self) -> Any:
        enforce_offline()
        import chromadb
        from chromadb.config import Settings

        return chromadb.PersistentClient(
            path=str(self.path), settings=Settings(anonymized_telemetry=False, allow_reset=False)
        )


class ServerChroma(_Chroma):
    """A Chroma server over HTTP. A failure to reach it (connection, timeout, 5xx, a proxy's
    refusal) becomes an `IndexServerError`: the sidebar shows a banner and retries, and the
    connection is rebuilt on the next call. Chroma's own errors (a wrong dimension, a bad request)
    are not the server going away, and pass unchanged.

    One chromadb client per server, URL, collection and headers is shared by every store of the
    process (chromadb registers each client's system for good; a published index's new versions
    and reconnects after an outage would otherwise add one each time)."""

    exact_scan = False  # the point of a server is not to hold every vector on every laptop
    _shared: ClassVar[dict[tuple, Any]] = {}
    _shared_lock = threading.Lock()

    def __init__(self, server: IndexServer, *, create: bool = True) -> None:
        super().__init__(server.collection, create=create)
        self.server = server
        self._key = (server.url, tuple(sorted(server.headers.items())), server.timeout)

    def describe(self) -> str:
        return f"{self.server.url} (collection {self.server.collection})"

    def exists(self) -> bool:
        return True

    def _connect(self) -> Any:
        with self._shared_lock:
            client = self._shared.get(self._key)
            if client is None:
                client = self._shared[self._key] = self._new_client()
            return client

    def _drop_client(self) -> None:
        with self._shared_lock:
            client = self._shared.pop(self._key, None)
        if client is not None:
            try:
                client.close()
            except Exception:  # closing a connection to a server that is gone
                pass
        self._client = None
        self._collection = None

    def _new_client(self) -> Any:
        enforce_offline()
        import math

        from chromadb.api.client import Client
        from chromadb.config import DEFAULT_DATABASE, DEFAULT_TENANT, Settings

        from indexer._chroma_http import TIMEOUT_SETTING, install_timeouts

        install_timeouts()  # chromadb's own client never times out (see _chroma_http)
        # What `chromadb.HttpClient()` does, plus the timeout.
        settings = Settings(
            anonymized_telemetry=False,
            allow_reset=False,
            chroma_api_impl="chromadb.api.fastapi.FastAPI",
            chroma_server_host=self.server.url.rstrip("/"),
            chroma_server_http_port=8000,  # ignored: the host is a full URL
            chroma_server_headers=dict(self.server.headers),
            **{TIMEOUT_SETTING: max(1, math.ceil(self.server.timeout))},
        )
        try:
            return Client(tenant=DEFAULT_TENANT, database=DEFAULT_DATABASE, settings=settings)
        except Exception as exc:  # the constructor's calls: chromadb wraps every failure in ValueError
            raise self._unreachable("connect", exc) from exc

    def _call(self, what: str, fn, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except IndexServerError:
            self._client = None
            self._collection = None
            raise
        except Exception as exc:
            if not _server_gone(exc):
                raise
            self._drop_client()
            raise self._unreachable(what, exc) from exc

    def _unreachable(self, what: str, exc: Exception) -> IndexServerError:
        # Say what failed without the request (its headers may hold a token).
        reason = _reason(exc, self.server.timeout)
        log.warning("index server %s: could not %s: %s", self.server.url, what, reason)
        return IndexServerError(
            f"The index server at {self.server.url} did not answer ({reason}); "
            "searches resume when it is back.",
            url=self.server.url,
        )


def _server_gone(exc: Exception) -> bool:
    """The server is unreachable or refusing (not: our request was wrong)."""
    import httpx
    from chromadb.errors import ChromaError

    if isinstance(exc, httpx.TransportError | httpx.HTTPStatusError):
        return True
    if isinstance(exc, ChromaError):
        code = exc.code()
        return code in (401, 403) or code >= 500
    # chromadb raises a bare Exception with the body for a non-JSON error (a proxy's 401 or 502
    # page), and wraps connection failures in ValueError on some paths.
    if type(exc) is Exception:
        return True
    if isinstance(exc, RuntimeError) and "has been closed" in str(exc):
        return True  # another store of this process dropped the shared client after an outage
    return isinstance(exc, ValueError) and any(
        words in str(exc) for words in ("Could not connect", "timed out", "Connection refused")
    )


def _reason(exc: Exception, timeout: float) -> str:
    """What went wrong, in words an agent can act on (never the request, which has the headers)."""
    import httpx

    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, httpx.TimeoutException) or text.lower() in {"timed out", "read timed out"}:
        return f"no answer within {timeout:g} s"
    if isinstance(exc, httpx.ConnectError) or "Could not connect" in text:
        return "can't connect"
    if any(code in text for code in ("401", "403", "Unauthorized", "Forbidden")):
        return f"it refused the credentials: {text[:120]}"
    return f"{type(exc).__name__}: {text[:160]}" if text else type(exc).__name__


# -- a published, read-only snapshot -------------------------------------------------------------


class PublishedMatrix:
    """`vectors.npy` (normalised float32) and `vector_ids.json` of one published version: read-only,
    loaded into memory on first use, searched exactly."""

    exact_scan = True
    MATRIX = "vectors.npy"
    IDS = "vector_ids.json"

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._ids: list[str] | None = None
        self._matrix: np.ndarray | None = None
        self._row: dict[str, int] = {}

    def describe(self) -> str:
        return str(self.folder)

    def exists(self) -> bool:
        return (self.folder / self.MATRIX).exists()

    def _load(self) -> tuple[list[str], np.ndarray]:
        if self._ids is None or self._matrix is None:
            import numpy as np

            # Read into memory, not memory-mapped: a share that drops would turn a later read of
            # a mapped page into SIGBUS (a dead process, no banner) instead of an error.
            try:
                ids = json.loads((self.folder / self.IDS).read_text(encoding="utf-8"))
                matrix = np.load(self.folder / self.MATRIX, allow_pickle=False)
            except (OSError, ValueError) as exc:
                raise IndexMissingError(
                    f"{self.folder}: the published vectors are unreadable ({exc})"
                ) from None
            if not isinstance(ids, list) or matrix.ndim != 2 or len(ids) != len(matrix):
                raise IndexMissingError(f"{self.folder}: the published vectors don't match their ids")
            self._ids, self._matrix = ids, matrix
            self._row = {cid: i for i, cid in enumerate(ids)}
        return self._ids, self._matrix

    def _read_only(self, *_: Any, **__: Any) -> None:
        raise PermissionError(f"{self.folder} is a published index: it is read-only")

    upsert = delete = reset = _read_only  # type: ignore[assignment]

    def ids(self) -> set[str]:
        return set(self._load()[0])

    def count(self) -> int:
        return len(self._load()[0])

    def query(
        self, embedding: Sequence[float], k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        import numpy as np

        if where:
            raise ValueError("a published index has no metadata filters on its vectors")
        ids, matrix = self._load()
        if not ids:
            return []
        q = np.asarray(embedding, dtype=np.float32)
        sims = np.asarray(matrix @ (q / max(float(np.linalg.norm(q)), 1e-12)))
        k = min(k, len(sims))
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.argsort(-sims[top], kind="stable")]
        return [(ids[i], float(sims[i])) for i in top]

    def get(self, ids: Sequence[str]) -> dict[str, list[float]]:
        _, matrix = self._load()
        return {cid: matrix[self._row[cid]].tolist() for cid in ids if cid in self._row}

    def pages(self) -> Iterator[tuple[list[str], np.ndarray]]:
        import numpy as np

        ids, matrix = self._load()
        if ids:
            yield list(ids), np.asarray(matrix)

    def close(self) -> None:
        self._ids = None
        self._matrix = None
        self._row = {}


def chroma_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """Chroma metadata values must be str/int/float/bool and never None."""
    out: dict[str, Any] = {}
    for key, value in meta.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value)
        if isinstance(value, (str, int, float, bool)):
            out[key] = value
        else:
            out[key] = str(value)
    return out
