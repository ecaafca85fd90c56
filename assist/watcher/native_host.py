"""The native-messaging host the browser extension talks to.

Chrome/Firefox start this process and speak the native-messaging protocol on stdio: each message
is a 4-byte length in native byte order followed by that many bytes of UTF-8 JSON
(https://developer.chrome.com/docs/extensions/develop/concepts/native-messaging). We validate each
`{provider, base_url, ticket_id}` and relay it to the running app over the local socket, then
answer `{"ok": true}` or `{"ok": false, "error": …}`. Exits when the browser closes stdin.

Nothing may be printed to stdout except protocol frames: stray output corrupts the stream.
Run as `python -m assist.watcher.native_host` (the installed launcher does this).
"""

from __future__ import annotations

import json
import struct
import sys
from multiprocessing.connection import Client
from typing import Any, BinaryIO

from assist.watcher._channel import (
    MAX_MESSAGE,
    InvalidMessageError,
    default_address,
    encode,
    family,
    validate_message,
)

_LEN = struct.Struct("=I")  # native byte order, as the protocol specifies


class ProtocolError(Exception):
    """The browser side sent something that is not a native-messaging frame."""


def read_message(stream: BinaryIO) -> Any | None:
    """One message from the browser, or None at end of input."""
    header = stream.read(_LEN.size)
    if not header:
        return None
    if len(header) < _LEN.size:
        raise ProtocolError("truncated length header")
    (length,) = _LEN.unpack(header)
    if length > MAX_MESSAGE:
        raise ProtocolError(f"message of {length} bytes is too large")
    payload = stream.read(length)
    if len(payload) < length:
        raise ProtocolError("truncated message")
    return json.loads(payload.decode("utf-8"))


def write_message(stream: BinaryIO, message: Any) -> None:
    data = json.dumps(message).encode("utf-8")
    stream.write(_LEN.pack(len(data)) + data)
    stream.flush()


def relay(message: Any, address: str | None = None, timeout: float = 2.0) -> dict[str, Any]:
    """Validate and forward one message; the answer to send back to the extension."""
    try:
        ref = validate_message(message)
    except InvalidMessageError as exc:
        return {"ok": False, "error": str(exc)}
    try:
        with Client(address or default_address(), family=family()) as conn:
            conn.send_bytes(encode(ref))
            if conn.poll(timeout):
                return json.loads(conn.recv_bytes(4096))
            return {"ok": False, "error": "Agent Assist did not answer"}
    except (OSError, EOFError):
        return {"ok": False, "error": "Agent Assist is not running"}
    except ValueError:
        return {"ok": False, "error": "Agent Assist sent a malformed answer"}


def run(stdin: BinaryIO, stdout: BinaryIO, address: str | None = None) -> int:
    while True:
        try:
            message = read_message(stdin)
        except (ProtocolError, ValueError) as exc:
            write_message(stdout, {"ok": False, "error": f"bad frame: {exc}"})
            return 1  # the stream is out of sync; the browser restarts us on the next message
        if message is None:
            return 0
        if isinstance(message, dict) and message.get("type") == "ping":
            write_message(stdout, {"ok": True, "type": "pong"})
            continue
        write_message(stdout, relay(message, address))


def main() -> int:
    return run(sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    sys.exit(main())
