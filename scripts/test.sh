#!/usr/bin/env bash
# Set up (idempotent: test tools, Chromium, Redis, PostgreSQL on 127.0.0.1:5432)
# and run the whole test suite.
#   scripts/test.sh [pytest args]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$HERE/setup.sh" --test
"$HERE/ensure_postgres.sh"
source "$HERE/env.sh"
cd "$ROOT"
echo "[test] ruff"
ruff check .
echo "[test] pytest"
exec python -m pytest "$@"
