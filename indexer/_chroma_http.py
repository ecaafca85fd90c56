"""A timeout on every request of chromadb's HTTP client.

chromadb's `FastAPI` client creates its session as `httpx.Client(timeout=None)`, and its
constructor already calls the server (tenant and database checks): a server that accepts the
connection and never answers would hang the sidebar's search forever. chromadb accepts only its
own client classes (`chroma_api_impl` is checked against a list), so the timeout is applied by
wrapping `FastAPI.__init__` once: right after the session is made, before any request. The value
travels in a chromadb setting a client never otherwise reads. Imported (with chromadb) only when
an index server is used.
"""

from __future__ import annotations

import threading

import httpx
from chromadb.api.fastapi import FastAPI

TIMEOUT_SETTING = "chroma_query_request_timeout_seconds"
"""Read otherwise only by Chroma's distributed executor, which runs on servers, never in a client."""

_lock = threading.Lock()


def install_timeouts() -> None:
    with _lock:
        if getattr(FastAPI.__init__, "_agent_assist_timeout", False):
            return
        original = FastAPI.__init__

        def __init__(self, system) -> None:  # type: ignore[no-untyped-def]
            original(self, system)
            seconds = float(getattr(system.settings, TIMEOUT_SETTING))
            self._session.timeout = httpx.Timeout(seconds, connect=min(seconds, 5.0))

        __init__._agent_assist_timeout = True  # type: ignore[attr-defined]
        FastAPI.__init__ = __init__  # type: ignore[method-assign]
