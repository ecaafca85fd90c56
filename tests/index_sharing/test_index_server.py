"""Chroma-server mode end to end: a real `chroma run` on 127.0.0.1 holds the vectors, the catalog
and the lexical index stay in `--db`, and searches match the local index on the demo KB."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from assist import Engine, Settings
from assist.config import IndexSettings
from common.errors import IndexingError, IndexMissingError, IndexServerError
from indexer.publish import VERSIONS, publish
from indexer.store import IndexStore
from indexer.vectors import IndexServer
from tests.conftest import DEMO_KB, REPO
from tests.index_sharing.conftest import demo_queries, top_uids

TOKEN = "s3cret-index-token"


def _engine(db: Path, embedder, **index) -> Engine:
    engine = Engine(Settings(index=IndexSettings(**index)), db=db, use_llm=False)
    engine.retriever.embedder = embedder  # the session's loaded model
    return engine


def test_searches_through_the_server_match_the_local_index(server_index, demo_index, chroma_server, embedder):
    from assist.retrieval import Retriever

    served = Retriever(
        IndexStore(server_index, create=False, server=IndexServer(chroma_server.url)), embedder
    )
    local = Retriever(IndexStore(demo_index, create=False), embedder)
    assert served.store.vectors.count() == local.store.vectors.count() == local.store.chunk_count()
    for subject, body in demo_queries():
        assert top_uids(served, subject, body) == top_uids(local, subject, body), subject


def test_the_setting_and_the_environment_name_the_same_server(
    server_index, chroma_server, embedder, monkeypatch
):
    from assist.config import load_settings

    by_setting = _engine(server_index, embedder, server=chroma_server.url)
    monkeypatch.setenv("ASSIST_INDEX_SERVER", chroma_server.url)
    by_env = Engine(load_settings(), db=server_index, use_llm=False)
    by_env.retriever.embedder = embedder
    assert by_env.server is not None and by_env.server.url == chroma_server.url
    question = "The hub ring is orange and the app says E-104 Hub offline"
    assert [h.doc_uid for h in by_env.search_text(question).hits] == [
        h.doc_uid for h in by_setting.search_text(question).hits
    ]
    by_env.close()
    by_setting.close()


def test_assist_index_and_assist_search_with_server(chroma_server, tmp_path):
    db = tmp_path / "catalog"
    common = {"capture_output": True, "text": True, "cwd": REPO, "timeout": 900}
    served = ["--server", chroma_server.url, "--collection", "cli_docs"]
    indexed = subprocess.run(
        [sys.executable, "-m", "assist.cli_index", str(DEMO_KB / "docs"), "--db", str(db), *served, "--json"],
        **common,
    )
    assert indexed.returncode == 0, indexed.stderr[-2000:]
    assert json.loads(indexed.stdout)["documents"] >= 5
    status = subprocess.run(
        [sys.executable, "-m", "assist.cli_index", "status", "--db", str(db), *served, "--json"],
        **common,
    )
    assert chroma_server.url in json.loads(status.stdout)["vectors"]
    found = subprocess.run(
        [
            sys.executable,
            "-m",
            "assist.cli",
            "search",
            "warranty replacement",
            "--db",
            str(db),
            *served,
            "--json",
        ],
        **common,
    )
    assert found.returncode == 0, found.stderr[-2000:]
    assert "Request a warranty replacement" in found.stdout
    # The catalog remembers where its vectors are: `--db` alone finds the same.
    alone = subprocess.run(
        [sys.executable, "-m", "assist.cli", "search", "warranty replacement", "--db", str(db), "--json"],
        **common,
    )
    assert alone.returncode == 0 and alone.stdout == found.stdout
    assert not (db / "chroma").exists()


def test_a_server_that_goes_away_gives_an_error_then_searches_resume(server_index, chroma_server, embedder):
    engine = _engine(server_index, embedder, server=chroma_server.url, timeout_seconds=5)
    question = "My bulbs buzz when I dim them"
    before = [h.doc_uid for h in engine.search_text(question).hits]
    chroma_server.stop()
    try:
        with pytest.raises(IndexServerError) as err:
            engine.search_text(question)
        assert chroma_server.url in str(err.value) and "did not answer" in str(err.value)
        with pytest.raises(IndexServerError):  # again: nothing cached a half-open connection
            engine.search_text(question)
    finally:
        chroma_server.start()  # same port, same data
    assert [h.doc_uid for h in engine.search_text(question).hits] == before  # the same engine
    engine.close()


class _TokenProxy(BaseHTTPRequestHandler):
    """A reverse proxy that wants `<header>: <value>` (like one in front of a company's server)."""

    upstream = ""
    header = "Authorization"
    expected = f"Bearer {TOKEN}"
    seen: ClassVar[list[str]] = []

    def _forward(self) -> None:
        type(self).seen.append(self.headers.get(self.header) or "")
        if self.headers.get(self.header) != self.expected:
            self.send_response(401)
            self.send_header("Content-Length", "12")
            self.end_headers()
            self.wfile.write(b"Unauthorized")
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        request = urllib.request.Request(self.upstream + self.path, data=body, method=self.command)
        request.add_header("Content-Type", self.headers.get("Content-Type") or "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                status, payload = resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            status, payload = exc.code, exc.read()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _forward

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture
def token_proxy(chroma_server) -> Iterator[tuple[str, type[_TokenProxy]]]:
    handler = type("Proxy", (_TokenProxy,), {"upstream": chroma_server.url, "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_a_token_from_the_environment_passes_a_proxy(
    server_index, token_proxy, embedder, monkeypatch, caplog
):
    url, proxy = token_proxy
    question = "Track a missing package"
    monkeypatch.delenv("ASSIST_INDEX_TOKEN", raising=False)
    refused = _engine(server_index, embedder, server=url)
    with pytest.raises(IndexServerError, match="refused the credentials"):
        refused.search_text(question)
    refused.close()

    monkeypatch.setenv("ASSIST_INDEX_TOKEN", TOKEN)
    engine = _engine(server_index, embedder, server=url)
    assert engine.search_text(question).hits
    assert f"Bearer {TOKEN}" in proxy.seen
    assert TOKEN not in repr(engine.server) and TOKEN not in caplog.text
    engine.close()

    # A proxy that wants the token in its own header.
    proxy.header, proxy.expected = "X-Api-Key", TOKEN
    engine = _engine(server_index, embedder, server=url, token_header="X-Api-Key")
    assert engine.search_text(question).hits
    engine.close()


def test_a_published_catalog_names_its_server(server_index, chroma_server, demo_index, tmp_path, embedder):
    """Server mode + publishing: vectors on the server, the catalog and lexical index on the share;
    agents set only the share's path."""
    from assist.retrieval import Retriever

    store = IndexStore(server_index, create=False, server=IndexServer(chroma_server.url))
    report = publish(store, tmp_path / "share")
    store.close()
    version = tmp_path / "share" / VERSIONS / report.version
    assert not (version / "vectors.npy").exists()
    assert json.loads((version / "manifest.json").read_text())["server"] == chroma_server.url
    engine = _engine(tmp_path / "share", embedder)  # no server in its settings
    local = Retriever(IndexStore(demo_index, create=False), embedder)
    for subject, body in demo_queries()[:4]:
        found = engine.search_text(body, k=5, subject=subject)
        assert [h.doc_uid for h in found.hits] == top_uids(local, subject, body)
    engine.close()


_ONLY_THE_SERVER = """
import json, socket, sys
allowed = ("127.0.0.1", int(sys.argv[3]))
real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo
attempts, used = [], []

def connect(self, address):
    if isinstance(address, tuple) and tuple(address[:2]) == allowed:
        used.append(list(address[:2]))
        return real_connect(self, address)
    attempts.append(repr(address)[:200])
    raise OSError("network blocked by test")

def getaddrinfo(host, port, *args, **kwargs):
    if host == "127.0.0.1" and int(port or 0) == allowed[1]:
        return real_getaddrinfo(host, port, *args, **kwargs)
    attempts.append(f"dns {host}:{port}")
    raise OSError("network blocked by test")

socket.socket.connect = connect
socket.getaddrinfo = getaddrinfo

from pathlib import Path
from indexer.pipeline import SourceSpec, index
from indexer.vectors import IndexServer
from models.embedder import make_embedder
from assist.config import IndexSettings, Settings
from assist.engine import Engine

src, db, url = Path(sys.argv[1]), Path(sys.argv[2]), f"http://127.0.0.1:{allowed[1]}"
report = index([SourceSpec(src)], db, make_embedder(), server=IndexServer(url, collection="privacy"))
engine = Engine(Settings(index=IndexSettings(server=url, collection="privacy")), db=db, use_llm=False)
hits = engine.search_text("warranty replacement").hits
print(json.dumps({"documents": report.documents, "top": hits[0].title if hits else "",
                  "attempts": attempts, "used": len(used)}))
"""


def test_nothing_but_the_index_server_is_contacted(chroma_server, tmp_path):
    """With every other destination blocked (and DNS too), indexing and searching through the
    server work: nothing else (no telemetry, no model hub) is even tried."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    env["PYTHONPATH"] = str(REPO)
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            _ONLY_THE_SERVER,
            str(DEMO_KB / "docs"),
            str(tmp_path / "db"),
            str(chroma_server.port),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        cwd=REPO,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["documents"] >= 5 and result["top"] == "Request a warranty replacement"
    assert result["used"] > 0  # it did go through the server
    assert result["attempts"] == []


def test_a_server_that_accepts_and_never_answers_does_not_hang_a_search(tmp_path):
    """chromadb's HTTP client has no timeout of its own: ours turns a silent server into an error."""
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # the kernel accepts connections; nobody ever answers
    url = f"http://127.0.0.1:{silent.getsockname()[1]}"
    try:
        IndexStore(tmp_path / "db").close()  # a catalog; readers open it with create=False
        store = IndexStore(tmp_path / "db", create=False, server=IndexServer(url, timeout=1.0))
        with pytest.raises(IndexServerError, match=r"no answer within 1 s"):
            store.vector_search([0.1] * 384, 3)
        store.close()
    finally:
        silent.close()


def test_the_vectors_stay_where_the_catalog_says_unless_rebuilt(chroma_server, tmp_path, embedder):
    """A local index run again with --server (or ASSIST_INDEX_SERVER set by mistake) would upload
    only the changed documents: refused, and --rebuild moves the whole index."""
    from indexer.pipeline import SourceSpec, index

    db = tmp_path / "owner"
    docs = [SourceSpec(DEMO_KB / "docs")]
    assert index(docs, db, embedder).documents >= 5
    server = IndexServer(chroma_server.url, collection="moved")
    with pytest.raises(IndexingError, match=r"keeps its vectors in .*--rebuild"):
        index(docs, db, embedder, server=server)
    moved = index(docs, db, embedder, server=server, rebuild=True)  # the collection doesn't exist yet
    assert moved.added >= 5 and not moved.errors
    store = IndexStore(db, create=False)  # no --server: the catalog knows
    assert store.server is not None and store.server.collection == "moved"
    assert store.vectors.count() == store.chunk_count()
    store.close()


def test_chroma_errors_that_are_not_the_server_going_away_pass_unchanged(server_index, chroma_server):
    from chromadb.errors import ChromaError

    store = IndexStore(server_index, create=False, server=IndexServer(chroma_server.url))
    with pytest.raises(ChromaError) as err:  # a wrong dimension is a bug to see, not an outage
        store.vector_search([0.1] * 7, 3)
    assert not isinstance(err.value, IndexServerError)
    store.close()
    reader = IndexStore(server_index, create=False, server=IndexServer(chroma_server.url, collection="typo"))
    with pytest.raises(IndexMissingError, match="no collection 'typo'"):
        reader.vector_search([0.1] * 384, 3)  # and no empty collection created for it
    reader.close()
