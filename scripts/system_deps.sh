#!/usr/bin/env bash
# Debian packages the tests need: Qt's xcb/EGL libs and Xvfb (real-window screenshots), perl for
# Request Tracker (whose own packages the RT tests download and unpack, never install), and Chromium
# (the browser extension's round trip, tests/watcher/test_chromium_roundtrip.py). Root only;
# skipped quietly when present or when not root (a developer machine with its own desktop).
set -uo pipefail
need=()
# Qt's xcb platform plugin (real windows under Xvfb, for screenshots) loads all these libxcb parts.
for pkg in libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 \
  libxcb-keysyms1 libxcb-render-util0 libxcb-xinerama0 libxcb-randr0 libxcb-shape0 libxcb-xfixes0 libxcb-xkb1 \
  libfontconfig1 libdbus-1-3 xvfb xauth perl chromium; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ "$(id -u)" != 0 ]; then
  [ ${#need[@]} -eq 0 ] || echo "note: missing Debian packages ${need[*]} (install them as root for the Qt tests)" >&2
  exit 0
fi
# The RT tests run `apt-get download`, which needs current package lists even when nothing is missing.
if [ ${#need[@]} -gt 0 ] || [ "${CI:-}" = "true" ] || [ ! -d /var/lib/apt/lists/partial ]; then
  apt-get update -qq >/dev/null 2>&1 || echo "warning: apt-get update failed" >&2
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "==> apt-get install ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
exit 0
