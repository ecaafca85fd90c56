"""`assist watcher install`: register the native-messaging host for the current user.

Writes a launcher script (runs `python -m assist.watcher.native_host` with this interpreter, or
`assist watcher host` in the PyInstaller app, which has no interpreter to run `-m`) and
the host manifest into every browser's per-user location, so no admin rights are needed:

- Linux:   ~/.config/{google-chrome,chromium,microsoft-edge,BraveSoftware/Brave-Browser}/
           NativeMessagingHosts/,
           ~/.mozilla/native-messaging-hosts/
- macOS:   ~/Library/Application Support/{Google/Chrome,Chromium,Microsoft Edge,…}/NativeMessagingHosts/,
           ~/Library/Application Support/Mozilla/NativeMessagingHosts/
- Windows: manifests in the data dir, registered under HKCU\\Software\\…\\NativeMessagingHosts\\<name>

https://developer.chrome.com/docs/extensions/develop/concepts/native-messaging#native-messaging-host-location
https://developer.mozilla.org/en-US/docs/Mozilla/Add-ons/WebExtensions/Native_manifests
"""

from __future__ import annotations

import json
import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

HOST_NAME = "com.agentassist.watcher"
# Stable because extension/chromium/manifest.json carries a "key"; the Web Store ID differs and is
# passed with --extension-id.
DEFAULT_CHROMIUM_ID = "ffdlijdgnfbfcfamlpfjlalagggppdan"
FIREFOX_ID = "watcher@agent-assist.local"

_LINUX_CHROMIUM = [
    ".config/google-chrome",
    ".config/chromium",
    ".config/microsoft-edge",
    ".config/BraveSoftware/Brave-Browser",
]
_MAC_CHROMIUM = [
    "Library/Application Support/Google/Chrome",
    "Library/Application Support/Chromium",
    "Library/Application Support/Microsoft Edge",
    "Library/Application Support/BraveSoftware/Brave-Browser",
]
_WIN_KEYS = [
    r"Software\Google\Chrome\NativeMessagingHosts",
    r"Software\Chromium\NativeMessagingHosts",
    r"Software\Microsoft\Edge\NativeMessagingHosts",
    r"Software\BraveSoftware\Brave-Browser\NativeMessagingHosts",
]
_WIN_FIREFOX_KEY = r"Software\Mozilla\NativeMessagingHosts"


@dataclass
class InstallResult:
    launcher: Path
    manifests: list[Path] = field(default_factory=list)
    registry_keys: list[str] = field(default_factory=list)


def _host_command(python: str) -> str:
    """The command line that starts the host, quoted for the launcher script."""
    if getattr(sys, "frozen", False) and python == sys.executable:
        # PyInstaller app (build.spec): the `assist` executable beside this one runs the host.
        assist = Path(sys.executable).with_name("assist.exe" if sys.platform == "win32" else "assist")
        return f'"{assist}" watcher host'
    return f'"{python}" -m assist.watcher.native_host'


def _write_launcher(directory: Path, python: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    command = _host_command(python)
    if sys.platform == "win32":
        path = directory / "assist-native-host.bat"
        path.write_text(f"@echo off\r\n{command} %*\r\n")
        return path
    path = directory / "assist-native-host"
    # The browser starts the host with a minimal environment and an arbitrary cwd: use absolute
    # paths, and put the project on PYTHONPATH in case it is not pip-installed.
    root = Path(__file__).resolve().parents[2]
    path.write_text(f'#!/bin/sh\nPYTHONPATH="{root}${{PYTHONPATH:+:$PYTHONPATH}}" exec {command} "$@"\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def chromium_manifest(launcher: Path, extension_ids: list[str]) -> dict[str, object]:
    return {
        "name": HOST_NAME,
        "description": "Agent Assist: follow the ticket open in the browser",
        "path": str(launcher),
        "type": "stdio",
        "allowed_origins": [f"chrome-extension://{eid}/" for eid in extension_ids],
    }


def firefox_manifest(launcher: Path) -> dict[str, object]:
    return {
        "name": HOST_NAME,
        "description": "Agent Assist: follow the ticket open in the browser",
        "path": str(launcher),
        "type": "stdio",
        "allowed_extensions": [FIREFOX_ID],
    }


def install(
    extension_ids: list[str] | None = None,
    *,
    home: Path | None = None,
    data_dir: Path | None = None,
    python: str | None = None,
    platform: str | None = None,
) -> InstallResult:
    """Install for the current user; safe to run again (overwrites our own files only)."""
    from common.paths import data_dir as default_data_dir

    home = home or Path.home()
    platform = platform or sys.platform
    ids = extension_ids or [DEFAULT_CHROMIUM_ID]
    for eid in ids:
        if len(eid) != 32 or not all("a" <= c <= "p" for c in eid):
            from common.errors import ConfigError

            raise ConfigError(f"{eid!r} is not a Chromium extension id (32 letters a–p).")
    base = data_dir or default_data_dir()
    launcher = _write_launcher(base / "native-host", python or sys.executable)
    result = InstallResult(launcher=launcher)
    chromium = json.dumps(chromium_manifest(launcher, ids), indent=2)
    firefox = json.dumps(firefox_manifest(launcher), indent=2)
    if platform == "win32":
        manifest_dir = base / "native-host"
        (manifest_dir / f"{HOST_NAME}.json").write_text(chromium)
        (manifest_dir / f"{HOST_NAME}.firefox.json").write_text(firefox)
        result.manifests += [manifest_dir / f"{HOST_NAME}.json", manifest_dir / f"{HOST_NAME}.firefox.json"]
        import winreg  # type: ignore[import-not-found]

        for key, manifest in [(k, f"{HOST_NAME}.json") for k in _WIN_KEYS] + [
            (_WIN_FIREFOX_KEY, f"{HOST_NAME}.firefox.json")
        ]:
            with winreg.CreateKey(winreg.HKEY_CURRENT_USER, rf"{key}\{HOST_NAME}") as handle:
                winreg.SetValue(handle, "", winreg.REG_SZ, str(manifest_dir / manifest))
            result.registry_keys.append(rf"HKCU\{key}\{HOST_NAME}")
        return result
    mac = platform == "darwin"
    for rel in _MAC_CHROMIUM if mac else _LINUX_CHROMIUM:
        target = home / rel / "NativeMessagingHosts" / f"{HOST_NAME}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(chromium)
        result.manifests.append(target)
    ff_dir = (
        home / "Library/Application Support/Mozilla/NativeMessagingHosts"
        if mac
        else home / ".mozilla/native-messaging-hosts"
    )
    ff_dir.mkdir(parents=True, exist_ok=True)
    (ff_dir / f"{HOST_NAME}.json").write_text(firefox)
    result.manifests.append(ff_dir / f"{HOST_NAME}.json")
    return result


def uninstall(*, home: Path | None = None, data_dir: Path | None = None) -> list[Path]:
    from common.paths import data_dir as default_data_dir

    home = home or Path.home()
    removed = []
    candidates = [
        home / rel / "NativeMessagingHosts" / f"{HOST_NAME}.json" for rel in _LINUX_CHROMIUM + _MAC_CHROMIUM
    ]
    candidates += [
        home / ".mozilla/native-messaging-hosts" / f"{HOST_NAME}.json",
        home / "Library/Application Support/Mozilla/NativeMessagingHosts" / f"{HOST_NAME}.json",
        (data_dir or default_data_dir()) / "native-host" / "assist-native-host",
    ]
    for path in candidates:
        if path.exists():
            os.unlink(path)
            removed.append(path)
    return removed
