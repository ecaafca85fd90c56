#!/usr/bin/env bash
# The README's first command: set up (first run ~10 min), then open the sidebar on the demo KB and
# demo helpdesk with the default models. With no display (a server, CI), it indexes the demo KB,
# prints the report and answers one demo ticket on the terminal instead.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
export ASSIST_DATA_DIR="${ASSIST_DATA_DIR:-$PWD/.assist-data}"
db="$ASSIST_DATA_DIR/demo-index"
# The demo tickets describe 2026-11-20 09:00 UTC; the live clock makes that moment "now", so the
# queue's waits, SLA countdowns and alerts look as written (and keep running).
export ASSIST_DEMO_LIVE_CLOCK="${ASSIST_DEMO_LIVE_CLOCK:-1}"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || [ "$(uname)" = "Darwin" ]; then
  exec .venv/bin/assist-sidebar --demo "$@"
fi
echo "No display found: indexing the demo KB and answering demo ticket 1001 on the terminal."
.venv/bin/assist-index demo/kb/confluence/LUMEN-html-export.zip demo/kb/notion/Lumen-Notion-export.zip \
  demo/kb/docs --db "$db"
ASSIST_HELPDESK_KIND=demo .venv/bin/assist queue
ASSIST_HELPDESK_KIND=demo .venv/bin/assist ticket show 1001
head -1 demo/tickets.jsonl > "$ASSIST_DATA_DIR/ticket-1001.json"
.venv/bin/assist ask --ticket "$ASSIST_DATA_DIR/ticket-1001.json" --db "$db"
