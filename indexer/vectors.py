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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from common.errors import IndexServerError
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

    def __init__(self, collection: str = COLLECTION) -> None:
        self._name = collection
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
                return self._client.get_or_create_collection(
                    self._name, configuration={"hnsw": HNSW}, embedding_function=None
                )

            self._collection = self._call("open the collection", open_collection)
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
        except IndexServerError:
            raise
        except Exception:  # no such collection yet
            pass
        self._collection = None

    def close(self) -> None:
        self._collection = None
        self._client = None


class LocalChroma(_Chroma):
    """`<db>/chroma/`: an embedded Chroma (PersistentClient)."""

    def __init__(self, path: Path, collection: str = COLLECTION) -> None:
        super().__init__(collection)
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
    """A Chroma server over HTTP. Every failure to reach it becomes an `IndexServerError` (the
    sidebar shows a banner and retries), and the connection is rebuilt on the next call."""

    exact_scan = False  # the point of a server is not to hold every vector on every laptop

    def __init__(self, server: IndexServer) -> None:
        super().__init__(server.collection)
        self.server = server

    def describe(self) -> str:
        return f"{self.server.url} (collection {self.server.collection})"

    def exists(self) -> bool:
        return True

    def _connect(self) -> Any:
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
        return Client(tenant=DEFAULT_TENANT, database=DEFAULT_DATABASE, settings=settings)

    def _call(self, what: str, fn, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except IndexServerError:
            raise
        except Exception as exc:
            # Connection refused, timeouts, 5xx, a proxy's 401: drop the connection so the next
            # call reconnects, and say what failed without the headers (they may hold a token).
            self._client = None
            self._collection = None
            reason = _reason(exc, self.server.timeout)
            log.warning("index server %s: could not %s: %s", self.server.url, what, reason)
            raise IndexServerError(
                f"The index server at {self.server.url} did not answer ({reason}); "
                "searches resume when it is back.",
                url=self.server.url,
            ) from exc


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
    loaded into memory (memory-mapped) on first use, searched exactly."""

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

            ids = json.loads((self.folder / self.IDS).read_text(encoding="utf-8"))
            matrix = np.load(self.folder / self.MATRIX, mmap_mode="r")
            if len(ids) != len(matrix):
                raise ValueError(f"{self.folder}: {len(ids)} ids for {len(matrix)} vectors")
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
