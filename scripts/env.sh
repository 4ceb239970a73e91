# Sourced by the run and test scripts: the environment Reflex needs here.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${MEET_VENV:-$ROOT/.venv}
export PATH="$VENV/bin:$PATH"
# Without this Reflex downloads bun, which this network cannot reach.
export REFLEX_USE_NPM=1
export REFLEX_TELEMETRY_ENABLED=false
export REFLEX_CHECK_LATEST_VERSION=false
