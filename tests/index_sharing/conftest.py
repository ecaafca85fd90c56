"""A real Chroma server (`chroma run` on 127.0.0.1, stopped by its pid) with the demo KB in it,
beside the same KB indexed locally, for comparing the two."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, demo_sources
from tests.helpers.chroma_server import ChromaServer


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "data").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def server_index(tmp_path_factory: pytest.TempPathFactory, chroma_server: ChromaServer, embedder) -> Path:
    """The demo KB indexed through the server: catalog + lexical side in the returned folder."""
    from indexer.pipeline import SourceSpec, index
    from indexer.vectors import IndexServer

    db = tmp_path_factory.mktemp("server-catalog") / "db"
    report = index(
        [SourceSpec(p) for p in demo_sources()], db, embedder, server=IndexServer(chroma_server.url)
    )
    assert not report.errors and report.documents > 30
    assert not (db / "chroma").exists()  # the vectors went to the server
    return db


def demo_queries() -> list[tuple[str, str]]:
    rows = [
        json.loads(line) for line in (REPO / "demo" / "eval_tickets.jsonl").read_text().splitlines() if line
    ]
    return [(row["subject"], row["body"]) for row in rows]


def top_uids(retriever, subject: str, body: str, k: int = 5) -> list[str]:
    from assist.query import build_query

    return [hit.doc_uid for hit in retriever.search(build_query(subject, body), k=k).hits]
