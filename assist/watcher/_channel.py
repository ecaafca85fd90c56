"""The local channel between the native-messaging host and the running app.

A Unix domain socket in a 0700 directory (POSIX) or a per-user named pipe (Windows), via
`multiprocessing.connection`, which frames messages for us. No Qt, so the host starts fast and the
engine stays Qt-free. Only the current user can connect: the socket's directory is private.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from assist.tickets import TicketRef

ENV_ADDRESS = "ASSIST_WATCHER_SOCKET"
MAX_MESSAGE = 16 * 1024
"""Our messages are ~150 bytes; anything bigger is not from our extension."""
PROVIDERS = ("zendesk", "freshdesk", "rt")
_ID = re.compile(r"^[1-9][0-9]{0,18}$")
_BASE = re.compile(r"^https?://[A-Za-z0-9.\-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~\-/]*)?$")


class InvalidMessageError(ValueError):
    """A message that is not a well-formed ticket reference."""


def family() -> str:
    return "AF_PIPE" if sys.platform == "win32" else "AF_UNIX"


def default_address() -> str:
    """Where the app listens. `ASSIST_WATCHER_SOCKET` overrides (tests, several instances)."""
    if os.environ.get(ENV_ADDRESS):
        return os.environ[ENV_ADDRESS]
    if sys.platform == "win32":
        return rf"\\.\pipe\agent-assist-watcher-{getpass.getuser()}"
    from platformdirs import user_runtime_dir

    candidates = [Path(user_runtime_dir("agent-assist", appauthor=False))]
    candidates.append(Path(tempfile.gettempdir()) / f"agent-assist-{os.getuid()}")
    for directory in candidates:
        path = directory / "watcher.sock"
        if len(str(path)) < 100:  # sun_path is 104–108 bytes
            return str(path)
    return str(candidates[-1] / "w.sock")


def prepare_socket_dir(address: str) -> None:
    if family() != "AF_UNIX":
        return
    directory = Path(address).parent
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(directory, 0o700)


def validate_message(data: Any) -> TicketRef:
    """A relayed message → TicketRef; raise InvalidMessageError for anything else."""
    if not isinstance(data, Mapping):
        raise InvalidMessageError("message must be a JSON object")
    provider = data.get("provider")
    ticket_id = str(data.get("ticket_id", ""))
    base_url = data.get("base_url")
    if provider not in PROVIDERS:
        raise InvalidMessageError(f"unknown provider {provider!r}")
    if not _ID.match(ticket_id):
        raise InvalidMessageError("ticket_id must be a positive integer")
    if not isinstance(base_url, str) or not _BASE.match(base_url) or len(base_url) > 512:
        raise InvalidMessageError("base_url must be an http(s) URL")
    return TicketRef(provider=provider, ticket_id=ticket_id, base_url=base_url.rstrip("/"))


def encode(ref: TicketRef) -> bytes:
    return json.dumps(
        {"provider": ref.provider, "ticket_id": ref.ticket_id, "base_url": ref.base_url}
    ).encode()
