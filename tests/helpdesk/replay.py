"""A real HTTP server on 127.0.0.1 that replays recorded helpdesk payloads, scripted per test.

The provider code runs unchanged over real sockets: httpx, timeouts, headers, pagination links.

    server.add("GET", "/api/v2/tickets/1.json", json=body)
    server.add("GET", "/api/v2/tickets/1.json", status=429, text="…", headers={"Retry-After": "1"})

Responses for the same (method, path) are served in order; the last one repeats.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "helpdesk"


def zendesk_recorded(name: str) -> dict[str, Any]:
    """The response body of a curated Zendesk recording."""
    return json.loads((SHARED / "zendesk" / "curated" / name).read_text())["response"]["body"]


def freshdesk_recorded(name: str) -> Any:
    return json.loads((SHARED / "freshdesk" / name).read_text())


def zendesk_documented() -> dict[str, Any]:
    return json.loads((SHARED / "zendesk" / "documented_error_responses_NOT_RECORDED.json").read_text())


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


class ReplayServer:
    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], list[Reply]] = {}
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with server._lock:
                    server.requests.append(
                        Seen(self.command, parts.path, parse_qs(parts.query), dict(self.headers), body)
                    )
                    queue = server._routes.get((self.command, parts.path))
                    reply = (queue.pop(0) if len(queue) > 1 else queue[0]) if queue else None
                if reply is None:
                    reply = Reply(
                        404,
                        b'{"error":"RecordNotFound","description":"Not found"}',
                        {"Content-Type": "application/json"},
                    )
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Type": "application/json; charset=utf-8"} | reply.headers
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and left

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def add(
        self,
        method: str,
        path: str,
        *,
        status: int = 200,
        json_body: Any = None,
        text: str | None = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> ReplayServer:
        if raw is not None:
            body = raw
        elif text is not None:
            body = text.encode()
            headers = {"Content-Type": "text/plain"} | (headers or {})
        else:
            body = json.dumps(json_body).encode()
        with self._lock:
            self._routes.setdefault((method, path), []).append(Reply(status, body, headers or {}, delay))
        return self

    def rebase(self, payload: Any, *hosts: str) -> Any:
        """Point URLs of the recorded hosts (pagination links) at this server."""
        text = json.dumps(payload)
        for host in hosts:
            text = text.replace(host, self.url)
        return json.loads(text)

    def hits(self, method: str, path: str) -> list[Seen]:
        return [r for r in self.requests if r.method == method and r.path == path]

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@contextmanager
def replay_server() -> Iterator[ReplayServer]:
    server = ReplayServer()
    try:
        yield server
    finally:
        server.close()
