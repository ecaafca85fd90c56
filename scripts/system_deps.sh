#!/usr/bin/env bash
# Debian packages the tests and screenshots need (Qt's xcb/EGL libs, Xvfb). Root only; skipped
# quietly when already present or when not root (a developer machine with its own desktop).
set -uo pipefail
need=()
for pkg in libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 xvfb xauth; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "note: missing Debian packages ${need[*]} (install them as root for the Qt tests)" >&2
  exit 0
fi
echo "==> apt-get install ${need[*]}"
apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
