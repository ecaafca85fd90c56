"""The native-messaging host relays a browser message to a listening app: the real host process,
Chrome's framing on its stdio, the real local socket."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import threading
from multiprocessing.connection import Client
from pathlib import Path

import pytest

from assist.tickets import TicketRef
from assist.watcher.native_host import ProtocolError, read_message, relay, run, write_message
from assist.watcher.relay import Relay, RelayInUseError

REPO = Path(__file__).resolve().parents[2]
MSG = {"provider": "zendesk", "base_url": "https://acme.zendesk.com", "ticket_id": "4242"}


def frame(obj) -> bytes:
    data = json.dumps(obj).encode()
    return struct.pack("=I", len(data)) + data


def unframe_all(data: bytes) -> list:
    out, stream = [], io.BytesIO(data)
    while (m := read_message(stream)) is not None:
        out.append(m)
    return out


class Inbox:
    def __init__(self) -> None:
        self.refs: list[TicketRef] = []
        self.event = threading.Event()

    def __call__(self, ref: TicketRef) -> None:
        self.refs.append(ref)
        self.event.set()


def test_real_host_process_relays_to_the_listening_app(socket_address):
    inbox = Inbox()
    with Relay(inbox, socket_address):
        proc = subprocess.run(
            [sys.executable, "-m", "assist.watcher.native_host"],
            input=frame(MSG) + frame({"type": "ping"}),
            capture_output=True,
            cwd=REPO,
            timeout=30,
            env={"ASSIST_WATCHER_SOCKET": socket_address, "PATH": "/usr/bin:/bin"},
        )
        assert inbox.event.wait(5)
    assert proc.returncode == 0, proc.stderr.decode()
    assert unframe_all(proc.stdout) == [{"ok": True}, {"ok": True, "type": "pong"}]
    assert inbox.refs == [TicketRef("zendesk", "4242", "https://acme.zendesk.com")]


@pytest.mark.parametrize(
    "bad",
    [
        {"provider": "jira", "base_url": "https://x", "ticket_id": "1"},
        {"provider": "rt", "base_url": "javascript:alert(1)", "ticket_id": "1"},
        {"provider": "rt", "base_url": "https://rt.x", "ticket_id": "1; DROP"},
        {"provider": "rt", "base_url": "https://rt.x"},
        ["not", "an", "object"],
    ],
)
def test_invalid_messages_are_refused_before_reaching_the_app(socket_address, bad):
    inbox = Inbox()
    with Relay(inbox, socket_address):
        answer = relay(bad, socket_address)
    assert answer["ok"] is False and inbox.refs == []


def test_relay_rejects_garbage_sent_straight_to_the_socket(socket_address):
    inbox = Inbox()
    with Relay(inbox, socket_address):
        with Client(socket_address, family="AF_UNIX") as conn:
            conn.send_bytes(b"\xff not json")
            assert json.loads(conn.recv_bytes())["ok"] is False
        assert relay(MSG, socket_address) == {"ok": True}  # and keeps serving
    assert len(inbox.refs) == 1


def test_app_not_running_is_reported_to_the_extension(socket_address):
    out = io.BytesIO()
    assert run(io.BytesIO(frame(MSG)), out, socket_address) == 0
    assert unframe_all(out.getvalue()) == [{"ok": False, "error": "Agent Assist is not running"}]


def test_oversized_and_truncated_frames():
    with pytest.raises(ProtocolError, match="too large"):
        read_message(io.BytesIO(struct.pack("=I", 10_000_000) + b"{}"))
    with pytest.raises(ProtocolError, match="truncated"):
        read_message(io.BytesIO(struct.pack("=I", 50) + b'{"a"'))
    out = io.BytesIO()
    assert run(io.BytesIO(b"\x01\x00"), out) == 1
    assert unframe_all(out.getvalue())[0]["ok"] is False


def test_write_message_frames_in_native_order():
    out = io.BytesIO()
    write_message(out, {"ok": True})
    (length,) = struct.unpack("=I", out.getvalue()[:4])
    assert json.loads(out.getvalue()[4 : 4 + length]) == {"ok": True}


def test_a_crashed_apps_socket_is_reclaimed_but_a_live_one_is_not(socket_address):
    import socket as s

    stale = s.socket(s.AF_UNIX)
    stale.bind(socket_address)
    stale.close()  # file left behind, nobody listening
    with Relay(Inbox(), socket_address):
        assert relay(MSG, socket_address) == {"ok": True}
        with pytest.raises(RelayInUseError):
            Relay(Inbox(), socket_address).start()


def test_callback_errors_do_not_kill_the_listener(socket_address):
    calls = []

    def boom(ref):
        calls.append(ref)
        raise RuntimeError("bug in the UI")

    with Relay(boom, socket_address):
        relay(MSG, socket_address)
        assert relay(MSG, socket_address) == {"ok": True}
    assert len(calls) == 2
