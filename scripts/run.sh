#!/usr/bin/env bash
# Set up (idempotent) and serve the app in production mode on 127.0.0.1.
#   scripts/run.sh [PORT]        default port 3000 (or $PORT)
# Without CALLS_APP_ID/CALLS_APP_SECRET the local Calls stand-in (python -m reflex_meet.sfu)
# is started on 127.0.0.1 too, with a fresh secret, and stopped on exit.
# MEET_FAKE_AI=1 (without OPENAI_API_TOKEN) starts the local fake of the OpenAI
# realtime endpoint (python -m reflex_meet.realtime_fake) the same way, for the AI
# participant with no account: it answers speech with a short synthesised clip.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$HERE/setup.sh"
source "$HERE/env.sh"
PORT=${1:-${PORT:-3000}}
cd "$ROOT"
export REFLEX_API_URL=${REFLEX_API_URL:-http://127.0.0.1:$PORT}
export REFLEX_DEPLOY_URL=${REFLEX_DEPLOY_URL:-http://127.0.0.1:$PORT}

STANDIN_PID=""
FAKE_AI_PID=""
cleanup() {
  if [[ -n "$STANDIN_PID" ]]; then kill -TERM -- "-$STANDIN_PID" 2>/dev/null || true; fi
  if [[ -n "$FAKE_AI_PID" ]]; then kill -TERM -- "-$FAKE_AI_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT INT TERM

if [[ -z "${CALLS_APP_ID:-}" && -z "${CALLS_APP_SECRET:-}" ]]; then
  export LOCAL_CALLS_APP_ID=${LOCAL_CALLS_APP_ID:-local}
  export LOCAL_CALLS_SECRET=${LOCAL_CALLS_SECRET:-$(python -c 'import secrets; print(secrets.token_urlsafe(24))')}
  STANDIN_LOG=${STANDIN_LOG:-$ROOT/.states/standin.log}
  mkdir -p "$(dirname "$STANDIN_LOG")"
  FIFO=$(mktemp -u)
  mkfifo "$FIFO"
  setsid python -m reflex_meet.sfu --host 127.0.0.1 --port "${STANDIN_PORT:-0}" \
    --app-id "$LOCAL_CALLS_APP_ID" --app-secret="$LOCAL_CALLS_SECRET" \
    >"$FIFO" 2>"$STANDIN_LOG" &
  STANDIN_PID=$!
  read -r -t 30 READY <"$FIFO" || { echo "[run] the Calls stand-in did not start; see $STANDIN_LOG" >&2; exit 1; }
  rm -f "$FIFO"
  export LOCAL_CALLS_URL=${READY##* }
  echo "[run] local Calls stand-in at $LOCAL_CALLS_URL (log: $STANDIN_LOG)"
fi

if [[ "${MEET_FAKE_AI:-}" == "1" && -z "${OPENAI_API_TOKEN:-}" ]]; then
  export OPENAI_API_TOKEN=$(python -c 'import secrets; print(secrets.token_urlsafe(24))')
  FAKE_AI_LOG=${FAKE_AI_LOG:-$ROOT/.states/realtime_fake.log}
  mkdir -p "$(dirname "$FAKE_AI_LOG")"
  FIFO=$(mktemp -u)
  mkfifo "$FIFO"
  REALTIME_FAKE_TOKEN=$OPENAI_API_TOKEN setsid python -m reflex_meet.realtime_fake \
    --host 127.0.0.1 --port "${FAKE_AI_PORT:-0}" >"$FIFO" 2>"$FAKE_AI_LOG" &
  FAKE_AI_PID=$!
  read -r -t 30 READY <"$FIFO" || { echo "[run] the fake AI endpoint did not start; see $FAKE_AI_LOG" >&2; exit 1; }
  rm -f "$FIFO"
  export OPENAI_MODEL_ENDPOINT=${READY##* }
  echo "[run] fake OpenAI realtime endpoint at $OPENAI_MODEL_ENDPOINT (log: $FAKE_AI_LOG)"
fi

echo "[run] serving on http://127.0.0.1:$PORT (production build; first build takes a minute)"
reflex run --env prod --frontend-port "$PORT" --backend-port "$PORT"
