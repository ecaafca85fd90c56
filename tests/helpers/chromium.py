"""Debian's Chromium, headless, driven over the DevTools protocol on a pipe.

`--remote-debugging-pipe` makes Chromium read commands on fd 3 and write answers and events on
fd 4, each a JSON object followed by a NUL byte: no port, no websocket library, and only this
process can drive the browser. Used by tests/watcher/test_chromium_roundtrip.py.

    with launch(user_data_dir, extension_dir, env) as browser:
        worker = browser.wait_for_extension(extension_id, deadline)
        browser.evaluate(worker, "configuredSites().then(JSON.stringify)")
        tab = browser.open_tab(url)

Every process the browser starts (renderers, the zygote, the native-messaging host) carries the
environment variable `MARKER` with a value of our own; `stop()` ends them by pid (Chromium first,
then anything left with our marker), so nothing outlives the test.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MARKER = "AGENT_ASSIST_TEST_BROWSER"
POLICY_DIR = Path("/etc/chromium/policies/managed")
"""Where Debian's Chromium reads mandatory policy (Google Chrome: /etc/opt/chrome/policies/managed)."""
_POLICY_LOCK = Path("/tmp/agent-assist-chromium-policy.lock")
_POLICY_PREFIX = "agent-assist-test-"


class DevToolsError(RuntimeError):
    """Chromium answered a command with an error, or stopped answering."""


def find_chromium() -> str | None:
    """Debian's launcher (`/usr/bin/chromium`, which sources /etc/chromium.d and execs the browser,
    so the pid stays the browser's)."""
    return shutil.which("chromium")


@dataclass
class Browser:
    """A running headless Chromium and its DevTools pipe."""

    process: subprocess.Popen[bytes]
    marker: str
    log: Path
    _to_browser: int
    _from_browser: int
    _buffer: bytes = b""
    _next_id: int = 0
    _sessions: dict[str, str] = field(default_factory=dict)

    # -- protocol ----------------------------------------------------------------------------------

    def call(
        self,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        session: str | None = None,
        timeout: float = 60.0,
    ) -> dict[str, Any]:
        """Send one command and wait for its answer (events in between are dropped)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": dict(params or {})}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") != self._next_id:
                continue
            if "error" in reply:
                raise DevToolsError(f"{method}: {reply['error'].get('message')}")
            return reply.get("result", {})

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DevToolsError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if ready:
                chunk = os.read(self._from_browser, 1 << 16)
                if not chunk:
                    raise DevToolsError(f"Chromium exited ({self.process.poll()}); log: {self.tail()}")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def attach(self, target_id: str) -> str:
        """A session on a target (a tab or the extension's service worker)."""
        if target_id not in self._sessions:
            result = self.call("Target.attachToTarget", {"targetId": target_id, "flatten": True})
            self._sessions[target_id] = result["sessionId"]
        return self._sessions[target_id]

    def detach(self, target_id: str) -> None:
        """End our session (an attached DevTools session keeps a service worker from idling out)."""
        session = self._sessions.pop(target_id, None)
        if session:
            self.call("Target.detachFromTarget", {"sessionId": session})

    def evaluate(self, target_id: str, expression: str, timeout: float = 60.0) -> Any:
        """Evaluate in the target and return the (awaited) value."""
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            session=self.attach(target_id),
            timeout=timeout,
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            why = details.get("exception", {}).get("description") or details.get("text")
            raise DevToolsError(f"{expression}: {why}")
        return result["result"].get("value")

    # -- browser -----------------------------------------------------------------------------------

    def targets(self) -> list[dict[str, Any]]:
        return self.call("Target.getTargets")["targetInfos"]

    def wait_for_extension(self, extension_id: str, deadline: float) -> str:
        """The target id of the extension's service worker, once it has run its script (is active)."""
        url = f"chrome-extension://{extension_id}/"
        state: Any = None
        while time.monotonic() < deadline:
            for target in self.targets():
                if target["type"] == "service_worker" and target["url"].startswith(url):
                    # The target shows up before the worker's script has run; its globals (and
                    # listeners) exist once it is activated.
                    with contextlib.suppress(DevToolsError):
                        state = self.evaluate(
                            target["targetId"], "self.registration.active?.state", timeout=10
                        )
                    if state == "activated":
                        return target["targetId"]
            time.sleep(0.5)
        loaded = [t["url"] for t in self.targets() if t["url"].startswith("chrome-extension://")]
        raise DevToolsError(
            f"extension {extension_id} did not start (worker state {state!r}, extension targets: {loaded}); "
            f"was --load-extension refused? log: {self.tail()}"
        )

    def open_tab(self, url: str) -> str:
        """A new foreground tab on `url`; its target id."""
        return self.call("Target.createTarget", {"url": url})["targetId"]

    def navigate(self, target_id: str, url: str) -> None:
        self.call("Page.navigate", {"url": url}, session=self.attach(target_id))

    def wait_for_page(self, target_id: str, url: str, deadline: float) -> str:
        """Wait until the tab shows `url`, loaded; its document title."""
        probe = "[location.href, document.readyState, document.title]"
        last: Any = None
        while time.monotonic() < deadline:
            with contextlib.suppress(DevToolsError):  # mid-navigation: the old document is gone
                last = self.evaluate(target_id, probe, timeout=max(1.0, deadline - time.monotonic()))
                if last and last[0] == url and last[1] == "complete":
                    return last[2]
            time.sleep(0.3)
        raise DevToolsError(f"{url} did not load in time (last seen: {last})")

    def tail(self, chars: int = 1500) -> str:
        """The end of Chromium's output, without the D-Bus complaints of a machine without a session bus."""
        try:
            lines = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(line for line in lines if "dbus" not in line)[-chars:]

    # -- shutdown ----------------------------------------------------------------------------------

    def stop(self, timeout: float = 30.0) -> None:
        """Close the browser, then end by pid whatever it left (its children, a native host)."""
        with contextlib.suppress(DevToolsError, OSError):
            self.call("Browser.close", timeout=10)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        deadline = time.monotonic() + timeout
        while (left := marked_processes(self.marker)) and time.monotonic() < deadline:
            time.sleep(0.2)
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for fd in (self._to_browser, self._from_browser):
            with contextlib.suppress(OSError):
                os.close(fd)


def marked_processes(marker: str) -> list[int]:
    """Pids of live processes whose environment carries `MARKER=marker` (zombies excluded)."""
    needle = f"{MARKER}={marker}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:  # gone, a zombie, or not ours to read
            continue
    return found


@contextlib.contextmanager
def launch(
    chromium: str, user_data_dir: Path, extension_dir: Path, env: Mapping[str, str], log: Path
) -> Iterator[Browser]:
    """Start headless Chromium on about:blank with the unpacked extension loaded; stop it after."""
    marker = uuid.uuid4().hex
    args = [
        chromium,
        "--headless=new",
        f"--user-data-dir={user_data_dir}",
        "--remote-debugging-pipe",
        f"--load-extension={extension_dir}",
        # Chrome 137+ may refuse --load-extension unless this feature is off; harmless where it isn't.
        "--disable-features=DisableLoadExtensionCommandLineSwitch",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-gpu",
        "about:blank",
    ]
    if os.geteuid() == 0:
        args.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
    to_browser_r, to_browser_w = os.pipe()
    from_browser_r, from_browser_w = os.pipe()
    # bash puts the pipe ends on fds 3 and 4 (dash takes single-digit fds only), then execs Debian's
    # launcher, which execs the browser: the pid we hold is the browser's.
    shell = f'exec "$@" 3<&{to_browser_r} 4>&{from_browser_w}'
    with open(log, "wb") as out:
        process = subprocess.Popen(
            ["bash", "-c", shell, "bash", *args],
            env={**env, MARKER: marker},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            pass_fds=(to_browser_r, from_browser_w),
            start_new_session=True,
        )
    os.close(to_browser_r)
    os.close(from_browser_w)
    browser = Browser(process, marker, log, to_browser_w, from_browser_r)
    try:
        browser.call("Browser.getVersion", timeout=120)
        yield browser
    finally:
        browser.stop()


@contextlib.contextmanager
def managed_policy(
    extension_id: str, policy: Mapping[str, Any], directory: Path = POLICY_DIR
) -> Iterator[Path]:
    """Chromium's managed (mandatory) policy for one extension, as IT deploys it on Linux:
    `{"3rdparty": {"extensions": {id: policy}}}` in a JSON file of the policy directory. Needs root.

    Chromium reads the directory when it starts, so the file must exist before the launch. A lock
    keeps two test runs on this machine from publishing conflicting policies; files a killed run
    left behind (our prefix only) are removed first. The file, and the directories made for it,
    are removed afterwards.
    """
    import fcntl

    with open(_POLICY_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        made = [d for d in (directory, *directory.parents) if not d.exists()]
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob(f"{_POLICY_PREFIX}*.json"):
            stale.unlink()
        path = directory / f"{_POLICY_PREFIX}{os.getpid()}.json"
        path.write_text(json.dumps({"3rdparty": {"extensions": {extension_id: policy}}}, indent=2))
        path.chmod(0o644)
        try:
            yield path
        finally:
            path.unlink(missing_ok=True)
            for d in made:  # deepest first
                with contextlib.suppress(OSError):  # not empty: someone else's policy is there now
                    d.rmdir()
