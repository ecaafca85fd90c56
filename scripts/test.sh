#!/usr/bin/env bash
# Set up (idempotent) and run the whole test suite. Extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
bash scripts/system_deps.sh
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
