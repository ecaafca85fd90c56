"""App side of the browser-extension channel: listen on the local socket, hand each valid ticket
reference to a callback. Runs on a background thread; Qt-free (the UI wraps the callback in a
signal to get back onto the GUI thread).

    relay = Relay(on_ticket=tracker.offer_extension)
    relay.start()
    ...
    relay.stop()
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable
from multiprocessing.connection import Client, Connection, Listener

from assist.tickets import TicketRef
from assist.watcher._channel import (
    MAX_MESSAGE,
    InvalidMessageError,
    default_address,
    family,
    prepare_socket_dir,
    validate_message,
)
from common.errors import AssistError

log = logging.getLogger(__name__)


class RelayInUseError(AssistError):
    """Another Agent Assist is already listening for the browser extension."""


class Relay:
    """Accepts connections from `native_host` and calls `on_ticket(ref)` for each valid message.

    A misbehaving client (garbage, oversized, slow) affects only its own connection: every
    connection is read with a timeout and answered `{"ok": false}` on bad input.
    """

    def __init__(
        self, on_ticket: Callable[[TicketRef], None], address: str | None = None, read_timeout: float = 2.0
    ) -> None:
        self.address = address or default_address()
        self._on_ticket = on_ticket
        self._read_timeout = read_timeout
        self._listener: Listener | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self) -> None:
        prepare_socket_dir(self.address)
        self._clear_stale_socket()
        self._listener = Listener(self.address, family=family())
        self._thread = threading.Thread(target=self._serve, name="assist-watcher-relay", daemon=True)
        self._thread.start()

    def _clear_stale_socket(self) -> None:
        if family() != "AF_UNIX" or not os.path.exists(self.address):
            return
        try:
            Client(self.address, family="AF_UNIX").close()
        except OSError:
            os.unlink(self.address)  # left behind by a crashed app: nobody is listening
            return
        raise RelayInUseError("Another Agent Assist window is already following the browser; close it first.")

    def _serve(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                conn = self._listener.accept()
            except OSError:
                if self._stopping.is_set():
                    return
                log.exception("watcher relay: accept failed")
                continue
            if self._stopping.is_set():
                conn.close()
                return
            with conn:
                self._handle(conn)

    def _handle(self, conn: Connection) -> None:
        try:
            if not conn.poll(self._read_timeout):
                return
            raw = conn.recv_bytes(MAX_MESSAGE)
            ref = validate_message(json.loads(raw))
        except (OSError, EOFError, ValueError, InvalidMessageError) as exc:
            log.info("watcher relay: rejected a message (%s)", type(exc).__name__)
            with contextlib.suppress(OSError):
                conn.send_bytes(json.dumps({"ok": False, "error": "invalid message"}).encode())
            return
        try:
            self._on_ticket(ref)
        except Exception:  # the callback's bug must not kill the listener thread
            log.exception("watcher relay: on_ticket failed")
        with contextlib.suppress(OSError):
            conn.send_bytes(b'{"ok": true}')

    def stop(self, timeout: float = 2.0) -> None:
        if self._listener is None:
            return
        self._stopping.set()
        # accept() does not wake when the listener is closed from another thread on every
        # platform; a throwaway connection does.
        with contextlib.suppress(OSError):
            Client(self.address, family=family()).close()
        if self._thread is not None:
            self._thread.join(timeout)
        with contextlib.suppress(OSError):
            self._listener.close()
        self._listener = None

    def __enter__(self) -> Relay:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
