#!/usr/bin/env bash
# The README's second command: set up (if needed) and run the tests.
exec "$(dirname "$0")/scripts/test.sh" "$@"
