#!/usr/bin/env bash
# Set up (idempotent) and serve the app in production mode on 127.0.0.1.
#   scripts/run.sh [PORT]        default port 3000 (or $PORT)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$HERE/setup.sh"
source "$HERE/env.sh"
PORT=${1:-${PORT:-3000}}
cd "$ROOT"
echo "[run] serving on http://127.0.0.1:$PORT (production build; first build takes a minute)"
export REFLEX_API_URL=${REFLEX_API_URL:-http://127.0.0.1:$PORT}
export REFLEX_DEPLOY_URL=${REFLEX_DEPLOY_URL:-http://127.0.0.1:$PORT}
exec reflex run --env prod --frontend-port "$PORT" --backend-port "$PORT"
