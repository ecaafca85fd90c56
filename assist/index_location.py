"""Where the engine's index is: the folder (maybe a published one) and the index server, if any.

`[index] path` / `ASSIST_INDEX_PATH` / `--db` name the folder; `[index] server` /
`ASSIST_INDEX_SERVER` / `--server` the Chroma server, whose token comes from the keyring or
`ASSIST_INDEX_TOKEN` (`assist.secrets`). A published folder's manifest may name the server itself,
so agents need only the share's path.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlparse

from assist.config import IndexSettings
from common.paths import default_index_dir
from indexer.vectors import IndexServer, server_headers

log = logging.getLogger(__name__)


def index_folder(settings: IndexSettings, db: Path | None = None) -> Path:
    if db:
        return Path(db).expanduser()
    return Path(settings.path).expanduser() if settings.path else default_index_dir()


def index_server(
    settings: IndexSettings,
    url: str | None = None,
    collection: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> IndexServer | None:
    """The server from `url` (a flag, or a published manifest) or the settings; None = local vectors."""
    from assist.secrets import get_index_token

    url = (url or settings.server or "").strip().rstrip("/")
    if not url:
        return None
    token = get_index_token(url, environ)
    if token and not _may_carry_a_token(url):
        log.warning("Not sending the index token to %s: plain http to another machine; use https", url)
        token = None
    return IndexServer(
        url=url,
        collection=collection or settings.collection,
        headers=server_headers(token.reveal() if token else None, settings.token_header),
        timeout=settings.timeout_seconds,
    )


def _may_carry_a_token(url: str) -> bool:
    """https, or http to this machine (a local proxy or a test); never a token in clear on the wire."""
    parsed = urlparse(url)
    return parsed.scheme == "https" or parsed.hostname in {"127.0.0.1", "localhost", "::1"}
