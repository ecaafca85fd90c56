"""`assist watcher install [--system]`: register the native-messaging host.

Writes a launcher script (runs `python -m assist.watcher.native_host` with this interpreter, or
`assist watcher host` in the PyInstaller app, which has no interpreter to run `-m`) and
the host manifest into every browser's per-user location, so no admin rights are needed:

- Linux:   ~/.config/{google-chrome,chromium,microsoft-edge,BraveSoftware/Brave-Browser}/
           NativeMessagingHosts/,
           ~/.mozilla/native-messaging-hosts/
- macOS:   ~/Library/Application Support/{Google/Chrome,Chromium,Microsoft Edge,…}/NativeMessagingHosts/,
           ~/Library/Application Support/Mozilla/NativeMessagingHosts/
- Windows: manifests in the data dir, registered under HKCU\\Software\\…\\NativeMessagingHosts\\<name>

Chromium-based browsers read the per-user directory inside their user-data dir: a browser started
with another `--user-data-dir` looks in `<that dir>/NativeMessagingHosts/` instead (checked with
Debian's Chromium 156 in tests/watcher/test_chromium_roundtrip.py).

`system=True` (`--system`, for IT; needs root/administrator) writes the launcher and manifests where
every user's browser finds them instead:

- Linux:   launcher in /usr/local/lib/agent-assist/native-host/; manifests in
           /etc/opt/chrome/native-messaging-hosts/ (Chrome),
           /etc/chromium/native-messaging-hosts/, /etc/opt/edge/native-messaging-hosts/,
           /usr/lib/mozilla/native-messaging-hosts/ (and /usr/lib64/mozilla/… where /usr/lib64 exists)
- macOS:   launcher in /Library/Application Support/AgentAssist/native-host/; manifests in
           /Library/Google/Chrome/NativeMessagingHosts/,
           /Library/Application Support/Chromium/NativeMessagingHosts/,
           /Library/Microsoft/Edge/NativeMessagingHosts/,
           /Library/Application Support/Mozilla/NativeMessagingHosts/
- Windows: launcher and manifests in %ProgramData%\\AgentAssist\\native-host, registered under
           HKLM\\Software\\…\\NativeMessagingHosts\\<name>

https://developer.chrome.com/docs/extensions/develop/concepts/native-messaging#native-messaging-host-location
https://developer.mozilla.org/en-US/docs/Mozilla/Add-ons/WebExtensions/Native_manifests
"""

from __future__ import annotations

import json
import os
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
# System-wide locations (relative to the filesystem root), for `--system`.
_LINUX_SYSTEM_CHROMIUM = [
    "etc/opt/chrome/native-messaging-hosts",
    "etc/chromium/native-messaging-hosts",
    "etc/opt/edge/native-messaging-hosts",
]
_LINUX_SYSTEM_FIREFOX = "usr/lib/mozilla/native-messaging-hosts"
_LINUX_SYSTEM_FIREFOX_64 = "usr/lib64/mozilla/native-messaging-hosts"  # Fedora/RHEL builds
_LINUX_SYSTEM_LAUNCHER = "usr/local/lib/agent-assist/native-host"
_MAC_SYSTEM_CHROMIUM = [
    "Library/Google/Chrome/NativeMessagingHosts",
    "Library/Application Support/Chromium/NativeMessagingHosts",
    "Library/Microsoft/Edge/NativeMessagingHosts",
]
_MAC_SYSTEM_FIREFOX = "Library/Application Support/Mozilla/NativeMessagingHosts"
_MAC_SYSTEM_LAUNCHER = "Library/Application Support/AgentAssist/native-host"


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
    path.chmod(0o755)  # the browser runs it as the agent, whoever installed it
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


@dataclass(frozen=True)
class _Locations:
    """Where one scope (this user, or every user of the machine) puts the launcher and manifests."""

    launcher_dir: Path
    chromium_dirs: list[Path]
    firefox_dirs: list[Path]


def _locations(platform: str, *, system: bool, root: Path, home: Path, data_dir: Path) -> _Locations:
    """POSIX locations; Windows registers manifests in the registry instead (`_register_windows`)."""
    mac = platform == "darwin"
    if system:
        if mac:
            return _Locations(
                root / _MAC_SYSTEM_LAUNCHER,
                [root / rel for rel in _MAC_SYSTEM_CHROMIUM],
                [root / _MAC_SYSTEM_FIREFOX],
            )
        firefox = [root / _LINUX_SYSTEM_FIREFOX]
        if (root / "usr/lib64").is_dir():
            firefox.append(root / _LINUX_SYSTEM_FIREFOX_64)
        return _Locations(
            root / _LINUX_SYSTEM_LAUNCHER, [root / rel for rel in _LINUX_SYSTEM_CHROMIUM], firefox
        )
    return _Locations(
        data_dir / "native-host",
        [home / rel / "NativeMessagingHosts" for rel in (_MAC_CHROMIUM if mac else _LINUX_CHROMIUM)],
        [
            home / "Library/Application Support/Mozilla/NativeMessagingHosts"
            if mac
            else home / ".mozilla/native-messaging-hosts"
        ],
    )


def _write_manifest(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o644)  # every user's browser reads a system-wide manifest
    return path


def _register_windows(
    result: InstallResult, directory: Path, chromium: str, firefox: str, system: bool
) -> None:
    """Manifests beside the launcher, registered under HKCU (this user) or HKLM (`system`)."""
    import winreg  # type: ignore[import-not-found]

    manifests = {
        "chromium": directory / f"{HOST_NAME}.json",
        "firefox": directory / f"{HOST_NAME}.firefox.json",
    }
    result.manifests += [
        _write_manifest(manifests["chromium"], chromium),
        _write_manifest(manifests["firefox"], firefox),
    ]
    hive, hive_name = (winreg.HKEY_LOCAL_MACHINE, "HKLM") if system else (winreg.HKEY_CURRENT_USER, "HKCU")
    for key, kind in [(k, "chromium") for k in _WIN_KEYS] + [(_WIN_FIREFOX_KEY, "firefox")]:
        with winreg.CreateKey(hive, rf"{key}\{HOST_NAME}") as handle:
            winreg.SetValue(handle, "", winreg.REG_SZ, str(manifests[kind]))
        result.registry_keys.append(rf"{hive_name}\{key}\{HOST_NAME}")


def _windows_system_dir() -> Path:
    from platformdirs import site_data_dir

    # The shell's CSIDL_COMMON_APPDATA (C:\ProgramData), as for the system config.toml.
    return Path(site_data_dir("AgentAssist", appauthor=False)) / "native-host"


def install(
    extension_ids: list[str] | None = None,
    *,
    system: bool = False,
    root: Path | None = None,
    home: Path | None = None,
    data_dir: Path | None = None,
    python: str | None = None,
    platform: str | None = None,
) -> InstallResult:
    """Install for the current user, or for every user of this machine; safe to run again
    (overwrites our own files only).

    Args:
        extension_ids: Chromium extension ids allowed to talk to the host (default: the unpacked
            extension's, `DEFAULT_CHROMIUM_ID`).
        system: write to the system-wide locations (needs root/administrator).
        root: prefix for the system-wide paths (tests, building a disk image); default `/`.
        home, data_dir, python, platform: overrides for tests.

    Raises:
        ConfigError: a malformed extension id, or no right to write a location.
    """
    from common.errors import ConfigError
    from common.paths import data_dir as default_data_dir

    platform = platform or sys.platform
    ids = extension_ids or [DEFAULT_CHROMIUM_ID]
    for eid in ids:
        if len(eid) != 32 or not all("a" <= c <= "p" for c in eid):
            raise ConfigError(f"{eid!r} is not a Chromium extension id (32 letters a–p).")
    # A root with umask 077 would make files other users' browsers cannot read.
    old_umask = os.umask(0o022) if system else None
    try:
        if platform == "win32":
            directory = (
                (root / "ProgramData/AgentAssist/native-host" if root else _windows_system_dir())
                if system
                else (data_dir or default_data_dir()) / "native-host"
            )
            launcher = _write_launcher(directory, python or sys.executable)
            result = InstallResult(launcher=launcher)
            _register_windows(
                result,
                directory,
                json.dumps(chromium_manifest(launcher, ids), indent=2),
                json.dumps(firefox_manifest(launcher), indent=2),
                system,
            )
            return result
        where = _locations(
            platform,
            system=system,
            root=root or Path("/"),
            home=home or Path.home(),
            data_dir=data_dir or default_data_dir(),
        )
        launcher = _write_launcher(where.launcher_dir, python or sys.executable)
        result = InstallResult(launcher=launcher)
        chromium = json.dumps(chromium_manifest(launcher, ids), indent=2)
        firefox = json.dumps(firefox_manifest(launcher), indent=2)
        for directory in where.chromium_dirs:
            result.manifests.append(_write_manifest(directory / f"{HOST_NAME}.json", chromium))
        for directory in where.firefox_dirs:
            result.manifests.append(_write_manifest(directory / f"{HOST_NAME}.json", firefox))
        return result
    except PermissionError as exc:
        hint = " Installing for every user needs root (sudo) or an administrator." if system else ""
        raise ConfigError(f"Cannot write {exc.filename or 'the registry'}.{hint}") from exc
    finally:
        if old_umask is not None:
            os.umask(old_umask)


def uninstall(
    *,
    system: bool = False,
    root: Path | None = None,
    home: Path | None = None,
    data_dir: Path | None = None,
    platform: str | None = None,
) -> list[Path]:
    """Remove what `install` wrote (POSIX); the paths removed."""
    from common.paths import data_dir as default_data_dir

    home = home or Path.home()
    if system:
        where = _locations(
            platform or sys.platform, system=True, root=root or Path("/"), home=home, data_dir=home
        )
        candidates = [d / f"{HOST_NAME}.json" for d in where.chromium_dirs + where.firefox_dirs]
        candidates.append(where.launcher_dir / "assist-native-host")
    else:
        candidates = [
            home / rel / "NativeMessagingHosts" / f"{HOST_NAME}.json"
            for rel in _LINUX_CHROMIUM + _MAC_CHROMIUM
        ]
        candidates += [
            home / ".mozilla/native-messaging-hosts" / f"{HOST_NAME}.json",
            home / "Library/Application Support/Mozilla/NativeMessagingHosts" / f"{HOST_NAME}.json",
            (data_dir or default_data_dir()) / "native-host" / "assist-native-host",
        ]
    removed = []
    for path in candidates:
        if path.exists():
            os.unlink(path)
            removed.append(path)
    return removed
