"""`assist watcher install` writes per-user native-messaging manifests and a working launcher."""

from __future__ import annotations

import json
import os
import struct
import subprocess

import pytest

from assist.watcher.install import DEFAULT_CHROMIUM_ID, FIREFOX_ID, HOST_NAME, install, uninstall
from common.errors import ConfigError


def _assert_launcher_answers_ping(launcher, socket_address: str, *args: str) -> None:
    """Run the launcher as a browser does (bare environment, framed ping on stdin)."""
    data = json.dumps({"type": "ping"}).encode()
    proc = subprocess.run(
        [str(launcher), *args],
        input=struct.pack("=I", len(data)) + data,
        capture_output=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin", "ASSIST_WATCHER_SOCKET": socket_address},
        cwd="/",
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert b'"pong"' in proc.stdout


def test_linux_manifests_and_launcher(tmp_path, socket_address):
    result = install(home=tmp_path / "home", data_dir=tmp_path / "data", platform="linux")
    chrome = tmp_path / "home/.config/google-chrome/NativeMessagingHosts" / f"{HOST_NAME}.json"
    firefox = tmp_path / "home/.mozilla/native-messaging-hosts" / f"{HOST_NAME}.json"
    assert chrome in result.manifests and firefox in result.manifests and len(result.manifests) == 5
    manifest = json.loads(chrome.read_text())
    assert manifest["name"] == HOST_NAME and manifest["type"] == "stdio"
    assert manifest["allowed_origins"] == [f"chrome-extension://{DEFAULT_CHROMIUM_ID}/"]
    assert json.loads(firefox.read_text())["allowed_extensions"] == [FIREFOX_ID]
    assert os.access(result.launcher, os.X_OK) and manifest["path"] == str(result.launcher)

    # The launcher really starts the host (browsers run it with a bare environment).
    _assert_launcher_answers_ping(result.launcher, socket_address)

    removed = uninstall(home=tmp_path / "home", data_dir=tmp_path / "data")
    assert chrome in removed and not chrome.exists()


def test_extension_id_matches_the_manifest_key_and_is_validated(tmp_path):
    import base64
    import hashlib
    from pathlib import Path

    key = json.loads((Path(__file__).resolve().parents[2] / "extension/chromium/manifest.json").read_text())[
        "key"
    ]
    digest = hashlib.sha256(base64.b64decode(key)).hexdigest()[:32]
    assert "".join(chr(ord("a") + int(c, 16)) for c in digest) == DEFAULT_CHROMIUM_ID
    with pytest.raises(ConfigError):
        install(["not-an-id"], home=tmp_path, data_dir=tmp_path, platform="linux")
    other = "a" * 32
    res = install([other], home=tmp_path, data_dir=tmp_path, platform="darwin")
    mac = tmp_path / "Library/Application Support/Google/Chrome/NativeMessagingHosts" / f"{HOST_NAME}.json"
    assert mac in res.manifests
    assert json.loads(mac.read_text())["allowed_origins"] == [f"chrome-extension://{other}/"]


def test_extension_manifests_are_valid():
    from pathlib import Path

    ext = Path(__file__).resolve().parents[2] / "extension"
    chromium = json.loads((ext / "chromium/manifest.json").read_text())
    assert chromium["manifest_version"] == 3 and "nativeMessaging" in chromium["permissions"]
    assert chromium["background"]["service_worker"] == "background.js"
    firefox = json.loads((ext / "firefox/manifest.json").read_text())
    assert firefox["browser_specific_settings"]["gecko"]["id"] == FIREFOX_ID
    for d in ("chromium", "firefox"):
        assert HOST_NAME in (ext / d / "background.js").read_text()


def test_frozen_app_launcher_runs_assist_watcher_host(tmp_path, socket_address, monkeypatch):
    """In the PyInstaller app there is no interpreter for `-m`: the launcher runs `assist watcher host`."""
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    app = tmp_path / "AgentAssist"
    app.mkdir()
    # Stand-in for the frozen `assist` executable beside the running one.
    stand_in = f'#!/bin/sh\nPYTHONPATH="{repo}" exec "{sys.executable}" -m assist.cli "$@"\n'
    (app / "assist").write_text(stand_in)
    (app / "assist").chmod(0o755)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(app / "assist-sidebar"))
    result = install(home=tmp_path / "home", data_dir=tmp_path / "data", platform="linux")
    assert f'"{app / "assist"}" watcher host' in result.launcher.read_text()

    # Chrome passes the caller's origin as an argument.
    _assert_launcher_answers_ping(
        result.launcher, socket_address, f"chrome-extension://{DEFAULT_CHROMIUM_ID}/"
    )


def test_system_install_writes_every_users_locations(tmp_path, socket_address):
    """`--system` (IT): manifests where every user's browser looks, readable by all, and a launcher
    every user can run; nothing in anyone's home."""
    root = tmp_path / "root"
    (root / "usr/lib64").mkdir(parents=True)  # a Fedora-style tree: Firefox reads lib64 there
    home = tmp_path / "home"
    result = install(system=True, root=root, home=home, platform="linux")
    name = f"{HOST_NAME}.json"
    chromium = [
        root / "etc/opt/chrome/native-messaging-hosts" / name,
        root / "etc/chromium/native-messaging-hosts" / name,
        root / "etc/opt/edge/native-messaging-hosts" / name,
    ]
    firefox = [
        root / "usr/lib/mozilla/native-messaging-hosts" / name,
        root / "usr/lib64/mozilla/native-messaging-hosts" / name,
    ]
    assert result.manifests == chromium + firefox
    assert result.launcher == root / "usr/local/lib/agent-assist/native-host/assist-native-host"
    assert result.launcher.stat().st_mode & 0o777 == 0o755
    for path in chromium + firefox:
        assert path.stat().st_mode & 0o777 == 0o644
        assert json.loads(path.read_text())["path"] == str(result.launcher)
    assert json.loads(chromium[1].read_text())["allowed_origins"] == [
        f"chrome-extension://{DEFAULT_CHROMIUM_ID}/"
    ]
    assert json.loads(firefox[0].read_text())["allowed_extensions"] == [FIREFOX_ID]
    assert not home.exists()
    _assert_launcher_answers_ping(result.launcher, socket_address)

    removed = uninstall(system=True, root=root, platform="linux")
    assert sorted(removed) == sorted([*chromium, *firefox, result.launcher])
    assert not any(p.exists() for p in removed)


def test_system_install_macos_locations(tmp_path):
    result = install(["b" * 32], system=True, root=tmp_path, platform="darwin")
    name = f"{HOST_NAME}.json"
    assert result.manifests == [
        tmp_path / "Library/Google/Chrome/NativeMessagingHosts" / name,
        tmp_path / "Library/Application Support/Chromium/NativeMessagingHosts" / name,
        tmp_path / "Library/Microsoft/Edge/NativeMessagingHosts" / name,
        tmp_path / "Library/Application Support/Mozilla/NativeMessagingHosts" / name,
    ]
    assert result.launcher.parent == tmp_path / "Library/Application Support/AgentAssist/native-host"
    edge = json.loads(result.manifests[2].read_text())
    assert edge["allowed_origins"] == [f"chrome-extension://{'b' * 32}/"]


def test_system_install_without_rights_says_what_is_needed(monkeypatch, capsys):
    """No right to write a system location: a clear message and exit 1, not a traceback. (The write
    is refused by a stand-in: the tests run as root in CI, where nothing would be refused.)"""
    from assist import cli
    from assist.watcher import install as install_module

    def refused(directory, _python):
        raise PermissionError(13, "Permission denied", str(directory))

    monkeypatch.setattr(install_module, "_write_launcher", refused)
    assert cli.main(["watcher", "install", "--system"]) == 1
    err = capsys.readouterr().err
    assert "native-host" in err and "sudo" in err
